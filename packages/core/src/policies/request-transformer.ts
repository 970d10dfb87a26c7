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
import { joinPath } from "../config/schema-validator.js";
import { ConfigError, GatewayError, type ConfigProblem } from "../errors.js";
import type { Template } from "../expressions/compile-template.js";
import type { Logger } from "../logger.js";
import { definePolicy, type PolicyContext } from "../pipeline/define.js";
import { compileEgValue, evaluateEgValue, type EgValue } from "./eg-value.js";
import { isHeaderName, isHeaderValue, reservedRequestHeaderReason } from "./headers.js";
import { parseByteSize } from "./request-size.js";

/** Additions and removals for headers or a body (Express Gateway's shape). */
export interface AddRemove {
  /** Name (headers) or dotted property path (bodies) → value expression. */
  add?: Record<string, string | number>;
  /** Names (headers) or property paths (bodies) to remove. */
  remove?: string[];
}

/** Options of the `request-transformer` and `response-transformer` policies. */
export interface TransformerOptions {
  headers?: AddRemove;
  body?: AddRemove;
  /** Largest body transformed: bytes or a size such as `"1mb"`. */
  maxBodySize: number | string;
}

function addRemoveSchema(what: "headers" | "body", direction: "request" | "response") {
  const target = `the ${direction}${what === "body" ? "'s JSON body" : ""}`;
  return {
    type: "object",
    properties: {
      add: {
        type: "object",
        minProperties: 1,
        additionalProperties: { type: ["string", "number"] },
        description:
          what === "headers"
            ? `Headers to set on ${target}: name → value, an Express Gateway expression that reads a property (\`consumer.id\`, \`req.headers['x-a']\`), a quoted literal (\`"'v1'"\`), a template (\`"id-\${consumer.id}"\`) or a number. A value that comes out empty removes the header.`
            : `Properties to set on ${target}: dotted path (\`a.b.c\`, objects created on the way) → value, an Express Gateway expression, a quoted literal, a template or a number (kept a JSON number). A value that comes out empty removes the property.`,
      },
      remove: {
        type: "array",
        items: { type: "string", minLength: 1 },
        description: what === "headers" ? `Header names to remove from ${target} (after \`add\`).` : `Properties to remove from ${target} (after \`add\`): a top-level name, or a dotted path.`,
      },
    },
    anyOf: [{ required: ["add"] }, { required: ["remove"] }],
    description: what === "headers" ? `Headers of ${target} to add and remove.` : `Properties of ${target} to add and remove.`,
  };
}

/**
 * JSON Schema of a transformer's options (Express Gateway's, plus `maxBodySize`).
 * @param direction which message the policy transforms, for the descriptions.
 */
export function transformerSchema(direction: "request" | "response") {
  return {
    type: "object",
    properties: {
      headers: addRemoveSchema("headers", direction),
      body: addRemoveSchema("body", direction),
      maxBodySize: {
        type: ["integer", "string"],
        minimum: 0,
        default: "1mb",
        description:
          direction === "request"
            ? 'Largest request body read for `body` transformations: bytes, or a size such as "512kb". A larger body is refused with 413.'
            : 'Largest response body buffered for `body` transformations: bytes, or a size such as "512kb". A larger body streams to the client untransformed.',
      },
    },
    anyOf: [{ required: ["headers"] }, { required: ["body"] }],
  } as const;
}

/** A compiled header addition. */
export interface HeaderAdd extends EgValue {
  /** Lower-case name. */
  readonly name: string;
}

/** Compiled header transformations. */
export interface HeaderEdits {
  readonly add: readonly HeaderAdd[];
  /** Lower-case names. */
  readonly remove: readonly string[];
}

function headerName(raw: string, path: string, reserved: (name: string) => string | undefined, problems: ConfigProblem[]): string | undefined {
  const name = raw.toLowerCase();
  if (!isHeaderName(name)) {
    problems.push({ path, message: `${JSON.stringify(raw)} is not a valid header name` });
    return undefined;
  }
  const reason = reserved(name);
  if (reason !== undefined) {
    problems.push({ path, message: `header ${JSON.stringify(name)} cannot be changed by this policy: ${reason}` });
    return undefined;
  }
  return name;
}

/**
 * Compiles `headers.add`/`headers.remove`, collecting problems at each entry's path.
 * @param reserved why a lower-case name may not be changed, or undefined when it may.
 */
