import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createGateway, definePolicy, silentLogger, type ExplainInput, type Gateway } from "@turnpike/core";
import { startUpstream, type TestUpstream } from "@turnpike/testing";
import jwt from "jsonwebtoken";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runCli, type CommandIO } from "../src/index.js";
import { formatExplanation } from "../src/explain/format-explanation.js";

const JWT_SECRET = "a-secret-of-at-least-thirty-two-bytes!!";
const TOKEN = "explain-admin-token";

/** A plugin policy with its own explain hook, and one without. */
const stamp = definePolicy<{ value: string }>({
  name: "stamp",
  schema: { type: "object", properties: { value: { type: "string" } }, required: ["value"] },
  create:
    ({ value }) =>
    (req, _res, next) => {
      req.headers["x-stamp"] = value;
      next();
    },
  explain:
    ({ value }) =>
    () => ({ summary: `stamps x-stamp: ${value}`, details: { value } }),
});
const silent = definePolicy({ name: "silent", schema: { type: "object" }, create: () => (_req, _res, next) => next() });

function config(upstream: TestUpstream): object {
  const proxy = { proxy: { url: `${upstream.url}/base`, stripPath: true } };
  const pipeline = (endpoint: string, ...policies: object[]): object => ({ apiEndpoints: [endpoint], policies: [...policies, proxy] });
  return {
    http: { port: 0, host: "127.0.0.1" },
    admin: { port: 0, host: "127.0.0.1", token: TOKEN },
    consumers: [
      {
        username: "alice",
        credentials: [
          { type: "key-auth", keyId: "alice-key", keySecret: "alice-secret", scopes: ["read"] },
          { type: "basic-auth", password: "alice-password", scopes: ["read"] },
          { type: "jwt", keyId: "alice-jwt", keySecret: "unused" },
        ],
      },
    ],
    apiEndpoints: Object.fromEntries(
      [
        "keys",
        "basic",
        "tokens",
        "limited",
        "quota",
        "gate",
        "cached",
        "done",
        "logged",
        "sized",
        "filtered",
        "cors",
        "headers",
        "reqt",
        "rest",
        "plugin",
      ].map((name) => [name, { paths: [`/${name}`, `/${name}/*`], ...(name === "keys" ? { scopes: ["read"] } : {}) }]),
    ),
    pipelines: {
      keys: pipeline("keys", { "key-auth": {} }),
      basic: pipeline("basic", { "basic-auth": {} }),
      tokens: pipeline("tokens", { jwt: { secretOrPublicKey: JWT_SECRET } }),
      limited: pipeline(
        "limited",
        { "key-auth": { passThrough: true } },
        { "rate-limit": [{ condition: { name: "method", methods: ["POST"] }, action: { max: 5, windowMs: 60000 } }] },
        { "rate-limit": { max: 100, windowMs: 1000, rateLimitBy: "${req.user.username}" } },
      ),
      quota: pipeline("quota", { quota: { max: 1000, period: "day", by: "header:x-tenant" } }),
      gate: pipeline("gate", { "concurrency-limit": { max: 4, maxQueue: 8 } }),
      cached: pipeline("cached", { cache: { ttl: 60 } }),
      done: { apiEndpoints: ["done"], policies: [{ terminate: { statusCode: 418, message: "teapot" } }] },
      logged: pipeline("logged", { log: { message: "${req.method} ${req.url}" } }),
      sized: pipeline("sized", { "request-size": { limit: "1kb" } }),
      filtered: pipeline("filtered", { "ip-filter": { allow: ["10.0.0.0/8"] } }),
      cors: pipeline("cors", { cors: { origin: ["https://app.example"] } }),
      headers: pipeline("headers", { headers: { headersPrefix: "eg-", forwardHeaders: { region: "'eu'" } } }),
      reqt: pipeline("reqt", { "request-transformer": { headers: { add: { "x-a": "'1'" }, remove: ["x-b"] } } }),
      rest: pipeline("rest", { "response-transformer": { body: { remove: ["secret"] } } }),
      plugin: pipeline("plugin", { stamp: { value: "v1" } }, { silent: {} }),
    },
  };
}

let upstream: TestUpstream;
let gateway: Gateway;
let adminUrl: string;
let gatewayUrl: string;

