/**
 * The policy's options: validation with paths, load-time warnings, loading by name, the memory bound.
 */
import { describe, expect, it } from "@jest/globals";
import { createGateway, definePolicy, silentLogger, type GatewayConfig } from "@turnpike/core";
import { createPolicyApp } from "@turnpike/testing";
import { cachePolicy } from "../../index.js";
import { send, startCacheGateway } from "../../../test/support/harness.js";

const pipelineWith = (policies: unknown[]): Record<string, unknown> => ({
  apiEndpoints: { all: { paths: ["/*"] } },
  pipelines: { api: { apiEndpoints: ["all"], policies } },
});

describe("cache options", () => {
  it("reports invalid options with their paths", async () => {
    await expect(
      createPolicyApp(cachePolicy, { ttl: -1, store: "disk", statuses: [500, 206], maxSize: "lots", colour: "red" }),
    ).rejects.toMatchObject({
      problems: expect.arrayContaining([
        { path: "pipelines.test.policies[0].cache.ttl", message: "must be >= 0" },
        { path: "pipelines.test.policies[0].cache.colour", message: "is not a known option" },
        expect.objectContaining({ path: "pipelines.test.policies[0].cache.store" }),
        expect.objectContaining({ path: "pipelines.test.policies[0].cache.statuses[0]" }),
      ]),
    });
  });

  it("rejects what the schema cannot express: sizes, partial statuses, a Redis store without redis:", async () => {
    await expect(
      createPolicyApp(cachePolicy, { maxSize: "1kb", maxEntrySize: "2kb", statuses: [200, 206], store: "redis" }),
    ).rejects.toMatchObject({
      problems: expect.arrayContaining([
        { path: "pipelines.test.policies[0].cache.maxEntrySize", message: "must not exceed maxSize (1024 bytes)" },
        { path: "pipelines.test.policies[0].cache.statuses[1]", message: "206 responses cannot be stored" },
        { path: "pipelines.test.policies[0].cache.store", message: "is redis, but no redis: connection is configured" },
      ]),
    });
    await expect(createPolicyApp(cachePolicy, { maxSize: "huge" })).rejects.toMatchObject({
      problems: [{ path: "pipelines.test.policies[0].cache.maxSize", message: 'must be a number of bytes or a size such as "64mb"' }],
    });
  });

  it("warns when it runs before an authentication policy, whose checks hits would skip", async () => {
    const warnings: string[] = [];
    const gw = await createGateway({
      logger: {
        ...silentLogger,
        warn: (message: string) => void warnings.push(message),
        child: () => ({ ...silentLogger, warn: (m: string) => void warnings.push(m) }),
      } as typeof silentLogger,
      policies: [cachePolicy],
      config: {
        ...pipelineWith([{ cache: { ttl: 5 } }, { "key-auth": {} }, { proxy: { url: "http://127.0.0.1:9" } }]),
        consumers: [],
      },
    });
    expect(gw.snapshot.warnings).toEqual(
      expect.arrayContaining([expect.stringMatching(/^pipelines\.api\.policies\[0\]\.cache: cache runs before key-auth/)]),
    );
    await gw.close();
  });

  it("knows authentication steps by their declared phase, not by name: a plugin's counts, other steps do not", async () => {
    const passThrough = (phase?: "auth" | "transform") =>
      definePolicy({
        name: phase === "auth" ? "sso-auth" : "stamp",
        ...(phase ? { phase } : {}),
        schema: { type: "object", properties: {} },
        create: () => (_req, _res, next) => next(),
      });
    const gw = await createGateway({
      logger: silentLogger,
      policies: [cachePolicy, passThrough("auth"), passThrough()],
      config: pipelineWith([
        { stamp: {} },
        { cache: [{ action: { ttl: 5 } }, { action: { ttl: 9 } }] },
        { stamp: {} },
        { "sso-auth": {} },
        { proxy: { url: "http://127.0.0.1:9" } },
      ]),
    });
    expect(gw.snapshot.warnings.filter((w) => w.includes("cache runs before"))).toEqual([
      "pipelines.api.policies[1].cache[0].action: cache runs before sso-auth: cached responses are answered without authentication; put cache after the authentication policies",
      "pipelines.api.policies[1].cache[1].action: cache runs before sso-auth: cached responses are answered without authentication; put cache after the authentication policies",
    ]);
    await gw.close();
    const after = await createGateway({
      logger: silentLogger,
      policies: [cachePolicy, passThrough("auth"), passThrough()],
      config: pipelineWith([{ "sso-auth": {} }, { cache: { ttl: 5 } }, { stamp: {} }, { proxy: { url: "http://127.0.0.1:9" } }]),
    });
    expect(after.snapshot.warnings).toEqual([]);
    await after.close();
  });

  it("is available by name without a plugins: entry (first-party package)", async () => {
    const gw = await createGateway({
      logger: silentLogger,
      config: pipelineWith([{ cache: { ttl: 5 } }, { proxy: { url: "http://127.0.0.1:9" } }]),
    });
    const steps = gw.snapshot.pipelines.get("api")!.steps;
    expect(steps.map((s) => s.policy)).toEqual(["cache", "proxy"]);
    expect((gw.config as GatewayConfig).plugins).toEqual([]);
    await gw.close();
  });

  it("bounds the memory store by total size, dropping the least recently used entries", async () => {
    const h = await startCacheGateway({ cache: { ttl: 60, maxSize: 4000, maxEntrySize: 1500 } });
    for (const n of [1, 2, 3, 4, 5]) await send(h.url, `/lru/${n}?size=1000`);
    // Room for about three entries of ~1.3 kB (body, headers, key): the first ones went.
    expect((await send(h.url, "/lru/5?size=1000")).headers["x-cache"]).toBe("HIT");
    expect((await send(h.url, "/lru/1?size=1000")).headers["x-cache"]).toBe("MISS");
    await h.close();
  });

  it("counts hits, misses and bypasses in the gateway's metrics", async () => {
    const h = await startCacheGateway({ cache: { ttl: 60 } });
    await send(h.url, "/m");
    await send(h.url, "/m");
    await send(h.url, "/m", { method: "POST" });
    await h.close(); // closing flushes the counters
    const series = h.gw.metrics.series().filter((s) => s.name === "turnpike_cache_requests_total");
    const byResult = Object.fromEntries(series.map((s) => [s.labels.result, s.value]));
    expect(byResult).toEqual({ hit: 1, miss: 1, bypass: 1 });
    expect(series[0]!.labels.pipeline).toBe("api");
  });
});
