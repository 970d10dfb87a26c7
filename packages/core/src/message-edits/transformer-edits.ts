/**
 * What `request-transformer` and `response-transformer` share: Express Gateway's option shape, and the
 * compiled body edits and how they apply to a JSON object.
 */
import type { Request, Response } from "express";
import { joinPath } from "../config/schema-validator.js";
import { ConfigError, type ConfigProblem, isConfigError } from "../errors.js";
import type { Template } from "../expressions/compile-template.js";
import type { PolicyContext } from "../pipeline/define.js";
import { compileEgValue } from "../expressions/eg-value.js";
import { compileHeaderEdits, type HeaderEdits, type ReservedHeaderReason } from "./header-edits.js";
import { maxBodyDepthSchema } from "../http/json-body.js";
import { parseByteSize } from "../http/body-size.js";

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
  /** Deepest nesting of a JSON body read for `body` transformations. */
  maxBodyDepth: number;
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
        description:
          what === "headers"
            ? `Header names to remove from ${target} (after \`add\`).`
            : `Properties to remove from ${target} (after \`add\`): a top-level name, or a dotted path.`,
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
      maxBodyDepth: maxBodyDepthSchema(
        direction === "request"
          ? "A deeper request body is refused with 400 before it is parsed."
          : "A deeper response body is answered with 502 instead: passing it on untransformed would skip the configured removals.",
      ),
    },
    anyOf: [{ required: ["headers"] }, { required: ["body"] }],
  } as const;
}

/** A body value known at load (a number stays a JSON number), or computed per request. */
type BodyValue =
  { readonly literal: string | number; readonly template?: undefined } | { readonly literal?: undefined; readonly template: Template };

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
    problems.push({
      path,
      message: `${JSON.stringify(text)} may not use "${forbidden}": it would reach the object's prototype, not its data`,
    });
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
      if (!isConfigError(err)) throw err;
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
  if (size === undefined)
    problems.push({ path: joinPath(ctx.path, "maxBodySize"), message: 'must be a number of bytes or a size such as "1mb"' });
  return size ?? 0;
}

/** A computed value that came out empty means "not there": Express Gateway left such properties out. */
export function evaluateBodyValue(value: BodyValue, req: Request, res: Response): string | number | undefined {
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

/** True for a JSON object (the one shape properties can be added to and removed from). */
export function isJsonObject(value: unknown): value is JsonContainer {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A transformer step compiled: its header and body edits and its body limit. */
export interface CompiledTransformer {
  readonly headers: HeaderEdits | undefined;
  readonly body: BodyEdits | undefined;
  readonly limit: number;
  /** `maxBodyDepth`. */
  readonly maxDepth: number;
}

/**
 * Compiles a transformer step's options.
 * @param reserved why a header name may not be changed in this direction
 * @throws ConfigError listing every problem, each at its option's path.
 */
export function compileTransformer(options: TransformerOptions, ctx: PolicyContext, reserved: ReservedHeaderReason): CompiledTransformer {
  const problems: ConfigProblem[] = [];
  const headers = options.headers && compileHeaderEdits(options.headers, joinPath(ctx.path, "headers"), ctx, reserved, problems);
  const body = options.body && compileBodyEdits(options.body, joinPath(ctx.path, "body"), ctx, problems);
  const limit = compileMaxBodySize(options, ctx, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { headers, body, limit, maxDepth: options.maxBodyDepth };
}

/** One line saying what a transformer changes (for `explain`). */
export function describeEdits(options: TransformerOptions, direction: "request" | "response"): string {
  const parts: string[] = [];
  for (const what of ["headers", "body"] as const) {
    const edits = options[what];
    const add = Object.keys(edits?.add ?? {});
    const remove = edits?.remove ?? [];
    if (add.length > 0) parts.push(`adds ${what === "body" ? "body fields" : "headers"} ${add.join(", ")}`);
    if (remove.length > 0) parts.push(`removes ${what === "body" ? "body fields" : "headers"} ${remove.join(", ")}`);
  }
  return parts.length === 0 ? `changes nothing in the ${direction}` : `in the ${direction}: ${parts.join("; ")}`;
}