beforeAll(async () => {
  upstream = await startUpstream();
  gateway = await createGateway({
    config: config(upstream),
    baseDir: mkdtempSync(path.join(os.tmpdir(), "turnpike-explain-")),
    logger: silentLogger,
    policies: [stamp, silent],
  });
  const addresses = await gateway.listen();
  adminUrl = addresses.admin!;
  gatewayUrl = addresses.http!;
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

/** The explanation's text, one step per line (`N. policy: what it would do`), plus the last line. */
async function explain(input: ExplainInput): Promise<string[]> {
  return formatExplanation(await gateway.explain(input));
}

const apiKey = { authorization: "apiKey alice-key:alice-secret" };

describe("explain, one case per policy type", () => {
  it("key-auth: the credential type looked for, where, and whether it was found; proxy: the upstream URL after stripPath", async () => {
    expect(await explain({ method: "GET", url: "/keys/7?x=1", headers: apiKey })).toEqual([
      "GET /keys/7?x=1 (host localhost)",
      "target: /keys/7?x=1",
      "matched: apiEndpoint keys (/keys/*) → pipeline keys, params 0=7",
      "  1. key-auth (pipelines.keys.policies[0].key-auth)",
      "     looks for a key-auth credential in header Authorization (scheme apiKey) or in query parameter apiKey: found alice-key of alice (scopes [read])",
      "  2. proxy (pipelines.keys.policies[1].proxy)",
      `     forwards to ${upstream.url}/base/7?x=1`,
      "answered by step 2 (proxy)",
    ]);
    const wrong = await explain({ method: "GET", url: "/keys/7", headers: { authorization: "apiKey alice-key:nope" } });
    expect(wrong).toContain(
      "     looks for a key-auth credential in header Authorization (scheme apiKey) or in query parameter apiKey: 401 UNAUTHORIZED (Invalid credentials)",
    );
    expect(wrong).toContain("     not reached");
    expect(wrong.at(-1)).toBe("answered by step 1 (key-auth): 401");
    expect(upstream.requests).toHaveLength(0);
  });

  it("basic-auth and jwt", async () => {
    const basic = await explain({
      method: "GET",
      url: "/basic",
      headers: { authorization: `Basic ${Buffer.from("alice:alice-password").toString("base64")}` },
    });
    // A basic-auth credential's id is its consumer's (a declared consumer's id is derived from its name).
    expect(basic[4]).toMatch(
      /^ {5}looks for a basic-auth credential in header Authorization \(scheme Basic\): found [0-9a-f-]{36} of alice \(scopes \[read\]\)$/,
    );
    const token = jwt.sign({ sub: "alice-jwt" }, JWT_SECRET, { algorithm: "HS256", expiresIn: 60 });
    expect((await explain({ method: "GET", url: "/tokens", headers: { authorization: `Bearer ${token}` } }))[4]).toBe(
      "     looks for a jwt credential (a JWT) in header Authorization (scheme Bearer), its sub a jwt credential's keyId: found alice-jwt of alice (scopes [])",
    );
    const expired = jwt.sign({ sub: "alice-jwt", exp: Math.floor(Date.now() / 1000) - 600 }, JWT_SECRET, { algorithm: "HS256" });
    expect((await explain({ method: "GET", url: "/tokens", headers: { authorization: `Bearer ${expired}` } }))[4]).toMatch(
      /: 401 UNAUTHORIZED \(The token has expired\)$/,
    );
  });

  it("rate-limit: each step's condition and the key it would count under; --consumer", async () => {
    const anonymous = await explain({ method: "GET", url: "/limited" });
    expect(anonymous.slice(3)).toEqual([
      "  1. key-auth (pipelines.limited.policies[0].key-auth)",
      "     looks for a key-auth credential in header Authorization (scheme apiKey) or in query parameter apiKey: none accepted; passThrough lets the request on anonymously",
      "  2. rate-limit (pipelines.limited.policies[1].rate-limit[0].action)",
      "     condition: false → skipped",
      "  3. rate-limit (pipelines.limited.policies[2].rate-limit)",
      '     counts under key "ip 127.0.0.1" (by ${req.user.username} (absent: counted by client IP)): at most 100 per 1000 ms, in this step\'s own buckets',
      "  4. proxy (pipelines.limited.policies[3].proxy)",
      `     forwards to ${upstream.url}/base/`,
      "answered by step 4 (proxy)",
    ]);
    const assumed = await explain({ method: "POST", url: "/limited", consumer: "alice", clientIp: "192.0.2.9" });
    expect(assumed.slice(4, 9)).toEqual([
      "     looks for a key-auth credential in header Authorization (scheme apiKey) or in query parameter apiKey: consumer alice assumed (--consumer), credential not checked; scopes [read]",
      "  2. rate-limit (pipelines.limited.policies[1].rate-limit[0].action)",
      "     condition: true",
      '     counts under key "192.0.2.9" (by ip): at most 5 per 60000 ms, in this step\'s own buckets',
      "  3. rate-limit (pipelines.limited.policies[2].rate-limit)",
    ]);
    expect(assumed[9]).toBe(
      '     counts under key "alice" (by ${req.user.username}): at most 100 per 1000 ms, in this step\'s own buckets',
    );
  });

  it("quota and concurrency-limit: their keys", async () => {
    expect((await explain({ method: "GET", url: "/quota", headers: { "x-tenant": "acme" } }))[4]).toBe(
      '     counts under key "acme" (by header:x-tenant): at most 1000 per day',
    );
    expect((await explain({ method: "GET", url: "/gate" }))[4]).toBe(
      '     holds a slot under key "*" (by global): at most 4 in flight, 8 waiting',
    );
  });

  it("cache: the key, and whether the running gateway's store holds an entry", async () => {
    // The gateway's own host, as the request below sends it: the host is part of the key.
    const url = `${gatewayUrl}/cached/a`;
    const host = new URL(gatewayUrl).host;
    const before = await explain({ method: "GET", url });
    expect(before[4]).toBe(`     key GET cached http ${host}  /cached/a: no entry in memory:67108864: goes upstream (x-cache: MISS)`);
    const res = await fetch(url);
    expect(res.headers.get("x-cache")).toBe("MISS");
    await res.text();
    const after = await explain({ method: "GET", url });
    expect(after[4]).toBe(
      `     key GET cached http ${host}  /cached/a: a fresh entry in memory:67108864: answers from the cache (x-cache: HIT)`,
    );
    expect(after.at(-1)).toBe("answered by step 1 (cache): 200");
    expect((await explain({ method: "DELETE", url: "/cached/a" }))[4]).toBe("     bypasses the cache (method DELETE): x-cache: BYPASS");
  });

  it("terminate, log, request-size, ip-filter, cors", async () => {
    expect((await explain({ method: "GET", url: "/done" })).slice(3)).toEqual([
      "  1. terminate (pipelines.done.policies[0].terminate)",
      '     answers 418 "teapot"',
      "answered by step 1 (terminate): 418",
    ]);
    expect((await explain({ method: "GET", url: "/logged" }))[4]).toBe(
      '     logs the request (message "${req.method} ${req.url}") when its response ends',
    );
    expect((await explain({ method: "POST", url: "/sized", headers: { "content-length": "5000" } }))[4]).toBe(
      "     limit 1024 bytes, Content-Length 5000: 413 PAYLOAD_TOO_LARGE (The request body is larger than 1024 bytes)",
    );
    expect((await explain({ method: "GET", url: "/filtered", clientIp: "10.2.3.4" }))[4]).toBe("     client 10.2.3.4: passes");
    expect((await explain({ method: "GET", url: "/filtered" }))[4]).toMatch(/^ {5}client 127\.0\.0\.1: 403 IP_NOT_ALLOWED/);
    expect((await explain({ method: "GET", url: "/cors", headers: { origin: "https://app.example" } }))[4]).toBe(
      "     origin https://app.example allowed (Access-Control-Allow-Origin: https://app.example): passes",
    );
    expect(
      (
        await explain({
          method: "OPTIONS",
          url: "/cors",
          headers: { origin: "https://evil.example", "access-control-request-method": "GET" },
        })
      )[4],
    ).toMatch(/^ {5}origin https:\/\/evil\.example not allowed \(no Access-Control-Allow-Origin\): answers 204$/);
  });

  it("headers, request-transformer, response-transformer, and plugin policies with and without explain", async () => {
    expect((await explain({ method: "GET", url: "/headers" }))[4]).toBe("     sets upstream header eg-region");
    expect((await explain({ method: "GET", url: "/reqt" }))[4]).toBe("     in the request: adds headers x-a; removes headers x-b");
    expect((await explain({ method: "GET", url: "/rest" }))[4]).toBe("     in the response: removes body fields secret");
    expect((await explain({ method: "GET", url: "/plugin" })).slice(4, 7)).toEqual([
      "     stamps x-stamp: v1",
      "  2. silent (pipelines.plugin.policies[1].silent)",
      "     policy silent does not explain itself; it would run here",
    ]);
  });

  it("no match: why, with the nearest rules; a malformed target: 400", async () => {
    expect(await explain({ method: "GET", url: "/keyz/1" })).toEqual([
      "GET /keyz/1 (host localhost)",
      "target: /keyz/1",
      "no apiEndpoint matches: 404 NOT_FOUND",
      "nearest:",
      "  apiEndpoint keys (/keys) → pipeline keys: path differs",
      "  apiEndpoint keys (/keys/*) → pipeline keys: path differs",
      "  apiEndpoint basic (/basic) → pipeline basic: path differs",
    ]);
    expect(await explain({ method: "GET", url: "/a/%zz" })).toEqual([
      "GET /a/%zz (host localhost)",
      "refused before any pipeline: 400 BAD_PATH_ENCODING (" +
        (await gateway.explain({ method: "GET", url: "/a/%zz" })).error!.message +
        ")",
    ]);
    await expect(gateway.explain({ method: "GET /", url: "/" })).rejects.toMatchObject({ status: 400 });
  });
});

describe("POST /explain on the admin API and turnpike explain", () => {
  it("answers the explanation as JSON, behind the admin token", async () => {
    const post = (token: string | undefined, body: unknown): Promise<Response> =>
      fetch(`${adminUrl}/explain`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    expect((await post(undefined, { method: "GET", url: "/keys" })).status).toBe(401);
    const res = await post(TOKEN, { method: "GET", url: "/keys/1", headers: apiKey });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      match: unknown;
      steps: { policy: string; state: string; explanation: { details: Record<string, unknown> } }[];
    };
    expect(body.match).toEqual({ apiEndpoint: "keys", pipeline: "keys", route: "/keys/*", params: { "0": "1" } });
    expect(body.steps[0]).toMatchObject({
      policy: "key-auth",
      state: "explained",
      explanation: { details: { credentialType: "key-auth", found: true, credential: "alice-key" } },
    });
    expect(body.steps[1]!.explanation.details.upstreamUrls).toEqual([`${upstream.url}/base/1`]);
    const bad = await post(TOKEN, { url: "/keys" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toBe("method must be an HTTP method");
  });

  it("turnpike explain reads a file, or asks the running gateway with --remote", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "turnpike-explain-cli-"));
    const file = path.join(dir, "gateway.config.yml");
    writeFileSync(
      file,
      `apiEndpoints: { api: { paths: ["/api/*"] } }\npipelines:\n  api:\n    apiEndpoints: [api]\n    policies:\n      - proxy: { url: "http://127.0.0.1:9/up", stripPath: true }\n`,
    );
    const run = async (args: string[]): Promise<{ code: number; out: string[]; err: string[] }> => {
      const out: string[] = [];
      const err: string[] = [];
      const io: CommandIO = {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        env: { TURNPIKE_ADMIN_URL: adminUrl, TURNPIKE_ADMIN_TOKEN: TOKEN },
        cwd: dir,
      };
      return { code: await runCli(args, io), out, err };
    };
    const local = await run(["explain", "GET", "http://api.example:8080/api/v1/x?y=2", "-H", "X-Trace: 1"]);
    expect(local.code).toBe(0);
    expect(local.out).toEqual([
      "GET http://api.example:8080/api/v1/x?y=2 (host api.example:8080)",
      "target: /api/v1/x?y=2",
      "matched: apiEndpoint api (/api/*) → pipeline api, params 0=v1/x",
      "  1. proxy (pipelines.api.policies[0].proxy)",
      "     forwards to http://127.0.0.1:9/up/v1/x?y=2",
      "answered by step 1 (proxy)",
    ]);
    const remote = await run(["explain", "--remote", "--json", "GET", "/done"]);
    expect(remote.code).toBe(0);
    expect(JSON.parse(remote.out.join("\n"))).toMatchObject({ answeredBy: { index: 0, policy: "terminate", status: 418 } });
    expect((await run(["explain", "GET"])).code).toBe(2);
    expect((await run(["explain", "GET", "/x", "-H", "nocolon"])).code).toBe(2);
  });
});
