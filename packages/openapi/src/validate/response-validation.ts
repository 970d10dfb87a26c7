/**
 * Response validation for `openapi-validate` (`responses: log | reject`): the status must be documented
 * (or a `default` given), the Content-Type covered by the documented media types, and a JSON body valid
 * against its schema. The response is held (when its body is checked) by wrapping `writeHead`, `write`
 * and `end`; with `reject`, a response that does not match is replaced by a 502 whose problems go to the
 * gateway log, never to the client, and nothing of the upstream's body is sent.
 */
import {
  applyHeaderArgument,
  chunkToBuffer,
  endArguments,
  errorBody,
  GatewayError,
  parseJsonBody,
  setLengthOfSingleEnd,
  type ApiDescription,
  type ApiOperation,
  type Logger,
  type PolicyContext,
} from "@turnpike/core";
import type { ValidateFunction } from "ajv";
import type { Request, Response } from "express";
import type { OutgoingHttpHeaders } from "node:http";
import { DocumentSchemas } from "../schemas/document-schemas.js";
import { describeErrors, type RequestProblem } from "./compile-request-validator.js";
import { bestMatch, isJsonMedia, parseMediaRange, type MediaRange } from "./media-types.js";

interface ResponseMedia {
  readonly range: MediaRange;
  readonly validate: ValidateFunction | undefined;
}

interface ResponseRule {
  /** `200`, `2XX` or `default`. */
  readonly status: string;
  readonly media: readonly ResponseMedia[];
}

/** The compiled response rules of every operation. */
export type ResponseChecks = ReadonlyMap<ApiOperation, readonly ResponseRule[]>;

/** Compiles the documented responses of every operation (response view: writeOnly not required). */
export function compileResponseChecks(descriptions: readonly ApiDescription[], ctx: PolicyContext): ResponseChecks {
  const checks = new Map<ApiOperation, ResponseRule[]>();
  for (const api of descriptions) {
    const schemas = new DocumentSchemas(api, { view: "response", coerce: false });
    for (const operation of api.operations) {
      checks.set(
        operation,
        operation.responses.map((response) => ({
          status: response.status,
          media: response.content.flatMap((entry) => {
            const range = parseMediaRange(entry.mediaType);
            if (range === undefined) return [];
            const validate =
              entry.schemaPointer !== undefined && (isJsonMedia(range) || range.type === "*")
                ? schemas.compile({ allOf: [schemas.use(entry.schemaPointer)] })
                : undefined;
            return [{ range, validate }];
          }),
        })),
      );
    }
  }
  ctx.logger.debug("response checks compiled for %d operations", checks.size);
  return checks;
}

/** The documented response for `status`: exact, then `2XX`-style, then `default`. */
function ruleFor(rules: readonly ResponseRule[], status: number): ResponseRule | undefined {
  const code = String(status);
  return (
    rules.find((r) => r.status === code) ??
    rules.find((r) => r.status.toUpperCase() === `${code[0]}XX`) ??
    rules.find((r) => r.status === "default")
  );
}

const UNDECIDED = 0;
const PASS = 1;
const HOLD = 2;
const REPLACED = 3;

/**
 * Checks the response `res` is about to send for `operation`.
 * @param reject replace a response that does not match with a 502 (else only log it)
 */
