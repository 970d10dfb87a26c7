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
});