export function compileHeaderEdits(spec: AddRemove, base: string, ctx: PolicyContext, reserved: (name: string) => string | undefined, problems: ConfigProblem[]): HeaderEdits {
  const add: HeaderAdd[] = [];
  const remove: string[] = [];
  const seen = new Set<string>();
  for (const [key, value] of Object.entries(spec.add ?? {})) {
    const path = joinPath(joinPath(base, "add"), key);
    const name = headerName(key, path, reserved, problems);
    if (name === undefined) continue;
    if (seen.has(name)) {
      problems.push({ path, message: `header ${JSON.stringify(name)} is already set by another entry (names are case-insensitive)` });
      continue;
    }
    seen.add(name);
    try {
      const compiled = compileEgValue(value, path, ctx);
      if (compiled.constant !== undefined && !isHeaderValue(compiled.constant)) {
        problems.push({ path, message: "contains characters not allowed in a header value (control characters or beyond Latin-1)" });
        continue;
      }
      add.push({ name, ...compiled });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
  }
  (spec.remove ?? []).forEach((raw, i) => {
    const name = headerName(raw, joinPath(joinPath(base, "remove"), i), reserved, problems);
    if (name === undefined) return;
    if (seen.has(name)) ctx.warn(`${joinPath(joinPath(base, "remove"), i)}: header ${JSON.stringify(name)} is also in add; it is removed (removals come after additions)`);
    remove.push(name);
  });
  return { add, remove };
}

/** A body value known at load (a number stays a JSON number), or computed per request. */
type BodyValue = { readonly literal: string | number; readonly template?: undefined } | { readonly literal?: undefined; readonly template: Template };

interface BodyAdd {
  readonly segments: readonly string[];
  readonly value: BodyValue;
}

interface BodyRemove {
  /** The name as written: Express Gateway deleted this top-level key. */
  readonly raw: string;
  readonly segments: readonly string[];
}

/** Compiled body transformations. */
export interface BodyEdits {
  readonly add: readonly BodyAdd[];
  readonly remove: readonly BodyRemove[];
}

// Walking or writing these would reach an object's prototype instead of its data.
const FORBIDDEN_SEGMENTS = new Set(["__proto__", "constructor", "prototype"]);

function compileSegments(text: string, path: string, problems: ConfigProblem[]): string[] | undefined {
  const segments = text.split(".");
  if (segments.some((s) => s === "")) {
    problems.push({ path, message: `${JSON.stringify(text)} is not a property path: write names separated by single dots, such as a.b.c` });
    return undefined;
  }
  const forbidden = segments.find((s) => FORBIDDEN_SEGMENTS.has(s));
  if (forbidden !== undefined) {
    problems.push({ path, message: `${JSON.stringify(text)} may not use "${forbidden}": it would reach the object's prototype, not its data` });
    return undefined;
  }
  return segments;
}

/** Compiles `body.add`/`body.remove`, collecting problems at each entry's path. */
export function compileBodyEdits(spec: AddRemove, base: string, ctx: PolicyContext, problems: ConfigProblem[]): BodyEdits {
  const add: BodyAdd[] = [];
  for (const [key, value] of Object.entries(spec.add ?? {})) {
    const path = joinPath(joinPath(base, "add"), key);
    const segments = compileSegments(key, path, problems);
    if (segments === undefined) continue;
    if (typeof value === "number") {
      add.push({ segments, value: { literal: value } });
      continue;
    }
    try {
      const compiled = compileEgValue(value, path, ctx);
      add.push({ segments, value: compiled.template ? { template: compiled.template } : { literal: compiled.constant! } });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
  }
  const remove: BodyRemove[] = [];
  (spec.remove ?? []).forEach((raw, i) => {
    const segments = compileSegments(raw, joinPath(joinPath(base, "remove"), i), problems);
    if (segments !== undefined) remove.push({ raw, segments });
  });
  return { add, remove };
}

/** Reads `maxBodySize`. @throws ConfigError at its path when it is not a size. */
export function compileMaxBodySize(options: TransformerOptions, ctx: PolicyContext, problems: ConfigProblem[]): number {
  const size = parseByteSize(options.maxBodySize);
  if (size === undefined) problems.push({ path: joinPath(ctx.path, "maxBodySize"), message: 'must be a number of bytes or a size such as "1mb"' });
  return size ?? 0;
}

/** A computed value that came out empty means "not there": Express Gateway left such properties out. */
function evaluateBodyValue(value: BodyValue, req: Request, res: Response): string | number | undefined {
  if (value.template === undefined) return value.literal;
  const text = value.template(req, res);
  return text === "" ? undefined : text;
}

type JsonContainer = Record<string, unknown>;

function ownChild(container: JsonContainer, key: string): unknown {
  return Object.hasOwn(container, key) ? container[key] : undefined;
}

function setPath(root: JsonContainer, segments: readonly string[], value: unknown): void {
  let current = root;
  for (let i = 0; i < segments.length - 1; i++) {
    let child = ownChild(current, segments[i]!);
    if (typeof child !== "object" || child === null) {
      child = {};
      current[segments[i]!] = child;
    }
    current = child as JsonContainer;
  }
  current[segments[segments.length - 1]!] = value;
}

function removePath(root: JsonContainer, segments: readonly string[]): void {
  let current: unknown = root;
  for (let i = 0; i < segments.length - 1; i++) {
    current = ownChild(current as JsonContainer, segments[i]!);
    if (typeof current !== "object" || current === null) return;
  }
  const last = segments[segments.length - 1]!;
  // Deleting an array element would leave a hole, serialised as null.
  if (Array.isArray(current) && /^(0|[1-9]\d*)$/.test(last)) {
    if (Number(last) < current.length) current.splice(Number(last), 1);
  } else {
    delete (current as JsonContainer)[last];
  }
}

/** Applies `edits` to a parsed JSON object, in Express Gateway's order: additions, then removals. */
export function applyJsonEdits(body: JsonContainer, edits: BodyEdits, req: Request, res: Response): void {
  for (const { segments, value } of edits.add) {
    const computed = evaluateBodyValue(value, req, res);
    if (computed === undefined) removePath(body, segments);
    else setPath(body, segments, computed);
  }
  for (const { raw, segments } of edits.remove) {
    if (Object.hasOwn(body, raw)) delete body[raw];
    else removePath(body, segments);
  }
}

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

/** The media type of a Content-Type value, lower-case, and its charset parameter if any. */
export function parseMediaType(value: string | string[] | number | undefined): { type: string; charset: string | undefined } | undefined {
  if (typeof value !== "string") return undefined;
  const [type, ...params] = value.split(";");
  let charset: string | undefined;
  for (const param of params) {
    const m = /^\s*charset\s*=\s*"?([^";\s]*)"?\s*$/i.exec(param);
    if (m) charset = m[1]!.toLowerCase();
  }
  return { type: type!.trim().toLowerCase(), charset };
}

