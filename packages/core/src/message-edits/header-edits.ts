/**
 * Header additions and removals written in configuration, shared by the `headers`, `request-transformer`
 * and `response-transformer` policies: names checked and values compiled once at load (see
 * eg-value.ts), applied per request with one rule: a value that comes out empty, or that cannot be sent
 * in a header, removes the header instead.
 */
import type { Request, Response } from "express";
import { joinPath } from "../config/schema-validator.js";
import { type ConfigProblem, isConfigError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { PolicyContext } from "../pipeline/define.js";
import { FORWARDING_HEADERS, HOP_BY_HOP, isIdentityHeader } from "../proxy/forwarded-headers.js";
import { compileEgValue, evaluateEgValue, type EgValue } from "../expressions/eg-value.js";

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** True when `name` is a valid HTTP header name (an RFC 9110 token). */
export function isHeaderName(name: string): boolean {
  return TOKEN.test(name);
}

/** True when `value` may be sent as a header value (no control characters, nothing beyond Latin-1). */
export function isHeaderValue(value: string): boolean {
  return HEADER_VALUE.test(value);
}

// Headers the gateway itself decides on the way upstream (see proxy/forwarded-headers.ts): a value set
// here would be dropped or replaced there, or, for framing, would corrupt the request.
const REQUEST_GATEWAY_MANAGED: Record<string, string> = {
  host: "the proxy sets Host (see its changeOrigin option)",
  "x-request-id": "the gateway sets the request id",
  "content-length": "the body's framing is the gateway's",
};

/**
 * Why a (lower-case) request header name may not be set or removed by configuration, or undefined when
 * it may: identity, hop-by-hop, framing and forwarding headers are the gateway's.
 */
export function reservedRequestHeaderReason(name: string): string | undefined {
  if (isIdentityHeader(name))
    return "identity headers are removed from every request and set only by the gateway, so clients and configuration cannot forge them";
  if (HOP_BY_HOP.has(name)) return "hop-by-hop headers are never forwarded";
  if (FORWARDING_HEADERS.has(name)) return "forwarding headers are the gateway's (see the proxy's xfwd option and trustProxy)";
  return REQUEST_GATEWAY_MANAGED[name];
}

/** A compiled header addition. */
export interface HeaderAdd extends EgValue {
  /** Lower-case: `req.headers` keys are, and a second spelling would forward the client's copy as well. */
  readonly name: string;
}

/** Compiled header transformations. */
export interface HeaderEdits {
  readonly add: readonly HeaderAdd[];
  /** Lower-case names. */
  readonly remove: readonly string[];
}

/** Why a header name cannot be changed, or undefined when it can. */
export type ReservedHeaderReason = (lowerCaseName: string) => string | undefined;

/** Checks one name as written; the lower-case name, or undefined after recording the problem. */
function checkHeaderName(
  raw: string,
  path: string,
  reserved: ReservedHeaderReason,
  verb: string,
  problems: ConfigProblem[],
): string | undefined {
  const name = raw.toLowerCase();
  if (!isHeaderName(name)) {
    problems.push({ path, message: `${JSON.stringify(raw)} is not a valid header name` });
    return undefined;
  }
  const reason = reserved(name);
  if (reason !== undefined) {
    problems.push({ path, message: `header ${JSON.stringify(name)} cannot be ${verb} by this policy: ${reason}` });
    return undefined;
  }
  return name;
}

/**
 * Compiles one header addition, recording problems at `path`.
 * @param raw the header name as written (with any prefix)
 * @param seen lower-case names already added by this step (a second spelling is a problem)
 * @param verb how the messages name the change (`set`, `changed`)
 */
export function compileHeaderAdd(
  raw: string,
  value: string | number | boolean,
  path: string,
  ctx: Pick<PolicyContext, "compileTemplate">,
  reserved: ReservedHeaderReason,
  verb: string,
  seen: Set<string>,
  problems: ConfigProblem[],
): HeaderAdd | undefined {
  const name = checkHeaderName(raw, path, reserved, verb, problems);
  if (name === undefined) return undefined;
  if (seen.has(name)) {
    problems.push({ path, message: `header ${JSON.stringify(name)} is already set by another entry (names are case-insensitive)` });
    return undefined;
  }
  seen.add(name);
  try {
    const compiled = compileEgValue(value, path, ctx);
    if (compiled.constant !== undefined && !isHeaderValue(compiled.constant)) {
      problems.push({ path, message: "contains characters not allowed in a header value (control characters or beyond Latin-1)" });
      return undefined;
    }
    return { name, ...compiled };
  } catch (err) {
    if (!isConfigError(err)) throw err;
    problems.push(...err.problems);
    return undefined;
  }
}

/**
 * Compiles a transformer's `headers.add`/`headers.remove`, collecting problems at each entry's path.
 * @param reserved why a lower-case name may not be changed, or undefined when it may.
 */
export function compileHeaderEdits(
  spec: { add?: Record<string, string | number>; remove?: string[] },
  base: string,
  ctx: Pick<PolicyContext, "compileTemplate" | "warn">,
  reserved: ReservedHeaderReason,
  problems: ConfigProblem[],
): HeaderEdits {
  const add: HeaderAdd[] = [];
  const seen = new Set<string>();
  for (const [key, value] of Object.entries(spec.add ?? {})) {
    const header = compileHeaderAdd(key, value, joinPath(joinPath(base, "add"), key), ctx, reserved, "changed", seen, problems);
    if (header !== undefined) add.push(header);
  }
  const remove: string[] = [];
  (spec.remove ?? []).forEach((raw, i) => {
    const path = joinPath(joinPath(base, "remove"), i);
    const name = checkHeaderName(raw, path, reserved, "changed", problems);
    if (name === undefined) return;
    if (seen.has(name)) ctx.warn(`${path}: header ${JSON.stringify(name)} is also in add; it is removed (removals come after additions)`);
    remove.push(name);
  });
  return { add, remove };
}

/** Where header additions are applied: the request's headers or the response's. */
export interface HeaderTarget {
  /** How a dropped header is named in the log (`header`, `response header`). */
  readonly what: string;
  set(req: Request, res: Response, name: string, value: string): void;
  remove(req: Request, res: Response, name: string): void;
}

/** The request's headers, as the proxy will forward them. */
export const REQUEST_HEADERS: HeaderTarget = {
  what: "header",
  set: (req, _res, name, value) => void (req.headers[name] = value),
  remove: (req, _res, name) => void delete req.headers[name],
};

/** The response's headers, before its head is written. */
export const RESPONSE_HEADERS: HeaderTarget = {
  what: "response header",
  set: (_req, res, name, value) => void res.setHeader(name, value),
  remove: (_req, res, name) => void res.removeHeader(name),
};

/**
 * Applies additions, then removals, for one request. The policy owns the names it adds: a copy the
 * client (or upstream) sent never survives, even when ours comes out empty (an anonymous request must
 * not pass its own `eg-id` where the consumer's id is expected).
 */
export function applyHeaderEdits(edits: HeaderEdits, req: Request, res: Response, target: HeaderTarget, logger: Logger): void {
  for (const header of edits.add) {
    const value = evaluateEgValue(header, req, res);
    if (value === "") {
      target.remove(req, res, header.name);
    } else if (!isHeaderValue(value)) {
      target.remove(req, res, header.name);
      logger.warn(
        "%s %s not sent: its value contains characters not allowed in a header (request %s)",
        target.what,
        header.name,
        res.locals.turnpike?.requestId,
      );
    } else {
      target.set(req, res, header.name, value);
    }
  }
  for (const name of edits.remove) target.remove(req, res, name);
}
