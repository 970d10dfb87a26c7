/**
 * The field tables of the admin API's resources (Express Gateway's models: lib/config/models/*.json),
 * and the patterns that keep stored values usable on the wire.
 */
import type { FieldSpec, FieldTable } from "../http/validate-body.js";

/** No control characters, and no `:` (the separator of Basic credentials and of `apiKey keyId:secret`). */
export const LOGIN_NAME: FieldSpec = { kind: "string", pattern: /^[^\x00-\x1f\x7f:]+$/, patternText: "printable characters without ':'" };
/** Visible ASCII without spaces or `:`: key ids travel in headers and `?apiKey=` parameters. */
export const KEY_ID: FieldSpec = {
  kind: "string",
  pattern: /^[\x21-\x39\x3b-\x7e]+$/,
  patternText: "visible ASCII characters without ':'",
};
/** Visible ASCII without spaces: the secret travels in a header. */
export const KEY_SECRET: FieldSpec = { kind: "string", pattern: /^[\x21-\x7e]+$/, patternText: "visible ASCII characters" };
/** Any printable text. */
export const PASSWORD: FieldSpec = { kind: "string", pattern: /^[^\x00-\x1f\x7f]+$/, patternText: "printable characters" };
/** RFC 6749's scope-token: visible ASCII except `"` and `\`. */
export const SCOPE_PATTERN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
/** Human description of {@link SCOPE_PATTERN}. */
export const SCOPE_PATTERN_TEXT = "visible ASCII characters except '\"' and '\\'";
/** A list of scope names (one string accepted, as in Express Gateway). */
export const SCOPES: FieldSpec = { kind: "strings", itemPattern: SCOPE_PATTERN, itemPatternText: SCOPE_PATTERN_TEXT };

const SERVER_OWNED: FieldSpec = { kind: "server-owned" };

/** Fields every stored record has and only the server writes. */
const RECORD_FIELDS: FieldTable = {
  id: SERVER_OWNED,
  isActive: SERVER_OWNED,
  createdAt: SERVER_OWNED,
  updatedAt: SERVER_OWNED,
  declared: SERVER_OWNED,
  type: SERVER_OWNED,
};

/** `POST /users`. */
export const NEW_USER: FieldTable = {
  ...RECORD_FIELDS,
  username: { ...LOGIN_NAME, required: true },
  firstname: { kind: "string" },
  lastname: { kind: "string" },
  email: { kind: "string", format: "email" },
  redirectUri: { kind: "string", format: "uri" },
};

/** `PUT /users/:id`: profile fields (`null` removes one); `username` only with its current value. */
export const USER_CHANGES: FieldTable = {
  ...RECORD_FIELDS,
  username: LOGIN_NAME,
  firstname: { kind: "string", nullable: true },
  lastname: { kind: "string", nullable: true },
  email: { kind: "string", format: "email", nullable: true },
  redirectUri: { kind: "string", format: "uri", nullable: true },
};

/** `POST /apps`. */
export const NEW_APP: FieldTable = {
  ...RECORD_FIELDS,
  userId: { kind: "string", required: true },
  name: { kind: "string", required: true },
  redirectUri: { kind: "string", format: "uri" },
};

/** `PUT /apps/:id`. */
export const APP_CHANGES: FieldTable = {
  ...RECORD_FIELDS,
  userId: SERVER_OWNED,
  name: { kind: "string" },
  redirectUri: { kind: "string", format: "uri", nullable: true },
};

/** `PUT .../status` (users, apps, credentials). */
export const STATUS_CHANGE: FieldTable = { status: { kind: "boolean", required: true } };

/** What each credential type's `credential` object may hold on `POST /credentials`. */
export const CREDENTIAL_FIELDS: Readonly<Record<string, FieldTable>> = {
  "key-auth": { keyId: KEY_ID, keySecret: KEY_SECRET, scopes: SCOPES, ...RECORD_FIELDS, consumerId: SERVER_OWNED },
  jwt: { keyId: KEY_ID, keySecret: KEY_SECRET, scopes: SCOPES, ...RECORD_FIELDS, consumerId: SERVER_OWNED },
  "basic-auth": { password: PASSWORD, scopes: SCOPES, ...RECORD_FIELDS, consumerId: SERVER_OWNED },
};

/** `POST /credentials` (the nested `credential` is checked per type, see {@link CREDENTIAL_FIELDS}). */
export const NEW_CREDENTIAL: FieldTable = {
  consumerId: { kind: "string", required: true },
  type: { kind: "string", required: true },
  credential: { kind: "object", fields: {} },
};

/** `PUT /credentials/:type/:id/scopes`. */
export const CREDENTIAL_SCOPES: FieldTable = { scopes: { ...SCOPES, required: true } };

/** `POST /scopes`. */
export const NEW_SCOPES: FieldTable = { scopes: { ...SCOPES, required: true } };
