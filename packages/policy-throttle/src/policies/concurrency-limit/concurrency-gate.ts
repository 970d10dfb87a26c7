/**
 * Slots plus a short queue per key, for `concurrency-limit`. A request that finds every slot taken may
 * wait (at most `maxQueue` per key, at most `queueTimeout`); each slot given back goes to the longest
 * waiting request first. Gateway-lifetime, like the slots: requests of the snapshot before a reload give
 * their slots back to requests of the new one.
 */
import type { Closable } from "../../stores/store-registry.js";
import type { SlotStore } from "../../stores/slot-store.js";

/** A request waiting for a slot. */
export interface Waiter {
  /** The limit of the step it waits at (steps sharing a `group` may differ). */
  readonly limit: number;
  /** Called once with the slot taken for it. */
  admit(lease: string): void;
  /** Called when {@link Waiter.admit} threw (the error goes to the request's error handler). */
  fail(err: unknown): void;
}

// Waiters are admitted from other requests' `close` events and from promise callbacks: an exception
// there would crash the process or become an unhandled rejection, so it goes to the waiter's request.
function admit(waiter: Waiter, lease: string): void {
  try {
    waiter.admit(lease);
  } catch (err) {
    waiter.fail(err);
  }
}

// With Redis a slot may come free on another instance, which sends no signal here: waiters try again
// this often (and at once when this instance gives a slot back).
const POLL_MS = 50;

/** The slots and queues of one step (or one `group` of steps). */
export class ConcurrencyGate implements Closable {
  private readonly queues = new Map<string, Waiter[]>();
  private readonly pumping = new Set<string>();
  private poller: NodeJS.Timeout | undefined;

  constructor(readonly slots: SlotStore) {}

  /** Requests waiting for `key`. */
  waiting(key: string): number {
    return this.queues.get(key)?.length ?? 0;
  }

  /** Queues `waiter` for a slot of `key`. */
  enqueue(key: string, waiter: Waiter): void {
    let queue = this.queues.get(key);
    if (queue === undefined) {
      queue = [];
      this.queues.set(key, queue);
    }
    queue.push(waiter);
    if (!this.slots.local) this.poller ??= setInterval(() => this.pumpAll(), POLL_MS).unref();
  }

  /** Takes `waiter` out of the queue (it timed out or its client left). */
  remove(key: string, waiter: Waiter): void {
    const queue = this.queues.get(key);
    if (queue === undefined) return;
    const i = queue.indexOf(waiter);
    if (i !== -1) queue.splice(i, 1);
    if (queue.length === 0) this.dropQueue(key);
  }

  /** Gives a slot back and hands it on to the next waiter, if any. */
  release(key: string, lease: string): void {
    this.slots.release(key, lease);
    if (this.queues.has(key)) this.pump(key);
  }

  private dropQueue(key: string): void {
    this.queues.delete(key);
    if (this.queues.size === 0 && this.poller !== undefined) {
      clearInterval(this.poller);
      this.poller = undefined;
    }
  }

  private pumpAll(): void {
    for (const key of this.queues.keys()) this.pump(key);
  }

  private pump(key: string): void {
    const queue = this.queues.get(key);
    if (queue === undefined || queue.length === 0) return;
    if (this.slots.local) {
      // Synchronous: nothing can take the freed slot between the release and this hand-over.
      while (queue.length > 0) {
        const lease = this.slots.acquire(key, queue[0]!.limit) as string | null;
        if (lease === null) return;
        admit(queue.shift()!, lease);
      }
      this.dropQueue(key);
      return;
    }
    if (this.pumping.has(key)) return;
    this.pumping.add(key);
    (this.slots.acquire(key, queue[0]!.limit) as Promise<string | null>).then(
      (lease) => {
        this.pumping.delete(key);
        if (lease === null) return;
        const current = this.queues.get(key);
        const next = current?.shift();
        if (next === undefined) return this.slots.release(key, lease);
        if (current!.length === 0) this.dropQueue(key);
        admit(next, lease);
        this.pump(key);
      },
      () => {
        // Redis failed: the waiters keep waiting (until their timeout) and are tried again on the next poll.
        this.pumping.delete(key);
      },
    );
  }

  close(): void {
    if (this.poller !== undefined) clearInterval(this.poller);
    this.poller = undefined;
    this.slots.close();
  }
}
