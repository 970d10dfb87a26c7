/**
 * The `jwt` policy (Express Gateway's), built on passport and passport-jwt: verifies a JSON Web Token's
 * signature (pinned algorithms; a secret, a public key or a JWKS), `exp`/`nbf` (with clock tolerance),
 * `iss` and `aud`; then, with `checkCredentialExistence` (the default, as in Express Gateway), requires
 * `sub` to be the keyId of an active jwt credential whose consumer becomes the request's consumer.
 * Without it, the token's claims are the consumer: `sub` as id, `preferred_username` (or `sub`) as
 * username, and the `scope`/`scp` claim as scopes.
 *
 * Every token problem answers 401 (never 500); an unreachable JWKS answers 503.
 */
import { randomUUID } from "node:crypto";
import { ConfigError, GatewayError, definePolicy, type Consumer, type PolicyMiddleware } from "@turnpike/core";
import { explainAuth } from "../../auth/explain-auth.js";
import type { NextFunction, Request, Response } from "express";
import passport from "passport";
import { Strategy as JwtStrategy, type StrategyOptionsWithoutRequest, type VerifiedCallback } from "passport-jwt";
import { admit, quoteRealm, refuse, type AuthFailure } from "../../auth/auth-outcome.js";
import { findCredential, setUpAuth, toServiceError } from "../../auth/auth-setup.js";
import type { ResolvedCredential } from "../../auth/resolved-credential.js";
import { DUPLICATE } from "../../auth/request-credentials.js";
import { jwksKeyProvider, KeySetUnavailableError } from "./jwks-key-provider.js";
import { jwtExtractor } from "./jwt-extractors.js";
import { resolveJwtKey } from "./jwt-keys.js";
import { jwtSchema, type JwtOptions } from "./jwt-schema.js";

/** What the verify callback hands to the authenticate callback. */
interface JwtIdentity {
  consumer: Consumer;
  user: Readonly<Record<string, unknown>>;
  scopes: readonly string[];
}

function tokenScopes(claims: Record<string, unknown>): string[] {
  const scope = claims.scope ?? claims.scp;
  if (typeof scope === "string") return scope.split(" ").filter((s) => s !== "");
  if (Array.isArray(scope)) return scope.filter((s): s is string => typeof s === "string");
  return [];
}

function fromCredential(credential: ResolvedCredential, claims: Readonly<Record<string, unknown>>): JwtIdentity {
  return { consumer: { ...credential.consumer, claims }, user: credential.user, scopes: credential.scopes };
}

function fromClaims(sub: string, claims: Readonly<Record<string, unknown>>): JwtIdentity {
  const username = typeof claims.preferred_username === "string" ? claims.preferred_username : sub;
  const scopes = tokenScopes(claims);
  return { consumer: { id: sub, username, type: "user", scopes, claims }, user: { ...claims, id: sub, username }, scopes };
}

