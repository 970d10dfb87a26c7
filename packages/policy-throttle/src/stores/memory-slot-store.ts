/**
 * Concurrency slots in process memory.
 */
import type { SlotStore } from "./slot-store.js";

const LEASE = "local";

/** A {@link SlotStore} in process memory: a count per key, dropped when it reaches zero. */
export class MemorySlotStore implements SlotStore {
  readonly local = true;
  private readonly taken = new Map<string, number>();

  acquire(key: string, limit: number): string | null {
    const n = this.taken.get(key) ?? 0;
    if (n >= limit) return null;
    this.taken.set(key, n + 1);
    return LEASE;
  }

  release(key: string): void {
    const n = this.taken.get(key);
    if (n === undefined) return;
    if (n <= 1) this.taken.delete(key);
    else this.taken.set(key, n - 1);
  }

  /** Slots taken for `key` (for tests and diagnostics). */
  inUse(key: string): number {
    return this.taken.get(key) ?? 0;
  }

  close(): void {
    this.taken.clear();
  }
}
