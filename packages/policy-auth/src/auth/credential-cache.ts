/**
 * The data plane's cache of stored credentials: the auth policies look a credential up here, and only
 * a miss reaches the store (SQLite or Redis). One cache per gateway, shared by every policy and kept
 * across reloads.
 *
 * Invalidation: the cache subscribes to the store and empties itself on every change, so a credential
 * created or revoked through this process takes effect before the admin API answers, and one written
 * by another process within the store's poll interval (250 ms: SQLite `PRAGMA data_version`, or the
 * Redis version key). Entries also expire after {@link ENTRY_TTL_MS}, which bounds staleness if change
 * polling ever fails (e.g. this instance cannot reach Redis while another one writes to it).
 *
 * Unknown logins are cached too (as `null`), so a flood of made-up key ids does not become a flood of
 * store queries; the number of entries per credential type is bounded ({@link MAX_ENTRIES}).
 *
 * Secrets: a stored hash is checked once per (hash, secret); the match is remembered as a digest keyed
 * with a per-process key (see `secret-hash.ts`), which survives invalidations, so a changed credential
 * elsewhere never makes this process run scrypt again for credentials that did not change.
 */
import type { StoreContext } from "@turnpike/core";
import type { CredentialType } from "../store/consumer-store.js";
import type { ConsumerDirectory } from "../store/consumer-directory.js";
import type { DeclaredSource } from "../store/declared-consumers.js";
import { digestsEqual, isFastHash, processDigest, verifySecret } from "../store/secret-hash.js";
import { sharedDirectory } from "../store/shared-consumer-store.js";
import { resolveCredential, type ResolvedCredential } from "./resolved-credential.js";

/** Longest time (ms) a cached entry is used without asking the store again. */
export const ENTRY_TTL_MS = 60_000;
/** Most entries kept per credential type (the oldest go first). */
export const MAX_ENTRIES = 10_000;
/** Most slow (scrypt) verifications running at once; more wait in line. */
const MAX_SLOW_VERIFICATIONS = 2;
/** Most slow verifications waiting; beyond that a request is refused rather than queued forever. */
const MAX_SLOW_QUEUE = 256;

interface Entry {
  readonly value: ResolvedCredential | null;
  readonly expires: number;
}

/** Thrown when too many slow verifications are queued. */
export class VerificationBusyError extends Error {
  constructor() {
    super("too many password verifications in progress");
    this.name = "VerificationBusyError";
  }
}

/** The data-plane credential cache over one store. */
export class CredentialCache {
  private readonly entries: Record<CredentialType, Map<string, Entry>> = { "key-auth": new Map(), "basic-auth": new Map(), jwt: new Map() };
  private readonly loading: Record<CredentialType, Map<string, Promise<ResolvedCredential | null>>> = {
    "key-auth": new Map(),
    "basic-auth": new Map(),
    jwt: new Map(),
  };
  /** Digests of secrets that matched a stored hash, by that hash. */
  private readonly verified = new Map<string, Buffer>();
  private readonly verifying = new Map<string, Promise<boolean>>();
  private generation = 0;
  private slowRunning = 0;
  private readonly slowQueue: (() => void)[] = [];

  private subscribed = false;

  constructor(private readonly store: ConsumerDirectory) {}

  /**
   * Starts listening for changes on the first store read, not before: until then nothing is cached,
   * and a gateway that never reads the store (every credential declared, or `turnpike validate`)
   * sends Redis no command and opens no file.
   */
  private subscribe(): void {
    if (this.subscribed) return;
    this.subscribed = true;
    this.store.subscribe((change) => {
      // Declared credentials are not cached here: each snapshot holds its own.
      if (change.kind !== "declared") this.clear();
    });
  }

  /** Drops every cached entry (loads in flight will not be stored). */
  clear(): void {
    this.generation += 1;
    for (const map of Object.values(this.entries)) map.clear();
    for (const map of Object.values(this.loading)) map.clear();
  }

