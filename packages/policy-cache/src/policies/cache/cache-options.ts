/**
 * The `cache` policy's options: their JSON Schema (the reference documentation is generated from the
 * descriptions) and their compilation, once, into what the middleware reads per request.
 */
import { ConfigError, parseByteSize, type ConfigProblem, type PolicyContext } from "@turnpike/core";
import type { StorageRules } from "../../http/storage-plan.js";

/** Options of the `cache` policy, as validated (defaults applied). */
export interface CacheOptions {
  ttl: number;
  store: "auto" | "memory" | "redis";
  maxSize: number | string;
  maxEntrySize: number | string;
  statuses: number[];
  sortQuery: boolean;
  staleWhileRevalidate: number;
  staleIfError: number;
  setCookie: "no-store" | "strip";
  credentialHeaders: string[];
  credentialedRequests: "per-credential" | "shared-only";
  bypassHeaders: string[];
  coalesce: boolean;
  coalesceTimeout: number;
  nearCacheTtl: number;
}

/** Statuses stored by default (RFC 9111's heuristically cacheable ones a gateway sees in practice). */
export const DEFAULT_STATUSES = [200, 203, 204, 301, 404, 410];

/** Request headers that make some upstream frameworks answer for another method or URL. */
export const DEFAULT_BYPASS_HEADERS = ["x-http-method-override", "x-http-method", "x-method-override", "x-original-url", "x-rewrite-url"];

