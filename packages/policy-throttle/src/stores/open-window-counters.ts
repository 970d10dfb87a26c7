/**
 * The counters of one `rate-limit` or `quota` step: one set for its keys and one for requests counted by
 * client IP because they had no key. Each step has its own, so two steps never share counts, even
 * when they count by the same key. They are gateway-lifetime: a reload that keeps the step keeps its counts.
 */
import type { PolicyContext } from "@turnpike/core";
import type { StoreChoice } from "./choose-store.js";
import { MemoryWindowCounter } from "./memory-window-counter.js";
import { RedisWindowCounter } from "./redis-window-counter.js";
import { ReservingWindowCounter } from "./reserving-window-counter.js";
import { storeRegistry } from "./store-registry.js";
import type { WindowCounter } from "./window-counter.js";

/** A step's counters. */
export interface StepCounters {
  /** Counts by the step's key. */
  readonly keyed: WindowCounter;
  /** Counts by client IP, for requests without a key. */
  readonly byClientIp: WindowCounter;
}

/**
 * The step's bucket name: its place in the configuration, without the parts every step shares
 * (`api.policies[1].rate-limit[0]`). Several gateway instances reading the same file agree on it.
 */
export function bucketName(path: string): string {
  return path.replace(/^pipelines\./, "").replace(/\.action$/, "");
}

/**
 * Opens (or finds, after a reload) the counters of the step at `ctx.path`.
 * @param kind the policy family, part of every Redis key (`rl`, `quota`)
 * @param rotationMs the longest window the step uses (memory clean-up)
 * @param limit the step's limit, when places may be reserved ahead in Redis (see ReservingWindowCounter)
 */
export function openWindowCounters(ctx: PolicyContext, store: StoreChoice, kind: string, rotationMs: number, limit?: number): StepCounters {
  const registry = storeRegistry(ctx.stores.shared);
  const bucket = bucketName(ctx.path);
  const open = (ns: "k" | "ip"): WindowCounter => {
    const id = `${kind}|${store.kind}|${ctx.path}|${ns}|${store.kind === "memory" ? rotationMs : (limit ?? "")}`;
    const lease = registry.acquire<WindowCounter>(id, () => {
      if (store.kind === "memory") return new MemoryWindowCounter(rotationMs);
      const keyPrefix = `${store.prefix}${kind}:${bucket}:${ns}:`;
      return limit === undefined
        ? new RedisWindowCounter(store.redis, keyPrefix, store.deadlineMs)
        : new ReservingWindowCounter(store.redis, keyPrefix, store.deadlineMs, limit, rotationMs);
    });
    ctx.onClose(lease.release);
    return lease.store;
  };
  return { keyed: open("k"), byClientIp: open("ip") };
}
