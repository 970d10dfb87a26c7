/**
 * Reading a request body whole, for the policies that need all of it (a transformed JSON or form body,
 * a validated one), with a size limit enforced as the bytes arrive and, for JSON, the nesting-depth
 * limit checked before the parse. Every failure is a {@link GatewayError}, so a caller passes a
 * rejection straight to `next` and the client always gets an answer.
 */
import type { Request, Response } from "express";
import type { Readable } from "node:stream";
import { GatewayError, isGatewayError } from "../errors.js";
import { payloadTooLarge } from "./body-size.js";
import { parseJsonBody } from "./json-body.js";

/** True when the request announces a body (a non-zero Content-Length, or Transfer-Encoding). */
export function hasRequestBody(req: Request): boolean {
  const length = req.headers["content-length"];
  return (length !== undefined && length !== "0") || req.headers["transfer-encoding"] !== undefined;
}

/**
 * Reads `source` (the request, or the body a policy put in `res.locals.turnpike.requestBody`) to its end.
 * @throws GatewayError PAYLOAD_TOO_LARGE (413, the connection then closes) past `limit` bytes,
 *   BAD_REQUEST when the body cannot be read or the client leaves before its end.
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

/** A JSON request body as read: its bytes, and the parsed value. */
export interface JsonRequestBody {
  readonly raw: Buffer;
  readonly value: unknown;
}

/** Limits for {@link readJsonRequestBody}. */
export interface JsonBodyLimits {
  /** Largest body in bytes (413 beyond). */
  readonly maxBytes: number;
  /** Deepest nesting of objects and arrays (400 beyond): a policy's `maxBodyDepth`. */
  readonly maxDepth: number;
}

/**
 * Reads and parses a JSON request body within `limits`.
 * @param source the request, or the body a policy put in `res.locals.turnpike.requestBody`.
 * @throws GatewayError PAYLOAD_TOO_LARGE over `maxBytes`; BAD_REQUEST for a body that is not JSON, or
 *   that nests deeper than `maxDepth` (refused before the parse, see json-body.ts).
 */
export async function readJsonRequestBody(source: Readable, res: Response, limits: JsonBodyLimits): Promise<JsonRequestBody> {
  const raw = await readRequestBody(source, limits.maxBytes, res);
  const parsed = parseJsonBody(raw, limits.maxDepth);
  if (parsed.ok) return { raw, value: parsed.value };
  if (parsed.reason === "too-deep") {
    throw new GatewayError("BAD_REQUEST", `The JSON request body is nested deeper than ${parsed.maxDepth} levels`);
  }
  throw new GatewayError("BAD_REQUEST", "The request body is not valid JSON", { cause: parsed.error });
}
