/**
 * Opens each ConsumerStore implementation on real infrastructure (a temp SQLite file, a real
 * redis-server) so the same tests run against all of them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { startRedis, type TestRedis } from "@turnpike/testing";
import {
  createMemoryConsumerStore,
  createRedisConsumerStore,
  createSqliteConsumerStore,
  type ConsumerDirectory,
  type ConsumerStoreOptions,
} from "../../src/index.js";

/** One implementation under test. */
export interface StoreKind {
  readonly name: "memory" | "sqlite" | "redis";
  /** Opens a store; two calls in one test share the same data (except for memory). */
  open(options?: ConsumerStoreOptions): ConsumerDirectory;
  /** Wipes the data between tests. */
  reset(): Promise<void>;
  /** Closes stores, clients and servers. */
  teardown(): Promise<void>;
}

export function memoryKind(): StoreKind {
  const open: ConsumerDirectory[] = [];
  return {
    name: "memory",
    open: (options) => {
      const s = createMemoryConsumerStore(options);
      open.push(s);
      return s;
    },
    reset: async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    },
    teardown: async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    },
  };
}

export function sqliteKind(): StoreKind {
  const dir = mkdtempSync(path.join(os.tmpdir(), "turnpike-auth-store-"));
  let n = 0;
  let file = path.join(dir, `consumers-${n}.db`);
  const open: ConsumerDirectory[] = [];
  return {
    name: "sqlite",
    open: (options) => {
      const s = createSqliteConsumerStore({ file, pollIntervalMs: 50, ...options });
      open.push(s);
      return s;
    },
    reset: async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
      file = path.join(dir, `consumers-${++n}.db`);
    },
    teardown: async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function redisKind(): Promise<StoreKind> {
  const server: TestRedis = await startRedis();
  const clients: Redis[] = [];
  const open: ConsumerDirectory[] = [];
  let n = 0;
  let prefix = `t${n}:`;
  return {
    name: "redis",
    open: (options) => {
      // A client per store, as two gateway instances would have.
      const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
      clients.push(redis);
      const s = createRedisConsumerStore({ redis, prefix, pollIntervalMs: 50, ...options });
      open.push(s);
      return s;
    },
    reset: async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
      await Promise.all(clients.splice(0).map((c) => c.quit()));
      prefix = `t${++n}:`;
    },
    teardown: async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
      await Promise.all(clients.splice(0).map((c) => c.quit()));
      await server.stop();
    },
  };
}
