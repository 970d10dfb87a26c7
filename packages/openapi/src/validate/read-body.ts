/**
 * Reading a request body whole, with the size limit enforced as bytes arrive.
 *
 * TODO(issue 12): core's shared reader (`readRequestBody`, issue 17's depth-limited JSON reader) replaces
 * this module once it lands on main.
 */
import { GatewayError, isGatewayError } from "@turnpike/core";
import type { Response } from "express";
import type { Readable } from "node:stream";

/** The 413 for a body over `limit`; the connection closes after the answer (the rest is not drained). */
export function payloadTooLarge(res: Response, limit: number): GatewayError {
  res.setHeader("connection", "close");
  return new GatewayError("PAYLOAD_TOO_LARGE", `The request body is larger than ${limit} bytes`);
}

/** True when the request announces a body (a non-zero Content-Length, or Transfer-Encoding). */
export function hasRequestBody(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  const length = headers["content-length"];
  return (length !== undefined && length !== "0") || headers["transfer-encoding"] !== undefined;
}

/**
 * Reads `source` to its end.
 * @throws GatewayError PAYLOAD_TOO_LARGE past `limit` bytes; BAD_REQUEST when the body cannot be read.
 */
export function readRequestBody(source: Readable, limit: number, res: Response): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      source.off("data", onData);
      source.off("end", onEnd);
      source.off("error", onError);
      source.off("close", onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        done();
        source.pause();
        reject(payloadTooLarge(res, limit));
      } else chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: unknown): void => {
      done();
      reject(isGatewayError(err) ? err : new GatewayError("BAD_REQUEST", "The request body could not be read", { cause: err }));
    };
    const onClose = (): void => onError(new Error("the client closed the connection before the body ended"));
    source.on("data", onData);
    source.on("end", onEnd);
    source.on("error", onError);
    source.on("close", onClose);
  });
}
