/**
 * @turnpike/policy-cache: the `cache` policy, a shared HTTP response cache (RFC 9111) kept in memory or
 * in Redis, with request coalescing, stale-while-revalidate / stale-if-error and an admin purge route.
 *
 * @example
 * ```yaml
 * pipelines:
 *   api:
 *     apiEndpoints: [api]
 *     policies:
 *       - key-auth: {}
 *       - cache: { ttl: 60 }
 *       - proxy: { serviceEndpoint: backend }
 * ```
 */
import { definePlugin } from "@turnpike/core";
import { cachePolicy } from "./policies/cache/cache.js";

export { cachePolicy, createCachePolicy } from "./policies/cache/cache.js";
export type { CachePolicyDependencies } from "./policies/cache/cache.js";
export { cacheSchema, DEFAULT_BYPASS_HEADERS, DEFAULT_STATUSES } from "./policies/cache/cache-options.js";
export type { CacheOptions } from "./policies/cache/cache-options.js";
export type { Clock } from "./clock.js";
export { parseSelector } from "./admin/purge-selector.js";
export type { PurgeSelector } from "./admin/purge-selector.js";

export default definePlugin({ name: "@turnpike/policy-cache", turnpike: "^0.1.0", policies: [cachePolicy] });
