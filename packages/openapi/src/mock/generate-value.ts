/**
 * A value that fits a schema, for operations whose documented responses have no example. Deterministic:
 * the same schema always gives the same value (no randomness, no clock), so a mock answers the same way
 * every time and tests written against it stay true. Examples, defaults, consts and enums inside the
 * schema are used first.
 */
import { followRef } from "@turnpike/core";

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

const MAX_DEPTH = 6;

const STRING_FORMATS: Record<string, string> = {
  "date-time": "2026-01-01T00:00:00Z",
  date: "2026-01-01",
  time: "00:00:00Z",
  email: "user@example.com",
  "idn-email": "user@example.com",
  hostname: "example.com",
  "idn-hostname": "example.com",
  ipv4: "192.0.2.1",
  ipv6: "2001:db8::1",
  uri: "https://example.com/",
  "uri-reference": "/example",
  iri: "https://example.com/",
  url: "https://example.com/",
  uuid: "00000000-0000-4000-8000-000000000000",
  byte: "AAAA",
  binary: "",
  password: "********",
  duration: "P1D",
  regex: ".*",
};

function typeOf(schema: Raw): string | undefined {
  if (typeof schema.type === "string") return schema.type;
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== "null") as string | undefined;
  if (isObject(schema.properties) || schema.additionalProperties !== undefined) return "object";
  if (schema.items !== undefined || schema.prefixItems !== undefined) return "array";
  return undefined;
}

function number(schema: Raw, integer: boolean): number {
  const min = typeof schema.minimum === "number" ? schema.minimum : undefined;
  const exclusiveMin = typeof schema.exclusiveMinimum === "number" ? schema.exclusiveMinimum : undefined;
  const max =
    typeof schema.maximum === "number" ? schema.maximum : typeof schema.exclusiveMaximum === "number" ? schema.exclusiveMaximum : undefined;
  let value = min ?? (exclusiveMin !== undefined ? exclusiveMin + (integer ? 1 : 0.5) : 0);
  if (schema.exclusiveMinimum === true && min !== undefined) value = min + (integer ? 1 : 0.5);
  if (max !== undefined && value > max) value = max;
  const multiple = typeof schema.multipleOf === "number" && schema.multipleOf > 0 ? schema.multipleOf : undefined;
  if (multiple !== undefined) value = Math.ceil(value / multiple) * multiple;
  return integer ? Math.ceil(value) : value;
}

function string(schema: Raw): string {
  const format = typeof schema.format === "string" ? STRING_FORMATS[schema.format] : undefined;
  let value = format ?? "string";
  const min = typeof schema.minLength === "number" ? schema.minLength : 0;
  const max = typeof schema.maxLength === "number" ? schema.maxLength : undefined;
  if (value.length < min) value = value.padEnd(min, "x");
  if (max !== undefined && value.length > max) value = value.slice(0, max);
  return value;
}

class Generator {
  constructor(private readonly document: unknown) {}

  value(node: unknown, depth: number, pointer: string): unknown {
    if (node === true || node === undefined) return "string";
    const resolved = followRef(this.document, node, pointer);
    if (typeof resolved === "string") return null;
    const schema = resolved.node;
    const at = resolved.pointer;
    if (schema.example !== undefined) return schema.example;
    if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
    if (schema.const !== undefined) return schema.const;
    if (schema.default !== undefined) return schema.default;
    if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
    if (depth > MAX_DEPTH) return null;
    if (Array.isArray(schema.allOf)) {
      // Each part adds its properties to one object.
      let merged: unknown;
      schema.allOf.forEach((part, i) => {
        const value = this.value(part, depth + 1, `${at}/allOf/${i}`);
        merged = isObject(merged) && isObject(value) ? { ...merged, ...value } : (merged ?? value);
      });
      const own = typeOf(schema) === "object" ? this.object(schema, depth, at) : undefined;
      return isObject(merged) && isObject(own) ? { ...merged, ...own } : (merged ?? own);
    }
    for (const key of ["oneOf", "anyOf"]) {
      const list = schema[key];
      if (Array.isArray(list) && list.length > 0) {
        const first = list.findIndex((s) => !(isObject(s) && s.type === "null"));
        const i = first === -1 ? 0 : first;
        const value = this.value(list[i], depth + 1, `${at}/${key}/${i}`);
        return isObject(value) && typeOf(schema) === "object" ? { ...this.object(schema, depth, at), ...value } : value;
      }
    }
    switch (typeOf(schema)) {
      case "object":
        return this.object(schema, depth, at);
      case "array": {
        const items = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
        const count = Math.max(items.length, typeof schema.minItems === "number" ? schema.minItems : 1);
        const out: unknown[] = [];
        for (let i = 0; i < Math.min(count, 3); i++) {
          out.push(
            i < items.length
              ? this.value(items[i], depth + 1, `${at}/prefixItems/${i}`)
              : this.value(schema.items ?? true, depth + 1, `${at}/items`),
          );
        }
        return out;
      }
      case "integer":
        return number(schema, true);
      case "number":
        return number(schema, false);
      case "boolean":
        return true;
      case "null":
        return null;
      case "string":
        return string(schema);
      default:
        return "string";
    }
  }

  private object(schema: Raw, depth: number, at: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (!isObject(schema.properties)) return out;
    for (const [name, property] of Object.entries(schema.properties)) {
      const resolved = followRef(this.document, property, `${at}/properties/${name}`);
      // A response never carries writeOnly properties.
      if (typeof resolved !== "string" && resolved.node.writeOnly === true) continue;
      out[name] = this.value(property, depth + 1, `${at}/properties/${name}`);
    }
    return out;
  }
}

/**
 * A value for the schema at `pointer` in `document` (a bundled OpenAPI document).
 * @example generateValue(doc, "/components/schemas/Pet") // { id: 0, name: "string" }
 */
export function generateValue(document: unknown, schema: unknown, pointer: string): unknown {
  return new Generator(document).value(schema, 0, pointer);
}
