import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { RedisWindowCounter } from "@turnpike/policy-throttle";
import { startRedis, type TestRedis } from "@turnpike/testing";
import { Redis } from "ioredis";

describe("RedisWindowCounter", () => {
  let server: TestRedis;
  let clients: Redis[];

  beforeAll(async () => {
    server = await startRedis();
    clients = [new Redis(server.url, { commandTimeout: 1000 }), new Redis(server.url, { commandTimeout: 1000 })];
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server.stop();
  });

  it("gives every hit of a batch its own count, across clients, and starts windows with a TTL", async () => {
    const [a, b] = clients.map((c) => new RedisWindowCounter(c, "t:", 2100));
    const now = Date.now();
    const hits = await Promise.all([
      ...Array.from({ length: 30 }, () => a!.hit("same", now, 5000)),
      ...Array.from({ length: 30 }, () => b!.hit("same", now, 5000)),
      a!.hit("other", now, 9000),
    ]);
    const same = hits.slice(0, 60).map((h) => h.hits);
    expect([...same].sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(hits[60]!.hits).toBe(1);
    expect(hits[60]!.resetAt).toBeGreaterThan(now + 8000);
    expect(hits[60]!.resetAt).toBeLessThanOrEqual(now + 9000);
    const ttl = await clients[0]!.pttl("t:same");
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5000);
    expect(await clients[0]!.get("t:same")).toBe("60");
  });
});
