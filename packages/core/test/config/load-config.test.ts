import { describe, expect, it } from "@jest/globals";
import { loadConfig, parseConfig, type ConfigProblem, isConfigError } from "@turnpike/core";
import { writeConfig } from "@turnpike/testing";
import path from "node:path";

function problemsOf(fn: () => unknown): ConfigProblem[] {
  try {
    fn();
  } catch (err) {
    if (isConfigError(err)) return [...err.problems];
    throw err;
  }
  throw new Error("expected a ConfigError");
}

const minimal = {
  apiEndpoints: { api: { paths: ["/api/*"] } },
  serviceEndpoints: { svc: { url: "http://127.0.0.1:9001" } },
  pipelines: { api: { apiEndpoints: ["api"], policies: [{ proxy: { serviceEndpoint: "svc" } }] } },
};

describe("loadConfig", () => {
  it("loads YAML with environment substitution and resolves paths from the file's directory", async () => {
    const file = writeConfig(
      [
        "http: { port: ${GW_PORT:-8080}, host: 127.0.0.1 }",
        "https: { port: 0, tls: { key: ./key.pem, cert: ./cert.pem } }",
        "apiEndpoints: { api: { host: '*', paths: /api/* } }",
        "serviceEndpoints: { svc: { url: 'http://127.0.0.1:${UP_PORT}' } }",
        "pipelines: { api: { apiEndpoints: [api], policies: [ { proxy: { serviceEndpoint: svc } } ] } }",
      ].join("\n"),
    );
    const config = await loadConfig(file, { env: { UP_PORT: "9001" } });
    expect(config.http).toEqual({ port: 8080, host: "127.0.0.1" });
    expect(config.https?.tls.key).toBe(path.join(path.dirname(file), "key.pem"));
    expect(config.serviceEndpoints.svc!.targets).toEqual([{ url: "http://127.0.0.1:9001", weight: 1 }]);
    expect(config.apiEndpoints.api![0]!.paths).toEqual(["/api/*"]);
    expect(config.source).toBe(file);
  });

  it("loads JSON files", async () => {
    const file = writeConfig(minimal, "gateway.config.json");
    const config = await loadConfig(file);
    expect(config.pipelines[0]!.name).toBe("api");
  });

  it("reports YAML syntax errors with their line", async () => {
    const file = writeConfig("http:\n  port: 8080\n pipelines: [");
    await expect(loadConfig(file)).rejects.toThrow(/line \d+/);
  });

  it("warns about unset environment variables", async () => {
    const file = writeConfig("admin: { port: 0, token: '${NOT_SET_ANYWHERE_42}' }\n");
    const config = await loadConfig(file, { env: {} });
    expect(config.warnings).toContain("environment variable NOT_SET_ANYWHERE_42 is not set; using an empty value");
    expect(config.admin?.token).toBeUndefined();
  });

  it("says which file it cannot read", async () => {
    await expect(loadConfig("/nonexistent/gateway.config.yml")).rejects.toThrow(/cannot read \/nonexistent\/gateway.config.yml: ENOENT/);
  });
});

