/**
 * Forwarding one request to one upstream with undici's dispatcher API: the request body streams from
 * the client into the upstream connection and the response streams back, with backpressure both ways
 * and nothing buffered whole. A client that goes away aborts its upstream request.
 */
import type { Response } from "express";
import type { IncomingHttpHeaders } from "node:http";
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

/**
 * The upstream's response headers as a flat `[name, value, ...]` list: the lines as received when undici
 * gives them (it does for HTTP/1.1: names keep their case, repeated headers their order), else rebuilt
 * from the parsed headers.
 */
export function responseHeaderList(
  controller: Pick<Dispatcher.DispatchController, "rawHeaders">,
  headers: IncomingHttpHeaders,
): readonly (Buffer | string)[] {
  const raw = controller.rawHeaders;
  if (Array.isArray(raw)) return raw;
  const list: string[] = [];
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (Array.isArray(value)) for (const v of value) list.push(name, v);
    else if (value !== undefined) list.push(name, value);
  }
  return list;
}

const clientGone = (): GatewayError => new GatewayError("BAD_REQUEST", "client closed the connection");

// A class rather than a closure-per-callback object: one allocation per request, monomorphic calls.
// It implements undici's controller interface (the one undici 8 keeps): pause()/resume() for
// backpressure, abort() when the client goes away.
class ForwardHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private waitingForDrain = false;
  private ended = false;
  private readonly startedAt = performance.now();

  constructor(
    private readonly res: Response,
    private readonly state: RequestState,
    private readonly exchange: Exchange,
    private readonly next: (err?: unknown) => void,
  ) {
    res.once("close", this.onClientClose);
  }

  private readonly onClientClose = (): void => {
    // The response closed before the upstream finished: the client went away (or we destroyed it).
    if (!this.ended) this.controller?.abort(clientGone());
  };

  private readonly onDrain = (): void => {
    this.waitingForDrain = false;
    this.controller?.resume();
  };

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.exchange.onEnd();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // Called again with a new controller if undici retries the request on another connection.
    this.controller = controller;
    if (this.res.destroyed) controller.abort(clientGone());
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // 1xx informational answers are not relayed
    const upstream = this.state.upstream;
    if (upstream) upstream.latencyMs = performance.now() - this.startedAt;
    const res = this.res;
    if (res.destroyed) {
      controller.abort(clientGone());
      return;
    }
    if (res.headersSent) {
      controller.abort(new Error("the response was already started by a policy"));
      return;
    }
    try {
      copyResponseHeaders(responseHeaderList(controller, headers), res);
    } catch (err) {
      controller.abort(upstreamError(err));
      return;
    }
    res.writeHead(statusCode);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.res.write(chunk)) return;
    // The client's socket buffer is full: stop reading from the upstream until it drains.
    controller.pause();
    if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      this.res.once("drain", this.onDrain);
    }
  }

  onResponseEnd(): void {
    this.finish();
    this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    this.fail(err);
  }

  /** Ends the exchange on a failure: a 502/504 when nothing was sent yet, else a cut connection. */
  fail(err: unknown): void {
    this.finish();
    const res = this.res;
    if (res.destroyed) return; // the client is gone; nothing to answer
    if (res.headersSent) {
      // The response started: cut the connection so the client cannot take a truncated body for a whole one.
      res.destroy(err as Error);
      return;
    }
    this.next(upstreamError(err));
  }
}

/** Sends `exchange` upstream and streams the answer into `res`; errors go to `next` (502/504). */
export function forward(res: Response, state: RequestState, exchange: Exchange, next: (err?: unknown) => void): void {
  const handler = new ForwardHandler(res, state, exchange, next);
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
    handler.fail(err);
  }
}
