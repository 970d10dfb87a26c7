/**
 * Options of the `rate-limit` policy: Express Gateway's (max, windowMs, rateLimitBy, message, statusCode,
 * and delayAfter/delayMs, accepted and ignored) plus Turnpike's.
 */
import { BY_DESCRIPTION } from "../../keys/compile-key.js";
import type { Ipv6Subnet } from "../../keys/client-key.js";
import { IPV6_SUBNET_OPTION, messageOption } from "../../shared-options.js";
import { STORE_OPTION, type StoreKind } from "../../stores/choose-store.js";
import { ON_STORE_ERROR_OPTION, type OnStoreError } from "../../stores/store-failures.js";

/** The `standardHeaders` option: which IETF RateLimit draft express-rate-limit writes, or none. */
export type StandardHeaders = "draft-6" | "draft-7" | "draft-8" | false;

/** Options of the `rate-limit` policy, after validation (defaults applied). */
export interface RateLimitOptions {
  max: number;
  windowMs: number;
  rateLimitBy?: string;
  by?: string;
  message?: string;
  statusCode: number;
  standardHeaders: StandardHeaders;
  legacyHeaders: boolean;
  store?: StoreKind;
  onStoreError: OnStoreError;
  ipv6Subnet: Ipv6Subnet;
  delayAfter?: number;
  delayMs?: number;
}

/** JSON Schema of the `rate-limit` options. */
export const rateLimitSchema = {
  type: "object",
  properties: {
    max: {
      type: "integer",
      minimum: 1,
      default: 5,
      description: "Requests allowed per key in each window; the next ones are answered 429 until the window ends.",
    },
    windowMs: {
      type: "integer",
      minimum: 1,
      default: 60000,
      description:
        "Length of a window in milliseconds. A key's window starts with its first request (fixed windows, as express-rate-limit's).",
    },
    rateLimitBy: {
      type: "string",
      minLength: 1,
      description:
        "Express Gateway's key template, e.g. `${req.user.id}` or `${req.headers['x-tenant']}`, compiled once at load. " +
        "A result equal to the template's value for a request carrying nothing (e.g. an anonymous `${req.user.id}`) " +
        "counts by client IP instead. Default (without `by` either): the client IP.",
    },
    by: { type: "string", minLength: 1, description: `${BY_DESCRIPTION} Default: \`ip\`. Not together with \`rateLimitBy\`.` },
    message: messageOption("the limit is reached"),
    statusCode: {
      type: "integer",
      minimum: 400,
      maximum: 599,
      default: 429,
      description: "Status of the answer when the limit is reached (Express Gateway's option; the code stays RATE_LIMITED).",
    },
    standardHeaders: {
      enum: ["draft-6", "draft-7", "draft-8", false],
      default: "draft-7",
      description:
        "Which IETF RateLimit headers to send on every response: `draft-7` (`RateLimit` and `RateLimit-Policy`), `draft-6` " +
        "(`RateLimit-Limit`, `-Remaining`, `-Reset`, `-Policy`), `draft-8` (named policies, one entry per step), or `false` for none. " +
        "`Retry-After` is always sent with 429.",
    },
    legacyHeaders: {
      type: "boolean",
      default: false,
      description:
        "Also send `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (epoch seconds), as Express Gateway did.",
    },
    store: STORE_OPTION,
    onStoreError: ON_STORE_ERROR_OPTION,
    ipv6Subnet: IPV6_SUBNET_OPTION,
    delayAfter: {
      type: "integer",
      deprecated: true,
      description: "Express Gateway's slow-down threshold; Turnpike answers 429 at the limit and never delays responses",
    },
    delayMs: {
      type: "integer",
      deprecated: true,
      description: "Express Gateway's slow-down delay; Turnpike answers 429 at the limit and never delays responses",
    },
  },
} as const;
