/**
 * Checking admin request bodies against a small field table: every problem is reported at once, with
 * its path (`credential.keyId`), and no message ever repeats a submitted value (it may be a secret).
 */
import { GatewayError } from "@turnpike/core";

/** One problem with a request body or query. */
export interface FieldProblem {
  /** Dotted path in the body, e.g. `credential.scopes[1]`. */
  path: string;
  message: string;
}

/** What a field of a request body may hold. */
export type FieldSpec =
  /** `nullable`: `null` is accepted (an update removing the field). */
  | {
      kind: "string";
      required?: boolean;
      nullable?: boolean;
      maxLength?: number;
      pattern?: RegExp;
      patternText?: string;
      format?: "email" | "uri";
      description?: string;
    }
  | { kind: "boolean"; required?: boolean }
  /** A list of strings; a single string is accepted and read as a one-item list (Express Gateway). */
  | { kind: "strings"; required?: boolean; maxItems?: number; itemPattern?: RegExp; itemPatternText?: string }
  | { kind: "object"; required?: boolean; fields: FieldTable }
  /** Set by the server (id, createdAt, isActive on create...): a client sending it gets 400. */
  | { kind: "server-owned" };

/** The fields a body may have; any other is an error. */
export type FieldTable = Readonly<Record<string, FieldSpec>>;

/** Longest string accepted in any field (profile fields, ids, secrets). */
export const MAX_STRING = 1024;
/** Most items in a list field (scopes). */
export const MAX_ITEMS = 100;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function join(base: string, key: string | number): string {
  return typeof key === "number" ? `${base}[${key}]` : base ? `${base}.${key}` : key;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkString(spec: Extract<FieldSpec, { kind: "string" }>, value: unknown, path: string, problems: FieldProblem[]): void {
  if (typeof value !== "string") return void problems.push({ path, message: "must be a string" });
  if (value.length === 0) return void problems.push({ path, message: "must not be empty" });
  if (value.length > (spec.maxLength ?? MAX_STRING))
    return void problems.push({ path, message: `must be at most ${spec.maxLength ?? MAX_STRING} characters` });
  if (spec.pattern && !spec.pattern.test(value))
    return void problems.push({ path, message: `must match ${spec.patternText ?? String(spec.pattern)}` });
  if (spec.format === "email" && !EMAIL.test(value)) return void problems.push({ path, message: "must be an email address" });
  if (spec.format === "uri") {
    try {
      new URL(value);
    } catch {
      problems.push({ path, message: "must be an absolute URI" });
    }
  }
}

function checkStrings(spec: Extract<FieldSpec, { kind: "strings" }>, value: unknown, path: string, problems: FieldProblem[]): void {
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list)) return void problems.push({ path, message: "must be a list of strings" });
  const max = spec.maxItems ?? MAX_ITEMS;
  if (list.length > max) return void problems.push({ path, message: `must have at most ${max} items` });
  list.forEach((item, i) => {
    const itemPath = typeof value === "string" ? path : join(path, i);
    if (typeof item !== "string" || item.length === 0) problems.push({ path: itemPath, message: "must be a non-empty string" });
    else if (item.length > MAX_STRING) problems.push({ path: itemPath, message: `must be at most ${MAX_STRING} characters` });
    else if (spec.itemPattern && !spec.itemPattern.test(item))
      problems.push({ path: itemPath, message: `must match ${spec.itemPatternText ?? String(spec.itemPattern)}` });
  });
}

/** Collects the problems of `body` against `table` (paths prefixed with `base`). */
export function checkFields(table: FieldTable, body: unknown, base = ""): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!isPlainObject(body)) return [{ path: base || "(body)", message: "must be a JSON object" }];
  for (const [key, spec] of Object.entries(table)) {
    if (spec.kind !== "server-owned" && spec.required && body[key] === undefined)
      problems.push({ path: join(base, key), message: "is required" });
  }
  for (const [key, value] of Object.entries(body)) {
    const path = join(base, key);
    const spec = Object.hasOwn(table, key) ? table[key] : undefined;
    if (spec === undefined) {
      problems.push({ path, message: "is not a known field" });
      continue;
    }
    if (value === undefined) continue;
    if (value === null && spec.kind === "string" && spec.nullable) continue;
    switch (spec.kind) {
      case "server-owned":
        problems.push({ path, message: "is set by the server and cannot be written" });
        break;
      case "string":
        checkString(spec, value, path, problems);
        break;
      case "boolean":
        if (typeof value !== "boolean") problems.push({ path, message: "must be true or false" });
        break;
      case "strings":
        checkStrings(spec, value, path, problems);
        break;
      case "object":
        problems.push(...checkFields(spec.fields, value, path));
        break;
    }
  }
  return problems;
}

/** A 400 VALIDATION_FAILED listing every problem with its path. */
export function validationError(problems: readonly FieldProblem[]): GatewayError {
  return new GatewayError("VALIDATION_FAILED", `Invalid request: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`);
}

/**
 * Checks `body` against `table` and returns it typed.
 * @throws GatewayError VALIDATION_FAILED (400) listing every problem.
 */
export function validateBody<T>(table: FieldTable, body: unknown): T {
  const problems = checkFields(table, body);
  if (problems.length > 0) throw validationError(problems);
  return body as T;
}

/** Reads a list field that may have been sent as one string (Express Gateway accepted both). */
export function asList(value: string | readonly string[] | undefined): string[] | undefined {
  return value === undefined ? undefined : typeof value === "string" ? [value] : [...value];
}
