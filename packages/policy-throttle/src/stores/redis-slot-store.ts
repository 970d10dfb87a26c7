/**
 * Concurrency slots in Redis, shared by every gateway instance: a sorted set of leases per key. A lease
 * carries an expiry, renewed while its request runs, so the slots of an instance that died come free
 * after `leaseMs` instead of being lost for good.
 */
import { randomBytes } from "node:crypto";
import type { RedisClient } from "./choose-store.js";
import { REDIS_DISCONNECTED, redisUsable, throttleCommands, withDeadline, type ThrottleRedis } from "./redis-commands.js";
import type { SlotStore } from "./slot-store.js";

/** A {@link SlotStore} in Redis, under `keyPrefix`. */
export class RedisSlotStore implements SlotStore {
  readonly local = false;
  private readonly redis: ThrottleRedis;
  private readonly instance = randomBytes(6).toString("base64url");
  private sequence = 0;
  /** Leases this instance holds: lease -> Redis key. */
  private readonly held = new Map<string, string>();
  private renewTimer: NodeJS.Timeout | undefined;

  /**
   * @param leaseMs how long a lease lives without renewal (renewed every third of it)
   * @param deadlineMs longest an acquire may take before it counts as a store error
   */
  constructor(
    redis: RedisClient,
    private readonly keyPrefix: string,
    private readonly leaseMs: number,
    private readonly deadlineMs: number,
  ) {
    this.redis = throttleCommands(redis);
  }

  acquire(key: string, limit: number): Promise<string | null> {
    if (!redisUsable(this.redis)) return Promise.reject(REDIS_DISCONNECTED);
    const lease = `${this.instance}:${++this.sequence}`;
    const redisKey = this.keyPrefix + key;
    const reply = this.redis.turnpikeThrottleAcquire(redisKey, this.leaseMs, limit, lease);
    return withDeadline(reply, this.deadlineMs).then(
      (taken) => {
        if (Number(taken) !== 1) return null;
        this.held.set(lease, redisKey);
        this.renewTimer ??= setInterval(() => this.renew(), Math.max(1, Math.floor(this.leaseMs / 3))).unref();
        return lease;
      },
      (err: unknown) => {
        // The script may have run even though its answer came too late: drop the lease it may hold.
        this.drop(redisKey, lease);
        throw err;
      },
    );
  }

  release(key: string, lease: string): void {
    const redisKey = this.held.get(lease) ?? this.keyPrefix + key;
    this.held.delete(lease);
    if (this.held.size === 0 && this.renewTimer !== undefined) {
      clearInterval(this.renewTimer);
      this.renewTimer = undefined;
    }
    this.drop(redisKey, lease);
  }

  private drop(redisKey: string, lease: string): void {
    if (!redisUsable(this.redis)) return;
    this.redis.zrem(redisKey, lease).catch(() => {
      // The lease expires by itself.
    });
  }

  private renew(): void {
    if (this.held.size === 0 || !redisUsable(this.redis)) return;
    const pipeline = this.redis.pipeline();
    for (const [lease, redisKey] of this.held)
      void (pipeline as unknown as ThrottleRedis).turnpikeThrottleRenew(redisKey, this.leaseMs, lease);
    void pipeline.exec().catch(() => {
      // Renewal is retried on the next tick; a lease that expires meanwhile only frees a slot early.
    });
  }

  close(): void {
    if (this.renewTimer !== undefined) clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    this.held.clear();
  }
}
