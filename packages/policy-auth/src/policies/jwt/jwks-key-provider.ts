/**
 * A passport-jwt `secretOrKeyProvider` over a JWKS URL (jwks-rsa): keys are cached by `kid`, an unknown
 * `kid` fetches the set again (at most `requestsPerMinute` times a minute), and failures are told
 * apart: a token naming no known key is the client's problem (401), an unreachable key set is ours
 * (503).
 */
import jsonwebtoken from "jsonwebtoken";
import type { JwtAlgorithm } from "./jwt-schema.js";

/** The token cannot be verified with any key of the set (bad header, algorithm or unknown kid). */
export class UnknownSigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnknownSigningKeyError";
  }
}

/** The key set could not be fetched. */
export class KeySetUnavailableError extends Error {
  constructor(cause: unknown) {
    super("the JSON Web Key Set could not be fetched", { cause });
    this.name = "KeySetUnavailableError";
  }
}

/** Options of {@link jwksKeyProvider}. */
export interface JwksProviderOptions {
  uri: string;
  algorithms: readonly JwtAlgorithm[];
  cacheMaxAge: number;
  requestsPerMinute: number;
  timeout: number;
}

/** A passport-jwt key provider. */
export type KeyProvider = (req: unknown, rawJwtToken: string, done: (err: unknown, key?: string | Buffer) => void) => void;

/**
 * Builds the provider (no request is made until a token arrives).
 *
 * jwks-rsa is loaded here, on first use, rather than at the top: it `require()`s the ESM-only `jose`,
 * which Node >= 20.19 allows but some loaders (Jest's module runtime) do not, and gateways that use no
 * JWKS should not depend on that.
 */
export async function jwksKeyProvider(options: JwksProviderOptions): Promise<KeyProvider> {
  const { JwksClient } = await import("jwks-rsa");
  const client = new JwksClient({
    jwksUri: options.uri,
    cache: true,
    cacheMaxAge: options.cacheMaxAge,
    rateLimit: true,
    jwksRequestsPerMinute: options.requestsPerMinute,
    timeout: options.timeout,
  });
  return (_req, rawJwtToken, done) => {
    const decoded = jsonwebtoken.decode(rawJwtToken, { complete: true });
    const header = decoded && typeof decoded === "object" ? (decoded.header as { alg?: unknown; kid?: unknown }) : undefined;
    if (!header || !options.algorithms.includes(header.alg as JwtAlgorithm))
      return done(new UnknownSigningKeyError("token header is malformed or names an algorithm that is not accepted"));
    if (header.kid !== undefined && typeof header.kid !== "string") return done(new UnknownSigningKeyError("kid must be a string"));
    client.getSigningKey(header.kid as string | undefined).then(
      (key) => done(null, key.getPublicKey()),
      (err: Error & { isEndpointUnavailable?: boolean }) => {
        if (err.name === "SigningKeyNotFoundError" || err.name === "JwksRateLimitError") done(new UnknownSigningKeyError(err.message));
        else done(new KeySetUnavailableError(err));
      },
    );
  };
}
