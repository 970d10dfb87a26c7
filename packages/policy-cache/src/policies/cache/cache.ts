/**
 * The `cache` policy: a shared HTTP cache (RFC 9111) in front of the upstream, in memory or in Redis.
 * Put it after the authentication policies and before `proxy`.
 */
import { definePolicy, registerAdminRoute, type PolicyContext, type PolicyDefinition } from "@turnpike/core";
import { purgeRoute } from "../../admin/purge-route.js";
import { systemClock, type Clock } from "../../clock.js";
import { createCacheMiddleware } from "../../middleware/cache-middleware.js";
import { cacheSchema, compileOptions, type CacheOptions, type CompiledCacheOptions } from "./cache-options.js";
import { cacheRegistry, type CacheRegistry } from "../../runtime/cache-registry.js";
import { explainCache } from "../../middleware/explain-cache.js";
import { CacheCounters } from "../../runtime/counters.js";
import type { CacheStore } from "../../stores/cache-store.js";
import { MemoryStore } from "../../stores/memory-store.js";
import { RedisStore } from "../../stores/redis-store.js";

/** What {@link createCachePolicy} can be given (tests drive the clock). */
export interface CachePolicyDependencies {
  /** Time source for freshness, ages and retention. Default: `Date.now`. */
  clock?: Clock;
}

/** A hit answered before an authentication step would skip it: any policy declaring phase `auth` counts. */
function warnIfBeforeAuth(ctx: PolicyContext): void {
  const later = ctx.pipelineSteps.slice(ctx.stepIndex + 1).find((step) => step.phase === "auth");
  if (later)
    ctx.warn(
      `cache runs before ${later.policy}: cached responses are answered without authentication; put cache after the authentication policies`,
    );
}

/** The store of `options.backend`, shared by every step with the same settings (released by the caller). */
function acquireStore(options: CompiledCacheOptions, ctx: PolicyContext, registry: CacheRegistry, clock: Clock): CacheStore {
  if (options.backend === "redis") {
    const redis = ctx.stores.redis!;
    const logger = ctx.logger;
    const near = { ttlMs: options.nearCacheTtl, maxSize: options.maxSize };
    return registry.acquire(
      `redis:${near.ttlMs}:${near.maxSize}`,
      () =>
        new RedisStore(
          redis,
          ctx.stores.prefix,
          clock,
          near,
          (err) => {
            registry.storeErrors++;
            logger.debug("redis command failed: %s", (err as Error)?.message ?? err);
          },
          ctx.stores.subscribe,
        ),
    );
  }
  const maxSize = options.maxSize;
  return registry.acquire(`memory:${maxSize}`, () => new MemoryStore(maxSize, clock));
}

/** Builds the `cache` policy definition (the package exports one built with the system clock). */
export function createCachePolicy(dependencies: CachePolicyDependencies = {}): PolicyDefinition<CacheOptions> {
  const clock = dependencies.clock ?? systemClock;
  return definePolicy<CacheOptions>({
    name: "cache",
    phase: "cache",
    description: "Answers repeated requests from a shared HTTP cache (memory or Redis), per RFC 9111.",
    schema: cacheSchema,
    create(raw, ctx) {
      const options = compileOptions(raw, ctx);
      const registry = cacheRegistry(ctx.stores.shared, ctx.metrics);
      registerAdminRoute(ctx.stores.shared, purgeRoute(registry));
      warnIfBeforeAuth(ctx);

      const store = acquireStore(options, ctx, registry, clock);
      const counters = new CacheCounters(ctx.pipeline);
      registry.track(counters);
      ctx.onClose(() => {
        registry.untrack(counters);
        registry.release(store);
      });
      return createCacheMiddleware({ options, store, registry, counters, clock });
    },
    explain(raw, ctx) {
      const options = compileOptions(raw, ctx);
      const registry = cacheRegistry(ctx.stores.shared, ctx.metrics);
      const store = acquireStore(options, ctx, registry, clock);
      ctx.onClose(() => registry.release(store));
      return (req, res) => explainCache(req, res, options, store, clock);
    },
  });
}

/** The `cache` policy. */
export const cachePolicy = createCachePolicy();
