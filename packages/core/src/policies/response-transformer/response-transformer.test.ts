import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createGateway, silentLogger, type Gateway } from "@turnpike/core";
import { startUpstream, type TestUpstream } from "@turnpike/testing";
import { gunzipSync, gzipSync } from "node:zlib";
import http from "node:http";
import { responseTransformerPolicy } from "./response-transformer.js";
import { send } from "../../../test/proxy/http-client.js";
import { stepProblems } from "../../../test/support/policy-support.js";

const loadProblems = (options: unknown) => stepProblems("response-transformer", options);

const BIG = JSON.stringify({ secret: 1, pad: "x".repeat(4096) });
const JSON_BODY = JSON.stringify({ id: 1, secret: "s", user: { password: "p", name: "n" } });
const GZIPPED = gzipSync(JSON_BODY);
// 10 KB, 5,000 levels in an object: JSON.stringify of the edited value would overflow the stack.
const BOMB = '{"secret":1,"a":' + "[".repeat(5000) + "]".repeat(5000) + "}";

/** GET returning the raw body bytes. */
function getRaw(url: string, path: string, method = "GET"): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("response-transformer", () => {
  let upstream: TestUpstream;
  let gw: Gateway;
  let url: string;

  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      const common = { "x-internal": "yes", "x-powered-by": "upstream", etag: '"v1"' };
      switch (req.url) {
        case "/api/json":
        case "/hdr/json":
          res.writeHead(200, { ...common, "content-type": "application/json", "content-length": Buffer.byteLength(JSON_BODY) });
          return res.end(JSON_BODY);
        case "/api/chunked":
          res.writeHead(201, { "content-type": "application/problem+json" });
          res.write(JSON_BODY.slice(0, 10));
          return setImmediate(() => res.end(JSON_BODY.slice(10)));
        case "/api/gzip":
          res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": GZIPPED.length });
          return res.end(GZIPPED);
        case "/api/big":
          // Chunked, so the policy only learns the size while reading.
          res.writeHead(200, { "content-type": "application/json" });
          for (let i = 0; i < BIG.length; i += 500) res.write(BIG.slice(i, i + 500));
          return res.end();
        case "/api/array":
          res.writeHead(200, { "content-type": "application/json" });
          return res.end('[{"secret":1}]');
        case "/api/text":
          res.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(JSON_BODY) });
          return res.end(JSON_BODY);
        case "/deep/bomb":
          res.writeHead(200, { ...common, "content-type": "application/json", "content-length": Buffer.byteLength(BOMB) });
          return res.end(BOMB);
        case "/deep/fits": {
          const body = JSON.stringify({ secret: 1, a: JSON.parse("[".repeat(63) + "]".repeat(63)) });
          res.writeHead(200, { "content-type": "application/json" });
          return res.end(body);
        }
        case "/api/empty":
          res.writeHead(204, common);
          return res.end();
        default:
          res.writeHead(404);
          res.end();
      }
    });
    const transform = {
      headers: {
        add: { "x-gateway": "'turnpike'", "X-Echo-Id": "requestID", "x-method": "req.method" },
        remove: ["X-Internal", "x-powered-by"],
      },
      body: { add: { "meta.requestId": "requestID", "user.tier": "'gold'", version: 3 }, remove: ["secret", "user.password"] },
      maxBodySize: "1kb",
    };
    gw = await createGateway({
      logger: silentLogger,
      policies: [responseTransformerPolicy],
      config: {
        http: { port: 0, host: "127.0.0.1" },
        apiEndpoints: { api: { paths: ["/api/*"] }, hdr: { paths: ["/hdr/*"] }, deep: { paths: ["/deep/*"] } },
        pipelines: {
          api: { apiEndpoints: ["api"], policies: [{ "response-transformer": transform }, { proxy: { url: upstream.url } }] },
          hdr: {
            apiEndpoints: ["hdr"],
            policies: [{ "response-transformer": { headers: transform.headers } }, { proxy: { url: upstream.url } }],
          },
          deep: {
            apiEndpoints: ["deep"],
            policies: [
              { cors: { origin: "*" } },
              { "response-transformer": { body: { remove: ["secret"] } } },
              { proxy: { url: upstream.url } },
            ],
          },
        },
      },
    });
    url = (await gw.listen()).http!;
  });

  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it("transforms a JSON body and its headers, with the new Content-Length", async () => {
    const res = await send(url, { path: "/api/json" });
    expect(res.status).toBe(200);
    const id = res.headers["x-request-id"];
    expect(JSON.parse(res.body)).toEqual({ id: 1, user: { name: "n", tier: "gold" }, meta: { requestId: id }, version: 3 });
    expect(res.headers["content-length"]).toBe(String(Buffer.byteLength(res.body)));
    expect(res.headers["x-gateway"]).toBe("turnpike");
    expect(res.headers["x-echo-id"]).toBe(id);
    expect(res.headers["x-method"]).toBe("GET");
    expect(res.headers["x-internal"]).toBeUndefined();
    expect(res.headers["x-powered-by"]).toBeUndefined();
    // The upstream's validator described the body it sent, not this one.
    expect(res.headers.etag).toBeUndefined();
  });

  it("transforms chunked +json bodies and keeps the status", async () => {
    const res = await send(url, { path: "/api/chunked" });
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body)).toMatchObject({ id: 1, user: { name: "n", tier: "gold" }, version: 3 });
    expect(res.headers["content-length"]).toBe(String(Buffer.byteLength(res.body)));
    expect(res.headers["transfer-encoding"]).toBeUndefined();
  });

  it("relays compressed, non-JSON, non-object and HEAD responses untouched", async () => {
    const gz = await getRaw(url, "/api/gzip");
    expect(gz.body.equals(GZIPPED)).toBe(true);
    expect(gz.headers["content-length"]).toBe(String(GZIPPED.length));
    expect(JSON.parse(gunzipSync(gz.body).toString())).toEqual(JSON.parse(JSON_BODY));
    expect(gz.headers["x-gateway"]).toBe("turnpike");
    const text = await send(url, { path: "/api/text" });
    expect(text.body).toBe(JSON_BODY);
    const array = await send(url, { path: "/api/array" });
    expect(array.body).toBe('[{"secret":1}]');
    const head = await getRaw(url, "/api/json", "HEAD");
    expect(head.headers["content-length"]).toBe(String(Buffer.byteLength(JSON_BODY)));
    expect(head.headers["x-internal"]).toBeUndefined();
    const empty = await getRaw(url, "/api/empty");
    expect(empty.status).toBe(204);
    expect(empty.body.length).toBe(0);
    expect(empty.headers["x-gateway"]).toBe("turnpike");
  });

  it("streams a body over maxBodySize whole and untransformed", async () => {
    const res = await send(url, { path: "/api/big" });
    expect(res.status).toBe(200);
    expect(res.body).toBe(BIG);
    expect(res.headers["x-gateway"]).toBe("turnpike");
  });

  it("answers 502 to an upstream JSON body nested deeper than maxBodyDepth, without the upstream's headers", async () => {
    const res = await send(url, { path: "/deep/bomb", headers: { origin: "https://app.example" }, timeoutMs: 5000 });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body).error).toEqual({
      status: 502,
      code: "UPSTREAM_BAD_RESPONSE",
      message: "The upstream's JSON body is nested deeper than 64 levels",
    });
    // Not one byte of the untransformed body, nor a header of it, reaches the client; the headers set
    // before the upstream answered (CORS, the request id) are kept.
    expect(res.body).not.toContain("secret");
    expect(res.headers.etag).toBeUndefined();
    expect(res.headers["x-internal"]).toBeUndefined();
    expect(res.headers["access-control-allow-origin"]).toBe("*");
    expect(res.headers["x-request-id"]).toBeDefined();
    expect(res.headers["content-length"]).toBe(String(Buffer.byteLength(res.body)));
    // 64 levels (the default limit) are transformed as usual.
    const fits = await send(url, { path: "/deep/fits", timeoutMs: 5000 });
    expect(fits.status).toBe(200);
    expect(JSON.parse(fits.body)).toEqual({ a: JSON.parse("[".repeat(63) + "]".repeat(63)) });
  });

  it("changes headers only when body is not configured", async () => {
    const res = await send(url, { path: "/hdr/json" });
    expect(res.body).toBe(JSON_BODY);
    expect(res.headers["content-length"]).toBe(String(Buffer.byteLength(JSON_BODY)));
    expect(res.headers.etag).toBe('"v1"');
    expect(res.headers["x-internal"]).toBeUndefined();
    expect(res.headers["x-gateway"]).toBe("turnpike");
  });

  it("refuses at load headers that frame the response or carry the request id", async () => {
    const at = (p: string) => `pipelines.p.policies[0].response-transformer.${p}`;
    expect(
      await loadProblems({
        headers: {
          add: { "Content-Length": "'1'", "x-ok": "consumer.id" },
          remove: ["x-request-id", "Transfer-Encoding", "content-encoding", "RateLimit", "x-cache"],
        },
        body: { remove: ["__proto__"] },
      }),
    ).toEqual([
      {
        path: at("headers.add.Content-Length"),
        message: expect.stringMatching(/^header "content-length" cannot be changed by this policy/),
      },
      {
        path: at("headers.remove[0]"),
        message: 'header "x-request-id" cannot be changed by this policy: every response carries the gateway\'s request id',
      },
      {
        path: at("headers.remove[1]"),
        message: expect.stringMatching(/^header "transfer-encoding" cannot be changed by this policy: hop-by-hop/),
      },
      { path: at("headers.remove[2]"), message: expect.stringMatching(/^header "content-encoding" cannot be changed/) },
      { path: at("body.remove[0]"), message: expect.stringMatching(/may not use "__proto__"/) },
    ]);
  });
});
