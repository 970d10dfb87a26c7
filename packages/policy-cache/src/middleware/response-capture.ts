/**
 * Observing a response while it streams to the client. The policy runs before the proxy, so on a miss it
 * wraps `writeHead`, `write` and `end` of this one response: the proxy's headers (appended one by one)
 * are all on `res` when it calls `writeHead(status)`, and each body chunk passes through `write`
 * untouched, with the proxy's backpressure intact. The copy kept for storing is bounded: past the limit
 * it is dropped and the response simply streams on.
 *
 * At `writeHead` the handler decides: capture the body, let it pass, or replace the response with a
 * stored entry (after a 304 revalidation, or instead of an upstream error), in which case what the
 * writer sends next is discarded. Completion is only ever signalled by `end()`: a response the proxy
 * destroys (the upstream reset mid-body) or that the client abandons is never reported complete.
 */
import type { Response } from "express";
import type { OutgoingHttpHeaders } from "node:http";
import { applyHeaderArgument, chunkToBuffer, endArguments, setLengthOfSingleEnd } from "@turnpike/core";
import type { HeaderMap } from "../http/storage-plan.js";

/** What to do with a response, decided when its headers are written. */
export type CaptureDecision =
  /** Send as written (with `status`, which may differ: a 200 answered 304 to a conditional request). */
  | { readonly kind: "pass"; readonly status: number }
  /** Send as written and keep a copy of the body of at most `limit` bytes. */
  | { readonly kind: "capture"; readonly status: number; readonly limit: number; readonly expectedLength: number | undefined }
  /** The handler has put another response's headers on `res`: send `status` and `body` instead. */
  | { readonly kind: "replace"; readonly status: number; readonly body: Buffer | undefined };

/** Receives the events of a captured response. */
export interface CaptureHandler {
  /** The headers are about to be sent: all of them are on `res` (`headers` is `res.getHeaders()`). */
  onHeaders(status: number, headers: HeaderMap): CaptureDecision;
  /** The whole body was written and `end()` was called (capture decisions only). */
  onBody(body: Buffer): void;
  /** The copy was given up: larger than the limit, or the response ended without `end()`. */
  onAbandon(reason: "too-large" | "incomplete"): void;
}

const UNDECIDED = 0;
const PASS = 1;
const CAPTURE = 2;
const REPLACE = 3;

type Callback = (err?: Error | null) => void;

/** Installs the capture on `res` (a GET response not yet started). */
export function captureResponse(res: Response, handler: CaptureHandler): void {
  const originalWriteHead = res.writeHead;
  const originalWrite = res.write;
  const originalEnd = res.end;
  let mode = UNDECIDED;
  let settled = false;
  let chunks: Buffer[] = [];
  let bytes = 0;
  let limit = 0;
  let expectedLength: number | undefined;
  let replacement: Buffer | undefined;

  const abandon = (reason: "too-large" | "incomplete"): void => {
    if (settled) return;
    settled = true;
    chunks = [];
    handler.onAbandon(reason);
  };

  const append = (chunk: unknown, encoding: BufferEncoding | undefined): void => {
    const buffer = chunkToBuffer(chunk, encoding);
    bytes += buffer.length;
    if (bytes > limit) {
      mode = PASS;
      abandon("too-large");
    } else chunks.push(buffer);
  };

  const complete = (): void => {
    if (settled) return;
    if (expectedLength !== undefined && bytes !== expectedLength) return abandon("incomplete");
    settled = true;
    // One exact-size buffer of its own: chunks may be views of larger socket buffers, which an entry
    // must not keep alive.
    const body = Buffer.allocUnsafeSlow(bytes);
    let offset = 0;
    for (const chunk of chunks) {
      chunk.copy(body, offset);
      offset += chunk.length;
    }
    chunks = [];
    handler.onBody(body);
  };

  function writeHead(this: unknown, statusCode: number, reason?: unknown, headers?: unknown): Response {
    if (mode !== UNDECIDED) return (originalWriteHead as (...args: unknown[]) => Response).call(res, statusCode, reason, headers);
    let phrase: string | undefined;
    let headerArgument = headers;
    if (typeof reason === "string") phrase = reason;
    else headerArgument = reason;
    applyHeaderArgument(res, headerArgument as OutgoingHttpHeaders | undefined);
    const decision = handler.onHeaders(statusCode, res.getHeaders() as HeaderMap);
    if (decision.kind === "capture") {
      mode = CAPTURE;
      limit = decision.limit;
      expectedLength = decision.expectedLength;
    } else {
      mode = decision.kind === "replace" ? REPLACE : PASS;
      if (decision.kind === "replace") replacement = decision.body;
      settled = true;
    }
    // A 304 in place of a 200 has no body: some clients reject a Content-Length on it.
    if (decision.status === 304 && statusCode !== 304) res.removeHeader("content-length");
    // A reason phrase belongs to the status it was written for.
    if (phrase !== undefined && decision.status === statusCode)
      return (originalWriteHead as (...args: unknown[]) => Response).call(res, statusCode, phrase);
    return originalWriteHead.call(res, decision.status);
  }

  function write(this: unknown, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    if (mode === UNDECIDED) res.writeHead(res.statusCode);
    if (mode === REPLACE) {
      const cb = (typeof encoding === "function" ? encoding : callback) as Callback | undefined;
      if (cb) process.nextTick(cb);
      return true;
    }
    if (mode === CAPTURE) append(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : undefined);
    return (originalWrite as (...args: unknown[]) => boolean).call(res, chunk, encoding, callback);
  }

  function end(this: unknown, ...args: unknown[]): Response {
    const { chunk, encoding, callback } = endArguments(args[0], args[1], args[2]);
    if (mode === UNDECIDED) {
      setLengthOfSingleEnd(res, chunk, encoding);
      res.writeHead(res.statusCode);
    }
    if (mode === REPLACE) return (originalEnd as (...args: unknown[]) => Response).call(res, replacement, undefined, callback);
    if (mode === CAPTURE && chunk !== undefined && chunk !== null) append(chunk, encoding as BufferEncoding | undefined);
    const result = (originalEnd as (...args: unknown[]) => Response).call(res, chunk, encoding, callback);
    if (mode === CAPTURE) complete();
    return result;
  }

  res.writeHead = writeHead as Response["writeHead"];
  res.write = write as Response["write"];
  res.end = end as Response["end"];
  res.once("close", () => abandon("incomplete"));
}
