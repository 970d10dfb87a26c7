/**
 * The gateway's one consumer store, shared by the auth policies and the admin API of a process.
 */
import path from "node:path";
import type { StoreContext } from "@turnpike/core";
import type { ConsumerStore } from "./consumer-store.js";
import type { ConsumerDirectory } from "./consumer-directory.js";
import { createRedisConsumerStore, createSqliteConsumerStore } from "./create-consumer-store.js";
import type { DeclaredSource } from "./declared-consumers.js";

const KEY = "@turnpike/policy-auth:consumer-store";

/** The file name of the SQLite store inside `stores.dataDir`. */
export const SQLITE_FILE_NAME = "consumers.db";

/**
 * Returns the gateway-lifetime consumer store from `stores.shared`, creating it on first use: Redis
 * when `stores.backend` is `redis` (keys under `<stores.prefix>consumers:`), else SQLite in
 * `<stores.dataDir>/consumers.db`. It is closed when the gateway closes.
 *
 * Every call also makes `config`'s declared consumers (`consumers:`) and scopes the ones the store
 * merges in; that is a no-op when they already are. The admin API should call it with the gateway's
 * current configuration on each request (`consumerStore(gateway.stores, gateway.config)`): after a
 * reload it then sees the new declared set.
 *
 * @example
 * ```ts
 * const store = consumerStore(gateway.stores, gateway.config);
 * const user = await store.createUser({ username: "alice" });
 * const { keyId, keySecret } = await store.createCredential(user.id, "key-auth", { scopes: ["read"] });
 * ```
 * The SQLite file is created on first use (a gateway whose consumers are all declared never writes
 * it); if it cannot be, store operations reject with UNAVAILABLE.
 */
export function consumerStore(stores: StoreContext, config: DeclaredSource): ConsumerStore {
  return sharedDirectory(stores, config);
}

/** {@link consumerStore} with the implementation's type (for the data-plane cache). */
export function sharedDirectory(stores: StoreContext, config: DeclaredSource): ConsumerDirectory {
  const directory = stores.shared.get<ConsumerDirectory>(KEY, () => {
    const created =
      stores.backend === "redis" && stores.redis
        ? createRedisConsumerStore({ redis: stores.redis, prefix: stores.prefix })
        : createSqliteConsumerStore({ file: path.join(stores.dataDir, SQLITE_FILE_NAME) });
    stores.shared.onClose(() => created.close());
    return created;
  });
  directory.useDeclared(config);
  return directory;
}
