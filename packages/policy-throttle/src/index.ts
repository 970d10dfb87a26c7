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
import { rateLimitPolicy } from "./rate-limit/rate-limit-policy.js";

export { rateLimitPolicy } from "./rate-limit/rate-limit-policy.js";
export { rateLimitSchema } from "./rate-limit/rate-limit-schema.js";
export type { RateLimitOptions } from "./rate-limit/rate-limit-schema.js";
export { createClientKey, DEFAULT_IPV6_SUBNET } from "./keys/client-key.js";
export type { Ipv6Subnet } from "./keys/client-key.js";
export { compileKey, compileTemplateKey } from "./keys/compile-key.js";
export type { ThrottleKey } from "./keys/compile-key.js";
export { MemoryWindowCounter } from "./stores/memory-window-counter.js";
export { RedisWindowCounter } from "./stores/redis-window-counter.js";
export type { WindowCounter, WindowHit } from "./stores/window-counter.js";

/** The plugin: every throttling policy of this package. */
export default definePlugin({
  name: "@turnpike/policy-throttle",
  policies: [rateLimitPolicy],
});
