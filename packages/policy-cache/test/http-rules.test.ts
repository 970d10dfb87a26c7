/**
 * The pure HTTP rules: Cache-Control parsing, freshness and storability, conditional requests.
 */
import { describe, expect, it } from "@jest/globals";
import { parseCacheControl, requestForbidsStore } from "../src/http/cache-control.js";
import { isNotModified } from "../src/http/conditional.js";
import { planStorage, type StorageRules } from "../src/http/storage-plan.js";

const rules: StorageRules = { ttl: 0, statuses: new Set([200, 404]), staleWhileRevalidate: 0, staleIfError: 0, stripSetCookie: false };
const T = 1_700_000_000_000;

describe("Cache-Control", () => {
  it("reads directives case-insensitively, with quoted values and commas inside quotes", () => {
    const cc = parseCacheControl('Public, MAX-AGE="60", private="set-cookie, x-a", s-maxage=30, stale-if-error=5');
    expect(cc).toMatchObject({ public: true, private: true, maxAge: 60, sMaxAge: 30, staleIfError: 5, noStore: false });
  });

  it("keeps the most restrictive of repeated values and reads garbage as 0", () => {
    expect(parseCacheControl(["max-age=60", "max-age=10"]).maxAge).toBe(10);
    expect(parseCacheControl("max-age=soon").maxAge).toBe(0);
  });

  it("finds no-store among a request's directives", () => {
    expect(requestForbidsStore("max-age=0, No-Store")).toBe(true);
    expect(requestForbidsStore("no-store-ish")).toBe(false);
  });
});

describe("storage plan", () => {
  it("prefers s-maxage, then max-age, then Expires - Date, then ttl", () => {
    const plan = (headers: Record<string, string>, ttl = 0) => planStorage(200, headers, { ...rules, ttl }, T, T);
    expect(plan({ "cache-control": "max-age=10, s-maxage=20" })).toMatchObject({ freshUntil: T + 20_000, shareable: true });
    expect(plan({ "cache-control": "max-age=10" })).toMatchObject({ freshUntil: T + 10_000, shareable: false });
    expect(plan({ date: new Date(T - 3_600_000).toUTCString(), expires: new Date(T - 3_600_000 + 30_000).toUTCString() })).toMatchObject({
      freshUntil: T + 30_000,
    });
    expect(plan({}, 7)).toMatchObject({ freshUntil: T + 7_000 });
    expect(plan({})).toBe("not-fresh");
  });

  it("subtracts the upstream's Age and the exchange's duration", () => {
    expect(planStorage(200, { "cache-control": "max-age=100", age: "30" }, rules, T - 5_000, T)).toMatchObject({
      initialAge: 35,
      freshUntil: T + 65_000,
    });
  });

  it("refuses what a shared cache must not store", () => {
    expect(planStorage(500, { "cache-control": "max-age=60" }, rules, T, T)).toBe("status");
    expect(planStorage(200, { "cache-control": "max-age=60", vary: "Accept, *" }, rules, T, T)).toBe("vary-star");
    expect(planStorage(200, { "cache-control": "max-age=60", "set-cookie": ["a=1"] }, rules, T, T)).toBe("set-cookie");
    expect(
      planStorage(200, { "cache-control": "max-age=60", "set-cookie": ["a=1"] }, { ...rules, stripSetCookie: true }, T, T),
    ).toMatchObject({ vary: [] });
  });

  it("keeps stale windows unless a directive forbids serving stale", () => {
    const withStale = { ...rules, staleIfError: 100, staleWhileRevalidate: 50 };
    expect(planStorage(200, { "cache-control": "max-age=10" }, withStale, T, T)).toMatchObject({
      staleIfErrorUntil: T + 110_000,
      staleWhileRevalidateUntil: T + 60_000,
      expiresAt: T + 110_000,
    });
    expect(planStorage(200, { "cache-control": "max-age=10, stale-if-error=5" }, withStale, T, T)).toMatchObject({
      staleIfErrorUntil: T + 15_000,
    });
    for (const cc of ["max-age=10, must-revalidate", "max-age=10, proxy-revalidate", "s-maxage=10"]) {
      expect(planStorage(200, { "cache-control": cc }, withStale, T, T)).toMatchObject({
        staleIfErrorUntil: T + 10_000,
        expiresAt: T + 10_000,
      });
    }
  });
});

describe("conditional requests", () => {
  it("compares entity tags weakly, honours * and lists", () => {
    expect(isNotModified({ ifNoneMatch: 'W/"a"', ifModifiedSince: undefined }, '"a"', NaN)).toBe(true);
    expect(isNotModified({ ifNoneMatch: '"x", "a"', ifModifiedSince: undefined }, 'W/"a"', NaN)).toBe(true);
    expect(isNotModified({ ifNoneMatch: "*", ifModifiedSince: undefined }, '"a"', NaN)).toBe(true);
    expect(isNotModified({ ifNoneMatch: '"b"', ifModifiedSince: undefined }, '"a"', NaN)).toBe(false);
  });

  it("ignores If-Modified-Since when If-None-Match is present", () => {
    const since = new Date(T).toUTCString();
    expect(isNotModified({ ifNoneMatch: '"b"', ifModifiedSince: since }, '"a"', T - 1000)).toBe(false);
    expect(isNotModified({ ifNoneMatch: undefined, ifModifiedSince: since }, '"a"', T - 1000)).toBe(true);
    expect(isNotModified({ ifNoneMatch: undefined, ifModifiedSince: since }, '"a"', T + 1000)).toBe(false);
    expect(isNotModified({ ifNoneMatch: undefined, ifModifiedSince: "garbage" }, '"a"', T)).toBe(false);
  });
});
