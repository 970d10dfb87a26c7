import { describe, expect, it } from "@jest/globals";
import { compileTemplate, ConfigError } from "@turnpike/core";
import type { Request, Response } from "express";

const req = { ip: "10.0.0.1", method: "GET", headers: { "x-user": "bob", host: "h" }, user: { id: "u1" } } as unknown as Request;
const res = {
  locals: { turnpike: { requestId: "r-1", consumer: { id: "c-9", username: "carol" }, apiEndpoint: { name: "api" } } },
} as unknown as Response;

describe("compileTemplate", () => {
  it.each([
    ["${req.user.id}", "u1"],
    ["key-${req.headers['x-user']}-${req.ip}", "key-bob-10.0.0.1"],
    ['${req.headers["x-user"]}', "bob"],
    ["${consumer.username}/${requestID}/${apiEndpoint.name}", "carol/r-1/api"],
    ["${egContext.req.user.id}", "u1"],
    ["${req.user.missing || req.ip}", "10.0.0.1"],
    ["${req.nothing.deeper}", ""],
    ["${req.nope ?? 'anon'}", "anon"],
    ["plain", "plain"],
    ["${req.user}", '{"id":"u1"}'],
  ])("%s -> %s", (template, expected) => {
    expect(compileTemplate(template)(req, res)).toBe(expected);
  });

  it("knows when a template is constant", () => {
    expect(compileTemplate("abc").constant).toBe(true);
    expect(compileTemplate("${req.ip}").constant).toBe(false);
  });

  it.each([
    ["${process.exit()}", /unknown name "process"/],
    ["${req.constructor}", /may not be read/],
    ["${req['__proto__']}", /may not be read/],
    ["${req.ip + 1}", /only property paths/],
    ["${req.headers.x-user}", /use \['x-user'\]/],
    ["${require('fs')}", /unknown name "require"/],
    ["${req.ip", /missing \}/],
  ])("refuses %s at load time", (template, message) => {
    expect(() => compileTemplate(template, "pipelines.p.policies[0].log.message")).toThrow(ConfigError);
    expect(() => compileTemplate(template, "pipelines.p.policies[0].log.message")).toThrow(message);
  });

  it("reads declared variables from the third argument, and only declared ones", () => {
    const template = compileTemplate("/profiles/${calls.user.body.profileId}?v=${req.user.id}", "", { variables: ["calls"] });
    expect(template(req, res, { calls: { user: { body: { profileId: 42 } } } })).toBe("/profiles/42?v=u1");
    expect(template(req, res)).toBe("/profiles/?v=u1");
    expect(() => compileTemplate("${calls.user}")).toThrow(/unknown name "calls"/);
    expect(() => compileTemplate("${x}", "", { variables: ["req"] })).toThrow(/would hide a built-in name/);
  });

  it("encodes interpolated values, never the literal text", () => {
    const template = compileTemplate("/a b/${calls.id}", "", { variables: ["calls"], encode: encodeURIComponent });
    expect(template(req, res, { calls: { id: "../admin?x=1" } })).toBe("/a b/..%2Fadmin%3Fx%3D1");
  });

  it("lists the property paths it reads", () => {
    const template = compileTemplate("${calls.user.body['id'] || calls.other} ${req.ip} ${'lit'}", "", { variables: ["calls"] });
    expect(template.reads).toEqual([
      ["calls", "user", "body", "id"],
      ["calls", "other"],
      ["req", "ip"],
    ]);
  });
});
