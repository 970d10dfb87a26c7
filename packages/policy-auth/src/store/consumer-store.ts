/**
 * The consumer & credential store: the one API through which the auth policies (data plane) and the
 * admin API (control plane) read and write users, apps, credentials and scopes.
 *
 * The shapes follow Express Gateway's models (lib/config/models/*.json) and admin routes
 * (lib/rest/routes/*.js): users and apps are *consumers*; a consumer holds credentials of type
 * `key-auth`, `basic-auth` or `jwt`, each with scopes and an active/inactive status; scopes live in a
 * registry. Consumers declared in the configuration (`consumers:`) are merged in, flagged `declared`,
 * and read-only through this API.
 *
 * Get the gateway's instance with `consumerStore(stores, config)` (see `shared-consumer-store.ts`): the
 * admin API and every policy of one process share it. Implementations: SQLite (the embedded, durable
 * default), Redis (when `redis:` is configured) and memory (tests only).
 *
 * Every method is asynchronous, validates nothing beyond what the store itself must guarantee (unique
 * usernames, app names and key ids; existing scopes; read-only declared entries), and rejects with a
 * {@link ConsumerStoreError} whose `code` tells the caller which HTTP status fits.
 */

/** The credential types Turnpike knows (Express Gateway's, minus `oauth2`). */
export type CredentialType = "key-auth" | "basic-auth" | "jwt";

/** Every {@link CredentialType}, in a stable order. */
export const CREDENTIAL_TYPES: readonly CredentialType[] = Object.freeze(["key-auth", "basic-auth", "jwt"]);

/** Fields shared by users and apps. */
interface ConsumerRecordBase {
  /** Stable id (a UUID); forwarded upstream as `x-consumer-id`. */
  readonly id: string;
  /** False once deactivated: its credentials no longer authenticate. */
  readonly isActive: boolean;
  /** ISO 8601 creation time. */
  readonly createdAt: string;
  /** ISO 8601 time of the last change. */
  readonly updatedAt: string;
  /** True for a consumer declared in the configuration file: read-only through the store's API. */
  readonly declared: boolean;
}

/** A user (Express Gateway's `users` model). */
export interface UserRecord extends ConsumerRecordBase {
  readonly type: "user";
  /** Unique among users; the login name for `basic-auth`. */
  readonly username: string;
  readonly firstname?: string;
  readonly lastname?: string;
  readonly email?: string;
  readonly redirectUri?: string;
}

/** An app, owned by a user (Express Gateway's `applications` model). */
export interface AppRecord extends ConsumerRecordBase {
  readonly type: "app";
  /** Unique among apps. */
  readonly name: string;
  /** The owning user's id. */
  readonly userId: string;
  readonly redirectUri?: string;
}

/** A user or an app: anything credentials belong to. */
export type ConsumerRecord = UserRecord | AppRecord;

/** Profile fields of a user that callers may set (everything else is server-owned). */
export interface UserFields {
  firstname?: string;
  lastname?: string;
  email?: string;
  redirectUri?: string;
}

/** What {@link ConsumerStore.createUser} takes. */
export interface UserInput extends UserFields {
  username: string;
}

/** What {@link ConsumerStore.updateUser} takes: the fields to change (`null` removes one). The username is immutable. */
export type UserChanges = { [K in keyof UserFields]?: UserFields[K] | null };

/** What {@link ConsumerStore.createApp} takes. */
export interface AppInput {
  name: string;
  redirectUri?: string;
}

/** What {@link ConsumerStore.updateApp} takes (`null` removes `redirectUri`). */
export interface AppChanges {
  name?: string;
  redirectUri?: string | null;
}

/**
 * A credential as the API shows it: never a secret (see {@link IssuedCredential} for the one time it is).
 *
 * Ids follow Express Gateway: a `key-auth` or `jwt` credential's id is its `keyId`; a `basic-auth`
 * credential's id is its consumer's id (a consumer has at most one).
 */
export interface CredentialRecord {
  readonly type: CredentialType;
  readonly id: string;
  readonly consumerId: string;
  /** `key-auth` and `jwt` only (equals `id`). */
  readonly keyId?: string;
  readonly scopes: readonly string[];
  /** False once revoked (`setCredentialStatus(type, id, false)`). */
  readonly isActive: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** True for a credential declared in the configuration file: read-only. */
  readonly declared: boolean;
}

