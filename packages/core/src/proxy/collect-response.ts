/**
 * One exchange with an upstream whose answer the gateway reads rather than relays: the same dispatcher
 * (pool), the same timeouts and the same error mapping as the proxy's streaming forwarder, on undici's
 * controller-based handler API, with the body collected up to a size cap.
 */
import type { IncomingHttpHeaders } from "node:http";
import { performance } from "node:perf_hooks";
import type { Dispatcher } from "undici";
import { GatewayError } from "../errors.js";
import { upstreamError } from "./undici-forwarder.js";

/** A request whose answer is collected. */
export interface CollectedExchange {
  readonly dispatcher: Dispatcher;
  readonly method: string;
  /** Path and query, as sent. */
  readonly path: string;
  /** Flat `[name, value, ...]` list, already through the forwarding rules. */
  readonly headers: string[];
  /** Time (ms) for the whole exchange, headers and body; then it is aborted with a 504. */
  readonly timeout: number;
  /** Time (ms) the upstream has for its response headers (never more than `timeout`). */
  readonly headersTimeout: number;
  /** Longest pause (ms) in the response body. */
  readonly bodyTimeout: number;
  /** Largest body accepted (bytes); a larger answer is an error. */
  readonly maxBodySize: number;
  /** Aborts the exchange (the client went away). */
  readonly signal?: AbortSignal | undefined;
}

/** An upstream's collected answer. */
export interface CollectedResponse {
  readonly status: number;
  /** Lower-case names; repeated headers as arrays. */
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Time (ms) from sending the request to the end of the body. */
  readonly durationMs: number;
}

class CollectHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private pendingAbort: Error | undefined;
  private settled = false;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private readonly startedAt = performance.now();

  constructor(
    private readonly maxBodySize: number,
    private readonly resolve: (response: CollectedResponse) => void,
    private readonly reject: (err: GatewayError) => void,
  ) {}

  /** Ends the exchange with `err`, now if it has started, else as soon as it does. */
  abort(err: Error): void {
    if (this.settled) return;
    if (this.controller) this.controller.abort(err);
    else this.pendingAbort = err;
    this.fail(err);
  }

  private fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(upstreamError(err));
  }

  private tooLarge(): GatewayError {
    return new GatewayError("UPSTREAM_RESPONSE_TOO_LARGE", `The upstream's answer is larger than ${this.maxBodySize} bytes`);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.pendingAbort) controller.abort(this.pendingAbort);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // 1xx informational answers
    this.status = statusCode;
    this.headers = headers;
    const length = Number(headers["content-length"]);
    if (length > this.maxBodySize) controller.abort(this.tooLarge());
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.maxBodySize) return controller.abort(this.tooLarge());
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    this.resolve({ status: this.status, headers: this.headers, body, durationMs: performance.now() - this.startedAt });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.fail(err);
  }
}

/**
 * Sends `exchange` and collects the answer.
 * @returns the answer, whatever its status
 * @throws GatewayError: UPSTREAM_TIMEOUT (504) past `timeout`, UPSTREAM_UNAVAILABLE or
 *   UPSTREAM_BAD_RESPONSE (502) as the proxy maps them, UPSTREAM_RESPONSE_TOO_LARGE (502) past
 *   `maxBodySize`, BAD_REQUEST when `signal` aborted it.
 */
export function collectResponse(exchange: CollectedExchange): Promise<CollectedResponse> {
  return new Promise<CollectedResponse>((resolve, reject) => {
    const signal = exchange.signal;
    const closed = (): GatewayError => new GatewayError("BAD_REQUEST", "client closed the connection");
    if (signal?.aborted) return reject(closed());
    const onAbort = (): void => handler.abort(closed());
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const handler = new CollectHandler(
      exchange.maxBodySize,
      (response) => {
        done();
        resolve(response);
      },
      (err) => {
        done();
        reject(err);
      },
    );
    const timer = setTimeout(() => handler.abort(new GatewayError("UPSTREAM_TIMEOUT")), exchange.timeout);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      exchange.dispatcher.dispatch(
        {
          origin: undefined as unknown as string,
          method: exchange.method as Dispatcher.HttpMethod,
          path: exchange.path,
          headers: exchange.headers,
          body: null,
          headersTimeout: Math.min(exchange.headersTimeout, exchange.timeout),
          bodyTimeout: exchange.bodyTimeout,
        },
        handler,
      );
    } catch (err) {
      handler.abort(err as Error);
    }
  });
}
