/**
 * Concurrent misses for one key: one upstream request, the others answered from its response.
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import type { PolicyMiddleware } from "@turnpike/core";
import { startUpstream, type TestUpstream } from "@turnpike/testing";
import { send, startCacheGateway, type Harness } from "./support/harness.js";

interface HeldUpstream {
  upstream: TestUpstream;
  /** Answers every held request, and the next ones at once. */
  release(): void;
  /** Holds the next requests again. */
  hold(): void;
  /** Resolves once the upstream has received `count` requests in all. */
  arrived(count: number): Promise<void>;
}

/** An upstream that holds its responses until `release()`; bodies name the request number. */
async function heldUpstream(headers: Record<string, string>): Promise<HeldUpstream> {
  const held: (() => void)[] = [];
  let holding = true;
  const waiters = new Set<() => void>();
  const upstream = await startUpstream((_req, res, received) => {
    const body = JSON.stringify({ n: upstream.requests.indexOf(received) + 1 });
    const answer = () => {
      res.writeHead(200, { ...headers, "content-length": String(body.length) });
      res.end(body);
    };
    if (holding) held.push(answer);
    else answer();
    for (const check of [...waiters]) check();
  });
  return {
    upstream,
    release() {
      holding = false;
      for (const answer of held.splice(0)) answer();
    },
    hold() {
      holding = true;
    },
    arrived: (count) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (upstream.requests.length < count) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
  };
}

/** Resolves once `count` requests have entered the cache policy (it runs right after, synchronously). */
function counter(count: number): { middleware: PolicyMiddleware; reached: Promise<void> } {
  let seen = 0;
  let resolve!: () => void;
  const reached = new Promise<void>((r) => (resolve = r));
  return {
    middleware: (_req, _res, next) => {
      next();
      if (++seen === count) resolve();
    },
    reached,
  };
}

describe("request coalescing", () => {
  let h: Harness | undefined;
  let upstream: TestUpstream | undefined;
  afterEach(async () => {
    await h?.close();
    await upstream?.close();
    h = upstream = undefined;
  });

  it("sends N concurrent misses for one key upstream once", async () => {
    const held = await heldUpstream({ "content-type": "application/json" });
    upstream = held.upstream;
    const arrivals = counter(10);
    h = await startCacheGateway({ cache: { ttl: 60 }, upstreamServer: upstream, before: [arrivals.middleware] });
    const answers = Array.from({ length: 10 }, () => send(h!.url, "/hot"));
    await arrivals.reached;
    await held.arrived(1);
    held.release();
    const results = await Promise.all(answers);
    expect(upstream.requests).toHaveLength(1);
    expect(new Set(results.map((r) => r.text))).toEqual(new Set(['{"n":1}']));
    expect(results.filter((r) => r.headers["x-cache"] === "MISS")).toHaveLength(1);
    expect(results.filter((r) => r.headers["x-cache"] === "HIT")).toHaveLength(9);
  });

  it("releases the waiting requests to the upstream when the response is not storable", async () => {
    const held = await heldUpstream({ "cache-control": "private" });
    upstream = held.upstream;
    const arrivals = counter(5);
    h = await startCacheGateway({ cache: { ttl: 60 }, upstreamServer: upstream, before: [arrivals.middleware] });
    const answers = Array.from({ length: 5 }, () => send(h!.url, "/private"));
    await arrivals.reached;
    await held.arrived(1);
    held.release();
    const results = await Promise.all(answers);
    expect(results.every((r) => r.status === 200 && r.headers["x-cache"] === "MISS")).toBe(true);
    expect(upstream.requests).toHaveLength(5);
  });

  it("lets waiting requests go upstream themselves after coalesceTimeout", async () => {
    const held = await heldUpstream({});
    upstream = held.upstream;
    const arrivals = counter(3);
    h = await startCacheGateway({ cache: { ttl: 60, coalesceTimeout: 20 }, upstreamServer: upstream, before: [arrivals.middleware] });
    const answers = Array.from({ length: 3 }, () => send(h!.url, "/slow"));
    await arrivals.reached;
    await held.arrived(3);
    held.release();
    const results = await Promise.all(answers);
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(upstream.requests).toHaveLength(3);
  });

  it("serves the stale entry to the others while one request revalidates (stale-while-revalidate)", async () => {
    const held = await heldUpstream({ "cache-control": "max-age=10, stale-while-revalidate=60" });
    upstream = held.upstream;
    held.release();
    h = await startCacheGateway({ cache: {}, upstreamServer: upstream });
    await send(h.url, "/swr");
    h.clock.advance(20);
    held.hold();
    const refreshing = send(h.url, "/swr");
    await held.arrived(2);
    const meanwhile = await send(h.url, "/swr");
    expect([meanwhile.headers["x-cache"], meanwhile.text, Number(meanwhile.headers.age) >= 20]).toEqual(["HIT", '{"n":1}', true]);
    held.release();
    const refreshed = await refreshing;
    expect([refreshed.headers["x-cache"], refreshed.text]).toEqual(["MISS", '{"n":2}']);
    const after = await send(h.url, "/swr");
    expect([after.headers["x-cache"], after.text]).toEqual(["HIT", '{"n":2}']);
    expect(upstream.requests).toHaveLength(2);
  });
});
