import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import type { Consumer, Gateway } from "@turnpike/core";
import { concurrencyLimitPolicy, quotaPolicy, rateLimitPolicy } from "@turnpike/policy-throttle";
import { createPolicyApp, startRedis, type TestRedis } from "@turnpike/testing";
import { Redis } from "ioredis";
import request from "supertest";
import { OK, burst, count, gatewayWith, pipelineConfig, startHeldUpstream, type HeldUpstream } from "../helpers.js";

const alice: Consumer = { id: "alice-id", username: "alice", type: "user", scopes: [] };

describe("Redis stores", () => {
  let redis: TestRedis;
  let inspect: Redis;
  const gateways: Gateway[] = [];
  let upstream: HeldUpstream | undefined;

  beforeAll(async () => {
    redis = await startRedis();
    inspect = new Redis(redis.url, { lazyConnect: true });
    await inspect.connect();
  });
  afterEach(async () => {
    upstream?.releaseAll();
    await Promise.all(gateways.splice(0).map((gw) => gw.close()));
    await upstream?.close();
    upstream = undefined;
    await inspect.flushall();
  });
  afterAll(async () => {
    inspect.disconnect();
    await redis.stop();
  });

  /** A gateway on the shared Redis, listening on an ephemeral port; resolves with its URL. */
  async function instance(policies: unknown[], extra: Record<string, unknown> = {}): Promise<string> {
    const gw = await gatewayWith(
      [rateLimitPolicy, quotaPolicy, concurrencyLimitPolicy],
      pipelineConfig(policies, { redis: { url: redis.url }, http: { port: 0, host: "127.0.0.1" }, ...extra }),
    );
    gateways.push(gw);
    return (await gw.listen()).http!;
  }

  it("enforces one rate limit across two gateways: exactly max of 100 simultaneous requests pass", async () => {
    const policies = [{ "rate-limit": { max: 10, windowMs: 60_000 } }, OK];
    const [a, b] = [await instance(policies), await instance(policies)];
    const statuses = (await Promise.all([burst(`${a}/x`, 50), burst(`${b}/x`, 50)])).flat();
    expect(count(statuses, 200)).toBe(10);
    expect(count(statuses, 429)).toBe(90);
  });

  it("keeps each step's counts under its own key, expiring with the window", async () => {
    const gw = await createPolicyApp(rateLimitPolicy, undefined, {
      entry: [{ action: { max: 1, windowMs: 30_000 } }, { action: { max: 2, windowMs: 30_000 } }],
      config: { redis: { url: redis.url } },
    });
    gateways.push(gw);
    const res = await request(gw.app).get("/").expect(200);
    expect(res.headers["ratelimit"]).toMatch(/^limit=2, remaining=1, reset=(29|30)$/);
    const keys = (await inspect.keys("*")).sort();
    expect(keys).toEqual([
      "turnpike:rl:test.policies[0].rate-limit[0]:k:127.0.0.1",
      "turnpike:rl:test.policies[0].rate-limit[1]:k:127.0.0.1",
    ]);
    for (const key of keys) {
      const ttl = await inspect.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30_000);
    }
    await request(gw.app).get("/").expect(429);
  });

  it("keeps quota counts across a gateway restart, per period in the key", async () => {
    let gw = await createPolicyApp(
      quotaPolicy,
      { max: 2, period: "month" },
      { consumer: alice, config: { redis: { url: redis.url, prefix: "tp:" } } },
    );
    expect(gw.snapshot.warnings).toEqual([]);
    await request(gw.app).get("/").expect(200);
    await gw.close();

    gw = await createPolicyApp(
      quotaPolicy,
      { max: 2, period: "month" },
      { consumer: alice, config: { redis: { url: redis.url, prefix: "tp:" } } },
    );
    gateways.push(gw);
    expect((await request(gw.app).get("/").expect(200)).headers["x-quota-remaining"]).toBe("0");
    await request(gw.app).get("/").expect(429);
    const month = new Date().toISOString().slice(0, 7);
    expect(await inspect.keys("*")).toEqual([`tp:quota:test.policies[1].quota:k:${month}:alice-id`]);
  });

  it("enforces one concurrency limit across two gateways and frees the slots when responses end", async () => {
    upstream = await startHeldUpstream();
    const policies = [{ "concurrency-limit": { max: 2 } }, { proxy: { url: upstream.url } }];
    const [a, b] = [await instance(policies), await instance(policies)];
    const first = fetch(`${a}/1`);
    const second = fetch(`${b}/2`);
    await upstream.waitForHeld(2);
    expect((await fetch(`${a}/3`)).status).toBe(503);
    expect((await fetch(`${b}/3`)).status).toBe(503);
    upstream.releaseAll();
    expect([(await first).status, (await second).status]).toEqual([200, 200]);
    const third = fetch(`${b}/4`);
    await upstream.waitForHeld(1);
    upstream.releaseAll();
    expect((await third).status).toBe(200);
  });

  it("hands a slot freed on one gateway to a request queued on another", async () => {
    upstream = await startHeldUpstream();
    const policies = [{ "concurrency-limit": { max: 1, maxQueue: 5, queueTimeout: 20_000 } }, { proxy: { url: upstream.url } }];
    const [a, b] = [await instance(policies), await instance(policies)];
    const first = fetch(`${a}/1`);
    await upstream.waitForHeld(1);
    const queued = fetch(`${b}/2`);
    upstream.releaseOne();
    expect((await first).status).toBe(200);
    await upstream.waitForHeld(1);
    expect(upstream.held[0]!.req.url).toBe("/2");
    upstream.releaseAll();
    expect((await queued).status).toBe(200);
  });
});
