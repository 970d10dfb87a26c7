/**
 * The Redis store, shared by every gateway instance using the same Redis and prefix. Entries are one
 * binary value each (`<prefix>cache:e:<key>`, expiring with their retention); descriptors are small JSON
 * values (`<prefix>cache:d:<primary>`) that each instance also remembers locally, so a hit is one GET.
 *
 * A remembered descriptor can be out of date (another instance stored a different variant); that only
 * causes a miss, never a wrong answer, because every variant's key encodes what it varies on.
 *
 * The near cache keeps entries read from or written to Redis in this process for `nearCacheTtl` ms
 * (bounded in bytes), so a hot entry is answered without a round trip or decoding. It serves the same
 * entry Redis holds (freshness and Age come from it). A purge is published on a Redis channel and every
 * instance drops what it remembers of the purged entries on receipt; should a message be lost (Redis
 * down at that moment), `nearCacheTtl` bounds how long a purged entry can still be served.
 */
import type { StoreContext } from "@turnpike/core";
import { LRUCache } from "lru-cache";
import type { PurgeSelector } from "../admin/purge-selector.js";
import { selects } from "../admin/purge-selector.js";
import type { Clock } from "../clock.js";
import type { CachedEntry } from "../entry/cached-entry.js";
import { decodeEntry, encodeEntry } from "../entry/entry-codec.js";
import { parseKey } from "../key/cache-key.js";
import type { Descriptor } from "../key/descriptor.js";
import { Flights } from "../runtime/flights.js";
import type { CacheStore } from "./cache-store.js";

/** The gateway's ioredis client. */
export type RedisClient = NonNullable<StoreContext["redis"]>;

const MAX_REMEMBERED = 50_000;
/** Descriptors outlive entries: at least a day, refreshed by every store. */
const DESCRIPTOR_TTL_MS = 86_400_000;
const SCAN_COUNT = 500;
const DELETE_BATCH = 500;

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}

interface DescriptorJson {
  v: string[];
  c: boolean;
  a: boolean;
  u: boolean;
}

/** Settings of the Redis store's near cache. */
export interface NearCacheSettings {
  /** How long (ms) an entry is kept in process; 0 disables the near cache. */
  ttlMs: number;
  /** Bound on its total size (bytes). */
  maxSize: number;
}

interface NearEntry {
  entry: CachedEntry;
  until: number;
}

/** The Redis-backed store. */
export class RedisStore implements CacheStore {
  readonly id = "redis";
  readonly flights = new Flights();
  private readonly remembered = new LRUCache<string, Descriptor>({ max: MAX_REMEMBERED });
  private readonly entryPrefix: string;
  private readonly descriptorPrefix: string;
  /** Entry reads waiting for the end of this turn of the event loop, sent together as one MGET. */
  private batch: { key: string; resolve: (entry: CachedEntry | undefined) => void }[] = [];
  private readonly flushBatch = (): void => this.sendBatch();
  private readonly near: LRUCache<string, NearEntry> | undefined;

