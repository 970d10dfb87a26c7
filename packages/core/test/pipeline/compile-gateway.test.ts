import { afterEach, describe, expect, it } from "@jest/globals";
import { createGateway, silentLogger, type Gateway, isConfigError } from "@turnpike/core";
import request from "supertest";
import path from "node:path";
import { fileURLToPath } from "node:url";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures");

function config(policies: unknown[], extra: Record<string, unknown> = {}) {
  return {
    apiEndpoints: { api: { paths: ["/*"] } },
    pipelines: { p: { apiEndpoints: ["api"], policies } },
    ...extra,
  };
}

async function problems(cfg: object): Promise<{ path: string; message: string }[]> {
  try {
    const gw = await createGateway({ config: cfg, baseDir: fixtures, logger: silentLogger });
    await gw.close();
  } catch (err) {
    if (isConfigError(err)) return [...err.problems];
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("compiling a configuration", () => {
  let gw: Gateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it("reports unknown policies, the allow-list, bad options and unknown conditions together", async () => {
    const found = await problems(
      config(
        [
          { "no-such-policy": {} },
          { terminate: { statusCode: "x" } },
          { log: { action: {}, condition: { name: "expression", expression: "req.ip === '1'" } } },
          { terminate: [{ condition: { name: "method", methods: "BREW" }, action: {} }] },
          { terminate: [{ condition: { name: "nope" } }] },
          { proxy: { serviceEndpoint: "missing" } },
        ],
        { policies: ["terminate", "proxy", "no-such-policy"] },
      ),
    );
    expect(found).toEqual([
      {
        path: "pipelines.p.policies[0].no-such-policy",
        message: expect.stringMatching(
          /^unknown policy "no-such-policy" \(available: cors, headers, ip-filter, log, proxy, request-size, request-transformer, response-transformer, terminate/,
        ),
      },
      { path: "pipelines.p.policies[1].terminate.statusCode", message: "must be integer" },
      { path: "pipelines.p.policies[2].log", message: 'policy "log" is not listed in the top-level policies allow-list' },
      { path: "pipelines.p.policies[3].terminate[0].condition.methods", message: "has an invalid form" },
      {
        path: "pipelines.p.policies[4].terminate[0].condition.name",
        message: expect.stringMatching(/^unknown condition "nope" \(available: always, never/),
      },
      { path: "pipelines.p.policies[5].proxy.serviceEndpoint", message: 'serviceEndpoint "missing" is not defined in serviceEndpoints' },
    ]);
  });

  it("refuses Express Gateway's expression condition, which ran config text as code", async () => {
    const found = await problems(config([{ terminate: { condition: { name: "expression", expression: "true" }, action: {} } }]));
    expect(found[0]!.message).toMatch(/condition "expression" is not supported: evaluates JavaScript/);
  });

  it("loads a local plugin by path, checks its options and warns about ignored ones", async () => {
    gw = await createGateway({
      baseDir: fixtures,
      logger: silentLogger,
      config: config([{ stamp: { value: "v1", legacy: true } }, { terminate: { statusCode: 200, message: "ok" } }], {
        plugins: ["./plugins/good"],
      }),
    });
    expect(gw.snapshot.warnings).toEqual([
      "pipelines.p.policies[0].stamp.legacy: accepted for Express Gateway compatibility and ignored (an old option with no effect)",
    ]);
    const res = await request(gw.app).get("/x").expect(200);
    expect(res.headers["x-stamp"]).toBe("v1");
    expect(await problems(config([{ stamp: {} }], { plugins: ["./plugins/good"] }))).toEqual([
      { path: "pipelines.p.policies[0].stamp.value", message: "is required" },
    ]);
  });

  it.each([
    ["./plugins/missing", /plugin "\.\/plugins\/missing" cannot be found/],
    ["./plugins/bad-export", /must export a definePlugin\(\.\.\.\) result as its default export/],
    ["./plugins/throws", /plugin "\.\/plugins\/throws" failed to load: plugin init exploded/],
    ["./plugins/no-brand-policy", /policies\[0\] is not a definePolicy\(\.\.\.\) result/],
    ["turnpike-plugin-that-does-not-exist", /cannot be found/],
  ])("refuses to start when plugin %s cannot load, naming it", async (name, message) => {
    const found = await problems(config([{ terminate: {} }], { plugins: [name] }));
    expect(found).toEqual([{ path: "plugins[0]", message: expect.stringMatching(message) }]);
  });

  it("runs built-in and plugin conditions per step", async () => {
    gw = await createGateway({
      baseDir: fixtures,
      logger: silentLogger,
      config: config(
        [
          { stamp: [{ condition: { name: "method", methods: ["POST"] }, action: { header: "x-post", value: "1" } }] },
          { stamp: [{ condition: { name: "pathExact", path: "/exact" }, action: { header: "x-exact", value: "1" } }] },
          { stamp: [{ condition: { name: "pathMatch", pattern: "^/re/\\d+" }, action: { header: "x-re", value: "1" } }] },
          { stamp: [{ condition: { name: "hostMatch", pattern: "*.example.com" }, action: { header: "x-host", value: "1" } }] },
          {
            stamp: [
              {
                condition: {
                  name: "allOf",
                  conditions: [
                    { name: "not", condition: { name: "method", methods: "DELETE" } },
                    { name: "oneOf", conditions: [{ name: "never" }, { name: "queryFlag", flag: "f" }] },
                  ],
                },
                action: { header: "x-combo", value: "1" },
              },
            ],
          },
          {
            stamp: [
              { condition: { name: "anonymous" }, action: { header: "x-anon", value: "1" } },
              { condition: { name: "authenticated" }, action: { header: "x-auth", value: "1" } },
            ],
          },
          { terminate: { statusCode: 200 } },
        ],
        { plugins: ["./plugins/good"] },
      ),
    });
    const headers = async (r: request.Test) =>
      Object.keys((await r).headers)
        .filter((h) => h.startsWith("x-") && h !== "x-request-id")
        .sort();
    expect(await headers(request(gw.app).get("/exact"))).toEqual(["x-anon", "x-exact"]);
    expect(await headers(request(gw.app).post("/re/12?f=1").set("host", "a.example.com:8080"))).toEqual([
      "x-anon",
      "x-combo",
      "x-host",
      "x-post",
      "x-re",
    ]);
    expect(await headers(request(gw.app).delete("/exact?f"))).toEqual(["x-anon", "x-exact"]);
  });

  it("reports a policy factory that throws at its path, as a load problem", async () => {
    const found = await problems(config([{ "request-size": { limit: "lots" } }]));
    expect(found).toEqual([
      { path: "pipelines.p.policies[0].request-size.limit", message: 'must be a number of bytes or a size such as "1mb"' },
    ]);
  });
});
