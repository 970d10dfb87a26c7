/**
 * Routing one request: its canonical target, the one-host rules, one matcher lookup, then the request's
 * state in `res.locals.turnpike` and what Express's router would have set on `req`. The server's handler
 * and `explain` both route through here, so an explanation routes exactly as a request would.
 */
import type { Request, Response } from "express";
import { performance } from "node:perf_hooks";
import { GatewayError, isGatewayError } from "../errors.js";
import type { CompiledPipeline, Snapshot } from "../pipeline/compile-gateway.js";
import type { RequestState } from "../request-state.js";
import { canonicalizeTarget, normalizeHost } from "../routing/canonical-target.js";
import type { RouteMatch } from "../routing/compile-matcher.js";
import { announceDeprecation, matchVersioned } from "../routing/versioning.js";
import { clientAddress, type TrustFunction } from "./trust-proxy.js";

/**
 * Routes `req` on `snapshot`.
 * @returns the match (state set on `res.locals.turnpike`, deprecation headers on `res`), or the error
 *   to answer: 400 for a malformed target or Host or a missing version, 404 when no apiEndpoint matches
 *   (or the version does not exist), 410 for a retired version
 */
export function routeRequest(
  req: Request,
  res: Response,
  snapshot: Snapshot,
  trust: TrustFunction,
  requestId: string,
  peerTrusted: boolean,
): RouteMatch<CompiledPipeline> | GatewayError {
  const target = canonicalizeTarget(req.url);
  if (isGatewayError(target)) return target;
  // RFC 9112 §3.2: an HTTP/1.1 request without Host is malformed (absolute-form carries its own).
  if (req.headers.host === undefined && target.authority === undefined && req.httpVersionMinor === 1 && req.httpVersionMajor === 1) {
    return new GatewayError("BAD_REQUEST", "The Host header is required");
  }
  // Node keeps the first of several Host lines; a server behind us might keep the last. Ambiguous: 400.
  if (hasRepeatedHost(req.rawHeaders)) {
    return new GatewayError("BAD_REQUEST", "More than one Host header");
  }
  // RFC 9112 §3.2.2: with an absolute-form target the Host header is ignored and replaced by the
  // target's authority, so routing, every policy (rate-limit by host, the cache key) and the upstream's
  // X-Forwarded-Host all see the one host the request was routed on.
  if (target.authority !== undefined) req.headers.host = target.authority;
  const host = normalizeHost(target.authority ?? req.headers.host);
  let match: RouteMatch<CompiledPipeline> | undefined;
  let version: string | undefined;
  let path = target.path;
  if (snapshot.versioning === undefined) match = snapshot.matcher.match(host, req.method, target.matchPath);
  else {
    const versioned = matchVersioned(snapshot.matcher, snapshot.versioning, req, host, target);
    if (isGatewayError(versioned)) return versioned;
    if (versioned !== undefined) ({ match, version, path } = versioned);
  }
  if (match === undefined) return new GatewayError("NOT_FOUND");
  if (match.endpoint.deprecated !== undefined) {
    const gone = announceDeprecation(match.endpoint, res, Date.now());
    if (gone !== undefined) return gone;
  }

  const forwardedProto = peerTrusted ? req.headers["x-forwarded-proto"] : undefined;
  const state: RequestState = {
    requestId,
    pipeline: match.target.name,
    apiEndpoint: match.endpoint,
    path,
    version,
    route: match.route,
    params: match.params,
    peerTrusted,
    clientIp: clientAddress(req, trust, peerTrusted),
    protocol:
      typeof forwardedProto === "string"
        ? forwardedProto.split(",")[0]!.trim()
        : (req.socket as { encrypted?: boolean }).encrypted
          ? "https"
          : "http",
    operation:
      match.operation === undefined
        ? undefined
        : {
            operationId: match.operation.operationId,
            template: match.operation.template,
            params: match.params,
            security: match.operation.security,
            description: match.operation,
          },
    startTime: performance.now(),
  };
  if (res.locals === undefined) res.locals = { turnpike: state } as Response["locals"];
  else res.locals.turnpike = state;
  // What Express's router would have set, for middleware written for Express.
  req.originalUrl ??= req.url;
  req.url = path + target.query;
  req.params = match.params;
  if (req.res === undefined) req.res = res;
  return match;
}

/** Whether the request head holds more than one Host line (names are compared case-insensitively). */
function hasRepeatedHost(rawHeaders: string[]): boolean {
  let seen = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 4 && name.toLowerCase() === "host") {
      if (seen) return true;
      seen = true;
    }
  }
  return false;
}
