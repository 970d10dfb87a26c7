/**
 * What an auth policy builds at load: the declared credentials of its configuration (resolved once)
 * and the gateway's shared cache of stored ones; and the per-request check of a login and secret.
 */
import { ConfigError, GatewayError, type PolicyContext } from "@turnpike/core";
import { ConsumerStoreError, type CredentialType } from "../store/consumer-store.js";
import { declaredConsumers } from "../store/declared-consumers.js";
import { constantTimeEqual, digestsEqual, processDigest } from "../store/secret-hash.js";
import { credentialCache, VerificationBusyError, type CredentialCache } from "./credential-cache.js";
import { resolveDeclared, type ResolvedCredential, type ResolvedDeclared } from "./resolved-credential.js";

/** Load-time state of one auth policy. */
export interface AuthSetup {
  /** Credentials declared in this policy's configuration. */
  readonly declared: ResolvedDeclared;
  /** The gateway's cache of stored credentials. */
  readonly cache: CredentialCache;
}

// Declaration problems are reported once per configuration, not by every auth policy in it.
const reported = new WeakSet<object>();

/**
 * Prepares an auth policy: resolves the declared consumers and opens (or joins) the store and cache.
 * @throws ConfigError for invalid declared consumers (reported once per configuration)
 */
export function setUpAuth(ctx: PolicyContext): AuthSetup {
  const declared = declaredConsumers(ctx.config);
  if (declared.problems.length > 0 && !reported.has(ctx.config)) {
    reported.add(ctx.config);
    throw new ConfigError(declared.problems);
  }
  return { declared: resolveDeclared(declared), cache: credentialCache(ctx.stores, ctx.config) };
}

/** A failed check: the credential is unknown, inactive, or the secret does not match. */
export const INVALID = "invalid" as const;

/** The outcome of {@link checkSecret}. */
export type CheckResult = ResolvedCredential | typeof INVALID;

function finish(setup: AuthSetup, credential: ResolvedCredential | null, secret: string): CheckResult | Promise<CheckResult> {
  if (credential === null || !credential.active) return INVALID;
  if (credential.declaredSecret !== undefined) return constantTimeEqual(secret, credential.declaredSecret) ? credential : INVALID;
  if (credential.verifier !== undefined) return digestsEqual(processDigest(secret), credential.verifier) ? credential : INVALID;
  return setup.cache.verifySlow(credential, secret).then((ok) => (ok ? credential : INVALID));
}

/**
 * Checks `login` and `secret` for a credential of `type`: synchronously when the credential is
 * declared or cached (the usual case: no store query, no slow hash), else through the store.
 * Store failures reject with a 503 GatewayError.
 */
export function checkSecret(setup: AuthSetup, type: CredentialType, login: string, secret: string): CheckResult | Promise<CheckResult> {
  const known = setup.declared[type].get(login) ?? setup.cache.peek(type, login);
  if (known !== undefined) return guard(finish(setup, known, secret));
  return guard(setup.cache.load(type, login).then((loaded) => finish(setup, loaded, secret)));
}

/** Looks up a credential by login without a secret (jwt's `checkCredentialExistence`). */
export function findCredential(
  setup: AuthSetup,
  type: CredentialType,
  login: string,
): ResolvedCredential | null | Promise<ResolvedCredential | null> {
  const known = setup.declared[type].get(login) ?? setup.cache.peek(type, login);
  if (known !== undefined) return known;
  return guard(setup.cache.load(type, login));
}

function guard<T>(result: T | Promise<T>): T | Promise<T> {
  if (!(result instanceof Promise)) return result;
  return result.catch((err: unknown) => {
    throw toServiceError(err);
  });
}

/** Maps store and verification failures to the 503 answers the client gets. */
export function toServiceError(err: unknown): unknown {
  if (err instanceof ConsumerStoreError) return new GatewayError("STORE_UNAVAILABLE", undefined, { cause: err });
  if (err instanceof VerificationBusyError)
    return new GatewayError("SERVICE_UNAVAILABLE", "Too many authentications in progress, please retry", {
      cause: err,
      headers: { "Retry-After": "1" },
    });
  return err;
}
