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
import { joinPath } from "../../config/schema-validator.js";
import { ConfigError, type ConfigProblem } from "../../errors.js";
import { definePolicy, type PolicyContext } from "../../pipeline/define.js";
import {
  applyHeaderEdits,
  compileHeaderAdd,
  REQUEST_HEADERS,
  reservedRequestHeaderReason,
  type HeaderAdd,
  type HeaderEdits,
} from "../../message-edits/header-edits.js";

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

function compileHeaders(options: HeadersOptions, ctx: PolicyContext): HeaderEdits {
  const problems: ConfigProblem[] = [];
  const add: HeaderAdd[] = [];
  const seen = new Set<string>();
  const base = joinPath(ctx.path, "forwardHeaders");
  for (const [key, value] of Object.entries(options.forwardHeaders)) {
    const header = compileHeaderAdd(
      `${options.headersPrefix}${key}`,
      value,
      joinPath(base, key),
      ctx,
      reservedRequestHeaderReason,
      "set",
      seen,
      problems,
    );
    if (header === undefined) continue;
    if (header.constant === "") ctx.warn(`forwardHeaders.${key} is always empty: the header is never sent`);
    add.push(header);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { add, remove: [] };
}

/** The `headers` policy. */
export const headersPolicy = definePolicy<HeadersOptions>({
  name: "headers",
  phase: "transform",
  description: "Sets request headers for the upstream from the consumer, the request or literals.",
  schema: headersSchema,
  create(options, ctx) {
    const edits = compileHeaders(options, ctx);
    if (edits.add.length === 0) ctx.warn("no forwardHeaders: the policy does nothing");
    const logger = ctx.logger;
    return function headersMiddleware(req, res, next) {
      applyHeaderEdits(edits, req, res, REQUEST_HEADERS, logger);
      next();
    };
  },
  explain(options) {
    const names = Object.keys(options.forwardHeaders).map((name) => `${options.headersPrefix}${name}`);
    return () => ({
      summary: names.length === 0 ? "sets no header" : `sets upstream header${names.length > 1 ? "s" : ""} ${names.join(", ")}`,
      details: { headers: names },
    });
  },
});
