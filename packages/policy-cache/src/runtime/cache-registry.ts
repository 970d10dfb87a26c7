/**
 * The cache's gateway-lifetime state, kept in the core's shared registry so that a reload keeps every
 * entry: the stores (shared by the policies that use the same one), the purge generation, and the
 * counters flushed to the gateway's metrics.
 */
import type { GatewayMetrics, SharedRegistry } from "@turnpike/core";
import type { PurgeSelector } from "../admin/purge-selector.js";
import type { CacheStore } from "../stores/cache-store.js";
import type { CacheCounters } from "./counters.js";

const REGISTRY_KEY = "@turnpike/policy-cache";
const FLUSH_INTERVAL_MS = 1000;

interface Held {
  store: CacheStore;
  users: number;
}

/** Stores and counters of one gateway. */
export class CacheRegistry {
  private readonly stores = new Map<string, Held>();
  private readonly counters = new Set<CacheCounters>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /**
   * Incremented by every purge: a response fetched before a purge is not stored after it (it may be
   * the very content the purge meant to remove).
   */
  generation = 0;
  /** Failed store commands since the last flush (each answered as a miss or not stored). */
  storeErrors = 0;

  constructor(private readonly metrics: GatewayMetrics) {}

  /** Returns the store `id`, creating it the first time; every acquire needs a {@link release}. */
  acquire(id: string, create: () => CacheStore): CacheStore {
    let held = this.stores.get(id);
    if (held === undefined) {
      held = { store: create(), users: 0 };
      this.stores.set(id, held);
    }
    held.users++;
    return held.store;
  }

  /**
   * Releases a store. When no configuration uses it any more (a reload changed its size, or removed the
   * cache) its memory is freed.
   */
  release(store: CacheStore): void {
    const held = this.stores.get(store.id);
    if (held === undefined || held.store !== store) return;
    if (--held.users > 0) return;
    this.stores.delete(store.id);
    store.clear();
  }

  /** Purges every store; resolves to the number of entries removed. */
  async purge(selector: PurgeSelector): Promise<number> {
    this.generation++;
    let removed = 0;
    for (const { store } of [...this.stores.values()]) removed += await store.purge(selector);
    return removed;
  }

  /** Adds a policy's counters to the periodic flush. */
  track(counters: CacheCounters): void {
    this.counters.add(counters);
    if (this.timer === undefined && !this.closed) {
      this.timer = setInterval(() => this.flush(), FLUSH_INTERVAL_MS);
      this.timer.unref();
    }
  }

  /** Flushes and forgets a policy's counters. */
  untrack(counters: CacheCounters): void {
    counters.flush(this.metrics);
    this.counters.delete(counters);
  }

  /** Adds every pending count to the metrics now. */
  flush(): void {
    for (const counters of this.counters) counters.flush(this.metrics);
    if (this.storeErrors > 0) {
      this.metrics.increment(
        "turnpike_cache_store_errors_total",
        {},
        "Cache store commands that failed (answered as misses, or not stored)",
        this.storeErrors,
      );
      this.storeErrors = 0;
    }
  }

  /** Stops the flush timer and drops every store (the gateway closes). */
  close(): void {
    this.closed = true;
    this.flush();
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    for (const { store } of this.stores.values()) store.clear();
    this.stores.clear();
  }
}

/** The registry of the gateway that owns `shared`. */
export function cacheRegistry(shared: SharedRegistry, metrics: GatewayMetrics): CacheRegistry {
  return shared.get(REGISTRY_KEY, () => {
    const registry = new CacheRegistry(metrics);
    shared.onClose(() => registry.close());
    return registry;
  });
}
