/**
 * What every auth policy does once it knows the answer: admit the consumer (scopes checked), let the
 * request through anonymously (`passThrough`), or refuse it with the right status and challenge.
 */
import { GatewayError, type Consumer } from "@turnpike/core";
import type { NextFunction, Request, Response } from "express";

/** Options every auth policy shares. */
export interface CommonAuthOptions {
  passThrough: boolean;
  passCredentials: boolean;
  realm: string;
}

/** Why authentication failed: decides the message (never why a secret was wrong) and the status. */
export type AuthFailure = "missing" | "invalid" | "ambiguous" | "scope" | "expired";

const MESSAGES: Record<Exclude<AuthFailure, "scope">, string> = {
  missing: "Missing credentials",
  invalid: "Invalid credentials",
  ambiguous: "More than one credential was sent",
  expired: "The token has expired",
};

/** True when `held` contains every scope of `required`. */
export function holdsScopes(held: readonly string[], required: readonly string[]): boolean {
  for (let i = 0; i < required.length; i++) if (!held.includes(required[i]!)) return false;
  return true;
}

/** Quotes a realm for a `WWW-Authenticate` challenge. */
export function quoteRealm(realm: string): string {
  return `"${realm.replace(/["\\]/g, "\\$&")}"`;
}

/**
 * Ends an unsuccessful authentication: with `passThrough` the request continues without a consumer
 * (another auth policy may accept it, or the `anonymous` condition applies); otherwise 401 (with
 * `challenge` as `WWW-Authenticate` when the scheme has one) or 403 for a missing scope.
 */
export function refuse(failure: AuthFailure, options: CommonAuthOptions, challenge: string | undefined, next: NextFunction): void {
  if (options.passThrough) return next();
  if (failure === "scope") return next(new GatewayError("INSUFFICIENT_SCOPE"));
  next(new GatewayError("UNAUTHORIZED", MESSAGES[failure], challenge === undefined ? {} : { headers: { "WWW-Authenticate": challenge } }));
}

/**
 * Admits an authenticated request if its credential holds the endpoint's scopes: sets
 * `res.locals.turnpike.consumer` and `req.user`.
 * @returns false (nothing set) when a scope is missing
 */
export function admit(
  req: Request,
  res: Response,
  consumer: Consumer,
  user: Readonly<Record<string, unknown>>,
  scopes: readonly string[],
): boolean {
  const state = res.locals.turnpike;
  const required = state.apiEndpoint.scopes;
  if (required.length > 0 && !holdsScopes(scopes, required)) return false;
  state.consumer = consumer;
  (req as { user?: unknown }).user = user;
  return true;
}
