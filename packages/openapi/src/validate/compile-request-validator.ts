/**
 * Compiling what an operation accepts into a validator, once at load: one ajv validator for all its
 * parameters (path, query, header, cookie), and one per request body media type.
 */
import type { ApiOperation, ApiParameter } from "@turnpike/core";
import type { ErrorObject, ValidateFunction } from "ajv";
import type { DocumentSchemas } from "../schemas/document-schemas.js";
import { readParameter, type ParameterSources, type ValueShape } from "./parameter-values.js";
import { mediaKind, parseMediaRange, type MediaKind, type MediaRange } from "./media-types.js";

/** One problem with a request, e.g. `{ location: "query.limit", message: "must be <= 100" }`. */
export interface RequestProblem {
  readonly location: string;
  readonly message: string;
}

/** How a request body of one media type is checked. */
export interface BodyMedia {
  readonly range: MediaRange;
  readonly mediaType: string;
  readonly kind: MediaKind;
  /** Validates the parsed body (JSON value, or form fields as an object); undefined: any body. */
  readonly validate: ValidateFunction | undefined;
  /** For form bodies: the shape of each property (array properties collect every value). */
  readonly fieldShapes: ReadonlyMap<string, ValueShape>;
  /** For multipart bodies: the fields that must be present. */
  readonly requiredFields: readonly string[];
}

/** The compiled checks of one operation. */
export interface RequestValidator {
  readonly operation: ApiOperation;
  /** Checks every parameter; returns the problems (empty when valid). */
  checkParameters(sources: ParameterSources): RequestProblem[];
  /** The request body rules, when the operation describes a body. */
  readonly body: { readonly required: boolean; readonly media: readonly BodyMedia[] } | undefined;
}

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

// Per the specification, these header parameters are described by other means and SHALL be ignored.
const IGNORED_HEADERS = new Set(["accept", "content-type", "authorization"]);

/** Follows `$ref`s in the converted document to the schema they name. */
export function resolveSchema(schemas: DocumentSchemas, schema: unknown): unknown {
  let current = schema;
  for (let i = 0; i < 16 && isObject(current) && typeof current.$ref === "string" && current.$ref.startsWith("#"); i++) {
    current = schemas.schemaAt(decodeURIComponent(current.$ref.slice(1)));
  }
  return current;
}

function typesOf(schema: Raw): string[] {
  return Array.isArray(schema.type) ? schema.type.map(String) : typeof schema.type === "string" ? [schema.type] : [];
}

/** Whether a schema describes an array, an object or a single value (deciding how text is split). */
export function shapeOf(schemas: DocumentSchemas, schema: unknown): ValueShape {
  const resolved = resolveSchema(schemas, schema);
  if (!isObject(resolved)) return "primitive";
  const types = typesOf(resolved);
  if (types.includes("array") || (types.length === 0 && resolved.items !== undefined)) return "array";
  if (types.includes("object") || (types.length === 0 && resolved.properties !== undefined)) return "object";
  for (const key of ["allOf", "oneOf", "anyOf"]) {
    const list = resolved[key];
    if (Array.isArray(list)) {
      const shapes = list.map((s) => shapeOf(schemas, s)).filter((s) => s !== "primitive");
      if (shapes[0] !== undefined) return shapes[0];
    }
  }
  return "primitive";
}

function propertyNames(schemas: DocumentSchemas, schema: unknown): string[] {
  const resolved = resolveSchema(schemas, schema);
  if (!isObject(resolved)) return [];
  const names = isObject(resolved.properties) ? Object.keys(resolved.properties) : [];
  for (const key of ["allOf", "oneOf", "anyOf"]) {
    const list = resolved[key];
    if (Array.isArray(list)) for (const s of list) names.push(...propertyNames(schemas, s));
  }
  return [...new Set(names)];
}

function requiredNames(schemas: DocumentSchemas, schema: unknown): string[] {
  const resolved = resolveSchema(schemas, schema);
  if (!isObject(resolved)) return [];
  const names = Array.isArray(resolved.required) ? resolved.required.map(String) : [];
  if (Array.isArray(resolved.allOf)) for (const s of resolved.allOf) names.push(...requiredNames(schemas, s));
  return [...new Set(names)];
}

/** ajv's error as `location: message`, `base` naming the part of the request (`query`, `body`). */
export function describeError(error: ErrorObject, base: (instancePath: string) => string): RequestProblem {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return {
        location: base(`${error.instancePath}/${String(p.missingProperty).replace(/~/g, "~0").replace(/\//g, "~1")}`),
        message: "is required",
      };
    case "additionalProperties":
      return { location: base(`${error.instancePath}/${String(p.additionalProperty)}`), message: "is not allowed" };
    case "enum":
      return {
        location: base(error.instancePath),
        message: `must be one of: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`,
      };
    case "const":
      return { location: base(error.instancePath), message: `must be ${JSON.stringify(p.allowedValue)}` };
    default:
      return { location: base(error.instancePath), message: error.message ?? "is not valid" };
  }
}

/** Keywords whose problem is located below the value they are reported at (a missing or extra property). */
const LOCATED_BELOW = new Set(["required", "additionalProperties"]);

