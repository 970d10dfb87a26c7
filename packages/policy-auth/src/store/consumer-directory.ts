/**
 * The one implementation of {@link ConsumerStore}'s rules (uniqueness, cascades, scopes, declared
 * entries, paging, change notification), over any {@link KvBackend}. The SQLite, Redis and memory
 * stores are this class on their backend.
 *
 * Stored layout (logical keys; the backend prefixes them):
 * - `c:<id>` a consumer (user or app) as JSON; `u:<username>` and `a:<app name>` map names to ids
 * - `users`, `apps`, `creds`: sorted sets in creation order (the score is the commit's version)
 * - `apps-of:<userId>`: the user's apps; `creds-of:<consumerId>`: `<type>:<id>` of its credentials
 * - `k:<type>:<id>` a credential as JSON, with its `secretHash`
 * - `scopes`: the scope registry
 *
 * Writes are optimistic: read, compute a batch, commit it against the version read; a concurrent
 * write (here or in another process) makes the commit fail and the whole write is retried.
 */
import { randomUUID } from "node:crypto";
import {
  CREDENTIAL_TYPES,
  ConsumerStoreError,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  type AppChanges,
  type AppInput,
  type AppRecord,
  type AuthRecord,
  type ConsumerImport,
  type ConsumerRecord,
  type ConsumerStore,
  type CredentialInput,
  type CredentialRecord,
  type CredentialType,
  type ImportedApp,
  type ImportedCredential,
  type ImportedUser,
  type ImportResult,
  type ImportSkip,
  type IssuedCredential,
  type Page,
  type PageRequest,
  type ScopeChange,
  type ScopeRecord,
  type StoreChange,
  type UserChanges,
  type UserFields,
  type UserInput,
  type UserRecord,
} from "./consumer-store.js";
import { declaredConsumers, type DeclaredConsumers, type DeclaredSource } from "./declared-consumers.js";
import type { KvBackend, KvOp } from "./kv-backend.js";
import { generateKeyId, generateSecret, hashGeneratedSecret, hashPassword, isKnownHash } from "./secret-hash.js";

/** A credential as stored: the record plus its secret's hash. */
interface StoredCredential extends Omit<CredentialRecord, "declared"> {
  secretHash?: string;
}

type StoredConsumer = Omit<UserRecord, "declared"> | Omit<AppRecord, "declared">;

/** What one write attempt produces. */
interface WritePlan<T> {
  ops: KvOp[];
  result: T;
  changes: StoreChange[];
}

const MAX_WRITE_ATTEMPTS = 25;
const MAX_NAME_LENGTH = 256;
const EMPTY: DeclaredConsumers = declaredConsumers({ consumers: [], apiEndpoints: {} });
const USER_FIELDS = ["firstname", "lastname", "email", "redirectUri"] as const;

function checkName(what: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new ConsumerStoreError("INVALID", `${what} must be a non-empty string of at most ${MAX_NAME_LENGTH} printable characters`);
  }
  return value;
}

function checkType(type: unknown): CredentialType {
  if (!CREDENTIAL_TYPES.includes(type as CredentialType)) {
    throw new ConsumerStoreError("INVALID", `credential type must be one of ${CREDENTIAL_TYPES.join(", ")}`);
  }
  return type as CredentialType;
}

function checkScopeList(scopes: unknown, what = "scopes"): string[] {
  if (!Array.isArray(scopes)) throw new ConsumerStoreError("INVALID", `${what} must be a list of scope names`);
  return [...new Set(scopes.map((s) => checkName("a scope", s)))];
}

function parseCursor(start: string | undefined): number {
  if (start === undefined || start === "" || start === "0") return 0;
  if (!/^\d{1,9}$/.test(start)) throw new ConsumerStoreError("INVALID", "start must be a cursor returned as nextKey");
  return Number(start);
}

function pageSize(count: number | undefined): number {
  if (count === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(count) || count < 1) throw new ConsumerStoreError("INVALID", "count must be a positive integer");
  return Math.min(count, MAX_PAGE_SIZE);
}

function parse<T>(json: string | undefined): T | undefined {
  return json === undefined ? undefined : (JSON.parse(json) as T);
}

function publicCredential(stored: StoredCredential): CredentialRecord {
  const { secretHash: _secret, ...rest } = stored;
  return { ...rest, declared: false };
}

function byCreation(a: { createdAt: string }, b: { createdAt: string }): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0;
}

const credKey = (type: CredentialType, id: string): string => `k:${type}:${id}`;
const credMember = (type: CredentialType, id: string): string => `${type}:${id}`;

function splitMember(member: string): [CredentialType, string] {
  const i = member.indexOf(":");
  return [member.slice(0, i) as CredentialType, member.slice(i + 1)];
}

/** A {@link ConsumerStore} over a {@link KvBackend}, merging the declared consumers of a configuration. */
export class ConsumerDirectory implements ConsumerStore {
  readonly kind: ConsumerStore["kind"];
  private declared: DeclaredConsumers = EMPTY;
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private stopWatching: (() => void) | undefined;
  private closed = false;

  constructor(private readonly backend: KvBackend) {
    this.kind = backend.kind;
  }

