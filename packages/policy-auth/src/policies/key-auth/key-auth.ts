/**
 * The `key-auth` policy (Express Gateway's): authenticates `keyId:keySecret` API keys sent in a header
 * (`Authorization: apiKey <keyId>:<keySecret>` by default) or the query string (`?apiKey=...`).
 *
 * The hot path (a declared or cached key) allocates little and never queries the store or runs a slow
 * hash: one map lookup and one SHA-256 digest compared in constant time.
 */
import { ConfigError, definePolicy, type PolicyMiddleware } from "@turnpike/core";
import { explainAuth } from "../../auth/explain-auth.js";
import type { NextFunction, Request, Response } from "express";
import { admit, quoteRealm, refuse } from "../../auth/auth-outcome.js";
import { checkSecret, INVALID, setUpAuth, type CheckResult } from "../../auth/auth-setup.js";
import { DUPLICATE, singleHeader, singleQueryParam, withoutQueryParam } from "../../auth/request-credentials.js";
import { keyAuthSchema, type KeyAuthOptions } from "./key-auth-schema.js";

/** The `key-auth` policy. */
export const keyAuthPolicy = definePolicy<KeyAuthOptions>({
  name: "key-auth",
  phase: "auth",
  description: "Authenticates API keys (`keyId:keySecret`) from a header or the query string.",
  schema: keyAuthSchema,
  create(options, ctx) {
    if (options.disableHeaders && options.disableQueryParam) {
      throw new ConfigError([{ path: ctx.path, message: "disableHeaders and disableQueryParam leave no place to send a key" }]);
    }
    const setup = setUpAuth(ctx);
    const useHeader = !options.disableHeaders;
    const useQuery = !options.disableQueryParam;
    const header = options.apiKeyHeader.toLowerCase();
    const field = options.apiKeyField;
    const checkScheme = !options.disableHeadersScheme;
    const scheme = options.apiKeyHeaderScheme.toLowerCase();
    const challenge =
      useHeader && checkScheme && header === "authorization"
        ? `${options.apiKeyHeaderScheme} realm=${quoteRealm(options.realm)}`
        : undefined;

    /** The key in a header value, or undefined when the value is for another scheme. */
    const keyInHeader = (value: string): string | undefined => {
      const v = value.trim();
      if (!checkScheme) {
        // Express Gateway takes the last space-separated part, so `apiKey <key>` also works here.
        const sp = v.lastIndexOf(" ");
        return sp === -1 ? v : v.slice(sp + 1);
      }
      const sp = v.indexOf(" ");
      if (sp !== scheme.length || v.slice(0, sp).toLowerCase() !== scheme) return undefined;
      return v.slice(sp + 1).trimStart();
    };

    const finish = (req: Request, res: Response, next: NextFunction, result: CheckResult, fromQuery: boolean): void => {
      if (result === INVALID) return refuse("invalid", options, challenge, next);
      if (!admit(req, res, result.consumer, result.user, result.scopes)) return refuse("scope", options, challenge, next);
      if (!options.passCredentials) {
        if (fromQuery) req.url = withoutQueryParam(req.url, field);
        else delete req.headers[header];
      }
      next();
    };

    return function keyAuth(req, res, next) {
      let key: string | undefined;
      let fromQuery = false;
      if (useHeader) {
        const value = singleHeader(req, header);
        if (value === DUPLICATE) return refuse("ambiguous", options, challenge, next);
        if (value !== undefined) key = keyInHeader(value);
      }
      if (useQuery && req.url.indexOf("?") !== -1) {
        const value = singleQueryParam(req.url, field);
        if (value === DUPLICATE || (value !== undefined && key !== undefined)) return refuse("ambiguous", options, challenge, next);
        if (value !== undefined) {
          key = value;
          fromQuery = true;
        }
      }
      if (key === undefined || key === "") return refuse("missing", options, challenge, next);
      const colon = key.indexOf(":");
      if (colon <= 0 || colon === key.length - 1) return refuse("invalid", options, challenge, next);

      const result = checkSecret(setup, "key-auth", key.slice(0, colon), key.slice(colon + 1));
      if (result instanceof Promise) {
        result.then((r) => finish(req, res, next, r, fromQuery), next);
      } else {
        finish(req, res, next, result, fromQuery);
      }
    };
  },
  async explain(options, ctx) {
    const handle = (await this.create(options, ctx)) as PolicyMiddleware;
    const places = [
      ...(options.disableHeaders
        ? []
        : [`in header ${options.apiKeyHeader}${options.disableHeadersScheme ? "" : ` (scheme ${options.apiKeyHeaderScheme})`}`]),
      ...(options.disableQueryParam ? [] : [`in query parameter ${options.apiKeyField}`]),
    ];
    return explainAuth("key-auth", places.join(" or "), handle, ctx);
  },
});
