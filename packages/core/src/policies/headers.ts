/**
 * The `headers` policy (Express Gateway's): sets request headers for the upstream, `headersPrefix` +
 * name, from values computed per request.
 *
 * Express Gateway ran each value as JavaScript (`vm.runInNewContext`) on every request. Turnpike compiles
 * each value once, at load, with the template compiler, so a value may only read properties: a bare
 * Express Gateway expression (`consumer.id`, `req.headers['x-a']`, `'text'`) reads as the template
 * `${consumer.id}`; a value containing `${...}` is a template as written. Anything the compiler cannot
 * read (`'id-' + consumer.id`, function calls) is refused at load, at the value's path.
 */
import { joinPath } from "../config/schema-validator.js";
import { ConfigError, type ConfigProblem } from "../errors.js";
import { definePolicy, type PolicyContext } from "../pipeline/define.js";
import { HOP_BY_HOP, isIdentityHeader } from "../proxy/forwarded-headers.js";
import { compileEgValue, type EgValue } from "./eg-value.js";

/** Options of the `headers` policy. */
export interface HeadersOptions {
  headersPrefix: string;
  /** Header name (before the prefix) → value: an Express Gateway expression, a template, or a number/boolean literal. */
  forwardHeaders: Record<string, string | number | boolean>;
}

/** JSON Schema of the headers policy's options. */
export const headersSchema = {
  type: "object",
  properties: {
    headersPrefix: { type: "string", default: "", description: "Prefix added to every header name in `forwardHeaders`, e.g. `eg-`." },
    forwardHeaders: {
      type: "object",
      additionalProperties: { type: ["string", "number", "boolean"] },
      default: {},
      description:
        "Headers to set on the request sent upstream: name → value. A value is an Express Gateway expression that reads a property (`consumer.id`, `req.user.id`, `req.headers['x-a']`, `requestID`), a quoted literal (`\"'v1'\"`), or a template (`\"id-${consumer.id}\"`). A header whose value comes out empty is not sent, and a client's header of that name is removed.",
    },
  },
} as const;

// Headers the gateway itself decides on the way upstream (see proxy/forwarded-headers.ts): a value set
// here would be dropped or replaced there, or, for framing, would corrupt the request.
const GATEWAY_MANAGED: Record<string, string> = {
  host: "the proxy sets Host (see its changeOrigin option)",
  "x-request-id": "the gateway sets the request id",
  "content-length": "the body's framing is the gateway's",
  "x-forwarded-for": "forwarding headers are the gateway's (see the proxy's xfwd option and trustProxy)",
  "x-forwarded-proto": "forwarding headers are the gateway's (see the proxy's xfwd option and trustProxy)",
  "x-forwarded-host": "forwarding headers are the gateway's (see the proxy's xfwd option and trustProxy)",
  "x-forwarded-port": "forwarding headers are the gateway's (see the proxy's xfwd option and trustProxy)",
  forwarded: "forwarding headers are the gateway's (see the proxy's xfwd option and trustProxy)",
  "x-real-ip": "forwarding headers are the gateway's (see the proxy's xfwd option and trustProxy)",
};

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

interface ForwardedHeader extends EgValue {
  /** Lower-case: `req.headers` keys are, and a second spelling would forward the client's copy as well. */
  readonly name: string;
}

/** True when `name` is a valid HTTP header name (an RFC 9110 token). */
export function isHeaderName(name: string): boolean {
  return TOKEN.test(name);
}

/** True when `value` may be sent as a header value (no control characters, nothing beyond Latin-1). */
export function isHeaderValue(value: string): boolean {
  return HEADER_VALUE.test(value);
}

/**
 * Why a (lower-case) request header name may not be set or removed by configuration, or undefined when
 * it may: identity, hop-by-hop, framing and forwarding headers are the gateway's.
 */
export function reservedRequestHeaderReason(name: string): string | undefined {
  if (isIdentityHeader(name)) return "identity headers are removed from every request and set only by the gateway, so clients and configuration cannot forge them";
  if (HOP_BY_HOP.has(name)) return "hop-by-hop headers are never forwarded";
  return GATEWAY_MANAGED[name];
}

function compileHeaders(options: HeadersOptions, ctx: PolicyContext): ForwardedHeader[] {
  const problems: ConfigProblem[] = [];
  const compiled: ForwardedHeader[] = [];
  const seen = new Set<string>();
  const base = joinPath(ctx.path, "forwardHeaders");
  for (const [key, value] of Object.entries(options.forwardHeaders)) {
    const path = joinPath(base, key);
    const name = `${options.headersPrefix}${key}`.toLowerCase();
    if (!TOKEN.test(name)) {
      problems.push({ path, message: `${JSON.stringify(`${options.headersPrefix}${key}`)} is not a valid header name` });
      continue;
    }
    const reserved = reservedRequestHeaderReason(name);
    if (reserved !== undefined) {
      problems.push({ path, message: `header ${JSON.stringify(name)} cannot be set by this policy: ${reserved}` });
      continue;
    }
    if (seen.has(name)) {
      problems.push({ path, message: `header ${JSON.stringify(name)} is already set by another entry (names are case-insensitive)` });
      continue;
    }
    seen.add(name);
    try {
      const header = { name, ...compileEgValue(value, path, ctx) };
      if (header.constant !== undefined && !HEADER_VALUE.test(header.constant)) {
        problems.push({ path, message: "contains characters not allowed in a header value (control characters or beyond Latin-1)" });
        continue;
      }
      if (header.constant === "") ctx.warn(`forwardHeaders.${key} is always empty: the header is never sent`);
      compiled.push(header);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return compiled;
}

/** The `headers` policy. */
export const headersPolicy = definePolicy<HeadersOptions>({
  name: "headers",
  description: "Sets request headers for the upstream from the consumer, the request or literals.",
  schema: headersSchema,
  create(options, ctx) {
    const headers = compileHeaders(options, ctx);
    if (headers.length === 0) ctx.warn("no forwardHeaders: the policy does nothing");
    const logger = ctx.logger;
    return function headersMiddleware(req, res, next) {
      for (const header of headers) {
        const value = header.constant ?? header.template!(req, res);
        // The policy owns these names: a client's copy never reaches the upstream, even when ours is empty
        // (an anonymous request must not pass its own `eg-id` where the consumer's id is expected).
        if (value === "") {
          delete req.headers[header.name];
        } else if (!HEADER_VALUE.test(value)) {
          delete req.headers[header.name];
          logger.warn("header %s not sent: its value contains characters not allowed in a header (request %s)", header.name, res.locals.turnpike?.requestId);
        } else {
          req.headers[header.name] = value;
        }
      }
      next();
    };
  },
});