const byteSize = (description: string, fallback: string) => ({ type: ["integer", "string"], minimum: 1, default: fallback, description });
const headerList = (description: string, fallback: string[]) => ({
  type: "array",
  items: { type: "string", pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" },
  uniqueItems: true,
  default: fallback,
  description,
});

/** JSON Schema of the cache policy's options. */
export const cacheSchema = {
  type: "object",
  properties: {
    ttl: {
      type: "integer",
      minimum: 0,
      default: 0,
      description:
        "Seconds a response stays fresh when the upstream gives no freshness (no `s-maxage`, `max-age` or `Expires`). 0: such responses are not stored. Explicit upstream freshness always wins.",
    },
    store: {
      type: "string",
      enum: ["auto", "memory", "redis"],
      default: "auto",
      description:
        "Where entries live: `redis` (shared by every instance; needs `redis:`), `memory` (this process), or `auto`: Redis when `redis:` is configured, else memory.",
    },
    maxSize: byteSize(
      'Bound on the memory store\'s total size (bodies, headers, keys), or with the Redis store on its near cache: bytes or a string such as "64mb". Least recently used entries go first. Policies with the same maxSize share one store.',
      "64mb",
    ),
    maxEntrySize: byteSize(
      'Largest response body stored: bytes or a string such as "1mb". Larger responses stream through unstored.',
      "1mb",
    ),
    statuses: {
      type: "array",
      items: { type: "integer", minimum: 200, maximum: 499 },
      uniqueItems: true,
      minItems: 1,
      default: DEFAULT_STATUSES,
      description: "Response statuses that may be stored. 206 and 304 are never stored; nor are server errors.",
    },
    sortQuery: {
      type: "boolean",
      default: false,
      description:
        "Sort query parameters by name in the key, so `?a=1&b=2` and `?b=2&a=1` share an entry (repeated names keep their order).",
    },
    staleWhileRevalidate: {
      type: "integer",
      minimum: 0,
      default: 0,
      description:
        "Seconds after expiry during which, while one request refreshes an entry from the upstream, the others are answered from the stale entry. The response's own `stale-while-revalidate` wins.",
    },
    staleIfError: {
      type: "integer",
      minimum: 0,
      default: 0,
      description:
        "Seconds after expiry during which a stale entry answers instead of an upstream error (5xx, unreachable, timeout). The response's own `stale-if-error` wins.",
    },
    setCookie: {
      type: "string",
      enum: ["no-store", "strip"],
      default: "no-store",
      description:
        "Responses with `Set-Cookie`: `no-store` never stores them; `strip` stores them without the Set-Cookie header (the client that caused the miss still receives it).",
    },
    credentialHeaders: headerList(
      "Request headers carrying credentials the gateway does not verify itself. A request with one of them is answered only from entries stored for the same values, unless the upstream marked the response `public`, `s-maxage` or `must-revalidate` (RFC 9111 §3.5).",
      ["authorization", "cookie"],
    ),
    credentialedRequests: {
      type: "string",
      enum: ["per-credential", "shared-only"],
      default: "per-credential",
      description:
        "Responses to requests with unverified credentials that the upstream did not mark shareable: `per-credential` stores them under a hash of the credentials (only the same credentials get them back); `shared-only` never stores them (RFC 9111 §3.5 to the letter).",
    },
    bypassHeaders: headerList(
      "Requests carrying any of these headers bypass the cache (frameworks that honour them answer for another method or URL: a classic cache-poisoning vector).",
      DEFAULT_BYPASS_HEADERS,
    ),
    coalesce: {
      type: "boolean",
      default: true,
      description: "Concurrent misses for the same entry wait for the first one's response instead of all going upstream (per instance).",
    },
    coalesceTimeout: {
      type: "integer",
      minimum: 1,
      default: 10000,
      description: "Longest wait (ms) of a coalesced request for the first one's response; then it goes upstream itself.",
    },
    nearCacheTtl: {
      type: "integer",
      minimum: 0,
      default: 1000,
      description:
        "With the Redis store: how long (ms) an entry read from or written to Redis is also kept in this process (bounded by maxSize), so hot entries are answered without a Redis round trip. Freshness and Age still come from the entry. A purge through another instance reaches this copy within this time. 0: every hit reads Redis.",
    },
  },
} as const;

/** Options compiled for the middleware. */
export interface CompiledCacheOptions {
  readonly rules: StorageRules;
  readonly maxSize: number;
  readonly maxEntrySize: number;
  readonly backend: "memory" | "redis";
  readonly sortQuery: boolean;
  readonly credentialHeaders: readonly string[];
  readonly perCredential: boolean;
  readonly bypassHeaders: readonly string[];
  readonly coalesce: boolean;
  readonly coalesceTimeout: number;
  readonly nearCacheTtl: number;
}

/**
 * Checks what the schema cannot and compiles the options.
 * @throws ConfigError listing every problem, with its path.
 */
export function compileOptions(options: CacheOptions, ctx: PolicyContext): CompiledCacheOptions {
  const problems: ConfigProblem[] = [];
  const maxSize = parseByteSize(options.maxSize);
  const maxEntrySize = parseByteSize(options.maxEntrySize);
  if (maxSize === undefined || maxSize < 1)
    problems.push({ path: `${ctx.path}.maxSize`, message: 'must be a number of bytes or a size such as "64mb"' });
  if (maxEntrySize === undefined || maxEntrySize < 1)
    problems.push({ path: `${ctx.path}.maxEntrySize`, message: 'must be a number of bytes or a size such as "1mb"' });
  if (maxSize !== undefined && maxEntrySize !== undefined && maxEntrySize > maxSize)
    problems.push({ path: `${ctx.path}.maxEntrySize`, message: `must not exceed maxSize (${maxSize} bytes)` });
  options.statuses.forEach((status, i) => {
    if (status === 206 || status === 304)
      problems.push({ path: `${ctx.path}.statuses[${i}]`, message: `${status} responses cannot be stored` });
  });
  let backend: "memory" | "redis" = options.store === "auto" ? ctx.stores.backend : options.store;
  if (backend === "redis" && ctx.stores.redis === undefined) {
    problems.push({ path: `${ctx.path}.store`, message: "is redis, but no redis: connection is configured" });
    backend = "memory";
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    rules: {
      ttl: options.ttl,
      statuses: new Set(options.statuses),
      staleWhileRevalidate: options.staleWhileRevalidate,
      staleIfError: options.staleIfError,
      stripSetCookie: options.setCookie === "strip",
    },
    maxSize: maxSize!,
    maxEntrySize: maxEntrySize!,
    backend,
    sortQuery: options.sortQuery,
    credentialHeaders: options.credentialHeaders.map((h) => h.toLowerCase()),
    perCredential: options.credentialedRequests === "per-credential",
    bypassHeaders: options.bypassHeaders.map((h) => h.toLowerCase()),
    coalesce: options.coalesce,
    coalesceTimeout: options.coalesceTimeout,
    nearCacheTtl: options.nearCacheTtl,
  };
}
