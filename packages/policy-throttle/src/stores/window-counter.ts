/**
 * The counter behind `rate-limit` and `quota`: fixed windows per key, as express-rate-limit's stores
 * keep them (a key's window starts with its first hit and lasts `ttlMs`).
 */

/** A key's count in its current window. */
export interface WindowHit {
  /** Hits in the window, this one included. */
  readonly hits: number;
  /** When the window ends (epoch ms). */
  readonly resetAt: number;
}

/** Counts hits per key, in memory (one process) or in Redis (every instance sharing it). */
export interface WindowCounter {
  /** True when {@link WindowCounter.hit} answers synchronously (the memory store). */
  readonly local: boolean;
  /**
   * Counts one hit for `key` at `now`. A key without a live window starts one that ends at `now + ttlMs`.
   * The memory store answers synchronously and may return the same object again on the next call: read
   * it before anything else touches the counter.
   */
  hit(key: string, now: number, ttlMs: number): WindowHit | Promise<WindowHit>;
  /** Stops timers and drops the counts (memory) or releases nothing (Redis: keys expire by themselves). */
  close(): void;
}
