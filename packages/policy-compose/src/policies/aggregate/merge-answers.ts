/**
 * How an aggregate's answers become one JSON object, compiled once at load from the `merge` option:
 * keyed by call name (the default), `deep` (objects merged recursively in call order), or a map of
 * output keys to paths such as `$.orders.items` (a small JSONPath subset: `.name`, `['name']`, `[0]`).
 */
import { ConfigError, isConfigError, type ConfigProblem } from "@turnpike/core";

/** Each call's parsed body by name; `null` for a call that failed. */
export type CallBodies = ReadonlyMap<string, unknown>;

/** A compiled merge: the bodies in, the answer's object out. */
export type MergeAnswers = (bodies: CallBodies) => Record<string, unknown>;

const SEGMENT = /^(?:\.([A-Za-z0-9_$-]+)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\])/;

/** Parses `$.a.b[0]['c']` into its keys (`["a", "b", 0, "c"]`). @throws ConfigError at `path`. */
export function parseAnswerPath(source: string, path: string): (string | number)[] {
  const fail = (message: string): never => {
    throw new ConfigError([{ path, message: `invalid path ${JSON.stringify(source)}: ${message}` }]);
  };
  if (!source.startsWith("$")) fail("must start with $");
  const keys: (string | number)[] = [];
  let rest = source.slice(1);
  while (rest !== "") {
    const m = SEGMENT.exec(rest);
    if (!m) return fail(`unexpected "${rest}" (use .name, ['name'] or [0])`);
    if (m[1] !== undefined) keys.push(m[1]);
    else if (m[2] !== undefined) keys.push(Number(m[2]));
    else keys.push((m[3] ?? m[4] ?? "").replace(/\\(.)/g, "$1"));
    rest = rest.slice(m[0].length);
  }
  return keys;
}

/** Reads `keys` from `value`, own properties only; a missing step gives `null`. */
function read(value: unknown, keys: readonly (string | number)[]): unknown {
  let current = value;
  for (const key of keys) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, key)) return null;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current === undefined ? null : current;
}

/** Sets an own property, even one named `__proto__` (parsed JSON may carry that key). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Merges `source` into `target` recursively: objects merge, anything else replaces. */
function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const key of Object.keys(source)) {
    const next = source[key];
    const existing = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isPlainObject(existing) && isPlainObject(next)) deepMerge(existing, next);
    else setOwn(target, key, isPlainObject(next) ? copy(next) : next);
  }
}

function copy(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  deepMerge(out, value);
  return out;
}

/**
 * Compiles the `merge` option.
 * @param callNames the calls, in the order they are declared
 * @throws ConfigError for a malformed path or one that names no call
 */
export function compileMerge(merge: "deep" | Record<string, string> | undefined, callNames: readonly string[], path: string): MergeAnswers {
  if (merge === undefined) {
    return (bodies) => {
      const out: Record<string, unknown> = {};
      for (const name of callNames) out[name] = bodies.get(name) ?? null;
      return out;
    };
  }
  if (merge === "deep") {
    return (bodies) => {
      const out: Record<string, unknown> = {};
      for (const name of callNames) {
        const body = bodies.get(name);
        // Only objects merge; another JSON value keeps its call's name so nothing is silently lost.
        if (isPlainObject(body)) deepMerge(out, body);
        else if (body !== null && body !== undefined) setOwn(out, name, body);
      }
      return out;
    };
  }
  const problems: ConfigProblem[] = [];
  const fields: { key: string; call: string; keys: (string | number)[] }[] = [];
  for (const [key, source] of Object.entries(merge)) {
    const at = `${path}.${key}`;
    try {
      const [call, ...keys] = parseAnswerPath(source, at);
      if (typeof call !== "string" || !callNames.includes(call)) {
        problems.push({ path: at, message: `${JSON.stringify(source)} must start with $.<call> (calls: ${callNames.join(", ")})` });
        continue;
      }
      fields.push({ key, call, keys });
    } catch (err) {
      if (!isConfigError(err)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return (bodies) => {
    const out: Record<string, unknown> = {};
    for (const field of fields) setOwn(out, field.key, read(bodies.get(field.call) ?? null, field.keys));
    return out;
  };
}
