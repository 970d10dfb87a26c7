/**
 * Options of the `key-auth` policy: Express Gateway's, plus the common auth options.
 */
import type { JsonSchema } from "@turnpike/core";
import { commonAuthProperties, HEADER_NAME_PATTERN } from "../common-schema.js";

/** Validated options of `key-auth`. */
export interface KeyAuthOptions {
  apiKeyHeader: string;
  apiKeyHeaderScheme: string;
  apiKeyField: string;
  disableHeaders: boolean;
  disableHeadersScheme: boolean;
  disableQueryParam: boolean;
  passThrough: boolean;
  passCredentials: boolean;
  realm: string;
}

/** JSON Schema of the `key-auth` options. */
export const keyAuthSchema: JsonSchema = {
  type: "object",
  properties: {
    apiKeyHeader: {
      type: "string",
      pattern: HEADER_NAME_PATTERN,
      default: "Authorization",
      description:
        "Header carrying the key, as `<apiKeyHeaderScheme> <keyId>:<keySecret>` (or only `<keyId>:<keySecret>` with `disableHeadersScheme`).",
    },
    apiKeyHeaderScheme: {
      type: "string",
      pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
      default: "apiKey",
      description:
        "Scheme the header value must start with (case-insensitive). A header with another scheme is ignored (the query parameter may still carry the key).",
    },
    apiKeyField: {
      type: "string",
      minLength: 1,
      default: "apiKey",
      description: "Query parameter carrying the key as `<keyId>:<keySecret>`.",
    },
    disableHeaders: { type: "boolean", default: false, description: "Do not look for the key in the header." },
    disableHeadersScheme: {
      type: "boolean",
      default: false,
      description:
        "Plain header mode: the header holds only the key (e.g. `apiKeyHeader: x-api-key` with `x-api-key: <keyId>:<keySecret>`); no scheme is checked.",
    },
    disableQueryParam: { type: "boolean", default: false, description: "Do not look for the key in the query string." },
    ...commonAuthProperties,
  },
};
