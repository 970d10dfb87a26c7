/**
 * The in-memory {@link KvBackend}: for tests and embedded experiments only. Nothing survives the
 * process and nothing is shared with other processes.
 */
import type { KvBackend, KvOp } from "./kv-backend.js";

/** Creates an empty in-memory backend. */
export function createMemoryBackend(): KvBackend {
  const values = new Map<string, string>();
  const sets = new Map<string, Set<string>>();
  const zsets = new Map<string, Map<string, number>>();
  let version = 0;

  const sorted = (key: string): string[] => {
    const z = zsets.get(key);
    if (!z) return [];
    return [...z.entries()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([member]) => member);
  };
  const apply = (op: KvOp): void => {
    switch (op[0]) {
      case "set":
        values.set(op[1], op[2]);
        break;
      case "del":
        values.delete(op[1]);
        sets.delete(op[1]);
        zsets.delete(op[1]);
        break;
      case "zadd": {
        let z = zsets.get(op[1]);
        if (!z) zsets.set(op[1], (z = new Map()));
        z.set(op[3], op[2]);
        break;
      }
      case "zrem": {
        const z = zsets.get(op[1]);
        z?.delete(op[2]);
        if (z?.size === 0) zsets.delete(op[1]);
        break;
      }
      case "sadd": {
        let s = sets.get(op[1]);
        if (!s) sets.set(op[1], (s = new Set()));
        s.add(op[2]);
        break;
      }
      case "srem": {
        const s = sets.get(op[1]);
        s?.delete(op[2]);
        if (s?.size === 0) sets.delete(op[1]);
        break;
      }
    }
  };

  return {
    kind: "memory",
    version: async () => version,
    get: async (key) => values.get(key),
    mget: async (keys) => keys.map((k) => values.get(k)),
    smembers: async (key) => [...(sets.get(key) ?? [])],
    zrange: async (key, offset, count) => sorted(key).slice(offset, offset + count),
    zcard: async (key) => zsets.get(key)?.size ?? 0,
    async commit(expected, ops) {
      if (expected !== version) return false;
      for (const op of ops) apply(op);
      version += 1;
      return true;
    },
    // Only one process ever sees this data: there are no external changes to report.
    watch: () => () => {},
    close: async () => {},
  };
}
