import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createGateway, silentLogger, type Gateway } from "@turnpike/core";
import { startUpstream, type TestUpstream } from "@turnpike/testing";
import http from "node:http";
import { requestTransformerPolicy } from "./request-transformer.js";
import { send } from "../../../test/proxy/http-client.js";
import { stepProblems, testAuthPolicy } from "../../../test/support/policy-support.js";

const testAuth = testAuthPolicy();
const loadProblems = (options: unknown) => stepProblems("request-transformer", options);

/** Sends a body in two chunks without Content-Length (chunked transfer coding). */
function sendChunked(
  url: string,
  path: string,
  headers: Record<string, string>,
  parts: string[],
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: hostname, port, method: "POST", path, headers: { ...headers, "transfer-encoding": "chunked" }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on("error", reject);
    for (const part of parts) req.write(part);
    req.end();
  });
}

describe("request-transformer", () => {
  let upstream: TestUpstream;
  let gw: Gateway;
  let url: string;

  beforeAll(async () => {
    upstream = await startUpstream();
    const transform = {
      headers: {
        add: { "X-User-Name": "consumer.username", "x-route": "'v2'", "x-trace": "trace-${requestID}" },
        remove: ["x-secret", "X-Debug"],
      },
      body: {
        add: { "meta.consumer": "consumer.id", "meta.source.gateway": "'turnpike'", version: 2, "meta.agent": "req.headers['user-agent']" },
        remove: ["password", "profile.ssn", "dotted.key"],
      },
    };
    gw = await createGateway({
      logger: silentLogger,
      policies: [requestTransformerPolicy, testAuth],
      config: {
        http: { port: 0, host: "127.0.0.1" },
        apiEndpoints: {
          api: { paths: ["/api/*"] },
          small: { paths: ["/small/*"] },
          hdr: { paths: ["/hdr/*"] },
          shallow: { paths: ["/shallow/*"] },
        },
        pipelines: {
          api: {
            apiEndpoints: ["api"],
            policies: [{ "test-auth": {} }, { "request-transformer": [{ action: transform }] }, { proxy: { url: upstream.url } }],
          },
          small: {
            apiEndpoints: ["small"],
            policies: [{ "request-transformer": { body: { add: { a: "'b'" } }, maxBodySize: 64 } }, { proxy: { url: upstream.url } }],
          },
          hdr: {
            apiEndpoints: ["hdr"],
            policies: [{ "request-transformer": { headers: { add: { "x-a": "'1'" } } } }, { proxy: { url: upstream.url } }],
          },
          shallow: {
            apiEndpoints: ["shallow"],
            policies: [{ "request-transformer": { body: { remove: ["secret"] }, maxBodyDepth: 3 } }, { proxy: { url: upstream.url } }],
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

  it("sends the transformed JSON body, with its new length, and the transformed headers", async () => {
    const body = JSON.stringify({
      name: "n",
      password: "hunter2",
      "dotted.key": 1,
      profile: { ssn: "123", city: "Oslo" },
      meta: { kept: true },
    });
    const res = await send(url, {
      method: "POST",
      path: "/api/users",
      headers: {
        "content-type": "application/json; charset=utf-8",
        "x-test-as": "c-7",
        "x-secret": "s",
        "x-debug": "1",
        "user-agent": "probe/1",
      },
      body,
    });
    expect(res.status).toBe(200);
    const seen = upstream.requests.at(-1)!;
    expect(JSON.parse(seen.body)).toEqual({
      name: "n",
      profile: { city: "Oslo" },
      meta: { kept: true, consumer: "c-7", source: { gateway: "turnpike" }, agent: "probe/1" },
      version: 2,
    });
    expect(seen.headers["content-length"]).toBe(String(Buffer.byteLength(seen.body)));
    expect(seen.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(seen.headers["x-user-name"]).toBe("alice");
    expect(seen.headers["x-route"]).toBe("v2");
    expect(seen.headers["x-trace"]).toBe(`trace-${res.headers["x-request-id"]}`);
    expect(seen.headers["x-secret"]).toBeUndefined();
    expect(seen.headers["x-debug"]).toBeUndefined();
  });

  it("leaves out values that come out empty, and replaces scalars on a nested path", async () => {
    await send(url, {
      method: "POST",
      path: "/api/x",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ meta: "scalar", version: 1 }),
    });
    const seen = upstream.requests.at(-1)!;
    expect(JSON.parse(seen.body)).toEqual({ meta: { source: { gateway: "turnpike" } }, version: 2 });
    expect(seen.headers["x-user-name"]).toBeUndefined();
  });

  it("reads a chunked body and sends it with Content-Length", async () => {
    const res = await sendChunked(url, "/api/x", { "content-type": "application/json" }, ['{"password":', '"p","a":1}']);
    expect(res.status).toBe(200);
    const seen = upstream.requests.at(-1)!;
    expect(JSON.parse(seen.body)).toEqual({ a: 1, meta: { source: { gateway: "turnpike" } }, version: 2 });
    expect(seen.headers["transfer-encoding"]).toBeUndefined();
    expect(seen.headers["content-length"]).toBe(String(Buffer.byteLength(seen.body)));
  });

  it("transforms form bodies in bracket notation and keeps them forms", async () => {
    await send(url, {
      method: "POST",
      path: "/api/form",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-test-as": "c-9" },
      body: "name=a+b&password=x&profile%5Bssn%5D=1&profile%5Bcity%5D=Oslo&tag=1&tag=2",
    });
    const seen = upstream.requests.at(-1)!;
    expect(seen.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(seen.headers["content-length"]).toBe(String(Buffer.byteLength(seen.body)));
    const form = new URLSearchParams(seen.body);
    expect([...form]).toEqual([
      ["name", "a b"],
      ["profile[city]", "Oslo"],
      ["tag", "1"],
      ["tag", "2"],
      ["meta[consumer]", "c-9"],
      ["meta[source][gateway]", "turnpike"],
      ["version", "2"],
    ]);
  });

  it("answers 400 to malformed JSON and forwards nothing", async () => {
    const before = upstream.requests.length;
    const res = await send(url, { method: "POST", path: "/api/x", headers: { "content-type": "application/json" }, body: '{"a":' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe("BAD_REQUEST");
    expect(upstream.requests.length).toBe(before);
  });

  it("answers 413 to bodies over maxBodySize, declared or chunked, and forwards nothing", async () => {
    const before = upstream.requests.length;
    const big = JSON.stringify({ pad: "x".repeat(100) });
    const declared = await send(url, { method: "POST", path: "/small/x", headers: { "content-type": "application/json" }, body: big });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error.code).toBe("PAYLOAD_TOO_LARGE");
    const chunked = await sendChunked(url, "/small/x", { "content-type": "application/json" }, [big.slice(0, 50), big.slice(50)]);
    expect(chunked.status).toBe(413);
    expect(upstream.requests.length).toBe(before);
    const fits = await send(url, { method: "POST", path: "/small/x", headers: { "content-type": "application/json" }, body: "{}" });
    expect(fits.status).toBe(200);
    expect(upstream.requests.at(-1)!.body).toBe('{"a":"b"}');
  });

  describe("nesting bombs", () => {
    const json = { "content-type": "application/json" };
    // 10 KB, 5,000 levels in an object (the shape the policy edits): JSON.stringify of the edited value
    // overflows the stack.
    const bomb = '{"a":' + "[".repeat(5000) + "]".repeat(5000) + "}";
    const arrays = "[".repeat(5000) + "]".repeat(5000);
    const objects = '{"a":'.repeat(2000) + "1" + "}".repeat(2000);

    it("answers 400 to a deeply nested JSON body, declared or chunked, and forwards nothing", async () => {
      const before = upstream.requests.length;
      for (const body of [bomb, arrays, objects]) {
        const res = await send(url, { method: "POST", path: "/api/bomb", headers: json, body, timeoutMs: 5000 });
        expect(res.status).toBe(400);
        expect(JSON.parse(res.body).error).toEqual({
          status: 400,
          code: "BAD_REQUEST",
          message: "The JSON request body is nested deeper than 64 levels",
        });
      }
      const chunked = await sendChunked(url, "/api/bomb", json, [bomb.slice(0, 4000), bomb.slice(4000)]);
      expect(chunked.status).toBe(400);
      expect(upstream.requests.length).toBe(before);
      // The gateway keeps serving.
      const ok = await send(url, { method: "POST", path: "/api/after", headers: json, body: "{}", timeoutMs: 5000 });
      expect(ok.status).toBe(200);
    });

    it("counts levels of objects and arrays against maxBodyDepth, not brackets inside strings", async () => {
      const fits = await send(url, {
        method: "POST",
        path: "/shallow/x",
        headers: json,
        body: JSON.stringify({ a: { b: [] }, s: "[[[[{{{{", secret: 1 }),
        timeoutMs: 5000,
      });
      expect(fits.status).toBe(200);
      expect(JSON.parse(upstream.requests.at(-1)!.body)).toEqual({ a: { b: [] }, s: "[[[[{{{{" });
      const deeper = await send(url, { method: "POST", path: "/shallow/x", headers: json, body: '{"a":{"b":[{}]}}', timeoutMs: 5000 });
      expect(deeper.status).toBe(400);
      expect(JSON.parse(deeper.body).error.message).toBe("The JSON request body is nested deeper than 3 levels");
    });

    it("transforms a form whose field names nest 5,000 brackets deep (forms are flat: nothing recurses)", async () => {
      const name = "a" + "[a]".repeat(5000);
      const res = await send(url, {
        method: "POST",
        path: "/api/form-bomb",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: `${encodeURIComponent(name)}=1&password=x`,
        timeoutMs: 5000,
      });
      expect(res.status).toBe(200);
      const form = new URLSearchParams(upstream.requests.at(-1)!.body);
      expect(form.get(name)).toBe("1");
      expect(form.has("password")).toBe(false);
    });

    it("refuses a maxBodyDepth that would let a body overflow the stack", async () => {
      expect(await loadProblems({ body: { remove: ["a"] }, maxBodyDepth: 100000 })).toEqual([
        { path: "pipelines.p.policies[0].request-transformer.maxBodyDepth", message: "must be <= 1000" },
      ]);
      expect(await loadProblems({ body: { remove: ["a"] }, maxBodyDepth: 0 })).toEqual([
        { path: "pipelines.p.policies[0].request-transformer.maxBodyDepth", message: "must be >= 1" },
      ]);
    });
  });

  it("passes other bodies through byte for byte", async () => {
    // JSON in disguise: only the content-type decides, so this must not be parsed or changed.
    const bytes = Buffer.from('{"password": "x",\r\n "é": "\u00e9"}  ');
    await send(url, { method: "POST", path: "/api/bin", headers: { "content-type": "text/plain" }, body: bytes });
    let seen = upstream.requests.at(-1)!;
    expect(Buffer.from(seen.body).equals(bytes)).toBe(true);
    expect(seen.headers["content-length"]).toBe(String(bytes.length));
    // A compressed JSON body is not decoded.
    await send(url, {
      method: "POST",
      path: "/api/gz",
      headers: { "content-type": "application/json", "content-encoding": "br" },
      body: '{"password":1}',
    });
    expect(upstream.requests.at(-1)!.body).toBe('{"password":1}');
    // A JSON body that is not an object has no properties to change.
    await send(url, { method: "POST", path: "/api/arr", headers: { "content-type": "application/json" }, body: '[1, {"password": 2}]' });
    seen = upstream.requests.at(-1)!;
    expect(seen.body).toBe('[1, {"password": 2}]');
    expect(seen.headers["content-length"]).toBe("20");
    // A request without a body gets none.
    await send(url, { path: "/api/get", headers: { "content-type": "application/json" } });
    seen = upstream.requests.at(-1)!;
    expect(seen.body).toBe("");
    expect(seen.headers["content-length"]).toBeUndefined();
  });

  it("does not parse bodies when only headers are configured", async () => {
    const res = await sendChunked(url, "/hdr/x", { "content-type": "application/json" }, ["not ", "json"]);
    expect(res.status).toBe(200);
    const seen = upstream.requests.at(-1)!;
    expect(seen.body).toBe("not json");
    expect(seen.headers["x-a"]).toBe("1");
  });

  it("refuses at load reserved headers, prototype paths and code, at each value's path", async () => {
    const at = (p: string) => `pipelines.p.policies[0].request-transformer.${p}`;
    expect(
      await loadProblems({
        headers: {
          add: {
            Host: "'h'",
            "X-Consumer-Id": "'admin'",
            "x-request-id": "'r'",
            "X-Forwarded-For": "'1.2.3.4'",
            "x-ok": "'id-' + consumer.id",
          },
          remove: ["content-length", "Connection", "x-fine"],
        },
        body: {
          add: { "__proto__.polluted": "'yes'", "a.constructor.prototype": "'x'", "a..b": 1, "ok.path": "process.env.HOME" },
          remove: ["prototype"],
        },
        maxBodySize: "lots",
      }),
    ).toEqual([
      {
        path: at("headers.add.Host"),
        message: expect.stringMatching(/^header "host" cannot be changed by this policy: the proxy sets Host/),
      },
      {
        path: at("headers.add.X-Consumer-Id"),
        message: expect.stringMatching(/^header "x-consumer-id" cannot be changed by this policy: identity headers/),
      },
      {
        path: at("headers.add.x-request-id"),
        message: 'header "x-request-id" cannot be changed by this policy: the gateway sets the request id',
      },
      {
        path: at("headers.add.X-Forwarded-For"),
        message: expect.stringMatching(/^header "x-forwarded-for" cannot be changed by this policy: forwarding headers/),
      },
      { path: at("headers.add.x-ok"), message: expect.stringMatching(/cannot be compiled .* code such as \+ or calls is never run$/) },
      { path: at("headers.remove[0]"), message: expect.stringMatching(/^header "content-length" cannot be changed/) },
      {
        path: at("headers.remove[1]"),
        message: 'header "connection" cannot be changed by this policy: hop-by-hop headers are never forwarded',
      },
      { path: at("body.add.__proto__.polluted"), message: expect.stringMatching(/may not use "__proto__"/) },
      { path: at("body.add.a.constructor.prototype"), message: expect.stringMatching(/may not use "constructor"/) },
      { path: at("body.add.a..b"), message: expect.stringMatching(/is not a property path/) },
      { path: at("body.add.ok.path"), message: expect.stringContaining('unknown name "process"') },
      { path: at("body.remove[0]"), message: expect.stringMatching(/may not use "prototype"/) },
      { path: at("maxBodySize"), message: 'must be a number of bytes or a size such as "1mb"' },
    ]);
    expect((await loadProblems({ headers: {} })).length).toBeGreaterThan(0);
    expect((await loadProblems({})).length).toBeGreaterThan(0);
    expect(await loadProblems({ headers: { remove: ["x-a"] }, body: { add: { n: 1 } } })).toEqual([]);
  });
});