/** The answer to {@link ConsumerStore.createCredential}: the record plus its secret, shown this once. */
export interface IssuedCredential extends CredentialRecord {
  /** `key-auth`, `jwt`: the key secret (generated unless given). */
  readonly keySecret?: string;
  /** `basic-auth`: the password (generated unless given). */
  readonly password?: string;
}

/** What {@link ConsumerStore.createCredential} takes; unset secrets and key ids are generated. */
export interface CredentialInput {
  /** `key-auth`, `jwt`: the key id (default: a random one). Unique per type. */
  keyId?: string;
  /** `key-auth`, `jwt`: the secret (default: 32 random bytes, base64url). */
  keySecret?: string;
  /** `basic-auth`: the password (default: 24 random bytes, base64url). */
  password?: string;
  /** Scopes the credential holds; each must exist in the registry. */
  scopes?: readonly string[];
}

/** How {@link ConsumerStore.updateCredentialScopes} changes a credential's scopes (applied in this order). */
export interface ScopeChange {
  /** Replace the whole list. */
  set?: readonly string[];
  /** Add these (each must exist in the registry). */
  add?: readonly string[];
  /** Remove these (absent ones are ignored). */
  remove?: readonly string[];
}

/** A scope of the registry. */
export interface ScopeRecord {
  readonly name: string;
  /**
   * True when the configuration uses it (an apiEndpoint's `scopes` or a declared credential's): it
   * exists as long as the configuration says so and cannot be removed through the API.
   */
  readonly declared: boolean;
}

/** A user to import as it was in another gateway (`turnpike migrate`): its id and dates are kept. */
export interface ImportedUser extends UserInput {
  id: string;
  isActive: boolean;
  /** ISO 8601; default: now. */
  createdAt?: string;
  updatedAt?: string;
}

/** An app to import, owned by an imported (or existing) user. */
export interface ImportedApp extends AppInput {
  id: string;
  userId: string;
  isActive: boolean;
  createdAt?: string;
  updatedAt?: string;
}

/**
 * A credential to import. Its secret is either in clear (it gets the slow hash, like a chosen secret) or
 * already hashed in a format the store verifies (see `secret-hash.ts`, e.g. an Express Gateway bcrypt
 * hash made with `importedBcryptHash`): a hash is kept as it is, so the secret keeps working.
 */
export interface ImportedCredential {
  type: CredentialType;
  /** `key-auth`, `jwt`: the key id (a basic-auth credential's id is its consumer's). */
  keyId?: string;
  consumerId: string;
  scopes: readonly string[];
  isActive: boolean;
  secret: { readonly clear: string } | { readonly hash: string };
  createdAt?: string;
  updatedAt?: string;
}

/** What {@link ConsumerStore.importConsumers} takes. Scopes are created first, then users, apps, credentials. */
export interface ConsumerImport {
  scopes?: readonly string[];
  users?: readonly ImportedUser[];
  apps?: readonly ImportedApp[];
  credentials?: readonly ImportedCredential[];
}

/** One entry {@link ConsumerStore.importConsumers} did not write, and why. */
export interface ImportSkip {
  /** What it is, e.g. `user alice`, `key-auth credential 4kbY...`. */
  readonly what: string;
  /** `present`: the same entry is already stored (an import run twice); `conflict`/`invalid`: refused. */
  readonly kind: "present" | "conflict" | "invalid";
  readonly reason: string;
}

/** What {@link ConsumerStore.importConsumers} did. */
export interface ImportResult {
  /** What was written, e.g. `user alice`, `scope read`. */
  readonly imported: readonly string[];
  readonly skipped: readonly ImportSkip[];
}

/** A page request. */
export interface PageRequest {
  /** Opaque cursor from a previous page's `nextKey`; absent: the first page. */
  start?: string;
  /** Page size, capped at {@link MAX_PAGE_SIZE} (default {@link DEFAULT_PAGE_SIZE}). */
  count?: number;
}

/** One page of a list. Declared entries come first, then stored ones in creation order. */
export interface Page<T> {
  readonly items: readonly T[];
  /** Cursor of the next page; `undefined` on the last page. */
  readonly nextKey: string | undefined;
  /** How many entries the whole list holds. */
  readonly total: number;
}

/** Default page size of list methods. */
export const DEFAULT_PAGE_SIZE = 100;
/** Largest page a list method returns, whatever `count` asks. */
export const MAX_PAGE_SIZE = 1000;

