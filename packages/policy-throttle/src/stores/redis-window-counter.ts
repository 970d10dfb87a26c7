/**
 * Window counts in Redis, shared by every gateway instance using it: one atomic script per hit.
 */
import type { RedisClient } from "./choose-store.js";
import { REDIS_DISCONNECTED, redisUsable, throttleCommands, withDeadline, type ThrottleRedis } from "./redis-commands.js";
import type { WindowCounter, WindowHit } from "./window-counter.js";

/** A {@link WindowCounter} in Redis, under `keyPrefix`. */
export class RedisWindowCounter implements WindowCounter {
  readonly local = false;
  private readonly redis: ThrottleRedis;

  /**
   * @param keyPrefix prepended to every key (gateway prefix, policy, step)
   * @param deadlineMs longest a hit may take before it counts as a store error
   */
  constructor(
    redis: RedisClient,
    private readonly keyPrefix: string,
    private readonly deadlineMs: number,
  ) {
    this.redis = throttleCommands(redis);
  }

  hit(key: string, now: number, ttlMs: number): Promise<WindowHit> {
    if (!redisUsable(this.redis)) return Promise.reject(REDIS_DISCONNECTED);
    const reply = this.redis.turnpikeThrottleHit(this.keyPrefix + key, Math.max(1, Math.ceil(ttlMs)));
    return withDeadline(reply, this.deadlineMs).then(([hits, ttl]) => ({ hits: Number(hits), resetAt: now + Number(ttl) }));
  }

  close(): void {
    // Nothing to release: the connection is the gateway's, and keys expire with their windows.
  }
}
