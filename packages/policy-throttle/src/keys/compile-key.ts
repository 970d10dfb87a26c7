/**
 * What a throttling policy counts by (`by:` shortcuts and `rateLimitBy` templates), compiled once.
 *
 * A request that yields no key (an anonymous request under `by: consumer` or `${req.user.id}`, a missing
 * header) is counted by its client IP instead, in buckets of their own. Putting every such request into
 * one shared bucket would let one anonymous client use up the limit of all the others; counting them in
 * the same buckets as keyed requests would let a client pick a header value equal to someone's address.
 */
import { createHash } from "node:crypto";
import type { Request, Response } from "express";
import { ConfigError, normalizeHost, type PolicyContext } from "@turnpike/core";
import { createClientKey, type Ipv6Subnet } from "./client-key.js";

/** A compiled `by`. */
export interface ThrottleKey {
  /** The request's key, or `""` when it has none (then {@link ThrottleKey.clientKey} is used). */
  read(req: Request, res: Response): string;
  /** True when `read` is the client IP itself (no separate fallback buckets are needed). */
  readonly isClientIp: boolean;
  /** The canonical client-IP key of the request. */
  clientKey(res: Response): string;
  /** The form it was compiled from, e.g. `consumer`, `header:x-api-key`, `${req.user.id}`. */
  readonly source: string;
}

/** Shortcut names accepted by `by`, for schemas and messages. */
export const BY_SHORTCUTS = ["ip", "consumer", "credential", "host", "global", "header:<name>"] as const;

/** Description shared by every policy's `by` option. */
export const BY_DESCRIPTION =
  "What to count by: `ip` (the client address after `trustProxy`), `consumer` (the authenticated consumer's id), " +
  "`credential` (the credential's id), `host` (the Host header without port), `global` (one bucket for every request), " +
  "`header:<name>` (a request header's value), or a template such as `${req.user.id}`. Requests without a key " +
  "(anonymous, header missing) are counted by client IP, in buckets of their own.";

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

// Keys can come from client-chosen values (headers, templates): bound what a bucket name may cost in memory.
const MAX_KEY_LENGTH = 200;

function bounded(key: string): string {
  return key.length <= MAX_KEY_LENGTH ? key : `#${createHash("sha256").update(key).digest("base64url")}`;
}

function invalid(path: string, by: string): never {
  throw new ConfigError([
    {
      path,
      message: `${JSON.stringify(by)} is not a known key: use ${BY_SHORTCUTS.join(", ")} or a template such as "\${req.user.id}"`,
    },
  ]);
}

/**
 * Compiles `by` (a shortcut or a template), at `path` in the configuration.
 * @throws ConfigError for an unknown shortcut, a bad header name or an invalid template.
 */
export function compileKey(by: string, ctx: Pick<PolicyContext, "compileTemplate">, path: string, ipv6Subnet: Ipv6Subnet): ThrottleKey {
  const { make, clientKey } = keyMaker(by, ipv6Subnet);
  if (by.includes("${")) return make(compileTemplateRead(by, ctx, path));
  switch (by) {
    case "ip":
      return make((_req, res) => clientKey(res), true);
    case "consumer":
      return make((_req, res) => res.locals.turnpike.consumer?.id ?? "");
    case "credential":
      return make((_req, res) => res.locals.turnpike.consumer?.credential?.id ?? "");
    case "host":
      return make((req) => bounded(normalizeHost(req.headers.host)));
    case "global":
      return make(() => "*");
  }
  if (by.startsWith("header:")) {
    const name = by.slice("header:".length).toLowerCase();
    if (!HEADER_NAME.test(name)) invalid(path, by);
    return make((req) => {
      const value = req.headers[name];
      return typeof value === "string" ? bounded(value) : "";
    });
  }
  return invalid(path, by);
}

/**
 * Compiles Express Gateway's `rateLimitBy`: always a template, even without `${...}` (then it is one
 * bucket named by the text, as in Express Gateway).
 * @throws ConfigError for an invalid template.
 */
export function compileTemplateKey(
  source: string,
  ctx: Pick<PolicyContext, "compileTemplate">,
  path: string,
  ipv6Subnet: Ipv6Subnet,
): ThrottleKey {
  return keyMaker(source, ipv6Subnet).make(compileTemplateRead(source, ctx, path));
}

function keyMaker(
  source: string,
  ipv6Subnet: Ipv6Subnet,
): { make: (read: ThrottleKey["read"], isClientIp?: boolean) => ThrottleKey; clientKey: (res: Response) => string } {
  const toKey = createClientKey(ipv6Subnet);
  const clientKey = (res: Response): string => toKey(res.locals.turnpike.clientIp);
  return { make: (read, isClientIp = false) => ({ read, isClientIp, clientKey, source }), clientKey };
}

/**
 * A template key. A template that is all text (`"everyone"`) is one shared bucket, as written. Otherwise
 * a result equal to what the template gives for a request carrying nothing at all (`""` for
 * `${req.user.id}`, `"user-"` for `user-${req.user.id}`) means "no key".
 */
function compileTemplateRead(source: string, ctx: Pick<PolicyContext, "compileTemplate">, path: string): ThrottleKey["read"] {
  const template = ctx.compileTemplate(source, path);
  if (template.constant) {
    const value = bounded(template({} as Request, { locals: {} } as Response)) || "*";
    return () => value;
  }
  let blank = "";
  try {
    blank = template({ headers: {} } as Request, { locals: {} } as Response);
  } catch {
    // A getter that cannot run on an empty request: only "" then means "no key".
  }
  return (req, res) => {
    const value = template(req, res);
    return value === blank ? "" : bounded(value);
  };
}
