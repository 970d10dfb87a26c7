/**
 * RFC 9111 shared-cache semantics, one rule per test, with a clock the test moves.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { send, startCacheGateway, type Harness } from "../../../test/support/harness.js";

const enc = encodeURIComponent;

describe("cache semantics (memory store, fake clock)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startCacheGateway({ cache: { ttl: 60 } });
  });
  afterAll(async () => h.close());

  it("stores a response that says nothing for ttl seconds, then fetches it again", async () => {
    const first = await send(h.url, "/ttl");
    expect(first.headers["x-cache"]).toBe("MISS");
    h.clock.advance(10);
    const second = await send(h.url, "/ttl");
    expect(second.headers["x-cache"]).toBe("HIT");
    expect(second.text).toBe(first.text);
    expect(second.headers.age).toBe("10");
    expect(second.headers["content-length"]).toBe(String(Buffer.byteLength(first.text)));
    expect(second.headers["x-request-id"]).not.toBe(first.headers["x-request-id"]);
    h.clock.advance(51);
    const third = await send(h.url, "/ttl");
    expect(third.headers["x-cache"]).toBe("MISS");
    expect(third.json!.n).not.toBe(first.json!.n);
    expect(h.received("/ttl")).toHaveLength(2);
  });

  it("lets max-age win over ttl, and s-maxage over max-age", async () => {
    await send(h.url, `/max-age?cc=${enc("max-age=5")}`);
    h.clock.advance(6);
    expect((await send(h.url, `/max-age?cc=${enc("max-age=5")}`)).headers["x-cache"]).toBe("MISS");

    const path = `/s-maxage?cc=${enc("max-age=1, s-maxage=100")}`;
    await send(h.url, path);
    h.clock.advance(50);
    expect((await send(h.url, path)).headers["x-cache"]).toBe("HIT");
  });

  it("counts the upstream's Age in the entry's age", async () => {
    const path = `/aged?cc=${enc("max-age=100")}&age=95`;
    await send(h.url, path);
    h.clock.advance(3);
    const hit = await send(h.url, path);
    expect(hit.headers["x-cache"]).toBe("HIT");
    expect(Number(hit.headers.age)).toBeGreaterThanOrEqual(98);
    h.clock.advance(3);
    expect((await send(h.url, path)).headers["x-cache"]).toBe("MISS");
  });

  it("reads Expires relative to the upstream's Date, and an invalid Expires as already expired", async () => {
    const inTwoMinutes = new Date(Date.now() + 120_000).toUTCString();
    const path = `/expires?expires=${enc(inTwoMinutes)}`;
    await send(h.url, path);
    h.clock.advance(100);
    expect((await send(h.url, path)).headers["x-cache"]).toBe("HIT");

    await send(h.url, "/expired?expires=0");
    expect((await send(h.url, "/expired?expires=0")).headers["x-cache"]).toBe("MISS");
  });

  it.each([["no-store"], ["private"], ['private="x-user"'], ["no-cache"], ["max-age=0"]])(
    "never reuses a response with Cache-Control: %s",
    async (cc) => {
      const path = `/directive-${enc(cc)}?cc=${enc(cc)}`;
      expect((await send(h.url, path)).headers["x-cache"]).toBe("MISS");
      expect((await send(h.url, path)).headers["x-cache"]).toBe("MISS");
    },
  );

  it("keeps one variant per value of the headers named by Vary", async () => {
    const path = "/vary?vary=Accept-Language";
    const en = await send(h.url, path, { headers: { "accept-language": "en" } });
    const fr = await send(h.url, path, { headers: { "accept-language": "fr" } });
    expect(fr.headers["x-cache"]).toBe("MISS");
    const enAgain = await send(h.url, path, { headers: { "accept-language": "en" } });
    const frAgain = await send(h.url, path, { headers: { "accept-language": "fr" } });
    expect([enAgain.headers["x-cache"], frAgain.headers["x-cache"]]).toEqual(["HIT", "HIT"]);
    expect(enAgain.json!.lang).toBe("en");
    expect(frAgain.json!.lang).toBe("fr");
    expect(enAgain.text).toBe(en.text);
    expect(frAgain.text).toBe(fr.text);
    // Absent is its own variant.
    expect((await send(h.url, path)).headers["x-cache"]).toBe("MISS");
  });

  it("never stores Vary: *", async () => {
    await send(h.url, "/vary-star?vary=*");
    expect((await send(h.url, "/vary-star?vary=*")).headers["x-cache"]).toBe("MISS");
  });

  it("never stores a response that sets a cookie", async () => {
    const path = `/cookie?sc=${enc("session=abc; HttpOnly")}`;
    const first = await send(h.url, path);
    expect(first.headers["set-cookie"]).toBeDefined();
    expect((await send(h.url, path)).headers["x-cache"]).toBe("MISS");
  });

  it("stores only the configured statuses, and never server errors", async () => {
    await send(h.url, "/missing?s=404");
    const notFound = await send(h.url, "/missing?s=404");
    expect([notFound.status, notFound.headers["x-cache"]]).toEqual([404, "HIT"]);
    await send(h.url, "/gone?s=410");
    expect((await send(h.url, "/gone?s=410")).headers["x-cache"]).toBe("HIT");
    for (const status of [500, 503, 302, 201]) {
      const path = `/status-${status}?s=${status}&cc=${enc("max-age=60")}`;
      await send(h.url, path);
      expect((await send(h.url, path)).headers["x-cache"]).toBe("MISS");
    }
  });

  it("answers HEAD from a GET entry, and never stores a HEAD response as the GET", async () => {
    await send(h.url, "/head-first", { method: "HEAD" });
    const get = await send(h.url, "/head-first");
    expect(get.headers["x-cache"]).toBe("MISS");
    expect(get.text).not.toBe("");

    const head = await send(h.url, "/head-first", { method: "HEAD" });
    expect(head.headers["x-cache"]).toBe("HIT");
    expect(head.text).toBe("");
    expect(head.headers["content-length"]).toBe(String(Buffer.byteLength(get.text)));
    expect(h.received("/head-first").map((r) => r.method)).toEqual(["HEAD", "GET"]);
  });

  it("answers If-None-Match and If-Modified-Since with 304 from a stored entry", async () => {
    const lastModified = new Date(Date.now() - 3_600_000).toUTCString();
    const path = `/conditional?etag=${enc('"v1"')}&lm=${enc(lastModified)}`;
    await send(h.url, path);
    const byTag = await send(h.url, path, { headers: { "if-none-match": 'W/"v1"' } });
    expect([byTag.status, byTag.headers["x-cache"], byTag.text]).toEqual([304, "HIT", ""]);
    expect(byTag.headers.etag).toBe('"v1"');
    const otherTag = await send(h.url, path, { headers: { "if-none-match": '"v0"' } });
    expect([otherTag.status, otherTag.headers["x-cache"]]).toEqual([200, "HIT"]);
    const bySince = await send(h.url, path, { headers: { "if-modified-since": new Date().toUTCString() } });
    expect(bySince.status).toBe(304);
    const olderSince = await send(h.url, path, { headers: { "if-modified-since": new Date(Date.now() - 7_200_000).toUTCString() } });
    expect(olderSince.status).toBe(200);
    expect(h.received("/conditional")).toHaveLength(1);
  });

  it("fetches in full on a conditional miss, stores it, and still answers the client 304", async () => {
    const path = `/conditional-miss?etag=${enc('"v7"')}`;
    const miss = await send(h.url, path, { headers: { "if-none-match": '"v7"' } });
    expect([miss.status, miss.headers["x-cache"]]).toEqual([304, "MISS"]);
    expect(h.received("/conditional-miss")[0]!.headers["if-none-match"]).toBeUndefined();
    const full = await send(h.url, path);
    expect([full.status, full.headers["x-cache"]]).toEqual([200, "HIT"]);
  });

  it("bypasses methods other than GET and HEAD, Range requests and requests that say no-store", async () => {
    const post = await send(h.url, "/bypass", { method: "POST" });
    expect(post.headers["x-cache"]).toBe("BYPASS");
    await send(h.url, "/bypass");
    expect((await send(h.url, "/bypass", { headers: { range: "bytes=0-3" } })).headers["x-cache"]).toBe("BYPASS");
    expect((await send(h.url, "/bypass", { headers: { "cache-control": "no-store" } })).headers["x-cache"]).toBe("BYPASS");
    // Other request directives do not let a client force upstream load.
    expect((await send(h.url, "/bypass", { headers: { "cache-control": "no-cache", pragma: "no-cache" } })).headers["x-cache"]).toBe("HIT");
  });

  it("marks gateway errors that passed the policy too", async () => {
    const failing = await startCacheGateway({ cache: { ttl: 60 }, clock: h.clock });
    await failing.upstream.close();
    const res = await send(failing.url, "/down");
    expect(res.status).toBe(502);
    expect(res.headers["x-cache"]).toBe("MISS");
    await failing.close();
  });
});

describe("ttl 0 and query order", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startCacheGateway({ cache: { sortQuery: true } });
  });
  afterAll(async () => h.close());

  it("stores nothing that lacks freshness when ttl is 0", async () => {
    await send(h.url, "/plain");
    expect((await send(h.url, "/plain")).headers["x-cache"]).toBe("MISS");
    await send(h.url, `/fresh?cc=${enc("max-age=30")}`);
    expect((await send(h.url, `/fresh?cc=${enc("max-age=30")}`)).headers["x-cache"]).toBe("HIT");
  });

  it("shares an entry between query orders with sortQuery, keeping repeated names in order", async () => {
    const cc = enc("max-age=30");
    await send(h.url, `/q?a=1&b=2&cc=${cc}`);
    expect((await send(h.url, `/q?cc=${cc}&b=2&a=1`)).headers["x-cache"]).toBe("HIT");
    await send(h.url, `/r?x=1&x=2&cc=${cc}`);
    expect((await send(h.url, `/r?x=2&x=1&cc=${cc}`)).headers["x-cache"]).toBe("MISS");
  });
});

describe("stale entries", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startCacheGateway({ cache: { ttl: 10, staleIfError: 300 } });
  });
  afterAll(async () => h.close());

  it("revalidates an expired entry with its ETag and serves it again on 304", async () => {
    const path = `/reval?etag=${enc('"e1"')}&cc=${enc("max-age=10")}&stale=${enc("kept")}`;
    // stale-if-error keeps the expired entry around, so it can be revalidated.
    const first = await send(h.url, path);
    h.clock.advance(15);
    const revalidated = await send(h.url, path);
    expect(revalidated.status).toBe(200);
    expect(revalidated.text).toBe(first.text);
    expect(revalidated.headers.age).toBe("0");
    const sent = h.received("/reval");
    expect(sent).toHaveLength(2);
    expect(sent[1]!.headers["if-none-match"]).toBe('"e1"');
    expect((await send(h.url, path)).headers["x-cache"]).toBe("HIT");
  });

  it("serves a stale entry instead of an upstream error within stale-if-error", async () => {
    let failing = false;
    const upstream = await import("@turnpike/testing").then((t) =>
      t.startUpstream((_req, res) => {
        const body = failing ? "down" : "good";
        res.writeHead(failing ? 503 : 200, { "content-type": "text/plain", "content-length": String(body.length) });
        res.end(body);
      }),
    );
    const s = await startCacheGateway({ cache: { ttl: 10, staleIfError: 60 }, upstreamServer: upstream, clock: h.clock });
    await send(s.url, "/sie");
    failing = true;
    h.clock.advance(20);
    const stale = await send(s.url, "/sie");
    expect([stale.status, stale.text, stale.headers["x-cache"]]).toEqual([200, "good", "HIT"]);
    expect(Number(stale.headers.age)).toBeGreaterThanOrEqual(20);
    await upstream.close();
    const unreachable = await send(s.url, "/sie");
    expect([unreachable.status, unreachable.text]).toEqual([200, "good"]);
    h.clock.advance(60);
    expect((await send(s.url, "/sie")).status).toBe(502);
    await s.close();
  });

  it("never serves stale when the response says must-revalidate", async () => {
    let failing = false;
    const upstream = await import("@turnpike/testing").then((t) =>
      t.startUpstream((_req, res) => {
        res.writeHead(failing ? 503 : 200, { "cache-control": "max-age=10, must-revalidate", "content-length": "2" });
        res.end("ok");
      }),
    );
    const s = await startCacheGateway({ cache: { staleIfError: 60 }, upstreamServer: upstream, clock: h.clock });
    await send(s.url, "/mr");
    failing = true;
    h.clock.advance(20);
    expect((await send(s.url, "/mr")).status).toBe(503);
    await s.close();
    await upstream.close();
  });
});

describe("headers around the entry", () => {
  let h: Harness;
  let strip: Harness;
  let calls = 0;
  beforeAll(async () => {
    h = await startCacheGateway({
      cache: { ttl: 60 },
      before: [
        (_req, res, next) => {
          // Stands in for CORS or rate-limit headers set before the cache on every request.
          res.setHeader("x-before", `call-${++calls}`);
          res.setHeader("content-type", "text/x-gateway");
          next();
        },
      ],
    });
    strip = await startCacheGateway({ cache: { ttl: 60, setCookie: "strip" }, clock: h.clock });
  });
  afterAll(async () => {
    await h.close();
    await strip.close();
  });

  it("does not store headers set before the cache: they are set again on each hit, and win over stored ones", async () => {
    const first = await send(h.url, "/preset");
    expect(first.headers["x-before"]).toBe("call-1");
    expect(first.headers["content-type"]).toBe("text/x-gateway");
    const hit = await send(h.url, "/preset");
    expect([hit.headers["x-cache"], hit.headers["x-before"], hit.headers["content-type"]]).toEqual(["HIT", "call-2", "text/x-gateway"]);
  });

  it("with setCookie: strip, stores the response without its Set-Cookie; the first client still gets the cookie", async () => {
    const path = `/strip?sc=${enc("session=abc")}`;
    const first = await send(strip.url, path);
    expect(first.headers["set-cookie"]).toBe("session=abc");
    const hit = await send(strip.url, path);
    expect(hit.headers["x-cache"]).toBe("HIT");
    expect(hit.headers["set-cookie"]).toBeUndefined();
  });
});
