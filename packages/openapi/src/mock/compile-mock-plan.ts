/**
 * What a `mock: { from: openapi }` answers for each operation, computed once at load: every documented
 * response with its media types, each media type's examples (serialised once) and the body used when
 * the request names no example (the documented `example`, the first of `examples`, else a value
 * generated from the schema), and the response headers that have an example or a schema.
 */
import { followRef, valueAt, type ApiDescription, type ApiOperation, type ApiResponse } from "@turnpike/core";
import { generateValue } from "./generate-value.js";
import { isJsonMedia, parseMediaRange } from "../validate/media-types.js";

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** One documented media type of a response, ready to send. */
export interface MockMedia {
  /** As documented (may be a range such as `*\/*`). */
  readonly mediaType: string;
  /** The Content-Type sent. */
  readonly contentType: string;
  /** Named examples, serialised. */
  readonly examples: ReadonlyMap<string, Buffer>;
  /** The body sent when the request names no example. */
  readonly body: Buffer;
}

/** One documented response. */
export interface MockResponse {
  /** `200`, `2XX` or `default`, as documented. */
  readonly status: string;
  readonly media: readonly MockMedia[];
  readonly headers: Readonly<Record<string, string>>;
}

/** What a mock answers for one operation. */
export interface MockPlan {
  readonly responses: readonly MockResponse[];
}

function serialise(value: unknown, contentType: string): Buffer {
  const media = parseMediaRange(contentType);
  if (typeof value === "string" && !(media !== undefined && isJsonMedia(media))) return Buffer.from(value);
  return Buffer.from(JSON.stringify(value === undefined ? null : value));
}

/** The Content-Type for a documented media type (a range is made concrete). */
function concreteType(mediaType: string, sample: unknown): string {
  const range = parseMediaRange(mediaType);
  if (range === undefined || range.type === "*" || range.subtype === "*")
    return typeof sample === "string" ? "text/plain" : "application/json";
  return mediaType;
}

/** The value of an Example Object (following `$ref`s); undefined for external values. */
function exampleValue(document: unknown, example: unknown, pointer: string): unknown {
  const resolved = followRef(document, example, pointer);
  if (typeof resolved === "string") return undefined;
  return resolved.node.value;
}

function headerValue(document: unknown, header: unknown, pointer: string): string | undefined {
  const resolved = followRef(document, header, pointer);
  if (typeof resolved === "string") return undefined;
  const node = resolved.node;
  let value: unknown = node.example;
  if (value === undefined && isObject(node.examples)) {
    const first = Object.entries(node.examples)[0];
    if (first) value = exampleValue(document, first[1], `${resolved.pointer}/examples/${first[0]}`);
  }
  if (value === undefined && node.schema !== undefined) value = generateValue(document, node.schema, `${resolved.pointer}/schema`);
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) ? value.join(",") : typeof value === "object" ? JSON.stringify(value) : String(value);
}

function compileResponse(document: Raw, response: ApiResponse): MockResponse {
  const media = response.content.map((entry): MockMedia => {
    const node = (valueAt(document, entry.pointer) ?? {}) as Raw;
    const named = new Map<string, unknown>();
    if (isObject(node.examples)) {
      for (const [name, example] of Object.entries(node.examples)) {
        const value = exampleValue(document, example, `${entry.pointer}/examples/${name}`);
        if (value !== undefined) named.set(name, value);
      }
    }
    let sample: unknown = node.example;
    if (sample === undefined && named.size > 0) sample = named.values().next().value;
    if (sample === undefined && node.schema !== undefined) sample = generateValue(document, node.schema, `${entry.pointer}/schema`);
    const contentType = concreteType(entry.mediaType, sample);
    return {
      mediaType: entry.mediaType,
      contentType,
      examples: new Map([...named].map(([name, value]) => [name, serialise(value, contentType)])),
      body: sample === undefined ? Buffer.alloc(0) : serialise(sample, contentType),
    };
  });
  const headers: Record<string, string> = {};
  for (const [name, pointer] of Object.entries(response.headers)) {
    if (name.toLowerCase() === "content-type" || name.toLowerCase() === "content-length") continue;
    const value = headerValue(document, valueAt(document, pointer), pointer);
    if (value !== undefined) headers[name] = value;
  }
  return { status: response.status, media, headers };
}

/** Compiles the mock answers of every operation of the given documents. */
export function compileMockPlans(descriptions: readonly ApiDescription[]): Map<ApiOperation, MockPlan> {
  const plans = new Map<ApiOperation, MockPlan>();
  for (const api of descriptions) {
    const document = api.document as Raw;
    for (const operation of api.operations) {
      plans.set(operation, { responses: operation.responses.map((r) => compileResponse(document, r)) });
    }
  }
  return plans;
}

/**
 * The documented response for a status the request prefers (exact, then its `4XX` range, then
 * `default`), or when it prefers none: the lowest documented 2xx, a `2XX` range, the first documented,
 * then `default`.
 * @returns the response and the status to send, or undefined when nothing documented fits.
 */
export function chooseResponse(
  plan: MockPlan,
  preferred: number | undefined,
  fallbackStatus: number | undefined,
): { response: MockResponse; status: number } | undefined {
  const { responses } = plan;
  const wanted = preferred ?? fallbackStatus;
  if (wanted !== undefined) {
    const code = String(wanted);
    const response =
      responses.find((r) => r.status === code) ??
      responses.find((r) => r.status.toUpperCase() === `${code[0]}XX`) ??
      responses.find((r) => r.status === "default");
    return response === undefined ? undefined : { response, status: wanted };
  }
  const exact = responses.filter((r) => /^2\d\d$/.test(r.status)).sort((a, b) => Number(a.status) - Number(b.status))[0];
  if (exact) return { response: exact, status: Number(exact.status) };
  const range = responses.find((r) => r.status.toUpperCase() === "2XX");
  if (range) return { response: range, status: 200 };
  const first = responses.find((r) => /^\d\d\d$/.test(r.status));
  if (first) return { response: first, status: Number(first.status) };
  const fallback = responses.find((r) => r.status === "default");
  return fallback ? { response: fallback, status: 200 } : undefined;
}
