/**
 * A stored response, shaped for the hit path: header names and values ready for `setHeader`, the body
 * as one buffer, and every time already resolved to milliseconds, so serving it parses nothing.
 */
import type { HeaderMap, StoragePlan } from "../http/storage-plan.js";
import { parseHttpDate } from "../http/storage-plan.js";

/** A stored response. */
export interface CachedEntry {
  readonly status: number;
  /** Lower-case header names, without framing headers (Content-Length is derived from the body). */
  readonly names: readonly string[];
  readonly values: readonly (string | readonly string[])[];
  /** Indexes into `names` of the headers a 304 repeats (RFC 9110 §15.4.5). */
  readonly notModified: readonly number[];
  readonly body: Buffer;
  /** `String(body.length)`, precomputed for the hit path. */
  readonly contentLength: string;
  readonly etag: string | undefined;
  /**
   * What `If-Modified-Since` is compared with (RFC 9111 §4.3.2): Last-Modified, else Date, else the time
   * the response was received (ms).
   */
  readonly modifiedTime: number;
  readonly responseTime: number;
  readonly initialAge: number;
  readonly freshUntil: number;
  readonly staleWhileRevalidateUntil: number;
  readonly staleIfErrorUntil: number;
  readonly expiresAt: number;
  /** The response explicitly allows reuse for any client (RFC 9111 §3.5 directives). */
  readonly shareable: boolean;
  readonly vary: readonly string[];
  /** Approximate bytes held, for the memory store's bound. */
  readonly size: number;
}

/** Headers never stored: framing and per-request headers the gateway or Node produce. */
const NEVER_STORED = new Set(["content-length", "transfer-encoding", "connection", "keep-alive", "age", "x-cache", "x-request-id"]);

/** Headers a 304 carries (RFC 9110 §15.4.5), plus Last-Modified for clients that revalidate with it. */
const NOT_MODIFIED_HEADERS = new Set(["cache-control", "content-location", "date", "etag", "expires", "vary", "last-modified"]);

function firstText(value: string | readonly string[] | undefined): string | undefined {
  return value === undefined ? undefined : typeof value === "string" ? value : value[0];
}

/** Builds an entry from parallel name/value lists. */
export function makeEntry(
  status: number,
  names: string[],
  values: (string | readonly string[])[],
  body: Buffer,
  plan: StoragePlan,
): CachedEntry {
  const notModified: number[] = [];
  let etag: string | undefined;
  let lastModified = NaN;
  let date = NaN;
  let headerBytes = 0;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const value = values[i]!;
    headerBytes += name.length + (typeof value === "string" ? value.length : value.join("").length) + 4;
    if (NOT_MODIFIED_HEADERS.has(name)) notModified.push(i);
    if (name === "etag") etag = firstText(value);
    else if (name === "last-modified") lastModified = parseHttpDate(firstText(value));
    else if (name === "date") date = parseHttpDate(firstText(value));
  }
  return {
    status,
    names,
    values,
    notModified,
    body,
    contentLength: String(body.length),
    etag,
    modifiedTime: !Number.isNaN(lastModified) ? lastModified : !Number.isNaN(date) ? date : plan.responseTime,
    responseTime: plan.responseTime,
    initialAge: plan.initialAge,
    freshUntil: plan.freshUntil,
    staleWhileRevalidateUntil: plan.staleWhileRevalidateUntil,
    staleIfErrorUntil: plan.staleIfErrorUntil,
    expiresAt: plan.expiresAt,
    shareable: plan.shareable,
    vary: plan.vary,
    size: body.length + headerBytes + 256,
  };
}

/**
 * Builds an entry from the headers written on a response (`res.getHeaders()`), leaving out headers that
 * were already there before the cache ran (`preset`: the gateway's and earlier policies' own, which are
 * set again on every hit) and, with `stripSetCookie`, Set-Cookie.
 */
export function entryFromResponse(
  status: number,
  headers: HeaderMap,
  preset: readonly string[],
  stripSetCookie: boolean,
  body: Buffer,
  plan: StoragePlan,
): CachedEntry {
  const names: string[] = [];
  const values: (string | readonly string[])[] = [];
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined || NEVER_STORED.has(name) || preset.includes(name)) continue;
    if (name === "set-cookie" && stripSetCookie) continue;
    names.push(name);
    values.push(typeof value === "number" ? String(value) : (value as string | readonly string[]));
  }
  return makeEntry(status, names, values, body, plan);
}

/**
 * The entry after a successful revalidation: the 304's headers replace the stored ones of the same
 * name (RFC 9111 §3.2), and freshness starts again from `plan`.
 */
export function refreshEntry(entry: CachedEntry, headers: HeaderMap, preset: readonly string[], plan: StoragePlan): CachedEntry {
  const names = [...entry.names];
  const values = [...entry.values];
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined || NEVER_STORED.has(name) || preset.includes(name) || name === "set-cookie") continue;
    // Representation metadata of the stored body is kept: a 304 describes the same representation.
    if (name === "content-type" || name === "content-encoding" || name === "content-range") continue;
    const text = typeof value === "number" ? String(value) : (value as string | readonly string[]);
    const i = names.indexOf(name);
    if (i === -1) {
      names.push(name);
      values.push(text);
    } else values[i] = text;
  }
  return makeEntry(entry.status, names, values, entry.body, plan);
}

/** The entry's current age in whole seconds (RFC 9111 §4.2.3, with the initial age fixed at storage). */
export function currentAge(entry: CachedEntry, now: number): number {
  const resident = now - entry.responseTime;
  return entry.initialAge + (resident > 0 ? Math.floor(resident / 1000) : 0);
}
