/**
 * `system.config.yml` → the parts of the Turnpike file that replace it: `db.redis` becomes `redis:`
 * (or, for Express Gateway's in-memory emulation, Turnpike's embedded data directory), plugins are
 * reported (Express Gateway plugins do not load in Turnpike), and the settings of Express Gateway's
 * OAuth2 server and CLI are dropped. Also says where Express Gateway's own data can be read.
 */
import { interpolateEnv } from "@turnpike/core";
import { isMap, isScalar, type YAMLMap } from "yaml";
import { where, type EgFile } from "./eg-project.js";
import type { MigrationReport } from "./migration-report.js";

/** Where Express Gateway kept its consumers. */
export interface EgDataSource {
  /** ioredis options as Express Gateway passed them (environment variables substituted). */
  readonly redisOptions: Record<string, unknown>;
  /** Express Gateway's key namespace (`db.redis.namespace`, default `EG`). */
  readonly namespace: string;
}

/** What the system file turns into. */
export interface SystemConversion {
  /** The `redis.url` to write into the Turnpike file (may hold `${VAR}`s), when Express Gateway used Redis. */
  readonly redisUrl: string | undefined;
  /** Where to read Express Gateway's data; undefined when it emulated Redis in memory (nothing survives). */
  readonly data: EgDataSource | undefined;
}

const DROPPED: Record<string, string> = {
  crypto: "Turnpike hashes secrets itself (scrypt); imported bcrypt passwords keep working",
  session: "settings of Express Gateway's OAuth2 server, which Turnpike does not have",
  accessTokens: "settings of Express Gateway's OAuth2 server, which Turnpike does not have",
  refreshTokens: "settings of Express Gateway's OAuth2 server, which Turnpike does not have",
  authorizationCodes: "settings of Express Gateway's OAuth2 server, which Turnpike does not have",
  cli: "the turnpike CLI finds the admin API with --admin-url or TURNPIKE_ADMIN_URL",
  cliConfig: "the turnpike CLI finds the admin API with --admin-url or TURNPIKE_ADMIN_URL",
};

// ioredis connection options Express Gateway passed through that a `redis://` URL cannot say.
const UNSUPPORTED_REDIS: Record<string, string> = {
  sentinels: "Redis Sentinel",
  name: "Redis Sentinel",
  path: "a Unix socket",
  keyPrefix: "a key prefix",
  family: "an address family",
};

function scalarText(map: YAMLMap, key: string): string | undefined {
  const node = map.get(key, true);
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
  return String(node.value);
}

// A literal is URL-encoded; a `${VAR}` is left for Turnpike's own substitution (the operator's value).
function urlPart(text: string): string {
  return text.includes("${") ? text : encodeURIComponent(text);
}

/** Converts `system` (may be absent: Express Gateway's defaults then applied: emulated Redis). */
export function convertSystemConfig(system: EgFile | undefined, env: NodeJS.ProcessEnv, report: MigrationReport): SystemConversion {
  if (!system) {
    report.add(
      "changed",
      "system.config.yml",
      "absent: Express Gateway emulated Redis in memory; Turnpike keeps consumers in its data directory",
    );
    return { redisUrl: undefined, data: undefined };
  }
  const root = system.document.contents;
  if (!isMap(root)) return { redisUrl: undefined, data: undefined };
  let result: SystemConversion = { redisUrl: undefined, data: undefined };

  for (const pair of root.items) {
    const key = String((pair.key as { value?: unknown }).value ?? pair.key);
    const at = where(system, pair.key as never);
    if (key === "db") {
      result = convertDb(system, pair.value, env, report);
    } else if (key === "plugins") {
      const plugins = isMap(pair.value) ? pair.value.items : [];
      for (const plugin of plugins) {
        const name = String((plugin.key as { value?: unknown }).value ?? plugin.key);
        report.add(
          "refused",
          where(system, plugin.key as never),
          `plugin ${name}: Express Gateway plugins (init(pluginContext)) do not load in Turnpike; port its policies to definePlugin (docs/writing-policies.md)`,
        );
      }
    } else if (DROPPED[key] !== undefined) {
      report.add("changed", at, `${key} dropped: ${DROPPED[key]}`);
    } else {
      report.add("refused", at, `${key}: not an Express Gateway system setting Turnpike knows; left out`);
    }
  }
  return result;
}

function convertDb(system: EgFile, db: unknown, env: NodeJS.ProcessEnv, report: MigrationReport): SystemConversion {
  const redis = isMap(db) ? db.get("redis", true) : undefined;
  if (!isMap(redis)) {
    report.add("changed", where(system, db as never), "db without redis: Turnpike keeps consumers in its data directory");
    return { redisUrl: undefined, data: undefined };
  }
  const options = interpolated(redis, env);
  const namespace = typeof options.namespace === "string" && options.namespace !== "" ? options.namespace : "EG";
  const emulate = options.emulate === true || options.emulate === "true";
  if (emulate) {
    report.add(
      "changed",
      where(system, redis),
      "db.redis.emulate: Express Gateway kept its data in memory (nothing survived a restart, so there is none to import); Turnpike keeps consumers in its data directory (.turnpike/ beside the file)",
    );
    return { redisUrl: undefined, data: undefined };
  }
  for (const [option, what] of Object.entries(UNSUPPORTED_REDIS)) {
    if (redis.has(option))
      report.add(
        "refused",
        where(system, redis.get(option, true) as never),
        `db.redis.${option}: ${what} is not supported by Turnpike's redis: yet`,
      );
  }
  const tls = redis.has("tls");
  const host = scalarText(redis, "host") ?? "127.0.0.1";
  const port = scalarText(redis, "port") ?? "6379";
  const password = scalarText(redis, "password");
  const username = scalarText(redis, "username");
  const dbIndex = scalarText(redis, "db");
  const auth = password !== undefined ? `${username !== undefined ? urlPart(username) : ""}:${urlPart(password)}@` : "";
  const url = `${tls ? "rediss" : "redis"}://${auth}${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}${dbIndex !== undefined ? `/${dbIndex}` : ""}`;
  report.add(
    "changed",
    where(system, redis),
    `db.redis → redis: { url: ${password !== undefined ? url.replace(/:[^:@/]*@/, ":***@") : url} } (Turnpike keeps its own keys under the turnpike: prefix, beside Express Gateway's ${namespace}-*)`,
  );
  if (tls && isMap(redis.get("tls", true)))
    report.add("refused", where(system, redis.get("tls", true) as never), "db.redis.tls files: give the CA through NODE_EXTRA_CA_CERTS");
  const { emulate: _e, namespace: _n, ...redisOptions } = options;
  return { redisUrl: url, data: { redisOptions, namespace } };
}

/** The node as plain data with `${VAR}` substituted, as Express Gateway read it. */
function interpolated(node: YAMLMap, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const substitute = (value: unknown): unknown => {
    if (typeof value === "string") {
      const text = interpolateEnv(value, env).text;
      return /^\d+$/.test(text) ? Number(text) : text === "true" ? true : text === "false" ? false : text;
    }
    if (Array.isArray(value)) return value.map(substitute);
    if (value !== null && typeof value === "object")
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, substitute(v)]));
    return value;
  };
  return substitute(node.toJSON()) as Record<string, unknown>;
}
