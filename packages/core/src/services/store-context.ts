/**
 * The {@link StoreContext} policies and the admin API receive: the state backend (memory, or the
 * gateway's Redis connection), the key prefix, the gateway-lifetime shared registry, the directory for
 * durable local data, and Redis pub/sub. Built once per gateway, from the configuration it starts with
 * (changes to `redis:` take effect on restart), and the same way for `checkConfig`, which opens nothing.
 */
import type { Redis } from "ioredis";
import path from "node:path";
import { DEFAULTS } from "../config/defaults.js";
import type { GatewayConfig } from "../config/model.js";
import type { Logger } from "../logger.js";
import type { StoreContext } from "../pipeline/define.js";
import { closeRedis, openRedis } from "./redis-connection.js";
import { RedisSubscriptions } from "./redis-subscriptions.js";
import { GatewaySharedRegistry } from "./shared-registry.js";

/** A store context and what releases it. */
export interface GatewayStores {
  readonly stores: StoreContext;
  /** The registry behind `stores.shared`; its `close()` also closes the Redis connections. */
  readonly shared: GatewaySharedRegistry;
}

/**
 * Builds the store context for `config`.
 *
 * With `connect: true` (a serving gateway) the Redis connection opens now and subscriptions go through
 * one subscriber connection. With `connect: false` (checking a configuration) the Redis client is lazy,
 * so it never connects unless a command is sent (policies can still prepare scripts against it), and
 * subscriptions are accepted and never fire.
 */
export function createStores(config: GatewayConfig, logger: Logger, options: { connect: boolean }): GatewayStores {
  const shared = new GatewaySharedRegistry();
  let redis: Redis | undefined;
  let subscriptions: RedisSubscriptions | undefined;
  if (config.redis) {
    const client = openRedis(config.redis, logger, { lazy: !options.connect });
    redis = client;
    if (options.connect) {
      const subs = new RedisSubscriptions(client, logger);
      subscriptions = subs;
      shared.onClose(() => closeRedis(client));
      shared.onClose(() => subs.close());
    } else {
      shared.onClose(() => client.disconnect());
    }
  }
  const stores: StoreContext = {
    backend: redis ? "redis" : "memory",
    ...(redis ? { redis } : {}),
    prefix: config.redis?.prefix ?? DEFAULTS.redis.prefix,
    shared,
    dataDir: config.admin?.dataDir ?? path.resolve(config.baseDir, DEFAULTS.dataDir),
    subscribe(channel, listener) {
      if (!config.redis) throw new Error("subscribing to a Redis channel needs redis: in the configuration");
      return subscriptions ? subscriptions.subscribe(channel, listener) : () => undefined;
    },
  };
  return { stores, shared };
}
