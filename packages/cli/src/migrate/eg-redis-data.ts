/**
 * Reading Express Gateway's consumers from its Redis database, as its services wrote them
 * (lib/services/consumers/*.dao.js, lib/services/credentials/credential.dao.js):
 * - `<ns>-user:<id>` and `<ns>-application:<id>`: hashes of the user or app, `isActive` as a string;
 * - `<ns>-key-auth:<keyId>`, `<ns>-jwt:<keyId>`: hashes with `keyId`, `keySecret` (kept in clear by
 *   Express Gateway), `consumerId`, `scopes` (JSON); `<ns>-key-auth:<consumerId>` is a set indexing them;
 * - `<ns>-basic-auth:<consumerId>`, `<ns>-oauth2:<consumerId>`: hashes whose password (field named by
 *   `passwordKey`) is a bcrypt hash;
 * - `<ns>-scope`: a hash whose fields are the scopes.
 * Everything else (name indexes, scope-credential indexes) is derived, and OAuth2 tokens and codes
 * are reported, not migrated.
 */
import { importedBcryptHash, type ConsumerImport, type CredentialType, type ImportedCredential } from "@turnpike/policy-auth";
import { Redis } from "ioredis";
import type { EgDataSource } from "./convert-system-config.js";
import type { MigrationReport } from "./migration-report.js";

const USER_FIELDS = new Set(["id", "username", "firstname", "lastname", "email", "redirectUri", "isActive", "createdAt", "updatedAt"]);
const APP_FIELDS = new Set(["id", "name", "userId", "redirectUri", "isActive", "createdAt", "updatedAt"]);
const KEYED_TYPES = new Set(["key-auth", "jwt"]);
// Families that only index the others: rebuilt by Turnpike's store.
const INDEXES = new Set(["username", "application-name", "user-applications", "scope-credentials"]);
const SCAN_COUNT = 500;

function parseScopes(text: string | undefined): string[] {
  if (text === undefined || text === "" || text === "null") return [];
  try {
    const parsed = JSON.parse(text) as unknown;
    if (Array.isArray(parsed)) return parsed.filter((s): s is string => typeof s === "string");
    return typeof parsed === "string" ? [parsed] : [];
  } catch {
    return [text];
  }
}

function optional(record: Record<string, string>, field: string): Record<string, string> {
  const value = record[field];
  return value === undefined || value === "" ? {} : { [field]: value };
}

/**
 * Reads every user, app, credential and scope Express Gateway stored under `source.namespace`.
 * @throws Error when Redis cannot be reached
 */