  /**
   * @param onError called for every failed command (the request is then answered as a miss)
   */
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly clock: Clock,
    private readonly nearCache: NearCacheSettings,
    private readonly onError: (err: unknown) => void,
    subscribe: (channel: string, listener: (message: string) => void) => () => void,
  ) {
    this.entryPrefix = `${prefix}cache:e:`;
    this.descriptorPrefix = `${prefix}cache:d:`;
    this.near =
      nearCache.ttlMs > 0
        ? new LRUCache<string, NearEntry>({ maxSize: nearCache.maxSize, sizeCalculation: (n) => Math.max(1, n.entry.size) })
        : undefined;
    this.purgeChannel = `${prefix}cache:purged`;
    this.unsubscribe = subscribe(this.purgeChannel, (message) => {
      try {
        this.forget(JSON.parse(message) as PurgeSelector);
      } catch {
        // not a selector: ignore
      }
    });
  }

  private readonly purgeChannel: string;
  private readonly unsubscribe: () => void;

  /** Drops what this process remembers (descriptors, near entries) of what `selector` designates. */
  private forget(selector: PurgeSelector): void {
    if (selector.kind === "all") {
      this.remembered.clear();
      this.near?.clear();
      return;
    }
    for (const primary of [...this.remembered.keys()]) {
      const fields = parseKey(primary);
      if (fields !== undefined && selects(selector, fields)) this.remembered.delete(primary);
    }
    for (const key of [...(this.near?.keys() ?? [])]) {
      const fields = parseKey(key);
      if (fields !== undefined && selects(selector, fields)) this.near!.delete(key);
    }
  }

  private keepNear(key: string, entry: CachedEntry): void {
    if (this.near === undefined || entry.size > this.nearCache.maxSize) return;
    this.near.set(key, { entry, until: Math.min(this.clock() + this.nearCache.ttlMs, entry.expiresAt) });
  }

  available(): boolean {
    return this.redis.status === "ready";
  }

  descriptor(primary: string): Descriptor | undefined | Promise<Descriptor | undefined> {
    const known = this.remembered.get(primary);
    if (known !== undefined) return known;
    return this.redis.get(this.descriptorPrefix + primary).then(
      (json) => {
        if (json === null) return undefined;
        try {
          const raw = JSON.parse(json) as DescriptorJson;
          const descriptor: Descriptor = {
            vary: Array.isArray(raw.v) ? raw.v : [],
            consumerShared: raw.c === true,
            credentialShared: raw.a === true,
            uncacheable: raw.u === true,
          };
          this.remembered.set(primary, descriptor);
          return descriptor;
        } catch {
          return undefined;
        }
      },
      (err: unknown) => {
        this.onError(err);
        return undefined;
      },
    );
  }

  /**
   * Reads an entry. Reads issued while the event loop handles one batch of sockets are sent as a single
   * MGET when it is done (`setImmediate`): under load that is one Redis round trip and one write for
   * many hits, rather than one each.
   */
  get(key: string): CachedEntry | undefined | Promise<CachedEntry | undefined> {
    if (this.near !== undefined) {
      const kept = this.near.get(key);
      if (kept !== undefined) {
        if (this.clock() < kept.until) return kept.entry;
        this.near.delete(key);
      }
    }
    return new Promise((resolve) => {
      if (this.batch.push({ key, resolve }) === 1) setImmediate(this.flushBatch);
    });
  }

  private sendBatch(): void {
    const batch = this.batch;
    this.batch = [];
    const fail = (err: unknown): void => {
      this.onError(err);
      for (const read of batch) read.resolve(undefined);
    };
    if (batch.length === 1) {
      const read = batch[0]!;
      this.redis.getBuffer(this.entryPrefix + read.key).then((data) => read.resolve(this.received(read.key, data)), fail);
      return;
    }
    this.redis.mgetBuffer(...batch.map((read) => this.entryPrefix + read.key)).then((values) => {
      for (let i = 0; i < batch.length; i++) batch[i]!.resolve(this.received(batch[i]!.key, values[i]));
    }, fail);
  }

  private received(key: string, data: Buffer | null | undefined): CachedEntry | undefined {
    if (data === null || data === undefined) return undefined;
    const entry = decodeEntry(data);
    if (entry !== undefined) this.keepNear(key, entry);
    return entry;
  }

  async set(primary: string, descriptor: Descriptor, key?: string, entry?: CachedEntry): Promise<void> {
    this.remembered.set(primary, descriptor);
    const json: DescriptorJson = {
      v: descriptor.vary as string[],
      c: descriptor.consumerShared,
      a: descriptor.credentialShared,
      u: descriptor.uncacheable,
    };
    const writes: Promise<unknown>[] = [];
    if (key !== undefined && entry !== undefined) {
      this.keepNear(key, entry);
      const ttl = Math.max(1, Math.ceil(entry.expiresAt - this.clock()));
      writes.push(this.redis.set(this.entryPrefix + key, encodeEntry(entry), "PX", ttl));
      writes.push(this.redis.set(this.descriptorPrefix + primary, JSON.stringify(json), "PX", Math.max(ttl, DESCRIPTOR_TTL_MS)));
    } else {
      writes.push(this.redis.set(this.descriptorPrefix + primary, JSON.stringify(json), "PX", DESCRIPTOR_TTL_MS));
    }
    try {
      await Promise.all(writes);
    } catch (err) {
      this.onError(err);
    }
  }

  async purge(selector: PurgeSelector): Promise<number> {
    // SCAN walks the keyspace in steps, so a purge never blocks Redis the way KEYS would.
    const cachePrefix = `${this.prefix}cache:`;
    let cursor = "0";
    let removed = 0;
    let batch: string[] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const keys = batch;
      batch = [];
      await this.redis.unlink(...keys);
    };
    do {
      const [next, keys] = await this.redis.scan(cursor, "MATCH", `${escapeGlob(cachePrefix)}*`, "COUNT", SCAN_COUNT);
      cursor = next;
      for (const redisKey of keys) {
        const rest = redisKey.slice(cachePrefix.length);
        const isEntry = rest.startsWith("e:");
        if (!isEntry && !rest.startsWith("d:")) continue;
        const fields = parseKey(rest.slice(2));
        if (selector.kind !== "all" && (fields === undefined || !selects(selector, fields))) continue;
        batch.push(redisKey);
        if (isEntry) removed++;
        if (batch.length >= DELETE_BATCH) await flush();
      }
    } while (cursor !== "0");
    await flush();
    this.forget(selector);
    // Every instance (this one included) forgets its copies on receipt.
    await this.redis.publish(this.purgeChannel, JSON.stringify(selector)).catch((err: unknown) => this.onError(err));
    return removed;
  }

  clear(): void {
    this.unsubscribe();
    this.remembered.clear();
    this.near?.clear();
    this.flights.clear();
  }
}
