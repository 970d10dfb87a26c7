/**
 * Everything one `cache` policy instance works with, compiled once when the configuration loads.
 */
import type { Clock } from "../clock.js";
import type { CompiledCacheOptions } from "../policies/cache/cache-options.js";
import type { CacheRegistry } from "../runtime/cache-registry.js";
import type { CacheCounters } from "../runtime/counters.js";
import type { CacheStore } from "../stores/cache-store.js";

/** A policy instance's compiled state. */
export interface CacheRuntime {
  readonly options: CompiledCacheOptions;
  readonly store: CacheStore;
  readonly registry: CacheRegistry;
  readonly counters: CacheCounters;
  readonly clock: Clock;
}
