/**
 * End to end: two `turnpike start` processes sharing one redis-server enforce one limit, and keep
 * serving, as configured, while Redis is down.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawnGateway, startRedis, writeConfig, type GatewayProcess, type TestRedis } from "@turnpike/testing";
import { burst, count } from "../helpers.js";

describe("two gateway processes on one Redis", () => {
  let redis: TestRedis;
  let gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    const step = (path: string, onStoreError: string) => ({
      "rate-limit": [{ condition: { name: "pathExact", path }, action: { max: 10, windowMs: 600_000, onStoreError } }],
    });
    const file = writeConfig({
      http: { port: 0, host: "127.0.0.1" },
      redis: { url: redis.url, commandTimeout: 1000 },
      apiEndpoints: { api: { paths: ["/*"] } },
      pipelines: {
        api: {
          apiEndpoints: ["api"],
          policies: [step("/open", "fail-open"), step("/closed", "fail-closed"), { terminate: { statusCode: 200, message: "ok" } }],
        },
      },
    });
    gateways = await Promise.all([spawnGateway(file, { args: ["--no-watch"] }), spawnGateway(file, { args: ["--no-watch"] })]);
  });

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await redis.stop();
  });

  it("gives exactly 10 of 100 simultaneous requests, spread over both, a 200", async () => {
    const [a, b] = gateways;
    const statuses = (await Promise.all([burst(`${a!.url}/closed`, 50), burst(`${b!.url}/closed`, 50)])).flat();
    expect(count(statuses, 200)).toBe(10);
    expect(count(statuses, 429)).toBe(90);
  });

  it("fails open or closed while Redis is down, without hanging, and limits again once it is back", async () => {
    const [a, b] = gateways;
    await redis.stop();
    for (const g of [a!, b!]) {
      expect(count(await burst(`${g.url}/open`, 15), 200)).toBe(15);
      expect(count(await burst(`${g.url}/closed`, 5), 503)).toBe(5);
    }
    for (const g of [a!, b!]) expect(g.stderr().match(/throttling store error/g)).toHaveLength(1);

    await redis.restart();
    await Promise.all([a!.waitForOutput(/connected again/, 15_000), b!.waitForOutput(/connected again/, 15_000)]);
    // Redis restarted empty: both processes count from zero again, together.
    const statuses = (await Promise.all([burst(`${a!.url}/open`, 8), burst(`${b!.url}/open`, 8)])).flat();
    expect(count(statuses, 200)).toBe(10);
    expect(count(statuses, 429)).toBe(6);
    for (const g of [a!, b!]) expect(g.stderr()).toMatch(/throttling store answering again/);
  });
});
