/**
 * The `request-size` policy: 413 for bodies over `limit`, decided before the body is read past it,
 * for `Content-Length` and chunked bodies alike.
 */
import type { Response } from "express";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { ConfigError, GatewayError } from "../errors.js";
import { definePolicy } from "../pipeline/define.js";

/** Options of the `request-size` policy. */
export interface RequestSizeOptions {
  limit: number | string;
}

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/**
 * Parses a size: a number of bytes, or a string such as `"512kb"`, `"1mb"`, `"1.5 MB"` (1024-based).
 * @returns the size in bytes, or undefined when `value` is not a size.
 */
export function parseByteSize(value: number | string): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) && value >= 0 ? value : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(value);
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * UNITS[(m[2] ?? "b").toLowerCase()]!);
}

/** The 413 for a body over `limit`; the connection closes after the answer. */
export function payloadTooLarge(res: Response, limit: number): GatewayError {
  // The unread rest of the body is not drained: the connection closes after the answer.
  res.setHeader("connection", "close");
  return new GatewayError("PAYLOAD_TOO_LARGE", `The request body is larger than ${limit} bytes`);
}

class ByteLimit extends Transform {
  private seen = 0;
  constructor(
    private readonly limit: number,
    private readonly res: Response,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) callback(payloadTooLarge(this.res, this.limit));
    else callback(null, chunk);
  }
}

/** The `request-size` policy. */
export const requestSizePolicy = definePolicy<RequestSizeOptions>({
  name: "request-size",
  description: "Rejects request bodies larger than a limit with 413.",
  schema: {
    type: "object",
    properties: {
      limit: { type: ["integer", "string"], minimum: 0, description: 'Largest body allowed: bytes, or a string such as "512kb" or "1mb".' },
    },
    required: ["limit"],
  },
  create({ limit: raw }, ctx) {
    const limit = parseByteSize(raw);
    if (limit === undefined)
      throw new ConfigError([{ path: `${ctx.path}.limit`, message: 'must be a number of bytes or a size such as "1mb"' }]);
    return function requestSize(req, res, next) {
      const declared = req.headers["content-length"];
      if (declared !== undefined) {
        // Node's parser guarantees a valid, single Content-Length: the body cannot exceed it.
        return Number(declared) > limit ? next(payloadTooLarge(res, limit)) : next();
      }
      if (req.headers["transfer-encoding"] === undefined) return next();
      const state = res.locals.turnpike;
      const source: Readable = state.requestBody ?? req;
      const limited = new ByteLimit(limit, res);
      source.on("error", (err) => limited.destroy(err));
      state.requestBody = source.pipe(limited);
      next();
    };
  },
});
