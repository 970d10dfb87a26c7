/**
 * Whether a response may be stored by a shared cache, and for how long it stays fresh (RFC 9111 §3,
 * §4.2), decided once from its status and headers when they are written.
 */
import { parseCacheControl } from "./cache-control.js";

/** Response headers as `res.getHeaders()` gives them (lower-case names). */
export type HeaderMap = Readonly<Record<string, string | number | readonly string[] | undefined>>;

/** What the policy's options say about storing. */
export interface StorageRules {
  /** Seconds of freshness for responses that carry none (no s-maxage, max-age or Expires); 0: not stored. */
  readonly ttl: number;
  /** Statuses that may be stored. */
  readonly statuses: ReadonlySet<number>;
  /** Seconds a stale entry may be served while one request refreshes it, unless the response says. */
  readonly staleWhileRevalidate: number;
  /** Seconds a stale entry may be served when the upstream fails, unless the response says. */
  readonly staleIfError: number;
  /** Store responses carrying Set-Cookie, without that header (else they are never stored). */
  readonly stripSetCookie: boolean;
}

/** Why a response was not stored. */
export type Refusal = "status" | "no-store" | "private" | "no-cache" | "vary-star" | "vary-per-request" | "set-cookie" | "not-fresh";

/** The decision to store a response, with its freshness computed. */
export interface StoragePlan {
  /** When the response was received (ms, cache clock). */
  readonly responseTime: number;
  /** Age of the response when received, in seconds (upstream `Age` plus the time the exchange took). */
  readonly initialAge: number;
  /** Until when (ms) the entry is fresh. */
  readonly freshUntil: number;
  /** Until when (ms) a stale entry may be served while it is refreshed. */
  readonly staleWhileRevalidateUntil: number;
  /** Until when (ms) a stale entry may be served instead of an upstream error. */
  readonly staleIfErrorUntil: number;
  /** Until when (ms) the entry is kept at all. */
  readonly expiresAt: number;
  /**
   * The response explicitly allows a shared cache to reuse it for any client (`public`, `s-maxage` or
   * `must-revalidate`: the directives RFC 9111 §3.5 accepts for requests carrying credentials).
   */
  readonly shareable: boolean;
  /** Lower-case, sorted names of the request headers the response varies on. */
  readonly vary: readonly string[];
}

function text(value: string | number | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "number") return String(value);
  return typeof value === "string" ? value : value.join(", ");
}

/** Lower-case, de-duplicated, sorted names listed in `Vary`, or `["*"]`. */
export function parseVary(value: string | number | readonly string[] | undefined): string[] {
  const raw = text(value);
  if (raw === undefined) return [];
  const names = new Set<string>();
  for (const part of raw.split(",")) {
    const name = part.trim().toLowerCase();
    if (name === "*") return ["*"];
    if (name !== "") names.add(name);
  }
  return [...names].sort();
}

/** Parses an HTTP date; NaN when invalid. */
export function parseHttpDate(value: string | number | readonly string[] | undefined): number {
  const raw = text(value);
  return raw === undefined ? NaN : Date.parse(raw);
}

function deltaSeconds(value: string | number | readonly string[] | undefined): number {
  const raw = text(value)?.trim();
  return raw !== undefined && /^\d+$/.test(raw) ? Math.min(Number(raw), 2147483648) : 0;
}

/**
 * Decides whether a response to a GET may be stored, and computes its freshness.
 *
 * Age deliberately ignores the upstream's `Date` (RFC 9111's apparent age): a gateway's upstreams are
 * often a few seconds or minutes off, and trusting their clock would make every response stale on
 * arrival. Age is the upstream's `Age` plus the time the exchange took; `Expires` is read relative to
 * the upstream's own `Date`, which is skew-free.
 *
 * @param requestTime when the request was sent upstream (ms)
 * @param responseTime when the response headers arrived (ms)
 */
export function planStorage(
  status: number,
  headers: HeaderMap,
  rules: StorageRules,
  requestTime: number,
  responseTime: number,
): StoragePlan | Refusal {
  if (!rules.statuses.has(status)) return "status";
  const cc = parseCacheControl(headers["cache-control"] as string | string[] | undefined);
  if (cc.noStore) return "no-store";
  if (cc.private) return "private";
  // A no-cache response may be stored but never reused without revalidation; storing it buys nothing
  // but a conditional request, so it is simply not stored.
  if (cc.noCache) return "no-cache";
  const vary = parseVary(headers.vary);
  if (vary[0] === "*") return "vary-star";
  if (vary.includes("x-request-id")) return "vary-per-request";
  if (headers["set-cookie"] !== undefined && !rules.stripSetCookie) return "set-cookie";

  let lifetime: number;
  if (cc.sMaxAge !== undefined) lifetime = cc.sMaxAge;
  else if (cc.maxAge !== undefined) lifetime = cc.maxAge;
  else if (headers.expires !== undefined) {
    const expires = parseHttpDate(headers.expires);
    const date = parseHttpDate(headers.date);
    // An invalid Expires (such as "0") means "already expired" (RFC 9111 §5.3).
    lifetime = Number.isNaN(expires) ? 0 : Math.max(0, Math.floor((expires - (Number.isNaN(date) ? responseTime : date)) / 1000));
  } else lifetime = rules.ttl;

  const initialAge = deltaSeconds(headers.age) + Math.max(0, Math.floor((responseTime - requestTime) / 1000));
  const freshUntil = responseTime + (lifetime - initialAge) * 1000;
  // Directives that forbid serving stale (RFC 9111 §4.2.4); s-maxage implies proxy-revalidate.
  const noStale = cc.mustRevalidate || cc.proxyRevalidate || cc.sMaxAge !== undefined;
  const swr = noStale ? 0 : (cc.staleWhileRevalidate ?? rules.staleWhileRevalidate);
  const sie = noStale ? 0 : (cc.staleIfError ?? rules.staleIfError);
  const expiresAt = freshUntil + Math.max(swr, sie) * 1000;
  if (expiresAt <= responseTime) return "not-fresh";
  return {
    responseTime,
    initialAge,
    freshUntil,
    staleWhileRevalidateUntil: freshUntil + swr * 1000,
    staleIfErrorUntil: freshUntil + sie * 1000,
    expiresAt,
    shareable: cc.public || cc.sMaxAge !== undefined || cc.mustRevalidate,
    vary,
  };
}
