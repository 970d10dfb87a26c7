/**
 * A credential ready for the data plane: everything a request needs once the secret matches, built
 * once per credential (not per request) and frozen, so a cache hit allocates nothing.
 */
import type { Consumer } from "@turnpike/core";
import type { AuthRecord, CredentialType } from "../store/consumer-store.js";
import { declaredSecret, type DeclaredConsumers } from "../store/declared-consumers.js";

/** What the auth policies keep per credential. */
export interface ResolvedCredential {
  readonly type: CredentialType;
  /** The credential and its consumer are both active. */
  readonly active: boolean;
  /** Set as `res.locals.turnpike.consumer`. */
  readonly consumer: Consumer;
  /** Set as `req.user` (Express Gateway's templates read `${req.user.id}`, `${req.user.username}`). */
  readonly user: Readonly<Record<string, unknown>>;
  /** The credential's scopes. */
  readonly scopes: readonly string[];
  /** The secret's stored verifier (see `secret-hash.ts`). */
  readonly secretHash: string | undefined;
  /** A declared credential's secret, as the configuration holds it (compared in constant time). */
  readonly declaredSecret: string | undefined;
  /**
   * Digest ({@link processDigest}) of the secret, once one request presented it and it matched the
   * stored hash: later requests compare against this instead of running the stored hash again.
   */
  verifier: Buffer | undefined;
}

/** Builds the data-plane view of a stored or declared credential. */
export function resolveCredential(record: AuthRecord): ResolvedCredential {
  const { credential, consumer: owner } = record;
  const username = owner.type === "user" ? owner.username : owner.name;
  const credentialRef = Object.freeze({ type: credential.type, id: credential.id });
  const consumer: Consumer = Object.freeze({
    id: owner.id,
    username,
    type: owner.type,
    scopes: credential.scopes,
    credential: credentialRef,
  });
  const user = Object.freeze({ ...owner, username, scopes: credential.scopes, credential: credentialRef });
  const verifier = record.secretHash?.startsWith("declared$")
    ? Buffer.from(record.secretHash.slice("declared$".length), "base64url")
    : undefined;
  return {
    declaredSecret: declaredSecret(record),
    type: credential.type,
    active: credential.isActive && owner.isActive,
    consumer,
    user,
    scopes: credential.scopes,
    secretHash: record.secretHash,
    verifier,
  };
}

/** The declared credentials of one configuration, resolved, by type then login. */
export type ResolvedDeclared = Readonly<Record<CredentialType, ReadonlyMap<string, ResolvedCredential>>>;

const resolvedByDeclared = new WeakMap<DeclaredConsumers, ResolvedDeclared>();

/** Resolves (once per declared set) every declared credential. */
export function resolveDeclared(declared: DeclaredConsumers): ResolvedDeclared {
  let resolved = resolvedByDeclared.get(declared);
  if (!resolved) {
    const byRecord = new Map<AuthRecord, ResolvedCredential>();
    const map = (records: ReadonlyMap<string, AuthRecord>): Map<string, ResolvedCredential> => {
      const out = new Map<string, ResolvedCredential>();
      for (const [login, record] of records) {
        let r = byRecord.get(record);
        if (!r) byRecord.set(record, (r = resolveCredential(record)));
        out.set(login, r);
      }
      return out;
    };
    resolved = Object.freeze({
      "key-auth": map(declared.auth["key-auth"]),
      "basic-auth": map(declared.auth["basic-auth"]),
      jwt: map(declared.auth.jwt),
    });
    resolvedByDeclared.set(declared, resolved);
  }
  return resolved;
}