  /**
   * Makes `config`'s declared consumers (and scopes) the ones this store merges in. A no-op when they
   * already are; otherwise listeners get a `declared` change.
   */
  useDeclared(config: DeclaredSource): void {
    const next = declaredConsumers(config);
    if (next === this.declared) return;
    this.declared = next;
    this.emit({ kind: "declared" });
  }

  /** The declared consumers currently merged in. */
  get declaredConsumers(): DeclaredConsumers {
    return this.declared;
  }

  // ---- plumbing ----------------------------------------------------------------------------------

  private emit(change: StoreChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch {
        // A listener's failure must not fail the write that already committed.
      }
    }
  }

  private async read<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ConsumerStoreError) throw err;
      throw new ConsumerStoreError("UNAVAILABLE", `the ${this.kind} consumer store failed: ${(err as Error)?.message ?? err}`, {
        cause: err,
      });
    }
  }

  private async write<T>(plan: (version: number) => Promise<WritePlan<T>>): Promise<T> {
    if (this.closed) throw new ConsumerStoreError("UNAVAILABLE", "the consumer store is closed");
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const { committed, planned } = await this.read(async () => {
        const version = await this.backend.version();
        const planned = await plan(version);
        return { committed: planned.ops.length === 0 || (await this.backend.commit(version, planned.ops)), planned };
      });
      if (committed) {
        for (const change of planned.changes) this.emit(change);
        return planned.result;
      }
    }
    throw new ConsumerStoreError("UNAVAILABLE", "the consumer store is too busy (concurrent writes kept conflicting); try again");
  }

  private async storedConsumer(id: string): Promise<StoredConsumer | undefined> {
    return parse<StoredConsumer>(await this.backend.get(`c:${id}`));
  }

  private async storedUser(idOrUsername: string): Promise<Omit<UserRecord, "declared"> | undefined> {
    const byName = await this.backend.get(`u:${idOrUsername}`);
    const record = await this.storedConsumer(byName ?? idOrUsername);
    if (record?.type === "user") return record;
    if (byName === undefined) return undefined;
    const byId = await this.storedConsumer(idOrUsername);
    return byId?.type === "user" ? byId : undefined;
  }

  private async storedApp(idOrName: string): Promise<Omit<AppRecord, "declared"> | undefined> {
    const byId = await this.storedConsumer(idOrName);
    if (byId?.type === "app") return byId;
    const id = await this.backend.get(`a:${idOrName}`);
    if (id === undefined) return undefined;
    const byName = await this.storedConsumer(id);
    return byName?.type === "app" ? byName : undefined;
  }

  private declaredUser(idOrUsername: string): UserRecord | undefined {
    return this.declared.userByUsername.get(idOrUsername) ?? this.declared.userById.get(idOrUsername);
  }

  /** A stored user, or a READ_ONLY error for a declared one, or NOT_FOUND. */
  private async writableUser(idOrUsername: string): Promise<Omit<UserRecord, "declared">> {
    if (this.declaredUser(idOrUsername))
      throw new ConsumerStoreError("READ_ONLY", `user ${idOrUsername} is declared in the configuration file and read-only`);
    const user = await this.storedUser(idOrUsername);
    if (!user) throw new ConsumerStoreError("NOT_FOUND", `user not found: ${idOrUsername}`);
    return user;
  }

  private async writableApp(idOrName: string): Promise<Omit<AppRecord, "declared">> {
    const app = await this.storedApp(idOrName);
    if (!app) throw new ConsumerStoreError("NOT_FOUND", `app not found: ${idOrName}`);
    return app;
  }

  private async storedCredential(type: CredentialType, id: string): Promise<StoredCredential | undefined> {
    return parse<StoredCredential>(await this.backend.get(credKey(type, id)));
  }

  private async writableCredential(type: CredentialType, id: string): Promise<StoredCredential> {
    if (this.declared.credentialById[type].has(id))
      throw new ConsumerStoreError("READ_ONLY", `${type} credential ${id} is declared in the configuration file and read-only`);
    const stored = await this.storedCredential(type, id);
    if (!stored) throw new ConsumerStoreError("NOT_FOUND", `${type} credential not found: ${id}`);
    return stored;
  }

  private async storedCredentialsOf(consumerId: string): Promise<StoredCredential[]> {
    const members = await this.backend.smembers(`creds-of:${consumerId}`);
    const values = await this.backend.mget(members.map((m) => credKey(...splitMember(m))));
    return values.flatMap((v) => (v === undefined ? [] : [JSON.parse(v) as StoredCredential])).sort(byCreation);
  }

  /** Ops removing every credential of a consumer. */
  private async removeCredentialsOps(consumerId: string, ops: KvOp[], changes: StoreChange[]): Promise<void> {
    for (const member of await this.backend.smembers(`creds-of:${consumerId}`)) {
      const [type, id] = splitMember(member);
      ops.push(["del", credKey(type, id)], ["zrem", "creds", member]);
      changes.push({ kind: "credential", type, id, consumerId });
    }
    ops.push(["del", `creds-of:${consumerId}`]);
  }

  private async unknownScopes(scopes: readonly string[]): Promise<string[]> {
    const missing = scopes.filter((s) => !this.declared.scopes.has(s));
    if (missing.length === 0) return [];
    const stored = new Set(await this.backend.smembers("scopes"));
    return missing.filter((s) => !stored.has(s));
  }

  private async checkScopesExist(scopes: readonly string[]): Promise<void> {
    const unknown = await this.unknownScopes(scopes);
    if (unknown.length > 0)
      throw new ConsumerStoreError(
        "INVALID",
        `unknown scope${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")} (create ${unknown.length > 1 ? "them" : "it"} first)`,
      );
  }

  private async page<T>(
    declared: readonly T[],
    zset: string,
    load: (members: string[]) => Promise<T[]>,
    request: PageRequest = {},
  ): Promise<Page<T>> {
    const offset = parseCursor(request.start);
    const count = pageSize(request.count);
    return this.read(async () => {
      const storedTotal = await this.backend.zcard(zset);
      const total = declared.length + storedTotal;
      const items = declared.slice(offset, offset + count);
      if (items.length < count) {
        const members = await this.backend.zrange(zset, Math.max(0, offset - declared.length), count - items.length);
        items.push(...(await load(members)));
      }
      return { items, nextKey: offset + count < total ? String(offset + count) : undefined, total };
    });
  }

  private async loadConsumers<T extends ConsumerRecord>(ids: string[], type: T["type"]): Promise<T[]> {
    const values = await this.backend.mget(ids.map((id) => `c:${id}`));
    return values.flatMap((v) => {
      const record = parse<StoredConsumer>(v);
      return record?.type === type ? [{ ...record, declared: false } as T] : [];
    });
  }

  // ---- users -------------------------------------------------------------------------------------

  async createUser(input: UserInput): Promise<UserRecord> {
    const username = checkName("username", input?.username);
    const fields = pickUserFields(input);
    if (this.declared.userByUsername.has(username)) throw new ConsumerStoreError("CONFLICT", `username already exists: ${username}`);
    return this.write(async (version) => {
      if ((await this.backend.get(`u:${username}`)) !== undefined)
        throw new ConsumerStoreError("CONFLICT", `username already exists: ${username}`);
      const now = new Date().toISOString();
      const user: Omit<UserRecord, "declared"> = {
        type: "user",
        id: randomUUID(),
        username,
        ...fields,
        isActive: true,
        createdAt: now,
        updatedAt: now,
      };
      return {
        ops: [
          ["set", `c:${user.id}`, JSON.stringify(user)],
          ["set", `u:${username}`, user.id],
          ["zadd", "users", version + 1, user.id],
        ],
        result: { ...user, declared: false },
        changes: [{ kind: "consumer", id: user.id }],
      };
    });
  }

  async getUser(idOrUsername: string): Promise<UserRecord | undefined> {
    if (typeof idOrUsername !== "string") return undefined;
    const declaredByName = this.declared.userByUsername.get(idOrUsername);
    if (declaredByName) return declaredByName;
    const stored = await this.read(() => this.storedUser(idOrUsername));
    if (stored) return { ...stored, declared: false };
    return this.declared.userById.get(idOrUsername);
  }

  listUsers(page?: PageRequest): Promise<Page<UserRecord>> {
    return this.page(this.declared.users, "users", (ids) => this.loadConsumers<UserRecord>(ids, "user"), page);
  }

  async updateUser(idOrUsername: string, changes: UserChanges): Promise<UserRecord> {
    const patch = checkUserChanges(changes);
    return this.write(async () => {
      const user = await this.writableUser(idOrUsername);
      const next: Record<string, unknown> = { ...user };
      for (const [field, value] of Object.entries(patch)) {
        if (value === null) delete next[field];
        else next[field] = value;
      }
      next.updatedAt = new Date().toISOString();
      return {
        ops: [["set", `c:${user.id}`, JSON.stringify(next)]],
        result: { ...(next as Omit<UserRecord, "declared">), declared: false },
        changes: [{ kind: "consumer", id: user.id }],
      };
    });
  }

  async setUserStatus(idOrUsername: string, isActive: boolean): Promise<UserRecord> {
    if (typeof isActive !== "boolean") throw new ConsumerStoreError("INVALID", "status must be true or false");
    return this.write(async () => {
      const user = await this.writableUser(idOrUsername);
      const now = new Date().toISOString();
      const next = { ...user, isActive, updatedAt: now };
      const ops: KvOp[] = [["set", `c:${user.id}`, JSON.stringify(next)]];
      const changes: StoreChange[] = [{ kind: "consumer", id: user.id }];
      if (!isActive) {
        // Express Gateway cascades deactivation to the user's apps (not activation).
        const appIds = await this.backend.smembers(`apps-of:${user.id}`);
        for (const app of await this.loadConsumers<AppRecord>(appIds, "app")) {
          if (!app.isActive) continue;
          const { declared: _d, ...stored } = app;
          ops.push(["set", `c:${app.id}`, JSON.stringify({ ...stored, isActive: false, updatedAt: now })]);
          changes.push({ kind: "consumer", id: app.id });
        }
      }
      return { ops, result: { ...next, declared: false }, changes };
    });
  }

  async removeUser(idOrUsername: string): Promise<void> {
    return this.write(async () => {
      const user = await this.writableUser(idOrUsername);
      const ops: KvOp[] = [];
      const changes: StoreChange[] = [{ kind: "consumer", id: user.id }];
      for (const app of await this.loadConsumers<AppRecord>(await this.backend.smembers(`apps-of:${user.id}`), "app")) {
        await this.removeCredentialsOps(app.id, ops, changes);
        ops.push(["del", `c:${app.id}`], ["del", `a:${app.name}`], ["zrem", "apps", app.id]);
        changes.push({ kind: "consumer", id: app.id });
      }
      await this.removeCredentialsOps(user.id, ops, changes);
      ops.push(["del", `apps-of:${user.id}`], ["del", `c:${user.id}`], ["del", `u:${user.username}`], ["zrem", "users", user.id]);
      return { ops, result: undefined, changes };
    });
  }

  // ---- apps --------------------------------------------------------------------------------------

  async createApp(userIdOrUsername: string, input: AppInput): Promise<AppRecord> {
    const name = checkName("app name", input?.name);
    const redirectUri = input.redirectUri === undefined ? undefined : checkName("redirectUri", input.redirectUri);
    return this.write(async (version) => {
      const user = await this.writableUser(userIdOrUsername);
      if ((await this.backend.get(`a:${name}`)) !== undefined) throw new ConsumerStoreError("CONFLICT", `app name already exists: ${name}`);
      const now = new Date().toISOString();
      const app: Omit<AppRecord, "declared"> = {
        type: "app",
        id: randomUUID(),
        name,
        userId: user.id,
        ...(redirectUri === undefined ? {} : { redirectUri }),
        isActive: true,
        createdAt: now,
        updatedAt: now,
      };
      return {
        ops: [
          ["set", `c:${app.id}`, JSON.stringify(app)],
          ["set", `a:${name}`, app.id],
          ["zadd", "apps", version + 1, app.id],
          ["sadd", `apps-of:${user.id}`, app.id],
        ],
        result: { ...app, declared: false },
        changes: [{ kind: "consumer", id: app.id }],
      };
    });
  }

  async getApp(idOrName: string): Promise<AppRecord | undefined> {
    if (typeof idOrName !== "string") return undefined;
    const app = await this.read(() => this.storedApp(idOrName));
    return app && { ...app, declared: false };
  }

  async listApps(page: PageRequest & { userId?: string } = {}): Promise<Page<AppRecord>> {
    if (page.userId === undefined) return this.page([], "apps", (ids) => this.loadConsumers<AppRecord>(ids, "app"), page);
    const offset = parseCursor(page.start);
    const count = pageSize(page.count);
    const user = await this.getUser(page.userId);
    if (!user) throw new ConsumerStoreError("NOT_FOUND", `user not found: ${page.userId}`);
    const all = user.declared
      ? []
      : (await this.read(async () => this.loadConsumers<AppRecord>(await this.backend.smembers(`apps-of:${user.id}`), "app"))).sort(
          byCreation,
        );
    return {
      items: all.slice(offset, offset + count),
      nextKey: offset + count < all.length ? String(offset + count) : undefined,
      total: all.length,
    };
  }

  async updateApp(idOrName: string, changes: AppChanges): Promise<AppRecord> {
    if (changes === null || typeof changes !== "object") throw new ConsumerStoreError("INVALID", "changes must be an object");
    const unknown = Object.keys(changes).filter((k) => k !== "name" && k !== "redirectUri");
    if (unknown.length > 0)
      throw new ConsumerStoreError("INVALID", `unknown app field${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`);
    const name = changes.name === undefined ? undefined : checkName("app name", changes.name);
    const redirectUri = changes.redirectUri == null ? changes.redirectUri : checkName("redirectUri", changes.redirectUri);
    return this.write(async () => {
      const app = await this.writableApp(idOrName);
      const ops: KvOp[] = [];
      const next: Record<string, unknown> = { ...app, updatedAt: new Date().toISOString() };
      if (name !== undefined && name !== app.name) {
        if ((await this.backend.get(`a:${name}`)) !== undefined)
          throw new ConsumerStoreError("CONFLICT", `app name already exists: ${name}`);
        ops.push(["del", `a:${app.name}`], ["set", `a:${name}`, app.id]);
        next.name = name;
      }
      if (redirectUri === null) delete next.redirectUri;
      else if (redirectUri !== undefined) next.redirectUri = redirectUri;
      ops.push(["set", `c:${app.id}`, JSON.stringify(next)]);
      return { ops, result: { ...(next as Omit<AppRecord, "declared">), declared: false }, changes: [{ kind: "consumer", id: app.id }] };
    });
  }

  async setAppStatus(idOrName: string, isActive: boolean): Promise<AppRecord> {
    if (typeof isActive !== "boolean") throw new ConsumerStoreError("INVALID", "status must be true or false");
    return this.write(async () => {
      const app = await this.writableApp(idOrName);
      const next = { ...app, isActive, updatedAt: new Date().toISOString() };
      return {
        ops: [["set", `c:${app.id}`, JSON.stringify(next)]],
        result: { ...next, declared: false },
        changes: [{ kind: "consumer", id: app.id }],
      };
    });
  }

  async removeApp(idOrName: string): Promise<void> {
    return this.write(async () => {
      const app = await this.writableApp(idOrName);
      const ops: KvOp[] = [];
      const changes: StoreChange[] = [{ kind: "consumer", id: app.id }];
      await this.removeCredentialsOps(app.id, ops, changes);
      ops.push(["del", `c:${app.id}`], ["del", `a:${app.name}`], ["zrem", "apps", app.id], ["srem", `apps-of:${app.userId}`, app.id]);
      return { ops, result: undefined, changes };
    });
  }

  // ---- consumers ---------------------------------------------------------------------------------

  async getConsumer(idOrName: string): Promise<ConsumerRecord | undefined> {
    return (await this.getUser(idOrName)) ?? (await this.getApp(idOrName));
  }

  // ---- credentials -------------------------------------------------------------------------------

  async createCredential(consumerIdOrName: string, type: CredentialType, input: CredentialInput = {}): Promise<IssuedCredential> {
    checkType(type);
    if (input === null || typeof input !== "object") throw new ConsumerStoreError("INVALID", "credential must be an object");
    const scopes = input.scopes === undefined ? [] : checkScopeList(input.scopes);
    let id: string | undefined;
    let secret: string;
    let secretHash: string;
    if (type === "basic-auth") {
      if (input.keyId !== undefined || input.keySecret !== undefined)
        throw new ConsumerStoreError("INVALID", "a basic-auth credential takes a password, not keyId/keySecret");
      secret = input.password === undefined ? generateSecret(24) : checkSecret("password", input.password);
      secretHash = await hashPassword(secret);
    } else {
      if (input.password !== undefined)
        throw new ConsumerStoreError("INVALID", `a ${type} credential takes keyId/keySecret, not a password`);
      id = input.keyId === undefined ? generateKeyId() : checkName("keyId", input.keyId);
      if (id.includes(":")) throw new ConsumerStoreError("INVALID", "keyId must not contain ':' (it separates the key id from the secret)");
      if (input.keySecret === undefined) {
        secret = generateSecret();
        secretHash = hashGeneratedSecret(secret);
      } else {
        // A chosen secret's entropy is unknown: it gets the slow hash, like a password.
        secret = checkSecret("keySecret", input.keySecret);
        secretHash = await hashPassword(secret);
      }
      if (this.declared.credentialById[type].has(id)) throw new ConsumerStoreError("CONFLICT", `${type} keyId already exists: ${id}`);
    }
    const consumer = await this.getConsumer(consumerIdOrName);
    if (!consumer) throw new ConsumerStoreError("NOT_FOUND", `consumer not found: ${consumerIdOrName}`);
    if (consumer.declared)
      throw new ConsumerStoreError(
        "READ_ONLY",
        `consumer ${consumerIdOrName} is declared in the configuration file and read-only (declare its credentials there)`,
      );
    const credentialId = id ?? consumer.id;
    await this.read(() => this.checkScopesExist(scopes));

    return this.write(async (version) => {
      if (!(await this.storedConsumer(consumer.id))) throw new ConsumerStoreError("NOT_FOUND", `consumer not found: ${consumerIdOrName}`);
      const existing = await this.storedCredential(type, credentialId);
      const ops: KvOp[] = [];
      if (existing) {
        if (type !== "basic-auth") throw new ConsumerStoreError("CONFLICT", `${type} keyId already exists: ${credentialId}`);
        if (existing.isActive)
          throw new ConsumerStoreError("CONFLICT", `consumer ${consumerIdOrName} already has an active basic-auth credential`);
        ops.push(["zrem", "creds", credMember(type, credentialId)]);
      }
      const now = new Date().toISOString();
      const stored: StoredCredential = {
        type,
        id: credentialId,
        consumerId: consumer.id,
        ...(type === "basic-auth" ? {} : { keyId: credentialId }),
        scopes,
        isActive: true,
        createdAt: now,
        updatedAt: now,
        secretHash,
      };
      ops.push(
        ["set", credKey(type, credentialId), JSON.stringify(stored)],
        ["sadd", `creds-of:${consumer.id}`, credMember(type, credentialId)],
        ["zadd", "creds", version + 1, credMember(type, credentialId)],
      );
      const issued: IssuedCredential = {
        ...publicCredential(stored),
        ...(type === "basic-auth" ? { password: secret } : { keySecret: secret }),
      };
      return { ops, result: issued, changes: [{ kind: "credential", type, id: credentialId, consumerId: consumer.id }] };
    });
  }

  async getCredential(type: CredentialType, id: string): Promise<CredentialRecord | undefined> {
    if (!CREDENTIAL_TYPES.includes(type) || typeof id !== "string") return undefined;
    const declared = this.declared.credentialById[type].get(id);
    if (declared) return declared;
    const stored = await this.read(() => this.storedCredential(type, id));
    return stored && publicCredential(stored);
  }

  async listCredentials(consumerIdOrName: string): Promise<readonly CredentialRecord[]> {
    const consumer = await this.getConsumer(consumerIdOrName);
    if (!consumer) throw new ConsumerStoreError("NOT_FOUND", `consumer not found: ${consumerIdOrName}`);
    if (consumer.declared) return this.declared.credentials.filter((c) => c.consumerId === consumer.id);
    return (await this.read(() => this.storedCredentialsOf(consumer.id))).map(publicCredential);
  }

  listAllCredentials(page?: PageRequest): Promise<Page<CredentialRecord>> {
    return this.page(
      this.declared.credentials,
      "creds",
      async (members) => {
        const values = await this.backend.mget(members.map((m) => credKey(...splitMember(m))));
        return values.flatMap((v) => (v === undefined ? [] : [publicCredential(JSON.parse(v) as StoredCredential)]));
      },
      page,
    );
  }

  async setCredentialStatus(type: CredentialType, id: string, isActive: boolean): Promise<CredentialRecord> {
    checkType(type);
    if (typeof isActive !== "boolean") throw new ConsumerStoreError("INVALID", "status must be true or false");
    return this.write(async () => {
      const stored = await this.writableCredential(type, id);
      const next: StoredCredential = { ...stored, isActive, updatedAt: new Date().toISOString() };
      return {
        ops: [["set", credKey(type, id), JSON.stringify(next)]],
        result: publicCredential(next),
        changes: [{ kind: "credential", type, id, consumerId: stored.consumerId }],
      };
    });
  }

  async updateCredentialScopes(type: CredentialType, id: string, change: ScopeChange): Promise<CredentialRecord> {
    checkType(type);
    if (change === null || typeof change !== "object") throw new ConsumerStoreError("INVALID", "the scope change must be an object");
    const set = change.set === undefined ? undefined : checkScopeList(change.set, "set");
    const add = change.add === undefined ? [] : checkScopeList(change.add, "add");
    const remove = change.remove === undefined ? [] : checkScopeList(change.remove, "remove");
    await this.read(() => this.checkScopesExist([...(set ?? []), ...add]));
    return this.write(async () => {
      const stored = await this.writableCredential(type, id);
      const scopes = new Set(set ?? stored.scopes);
      for (const s of add) scopes.add(s);
      for (const s of remove) scopes.delete(s);
      const next: StoredCredential = { ...stored, scopes: [...scopes], updatedAt: new Date().toISOString() };
      return {
        ops: [["set", credKey(type, id), JSON.stringify(next)]],
        result: publicCredential(next),
        changes: [{ kind: "credential", type, id, consumerId: stored.consumerId }],
      };
    });
  }

  async removeCredential(type: CredentialType, id: string): Promise<void> {
    checkType(type);
    return this.write(async () => {
      const stored = await this.writableCredential(type, id);
      return {
        ops: [
          ["del", credKey(type, id)],
          ["zrem", "creds", credMember(type, id)],
          ["srem", `creds-of:${stored.consumerId}`, credMember(type, id)],
        ],
        result: undefined,
        changes: [{ kind: "credential", type, id, consumerId: stored.consumerId }],
      };
    });
  }

  // ---- scopes ------------------------------------------------------------------------------------

  async listScopes(): Promise<readonly ScopeRecord[]> {
    const stored = await this.read(() => this.backend.smembers("scopes"));
    const names = new Set([...this.declared.scopes, ...stored]);
    return [...names].sort().map((name) => ({ name, declared: this.declared.scopes.has(name) }));
  }

  async hasScope(name: string): Promise<boolean> {
    if (typeof name !== "string") return false;
    if (this.declared.scopes.has(name)) return true;
    return (await this.read(() => this.backend.smembers("scopes"))).includes(name);
  }

  async createScopes(names: readonly string[]): Promise<void> {
    const scopes = checkScopeList(names);
    if (scopes.length === 0) throw new ConsumerStoreError("INVALID", "give at least one scope");
    const declared = scopes.filter((s) => this.declared.scopes.has(s));
    if (declared.length > 0) throw new ConsumerStoreError("CONFLICT", `scope already exists: ${declared.join(", ")}`);
    return this.write(async () => {
      const stored = new Set(await this.backend.smembers("scopes"));
      const taken = scopes.filter((s) => stored.has(s));
      if (taken.length > 0) throw new ConsumerStoreError("CONFLICT", `scope already exists: ${taken.join(", ")}`);
      return { ops: scopes.map((s): KvOp => ["sadd", "scopes", s]), result: undefined, changes: [{ kind: "scopes" }] };
    });
  }

  async removeScope(name: string): Promise<void> {
    checkName("scope", name);
    if (this.declared.scopes.has(name))
      throw new ConsumerStoreError("READ_ONLY", `scope ${name} is used by the configuration file and cannot be removed`);
    return this.write(async () => {
      const stored = await this.backend.smembers("scopes");
      if (!stored.includes(name)) throw new ConsumerStoreError("NOT_FOUND", `scope not found: ${name}`);
      const ops: KvOp[] = [["srem", "scopes", name]];
      const changes: StoreChange[] = [{ kind: "scopes" }];
      // Express Gateway takes a removed scope off every credential holding it.
      const total = await this.backend.zcard("creds");
      for (let offset = 0; offset < total; offset += MAX_PAGE_SIZE) {
        const members = await this.backend.zrange("creds", offset, MAX_PAGE_SIZE);
        const values = await this.backend.mget(members.map((m) => credKey(...splitMember(m))));
        for (const value of values) {
          const cred = parse<StoredCredential>(value);
          if (!cred?.scopes.includes(name)) continue;
          const next = { ...cred, scopes: cred.scopes.filter((s) => s !== name), updatedAt: new Date().toISOString() };
          ops.push(["set", credKey(cred.type, cred.id), JSON.stringify(next)]);
          changes.push({ kind: "credential", type: cred.type, id: cred.id, consumerId: cred.consumerId });
        }
      }
      return { ops, result: undefined, changes };
    });
  }

  // ---- import ------------------------------------------------------------------------------------

  async importConsumers(data: ConsumerImport): Promise<ImportResult> {
    const imported: string[] = [];
    const skipped: ImportSkip[] = [];
    // One entry at a time: a refused entry is reported and the rest still goes in.
    const attempt = async (what: string, write: () => Promise<"written" | "present">): Promise<void> => {
      try {
        if ((await write()) === "written") imported.push(what);
        else skipped.push({ what, kind: "present", reason: "already stored with the same id" });
      } catch (err) {
        if (!(err instanceof ConsumerStoreError) || err.code === "UNAVAILABLE") throw err;
        skipped.push({ what, kind: err.code === "INVALID" ? "invalid" : "conflict", reason: err.message });
      }
    };
    const known = new Set(await this.read(() => this.backend.smembers("scopes")));
    const newScopes = [...new Set(data.scopes ?? [])].filter((s) => !known.has(s) && !this.declared.scopes.has(s));
    for (const scope of newScopes) await attempt(`scope ${scope}`, async () => (await this.createScopes([scope]), "written"));
    for (const user of data.users ?? []) await attempt(`user ${user.username}`, () => this.importUser(user));
    for (const app of data.apps ?? []) await attempt(`app ${app.name}`, () => this.importApp(app));
    for (const cred of data.credentials ?? [])
      await attempt(`${cred.type} credential ${cred.keyId ?? `of ${cred.consumerId}`}`, () => this.importCredential(cred));
    return { imported, skipped };
  }

  private importUser(input: ImportedUser): Promise<"written" | "present"> {
    const username = checkName("username", input.username);
    const id = checkName("user id", input.id);
    const fields = pickUserFields(input);
    const dates = importDates(input);
    if (this.declared.userByUsername.has(username))
      throw new ConsumerStoreError("CONFLICT", `username ${username} is declared in the configuration file`);
    return this.write(async (version) => {
      const existing = await this.storedConsumer(id);
      if (existing) {
        if (existing.type === "user" && existing.username === username) return { ops: [], result: "present" as const, changes: [] };
        throw new ConsumerStoreError("CONFLICT", `id ${id} is taken by another consumer`);
      }
      if ((await this.backend.get(`u:${username}`)) !== undefined)
        throw new ConsumerStoreError("CONFLICT", `username already exists: ${username}`);
      const user: Omit<UserRecord, "declared"> = { type: "user", id, username, ...fields, isActive: input.isActive !== false, ...dates };
      return {
        ops: [
          ["set", `c:${id}`, JSON.stringify(user)],
          ["set", `u:${username}`, id],
          ["zadd", "users", version + 1, id],
        ],
        result: "written" as const,
        changes: [{ kind: "consumer", id }],
      };
    });
  }

  private importApp(input: ImportedApp): Promise<"written" | "present"> {
    const name = checkName("app name", input.name);
    const id = checkName("app id", input.id);
    const redirectUri = input.redirectUri === undefined ? undefined : checkName("redirectUri", input.redirectUri);
    const dates = importDates(input);
    return this.write(async (version) => {
      const existing = await this.storedConsumer(id);
      if (existing) {
        if (existing.type === "app" && existing.name === name) return { ops: [], result: "present" as const, changes: [] };
        throw new ConsumerStoreError("CONFLICT", `id ${id} is taken by another consumer`);
      }
      const owner = await this.storedConsumer(input.userId);
      if (owner?.type !== "user") throw new ConsumerStoreError("INVALID", `its user ${input.userId} is not stored`);
      if ((await this.backend.get(`a:${name}`)) !== undefined) throw new ConsumerStoreError("CONFLICT", `app name already exists: ${name}`);
      const app: Omit<AppRecord, "declared"> = {
        type: "app",
        id,
        name,
        userId: owner.id,
        ...(redirectUri === undefined ? {} : { redirectUri }),
        isActive: input.isActive !== false,
        ...dates,
      };
      return {
        ops: [
          ["set", `c:${id}`, JSON.stringify(app)],
          ["set", `a:${name}`, id],
          ["zadd", "apps", version + 1, id],
          ["sadd", `apps-of:${owner.id}`, id],
        ],
        result: "written" as const,
        changes: [{ kind: "consumer", id }],
      };
    });
  }

  private async importCredential(input: ImportedCredential): Promise<"written" | "present"> {
    const type = checkType(input.type);
    const scopes = checkScopeList(input.scopes ?? []);
    const dates = importDates(input);
    let secretHash: string;
    if ("hash" in input.secret) {
      if (typeof input.secret.hash !== "string" || !isKnownHash(input.secret.hash))
        throw new ConsumerStoreError("INVALID", "its secret is hashed in a format Turnpike cannot verify");
      secretHash = input.secret.hash;
    } else {
      secretHash = await hashPassword(checkSecret(type === "basic-auth" ? "password" : "keySecret", input.secret.clear));
    }
    let id: string;
    if (type === "basic-auth") {
      id = checkName("consumerId", input.consumerId);
    } else {
      id = checkName("keyId", input.keyId);
      if (id.includes(":")) throw new ConsumerStoreError("INVALID", "keyId must not contain ':' (it separates the key id from the secret)");
      if (this.declared.credentialById[type].has(id))
        throw new ConsumerStoreError("CONFLICT", `${type} keyId ${id} is declared in the configuration file`);
    }
    await this.read(() => this.checkScopesExist(scopes));
    return this.write(async (version) => {
      const consumer = await this.storedConsumer(input.consumerId);
      if (!consumer) throw new ConsumerStoreError("INVALID", `its consumer ${input.consumerId} is not stored`);
      const existing = await this.storedCredential(type, id);
      if (existing) {
        // A clear secret is hashed with a new salt on every run: the owner tells an earlier import apart.
        if (existing.consumerId === consumer.id) return { ops: [], result: "present" as const, changes: [] };
        throw new ConsumerStoreError("CONFLICT", `${type} credential ${id} already exists`);
      }
      const stored: StoredCredential = {
        type,
        id,
        consumerId: consumer.id,
        ...(type === "basic-auth" ? {} : { keyId: id }),
        scopes,
        isActive: input.isActive !== false,
        ...dates,
        secretHash,
      };
      return {
        ops: [
          ["set", credKey(type, id), JSON.stringify(stored)],
          ["sadd", `creds-of:${consumer.id}`, credMember(type, id)],
          ["zadd", "creds", version + 1, credMember(type, id)],
        ],
        result: "written" as const,
        changes: [{ kind: "credential", type, id, consumerId: consumer.id }],
      };
    });
  }

  // ---- data plane --------------------------------------------------------------------------------

  async findAuthRecord(type: CredentialType, login: string): Promise<AuthRecord | undefined> {
    return this.declared.auth[type]?.get(login) ?? this.findStoredAuthRecord(type, login);
  }

  /** {@link findAuthRecord} among stored credentials only (the data plane checks declared ones itself). */
  findStoredAuthRecord(type: CredentialType, login: string): Promise<AuthRecord | undefined> {
    return this.read(async () => {
      let stored: StoredCredential | undefined;
      if (type === "basic-auth") {
        const userId = await this.backend.get(`u:${login}`);
        stored = await this.storedCredential(type, userId ?? login);
        if (!stored && userId !== undefined) stored = await this.storedCredential(type, login);
      } else {
        stored = await this.storedCredential(type, login);
      }
      if (!stored) return undefined;
      const consumer = await this.storedConsumer(stored.consumerId);
      if (!consumer) return undefined;
      return {
        credential: publicCredential(stored),
        consumer: { ...consumer, declared: false } as ConsumerRecord,
        secretHash: stored.secretHash,
      };
    });
  }

  subscribe(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    this.stopWatching ??= this.backend.watch(() => this.emit({ kind: "external" }));
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.stopWatching?.();
        this.stopWatching = undefined;
      }
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopWatching?.();
    this.stopWatching = undefined;
    this.listeners.clear();
    await this.backend.close();
  }
}

