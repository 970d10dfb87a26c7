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
import { hasRequestBody, readJsonRequestBody, readRequestBody, type JsonBodyLimits } from "../../http/request-body.js";
import { definePolicy } from "../../pipeline/define.js";
import type { Logger } from "../../logger.js";
import { applyHeaderEdits, REQUEST_HEADERS, reservedRequestHeaderReason } from "../../message-edits/header-edits.js";
import { payloadTooLarge } from "../../http/body-size.js";
import { describeEdits } from "../../message-edits/transformer-edits.js";
import {
  applyJsonEdits,
  compileTransformer,
  evaluateBodyValue,
  isJsonObject,
  transformerSchema,
  type BodyEdits,
  type TransformerOptions,
} from "../../message-edits/transformer-edits.js";
import { isJsonType, isUtf8Charset, parseMediaType } from "../../http/media-type.js";

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

type BodyKind = "json" | "form";

/** Which body transformation applies to this request, or why none does (for the debug log). */
function bodyKind(req: Request): BodyKind | string {
  if (!hasRequestBody(req)) return "it has no body";
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
  phase: "transform",
  description: "Adds and removes request headers and JSON or form body properties before proxying.",
  schema: transformerSchema("request"),
  create(options, ctx) {
    const { headers, body, limit, maxDepth } = compileTransformer(options, ctx, reservedRequestHeaderReason);
    const limits: JsonBodyLimits = { maxBytes: limit, maxDepth };
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
      if (declared !== undefined && Number(declared) > limits.maxBytes) return next(payloadTooLarge(res, limits.maxBytes));
      // Every failure (413, 400, a throw while editing) is a rejection, and every rejection reaches the
      // error handler: a body that cannot be transformed is answered, never left hanging.
      transformBody(kind, body, limits, req, res, logger).then(() => next(), next);
    };
  },
  explain(options) {
    return () => ({ summary: describeEdits(options, "request"), details: { headers: options.headers ?? {}, body: options.body ?? {} } });
  },
});

/** Reads, edits and replaces the request body. Rejects with the error to answer. */
async function transformBody(
  kind: BodyKind,
  edits: BodyEdits,
  limits: JsonBodyLimits,
  req: Request,
  res: Response,
  logger: Logger,
): Promise<void> {
  const source = res.locals.turnpike.requestBody ?? req;
  if (kind === "form") {
    const raw = await readRequestBody(source, limits.maxBytes, res);
    const form = new URLSearchParams(raw.toString("utf8"));
    applyFormEdits(form, edits, req, res);
    replaceBody(req, res, Buffer.from(form.toString()));
    return;
  }
  const { raw, value } = await readJsonRequestBody(source, res, limits);
  if (!isJsonObject(value)) {
    logger.debug("body not transformed: the JSON body is not an object (request %s)", res.locals.turnpike.requestId);
    replaceBody(req, res, raw);
    return;
  }
  applyJsonEdits(value, edits, req, res);
  replaceBody(req, res, Buffer.from(JSON.stringify(value)));
}
