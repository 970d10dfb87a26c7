/**
 * Which store a policy step uses: its own `store:` option, else the gateway's (`redis` when `redis:` is
 * configured, else `memory`).
 */
import { ConfigError, type PolicyContext, type StoreContext } from "@turnpike/core";

/** Store kinds a policy can ask for. */
export type StoreKind = "memory" | "redis";

/** The gateway's Redis client, as the core hands it over. */
export type RedisClient = NonNullable<StoreContext["redis"]>;

/** A resolved store choice. */
export type StoreChoice =
  | { readonly kind: "memory" }
  | { readonly kind: "redis"; readonly redis: RedisClient; readonly prefix: string; readonly deadlineMs: number };

/** Schema of the `store` option, shared by the policies. */
export const STORE_OPTION = {
  type: "string",
  enum: ["memory", "redis"],
  description:
    "Where counts live: `memory` (this process only) or `redis` (shared by every gateway instance using the same Redis). " +
    "Default: `redis` when the configuration has a `redis:` section, else `memory`.",
} as const;

/**
 * Resolves the `store` option.
 * @throws ConfigError at `<path>.store` when `redis` is asked for without a `redis:` section.
 */
export function chooseStore(option: StoreKind | undefined, ctx: Pick<PolicyContext, "stores" | "config" | "path">): StoreChoice {
  const kind = option ?? ctx.stores.backend;
  if (kind === "memory") return { kind };
  const redis = ctx.stores.redis;
  if (redis === undefined) {
    throw new ConfigError([{ path: `${ctx.path}.store`, message: "redis needs a redis: section in the configuration" }]);
  }
  // A script call may be sent twice (EVALSHA, then EVAL after a Redis restart), each bounded by the
  // client's commandTimeout; the deadline covers both so that a request never waits longer.
  const commandTimeout = ctx.config.redis?.commandTimeout ?? 500;
  return { kind, redis, prefix: ctx.stores.prefix, deadlineMs: 2 * commandTimeout + 100 };
}