  /**
   * The cached credential for `login`: the credential, `null` when the store has none, or `undefined`
   * when the cache does not know (call {@link load}).
   */
  peek(type: CredentialType, login: string): ResolvedCredential | null | undefined {
    const entry = this.entries[type].get(login);
    if (entry === undefined) return undefined;
    if (entry.expires < Date.now()) {
      this.entries[type].delete(login);
      return undefined;
    }
    return entry.value;
  }

  /**
   * Asks the store for `login` (one query per login at a time, however many requests wait for it).
   * @throws ConsumerStoreError UNAVAILABLE when the store cannot be reached
   */
  load(type: CredentialType, login: string): Promise<ResolvedCredential | null> {
    const pending = this.loading[type].get(login);
    if (pending) return pending;
    // Subscribing first matters for Redis: the watcher reads the version before this load's reads.
    this.subscribe();
    const generation = this.generation;
    const promise = this.store.findStoredAuthRecord(type, login).then(
      (record) => {
        const value = record ? resolveCredential(record) : null;
        if (value?.secretHash !== undefined) value.verifier = this.verified.get(value.secretHash);
        if (generation === this.generation) {
          this.loading[type].delete(login);
          this.remember(type, login, value);
        }
        return value;
      },
      (err: unknown) => {
        if (generation === this.generation) this.loading[type].delete(login);
        throw err;
      },
    );
    this.loading[type].set(login, promise);
    return promise;
  }

  private remember(type: CredentialType, login: string, value: ResolvedCredential | null): void {
    const map = this.entries[type];
    if (map.size >= MAX_ENTRIES) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
    map.set(login, { value, expires: Date.now() + ENTRY_TTL_MS });
  }

  /**
   * Checks `secret` against a credential whose {@link ResolvedCredential.verifier} is not known yet,
   * running the stored hash (scrypt for passwords) at most once per distinct secret at a time, with a
   * bounded number running at once.
   * @throws VerificationBusyError when too many verifications are waiting
   */
  async verifySlow(credential: ResolvedCredential, secret: string): Promise<boolean> {
    const stored = credential.secretHash;
    if (stored === undefined) return false;
    const digest = processDigest(secret);
    const known = this.verified.get(stored);
    if (known) {
      credential.verifier = known;
      return digestsEqual(digest, known);
    }
    const key = `${stored}\n${digest.toString("base64")}`;
    let pending = this.verifying.get(key);
    if (!pending) {
      pending = (isFastHash(stored) ? verifySecret(stored, secret) : this.slowly(() => verifySecret(stored, secret))).finally(() =>
        this.verifying.delete(key),
      );
      this.verifying.set(key, pending);
    }
    const ok = await pending;
    if (ok) {
      if (this.verified.size >= MAX_ENTRIES) {
        const oldest = this.verified.keys().next().value;
        if (oldest !== undefined) this.verified.delete(oldest);
      }
      this.verified.set(stored, digest);
      credential.verifier = digest;
    }
    return ok;
  }

  private async slowly<T>(task: () => Promise<T>): Promise<T> {
    if (this.slowRunning >= MAX_SLOW_VERIFICATIONS) {
      if (this.slowQueue.length >= MAX_SLOW_QUEUE) throw new VerificationBusyError();
      // The finishing task hands its slot over: slowRunning stays the same.
      await new Promise<void>((resolve) => this.slowQueue.push(resolve));
    } else {
      this.slowRunning += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.slowQueue.shift();
      if (next) next();
      else this.slowRunning -= 1;
    }
  }
}

const KEY = "@turnpike/policy-auth:credential-cache";

/** The gateway's credential cache (created with the shared consumer store on first use). */
export function credentialCache(stores: StoreContext, config: DeclaredSource): CredentialCache {
  const directory = sharedDirectory(stores, config);
  return stores.shared.get(KEY, () => new CredentialCache(directory));
}
