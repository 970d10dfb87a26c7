/**
 * The in-process store: an LRU bounded by the total bytes of its entries. A hit is two map lookups and
 * returns the very object stored, with its body buffer ready to write.
 */
import { LRUCache } from "lru-cache";
import type { PurgeSelector } from "../admin/purge-selector.js";
import { selects } from "../admin/purge-selector.js";
import type { Clock } from "../clock.js";
import type { CachedEntry } from "../entry/cached-entry.js";
import { parseKey } from "../key/cache-key.js";
import type { Descriptor } from "../key/descriptor.js";
import { Flights } from "../runtime/flights.js";
import type { CacheStore } from "./cache-store.js";

/** How many resources' descriptors are remembered (about 200 bytes each). */
const MAX_DESCRIPTORS = 50_000;

/** An LRU store in this process. */
export class MemoryStore implements CacheStore {
  readonly id: string;
  readonly flights = new Flights();
  private readonly entries: LRUCache<string, CachedEntry>;
  private readonly descriptors = new LRUCache<string, Descriptor>({ max: MAX_DESCRIPTORS });

  /**
   * @param maxSize bound on the bytes of all entries (bodies, headers and keys)
   */
  constructor(
    readonly maxSize: number,
    private readonly clock: Clock,
  ) {
    this.id = `memory:${maxSize}`;
    this.entries = new LRUCache<string, CachedEntry>({ maxSize, sizeCalculation: (entry, key) => entry.size + key.length });
  }

  available(): boolean {
    return true;
  }

  descriptor(primary: string): Descriptor | undefined {
    return this.descriptors.get(primary);
  }

  get(key: string): CachedEntry | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.expiresAt <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(primary: string, descriptor: Descriptor, key?: string, entry?: CachedEntry): void {
    this.descriptors.set(primary, descriptor);
    if (key !== undefined && entry !== undefined) this.entries.set(key, entry);
  }

  purge(selector: PurgeSelector): Promise<number> {
    let removed = 0;
    if (selector.kind === "all") {
      removed = this.entries.size;
      this.entries.clear();
      this.descriptors.clear();
      return Promise.resolve(removed);
    }
    for (const key of [...this.entries.keys()]) {
      const fields = parseKey(key);
      if (fields !== undefined && selects(selector, fields)) {
        this.entries.delete(key);
        removed++;
      }
    }
    for (const key of [...this.descriptors.keys()]) {
      const fields = parseKey(key);
      if (fields !== undefined && selects(selector, fields)) this.descriptors.delete(key);
    }
    return Promise.resolve(removed);
  }

  clear(): void {
    this.entries.clear();
    this.descriptors.clear();
    this.flights.clear();
  }

  /** Bytes held by entries (for tests and diagnostics). */
  get calculatedSize(): number {
    return this.entries.calculatedSize;
  }

  /** Number of entries. */
  get size(): number {
    return this.entries.size;
  }
}