describe("parseConfig validation", () => {
  it("reports every problem at once, each with its path", () => {
    const problems = problemsOf(() =>
      parseConfig({
        http: { port: 70000 },
        apiEndpoints: { api: { paths: ["api"], methods: "GET,FETCH" } },
        serviceEndpoints: { a: { url: "ftp://x" }, b: {}, c: { url: "http://u:p@h" } },
        pipelines: { p: { apiEndpoints: ["api", "nope"], policies: [] } },
        bogus: true,
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: "http.port", message: "must be <= 65535" },
        { path: "bogus", message: "is not a known option" },
      ]),
    );
    // With the structure fixed (http, bogus), the semantic checks report every problem of each section.
    const second = problemsOf(() =>
      parseConfig({
        apiEndpoints: { api: { paths: ["api"], methods: "GET,FETCH" } },
        serviceEndpoints: { a: { url: "ftp://x" }, b: {}, c: { url: "http://u:p@h" } },
        pipelines: { p: { apiEndpoints: ["api", "nope"], policies: [] } },
      }),
    );
    expect(second).toEqual(
      expect.arrayContaining([
        { path: "apiEndpoints.api.paths[0]", message: "must start with /" },
        { path: "apiEndpoints.api.methods", message: 'unknown HTTP method "FETCH"' },
        { path: "serviceEndpoints.a.url", message: "must be an http:// or https:// URL" },
        { path: "serviceEndpoints.b", message: "needs exactly one of url or urls" },
        { path: "serviceEndpoints.c.url", message: "must not carry credentials (use a policy to add an Authorization header)" },
        { path: "pipelines.p.apiEndpoints[1]", message: 'apiEndpoint "nope" is not defined in apiEndpoints' },
      ]),
    );
  });

  it("checks declared consumers' credentials", () => {
    const problems = problemsOf(() =>
      parseConfig({
        consumers: [
          {
            username: "alice",
            credentials: [
              { type: "key-auth", keyId: "k1" },
              { type: "basic-auth", password: "p", keyId: "x" },
            ],
          },
          { username: "alice", credentials: [{ type: "oauth9" }, { type: "key-auth", keyId: "k1", keySecret: "s" }] },
        ],
      }),
    );
    expect(problems).toEqual([
      { path: "consumers[0].credentials[0].keySecret", message: "is required for key-auth credentials" },
      { path: "consumers[0].credentials[1].keyId", message: "does not apply to basic-auth credentials" },
      { path: "consumers[1].username", message: '"alice" is declared twice' },
      { path: "consumers[1].credentials[0].type", message: "must be one of: key-auth, basic-auth, jwt" },
      { path: "consumers[1].credentials[1].keyId", message: '"k1" is declared twice' },
    ]);
  });

  it("rejects a document that is not a mapping", () => {
    expect(problemsOf(() => parseConfig([1, 2]))[0]!.message).toMatch(/must be a mapping/);
  });

  it("reads Express Gateway's spellings into one shape", () => {
    const config = parseConfig({
      apiEndpoint: { api: [{ host: "Example.com", path: "/a", methods: "get, post" }, { pathRegex: "^/b" }] },
      serviceEndpoints: { svc: { urls: ["http://a:1", { url: "http://b:2", weight: 3 }], proxyOptions: { xfwd: false } } },
      pipeline: [{ name: "main", apiEndpoint: "api", policy: { proxy: { action: { serviceEndpoint: "svc" } } } }],
      plugins: { local: { package: "./plugin", option: 1 } },
      redis: "redis://127.0.0.1:6379/2",
      db: { redis: { emulate: true, namespace: "EG" } },
    });
    expect(config.apiEndpoints.api).toEqual([
      { name: "api", host: "Example.com", paths: ["/a"], methods: ["GET", "POST"], scopes: [], path: "apiEndpoints.api[0]" },
      { name: "api", paths: [], pathRegex: "^/b", scopes: [], path: "apiEndpoints.api[1]" },
    ]);
    expect(config.serviceEndpoints.svc!.targets).toEqual([
      { url: "http://a:1", weight: 1 },
      { url: "http://b:2", weight: 3 },
    ]);
    expect(config.pipelines).toEqual([
      {
        name: "main",
        apiEndpoints: ["api"],
        path: "pipelines[0]",
        policies: [
          {
            name: "proxy",
            path: "pipelines[0].policy[0].proxy",
            steps: [
              {
                action: { serviceEndpoint: "svc" },
                path: "pipelines[0].policy[0].proxy.action",
                conditionPath: "pipelines[0].policy[0].proxy.condition",
              },
            ],
          },
        ],
      },
    ]);
    expect(config.plugins).toEqual([{ name: "./plugin", options: { option: 1 }, path: "plugins.local" }]);
    expect(config.redis).toMatchObject({ url: "redis://127.0.0.1:6379/2", prefix: "turnpike:" });
    expect(config.warnings).toContain("db: Express Gateway setting ignored by Turnpike (use redis: for shared state)");
  });

  it("normalises the three forms of a policy entry into steps with paths in the file's structure", () => {
    const config = parseConfig({
      ...minimal,
      pipelines: {
        api: {
          apiEndpoints: ["api"],
          policies: [
            { "rate-limit": [{ condition: { name: "method", methods: ["POST"] }, action: { max: 10 } }, { action: { max: 100 } }] },
            { "key-auth": {} },
            { cors: null },
            { log: { action: { message: "hi" }, condition: { name: "always" } } },
            { terminate: [] },
          ],
        },
      },
    });
    const steps = config.pipelines[0]!.policies.map((p) => p.steps.map((s) => [s.path, s.action, s.condition?.name]));
    expect(steps).toEqual([
      [
        ["pipelines.api.policies[0].rate-limit[0].action", { max: 10 }, "method"],
        ["pipelines.api.policies[0].rate-limit[1].action", { max: 100 }, undefined],
      ],
      [["pipelines.api.policies[1].key-auth", {}, undefined]],
      [["pipelines.api.policies[2].cors", {}, undefined]],
      [["pipelines.api.policies[3].log.action", { message: "hi" }, "always"]],
      [["pipelines.api.policies[4].terminate[0].action", {}, undefined]],
    ]);
  });

  it("requires a token for an admin API bound beyond loopback", () => {
    expect(parseConfig({ admin: { port: 0, hostname: "0.0.0.0", token: "t" } }).admin).toMatchObject({
      port: 0,
      host: "0.0.0.0",
      token: "t",
    });
    expect(parseConfig({ admin: { port: 0 } }).admin).toMatchObject({ host: "127.0.0.1" });
    expect(problemsOf(() => parseConfig({ admin: { host: "0.0.0.0" } }))).toEqual([
      { path: "admin.token", message: "is required when the admin API listens beyond loopback (host 0.0.0.0)" },
    ]);
  });

  it("applies documented defaults", () => {
    const config = parseConfig({ http: {} });
    expect(config.http).toEqual({ port: 8080, host: "0.0.0.0" });
    expect(config.server).toMatchObject({ maxHeaderSize: 16384, headersTimeout: 20000, keepAliveTimeout: 5000 });
    expect(config.trustProxy).toBe(false);
  });

  it("does not change the object it was given", () => {
    const input = structuredClone(minimal);
    parseConfig(input);
    expect(input).toEqual(minimal);
  });
});
