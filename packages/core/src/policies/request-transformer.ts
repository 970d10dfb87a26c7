/**
 * The `request-transformer` policy (Express Gateway's): adds and removes request headers and properties
 * of JSON or form bodies before the request goes upstream.
 *
 * Values are Express Gateway expressions compiled once at load (see eg-value.ts), never run as code.
 * Bodies are read only when `body` is configured and the request is JSON or a form; anything else keeps
 * streaming to the upstream untouched. The rewritten body reaches the proxy through
 * `res.locals.turnpike.requestBody`, the documented replacement for the client's stream.
 */
import type { Request, Response } from "express";
import { Readable } from "node:stream";
import { GatewayError } from "../errors.js";
import { definePolicy } from "../pipeline/define.js";
import { applyHeaderEdits, REQUEST_HEADERS, reservedRequestHeaderReason } from "./header-edits.js";
import { payloadTooLarge } from "./request-size.js";
import {
  applyJsonEdits,
  compileTransformer,
  evaluateBodyValue,
  isJsonObject,
  isJsonType,
  isUtf8Charset,
  parseJson,
  parseMediaType,
  transformerSchema,
  type BodyEdits,
  type TransformerOptions,
} from "./transformer-edits.js";

/** `a.b.c` as a form field name, the bracket notation Express Gateway's form parser and serialiser used. */
function formKey(segments: readonly string[]): string {
  let key = segments[0]!;
  for (let i = 1; i < segments.length; i++) key += `[${segments[i]}]`;
  return key;
}

/** Removes field `key` and every field nested under it (`key[...]`). */
function deleteFormTree(form: URLSearchParams, key: string): void {
  const prefix = `${key}[`;
  for (const name of new Set(form.keys())) if (name === key || name.startsWith(prefix)) form.delete(name);
}

function applyFormEdits(form: URLSearchParams, edits: BodyEdits, req: Request, res: Response): void {
  for (const { segments, value } of edits.add) {
    const key = formKey(segments);
    deleteFormTree(form, key);
    // A scalar field where the path needs an object is replaced, as it is in JSON.
    for (let i = 1; i < segments.length; i++) form.delete(formKey(segments.slice(0, i)));
    const computed = evaluateBodyValue(value, req, res);
    if (computed !== undefined) form.append(key, String(computed));
  }
  for (const { raw, segments } of edits.remove) {
    deleteFormTree(form, raw);
    deleteFormTree(form, formKey(segments));
  }
}

function readBody(source: Readable, limit: number, res: Response): Promise<Buffer> {
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
      reject(err instanceof GatewayError ? err : new GatewayError("BAD_REQUEST", "The request body could not be read", { cause: err }));
    };
    const onClose = (): void => onError(new Error("the client closed the connection before the body ended"));
    source.on("data", onData);
    source.on("end", onEnd);
    source.on("error", onError);
    source.on("close", onClose);
  });
}

function hasBody(req: Request): boolean {
  const length = req.headers["content-length"];
  return (length !== undefined && length !== "0") || req.headers["transfer-encoding"] !== undefined;
}

type BodyKind = "json" | "form";

/** Which body transformation applies to this request, or why none does (for the debug log). */
function bodyKind(req: Request): BodyKind | string {
  if (!hasBody(req)) return "it has no body";
  const encoding = req.headers["content-encoding"];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") return `its body is encoded (${encoding})`;
  const media = parseMediaType(req.headers["content-type"]);
  if (media === undefined) return "it has no content-type";
  if (!isUtf8Charset(media)) return `its charset is ${media.charset}`;
  if (isJsonType(media.type)) return "json";
  if (media.type === "application/x-www-form-urlencoded") return "form";
  return `its content-type is ${media.type}`;
}

function replaceBody(req: Request, res: Response, body: Buffer): void {
  req.headers["content-length"] = String(body.length);
  // The body now has a known length: it is sent with Content-Length, not chunked.
  delete req.headers["transfer-encoding"];
  res.locals.turnpike.requestBody = Readable.from([body], { objectMode: false });
}

/** The `request-transformer` policy. */
export const requestTransformerPolicy = definePolicy<TransformerOptions>({
  name: "request-transformer",
  description: "Adds and removes request headers and JSON or form body properties before proxying.",
  schema: transformerSchema("request"),
  create(options, ctx) {
    const { headers, body, limit } = compileTransformer(options, ctx, reservedRequestHeaderReason);
    const logger = ctx.logger;

    if (body === undefined) {
      return function requestHeadersTransformer(req, res, next) {
        if (headers) applyHeaderEdits(headers, req, res, REQUEST_HEADERS, logger);
        next();
      };
    }

    return function requestTransformer(req, res, next) {
      if (headers) applyHeaderEdits(headers, req, res, REQUEST_HEADERS, logger);
      const kind = bodyKind(req);
      if (kind !== "json" && kind !== "form") {
        logger.debug("body not transformed: %s (request %s)", kind, res.locals.turnpike.requestId);
        return next();
      }
      const declared = req.headers["content-length"];
      if (declared !== undefined && Number(declared) > limit) return next(payloadTooLarge(res, limit));
      const state = res.locals.turnpike;
      readBody(state.requestBody ?? req, limit, res).then((raw) => {
        if (kind === "form") {
          const form = new URLSearchParams(raw.toString("utf8"));
          applyFormEdits(form, body, req, res);
          replaceBody(req, res, Buffer.from(form.toString()));
          return next();
        }
        const parsed = parseJson(raw);
        if (parsed instanceof Error) return next(new GatewayError("BAD_REQUEST", "The request body is not valid JSON", { cause: parsed }));
        if (!isJsonObject(parsed)) {
          logger.debug("body not transformed: the JSON body is not an object (request %s)", state.requestId);
          replaceBody(req, res, raw);
          return next();
        }
        applyJsonEdits(parsed, body, req, res);
        replaceBody(req, res, Buffer.from(JSON.stringify(parsed)));
        next();
      }, next);
    };
  },
});
