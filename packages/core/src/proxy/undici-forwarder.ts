/**
 * Forwarding one request to one upstream with undici's dispatcher API: the request body streams from
 * the client into the upstream connection and the response streams back, with backpressure both ways
 * and nothing buffered whole. A client that goes away aborts its upstream request.
 */
import type { Request, Response } from "express";
import { performance } from "node:perf_hooks";
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import { GatewayError, isGatewayError } from "../errors.js";
import type { RequestState } from "../request-state.js";
import { copyResponseHeaders } from "./forwarded-headers.js";

/** Per-request limits of an exchange with the upstream. */
export interface ExchangeTimeouts {
  /** Time (ms) the upstream has to send its response headers after the request was sent. */
  headersTimeout: number;
  /** Longest pause (ms) between two chunks of the upstream's response body. */
  bodyTimeout: number;
}

/** One forwarded request, as the proxy policy describes it. */
export interface Exchange {
  readonly dispatcher: Dispatcher;
  readonly method: string;
  /** Path and query to request from the upstream. */
  readonly path: string;
  readonly headers: string[];
  /** The request body (the client's request, or a replacement), or null. */
  readonly body: Readable | null;
  readonly timeouts: ExchangeTimeouts;
  /** Called exactly once when the exchange ends, however it ends. */
  readonly onEnd: () => void;
}

const TIMEOUT_CODES = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "ETIMEDOUT"]);

/** Maps an upstream failure to what the client gets: 504 for timeouts, 502 for the rest. */
export function upstreamError(err: unknown): GatewayError {
  if (isGatewayError(err)) return err;
  const code = (err as { code?: string } | undefined)?.code ?? "";
  const name = (err as { name?: string } | undefined)?.name;
  if (TIMEOUT_CODES.has(code)) return new GatewayError("UPSTREAM_TIMEOUT", undefined, { cause: err });
  if (
    name === "HTTPParserError" ||
    code.startsWith("HPE_") ||
    code === "UND_ERR_INFO" ||
    code === "UND_ERR_RESPONSE_EXCEEDED_MAX_SIZE" ||
    code === "ERR_INVALID_CHAR" ||
    code === "ERR_HTTP_INVALID_HEADER_VALUE"
  ) {
    return new GatewayError("UPSTREAM_BAD_RESPONSE", undefined, { cause: err });
  }
  return new GatewayError("UPSTREAM_UNAVAILABLE", undefined, { cause: err });
}

// A class rather than a closure-per-callback object: one allocation per request, monomorphic calls.
class ForwardHandler implements Dispatcher.DispatchHandler {
  private abortUpstream: ((reason?: Error) => void) | undefined;
  private resumeUpstream: (() => void) | undefined;
  private waitingForDrain = false;
  private ended = false;
  private readonly startedAt = performance.now();

  constructor(
    private readonly req: Request,
    private readonly res: Response,
    private readonly state: RequestState,
    private readonly exchange: Exchange,
    private readonly next: (err?: unknown) => void,
  ) {
    res.once("close", this.onClientClose);
  }

  private readonly onClientClose = (): void => {
    // The response closed before the upstream finished: the client went away (or we destroyed it).
    if (!this.ended && this.abortUpstream) this.abortUpstream(new GatewayError("BAD_REQUEST", "client closed the connection"));
  };

  private readonly onDrain = (): void => {
    this.waitingForDrain = false;
    this.resumeUpstream?.();
  };

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.exchange.onEnd();
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abortUpstream = abort;
    if (this.res.destroyed) abort(new GatewayError("BAD_REQUEST", "client closed the connection"));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx informational answers are not relayed
    const upstream = this.state.upstream;
    if (upstream) upstream.latencyMs = performance.now() - this.startedAt;
    this.resumeUpstream = resume;
    const res = this.res;
    if (res.headersSent || res.destroyed) {
      this.abortUpstream?.();
      return false;
    }
    try {
      copyResponseHeaders(rawHeaders, res);
    } catch (err) {
      this.abortUpstream?.(upstreamError(err));
      return false;
    }
    res.writeHead(statusCode);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.res.write(chunk)) return true;
    if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      this.res.once("drain", this.onDrain);
    }
    return false;
  }

  onComplete(): void {
    this.finish();
    this.res.end();
  }

  onError(err: Error): void {
    this.finish();
    const res = this.res;
    if (res.destroyed) return; // the client is gone; nothing to answer
    if (res.headersSent) {
      // The response started: cut the connection so the client cannot take a truncated body for a whole one.
      res.destroy(err);
      return;
    }
    this.next(upstreamError(err));
  }
}

/** Sends `exchange` upstream and streams the answer into `res`; errors go to `next` (502/504). */
export function forward(req: Request, res: Response, state: RequestState, exchange: Exchange, next: (err?: unknown) => void): void {
  const handler = new ForwardHandler(req, res, state, exchange, next);
  try {
    exchange.dispatcher.dispatch(
      {
        origin: undefined as unknown as string,
        method: exchange.method as Dispatcher.HttpMethod,
        path: exchange.path,
        headers: exchange.headers,
        body: exchange.body,
        headersTimeout: exchange.timeouts.headersTimeout,
        bodyTimeout: exchange.timeouts.bodyTimeout,
      },
      handler,
    );
  } catch (err) {
    handler.onError(err as Error);
  }
}
