/**
 * Options of the `jwt` policy: Express Gateway's, plus JWKS, clock tolerance and the common auth
 * options. `algorithms` never offers `none`.
 */
import type { JsonSchema } from "@turnpike/core";
import { commonAuthProperties } from "../common-schema.js";

/** Algorithms the `jwt` policy accepts (HMAC, RSA PKCS#1, ECDSA, RSA-PSS); `none` is not among them. */
export const JWT_ALGORITHMS = [
  "HS256",
  "HS384",
  "HS512",
  "RS256",
  "RS384",
  "RS512",
  "ES256",
  "ES384",
  "ES512",
  "PS256",
  "PS384",
  "PS512",
] as const;

/** One of {@link JWT_ALGORITHMS}. */
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** Express Gateway's token extractors. */
export const JWT_EXTRACTORS = ["header", "query", "authScheme", "authBearer"] as const;

/** Validated options of `jwt`. */
export interface JwtOptions {
  secretOrPublicKey?: string;
  secretOrPublicKeyFile?: string;
  jwksUri?: string;
  jwksCacheMaxAge: number;
  jwksRequestsPerMinute: number;
  jwksTimeout: number;
  algorithms?: JwtAlgorithm[];
  audience?: string | string[];
  issuer?: string | string[];
  clockTolerance: number;
  jwtExtractor: (typeof JWT_EXTRACTORS)[number];
  jwtExtractorField?: string;
  checkCredentialExistence: boolean;
  passThrough: boolean;
  passCredentials: boolean;
  realm: string;
}

const stringOrList = (description: string): Record<string, unknown> => ({
  anyOf: [
    { type: "string", minLength: 1 },
    { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
  ],
  description,
});

/** JSON Schema of the `jwt` options. */
export const jwtSchema: JsonSchema = {
  type: "object",
  properties: {
    secretOrPublicKey: {
      type: "string",
      minLength: 1,
      description:
        "The HMAC secret, or a PEM public key or certificate, that verifies the tokens' signatures. Give exactly one of secretOrPublicKey, secretOrPublicKeyFile and jwksUri.",
    },
    secretOrPublicKeyFile: {
      type: "string",
      minLength: 1,
      description: "A file (relative to the config file) holding the secret or PEM public key.",
    },
    jwksUri: {
      type: "string",
      pattern: "^https?://",
      description:
        "URL of a JSON Web Key Set: the key is picked by the token's `kid`; keys are cached and the set is fetched again for an unknown `kid` (rate limited).",
    },
    jwksCacheMaxAge: { type: "integer", minimum: 0, default: 600000, description: "How long (ms) a key from the JWKS is kept." },
    jwksRequestsPerMinute: {
      type: "integer",
      minimum: 1,
      default: 10,
      description: "Most JWKS fetches per minute (unknown `kid`s beyond that are refused).",
    },
    jwksTimeout: {
      type: "integer",
      minimum: 1,
      default: 5000,
      description: "Time (ms) allowed for a JWKS fetch; a failed fetch answers 503.",
    },
    algorithms: {
      type: "array",
      minItems: 1,
      uniqueItems: true,
      items: { type: "string", enum: [...JWT_ALGORITHMS] },
      description:
        "Accepted signature algorithms. Required with a public key or JWKS; default with a secret: HS256, HS384, HS512. `none` is never accepted.",
    },
    audience: stringOrList("Accepted `aud` values (the token must name one)."),
    issuer: stringOrList("Accepted `iss` values."),
    clockTolerance: {
      type: "integer",
      minimum: 0,
      maximum: 3600,
      default: 0,
      description: "Seconds of clock skew allowed when checking `exp` and `nbf`.",
    },
    jwtExtractor: {
      type: "string",
      enum: [...JWT_EXTRACTORS],
      default: "authBearer",
      description:
        "Where the token is: `authBearer` (Authorization: Bearer), `authScheme` (Authorization with the scheme in jwtExtractorField), `header` or `query` (named by jwtExtractorField).",
    },
    jwtExtractorField: { type: "string", minLength: 1, description: "The header, query parameter or scheme the extractor reads." },
    checkCredentialExistence: {
      type: "boolean",
      default: true,
      description:
        "Require the token's `sub` to be the keyId of an active jwt credential of an active consumer, who becomes the request's consumer (Express Gateway).",
    },
    ...commonAuthProperties,
  },
};
