/**
 * The Redis store end to end: a real redis-server shared by two gateways (one the real `turnpike start`
 * child process loading the plugin by name, one in-process), a real upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  spawnGateway,
  startRedis,
  startUpstream,
  writeConfig,
  type GatewayProcess,
  type TestRedis,
  type TestUpstream,
} from "@turnpike/testing";
import { Redis } from "ioredis";
import { once } from "node:events";
import { request as undiciRequest } from "undici";
import { scripted, send, startCacheGateway, type Harness } from "./support/harness.js";

const TOKEN = "redis-test-token";
const enc = encodeURIComponent;

/**
 * Redis keyspace notifications: a miss writes its entry after answering the client, so a test that
 * asks another instance next first awaits the write (the descriptor is written last).
 */
class RedisWrites {
  private readonly subscriber: Redis;
  private readonly seen: string[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(url: string) {
    this.subscriber = new Redis(url, { lazyConnect: true });
    this.subscriber.on("message", (_channel: string, key: string) => {
      this.seen.push(key);
      for (const waiter of [...this.waiters]) waiter();
    });
  }

  static async start(url: string): Promise<RedisWrites> {
    const writes = new RedisWrites(url);
    await writes.subscriber.connect();
    const admin = new Redis(url);
    await admin.config("SET", "notify-keyspace-events", "E$");
    admin.disconnect();
    await writes.subscriber.subscribe("__keyevent@0__:set");
    return writes;
  }

  /** Resolves when the descriptor of `target` (path and query) has been written since the last call. */
  descriptorWritten(target: string): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        const i = this.seen.findIndex((key) => key.includes("cache:d:") && key.endsWith(`\n${target}`));
        if (i === -1) return;
        this.seen.splice(0, i + 1);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.subscriber.disconnect();
  }
}

describe("Redis store shared by two gateways", () => {
  let redis: TestRedis;
  let upstream: TestUpstream;
  let child: GatewayProcess;
  let inProcess: Harness;
  let writes: RedisWrites;

  beforeAll(async () => {
    redis = await startRedis();
    writes = await RedisWrites.start(redis.url);
    upstream = await startUpstream(scripted);
    const file = writeConfig({
      http: { port: 0, host: "127.0.0.1" },
      redis: { url: redis.url },
      apiEndpoints: { all: { paths: ["/*"] } },
      pipelines: { api: { apiEndpoints: ["all"], policies: [{ cache: { ttl: 60 } }, { proxy: { url: upstream.url } }] } },
    });
    child = await spawnGateway(file, { args: ["--no-watch"] });
    inProcess = await startCacheGateway({
      cache: { ttl: 60 },
      upstreamServer: upstream,
      config: { redis: { url: redis.url }, admin: { port: 0, host: "127.0.0.1", token: TOKEN } },
    });
  });
  afterAll(async () => {
    await child?.stop();
    writes?.close();
    await inProcess?.close();
    await upstream?.close();
    await redis?.stop();
  });

  it("answers from the entry another instance stored: MISS on the first, HIT on the second", async () => {
    const first = await send(child.url, "/shared", { headers: { host: "api.example.com" } });
    expect(first.headers["x-cache"]).toBe("MISS");
    await writes.descriptorWritten("/shared");
    const second = await send(inProcess.url, "/shared", { headers: { host: "api.example.com" } });
    expect(second.headers["x-cache"]).toBe("HIT");
    expect(second.text).toBe(first.text);
    expect(inProcess.received("/shared")).toHaveLength(1);

    const other = await send(inProcess.url, "/shared-2", { headers: { host: "api.example.com" } });
    expect(other.headers["x-cache"]).toBe("MISS");
    await writes.descriptorWritten("/shared-2");
    expect((await send(child.url, "/shared-2", { headers: { host: "api.example.com" } })).headers["x-cache"]).toBe("HIT");
  });

  it("keeps hot entries near: repeated hits on an instance read Redis once within nearCacheTtl", async () => {
    await send(child.url, "/near", { headers: { host: "api.example.com" } });
    await writes.descriptorWritten("/near");
    const client = inProcess.gw.stores.redis!;
    const reads = async (): Promise<number> => {
      const stats = await client.info("commandstats");
      return ["get", "mget"].reduce((sum, cmd) => sum + Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(stats)?.[1] ?? 0), 0);
    };
    const before = await reads();
    for (let i = 0; i < 5; i++)
      expect((await send(inProcess.url, "/near", { headers: { host: "api.example.com" } })).headers["x-cache"]).toBe("HIT");
    // One read for the descriptor and one for the entry; the other four hits come from this process.
    expect((await reads()) - before).toBeLessThanOrEqual(2);
    expect(inProcess.received("/near")).toHaveLength(1); // the first instance's miss only
  });

  it("shares variants and keeps credentials apart across instances", async () => {
    const path = "/vary?vary=Accept-Language";
    await send(child.url, path, { headers: { host: "api.example.com", "accept-language": "en" } });
    await writes.descriptorWritten(path);
    expect((await send(inProcess.url, path, { headers: { host: "api.example.com", "accept-language": "en" } })).headers["x-cache"]).toBe(
      "HIT",
    );
    expect((await send(inProcess.url, path, { headers: { host: "api.example.com", "accept-language": "fr" } })).headers["x-cache"]).toBe(
      "MISS",
    );

    await send(child.url, "/mine", { headers: { host: "api.example.com", authorization: "Bearer a" } });
    await writes.descriptorWritten("/mine");
    expect(
      (await send(inProcess.url, "/mine", { headers: { host: "api.example.com", authorization: "Bearer a" } })).headers["x-cache"],
    ).toBe("HIT");
    const b = await send(inProcess.url, "/mine", { headers: { host: "api.example.com", authorization: "Bearer b" } });
    expect([b.headers["x-cache"], b.json!.authorization]).toEqual(["MISS", "Bearer b"]);
  });

  it("purges for every instance through one admin API", async () => {
    await send(child.url, `/purge-me?cc=${enc("max-age=60")}`, { headers: { host: "api.example.com" } });
    await writes.descriptorWritten(`/purge-me?cc=${enc("max-age=60")}`);
    const res = await undiciRequest(`${inProcess.adminUrl}/cache`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ prefix: "/purge-me" }),
    });
    expect(await res.body.json()).toEqual({ purged: 1 });
    // The other instance hears of the purge on a Redis channel (its near-cache copy goes); bounded wait.
    const deadline = Date.now() + 2000;
    let seen: unknown;
    do {
      seen = (await send(child.url, `/purge-me?cc=${enc("max-age=60")}`, { headers: { host: "api.example.com" } })).headers["x-cache"];
    } while (seen !== "MISS" && Date.now() < deadline);
    expect(seen).toBe("MISS");
  });

  it("keeps serving, bypassing the cache, while Redis is down, and caches again when it is back", async () => {
    const client = inProcess.gw.stores.redis!;
    const closed = client.status === "ready" ? once(client, "close") : Promise.resolve();
    await redis.stop();
    await closed;
    const down = await send(inProcess.url, "/outage", { headers: { host: "api.example.com" } });
    expect([down.status, down.headers["x-cache"]]).toEqual([200, "BYPASS"]);
    await redis.restart();
    if (client.status !== "ready") await once(client, "ready");
    // The same instance writes and then reads on one connection: Redis applies them in order.
    await send(inProcess.url, "/outage", { headers: { host: "api.example.com" } });
    expect((await send(inProcess.url, "/outage", { headers: { host: "api.example.com" } })).headers["x-cache"]).toBe("HIT");
  });
});

