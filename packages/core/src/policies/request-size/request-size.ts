/**
 * The `request-size` policy: 413 for bodies over `limit`, decided before the body is read past it,
 * for `Content-Length` and chunked bodies alike.
 */
import type { Response } from "express";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { ConfigError } from "../../errors.js";
import { parseByteSize, payloadTooLarge } from "../../http/body-size.js";
import { observeMiddleware, outcomeExplanation } from "../../explain/observe-middleware.js";
import { definePolicy, type PolicyMiddleware } from "../../pipeline/define.js";

/** Options of the `request-size` policy. */
export interface RequestSizeOptions {
  limit: number | string;
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
  phase: "traffic",
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
  explain(options, ctx) {
    const handle = this.create(options, ctx) as PolicyMiddleware;
    const limit = parseByteSize(options.limit)!;
    return async (req, res) => {
      const declared = req.headers["content-length"];
      const summary = `limit ${limit} bytes, ${declared === undefined ? "no Content-Length (a streamed body is counted as it arrives)" : `Content-Length ${declared}`}`;
      return outcomeExplanation(summary, await observeMiddleware(handle, req, res), { limit, contentLength: declared ?? null });
    };
  },
});
