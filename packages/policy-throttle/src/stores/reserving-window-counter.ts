/**
 * Window counts in Redis for a step that knows its limit: places in a key's window are reserved from
 * Redis a few at a time and handed out locally, so that a key far from its limit costs a Redis round
 * trip per reservation rather than per request, and requests do not wait on Redis while this instance
 * holds places.
 *
 * Exactness is kept: every place handed out was counted in Redis first (atomically, across instances),
 * so the requests admitted across all instances never exceed the limit. Reservations are small when few
 * places remain (one at a time below 40), so near the limit the step behaves like a per-request counter;
 * places reserved but unused when the window ends are lost, which can only admit fewer, never more.
 * Once Redis reports the limit reached, this instance refuses the key's further requests of that window
 * without asking Redis again: the count can only grow until the window ends.
 *
 * Local answers are given only while the connection is up: during an outage every hit goes to the
 * store-failure rule (fail-open or fail-closed) as with a plain counter, and after a reconnect what was
 * held is forgotten (a restarted Redis may have lost its counts).
 */
import type { RedisClient } from "./choose-store.js";
import { redisHitBatcher, type RedisHitBatcher, type WindowRange } from "./redis-hit-batcher.js";
import type { WindowCounter, WindowHit } from "./window-counter.js";

/** Largest reservation: bounds what one instance takes from the others at a time. */
const MAX_RESERVATION = 100;
/** A reservation takes at most this fraction of what remains below the limit. */
const RESERVATION_SHARE = 20;
const MAX_SWEEP_MS = 60_000;

interface Waiter {
  now: number;
  resolve(hit: WindowHit): void;
  reject(err: unknown): void;
}

interface KeyState {
  /** When the key's window ends (epoch ms); 0 before the first reservation. */
  resetAt: number;
  /** The next place to hand out, and the last one this instance holds in the window. */
  next: number;
  last: number;
  /** Hits waiting for a reservation in flight. */
  waiters: Waiter[];
  reserving: boolean;
}

/** A {@link WindowCounter} in Redis that reserves places ahead; see the module comment. */
export class ReservingWindowCounter implements WindowCounter {
  readonly local = false;
  private readonly batcher: RedisHitBatcher;
  private readonly keys = new Map<string, KeyState>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly forgetAll = (): void => this.keys.clear();

  /**
   * @param keyPrefix prepended to every key (gateway prefix, policy, step)
   * @param deadlineMs longest a reservation may take before its hits count as store errors
   * @param limit the step's limit (places beyond it are never reserved ahead)
   */
  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
    deadlineMs: number,
    private readonly limit: number,
    windowMs: number,
  ) {
    this.batcher = redisHitBatcher(redis, deadlineMs);
    this.sweeper = setInterval(() => this.sweep(Date.now()), Math.max(1000, Math.min(windowMs, MAX_SWEEP_MS)));
    this.sweeper.unref();
    redis.on("ready", this.forgetAll);
  }

  hit(key: string, now: number, ttlMs: number): WindowHit | Promise<WindowHit> {
    if (this.redis.status !== "ready") {
      // Down: the hit fails like a plain counter's, and the step's onStoreError decides.
      return this.batcher.hit(this.keyPrefix + key, now, ttlMs).then((range) => ({ hits: range.first, resetAt: range.resetAt }));
    }
    let state = this.keys.get(key);
    if (state === undefined) {
      state = { resetAt: 0, next: 1, last: 0, waiters: [], reserving: false };
      this.keys.set(key, state);
    } else if (now >= state.resetAt && !state.reserving) {
      // The window is over: what this instance held of it is void.
      state.resetAt = 0;
      state.next = 1;
      state.last = 0;
    }
    if (!state.reserving && now < state.resetAt) {
      if (state.next <= state.last) return { hits: state.next++, resetAt: state.resetAt };
      // Redis already counted the limit in this window: the answer cannot change until it ends.
      if (state.last >= this.limit) return { hits: this.limit + 1, resetAt: state.resetAt };
    }
    const waiting = state;
    return new Promise<WindowHit>((resolve, reject) => {
      waiting.waiters.push({ now, resolve, reject });
      if (!waiting.reserving) this.reserve(key, waiting, ttlMs);
    });
  }

  private reserve(key: string, state: KeyState, ttlMs: number): void {
    state.reserving = true;
    const known = state.resetAt > 0 ? state.last : 0;
    const ahead = Math.min(MAX_RESERVATION, Math.floor((this.limit - known) / RESERVATION_SHARE));
    const places = Math.max(state.waiters.length, ahead, 1);
    this.batcher.hit(this.keyPrefix + key, state.waiters[0]!.now, ttlMs, places).then(
      (range) => this.received(key, state, range, ttlMs),
      (err: unknown) => {
        state.reserving = false;
        const waiters = state.waiters;
        state.waiters = [];
        for (const waiter of waiters) waiter.reject(err);
      },
    );
  }

  private received(key: string, state: KeyState, range: WindowRange, ttlMs: number): void {
    state.reserving = false;
    state.resetAt = range.resetAt;
    state.next = range.first;
    state.last = range.last;
    const waiters = state.waiters;
    state.waiters = [];
    let i = 0;
    for (; i < waiters.length && state.next <= state.last; i++) waiters[i]!.resolve({ hits: state.next++, resetAt: state.resetAt });
    if (i === waiters.length) return;
    // Hits that arrived while the reservation was on its way, beyond what it brought back.
    if (state.last >= this.limit) {
      for (; i < waiters.length; i++) waiters[i]!.resolve({ hits: this.limit + 1, resetAt: state.resetAt });
      return;
    }
    state.waiters = waiters.slice(i);
    this.reserve(key, state, ttlMs);
  }

  /** Forgets keys whose window is over. Called by the timer; public for tests. */
  sweep(now: number): void {
    for (const [key, state] of this.keys) {
      if (now >= state.resetAt && !state.reserving && state.waiters.length === 0) this.keys.delete(key);
    }
  }

  close(): void {
    this.redis.off("ready", this.forgetAll);
    clearInterval(this.sweeper);
    this.keys.clear();
  }
}