describe("memory store across a reload", () => {
  it("keeps its entries when the configuration is reloaded", async () => {
    const h = await startCacheGateway({ cache: { ttl: 60 } });
    await send(h.url, "/survives");
    await h.gw.reload({
      http: { port: 0, host: "127.0.0.1" },
      apiEndpoints: { all: { paths: ["/*"] } },
      pipelines: { api: { apiEndpoints: ["all"], policies: [{ cache: { ttl: 30 } }, { proxy: { url: h.upstream.url } }] } },
    });
    expect((await send(h.url, "/survives")).headers["x-cache"]).toBe("HIT");
    await h.close();
  });
});

describe("Redis store reads", () => {
  it("sends the reads of one event-loop turn as one MGET, each caller getting its own entry", async () => {
    const { RedisStore } = await import("../src/stores/redis-store.js");
    const { makeEntry } = await import("../src/entry/cached-entry.js");
    const server = await startRedis();
    const client = new Redis(server.url);
    const errors: unknown[] = [];
    // Without the near cache: every read goes to Redis.
    const store = new RedisStore(
      client,
      "t:",
      Date.now,
      { ttlMs: 0, maxSize: 1 },
      (err: unknown) => errors.push(err),
      () => () => undefined,
    );
    const now = Date.now();
    const plan = {
      responseTime: now,
      initialAge: 0,
      freshUntil: now + 60_000,
      staleWhileRevalidateUntil: now + 60_000,
      staleIfErrorUntil: now + 60_000,
      expiresAt: now + 60_000,
      shareable: false,
      vary: [],
    };
    const descriptor = { vary: [], consumerShared: false, credentialShared: false, uncacheable: false };
    for (const name of ["a", "b", "c"])
      await store.set(
        `GET\np\nhttp\nh\n\n/${name}`,
        descriptor,
        `GET\np\nhttp\nh\n\n/${name}`,
        makeEntry(200, ["x-name"], [name], Buffer.from(`body ${name}`), plan),
      );
    const mgetsBefore = /cmdstat_mget:calls=(\d+)/.exec(await client.info("commandstats"))?.[1] ?? "0";
    const entries = await Promise.all(["a", "missing", "b", "c"].map((name) => store.get(`GET\np\nhttp\nh\n\n/${name}`)));
    const mgetsAfter = /cmdstat_mget:calls=(\d+)/.exec(await client.info("commandstats"))?.[1];
    expect(entries.map((e) => e?.body.toString())).toEqual(["body a", undefined, "body b", "body c"]);
    expect(entries.map((e) => e?.values[0])).toEqual(["a", undefined, "b", "c"]);
    expect(Number(mgetsAfter) - Number(mgetsBefore)).toBe(1);
    expect(errors).toEqual([]);
    client.disconnect();
    await server.stop();
  });
});