/**
 * ajv's errors as problems, without the noise of alternatives: where an `anyOf`/`oneOf` failed and one
 * branch's problems lie deeper in the value (`body/owner/login: is required`), the other branches'
 * complaints about the value itself (`must be null`) and the summary are dropped; `if` summaries too.
 */
export function describeErrors(
  errors: readonly ErrorObject[] | null | undefined,
  base: (instancePath: string) => string,
): RequestProblem[] {
  const all = errors ?? [];
  const dropped = new Set<ErrorObject>();
  for (const summary of all) {
    if (summary.keyword !== "anyOf" && summary.keyword !== "oneOf") continue;
    dropped.add(summary);
    const at = summary.instancePath;
    const deeper = all.some((e) => e.instancePath.startsWith(`${at}/`) || (e.instancePath === at && LOCATED_BELOW.has(e.keyword)));
    if (!deeper) continue;
    for (const e of all) if (e.instancePath === at && !LOCATED_BELOW.has(e.keyword)) dropped.add(e);
  }
  const out: RequestProblem[] = [];
  const seen = new Set<string>();
  for (const error of all) {
    if (error.keyword === "if" || dropped.has(error)) continue;
    const problem = describeError(error, base);
    const key = `${problem.location}\0${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
  }
  return out;
}

/** `/query/limit/0` → `query.limit/0`: location and name joined by a dot, the rest as a JSON pointer. */
function parameterLocation(instancePath: string): string {
  const [, location = "", name = "", ...rest] = instancePath.split("/");
  const unescaped = name.replace(/~1/g, "/").replace(/~0/g, "~");
  return `${location}${unescaped === "" ? "" : `.${unescaped}`}${rest.length > 0 ? `/${rest.join("/")}` : ""}`;
}

interface CompiledParameter {
  readonly parameter: ApiParameter;
  readonly shape: ValueShape;
  readonly properties: readonly string[];
}

/** Compiles the checks of one operation. */
export function compileRequestValidator(
  operation: ApiOperation,
  parameterSchemas: DocumentSchemas,
  bodySchemas: DocumentSchemas,
): RequestValidator {
  const parameters: CompiledParameter[] = [];
  const groups: Record<string, { properties: Record<string, unknown>; required: string[] }> = {};
  for (const parameter of operation.parameters) {
    if (parameter.in === "header" && IGNORED_HEADERS.has(parameter.name.toLowerCase())) continue;
    const schema = parameter.schemaPointer === undefined ? undefined : parameterSchemas.schemaAt(parameter.schemaPointer);
    parameters.push({
      parameter,
      shape: shapeOf(parameterSchemas, schema),
      properties: propertyNames(parameterSchemas, schema),
    });
    const group = (groups[parameter.in] ??= { properties: {}, required: [] });
    group.properties[parameter.name] = parameter.schemaPointer === undefined ? true : parameterSchemas.use(parameter.schemaPointer);
    if (parameter.required) group.required.push(parameter.name);
  }
  const parameterSchema = {
    type: "object",
    properties: Object.fromEntries(
      Object.entries(groups).map(([location, g]) => [
        location,
        { type: "object", properties: g.properties, ...(g.required.length > 0 ? { required: g.required } : {}) },
      ]),
    ),
  };
  const validateParameters = parameters.length > 0 ? parameterSchemas.compile(parameterSchema) : undefined;

  let body: RequestValidator["body"];
  if (operation.requestBody !== undefined && operation.requestBody.content.length > 0) {
    const media: BodyMedia[] = [];
    for (const entry of operation.requestBody.content) {
      const range = parseMediaRange(entry.mediaType);
      if (range === undefined) continue;
      const kind = mediaKind(range);
      const pointer = entry.schemaPointer;
      const schemas = kind === "form" ? parameterSchemas : bodySchemas;
      const schema = pointer === undefined ? undefined : schemas.schemaAt(pointer);
      const fieldShapes = new Map<string, ValueShape>();
      if (kind === "form") {
        const resolved = resolveSchema(schemas, schema);
        if (isObject(resolved) && isObject(resolved.properties)) {
          for (const [name, property] of Object.entries(resolved.properties)) fieldShapes.set(name, shapeOf(schemas, property));
        }
      }
      media.push({
        range,
        mediaType: entry.mediaType,
        kind,
        validate:
          pointer === undefined || (kind !== "json" && kind !== "form") ? undefined : schemas.compile({ allOf: [schemas.use(pointer)] }),
        fieldShapes,
        requiredFields: kind === "multipart" ? requiredNames(schemas, schema) : [],
      });
    }
    body = { required: operation.requestBody.required, media };
  }

  return {
    operation,
    body,
    checkParameters(sources) {
      if (validateParameters === undefined) return [];
      const problems: RequestProblem[] = [];
      const data: Record<string, Record<string, unknown>> = {};
      for (const { parameter, shape, properties } of parameters) {
        const read = readParameter(parameter, shape, sources, properties);
        if (read === undefined) continue;
        if ("problem" in read) {
          problems.push({ location: `${parameter.in}.${parameter.name}`, message: read.problem });
          continue;
        }
        (data[parameter.in] ??= {})[parameter.name] = read.value;
      }
      for (const location of Object.keys(groups)) data[location] ??= {};
      if (!validateParameters(data)) problems.push(...describeErrors(validateParameters.errors, parameterLocation));
      return problems;
    },
  };
}
