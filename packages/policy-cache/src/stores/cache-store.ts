/**
 * The storage interface of the cache. The memory store answers synchronously (a hit costs two map
 * lookups); the Redis store answers with promises. Stores never decide anything about HTTP: they keep
 * entries and descriptors under keys until their retention ends.
 */
import type { CachedEntry } from "../entry/cached-entry.js";
import type { Descriptor } from "../key/descriptor.js";
import type { Flights } from "../runtime/flights.js";
import type { PurgeSelector } from "../admin/purge-selector.js";

/** A value or a promise of it: synchronous stores skip the microtask. */
export type MaybePromise<T> = T | Promise<T>;

/** Where entries live. */
export interface CacheStore {
  /** `memory:<bytes>` or `redis`. */
  readonly id: string;
  /** Misses being fetched right now, per key, in this process. */
  readonly flights: Flights;
  /** False while the store cannot answer (Redis not connected): requests then bypass the cache. */
  available(): boolean;
  /** The descriptor of a primary key, if any. */
  descriptor(primary: string): MaybePromise<Descriptor | undefined>;
  /** The entry under a full key, if any (possibly stale: the caller checks times). */
  get(key: string): MaybePromise<CachedEntry | undefined>;
  /** Stores the descriptor of `primary`, and `entry` under `key` when given. */
  set(primary: string, descriptor: Descriptor, key?: string, entry?: CachedEntry): MaybePromise<void>;
  /** Deletes what `selector` designates; resolves to the number of entries removed. */
  purge(selector: PurgeSelector): Promise<number>;
  /** Drops everything held in this process (the store is no longer used by any configuration). */
  clear(): void;
}

/** True for promises (and other thenables). */
export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | null)?.then === "function";
}
