/**
 * Request bodies of the admin API: JSON objects only, bounded in size. Anything else is answered before a
 * handler runs: 415 for another media type, 413 over the limit, 400 for malformed JSON.
 */
import express, { type RequestHandler } from "express";
import { GatewayError } from "@turnpike/core";

/** Largest request body the admin API reads (a user or credential is a few hundred bytes). */
export const BODY_LIMIT_BYTES = 64 * 1024;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

function hasBody(req: { headers: Record<string, string | string[] | undefined> }): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/**
 * Parses JSON bodies into `req.body` (an empty object when there is none).
 *
 * Parse errors get a fixed message: the parser's own quotes the offending text, which may be a secret.
 */
export function jsonBody(limit = BODY_LIMIT_BYTES): RequestHandler[] {
  const parse = express.json({ limit, strict: true, type: () => true });
  return [
    function requireJson(req, _res, next) {
      if (!hasBody(req)) {
        req.body = {};
        return next();
      }
      const type = req.headers["content-type"];
      if (typeof type !== "string" || !JSON_TYPE.test(type)) {
        return next(new GatewayError("UNSUPPORTED_MEDIA_TYPE", "Request bodies must be JSON (Content-Type: application/json)"));
      }
      parse(req, _res, (err?: unknown) => {
        if (err === undefined) return next();
        const e = err as { status?: number; type?: string };
        if (e.status === 413 || e.type === "entity.too.large")
          return next(new GatewayError("PAYLOAD_TOO_LARGE", `The request body is larger than ${limit} bytes`));
        if (e.status === 415 || e.type === "charset.unsupported" || e.type === "encoding.unsupported") {
          return next(new GatewayError("UNSUPPORTED_MEDIA_TYPE", "Request bodies must be UTF-8 JSON"));
        }
        next(new GatewayError("BAD_REQUEST", "The request body is not valid JSON"));
      });
    },
  ];
}
