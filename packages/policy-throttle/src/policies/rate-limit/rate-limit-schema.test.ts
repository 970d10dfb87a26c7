import { afterEach, describe, expect, it } from "@jest/globals";
import { type Gateway, isConfigError } from "@turnpike/core";
import { rateLimitPolicy } from "@turnpike/policy-throttle";
import { createPolicyApp } from "@turnpike/testing";

async function problems(options: unknown, extra: Record<string, unknown> = {}): Promise<{ path: string; message: string }[]> {
  try {
    const gw = await createPolicyApp(rateLimitPolicy, options, { config: extra });
    await gw.close();
  } catch (err) {
    if (isConfigError(err)) return [...err.problems];
    throw err;
  }
  throw new Error("expected a ConfigError");
}

const at = "pipelines.test.policies[0].rate-limit";

describe("rate-limit options", () => {
  let gw: Gateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it("rejects a max below 1, a non-integer window and unknown options, each with its path", async () => {
    expect(await problems({ max: 0, windowMs: 1.5, colour: "red" })).toEqual(
      expect.arrayContaining([
        { path: `${at}.max`, message: "must be >= 1" },
        { path: `${at}.windowMs`, message: "must be integer" },
        { path: `${at}.colour`, message: "is not a known option" },
      ]),
    );
  });

  it("rejects unknown header drafts and out-of-range IPv6 subnets", async () => {
    const found = await problems({ standardHeaders: "draft-9", ipv6Subnet: 128 });
    expect(found.map((p) => p.path)).toEqual(expect.arrayContaining([`${at}.standardHeaders`, `${at}.ipv6Subnet`]));
  });

  it("refuses by and rateLimitBy together, unknown shortcuts, bad header names and broken templates", async () => {
    expect(await problems({ by: "ip", rateLimitBy: "${req.ip}" })).toEqual([
      { path: `${at}.by`, message: "use either by or rateLimitBy, not both" },
    ]);
    expect(await problems({ by: "cookie" })).toEqual([
      {
        path: `${at}.by`,
        message: expect.stringMatching(/^"cookie" is not a known key: use ip, consumer, credential, host, global, header:<name>/),
      },
    ]);
    expect(await problems({ by: "header:x y" })).toEqual([{ path: `${at}.by`, message: expect.stringMatching(/is not a known key/) }]);
    expect(await problems({ rateLimitBy: "${req.user.id" })).toEqual([
      { path: `${at}.rateLimitBy`, message: expect.stringMatching(/invalid template .*missing \}/) },
    ]);
    expect(await problems({ rateLimitBy: "${process.env.SECRET}" })).toEqual([
      { path: `${at}.rateLimitBy`, message: expect.stringMatching(/unknown name "process"/) },
    ]);
  });

  it("refuses store: redis without a redis: section", async () => {
    expect(await problems({ store: "redis" })).toEqual([
      { path: `${at}.store`, message: "redis needs a redis: section in the configuration" },
    ]);
  });

  it("accepts Express Gateway's delayAfter and delayMs, and warns that they are ignored", async () => {
    gw = await createPolicyApp(rateLimitPolicy, {
      max: 10,
      windowMs: 1000,
      delayAfter: 1,
      delayMs: 0,
      message: "m",
      statusCode: 429,
      rateLimitBy: "${req.ip}",
    });
    expect(gw.snapshot.warnings).toEqual([
      `${at}.delayAfter: accepted for Express Gateway compatibility and ignored (Express Gateway's slow-down threshold; Turnpike answers 429 at the limit and never delays responses)`,
      `${at}.delayMs: accepted for Express Gateway compatibility and ignored (Express Gateway's slow-down delay; Turnpike answers 429 at the limit and never delays responses)`,
    ]);
  });
});
