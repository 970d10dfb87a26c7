import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createGateway, silentLogger, type Gateway } from "@turnpike/core";
import { startUpstream, writeConfig, type TestUpstream } from "@turnpike/testing";
import { corsPolicy } from "./cors.js";
import { send } from "../../../test/proxy/http-client.js";
import { stepProblems } from "../../../test/support/policy-support.js";

const loadProblems = (options: Record<string, unknown>, endpoint?: Record<string, unknown>) => stepProblems("cors", options, endpoint);

const APP = "https://app.example.com";
const EVIL = "https://evil.example.net";

function preflight(origin: string, extra: Record<string, string> = {}): Record<string, string> {
  return { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type", ...extra };
}

describe("cors", () => {
  let upstream: TestUpstream;
  let gw: Gateway;
  let url: string;

  beforeAll(async () => {
    // An upstream with opinions of its own: it varies on Accept-Encoding and allows every origin itself.
    upstream = await startUpstream((_req, res, received) => {
      const body = JSON.stringify(received);
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        vary: "Accept-Encoding",
        "access-control-allow-origin": "*",
        "access-control-allow-credentials": "true",
        "x-total": "42",
      });
      res.end(body);
    });
    const proxy = { proxy: { url: upstream.url } };
    // A port that was just released: nothing listens there, so the proxy answers 502 itself.
    const gone = await startUpstream();
    await gone.close();
    gw = await createGateway({
      logger: silentLogger,
      policies: [corsPolicy],
      config: {
        http: { port: 0, host: "127.0.0.1" },
        apiEndpoints: {
          listed: { paths: ["/listed/*"] },
          defaults: { paths: ["/defaults/*"] },
          continued: { paths: ["/continued/*"] },
          single: { paths: ["/single/*"] },
          getOnly: { paths: ["/get-only/*"], methods: ["GET"] },
          withOptions: { paths: ["/with-options/*"], methods: ["GET", "OPTIONS"] },
          down: { paths: ["/down/*"] },
        },
        pipelines: {
          listed: {
            apiEndpoints: ["listed"],
            policies: [
              {
                cors: {
                  origin: [APP, "/^https:\\/\\/[a-z0-9-]+\\.example\\.org$/i"],
                  methods: "GET,POST",
                  allowedHeaders: ["content-type", "authorization"],
                  exposedHeaders: ["x-total"],
                  credentials: true,
                  maxAge: 600,
                },
              },
              proxy,
            ],
          },
          defaults: { apiEndpoints: ["defaults"], policies: [{ cors: {} }, proxy] },
          continued: { apiEndpoints: ["continued"], policies: [{ cors: [{ action: { origin: APP, preflightContinue: true } }] }, proxy] },
          single: { apiEndpoints: ["single"], policies: [{ cors: { origin: APP, optionsSuccessStatus: 200 } }, proxy] },
          getOnly: { apiEndpoints: ["getOnly", "withOptions"], policies: [{ cors: { origin: APP } }, proxy] },
          down: {
            apiEndpoints: ["down"],
            policies: [{ cors: { origin: [APP], exposedHeaders: "x-request-id" } }, { proxy: { url: gone.url } }],
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

  it("answers a preflight from an allowed origin itself, with the configured headers", async () => {
    const before = upstream.requests.length;
    const res = await send(url, { method: "OPTIONS", path: "/listed/items", headers: preflight(APP) });
    expect(res.status).toBe(204);
    expect(res.headers).toMatchObject({
      "access-control-allow-origin": APP,
      "access-control-allow-methods": "GET,POST",
      "access-control-allow-headers": "content-type,authorization",
      "access-control-allow-credentials": "true",
      "access-control-max-age": "600",
      "content-length": "0",
    });
    expect(res.headers.vary).toMatch(/\bOrigin\b/);
    expect(res.headers["x-request-id"]).toBeDefined();
    expect(res.body).toBe("");
    expect(upstream.requests.length).toBe(before);
  });

  it("answers preflights with Express Gateway's defaults: any origin, its method list, the requested headers", async () => {
    const res = await send(url, {
      method: "OPTIONS",
      path: "/defaults/x",
      headers: preflight(EVIL, { "access-control-request-headers": "x-a, x-b" }),
    });
    expect(res.status).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe("*");
    expect(res.headers["access-control-allow-methods"]).toBe("GET,HEAD,PUT,PATCH,POST,DELETE");
    expect(res.headers["access-control-allow-headers"]).toBe("x-a, x-b");
    expect(res.headers.vary).toBe("Access-Control-Request-Headers");
    expect(res.headers["access-control-allow-credentials"]).toBeUndefined();
  });

  it("adds CORS headers to proxied responses, merging Vary with the upstream's", async () => {
    const res = await send(url, { path: "/listed/items?page=2", headers: { origin: APP } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ method: "GET", url: "/listed/items?page=2" });
    expect(res.headers["access-control-allow-origin"]).toBe(APP);
    expect(res.headers["access-control-allow-credentials"]).toBe("true");
    expect(res.headers["access-control-expose-headers"]).toBe("x-total");
    expect(res.headers.vary).toBe("Accept-Encoding, Origin");
    expect(res.rawHeaders.filter((h) => h.toLowerCase() === "access-control-allow-origin")).toHaveLength(1);
  });

  it("adds CORS headers to errors the gateway answers after the policy, so pages can read them", async () => {
    const res = await send(url, { path: "/down/x", headers: { origin: APP } });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body)).toMatchObject({ error: { status: 502 } });
    expect(res.headers["access-control-allow-origin"]).toBe(APP);
    expect(res.headers["access-control-expose-headers"]).toBe("x-request-id");
    expect(res.headers.vary).toBe("Origin");
  });

  it("gives a disallowed origin no Access-Control-Allow-Origin, even when the upstream sends one", async () => {
    const pre = await send(url, { method: "OPTIONS", path: "/listed/items", headers: preflight(EVIL) });
    expect(pre.status).toBe(204);
    expect(pre.headers["access-control-allow-origin"]).toBeUndefined();
    expect(pre.headers.vary).toMatch(/\bOrigin\b/);

    const res = await send(url, { path: "/listed/items", headers: { origin: EVIL } });
    expect(res.status).toBe(200);
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
    expect(res.headers.vary).toBe("Accept-Encoding, Origin");
  });

  it("matches /regex/ origins (Express Gateway's !!js/regexp) against the whole Origin", async () => {
    const ok = await send(url, { path: "/listed/x", headers: { origin: "https://Shop.example.org" } });
    expect(ok.headers["access-control-allow-origin"]).toBe("https://Shop.example.org");
    for (const origin of ["https://shop.example.org.evil.net", "http://shop.example.org", "https://a.b.example.org"]) {
      const denied = await send(url, { path: "/listed/x", headers: { origin } });
      expect(denied.headers["access-control-allow-origin"]).toBeUndefined();
    }
  });

  it("answers a single configured origin only to that origin, with the configured status", async () => {
    const ok = await send(url, { method: "OPTIONS", path: "/single/x", headers: preflight(APP) });
    expect(ok.status).toBe(200);
    expect(ok.headers["access-control-allow-origin"]).toBe(APP);
    const other = await send(url, { method: "OPTIONS", path: "/single/x", headers: preflight(EVIL) });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    // This policy grants no credentials, so the upstream's own grant is not relayed either.
    const actual = await send(url, { path: "/single/x", headers: { origin: APP } });
    expect(actual.headers["access-control-allow-origin"]).toBe(APP);
    expect(actual.headers["access-control-allow-credentials"]).toBeUndefined();
    expect(actual.headers["x-total"]).toBe("42");
  });

  it("passes preflights on with preflightContinue, and plain OPTIONS requests always", async () => {
    const res = await send(url, { method: "OPTIONS", path: "/continued/x", headers: preflight(APP) });
    expect(res.status).toBe(200);
    expect(upstream.requests.at(-1)).toMatchObject({ method: "OPTIONS", url: "/continued/x" });
    expect(res.headers["access-control-allow-origin"]).toBe(APP);
    expect(res.headers["access-control-allow-methods"]).toBe("GET,HEAD,PUT,PATCH,POST,DELETE");

    const plain = await send(url, { method: "OPTIONS", path: "/listed/plain", headers: { origin: APP } });
    expect(plain.status).toBe(200);
    expect(upstream.requests.at(-1)).toMatchObject({ method: "OPTIONS", url: "/listed/plain" });
    expect(plain.headers["access-control-allow-origin"]).toBe(APP);
    expect(plain.headers["access-control-allow-methods"]).toBeUndefined();
  });

  it("cannot answer preflights on an apiEndpoint whose methods leave out OPTIONS, and says so at load", async () => {
    const blocked = await send(url, { method: "OPTIONS", path: "/get-only/x", headers: preflight(APP) });
    expect(blocked.status).toBe(404);
    const answered = await send(url, { method: "OPTIONS", path: "/with-options/x", headers: preflight(APP) });
    expect(answered.status).toBe(204);
    expect(answered.headers["access-control-allow-origin"]).toBe(APP);
    expect(gw.snapshot.warnings).toContain(
      'pipelines.getOnly.policies[0].cors: apiEndpoint "getOnly" lists methods without OPTIONS: preflight requests get 404 before this policy runs; add OPTIONS to its methods',
    );
    expect(gw.snapshot.warnings.filter((w) => w.includes("withOptions"))).toEqual([]);
  });

  it("refuses credentials with an origin that allows every site", async () => {
    for (const origin of ["*", true, "/.*/", ["https://a.example.com", "/^https?:\\/\\//"]]) {
      const found = await loadProblems({ origin, credentials: true });
      expect(found).toHaveLength(1);
      expect(found[0]!.path).toBe("pipelines.p.policies[0].cors.origin");
      expect(found[0]!.message).toMatch(/^credentials: true with an origin that allows every site .* list the allowed origins instead$/);
    }
    // Express Gateway's default origin is "*": credentials alone are refused too.
    expect((await loadProblems({ credentials: true }))[0]!.path).toBe("pipelines.p.policies[0].cors.origin");
    expect(await loadProblems({ origin: [APP], credentials: true })).toEqual([]);
  });

  it("refuses malformed regular expressions and options outside Express Gateway's schema, with their paths", async () => {
    expect(await loadProblems({ origin: [APP, "/nope", "/x/q"] })).toEqual([
      {
        path: "pipelines.p.policies[0].cors.origin[1]",
        message: '"/nope": an origin starting with "/" must be a regular expression written /pattern/flags',
      },
      { path: "pipelines.p.policies[0].cors.origin[2]", message: expect.stringMatching(/^"\/x\/q" is not a valid regular expression: /) },
    ]);
    expect(await loadProblems({ origin: "/(unclosed/" })).toEqual([
      {
        path: "pipelines.p.policies[0].cors.origin",
        message: expect.stringMatching(/^"\/\(unclosed\/" is not a valid regular expression: .*Unterminated group/),
      },
    ]);
    expect(await loadProblems({ origin: { a: 1 }, maxAge: 1.5, optionsSuccessStatus: 404, credentialz: true })).toEqual(
      expect.arrayContaining([
        { path: "pipelines.p.policies[0].cors.origin", message: "must be string, boolean or array" },
        { path: "pipelines.p.policies[0].cors.maxAge", message: "must be integer" },
        { path: "pipelines.p.policies[0].cors.optionsSuccessStatus", message: "must be <= 299" },
        { path: "pipelines.p.policies[0].cors.credentialz", message: "is not a known option" },
      ]),
    );
  });

  it("runs an Express Gateway file with a !!js/regexp origin, and warns about unanchored patterns", async () => {
    const file = writeConfig(`
http: { port: 0, host: 127.0.0.1 }
apiEndpoints:
  api: { host: '*', paths: '/*' }
policies: [cors, terminate]
pipelines:
  default:
    apiEndpoints: [api]
    policies:
      - cors:
          - action:
              origin: [!!js/regexp /example\\.com/]
              methods: 'HEAD,PUT,PATCH,POST,DELETE'
              allowedHeaders: 'X-TEST'
      - terminate:
          - action: { statusCode: 200, message: ok }
`);
    const eg = await createGateway({ logger: silentLogger, policies: [corsPolicy], config: file });
    try {
      const egUrl = (await eg.listen()).http!;
      const res = await send(egUrl, {
        method: "OPTIONS",
        path: "/",
        headers: { origin: "http://www.example.com", "access-control-request-method": "PUT" },
      });
      expect(res.status).toBe(204);
      expect(res.headers).toMatchObject({
        "access-control-allow-origin": "http://www.example.com",
        "access-control-allow-methods": "HEAD,PUT,PATCH,POST,DELETE",
        "access-control-allow-headers": "X-TEST",
      });
      expect(eg.snapshot.warnings).toEqual([
        "pipelines.default.policies[0].cors[0].action: origin /example\\.com/ is not anchored at both ends, so it also matches origins that merely contain a match (e.g. a longer host); anchor it with ^ and $",
      ]);
    } finally {
      await eg.close();
    }
  });
});
