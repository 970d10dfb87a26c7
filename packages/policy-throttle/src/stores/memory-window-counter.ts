/**
 * In-memory window counts, for one gateway process.
 *
 * Expired keys are dropped in bulk, as express-rate-limit's MemoryStore does: keys live in a `current`
 * and a `previous` map; a key touched is moved to `current`; every `rotationMs` (at least the longest
 * window) `previous` is dropped and `current` becomes `previous`. A key untouched for a whole rotation is
 * past its window, so nothing is ever scanned.
 */
import type { WindowCounter, WindowHit } from "./window-counter.js";

interface Entry {
  hits: number;
  resetAt: number;
}

// The sweep timer wakes at most this often; rotation still waits for a full rotationMs.
const MAX_TICK_MS = 60_000;

/** A {@link WindowCounter} in process memory. */
export class MemoryWindowCounter implements WindowCounter {
  readonly local = true;
  private current = new Map<string, Entry>();
  private previous = new Map<string, Entry>();
  private rotatedAt = Date.now();
  private readonly timer: NodeJS.Timeout;

  /** @param rotationMs the longest window this counter will be asked for. */
  constructor(private readonly rotationMs: number) {
    this.timer = setInterval(() => this.sweep(), Math.max(1, Math.min(rotationMs, MAX_TICK_MS)));
    this.timer.unref();
  }

  hit(key: string, now: number, ttlMs: number): WindowHit {
    let entry = this.current.get(key);
    if (entry === undefined) {
      entry = this.previous.get(key);
      if (entry === undefined) entry = { hits: 0, resetAt: now + ttlMs };
      else this.previous.delete(key);
      this.current.set(key, entry);
    }
    if (entry.resetAt <= now) {
      entry.hits = 0;
      entry.resetAt = now + ttlMs;
    }
    entry.hits++;
    return entry;
  }

  /** Number of keys held (for tests and diagnostics). */
  get size(): number {
    return this.current.size + this.previous.size;
  }

  /** Drops keys untouched for a whole rotation. Called by the timer; public for tests. */
  sweep(now = Date.now()): void {
    if (now - this.rotatedAt < this.rotationMs) return;
    this.rotatedAt = now;
    this.previous = this.current;
    this.current = new Map();
  }

  close(): void {
    clearInterval(this.timer);
    this.current.clear();
    this.previous.clear();
  }
}
