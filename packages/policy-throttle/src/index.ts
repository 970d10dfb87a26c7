/**
 * @turnpike/policy-throttle: `rate-limit`, `quota` and `concurrency-limit`, counting in memory (one
 * process) or in Redis (every gateway instance sharing it).
 *
 * @example
 * ```yaml
 * pipelines:
 *   api:
 *     apiEndpoints: [api]
 *     policies:
 *       - rate-limit: { max: 100, windowMs: 60000, rateLimitBy: "${req.user.id}" }
 *       - proxy: { serviceEndpoint: backend }
 * ```
 */
import { definePlugin } from "@turnpike/core";
import { concurrencyLimitPolicy } from "./policies/concurrency-limit/concurrency-limit.js";
import { quotaPolicy } from "./policies/quota/quota.js";
import { rateLimitPolicy } from "./policies/rate-limit/rate-limit.js";

export { rateLimitPolicy } from "./policies/rate-limit/rate-limit.js";
export { rateLimitSchema } from "./policies/rate-limit/rate-limit-schema.js";
export type { RateLimitOptions } from "./policies/rate-limit/rate-limit-schema.js";
export { quotaPolicy } from "./policies/quota/quota.js";
export { quotaSchema } from "./policies/quota/quota-schema.js";
export type { QuotaOptions } from "./policies/quota/quota-schema.js";
export { periodAt } from "./policies/quota/quota-periods.js";
export type { PeriodBounds, QuotaPeriod } from "./policies/quota/quota-periods.js";
export { concurrencyLimitPolicy } from "./policies/concurrency-limit/concurrency-limit.js";
export { concurrencyLimitSchema } from "./policies/concurrency-limit/concurrency-limit-schema.js";
export type { ConcurrencyLimitOptions } from "./policies/concurrency-limit/concurrency-limit-schema.js";
export { createClientKey, DEFAULT_IPV6_SUBNET } from "./keys/client-key.js";
export type { Ipv6Subnet } from "./keys/client-key.js";
export { compileKey, compileTemplateKey } from "./keys/compile-key.js";
export type { ThrottleKey } from "./keys/compile-key.js";
export { MemoryWindowCounter } from "./stores/memory-window-counter.js";
export { RedisWindowCounter } from "./stores/redis-window-counter.js";
export { ReservingWindowCounter } from "./stores/reserving-window-counter.js";
export type { WindowCounter, WindowHit } from "./stores/window-counter.js";
export { MemorySlotStore } from "./stores/memory-slot-store.js";
export { RedisSlotStore } from "./stores/redis-slot-store.js";
export type { SlotStore } from "./stores/slot-store.js";
export type { StoreKind } from "./stores/choose-store.js";
export type { OnStoreError } from "./stores/store-failures.js";

/** The plugin: every throttling policy of this package. */
export default definePlugin({
  name: "@turnpike/policy-throttle",
  turnpike: "^0.1.0",
  policies: [rateLimitPolicy, quotaPolicy, concurrencyLimitPolicy],
});
