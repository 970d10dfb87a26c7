/**
 * The `response-transformer` policy (Express Gateway's): adds and removes headers of the response, and
 * properties of its JSON body, before it reaches the client.
 *
 * It works on whatever the pipeline answers after it (the proxied response, a cache hit, the gateway's
 * own JSON errors), as Express Gateway's did, by wrapping `writeHead`, `write` and `end` of this one
 * response. Headers are changed when the writer calls `writeHead`, so header-only transforms never
 * touch the body. A body is buffered only when `body` is configured and the response is uncompressed
 * JSON of at most `maxBodySize` bytes; past the limit what was held is flushed as it came and the rest
 * streams through, untransformed and complete.
 */
import type { NextFunction, Request, Response } from "express";
import type { OutgoingHttpHeaders } from "node:http";
import { parseJsonBody } from "../../http/json-body.js";
import { GatewayError } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { definePolicy } from "../../pipeline/define.js";
import { HOP_BY_HOP } from "../../proxy/forwarded-headers.js";
import { applyHeaderArgument, chunkToBuffer, endArguments, setLengthOfSingleEnd } from "../../http/response-writes.js";
import { applyHeaderEdits, RESPONSE_HEADERS, type HeaderEdits } from "../../message-edits/header-edits.js";
import { describeEdits } from "../../message-edits/transformer-edits.js";
import {
  applyJsonEdits,
  compileTransformer,
  isJsonObject,
  transformerSchema,
  type BodyEdits,
  type CompiledTransformer,
  type TransformerOptions,
} from "../../message-edits/transformer-edits.js";
import { isJsonType, isUtf8Charset, parseMediaType } from "../../http/media-type.js";

const GATEWAY_MANAGED: Record<string, string> = {
  "content-length": "the body's framing is the gateway's (it is recomputed when the body is transformed)",
  "content-encoding": "it describes how the upstream encoded the body; changing it makes the body unreadable",
  "x-request-id": "every response carries the gateway's request id",
};

/**
 * Why a (lower-case) response header name may not be set or removed by configuration, or undefined
 * when it may. Informational headers other policies add (`RateLimit-*`, `x-cache`) may be removed:
 * hiding them from clients is the operator's call and does not change what those policies enforce.
 */
export function reservedResponseHeaderReason(name: string): string | undefined {
  if (HOP_BY_HOP.has(name)) return "hop-by-hop headers are the connection's, never relayed";
  return GATEWAY_MANAGED[name];
}

// A transformed body is another representation: validators and digests of the upstream's would lie.
const REPRESENTATION_HEADERS = ["etag", "content-md5", "digest", "content-digest", "repr-digest"];

/** Whether a response with these headers may have its body transformed. */
function transformable(req: Request, res: Response, status: number, limit: number): boolean {
  if (req.method === "HEAD" || status < 200 || status === 204 || status === 304) return false;
  const encoding = res.getHeader("content-encoding");
  if (encoding !== undefined && String(encoding).trim().toLowerCase() !== "identity") return false;
  const media = parseMediaType(res.getHeader("content-type") as string | undefined);
  if (media === undefined || !isJsonType(media.type)) return false;
  if (!isUtf8Charset(media)) return false;
  const declared = res.getHeader("content-length");
  return declared === undefined || (Number(declared) > 0 && Number(declared) <= limit);
}

/** Wraps `writeHead` only: header transforms cost nothing per body chunk. */
function wrapHeaders(req: Request, res: Response, edits: HeaderEdits, logger: Logger): void {
  const writeHead = res.writeHead as (...args: unknown[]) => Response;
  res.writeHead = function transformerWriteHead(this: Response, statusCode: number, reason?: unknown, headers?: unknown) {
    if (!this.headersSent) {
      if (typeof reason === "string") {
        applyHeaderArgument(this, headers as OutgoingHttpHeaders | undefined);
        applyHeaderEdits(edits, req, this, RESPONSE_HEADERS, logger);
        return writeHead.call(this, statusCode, reason);
      }
      applyHeaderArgument(this, reason as OutgoingHttpHeaders | undefined);
      applyHeaderEdits(edits, req, this, RESPONSE_HEADERS, logger);
      return writeHead.call(this, statusCode);
    }
    return writeHead.call(this, statusCode, reason, headers);
  } as Response["writeHead"];
}

const UNDECIDED = 0;
const PASS = 1;
const HOLD = 2;

type Callback = (err?: Error | null) => void;

/**
 * Wraps `writeHead`, `write` and `end`: at `writeHead` the headers are edited and the body is either
 * passed through or held; a held body is transformed at `end`, or flushed as it came once it outgrows
 * `limit`.
 */
