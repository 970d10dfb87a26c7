/**
 * The store behind `concurrency-limit`: slots per key, taken when a request starts and given back when
 * its response ends.
 */

/** Slots per key, in memory (one process) or in Redis (every instance sharing it). */
export interface SlotStore {
  /** True when {@link SlotStore.acquire} answers synchronously (the memory store). */
  readonly local: boolean;
  /**
   * Takes one of `limit` slots of `key`. Resolves to a lease (give it back to {@link SlotStore.release}),
   * or null when all slots are taken.
   */
  acquire(key: string, limit: number): string | null | Promise<string | null>;
  /** Gives a slot back. Never throws: a lease Redis could not drop expires by itself. */
  release(key: string, lease: string): void;
  /** Stops timers. */
  close(): void;
}
