/**
 * Window counts in Redis, shared by every gateway instance using it. Hits go through the client's
 * {@link RedisHitBatcher}: atomic on the server, batched per event-loop turn on the gateway.
 */
import type { RedisClient } from "./choose-store.js";
import { redisHitBatcher, type RedisHitBatcher } from "./redis-hit-batcher.js";
import type { WindowCounter, WindowHit } from "./window-counter.js";

/** A {@link WindowCounter} in Redis, under `keyPrefix`. */
export class RedisWindowCounter implements WindowCounter {
  readonly local = false;
  private readonly batcher: RedisHitBatcher;

  /**
   * @param keyPrefix prepended to every key (gateway prefix, policy, step)
   * @param deadlineMs longest a hit may take before it counts as a store error
   */
  constructor(
    redis: RedisClient,
    private readonly keyPrefix: string,
    deadlineMs: number,
  ) {
    this.batcher = redisHitBatcher(redis, deadlineMs);
  }

  hit(key: string, now: number, ttlMs: number): Promise<WindowHit> {
    return this.batcher.hit(this.keyPrefix + key, now, ttlMs).then((range) => ({ hits: range.first, resetAt: range.resetAt }));
  }

  close(): void {
    // Nothing to release: the connection is the gateway's, and keys expire with their windows.
  }
}
