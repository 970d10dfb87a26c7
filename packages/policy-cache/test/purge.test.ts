/**
 * Purging through the admin API (`DELETE /cache`, behind the admin token) and `turnpike cache purge`.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { runTurnpike, startUpstream, type TestUpstream } from "@turnpike/testing";
import { request as undiciRequest } from "undici";
import { send, startCacheGateway, type Harness } from "./support/harness.js";

const TOKEN = "purge-test-token";

async function purge(h: Harness, body: unknown, token = TOKEN): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await undiciRequest(`${h.adminUrl}/cache`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
}

async function warm(h: Harness, paths: string[], host = "api.example.com"): Promise<void> {
  for (const path of paths) {
    await send(h.url, path, { headers: { host } });
    expect((await send(h.url, path, { headers: { host } })).headers["x-cache"]).toBe("HIT");
  }
}

async function cached(h: Harness, path: string, host = "api.example.com"): Promise<boolean> {
  // A miss stores the entry again: callers warm again when they need it gone.
  return (await send(h.url, path, { headers: { host } })).headers["x-cache"] === "HIT";
}

describe("purge", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startCacheGateway({ cache: { ttl: 60, sortQuery: true }, config: { admin: { port: 0, host: "127.0.0.1", token: TOKEN } } });
  });
  afterAll(async () => h.close());

  it("requires the admin token", async () => {
    const res = await purge(h, { all: true }, "wrong");
    expect(res.status).toBe(401);
  });

  it("purges everything", async () => {
    await warm(h, ["/a", "/b?x=1"]);
    expect(await purge(h, { all: true })).toEqual({ status: 200, json: { purged: 2 } });
    expect(await cached(h, "/a")).toBe(false);
    expect(await cached(h, "/b?x=1")).toBe(false);
  });

  it("purges by path prefix, optionally on one host", async () => {
    await purge(h, { all: true });
    await warm(h, ["/users/1", "/users/2?v=1", "/orders/1"]);
    await warm(h, ["/users/1"], "other.example.com");
    expect((await purge(h, { prefix: "/users/", host: "api.example.com" })).json).toEqual({ purged: 2 });
    expect(await cached(h, "/orders/1")).toBe(true);
    expect(await cached(h, "/users/1", "other.example.com")).toBe(true);
    expect(await cached(h, "/users/1")).toBe(false);
    expect((await purge(h, { prefix: "/users/" })).json).toEqual({ purged: 2 });
    expect(await cached(h, "/users/1", "other.example.com")).toBe(false);
  });

  it("purges one resource by key, with every variant, whatever the query order", async () => {
    await purge(h, { all: true });
    await warm(h, ["/item?b=2&a=1", "/item?a=2"]);
    await send(h.url, "/item?b=2&a=1", { headers: { host: "api.example.com:8443" } });
    expect((await purge(h, { key: "api.example.com/item?a=1&b=2" })).json).toEqual({ purged: 2 });
    expect(await cached(h, "/item?a=2")).toBe(true);
    expect(await cached(h, "/item?b=2&a=1")).toBe(false);
  });

  it("answers 400 with the JSON error shape for a bad selector", async () => {
    for (const body of [{}, { all: true, prefix: "/x" }, { prefix: "users" }, { key: 42 }, { key: "nohost" }]) {
      const res = await purge(h, body);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: { status: 400, code: "VALIDATION_FAILED" } });
    }
  });

  it("accepts the selector as query parameters too", async () => {
    await warm(h, ["/q/1"]);
    const res = await undiciRequest(`${h.adminUrl}/cache?prefix=%2Fq%2F`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(await res.body.json()).toEqual({ purged: 1 });
  });

  it("does not store a response that was in flight when the purge ran", async () => {
    let answer: (() => void) | undefined;
    let arrived!: () => void;
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const upstream: TestUpstream = await startUpstream((_req, res) => {
      answer = () => {
        res.writeHead(200, { "content-length": "3" });
        res.end("old");
      };
      arrived();
    });
    const s = await startCacheGateway({
      cache: { ttl: 60 },
      upstreamServer: upstream,
      config: { admin: { port: 0, host: "127.0.0.1", token: TOKEN } },
    });
    const inFlight = send(s.url, "/racing");
    await reached;
    await purge(s, { all: true });
    answer!();
    expect((await inFlight).text).toBe("old");
    expect(upstream.requests).toHaveLength(1);
    await s.close();
    await upstream.close();
  });

  it("purges from the command line: turnpike cache purge", async () => {
    await purge(h, { all: true });
    await warm(h, ["/cli/1", "/cli/2", "/kept"]);
    const env = { TURNPIKE_ADMIN_URL: h.adminUrl!, TURNPIKE_ADMIN_TOKEN: TOKEN };
    const byPrefix = await runTurnpike(["cache", "purge", "--prefix", "/cli/"], { env });
    expect([byPrefix.code, byPrefix.stdout.trim()]).toEqual([0, "purged 2 entries"]);
    expect(await cached(h, "/kept")).toBe(true);
    const all = await runTurnpike(["cache", "purge", "--all", "--json"], { env });
    expect([all.code, JSON.parse(all.stdout)]).toEqual([0, { purged: 1 }]);
    const usage = await runTurnpike(["cache", "purge", "--all", "--prefix", "/x"], { env });
    expect(usage.code).toBe(2);
    const denied = await runTurnpike(["cache", "purge", "--all"], { env: { ...env, TURNPIKE_ADMIN_TOKEN: "wrong" } });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/401/);
  });
});
