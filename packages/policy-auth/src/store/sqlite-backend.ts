/**
 * The SQLite {@link KvBackend}: the embedded, durable default (`<dataDir>/consumers.db`).
 *
 * Durability: WAL journal with `synchronous = FULL`, so a commit is on disk before the call returns and
 * an acknowledged write survives `kill -9` and power loss. Several processes may share the file: writes
 * serialize on `BEGIN IMMEDIATE` (with a busy timeout), and each process notices the others' commits by
 * polling `PRAGMA data_version`, which changes exactly when another connection committed.
 */
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { ChangePoller, DEFAULT_POLL_INTERVAL_MS, type KvBackend, type KvOp } from "./kv-backend.js";

/** Options of {@link createSqliteBackend}. */
export interface SqliteBackendOptions {
  /** The database file (its directory is created when missing). */
  file: string;
  /** How often to look for other processes' commits (ms). */
  pollIntervalMs?: number;
  /** How long a write waits for another process's write lock (ms). */
  busyTimeoutMs?: number;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
  INSERT OR IGNORE INTO meta (name, value) VALUES ('version', 0);
  CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS sets (key TEXT NOT NULL, member TEXT NOT NULL, PRIMARY KEY (key, member)) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS zsets (key TEXT NOT NULL, member TEXT NOT NULL, score REAL NOT NULL, PRIMARY KEY (key, member)) STRICT, WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS zsets_order ON zsets (key, score, member);
`;

/** The open database and its prepared statements. */
function openDatabase(options: SqliteBackendOptions) {
  mkdirSync(path.dirname(options.file), { recursive: true });
  const db = new Database(options.file, { timeout: options.busyTimeoutMs ?? 5000 });
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.exec(SCHEMA);
  } catch (err) {
    db.close();
    throw err;
  }
  const q = {
    version: db.prepare<[], { value: number }>("SELECT value FROM meta WHERE name = 'version'"),
    bump: db.prepare("UPDATE meta SET value = value + 1 WHERE name = 'version'"),
    get: db.prepare<[string], { value: string }>("SELECT value FROM kv WHERE key = ?"),
    set: db.prepare("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
    delKv: db.prepare("DELETE FROM kv WHERE key = ?"),
    delSet: db.prepare("DELETE FROM sets WHERE key = ?"),
    delZset: db.prepare("DELETE FROM zsets WHERE key = ?"),
    smembers: db.prepare<[string], { member: string }>("SELECT member FROM sets WHERE key = ?"),
    sadd: db.prepare("INSERT OR IGNORE INTO sets (key, member) VALUES (?, ?)"),
    srem: db.prepare("DELETE FROM sets WHERE key = ? AND member = ?"),
    zrange: db.prepare<[string, number, number], { member: string }>(
      "SELECT member FROM zsets WHERE key = ? ORDER BY score, member LIMIT ? OFFSET ?",
    ),
    zcard: db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM zsets WHERE key = ?"),
    zadd: db.prepare(
      "INSERT INTO zsets (key, member, score) VALUES (?, ?, ?) ON CONFLICT (key, member) DO UPDATE SET score = excluded.score",
    ),
    zrem: db.prepare("DELETE FROM zsets WHERE key = ? AND member = ?"),
    dataVersion: db.prepare("PRAGMA data_version").pluck(),
  };
  const apply = (op: KvOp): void => {
    switch (op[0]) {
      case "set":
        q.set.run(op[1], op[2]);
        break;
      case "del":
        q.delKv.run(op[1]);
        q.delSet.run(op[1]);
        q.delZset.run(op[1]);
        break;
      case "zadd":
        q.zadd.run(op[1], op[3], op[2]);
        break;
      case "zrem":
        q.zrem.run(op[1], op[2]);
        break;
      case "sadd":
        q.sadd.run(op[1], op[2]);
        break;
      case "srem":
        q.srem.run(op[1], op[2]);
        break;
    }
  };
  const commit = db.transaction((expected: number, ops: readonly KvOp[]): boolean => {
    if (q.version.get()!.value !== expected) return false;
    for (const op of ops) apply(op);
    q.bump.run();
    return true;
  });
  return { db, q, commit, lastDataVersion: q.dataVersion.get() as number };
}

/**
 * A SQLite backend. The file is opened (and created, with its directory) on first use, not here: a
 * gateway whose consumers are all declared in its configuration, or `turnpike validate`, never touches
 * the disk. A file that cannot be opened fails that first operation (the store reports UNAVAILABLE).
 */
export function createSqliteBackend(options: SqliteBackendOptions): KvBackend {
  let opened: ReturnType<typeof openDatabase> | undefined;
  let closed = false;
  const open = (): ReturnType<typeof openDatabase> => {
    if (closed) throw new Error("the SQLite consumer store is closed");
    if (!opened) {
      try {
        opened = openDatabase(options);
      } catch (err) {
        throw new Error(`cannot open ${options.file}: ${(err as Error).message}`, { cause: err });
      }
    }
    return opened;
  };
  const poller = new ChangePoller(() => {
    // Nothing read from the file yet means nothing cached from it: no change to report.
    if (!opened) return false;
    const current = opened.q.dataVersion.get() as number;
    if (current === opened.lastDataVersion) return false;
    opened.lastDataVersion = current;
    return true;
  }, options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);

  return {
    kind: "sqlite",
    version: async () => open().q.version.get()!.value,
    get: async (key) => open().q.get.get(key)?.value,
    mget: async (keys) => {
      const { q } = open();
      return keys.map((k) => q.get.get(k)?.value);
    },
    smembers: async (key) =>
      open()
        .q.smembers.all(key)
        .map((r) => r.member),
    zrange: async (key, offset, count) =>
      open()
        .q.zrange.all(key, count, offset)
        .map((r) => r.member),
    zcard: async (key) => open().q.zcard.get(key)!.n,
    // IMMEDIATE takes the write lock up front, so two processes' read-check-write cannot interleave.
    commit: async (expected, ops) => open().commit.immediate(expected, ops),
    watch: (listener) => poller.add(listener),
    async close() {
      if (closed) return;
      closed = true;
      poller.stop();
      opened?.db.close();
    },
  };
}