function checkSecret(what: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 1024)
    throw new ConsumerStoreError("INVALID", `${what} must be a non-empty string of at most 1024 characters`);
  return value;
}

/** Creation and change dates of an imported entry: ISO 8601 when given as a date, else now. */
function importDates(input: { createdAt?: string | undefined; updatedAt?: string | undefined }): { createdAt: string; updatedAt: string } {
  const now = new Date().toISOString();
  const iso = (value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    const time = Date.parse(value);
    return Number.isNaN(time) ? undefined : new Date(time).toISOString();
  };
  const createdAt = iso(input.createdAt) ?? now;
  return { createdAt, updatedAt: iso(input.updatedAt) ?? createdAt };
}

function pickUserFields(input: UserInput): UserFields {
  const fields: UserFields = {};
  for (const field of USER_FIELDS) {
    const value = input[field];
    if (value === undefined) continue;
    fields[field] = checkName(field, value);
  }
  return fields;
}

function checkUserChanges(changes: UserChanges): UserChanges {
  if (changes === null || typeof changes !== "object") throw new ConsumerStoreError("INVALID", "changes must be an object");
  const out: UserChanges = {};
  for (const [field, value] of Object.entries(changes)) {
    if (field === "username") throw new ConsumerStoreError("INVALID", "username cannot be changed");
    if (!(USER_FIELDS as readonly string[]).includes(field)) throw new ConsumerStoreError("INVALID", `unknown user field: ${field}`);
    if (value === undefined) continue;
    out[field as keyof UserFields] = value === null ? null : checkName(field, value);
  }
  return out;
}