/** True for `application/json` and the `+json` types (`application/problem+json`). */
export function isJsonType(type: string): boolean {
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Parses a JSON body strictly (UTF-8, no replacement characters).
 * @returns the value, or an Error when the body is not JSON.
 */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(UTF8.decode(body));
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** True for a JSON object (the one shape properties can be added to and removed from). */
export function isJsonObject(value: unknown): value is JsonContainer {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Error);
}

function tooLarge(res: Response, limit: number): GatewayError {
  // The unread rest of the body is not drained: the connection closes after the answer.
  res.setHeader("connection", "close");
  return new GatewayError("PAYLOAD_TOO_LARGE", `The request body is larger than ${limit} bytes`);
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
        reject(tooLarge(res, limit));
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

/** Applies header edits to the request, as headers.ts does: an empty or unsendable value removes the header. */
function transformRequestHeaders(req: Request, res: Response, edits: HeaderEdits, logger: Logger): void {
  for (const header of edits.add) {
    const value = evaluateEgValue(header, req, res);
    if (value === "") {
      delete req.headers[header.name];
    } else if (!isHeaderValue(value)) {
      delete req.headers[header.name];
      logger.warn("header %s not sent: its value contains characters not allowed in a header (request %s)", header.name, res.locals.turnpike?.requestId);
    } else {
      req.headers[header.name] = value;
    }
  }
  for (const name of edits.remove) delete req.headers[name];
}

type BodyKind = "json" | "form";

/** Which body transformation applies to this request, or why none does (for the debug log). */
function bodyKind(req: Request): BodyKind | string {
  if (!hasBody(req)) return "it has no body";
  const encoding = req.headers["content-encoding"];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") return `its body is encoded (${encoding})`;
  const media = parseMediaType(req.headers["content-type"]);
  if (media === undefined) return "it has no content-type";
  if (media.charset !== undefined && media.charset !== "utf-8" && media.charset !== "utf8") return `its charset is ${media.charset}`;
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
    const problems: ConfigProblem[] = [];
    const headers = options.headers && compileHeaderEdits(options.headers, joinPath(ctx.path, "headers"), ctx, reservedRequestHeaderReason, problems);
    const body = options.body && compileBodyEdits(options.body, joinPath(ctx.path, "body"), ctx, problems);
    const limit = compileMaxBodySize(options, ctx, problems);
    if (problems.length > 0) throw new ConfigError(problems);
    const logger = ctx.logger;

    if (body === undefined) {
      return function requestHeadersTransformer(req, res, next) {
        if (headers) transformRequestHeaders(req, res, headers, logger);
        next();
      };
    }

    return function requestTransformer(req, res, next) {
      if (headers) transformRequestHeaders(req, res, headers, logger);
      const kind = bodyKind(req);
      if (kind !== "json" && kind !== "form") {
        logger.debug("body not transformed: %s (request %s)", kind, res.locals.turnpike.requestId);
        return next();
      }
      const declared = req.headers["content-length"];
      if (declared !== undefined && Number(declared) > limit) return next(tooLarge(res, limit));
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
