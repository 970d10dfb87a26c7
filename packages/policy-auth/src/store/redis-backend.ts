/**
 * The Redis {@link KvBackend}: every gateway instance pointing at the same Redis (and prefix) sees the
 * same consumers and credentials.
 *
 * It uses the gateway's one client (`ctx.stores.redis`, commands bounded by `redis.commandTimeout`) and
 * opens no connection of its own. Batches run as one Lua script (defined once, run by its SHA) that
 * checks the version and applies every mutation atomically (no WATCH: that is connection state, and the
 * client is shared). Other instances' writes are noticed by polling the version key, which every commit
 * increments; a poll costs one GET, and unlike pub/sub it cannot miss a change across a reconnect.
 *
 * Durability is Redis's: configure `appendonly yes` (and `appendfsync`) for writes to survive a crash.
 */
import type { StoreContext } from "@turnpike/core";
import { ChangePoller, DEFAULT_POLL_INTERVAL_MS, type KvBackend } from "./kv-backend.js";

/** Options of {@link createRedisBackend}. */
export interface RedisBackendOptions {
  /** The gateway's client. It is not closed by the backend. */
  redis: NonNullable<StoreContext["redis"]>;
  /** The gateway's key prefix (`redis.prefix`); keys are `<prefix>consumers:...`. */
  prefix: string;
  /** How often to look for other instances' commits (ms). */
  pollIntervalMs?: number;
}

// Keys other than the version key are not declared in KEYS: the store targets standalone Redis (or one
// hash slot), where scripts may touch any key.
const COMMIT_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current ~= tonumber(ARGV[1]) then return -1 end
local prefix = ARGV[2]
local ops = cjson.decode(ARGV[3])
for i = 1, #ops do
  local op = ops[i]
  local name = op[1]
  local key = prefix .. op[2]
  if name == 'set' then redis.call('SET', key, op[3])
  elseif name == 'del' then redis.call('DEL', key)
  elseif name == 'zadd' then redis.call('ZADD', key, op[3], op[4])
  elseif name == 'zrem' then redis.call('ZREM', key, op[3])
  elseif name == 'sadd' then redis.call('SADD', key, op[3])
  elseif name == 'srem' then redis.call('SREM', key, op[3])
  else return redis.error_reply('unknown op ' .. tostring(name)) end
end
return redis.call('INCR', KEYS[1])
`;

type CommitClient = RedisBackendOptions["redis"] & {
  turnpikeConsumersCommit(versionKey: string, expected: string, prefix: string, ops: string): Promise<number>;
};

/**
 * Defines the commit script on the client once: ioredis then runs it by its SHA (EVALSHA) rather than
 * sending and compiling its text on every commit, and loads it again by itself after a Redis restart.
 */
function commitClient(redis: RedisBackendOptions["redis"]): CommitClient {
  const client = redis as CommitClient;
  if (typeof client.turnpikeConsumersCommit !== "function")
    redis.defineCommand("turnpikeConsumersCommit", { numberOfKeys: 1, lua: COMMIT_SCRIPT });
  return client;
}

/** Creates a Redis backend on the gateway's client. */
export function createRedisBackend(options: RedisBackendOptions): KvBackend {
  const { redis } = options;
  const commands = commitClient(redis);
  const prefix = `${options.prefix}consumers:`;
  const versionKey = `${prefix}version`;
  const k = (key: string): string => prefix + key;

  // The version seen last; undefined until known. It is read when watching starts, on the shared
  // connection and so before any read the watcher's owner makes next: a later write changes it. If
  // that first read fails, the first successful poll reports a change (a needless flush at worst).
  let lastSeen: string | null | undefined;
  let primed = false;
  const poller = new ChangePoller(async () => {
    const current = await redis.get(versionKey);
    const changed = lastSeen === undefined || current !== lastSeen;
    lastSeen = current;
    return changed;
  }, options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);

  return {
    kind: "redis",
    version: async () => Number((await redis.get(versionKey)) ?? 0),
    get: async (key) => (await redis.get(k(key))) ?? undefined,
    mget: async (keys) => (keys.length === 0 ? [] : (await redis.mget(keys.map(k))).map((v) => v ?? undefined)),
    smembers: (key) => redis.smembers(k(key)),
    zrange: (key, offset, count) => (count <= 0 ? Promise.resolve([]) : redis.zrange(k(key), offset, offset + count - 1)),
    zcard: (key) => redis.zcard(k(key)),
    async commit(expected, ops) {
      const result = await commands.turnpikeConsumersCommit(versionKey, String(expected), prefix, JSON.stringify(ops));
      if (result === -1) return false;
      // Our own commit is reported in-process by the directory; do not report it again from the poll.
      if (lastSeen !== undefined && (lastSeen ?? "0") === String(result - 1)) lastSeen = String(result);
      return true;
    },
    watch(listener) {
      if (!primed) {
        primed = true;
        redis.get(versionKey).then(
          (v) => {
            lastSeen ??= v;
          },
          () => {},
        );
      }
      return poller.add(listener);
    },
    async close() {
      poller.stop();
    },
  };
}