/**
 * What changed in a store, as told to {@link ConsumerStore.subscribe} listeners. The data-plane cache
 * drops what it holds on any change; `external` means another process (or instance) wrote, details
 * unknown.
 */
export type StoreChange =
  | { readonly kind: "consumer"; readonly id: string }
  | { readonly kind: "credential"; readonly type: CredentialType; readonly id: string; readonly consumerId: string }
  | { readonly kind: "scopes" }
  | { readonly kind: "declared" }
  | { readonly kind: "external" };

/**
 * What the data plane needs to authenticate a credential: the credential, its consumer and the secret
 * as stored (a hash, never the secret).
 */
export interface AuthRecord {
  readonly credential: CredentialRecord;
  readonly consumer: ConsumerRecord;
  /**
   * The secret's verifier as stored: `scrypt$...` or `sha256$...` for stored credentials (see
   * `secret-hash.ts`), or `declared$...` for declared ones (a digest keyed with a per-process key).
   */
  readonly secretHash: string | undefined;
}

/** Codes of {@link ConsumerStoreError}, with the HTTP status the admin API answers. */
export const STORE_ERROR_STATUS = {
  /** The user, app, credential or scope does not exist. */
  NOT_FOUND: 404,
  /** A username, app name, key id or scope is taken, or an active basic-auth credential exists. */
  CONFLICT: 409,
  /** The entry is declared in the configuration file. */
  READ_ONLY: 409,
  /** The input is not acceptable (unknown scope, bad type, empty name, ...). */
  INVALID: 400,
  /** The backing store cannot be reached or keeps conflicting. */
  UNAVAILABLE: 503,
} as const;

/** A code of {@link STORE_ERROR_STATUS}. */
export type StoreErrorCode = keyof typeof STORE_ERROR_STATUS;

/**
 * The error every store method rejects with for an expected failure. Its message is safe to show an
 * operator: it names ids and usernames, never secrets.
 */
export class ConsumerStoreError extends Error {
  /** What went wrong; {@link STORE_ERROR_STATUS} maps it to an HTTP status. */
  readonly code: StoreErrorCode;
  /** The HTTP status that fits. */
  readonly status: number;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ConsumerStoreError";
    this.code = code;
    this.status = STORE_ERROR_STATUS[code];
  }
}

/**
 * The consumer & credential store.
 *
 * Lookups by "id or name" follow Express Gateway: a user by username, then by id; an app by id, then by
 * name; a consumer (`getConsumer`) as a user first, then as an app.
 *
 * Writes take effect on the data plane of this process before the returned promise resolves, and on
 * every other instance sharing the same SQLite file or Redis within 1 s.
 */
export interface ConsumerStore {
  /** Which implementation this is. */
  readonly kind: "sqlite" | "redis" | "memory";

  // ---- users -------------------------------------------------------------------------------------

  /** Creates a user (active). @throws CONFLICT when the username is taken (by a stored or declared user). */
  createUser(input: UserInput): Promise<UserRecord>;
  /** A user by username, then by id. */
  getUser(idOrUsername: string): Promise<UserRecord | undefined>;
  /** Users, declared first, then stored in creation order. */
  listUsers(page?: PageRequest): Promise<Page<UserRecord>>;
  /** Changes profile fields. @throws NOT_FOUND, READ_ONLY */
  updateUser(idOrUsername: string, changes: UserChanges): Promise<UserRecord>;
  /** Activates or deactivates a user; deactivating also deactivates its apps (Express Gateway). @throws NOT_FOUND, READ_ONLY */
  setUserStatus(idOrUsername: string, isActive: boolean): Promise<UserRecord>;
  /** Removes a user with its apps and every credential of both. @throws NOT_FOUND, READ_ONLY */
  removeUser(idOrUsername: string): Promise<void>;

  // ---- apps --------------------------------------------------------------------------------------

  /** Creates an app owned by a user. @throws NOT_FOUND (no such user), CONFLICT (name taken), READ_ONLY (declared user) */
  createApp(userIdOrUsername: string, input: AppInput): Promise<AppRecord>;
  /** An app by id, then by name. */
  getApp(idOrName: string): Promise<AppRecord | undefined>;
  /** Apps in creation order; only `userId`'s when given (an id or username). */
  listApps(page?: PageRequest & { userId?: string }): Promise<Page<AppRecord>>;
  /** Changes an app's name or redirectUri. @throws NOT_FOUND, CONFLICT */
  updateApp(idOrName: string, changes: AppChanges): Promise<AppRecord>;
  /** Activates or deactivates an app. @throws NOT_FOUND */
  setAppStatus(idOrName: string, isActive: boolean): Promise<AppRecord>;
  /** Removes an app and its credentials. @throws NOT_FOUND */
  removeApp(idOrName: string): Promise<void>;

