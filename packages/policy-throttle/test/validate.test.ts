/**
 * `turnpike validate` (the real CLI) on configurations using the throttling policies: the contract's
 * example message, warnings for Express Gateway's ignored options, and a Redis store without Redis.
 */
import { describe, expect, it } from "@jest/globals";
import { runTurnpike, writeConfig } from "@turnpike/testing";

const base = {
  http: { port: 0 },
  apiEndpoints: { api: { paths: ["/*"] } },
  serviceEndpoints: { backend: { url: "http://127.0.0.1:9" } },
};

describe("turnpike validate", () => {
  it("reports option problems with their paths in the file", async () => {
    const file = writeConfig({
      ...base,
      pipelines: {
        api: {
          apiEndpoints: ["api"],
          policies: [
            { "rate-limit": { max: 0 } },
            { quota: { max: 10, store: "redis" } },
            { "concurrency-limit": { max: 1, by: "cookie" } },
            { proxy: { serviceEndpoint: "backend" } },
          ],
        },
      },
    });
    const { code, stdout, stderr } = await runTurnpike(["validate", "-c", file]);
    const out = stdout + stderr;
    expect(code).toBe(1);
    expect(out).toContain("pipelines.api.policies[0].rate-limit.max: must be >= 1");
    expect(out).toContain("pipelines.api.policies[1].quota.store: redis needs a redis: section in the configuration");
    expect(out).toContain('pipelines.api.policies[2].concurrency-limit.by: "cookie" is not a known key');
  });

  it("accepts an Express Gateway rate-limit step list, warning about delayMs", async () => {
    const file = writeConfig({
      ...base,
      pipelines: {
        api: {
          apiEndpoints: ["api"],
          policies: [
            {
              "rate-limit": [
                {
                  condition: { name: "method", methods: ["POST"] },
                  action: { max: 10, windowMs: 60000, rateLimitBy: "${req.user.id}", delayMs: 0 },
                },
              ],
            },
            { proxy: { serviceEndpoint: "backend" } },
          ],
        },
      },
    });
    const { code, stdout, stderr } = await runTurnpike(["validate", "-c", file]);
    expect([code, stdout.trim()]).toEqual([0, expect.stringContaining("ok")]);
    expect(stdout + stderr).toContain(
      "pipelines.api.policies[0].rate-limit[0].action.delayMs: accepted for Express Gateway compatibility and ignored",
    );
  });
});
