/**
 * The Lua scripts the throttling stores run on the gateway's Redis client, and the guards that keep a
 * request from ever waiting on Redis for long. Each script is one atomic step on the server, so several
 * gateway instances counting the same key never lose an increment or hand out the same slot twice.
 */
import type { RedisClient } from "./choose-store.js";

// Counts the hits of several keys at once: for each key, INCRBY its number of hits and start the window
// (its TTL) when the key is new. A key left without a TTL (it should not happen, but a key that never
// expires would block its client forever) gets one too. ARGV: per key, hits then TTL ms. Returns, per
// key, the count after this batch and the TTL left.
const HIT_MANY = `
local out = {}
for i = 1, #KEYS do
  local n = tonumber(ARGV[2 * i - 1])
  local ttl = tonumber(ARGV[2 * i])
  local hits = redis.call('INCRBY', KEYS[i], n)
  local left = redis.call('PTTL', KEYS[i])
  if hits == n or left < 0 then
    redis.call('PEXPIRE', KEYS[i], ttl)
    left = ttl
  end
  out[2 * i - 1] = hits
  out[2 * i] = left
end
return out
`;

// Takes a concurrency slot: a sorted set of leases scored by expiry (server time), so that leases of a
// gateway that died free themselves. ARGV: lease ms, limit, lease id. Returns 1 when taken.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  return 1
end
return 0
`;

// Extends a lease still held. ARGV: lease ms, lease id.
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local kept = redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[2])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return kept
`;

/** The client with the throttling scripts defined on it. */
export interface ThrottleRedis extends RedisClient {
  /** Arguments: number of keys, the keys, then per key its hits and TTL ms. */
  turnpikeThrottleHitMany(...args: (string | number)[]): Promise<number[]>;
  turnpikeThrottleAcquire(key: string, leaseMs: number, limit: number, lease: string): Promise<number>;
  turnpikeThrottleRenew(key: string, leaseMs: number, lease: string): Promise<number>;
}

/**
 * Defines the scripts on `redis` (once per client; nothing is sent until a script is called, and ioredis
 * loads it again by itself after a Redis restart).
 */
export function throttleCommands(redis: RedisClient): ThrottleRedis {
  const client = redis as ThrottleRedis;
  if (typeof client.turnpikeThrottleHitMany !== "function") {
    redis.defineCommand("turnpikeThrottleHitMany", { lua: HIT_MANY });
    redis.defineCommand("turnpikeThrottleAcquire", { numberOfKeys: 1, lua: ACQUIRE });
    redis.defineCommand("turnpikeThrottleRenew", { numberOfKeys: 1, lua: RENEW });
  }
  return client;
}

/** Raised instead of sending a command while the client is known to be disconnected. */
export const REDIS_DISCONNECTED = Object.freeze(new Error("redis is not connected"));

/** Raised when Redis did not answer within the deadline. */
export const REDIS_DEADLINE = Object.freeze(new Error("redis did not answer in time"));

/**
 * False while the client knows it is cut off (reconnecting, closed): sending would only queue the command
 * until its timeout. While connecting for the first time commands are sent (and bounded by the deadline).
 */
export function redisUsable(redis: RedisClient): boolean {
  const status = redis.status;
  return status !== "reconnecting" && status !== "close" && status !== "end";
}

/**
 * Settles like `promise`, or rejects with {@link REDIS_DEADLINE} after `ms`. The client's own command
 * timeout should come first; this makes sure nothing can leave a request waiting regardless.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(reject, ms, REDIS_DEADLINE);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
