/**
 * Consumers declared in the configuration file (`consumers:`), as read-only records the store merges
 * with stored ones, plus the scopes the configuration uses. Built once per configuration object and
 * shared by every policy and the admin API that look at that configuration.
 */
import { createHash } from "node:crypto";
import type { ConfigProblem, GatewayConfig } from "@turnpike/core";
import type { AuthRecord, CredentialRecord, CredentialType, UserRecord } from "./consumer-store.js";
import { CREDENTIAL_TYPES } from "./consumer-store.js";
import { declaredSecretHash } from "./secret-hash.js";

/** The parts of a configuration the declared set is made from. */
export type DeclaredSource = Pick<GatewayConfig, "consumers" | "apiEndpoints">;

/** The declared consumers of one configuration, indexed for the store and the data plane. */
export interface DeclaredConsumers {
  /** Users in configuration order. */
  readonly users: readonly UserRecord[];
  readonly userByUsername: ReadonlyMap<string, UserRecord>;
  readonly userById: ReadonlyMap<string, UserRecord>;
  /** Credentials in configuration order. */
  readonly credentials: readonly CredentialRecord[];
  /** Credentials by type, then id. */
  readonly credentialById: Readonly<Record<CredentialType, ReadonlyMap<string, CredentialRecord>>>;
  /** What authentication needs, by type, then login (key id; username or consumer id for basic-auth). */
  readonly auth: Readonly<Record<CredentialType, ReadonlyMap<string, AuthRecord>>>;
  /** Scopes used by apiEndpoints and declared credentials. */
  readonly scopes: ReadonlySet<string>;
  /** What is wrong with the declarations (those entries are left out). */
  readonly problems: readonly ConfigProblem[];
}

const cache = new WeakMap<object, DeclaredConsumers>();
// The clear secret of each declared credential, kept out of the exported records (only the data plane
// reads it, through declaredSecret()).
const secrets = new WeakMap<AuthRecord, string>();

/** The clear secret a declared credential has in the configuration (internal to the auth policies). */
export function declaredSecret(record: AuthRecord): string | undefined {
  return secrets.get(record);
}

/**
 * A stable id for a declared consumer, derived from its username (a name-based UUID): the same on
 * every instance and across restarts, so `x-consumer-id` does not change when the file is reloaded.
 */
export function declaredConsumerId(username: string): string {
  const h = createHash("sha1").update("turnpike:declared-consumer:").update(username).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const PROFILE_FIELDS = ["firstname", "lastname", "email", "redirectUri"] as const;

/** The declared consumers of `config` (built on first use, then cached for that configuration object). */
export function declaredConsumers(config: DeclaredSource): DeclaredConsumers {
  const key = config as object;
  let built = cache.get(key);
  if (!built) {
    built = build(config);
    cache.set(key, built);
  }
  return built;
}

function emptyByType<T>(): Record<CredentialType, Map<string, T>> {
  return { "key-auth": new Map(), "basic-auth": new Map(), jwt: new Map() };
}

function build(config: DeclaredSource): DeclaredConsumers {
  const problems: ConfigProblem[] = [];
  const users: UserRecord[] = [];
  const userByUsername = new Map<string, UserRecord>();
  const userById = new Map<string, UserRecord>();
  const credentials: CredentialRecord[] = [];
  const credentialById = emptyByType<CredentialRecord>();
  const auth = emptyByType<AuthRecord>();
  const scopes = new Set<string>();
  const now = new Date().toISOString();

  for (const rules of Object.values(config.apiEndpoints ?? {})) for (const rule of rules) for (const s of rule.scopes ?? []) scopes.add(s);

  for (const declared of config.consumers ?? []) {
    if (userByUsername.has(declared.username)) {
      problems.push({ path: `${declared.path}.username`, message: `username ${JSON.stringify(declared.username)} is declared twice` });
      continue;
    }
    const profile: Record<string, string> = {};
    for (const field of PROFILE_FIELDS) {
      const value = declared.fields[field];
      if (typeof value === "string") profile[field] = value;
    }
    const user: UserRecord = Object.freeze({
      type: "user",
      id: declaredConsumerId(declared.username),
      username: declared.username,
      ...profile,
      isActive: true,
      createdAt: now,
      updatedAt: now,
      declared: true,
    });
    users.push(user);
    userByUsername.set(user.username, user);
    userById.set(user.id, user);

    for (const cred of declared.credentials) {
      const type = cred.type as CredentialType;
      if (!CREDENTIAL_TYPES.includes(type)) {
        problems.push({ path: `${cred.path}.type`, message: `must be one of ${CREDENTIAL_TYPES.join(", ")}` });
        continue;
      }
      let id: string;
      let secret: string | undefined;
      if (type === "basic-auth") {
        if (cred.password === undefined) {
          problems.push({ path: cred.path, message: "a basic-auth credential needs a password" });
          continue;
        }
        if (cred.keyId !== undefined || cred.keySecret !== undefined) {
          problems.push({
            path: cred.path,
            message: "a basic-auth credential takes a password, not keyId/keySecret (the username is the consumer's)",
          });
          continue;
        }
        id = user.id;
        secret = cred.password;
      } else {
        if (cred.keyId === undefined || (type === "key-auth" && cred.keySecret === undefined)) {
          problems.push({
            path: cred.path,
            message:
              type === "key-auth" ? "a key-auth credential needs keyId and keySecret" : "a jwt credential needs a keyId (the tokens' sub)",
          });
          continue;
        }
        if (cred.password !== undefined) {
          problems.push({ path: `${cred.path}.password`, message: `a ${type} credential takes keyId/keySecret, not a password` });
          continue;
        }
        if (cred.keyId.includes(":")) {
          problems.push({ path: `${cred.path}.keyId`, message: "must not contain ':' (it separates the key id from the secret)" });
          continue;
        }
        id = cred.keyId;
        secret = cred.keySecret;
      }
      if (credentialById[type].has(id)) {
        problems.push({
          path: cred.path,
          message:
            type === "basic-auth"
              ? `consumer ${JSON.stringify(user.username)} has two basic-auth credentials`
              : `${type} keyId ${JSON.stringify(id)} is declared twice`,
        });
        continue;
      }
      const record: CredentialRecord = Object.freeze({
        type,
        id,
        consumerId: user.id,
        ...(type === "basic-auth" ? {} : { keyId: id }),
        scopes: Object.freeze([...new Set(cred.scopes)]),
        isActive: true,
        createdAt: now,
        updatedAt: now,
        declared: true,
      });
      for (const s of record.scopes) scopes.add(s);
      credentials.push(record);
      credentialById[type].set(id, record);
      const authRecord: AuthRecord = Object.freeze({
        credential: record,
        consumer: user,
        secretHash: secret === undefined ? undefined : declaredSecretHash(secret),
      });
      if (secret !== undefined) secrets.set(authRecord, secret);
      if (type === "basic-auth") {
        auth[type].set(user.username, authRecord);
        // Express Gateway also accepted the consumer id as the basic-auth login.
        if (!auth[type].has(user.id)) auth[type].set(user.id, authRecord);
      } else {
        auth[type].set(id, authRecord);
      }
    }
  }
  return Object.freeze({ users, userByUsername, userById, credentials, credentialById, auth, scopes, problems });
}
