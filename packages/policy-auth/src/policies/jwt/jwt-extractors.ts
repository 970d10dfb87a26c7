/**
 * Express Gateway's JWT extractors (`header`, `query`, `authScheme`, `authBearer`), each able to find
 * the token, refuse an ambiguous request (the token sent twice) and remove the token before
 * forwarding.
 */
import type { IncomingMessage } from "node:http";
import { DUPLICATE, singleHeader, singleQueryParam, withoutQueryParam } from "../../auth/request-credentials.js";

/** Where a token comes from. */
export interface JwtExtractor {
  /** The token, `undefined` when absent, {@link DUPLICATE} when sent more than once. */
  extract(req: IncomingMessage): string | typeof DUPLICATE | undefined;
  /** Removes the token from the request. */
  strip(req: IncomingMessage): void;
  /** The `WWW-Authenticate` scheme of a 401, when the token travels in `Authorization`. */
  readonly scheme: string | undefined;
}

function fromAuthScheme(scheme: string): JwtExtractor {
  const lower = scheme.toLowerCase();
  return {
    scheme,
    extract(req) {
      const value = singleHeader(req, "authorization");
      if (value === undefined || value === DUPLICATE) return value;
      const v = value.trim();
      const sp = v.indexOf(" ");
      if (sp !== lower.length || v.slice(0, sp).toLowerCase() !== lower) return undefined;
      const token = v.slice(sp + 1).trim();
      return token === "" ? undefined : token;
    },
    strip(req) {
      delete req.headers.authorization;
    },
  };
}

/** The extractor `name` reading `field` (a header, query parameter or scheme). */
export function jwtExtractor(name: "header" | "query" | "authScheme" | "authBearer", field: string | undefined): JwtExtractor {
  switch (name) {
    case "authBearer":
      return fromAuthScheme("Bearer");
    case "authScheme":
      return fromAuthScheme(field!);
    case "header": {
      const header = field!.toLowerCase();
      return {
        scheme: undefined,
        extract: (req) => {
          const value = singleHeader(req, header);
          return value === DUPLICATE ? value : value?.trim() || undefined;
        },
        strip(req) {
          delete req.headers[header];
        },
      };
    }
    case "query":
      return {
        scheme: undefined,
        extract: (req) => (req.url === undefined ? undefined : singleQueryParam(req.url, field!) || undefined),
        strip(req) {
          if (req.url !== undefined) req.url = withoutQueryParam(req.url, field!);
        },
      };
  }
}
