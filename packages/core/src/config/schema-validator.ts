/**
 * ajv, configured once per compile (never one process-wide instance), and the translation of its errors
 * into `path: message` problems in the file's own structure.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { ConfigProblem } from "../errors.js";
import type { JsonSchema } from "../pipeline/define.js";

/** Joins a config path and a key the way messages show them: `a.b`, `a[0]`. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  return base ? `${base}.${key}` : key;
}

function pointerToPath(base: string, pointer: string): string {
  let path = base;
  if (!pointer) return path;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    path = /^\d+$/.test(key) ? joinPath(path, Number(key)) : joinPath(path, key);
  }
  return path;
}

function describe(error: ErrorObject): { suffix?: string; message: string } {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return { suffix: String(p.missingProperty), message: "is required" };
    case "additionalProperties":
      return { suffix: String(p.additionalProperty), message: "is not a known option" };
    case "type": {
      const types = String(p.type).split(",");
      return { message: `must be ${types.length > 1 ? `${types.slice(0, -1).join(", ")} or ${types.at(-1)}` : types[0]}` };
    }
    case "enum":
      return { message: `must be one of: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` };
    case "const":
      return { message: `must be ${JSON.stringify(p.allowedValue)}` };
    default:
      return { message: error.message ?? "is invalid" };
  }
}

/** Turns ajv errors into problems, dropping the noise `anyOf` adds when one branch explains the failure. */
export function toProblems(errors: readonly ErrorObject[] | null | undefined, base: string): ConfigProblem[] {
  if (!errors) return [];
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath));
  for (const error of errors) {
    // For `anyOf`, keep one summary line at the failing value instead of every branch's complaint.
    if (error.keyword !== "anyOf" && [...anyOfPaths].some((p) => error.instancePath === p && error.schemaPath.includes("anyOf"))) continue;
    const { suffix, message } = error.keyword === "anyOf" ? { suffix: undefined, message: "has an invalid form" } : describe(error);
    const path = suffix === undefined ? pointerToPath(base, error.instancePath) : joinPath(pointerToPath(base, error.instancePath), suffix);
    const key = `${path}\0${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ path, message });
  }
  return problems;
}

/** Compiles and caches schemas for one configuration load. */
export class SchemaValidator {
  private readonly ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, allowUnionTypes: true });
  private readonly cache = new Map<JsonSchema, ValidateFunction>();

  /**
   * Validates `data` (defaults are written into it) and returns its problems, paths prefixed with `base`.
   * An object schema without `additionalProperties` is closed: unknown options are errors.
   */
  validate(schema: JsonSchema, data: unknown, base: string): ConfigProblem[] {
    let validate = this.cache.get(schema);
    if (!validate) {
      validate = this.ajv.compile(closeObjectSchema(schema));
      this.cache.set(schema, validate);
    }
    return validate(data) ? [] : toProblems(validate.errors, base);
  }
}

function closeObjectSchema(schema: JsonSchema): JsonSchema {
  if (schema.type === "object" && schema.additionalProperties === undefined && schema.properties !== undefined) {
    return { ...schema, additionalProperties: false };
  }
  return schema;
}

/**
 * Warnings for the options in `options` that `schema` marks `deprecated: true` (Express Gateway options
 * Turnpike accepts and ignores), each at its path under `base`.
 */
export function deprecatedOptionWarnings(schema: JsonSchema, options: Record<string, unknown>, base: string): string[] {
  const properties = (schema.properties ?? {}) as Record<string, { deprecated?: boolean; description?: string }>;
  const warnings: string[] = [];
  for (const key of Object.keys(options)) {
    const property = properties[key];
    if (property?.deprecated)
      warnings.push(
        `${joinPath(base, key)}: accepted for Express Gateway compatibility and ignored (${property.description ?? "no effect in Turnpike"})`,
      );
  }
  return warnings;
}