export function watchResponse(
  req: Request,
  res: Response,
  checks: ResponseChecks,
  operation: ApiOperation,
  reject: boolean,
  limits: { readonly maxBytes: number; readonly maxDepth: number },
  logger: Logger,
): void {
  const limit = limits.maxBytes;
  const rules = checks.get(operation);
  if (rules === undefined || rules.length === 0) return;
  const originalWriteHead = res.writeHead as (...args: unknown[]) => Response;
  const originalWrite = res.write as (...args: unknown[]) => boolean;
  const originalEnd = res.end as (...args: unknown[]) => Response;
  let mode = UNDECIDED;
  let status = 200;
  let phrase: string | undefined;
  let headerProblems: RequestProblem[] = [];
  let validate: ValidateFunction | undefined;
  let held: Buffer[] = [];
  let size = 0;

  const report = (problems: readonly RequestProblem[]): void => {
    logger.warn(
      "response %d to %s %s does not match the API description%s: %s (request %s)",
      status,
      req.method,
      operation.template,
      reject ? " and was replaced by a 502" : "",
      problems.map((p) => `${p.location}: ${p.message}`).join("; "),
      res.locals.turnpike?.requestId,
    );
  };

  const sendHead = (): void => {
    delete (res as { headersSent?: boolean }).headersSent;
    if (phrase !== undefined) originalWriteHead.call(res, status, phrase);
    else originalWriteHead.call(res, status);
  };

  /** Answers the 502 in place of the upstream's response; its headers and body are dropped. */
  const replace = (): Response => {
    mode = REPLACED;
    held = [];
    delete (res as { headersSent?: boolean }).headersSent;
    for (const name of res.getHeaderNames()) if (name !== "x-request-id" && name !== "connection") res.removeHeader(name);
    const error = new GatewayError("RESPONSE_VALIDATION_FAILED");
    const body = errorBody(error);
    res.setHeader("content-type", "application/json; charset=utf-8");
    res.setHeader("content-length", Buffer.byteLength(body));
    res.setHeader("cache-control", "no-store");
    originalWriteHead.call(res, error.status);
    return originalEnd.call(res, req.method === "HEAD" ? undefined : body);
  };

  function writeHead(this: unknown, statusCode: number, reason?: unknown, headers?: unknown): Response {
    if (mode !== UNDECIDED) return mode === REPLACED ? res : originalWriteHead.call(res, statusCode, reason, headers);
    let headerArgument = headers;
    if (typeof reason === "string") phrase = reason;
    else headerArgument = reason;
    applyHeaderArgument(res, headerArgument as OutgoingHttpHeaders | undefined);
    status = statusCode;
    const rule = ruleFor(rules!, statusCode);
    const bodyless = req.method === "HEAD" || statusCode === 204 || statusCode === 304 || statusCode < 200;
    headerProblems = [];
    if (rule === undefined) headerProblems.push({ location: "status", message: `${statusCode} is not a documented response` });
    else if (rule.media.length > 0 && !bodyless) {
      const type = parseMediaRange(res.getHeader("content-type") as string | undefined);
      const media = type === undefined ? undefined : bestMatch(rule.media, type);
      if (media === undefined) {
        headerProblems.push({
          location: "header.content-type",
          message: `${String(res.getHeader("content-type") ?? "(none)")} is not a documented media type for ${rule.status}`,
        });
      } else if (media.validate !== undefined && type !== undefined && isJsonMedia(type)) {
        const encoding = res.getHeader("content-encoding");
        const declared = res.getHeader("content-length");
        const encoded = encoding !== undefined && String(encoding).toLowerCase() !== "identity";
        if (!encoded && (declared === undefined || Number(declared) <= limit)) validate = media.validate;
      }
    }
    if (validate !== undefined) {
      mode = HOLD;
      Object.defineProperty(res, "headersSent", { configurable: true, get: () => true });
      return res;
    }
    if (headerProblems.length > 0) {
      report(headerProblems);
      if (reject) {
        replace();
        return res;
      }
    }
    mode = PASS;
    sendHead();
    return res;
  }

  function write(this: unknown, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    if (mode === UNDECIDED) res.writeHead(res.statusCode);
    const cb = (typeof encoding === "function" ? encoding : callback) as ((err?: Error | null) => void) | undefined;
    if (mode === REPLACED) {
      if (cb) process.nextTick(cb);
      return true;
    }
    if (mode !== HOLD) return originalWrite.call(res, chunk, encoding, callback);
    const buffer = chunkToBuffer(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : undefined);
    if (size + buffer.length > limit) {
      // Too large to hold: it goes through unchecked.
      logger.debug("response body not validated: larger than %d bytes (request %s)", limit, res.locals.turnpike?.requestId);
      mode = PASS;
      sendHead();
      for (const h of held) originalWrite.call(res, h);
      held = [];
      return originalWrite.call(res, buffer, cb);
    }
    held.push(buffer);
    size += buffer.length;
    if (cb) process.nextTick(cb);
    return true;
  }

  function end(this: unknown, ...args: unknown[]): Response {
    const { chunk, encoding, callback } = endArguments(args[0], args[1], args[2]);
    if (mode === UNDECIDED) {
      setLengthOfSingleEnd(res, chunk, encoding);
      res.writeHead(res.statusCode);
    }
    if (mode === REPLACED) {
      if (typeof callback === "function") process.nextTick(callback as () => void);
      return res;
    }
    if (mode !== HOLD) return originalEnd.call(res, chunk, encoding, callback);
    if (chunk !== undefined && chunk !== null) {
      held.push(chunkToBuffer(chunk, encoding));
      size += held.at(-1)!.length;
    }
    const raw = Buffer.concat(held, size);
    held = [];
    const problems = [...headerProblems];
    const parsed = parseJsonBody(raw, limits.maxDepth);
    if (!parsed.ok) {
      problems.push({
        location: "body",
        message: parsed.reason === "too-deep" ? `is nested deeper than ${parsed.maxDepth} levels` : "is not valid JSON",
      });
    } else if (!validate!(parsed.value)) problems.push(...describeErrors(validate!.errors, (p) => `body${p}`));
    if (problems.length > 0) {
      report(problems);
      if (reject) return replace();
    }
    mode = PASS;
    sendHead();
    return originalEnd.call(res, raw, callback);
  }

  res.writeHead = writeHead as Response["writeHead"];
  res.write = write as Response["write"];
  res.end = end as Response["end"];
  res.once("close", () => {
    held = [];
  });
}
