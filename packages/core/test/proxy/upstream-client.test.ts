import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createGateway, createUpstreamClient, definePolicy, type GatewayError, silentLogger, type Gateway } from "@turnpike/core";
import { startUpstream, type TestUpstream } from "@turnpike/testing";
import request from "supertest";

/** A policy that calls `target` through an upstream client and answers what it got (or the error). */
const callPolicy = definePolicy<{ target: Record<string, unknown>; path: string; maxBodySize: number; timeout?: number }>({
  name: "call-upstream",
  schema: {
    type: "object",
    properties: { target: { type: "object" }, path: { type: "string" }, maxBodySize: { type: "integer" }, timeout: { type: "integer" } },
  },
  create(options, ctx) {
    const client = createUpstreamClient(options.target, ctx, `${ctx.path}.target`);
    return async function callUpstream(req, res) {
      try {
        const answer = await client.request(req, res, {
          path: options.path,
          headers: { "accept-language": req.headers["accept-language"], connection: "x-drop", "x-drop": "1", "x-consumer-id": "forged" },
          maxBodySize: options.maxBodySize,
          ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
        });
        res.json({ status: answer.status, body: answer.body.toString() });
      } catch (err) {
        const e = err as GatewayError;
        res.status(599).json({ code: e.code, status: e.status });
      }
    };
  },
});

describe("createUpstreamClient", () => {
  let a: TestUpstream;
  let b: TestUpstream;
  let slow: TestUpstream;
  let gw: Gateway;

  beforeAll(async () => {
    a = await startUpstream((_req, res) => res.end("from-a"));
    b = await startUpstream((_req, res) => res.end("from-b"));
    slow = await startUpstream((_req, res) => setTimeout(() => res.end("late"), 500));
    const step = (target: Record<string, unknown>, extra: Record<string, unknown> = {}) => [
      { "call-upstream": { target, path: "/x?y=1", maxBodySize: 1024, ...extra } },
    ];
    gw = await createGateway({
      logger: silentLogger,
      policies: [callPolicy],
      config: {
        apiEndpoints: { both: { paths: ["/both"] }, slow: { paths: ["/slow"] }, big: { paths: ["/big"] }, base: { paths: ["/base"] } },
        serviceEndpoints: { pair: { urls: [a.url, b.url] }, based: { url: `${a.url}/root/`, proxyOptions: { xfwd: false } } },
        pipelines: {
          both: { apiEndpoints: ["both"], policies: step({ serviceEndpoint: "pair" }) },
          slow: { apiEndpoints: ["slow"], policies: step({ url: slow.url }, { timeout: 100 }) },
          big: { apiEndpoints: ["big"], policies: step({ url: a.url }, { maxBodySize: 3 }) },
          base: { apiEndpoints: ["base"], policies: step({ serviceEndpoint: "based" }) },
        },
      },
    });
  });

  afterAll(async () => {
    await gw.close();
    await Promise.all([a.close(), b.close(), slow.close()]);
  });

  it("balances across the serviceEndpoint's instances and sends the proxy's headers", async () => {
    const first = await request(gw.app).get("/both").set("accept-language", "fr").expect(200);
    const second = await request(gw.app).get("/both").expect(200);
    expect([first.body.body, second.body.body].sort()).toEqual(["from-a", "from-b"]);
    const seen = [...a.requests, ...b.requests];
    expect(seen.map((r) => r.url)).toEqual(["/x?y=1", "/x?y=1"]);
    expect(seen.map((r) => r.headers["x-request-id"]).sort()).toEqual(
      [first.headers["x-request-id"], second.headers["x-request-id"]].sort(),
    );
    expect(seen.map((r) => r.headers["accept-language"]).sort()).toEqual(["fr", undefined]);
    for (const r of seen) {
      expect(r.headers["x-forwarded-for"]).toBe("127.0.0.1");
      // Hop-by-hop headers (and what Connection names) and client-forged identity headers never cross.
      expect(r.headers["x-drop"]).toBeUndefined();
      expect(r.headers["x-consumer-id"]).toBeUndefined();
    }
  });

  it("applies the serviceEndpoint's base path and proxyOptions", async () => {
    await request(gw.app).get("/base").expect(200);
    const seen = a.requests.at(-1)!;
    expect(seen.url).toBe("/root/x?y=1");
    expect(seen.headers["x-forwarded-for"]).toBeUndefined();
  });

  it("times out with a 504 UPSTREAM_TIMEOUT", async () => {
    const res = await request(gw.app).get("/slow").expect(599);
    expect(res.body).toEqual({ code: "UPSTREAM_TIMEOUT", status: 504 });
  });

  it("refuses an answer over the size cap", async () => {
    const res = await request(gw.app).get("/big").expect(599);
    expect(res.body).toEqual({ code: "UPSTREAM_RESPONSE_TOO_LARGE", status: 502 });
  });

  it("validates its options with the proxy's schema, at the given path", async () => {
    const config = (target: unknown) => ({
      apiEndpoints: { all: { paths: ["/*"] } },
      pipelines: { p: { apiEndpoints: ["all"], policies: [{ "call-upstream": { target, path: "/", maxBodySize: 1 } }] } },
    });
    await expect(
      createGateway({ logger: silentLogger, policies: [callPolicy], config: config({ url: a.url, proxyTimeout: "soon" }) }),
    ).rejects.toMatchObject({
      problems: [{ path: "pipelines.p.policies[0].call-upstream.target.proxyTimeout", message: "must be integer" }],
    });
    await expect(
      createGateway({ logger: silentLogger, policies: [callPolicy], config: config({ serviceEndpoint: "nope" }) }),
    ).rejects.toMatchObject({
      problems: [{ path: "pipelines.p.policies[0].call-upstream.target.serviceEndpoint", message: expect.stringMatching(/not defined/) }],
    });
  });
});
