/**
 * Factories of the three {@link ConsumerStore} implementations. Most code wants the gateway's shared
 * instance instead: `consumerStore(stores, config)`.
 */
import path from "node:path";
import type { StoreContext } from "@turnpike/core";
import { ConsumerDirectory } from "./consumer-directory.js";
import type { DeclaredSource } from "./declared-consumers.js";
import { createMemoryBackend } from "./memory-backend.js";
import { createRedisBackend } from "./redis-backend.js";
import { createSqliteBackend } from "./sqlite-backend.js";

/** Options every factory takes. */
export interface ConsumerStoreOptions {
  /** A configuration whose declared consumers (and scopes) are merged in (default: none). */
  declared?: DeclaredSource;
  /** How often to look for other processes' writes, in ms (default 250; not used by the memory store). */
  pollIntervalMs?: number;
}

function withDeclared(directory: ConsumerDirectory, options: ConsumerStoreOptions): ConsumerDirectory {
  if (options.declared) directory.useDeclared(options.declared);
  return directory;
}

/** The in-memory store: for tests only (nothing survives the process or is shared). */
export function createMemoryConsumerStore(options: ConsumerStoreOptions = {}): ConsumerDirectory {
  return withDeclared(new ConsumerDirectory(createMemoryBackend()), options);
}

/**
 * The SQLite store in `file` (conventionally `<dataDir>/consumers.db`): durable (WAL, synchronous
 * FULL); several processes may share the file. The file is opened on first use; if it cannot be,
 * operations reject with an UNAVAILABLE {@link ConsumerStoreError} naming it.
 */
export function createSqliteConsumerStore(options: ConsumerStoreOptions & { file: string }): ConsumerDirectory {
  const backend = createSqliteBackend({
    file: path.resolve(options.file),
    ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
  });
  return withDeclared(new ConsumerDirectory(backend), options);
}

/** The Redis store on the gateway's client, under `<prefix>consumers:`; the client is not closed with it. */
export function createRedisConsumerStore(
  options: ConsumerStoreOptions & { redis: NonNullable<StoreContext["redis"]>; prefix: string },
): ConsumerDirectory {
  const backend = createRedisBackend({
    redis: options.redis,
    prefix: options.prefix,
    ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
  });
  return withDeclared(new ConsumerDirectory(backend), options);
}