export async function readEgRedisData(source: EgDataSource, report: MigrationReport, redisUrl?: string): Promise<ConsumerImport> {
  const base = { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000, retryStrategy: () => null };
  const redis = redisUrl !== undefined ? new Redis(redisUrl, base) : new Redis({ ...source.redisOptions, ...base } as never);
  redis.on("error", () => undefined); // reported by the failing command below
  const at = `redis ${redisUrl ?? `${String(source.redisOptions.host ?? "127.0.0.1")}:${String(source.redisOptions.port ?? 6379)}`}`;
  try {
    await redis.connect();
    const ns = `${source.namespace}-`;
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await redis.scan(cursor, "MATCH", `${ns}*`, "COUNT", SCAN_COUNT);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== "0");
    keys.sort();

    const data: Required<{ [K in keyof ConsumerImport]-?: NonNullable<ConsumerImport[K]>[number][] }> = {
      scopes: [],
      users: [],
      apps: [],
      credentials: [],
    };
    const others = new Map<string, number>();
    const extraUserFields = new Map<string, number>();
    const extraAppFields = new Map<string, number>();

    for (const key of keys) {
      const rest = key.slice(ns.length);
      const colon = rest.indexOf(":");
      const family = colon === -1 ? rest : rest.slice(0, colon);
      const id = colon === -1 ? "" : rest.slice(colon + 1);
      if (INDEXES.has(family)) continue;
      if (family === "scope" && colon === -1) {
        data.scopes.push(...(await redis.hkeys(key)));
        continue;
      }
      const type = await redis.type(key);
      if (type !== "hash") {
        // `<ns>-key-auth:<consumerId>` sets index a consumer's keys.
        if (!(KEYED_TYPES.has(family) && type === "set")) others.set(family, (others.get(family) ?? 0) + 1);
        continue;
      }
      const record = await redis.hgetall(key);
      if (family === "user") {
        for (const field of Object.keys(record))
          if (!USER_FIELDS.has(field)) extraUserFields.set(field, (extraUserFields.get(field) ?? 0) + 1);
        data.users.push({
          id,
          username: record.username ?? id,
          ...optional(record, "firstname"),
          ...optional(record, "lastname"),
          ...optional(record, "email"),
          ...optional(record, "redirectUri"),
          isActive: record.isActive !== "false",
          ...optional(record, "createdAt"),
          ...optional(record, "updatedAt"),
        });
      } else if (family === "application") {
        for (const field of Object.keys(record))
          if (!APP_FIELDS.has(field)) extraAppFields.set(field, (extraAppFields.get(field) ?? 0) + 1);
        data.apps.push({
          id,
          name: record.name ?? id,
          userId: record.userId ?? "",
          ...optional(record, "redirectUri"),
          isActive: record.isActive !== "false",
          ...optional(record, "createdAt"),
          ...optional(record, "updatedAt"),
        });
      } else if (KEYED_TYPES.has(family) || family === "basic-auth") {
        const credential = readCredential(family as CredentialType, id, record, report, at);
        if (credential) data.credentials.push(credential);
      } else if (family === "oauth2") {
        report.add("refused", at, `oauth2 credential of consumer ${id}: Turnpike has no OAuth2 authorization server`);
      } else {
        others.set(family, (others.get(family) ?? 0) + 1);
      }
    }
    for (const [field, n] of extraUserFields)
      report.add(
        "refused",
        at,
        `user property ${field} (${n} user${n > 1 ? "s" : ""}) not kept: Turnpike users have firstname, lastname, email and redirectUri`,
      );
    for (const [field, n] of extraAppFields)
      report.add("refused", at, `app property ${field} (${n} app${n > 1 ? "s" : ""}) not kept: Turnpike apps have a name and redirectUri`);
    for (const [family, n] of others)
      report.add(
        "refused",
        at,
        `${n} ${ns}${family}:* entr${n > 1 ? "ies" : "y"} not migrated (OAuth2 tokens and codes, or data Turnpike does not know)`,
      );
    return data;
  } catch (err) {
    throw new Error(`cannot read Express Gateway's data from ${at}: ${(err as Error).message}`, { cause: err });
  } finally {
    redis.disconnect();
  }
}

function readCredential(
  type: CredentialType,
  id: string,
  record: Record<string, string>,
  report: MigrationReport,
  at: string,
): ImportedCredential | undefined {
  const base = {
    type,
    scopes: parseScopes(record.scopes),
    isActive: record.isActive !== "false",
    ...optional(record, "createdAt"),
    ...optional(record, "updatedAt"),
  };
  if (type === "basic-auth") {
    const stored = record[record.passwordKey ?? "password"];
    const hash = stored === undefined ? undefined : importedBcryptHash(stored);
    if (hash === undefined) {
      report.add("refused", at, `basic-auth credential of consumer ${id}: its password is not a bcrypt hash Turnpike can verify`);
      return undefined;
    }
    return { ...base, consumerId: id, secret: { hash } };
  }
  if (record.keySecret === undefined || record.consumerId === undefined) {
    report.add("refused", at, `${type} credential ${id}: no keySecret or consumerId`);
    return undefined;
  }
  return { ...base, keyId: record.keyId ?? id, consumerId: record.consumerId, secret: { clear: record.keySecret } };
}
