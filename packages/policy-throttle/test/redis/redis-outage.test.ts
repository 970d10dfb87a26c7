import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import type { Gateway } from "@turnpike/core";
import { concurrencyLimitPolicy, quotaPolicy, rateLimitPolicy } from "@turnpike/policy-throttle";
import { startRedis, type TestRedis } from "@turnpike/testing";
import { OK, burst, captureLogger, count, gatewayWith, pipelineConfig } from "../helpers.js";
import { startFreezableProxy, untilStatus, watchUnhandledRejections, type FreezableProxy } from "./redis-helpers.js";

describe("Redis trouble", () => {
  let redis: TestRedis;
  let gw: Gateway | undefined;
  let proxy: FreezableProxy | undefined;
  let rejections: ReturnType<typeof watchUnhandledRejections>;
  let tests = 0;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });
  beforeEach(() => {
    rejections = watchUnhandledRejections();
  });
  afterEach(async () => {
    await gw?.close();
    await proxy?.close();
    gw = undefined;
    proxy = undefined;
    rejections.stop();
  });

  async function start(
    policies: unknown[],
    redisUrl = redis.url,
    commandTimeout = 300,
  ): Promise<{ url: string; logger: ReturnType<typeof captureLogger> }> {
    const logger = captureLogger();
    // Each test counts under its own prefix: Redis outlives the tests.
    const prefix = `outage-${++tests}:`;
    gw = await gatewayWith(
      [rateLimitPolicy, quotaPolicy, concurrencyLimitPolicy],
      pipelineConfig(policies, { redis: { url: redisUrl, commandTimeout, prefix }, http: { port: 0, host: "127.0.0.1" } }),
      logger,
    );
    const url = (await gw.listen()).http!;
    await untilStatus(gw.stores.redis!, (s) => s === "ready");
    return { url, logger };
  }

  const storeErrors = (outcome: string): number =>
    gw!.metrics
      .series()
      .filter((s) => s.name === "turnpike_store_errors_total" && s.labels.outcome === outcome)
      .reduce((sum, s) => sum + s.value, 0);

  it("fail-open: lets requests through while Redis is down, logs once, counts them, and limits again when Redis is back", async () => {
    const { url, logger } = await start([{ "rate-limit": { max: 2 } }, OK]);
    expect(await burst(`${url}/`, 3)).toEqual(expect.arrayContaining([200, 200, 429]));

    await redis.stop();
    const during = [...(await burst(`${url}/`, 10)), ...(await burst(`${url}/`, 10))];
    expect(count(during, 200)).toBe(20);
    expect(storeErrors("allowed")).toBe(20);
    const errorLines = logger.lines.filter((l) => l.includes("throttling store error"));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(
      /^error policy rate-limit: throttling store error at pipelines\.api\.policies\[0\]\.rate-limit: .+; requests pass unlimited$/,
    );

    await redis.restart();
    await untilStatus(gw!.stores.redis!, (s) => s === "ready");
    const after = [];
    for (let i = 0; i < 3; i++) after.push((await fetch(`${url}/`)).status);
    expect(after).toEqual([200, 200, 429]);
    expect(logger.lines.filter((l) => l.includes("throttling store answering again"))).toHaveLength(1);
    expect(rejections.seen).toEqual([]);
  });

  it("fail-closed: answers 503 STORE_UNAVAILABLE while Redis is down, and limits again when it is back", async () => {
    const { url, logger } = await start([
      { "rate-limit": { max: 1, onStoreError: "fail-closed" } },
      { quota: { max: 5, by: "ip", onStoreError: "fail-closed" } },
      OK,
    ]);
    expect((await fetch(`${url}/`)).status).toBe(200);

    await redis.stop();
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await res.json()).toEqual({
      error: { status: 503, code: "STORE_UNAVAILABLE", message: "A state store the gateway needs is unavailable" },
    });
    expect(count(await burst(`${url}/`, 10), 503)).toBe(10);
    expect(storeErrors("rejected")).toBe(11);
    expect(logger.lines.filter((l) => l.includes("throttling store error"))).toHaveLength(1);
    // The core logs every 5xx it renders; these are reported by the line above, not once per request.
    expect(logger.lines.filter((l) => l.includes("STORE_UNAVAILABLE"))).toEqual([]);

    await redis.restart();
    await untilStatus(gw!.stores.redis!, (s) => s === "ready");
    expect((await fetch(`${url}/`)).status).toBe(200);
    expect((await fetch(`${url}/`)).status).toBe(429);
    expect(rejections.seen).toEqual([]);
  });

  it("never leaves a request waiting on a Redis that stopped answering but keeps the connection open", async () => {
    proxy = await startFreezableProxy(redis.port);
    // Limits under 40 keep every hit a Redis call (no places reserved ahead), which this test is about.
    const { url } = await start(
      [
        { "rate-limit": [{ condition: { name: "pathExact", path: "/open" }, action: { max: 30 } }] },
        { "rate-limit": [{ condition: { name: "pathExact", path: "/closed" }, action: { max: 30, onStoreError: "fail-closed" } }] },
        { "concurrency-limit": [{ condition: { name: "pathExact", path: "/slots" }, action: { max: 5, onStoreError: "fail-closed" } }] },
        OK,
      ],
      proxy.url,
      200,
    );
    expect((await fetch(`${url}/open`)).status).toBe(200);
    proxy.freeze();
    const [open, closed, slots] = await Promise.all([fetch(`${url}/open`), fetch(`${url}/closed`), fetch(`${url}/slots`)]);
    expect([open.status, closed.status, slots.status]).toEqual([200, 503, 503]);
    expect(storeErrors("allowed")).toBe(1);
    expect(storeErrors("rejected")).toBe(2);

    proxy.thaw();
    const back = await fetch(`${url}/closed`);
    expect(back.status).toBe(200);
    // The frozen hit reached Redis once the connection thawed: it counts (the request itself was refused).
    expect(back.headers.get("ratelimit")).toMatch(/^limit=30, remaining=28, /);
    expect(rejections.seen).toEqual([]);
  });

  it("lets concurrency-limit requests through on fail-open while Redis is down", async () => {
    const { url } = await start([{ "concurrency-limit": { max: 1 } }, OK]);
    await redis.stop();
    expect(count(await burst(`${url}/`, 5), 200)).toBe(5);
    await redis.restart();
    await untilStatus(gw!.stores.redis!, (s) => s === "ready");
    expect((await fetch(`${url}/`)).status).toBe(200);
    expect(rejections.seen).toEqual([]);
  });
});
