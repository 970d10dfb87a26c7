/**
 * The `basic-auth` policy (Express Gateway's): HTTP Basic authentication (RFC 7617) of a consumer's
 * username and its basic-auth credential's password. The password may contain `:` (only the first
 * colon separates it from the username).
 */
import { definePolicy, type PolicyMiddleware } from "@turnpike/core";
import { explainAuth } from "../../auth/explain-auth.js";
import type { NextFunction, Request, Response } from "express";
import { admit, quoteRealm, refuse } from "../../auth/auth-outcome.js";
import { checkSecret, INVALID, setUpAuth, type CheckResult } from "../../auth/auth-setup.js";
import { DUPLICATE, singleHeader } from "../../auth/request-credentials.js";
import { basicAuthSchema, type BasicAuthOptions } from "./basic-auth-schema.js";

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The `basic-auth` policy. */
export const basicAuthPolicy = definePolicy<BasicAuthOptions>({
  name: "basic-auth",
  phase: "auth",
  description: "Authenticates HTTP Basic credentials: a consumer's username and basic-auth password.",
  schema: basicAuthSchema,
  create(options, ctx) {
    const setup = setUpAuth(ctx);
    const challenge = `Basic realm=${quoteRealm(options.realm)}, charset="UTF-8"`;

    const finish = (req: Request, res: Response, next: NextFunction, result: CheckResult): void => {
      if (result === INVALID) return refuse("invalid", options, challenge, next);
      if (!admit(req, res, result.consumer, result.user, result.scopes)) return refuse("scope", options, challenge, next);
      if (!options.passCredentials) delete req.headers.authorization;
      next();
    };

    return function basicAuth(req, res, next) {
      const value = singleHeader(req, "authorization");
      if (value === DUPLICATE) return refuse("ambiguous", options, challenge, next);
      if (value === undefined) return refuse("missing", options, challenge, next);
      const v = value.trim();
      const sp = v.indexOf(" ");
      // Another scheme (e.g. a Bearer token for a later policy) is not a basic-auth attempt.
      if (sp !== 5 || v.slice(0, 5).toLowerCase() !== "basic") return refuse("missing", options, challenge, next);
      const encoded = v.slice(6).trim();
      if (!BASE64.test(encoded)) return refuse("invalid", options, challenge, next);
      const decoded = Buffer.from(encoded, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon <= 0) return refuse("invalid", options, challenge, next);

      const result = checkSecret(setup, "basic-auth", decoded.slice(0, colon), decoded.slice(colon + 1));
      if (result instanceof Promise) result.then((r) => finish(req, res, next, r), next);
      else finish(req, res, next, result);
    };
  },
  async explain(options, ctx) {
    const handle = (await this.create(options, ctx)) as PolicyMiddleware;
    return explainAuth("basic-auth", "in header Authorization (scheme Basic)", handle, ctx);
  },
});
