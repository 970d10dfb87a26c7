/**
 * Options every auth policy has (Express Gateway's `passThrough`, plus Turnpike's `passCredentials`
 * and `realm`).
 */
export const commonAuthProperties = {
  passThrough: {
    type: "boolean",
    default: false,
    description:
      "Let a request that does not authenticate (no, invalid or insufficient credentials) continue without a consumer, e.g. to a later auth policy or an `anonymous` condition (Express Gateway).",
  },
  passCredentials: {
    type: "boolean",
    default: false,
    description:
      "Forward the credential this policy consumed to the upstream. By default it is removed (the header, or the query parameter with the others kept in order).",
  },
  realm: {
    type: "string",
    minLength: 1,
    pattern: "^[\\x20-\\x7e]+$",
    default: "turnpike",
    description: "Realm named in the `WWW-Authenticate` challenge of a 401.",
  },
} as const;

/** An HTTP header name (RFC 9110 token). */
export const HEADER_NAME_PATTERN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";
