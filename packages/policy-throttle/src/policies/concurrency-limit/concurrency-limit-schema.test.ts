import { describe, expect, it } from "@jest/globals";
import { isConfigError } from "@turnpike/core";
import { concurrencyLimitPolicy, quotaPolicy, rateLimitPolicy } from "@turnpike/policy-throttle";
import { createPolicyApp } from "@turnpike/testing";

async function problems(options: unknown): Promise<{ path: string; message: string }[]> {
  try {
    const gw = await createPolicyApp(concurrencyLimitPolicy, options);
    await gw.close();
  } catch (err) {
    if (isConfigError(err)) return [...err.problems];
    throw err;
  }
  throw new Error("expected a ConfigError");
}

const at = "pipelines.test.policies[0].concurrency-limit";

describe("concurrency-limit options", () => {
  it("requires max and rejects negative queues, short leases, bad keys and unknown options", async () => {
    expect(await problems({ maxQueue: -1, leaseMs: 10, queueTimeout: 0, colour: "red" })).toEqual(
      expect.arrayContaining([
        { path: `${at}.max`, message: "is required" },
        { path: `${at}.maxQueue`, message: "must be >= 0" },
        { path: `${at}.leaseMs`, message: "must be >= 1000" },
        { path: `${at}.queueTimeout`, message: "must be >= 1" },
        { path: `${at}.colour`, message: "is not a known option" },
      ]),
    );
    expect(await problems({ max: 1, by: "header:" })).toEqual([
      { path: `${at}.by`, message: expect.stringMatching(/"header:" is not a known key/) },
    ]);
    expect(await problems({ max: 1, store: "redis" })).toEqual([
      { path: `${at}.store`, message: "redis needs a redis: section in the configuration" },
    ]);
  });
});

describe("every throttling policy", () => {
  it.each([rateLimitPolicy, quotaPolicy, concurrencyLimitPolicy])("documents each option of $name", (policy) => {
    const properties = policy.schema.properties as Record<string, { description?: string }>;
    for (const [name, schema] of Object.entries(properties))
      expect([name, typeof schema.description, (schema.description ?? "").length > 10]).toEqual([name, "string", true]);
  });
});