  // ---- consumers (users or apps) -----------------------------------------------------------------

  /** A user (by username, then id), else an app (by id, then name): Express Gateway's `findConsumer`. */
  getConsumer(idOrName: string): Promise<ConsumerRecord | undefined>;

  // ---- credentials -------------------------------------------------------------------------------

  /**
   * Issues a credential to a consumer (id, username or app name). The answer carries the secret: the
   * only time it can be seen, since only a hash is kept.
   * `basic-auth`: one per consumer; an inactive one is replaced (Express Gateway).
   * @throws NOT_FOUND (consumer), CONFLICT (key id taken, or an active basic-auth credential exists),
   *   INVALID (unknown scope, empty secret), READ_ONLY (declared consumer)
   */
  createCredential(consumerIdOrName: string, type: CredentialType, input?: CredentialInput): Promise<IssuedCredential>;
  /** A credential by type and id (key id; consumer id for basic-auth). */
  getCredential(type: CredentialType, id: string): Promise<CredentialRecord | undefined>;
  /** Every credential of a consumer (id, username or app name). @throws NOT_FOUND */
  listCredentials(consumerIdOrName: string): Promise<readonly CredentialRecord[]>;
  /** Every credential, declared first, then stored in creation order. */
  listAllCredentials(page?: PageRequest): Promise<Page<CredentialRecord>>;
  /** Activates or revokes (`false`) a credential. @throws NOT_FOUND, READ_ONLY */
  setCredentialStatus(type: CredentialType, id: string, isActive: boolean): Promise<CredentialRecord>;
  /** Changes a credential's scopes. @throws NOT_FOUND, READ_ONLY, INVALID (unknown scope) */
  updateCredentialScopes(type: CredentialType, id: string, change: ScopeChange): Promise<CredentialRecord>;
  /** Removes a credential. @throws NOT_FOUND, READ_ONLY */
  removeCredential(type: CredentialType, id: string): Promise<void>;

  // ---- scopes ------------------------------------------------------------------------------------

  /** Every scope, declared and stored, sorted by name. */
  listScopes(): Promise<readonly ScopeRecord[]>;
  /** Whether a scope exists (declared or stored). */
  hasScope(name: string): Promise<boolean>;
  /** Adds scopes. @throws CONFLICT when one exists already (Express Gateway), INVALID for an empty name */
  createScopes(names: readonly string[]): Promise<void>;
  /** Removes a scope and takes it off every stored credential. @throws NOT_FOUND, READ_ONLY (declared) */
  removeScope(name: string): Promise<void>;

  // ---- import ------------------------------------------------------------------------------------

  /**
   * Writes consumers, apps, credentials and scopes taken from another gateway, keeping their ids, status
   * and dates, and hashed secrets as they are. Each entry is written on its own: one that conflicts with
   * what is stored (a taken username, key id or app name) or is invalid is skipped and reported; an
   * entry already stored with the same id is reported `present`, so an import can be run again.
   */
  importConsumers(data: ConsumerImport): Promise<ImportResult>;

  // ---- data plane --------------------------------------------------------------------------------

  /**
   * Finds what authenticating `login` with a credential of `type` needs: for `key-auth` and `jwt` the
   * login is the key id; for `basic-auth` it is the username (or a consumer id, as Express Gateway
   * accepted). Inactive credentials and consumers are returned as they are: the caller decides.
   * The auth policies call this on a cache miss only; see `credential-cache.ts`.
   */
  findAuthRecord(type: CredentialType, login: string): Promise<AuthRecord | undefined>;

  /**
   * Calls `listener` after every change: synchronously after a write through this instance, and within
   * 1 s of a write by another instance sharing the same data (polling starts with the first listener).
   * @returns a function that removes the listener
   */
  subscribe(listener: (change: StoreChange) => void): () => void;

  /** Releases connections, files and timers (the gateway calls it when it closes). */
  close(): Promise<void>;
}