/** The `jwt` policy. */
export const jwtPolicy = definePolicy<JwtOptions>({
  name: "jwt",
  phase: "auth",
  description: "Authenticates JSON Web Tokens (HS/RS/ES/PS, secret, public key or JWKS), optionally tied to jwt credentials.",
  schema: jwtSchema,
  async create(options, ctx) {
    const resolved = resolveJwtKey(options, ctx.path, ctx.config.baseDir);
    const problems = [...resolved.problems];
    if (options.jwtExtractor !== "authBearer" && options.jwtExtractorField === undefined) {
      problems.push({ path: `${ctx.path}.jwtExtractorField`, message: `is required by jwtExtractor ${options.jwtExtractor}` });
    }
    if (problems.length > 0 || !resolved.key) throw new ConfigError(problems);
    for (const warning of resolved.warnings) ctx.warn(warning);
    const key = resolved.key;
    const setup = options.checkCredentialExistence ? setUpAuth(ctx) : undefined;
    const extractor = jwtExtractor(options.jwtExtractor, options.jwtExtractorField);
    const realm = quoteRealm(options.realm);
    const challenge = (failure: AuthFailure): string | undefined =>
      extractor.scheme === undefined
        ? undefined
        : failure === "missing"
          ? `${extractor.scheme} realm=${realm}`
          : `${extractor.scheme} realm=${realm}, error="invalid_token"`;

    const verify = (claims: Record<string, unknown>, done: VerifiedCallback): void => {
      const sub = claims.sub;
      if (typeof sub !== "string" || sub === "") return done(null, false);
      Object.freeze(claims);
      if (!setup) return done(null, fromClaims(sub, claims));
      const found = findCredential(setup, "jwt", sub);
      const decide = (credential: ResolvedCredential | null): void =>
        credential?.active ? done(null, fromCredential(credential, claims)) : done(null, false);
      if (found instanceof Promise) found.then(decide, (err: unknown) => done(toServiceError(err)));
      else decide(found);
    };

    const strategyOptions: StrategyOptionsWithoutRequest = {
      jwtFromRequest: (req) => {
        const token = extractor.extract(req);
        return typeof token === "string" ? token : null;
      },
      algorithms: key.algorithms,
      ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
      ...(options.audience !== undefined ? { audience: options.audience } : {}),
      jsonWebTokenOptions: { clockTolerance: options.clockTolerance },
      ...(key.kind === "static"
        ? // passport-jwt hands the key to jsonwebtoken as is: a KeyObject keeps its type (secret or public).
          { secretOrKey: key.key as unknown as string }
        : {
            secretOrKeyProvider: await jwksKeyProvider({
              uri: key.uri,
              algorithms: key.algorithms,
              cacheMaxAge: options.jwksCacheMaxAge,
              requestsPerMinute: options.jwksRequestsPerMinute,
              timeout: options.jwksTimeout,
            }),
          }),
    };
    // A private passport instance per policy: no global strategy registry shared across reloads.
    const authenticator = new passport.Passport();
    const strategyName = `turnpike-jwt-${randomUUID()}`;
    authenticator.use(strategyName, new JwtStrategy(strategyOptions, verify));

    const onResult =
      (req: Request, res: Response, next: NextFunction) =>
      (err: unknown, identity: JwtIdentity | false, info: unknown): void => {
        if (err) return next(toServiceError(err));
        if (!identity) {
          if (info instanceof KeySetUnavailableError)
            return next(new GatewayError("SERVICE_UNAVAILABLE", "The token's signing keys could not be fetched", { cause: info }));
          const failure: AuthFailure = (info as { name?: unknown } | undefined)?.name === "TokenExpiredError" ? "expired" : "invalid";
          return refuse(failure, options, challenge(failure), next);
        }
        if (!admit(req, res, identity.consumer, identity.user, identity.scopes))
          return refuse("scope", options, challenge("invalid"), next);
        if (!options.passCredentials) extractor.strip(req);
        next();
      };

    return function jwt(req, res, next) {
      const token = extractor.extract(req);
      if (token === DUPLICATE) return refuse("ambiguous", options, challenge("invalid"), next);
      if (token === undefined) return refuse("missing", options, challenge("missing"), next);
      authenticator.authenticate(strategyName, { session: false }, onResult(req, res, next))(req, res, next);
    };
  },
  async explain(options, ctx) {
    const handle = (await this.create(options, ctx)) as PolicyMiddleware;
    const where =
      options.jwtExtractor === "authBearer"
        ? "(a JWT) in header Authorization (scheme Bearer)"
        : `(a JWT) by ${options.jwtExtractor} ${options.jwtExtractorField ?? ""}`.trimEnd();
    const explain = explainAuth(
      "jwt",
      options.checkCredentialExistence ? `${where}, its sub a jwt credential's keyId` : where,
      handle,
      ctx,
    );
    return explain;
  },
});
