import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { ReservingWindowCounter } from "@turnpike/policy-throttle";
import { startRedis, type TestRedis } from "@turnpike/testing";
import { Redis } from "ioredis";

async function scriptCalls(client: Redis): Promise<number> {
  return (
    Number(/cmdstat_evalsha:calls=(\d+)/.exec(await client.info("commandstats"))?.[1] ?? 0) +
    Number(/cmdstat_eval:calls=(\d+)/.exec(await client.info("commandstats"))?.[1] ?? 0)
  );
}

describe("ReservingWindowCounter", () => {
  let server: TestRedis;
  let clients: Redis[];
  const counters: ReservingWindowCounter[] = [];

  beforeAll(async () => {
    server = await startRedis();
    clients = [new Redis(server.url, { commandTimeout: 1000 }), new Redis(server.url, { commandTimeout: 1000 })];
  });
  afterAll(async () => {
    for (const c of counters) c.close();
    for (const c of clients) c.disconnect();
    await server.stop();
  });
  const counter = (client: Redis, prefix: string, limit: number): ReservingWindowCounter => {
    const c = new ReservingWindowCounter(client, prefix, 2100, limit, 60_000);
    counters.push(c);
    return c;
  };

  it("admits exactly the limit of 100 simultaneous hits on one instance", async () => {
    const c = counter(clients[0]!, "exact:", 10);
    const now = Date.now();
    const hits = await Promise.all(Array.from({ length: 100 }, () => c.hit("k", now, 60_000)));
    expect(hits.filter((h) => h.hits <= 10)).toHaveLength(10);
  });

  it("admits at most the limit across two instances sharing Redis", async () => {
    const [a, b] = [counter(clients[0]!, "shared:", 50), counter(clients[1]!, "shared:", 50)];
    const now = Date.now();
    const hits = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a! : b!).hit("k", now, 60_000)));
    const admitted = hits.filter((h) => h.hits <= 50).length;
    expect(admitted).toBeLessThanOrEqual(50);
    // Places reserved ahead and not used by the end of the window can only lower this.
    expect(admitted).toBeGreaterThanOrEqual(40);
  });

  it("far below the limit, asks Redis once per reservation rather than once per hit", async () => {
    const c = counter(clients[0]!, "far:", 1_000_000);
    const before = await scriptCalls(clients[0]!);
    const seen: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const hit = await c.hit("k", Date.now(), 60_000);
      seen.push(hit.hits);
    }
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect((await scriptCalls(clients[0]!)) - before).toBeLessThanOrEqual(12);
    expect(Number(await clients[0]!.get("far:k"))).toBeGreaterThanOrEqual(1000);
  });

  it("refuses locally once Redis reported the limit reached in the window", async () => {
    const c = counter(clients[0]!, "done:", 3);
    const now = Date.now();
    for (let i = 1; i <= 3; i++) expect((await c.hit("k", now, 60_000)).hits).toBe(i);
    expect((await c.hit("k", now, 60_000)).hits).toBe(4);
    const before = await scriptCalls(clients[0]!);
    for (let i = 0; i < 20; i++) expect((await c.hit("k", now, 60_000)).hits).toBeGreaterThan(3);
    expect((await scriptCalls(clients[0]!)) - before).toBe(0);
  });

  it("starts over when the window ends, dropping what it held", async () => {
    const c = counter(clients[0]!, "roll:", 1_000_000);
    const start = Date.now();
    expect((await c.hit("k", start, 300)).hits).toBe(1);
    expect((await c.hit("k", start, 300)).hits).toBe(2);
    // Bounded wait for Redis to expire the key (300 ms window).
    const deadline = Date.now() + 3000;
    while ((await clients[0]!.exists("roll:k")) === 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect((await c.hit("k", Date.now(), 300)).hits).toBe(1);
  });
});