function wrapBody(
  req: Request,
  res: Response,
  next: NextFunction,
  { headers: headerEdits, limit, maxDepth }: CompiledTransformer,
  bodyEdits: BodyEdits,
  logger: Logger,
): void {
  // The headers earlier policies set (CORS, RateLimit, the request id): all an error answer keeps.
  const ownHeaders = res.getHeaders();
  const originalWriteHead = res.writeHead as (...args: unknown[]) => Response;
  const originalWrite = res.write as (...args: unknown[]) => boolean;
  const originalEnd = res.end as (...args: unknown[]) => Response;
  let mode = UNDECIDED;
  let status = 200;
  let phrase: string | undefined;
  let held: Buffer[] = [];
  let size = 0;

  const sendHead = (): void => {
    // Writers check headersSent to choose between answering an error and cutting the connection; while
    // the head is held it counts as sent, so an upstream failure mid-body never lands in the held body.
    delete (res as { headersSent?: boolean }).headersSent;
    if (phrase !== undefined) originalWriteHead.call(res, status, phrase);
    else originalWriteHead.call(res, status);
  };

  const flush = (): void => {
    mode = PASS;
    sendHead();
    for (const chunk of held) originalWrite.call(res, chunk);
    held = [];
    logger.debug("response body not transformed: larger than %d bytes (request %s)", limit, res.locals.turnpike?.requestId);
  };

  function writeHead(this: unknown, statusCode: number, reason?: unknown, headers?: unknown): Response {
    if (mode !== UNDECIDED) return originalWriteHead.call(res, statusCode, reason, headers);
    let headerArgument = headers;
    if (typeof reason === "string") phrase = reason;
    else headerArgument = reason;
    applyHeaderArgument(res, headerArgument as OutgoingHttpHeaders | undefined);
    if (headerEdits) applyHeaderEdits(headerEdits, req, res, RESPONSE_HEADERS, logger);
    status = statusCode;
    if (!transformable(req, res, statusCode, limit)) {
      mode = PASS;
      sendHead();
      return res;
    }
    mode = HOLD;
    Object.defineProperty(res, "headersSent", { configurable: true, get: () => true });
    return res;
  }

  function write(this: unknown, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    if (mode === UNDECIDED) res.writeHead(res.statusCode);
    if (mode !== HOLD) return originalWrite.call(res, chunk, encoding, callback);
    const buffer = chunkToBuffer(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : undefined);
    if (size + buffer.length > limit) {
      flush();
      return originalWrite.call(res, buffer, typeof encoding === "function" ? encoding : callback);
    }
    held.push(buffer);
    size += buffer.length;
    const cb = (typeof encoding === "function" ? encoding : callback) as Callback | undefined;
    if (cb) process.nextTick(cb);
    return true;
  }

  function end(this: unknown, ...args: unknown[]): Response {
    const { chunk, encoding, callback } = endArguments(args[0], args[1], args[2]);
    if (mode === UNDECIDED) {
      setLengthOfSingleEnd(res, chunk, encoding);
      res.writeHead(res.statusCode);
    }
    if (mode !== HOLD) return originalEnd.call(res, chunk, encoding, callback);
    if (chunk !== undefined && chunk !== null) {
      const buffer = chunkToBuffer(chunk, encoding as BufferEncoding | undefined);
      if (size + buffer.length > limit) {
        flush();
        return originalEnd.call(res, buffer, callback);
      }
      held.push(buffer);
      size += buffer.length;
    }
    mode = PASS;
    const raw = Buffer.concat(held, size);
    held = [];
    let out: Buffer;
    try {
      out = transformedBody(raw);
    } catch (err) {
      fail(err);
      return res;
    }
    res.setHeader("content-length", out.length);
    sendHead();
    return originalEnd.call(res, out, callback);
  }

  /** The body to send: `raw` with the edits applied, or as it came when it is no JSON object. */
  function transformedBody(raw: Buffer): Buffer {
    const parsed = parseJsonBody(raw, maxDepth);
    if (!parsed.ok && parsed.reason === "too-deep") {
      throw new GatewayError("UPSTREAM_BAD_RESPONSE", `The upstream's JSON body is nested deeper than ${maxDepth} levels`);
    }
    if (!parsed.ok || !isJsonObject(parsed.value)) {
      logger.debug(
        "response body not transformed: %s (request %s)",
        parsed.ok ? "the JSON body is not an object" : "not valid JSON",
        res.locals.turnpike?.requestId,
      );
      return raw;
    }
    applyJsonEdits(parsed.value, bodyEdits, req, res);
    for (const name of REPRESENTATION_HEADERS) res.removeHeader(name);
    return Buffer.from(JSON.stringify(parsed.value));
  }

  /**
   * Answers `err` through the error handler instead of the held response. Nothing of that response was
   * sent (its head is held), so the error answer carries only the headers set before the upstream's.
   */
  function fail(err: unknown): void {
    delete (res as { headersSent?: boolean }).headersSent;
    for (const name of res.getHeaderNames()) if (!Object.hasOwn(ownHeaders, name)) res.removeHeader(name);
    for (const [name, value] of Object.entries(ownHeaders)) if (value !== undefined) res.setHeader(name, value);
    next(err);
  }

  res.writeHead = writeHead as Response["writeHead"];
  res.write = write as Response["write"];
  res.end = end as Response["end"];
  res.once("close", () => {
    held = [];
  });
}

/** The `response-transformer` policy. */
export const responseTransformerPolicy = definePolicy<TransformerOptions>({
  name: "response-transformer",
  phase: "transform",
  description: "Adds and removes response headers and JSON body properties before the response reaches the client.",
  schema: transformerSchema("response"),
  create(options, ctx) {
    const compiled = compileTransformer(options, ctx, reservedResponseHeaderReason);
    const { headers, body } = compiled;
    const logger = ctx.logger;
    if (body === undefined) {
      return function responseHeadersTransformer(req, res, next) {
        if (headers) wrapHeaders(req, res, headers, logger);
        next();
      };
    }
    return function responseTransformer(req, res, next) {
      wrapBody(req, res, next, compiled, body, logger);
      next();
    };
  },
  explain(options) {
    return () => ({ summary: describeEdits(options, "response"), details: { headers: options.headers ?? {}, body: options.body ?? {} } });
  },
});
