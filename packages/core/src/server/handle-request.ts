/**
 * The server's single request handler: request id, canonical target, one matcher lookup, then the
 * matched pipeline's middleware array. It reads the current snapshot once per request, so a reload that
 * swaps snapshots never changes the rules under a request already in flight.
 */
import type { Request, Response } from "express";
import { randomUUID } from "node:crypto";
import { GatewayError, isGatewayError } from "../errors.js";
import type { Logger } from "../logger.js";
import { runPipeline } from "../pipeline/run-pipeline.js";
import type { RequestState } from "../request-state.js";
import { routeRequest } from "./route-request.js";
import { sendError } from "./send-error.js";
import type { SnapshotHolder } from "./snapshot-holder.js";

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

    const match = routeRequest(req, res, snapshot, trust, requestId, peerTrusted);
    if (isGatewayError(match)) return sendError(res, match, logger, req.method);

    runPipeline(match.target.steps, req, res, (err?: unknown) => {
      if (err !== undefined) sendError(res, err, logger, req.method);
      else if (!res.headersSent) sendError(res, new GatewayError("NOT_HANDLED"), logger, req.method);
    });
  };
}
