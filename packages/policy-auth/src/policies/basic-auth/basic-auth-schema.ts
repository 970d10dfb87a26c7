/**
 * Options of the `basic-auth` policy: Express Gateway's `passThrough`, plus the common auth options.
 */
import type { JsonSchema } from "@turnpike/core";
import { commonAuthProperties } from "../common-schema.js";

/** Validated options of `basic-auth`. */
export interface BasicAuthOptions {
  passThrough: boolean;
  passCredentials: boolean;
  realm: string;
}

/** JSON Schema of the `basic-auth` options. */
export const basicAuthSchema: JsonSchema = {
  type: "object",
  properties: { ...commonAuthProperties },
};
