import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createGateway, silentLogger, type Gateway } from "@turnpike/core";
import { startUpstream, type TestUpstream } from "@turnpike/testing";
import { headersPolicy } from "./headers.js";
import { send } from "../../../test/proxy/http-client.js";
import { stepProblems, testAuthPolicy } from "../../../test/support/policy-support.js";

const testAuth = testAuthPolicy({ scopes: ["read", "write"], claims: { note: "line one\r\nInjected: yes", plan: "gold" } });
const loadProblems = (entry: unknown) => stepProblems("headers", entry);

describe("headers", () => {
  let upstream: TestUpstream;
  let gw: Gateway;
  let url: string;

  beforeAll(async () => {
    upstream = await startUpstream();
    gw = await createGateway({
      logger: silentLogger,
      policies: [headersPolicy, testAuth],
      config: {
        http: { port: 0, host: "127.0.0.1" },
        apiEndpoints: { api: { paths: ["/api/*"] }, plain: { paths: ["/plain/*"] } },
        pipelines: {
          api: {
            apiEndpoints: ["api"],
            policies: [
              { "test-auth": {} },
              {
                // Express Gateway's documented example, in its step form, plus Turnpike templates.
                headers: [
                  {
                    action: {
                      headersPrefix: "eg-",
                      forwardHeaders: {
                        id: "consumer.id",
                        "consumer-name": "consumer.username",
                        "consumer-type": "consumer.type",
                        requestID: "requestID",
                        scopes: "consumer.scopes",
                        "User-Id": "req.user.id",
                        plan: "consumer.claims['plan'] || 'free'",
                        gateway: "'Turnpike'",
                        host: "${req.headers.host}",
                        via: "`edge-${req.method}-${consumer.id}`",
                        version: 2,
                        beta: false,
                        note: "consumer.claims.note",
                      },
                    },
                  },
                ],
              },
              { proxy: { url: upstream.url } },
            ],
          },
          plain: { apiEndpoints: ["plain"], policies: [{ headers: {} }, { proxy: { url: upstream.url } }] },
        },
      },
    });
    url = (await gw.listen()).http!;
  });

  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it("sends the prefixed headers, their values computed per request, to the upstream", async () => {
    const res = await send(url, { path: "/api/orders", headers: { "x-test-as": "c-7" } });
    expect(res.status).toBe(200);
    const seen = upstream.requests.at(-1)!.headers;
    expect(seen).toMatchObject({
      "eg-id": "c-7",
      "eg-consumer-name": "alice",
      "eg-consumer-type": "user",
      "eg-requestid": res.headers["x-request-id"],
      "eg-scopes": "read,write",
      "eg-user-id": "c-7",
      "eg-plan": "gold",
      "eg-gateway": "Turnpike",
      "eg-host": new URL(url).host,
      "eg-via": "edge-GET-c-7",
      "eg-version": "2",
      "eg-beta": "false",
    });
    // A value that is not a valid header value is not sent, and does not break the request.
    expect(seen["eg-note"]).toBeUndefined();
    expect(seen.injected).toBeUndefined();
    // The gateway's own identity headers are still there, beside the policy's.
    expect(seen["x-consumer-id"]).toBe("c-7");
  });

  it("skips headers whose value is undefined, and removes a client's copy of them", async () => {
    await send(url, { path: "/api/orders", headers: { "eg-id": "admin", "eg-consumer-name": "root", "eg-plan": "platinum" } });
    const seen = upstream.requests.at(-1)!.headers;
    expect(seen["eg-id"]).toBeUndefined();
    expect(seen["eg-consumer-name"]).toBeUndefined();
    expect(seen["eg-scopes"]).toBeUndefined();
    expect(seen["eg-via"]).toBe("edge-GET-");
    expect(seen["eg-plan"]).toBe("free");
    expect(seen["eg-gateway"]).toBe("Turnpike");
    expect(seen["x-consumer-id"]).toBeUndefined();
  });

  it("overwrites what a client sent under the same name, in any case and however often", async () => {
    await send(url, { path: "/api/x", headers: { "x-test-as": "c-8", "EG-ID": ["admin", "root"], "eg-user-id": "admin" } });
    const received = upstream.requests.at(-1)!;
    expect(received.headers["eg-id"]).toBe("c-8");
    expect(received.headers["eg-user-id"]).toBe("c-8");
    expect(received.rawHeaders.filter((h) => h.toLowerCase() === "eg-id")).toHaveLength(1);
  });

  it("does nothing without forwardHeaders, and says so at load", async () => {
    await send(url, { path: "/plain/x", headers: { "x-kept": "1" } });
    expect(upstream.requests.at(-1)!.headers["x-kept"]).toBe("1");
    expect(gw.snapshot.warnings).toEqual(["pipelines.plain.policies[0].headers: no forwardHeaders: the policy does nothing"]);
  });

  it("refuses values it cannot compile, naming the value's path", async () => {
    const found = await loadProblems({
      forwardHeaders: {
        "x-id": "'user-' + consumer.id",
        "x-env": "process.env.SECRET",
        "X-API-Gateway": "Express-Gateway",
        "x-empty": " ",
        "x-multiline": "'one\ntwo'",
        "x-object": { a: 1 },
      },
    });
    expect(found).toEqual([
      { path: "pipelines.p.policies[0].headers.forwardHeaders.x-object", message: "must be string, number or boolean" },
    ]);
    const compiled = await loadProblems({
      forwardHeaders: {
        "x-id": "'user-' + consumer.id",
        "x-env": "process.env.SECRET",
        "X-API-Gateway": "Express-Gateway",
        "x-empty": " ",
        "x-multiline": "'one\ntwo'",
      },
    });
    expect(compiled).toEqual([
      {
        path: "pipelines.p.policies[0].headers.forwardHeaders.x-id",
        message: expect.stringMatching(
          /^"'user-' \+ consumer\.id" cannot be compiled \(unexpected .*\); a value may read a property .* code such as \+ or calls is never run$/,
        ),
      },
      {
        path: "pipelines.p.policies[0].headers.forwardHeaders.x-env",
        message: expect.stringContaining('"process.env.SECRET" cannot be compiled (unknown name "process"'),
      },
      {
        path: "pipelines.p.policies[0].headers.forwardHeaders.X-API-Gateway",
        message: expect.stringContaining(`quoted literal ("'text'")`),
      },
      { path: "pipelines.p.policies[0].headers.forwardHeaders.x-empty", message: expect.stringMatching(/^is empty/) },
      {
        path: "pipelines.p.policies[0].headers.forwardHeaders.x-multiline",
        message: expect.stringMatching(/^contains characters not allowed in a header value/),
      },
    ]);
  });

  it("refuses names the gateway removes or sets itself, so identity headers stay unforgeable", async () => {
    const found = await loadProblems([
      {
        action: {
          headersPrefix: "X-",
          forwardHeaders: {
            "Consumer-Id": "'admin'",
            "Forwarded-For": "'1.2.3.4'",
            "Request-Id": "'r'",
            "Anonymous-Consumer": "'no'",
            "Authenticated-Userid": "consumer.id",
            Tenant: "consumer.claims.tenant",
          },
        },
      },
    ]);
    const at = (key: string) => `pipelines.p.policies[0].headers[0].action.forwardHeaders.${key}`;
    expect(found).toEqual([
      {
        path: at("Consumer-Id"),
        message: expect.stringMatching(/^header "x-consumer-id" cannot be set by this policy: identity headers are removed/),
      },
      {
        path: at("Forwarded-For"),
        message: expect.stringMatching(/^header "x-forwarded-for" cannot be set by this policy: forwarding headers/),
      },
      { path: at("Request-Id"), message: 'header "x-request-id" cannot be set by this policy: the gateway sets the request id' },
      { path: at("Anonymous-Consumer"), message: expect.stringMatching(/^header "x-anonymous-consumer" cannot be set/) },
      { path: at("Authenticated-Userid"), message: expect.stringMatching(/^header "x-authenticated-userid" cannot be set/) },
    ]);
    expect(await loadProblems({ headersPrefix: "eg-", forwardHeaders: { "consumer-id": "consumer.id", host: "'h'" } })).toEqual([
      {
        path: "pipelines.p.policies[0].headers.forwardHeaders.consumer-id",
        message: expect.stringMatching(/^header "eg-consumer-id" cannot be set/),
      },
    ]);
    expect(
      await loadProblems({
        forwardHeaders: { Host: "'h'", connection: "'close'", "content-length": "'1'", "bad name": "'x'", "x-a": "'1'", "X-A": "'2'" },
      }),
    ).toEqual([
      {
        path: "pipelines.p.policies[0].headers.forwardHeaders.Host",
        message: expect.stringMatching(/^header "host" cannot be set by this policy: the proxy sets Host/),
      },
      {
        path: "pipelines.p.policies[0].headers.forwardHeaders.connection",
        message: 'header "connection" cannot be set by this policy: hop-by-hop headers are never forwarded',
      },
      {
        path: "pipelines.p.policies[0].headers.forwardHeaders.content-length",
        message: expect.stringMatching(/^header "content-length" cannot be set/),
      },
      { path: "pipelines.p.policies[0].headers.forwardHeaders.bad name", message: '"bad name" is not a valid header name' },
      {
        path: "pipelines.p.policies[0].headers.forwardHeaders.X-A",
        message: 'header "x-a" is already set by another entry (names are case-insensitive)',
      },
    ]);
  });
});
