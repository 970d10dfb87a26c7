/**
 * CONTRACT §5: every admin route but `GET /health` requires `Authorization: Bearer <admin.token>`.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { GatewayError } from "@turnpike/core";

const CHALLENGE = { "WWW-Authenticate": 'Bearer realm="turnpike-admin"' };

// Both sides are hashed first so the comparison has a fixed length and time: timingSafeEqual alone
// would leak the token's length by refusing inputs of another size.
function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/**
 * Middleware checking the bearer token in constant time. With `token` undefined (the admin API bound to
 * loopback without a token, which the core allows) every request passes.
 *
 * Error messages never repeat what the client sent: a mistyped token is still close to a secret.
 */
export function bearerAuth(token: string | undefined): RequestHandler {
  if (token === undefined) return (_req, _res, next) => next();
  const expected = digest(token);
  return function checkAdminToken(req, _res, next) {
    const header = req.headers.authorization;
    if (header === undefined)
      return next(new GatewayError("UNAUTHORIZED", "The admin API requires an Authorization: Bearer token", { headers: CHALLENGE }));
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      return next(new GatewayError("UNAUTHORIZED", "The admin token is missing or invalid", { headers: { ...CHALLENGE } }));
    }
    next();
  };
}
