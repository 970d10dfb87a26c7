/**
 * Window hits sent to Redis in batches. Every request's hit costs the gateway a Redis command (encoding,
 * a socket write, a reply to parse: tens of microseconds of CPU), so the hits that arrive during one turn
 * of the event loop are sent together, as one script call, once that turn's I/O has been read. Hits on the
 * same key are merged into one INCRBY: under load most hits of a turn share a few keys (one consumer, one
 * client address). The count Redis returns after the INCRBY gives each merged hit its own place in the
 * window (total - n + 1 ... total), so "at most max" stays exact, across every instance. A caller may
 * also take several places at once (a reservation, see ReservingWindowCounter).
 */
import type { RedisClient } from "./choose-store.js";
import { REDIS_DISCONNECTED, redisUsable, throttleCommands, withDeadline, type ThrottleRedis } from "./redis-commands.js";

/** The places a caller got in a key's window: `first` to `last` (inclusive), and when the window ends. */
export interface WindowRange {
  readonly first: number;
  readonly last: number;
  /** Epoch ms, from the caller's `now` and the key's TTL left. */
  readonly resetAt: number;
}

interface Waiter {
  readonly now: number;
  readonly places: number;
  resolve(range: WindowRange): void;
  reject(err: unknown): void;
}

interface PendingKey {
  ttlMs: number;
  places: number;
  readonly waiters: Waiter[];
}

// One script call handles at most this many keys: bounded work per call on the Redis side.
const MAX_KEYS_PER_CALL = 256;

/** Batches window hits for one Redis client. */
export class RedisHitBatcher {
  private readonly redis: ThrottleRedis;
  private pending = new Map<string, PendingKey>();
  private scheduled = false;

  /** @param deadlineMs longest a batch may take before its hits count as store errors */
  constructor(
    redis: RedisClient,
    private readonly deadlineMs: number,
  ) {
    this.redis = throttleCommands(redis);
  }

  /** Takes `places` (default 1) consecutive places on the full Redis key `key`; a new window lasts `ttlMs`. */
  hit(key: string, now: number, ttlMs: number, places = 1): Promise<WindowRange> {
    if (!redisUsable(this.redis)) return Promise.reject(REDIS_DISCONNECTED);
    return new Promise<WindowRange>((resolve, reject) => {
      let entry = this.pending.get(key);
      if (entry === undefined) {
        entry = { ttlMs, places: 0, waiters: [] };
        this.pending.set(key, entry);
      }
      entry.places += places;
      entry.waiters.push({ now, places, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = new Map();
    let keys: string[] = [];
    let entries: PendingKey[] = [];
    for (const [key, entry] of batch) {
      keys.push(key);
      entries.push(entry);
      if (keys.length === MAX_KEYS_PER_CALL) {
        this.send(keys, entries);
        keys = [];
        entries = [];
      }
    }
    if (keys.length > 0) this.send(keys, entries);
  }

  private send(keys: string[], entries: PendingKey[]): void {
    const args: (string | number)[] = [keys.length, ...keys];
    for (const entry of entries) args.push(entry.places, Math.max(1, Math.ceil(entry.ttlMs)));
    withDeadline(this.redis.turnpikeThrottleHitMany(...args), this.deadlineMs).then(
      (reply) => {
        if (!Array.isArray(reply) || reply.length !== 2 * entries.length) {
          const err = new Error(`unexpected reply from the throttling script: ${JSON.stringify(reply)?.slice(0, 100)}`);
          for (const entry of entries) for (const waiter of entry.waiters) waiter.reject(err);
          return;
        }
        for (let i = 0; i < entries.length; i++) {
          const { waiters, places } = entries[i]!;
          const total = Number(reply[2 * i]);
          const ttl = Number(reply[2 * i + 1]);
          let next = total - places + 1;
          for (const waiter of waiters) {
            waiter.resolve({ first: next, last: next + waiter.places - 1, resetAt: waiter.now + ttl });
            next += waiter.places;
          }
        }
      },
      (err: unknown) => {
        for (const entry of entries) for (const waiter of entry.waiters) waiter.reject(err);
      },
    );
  }
}

const batchers = new WeakMap<RedisClient, Map<number, RedisHitBatcher>>();

/** The batcher of `redis` for `deadlineMs` (one per client and deadline: hits of every step share it). */
export function redisHitBatcher(redis: RedisClient, deadlineMs: number): RedisHitBatcher {
  let byDeadline = batchers.get(redis);
  if (byDeadline === undefined) {
    byDeadline = new Map();
    batchers.set(redis, byDeadline);
  }
  let batcher = byDeadline.get(deadlineMs);
  if (batcher === undefined) {
    batcher = new RedisHitBatcher(redis, deadlineMs);
    byDeadline.set(deadlineMs, batcher);
  }
  return batcher;
}
