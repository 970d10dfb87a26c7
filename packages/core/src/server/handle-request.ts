/**
 * The server's single request handler: request id, canonical target, one matcher lookup, then the
 * matched pipeline's middleware array. It reads the current snapshot once per request, so a reload that
 * swaps snapshots never changes the rules under a request already in flight.
 */
import type { Request, Response } from "express";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { GatewayError, isGatewayError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { CompiledPipeline } from "../pipeline/compile-gateway.js";
import { runPipeline } from "../pipeline/run-pipeline.js";
import type { RequestState } from "../request-state.js";
import { canonicalizeTarget, normalizeHost } from "../routing/canonical-target.js";
import type { RouteMatch } from "../routing/compile-matcher.js";
import { announceDeprecation, matchVersioned } from "../routing/versioning.js";
import { sendError } from "./send-error.js";
import type { SnapshotHolder } from "./snapshot-holder.js";
import { clientAddress } from "./trust-proxy.js";

/** Called when a response ends (finished or aborted), with the request's state. */
export type RequestObserver = (req: Request, res: Response, state: RequestState) => void;

/** What the handler needs from the gateway. */
export interface HandlerContext {
  /** The current snapshot, read once per request. */
  readonly snapshots: SnapshotHolder;
  readonly logger: Logger;
  readonly observers: readonly RequestObserver[];
  /** True while the gateway drains for shutdown: responses ask clients to close their connection. */
  draining(): boolean;
}

// Visible characters only and bounded length: a forwarded id ends up in logs and upstream headers.
const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

function pickRequestId(req: Request, peerTrusted: boolean): string {
  if (peerTrusted) {
    const sent = req.headers["x-request-id"];
    if (typeof sent === "string" && REQUEST_ID.test(sent)) return sent;
  }
  return randomUUID();
}

/** Creates the `(req, res)` handler used by the listeners (and by `gateway.app`). */
export function createRequestHandler(context: HandlerContext): (req: Request, res: Response) => void {
  const { logger, observers } = context;

  return function handleRequest(req, res) {
    const live = context.snapshots.current;
    const { snapshot, trust } = live;
    const peer = req.socket.remoteAddress ?? "";
    const peerTrusted = trust(peer, 0);
    const requestId = pickRequestId(req, peerTrusted);
    res.setHeader("x-request-id", requestId);
    if (context.draining()) res.setHeader("connection", "close");

    live.requestStarted();
    res.once("close", () => {
      live.requestEnded();
      const state = res.locals?.turnpike as RequestState | undefined;
      if (state !== undefined) for (const observe of observers) observe(req, res, state);
    });

    const target = canonicalizeTarget(req.url);
    if (isGatewayError(target)) return sendError(res, target, logger, req.method);
    // RFC 9112 §3.2: an HTTP/1.1 request without Host is malformed (absolute-form carries its own).
    if (req.headers.host === undefined && target.authority === undefined && req.httpVersionMinor === 1 && req.httpVersionMajor === 1) {
      return sendError(res, new GatewayError("BAD_REQUEST", "The Host header is required"), logger, req.method);
    }
    // Node keeps the first of several Host lines; a server behind us might keep the last. Ambiguous: 400.
    if (hasRepeatedHost(req.rawHeaders)) {
      return sendError(res, new GatewayError("BAD_REQUEST", "More than one Host header"), logger, req.method);
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
      if (isGatewayError(versioned)) return sendError(res, versioned, logger, req.method);
      if (versioned !== undefined) ({ match, version, path } = versioned);
    }
    if (match === undefined) return sendError(res, new GatewayError("NOT_FOUND"), logger, req.method);
    if (match.endpoint.deprecated !== undefined) {
      const gone = announceDeprecation(match.endpoint, res, Date.now());
      if (gone !== undefined) return sendError(res, gone, logger, req.method);
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

    runPipeline(match.target.steps, req, res, (err?: unknown) => {
      if (err !== undefined) sendError(res, err, logger, req.method);
      else if (!res.headersSent) sendError(res, new GatewayError("NOT_HANDLED"), logger, req.method);
    });
  };
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
