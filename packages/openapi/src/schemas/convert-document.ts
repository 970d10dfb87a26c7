/**
 * Turning the Schema Objects of an OpenAPI document into plain JSON Schema that ajv validates:
 *
 * - OpenAPI 3.0's dialect: `nullable: true` becomes a `null` type (or an `anyOf` with `null` when the
 *   schema has no `type`), draft-04 boolean `exclusiveMinimum`/`exclusiveMaximum` become numbers.
 * - `discriminator` (3.0 and 3.1): the property picks the one branch that applies (by `mapping`, or by
 *   the referenced schema's name), so a client gets that branch's problems, not every branch's.
 * - `readOnly` properties are not required in requests, `writeOnly` ones not in responses.
 *
 * The document is copied; the loaded description is shared and never modified.
 */
import { valueAt } from "@turnpike/core";

/**
 * What the converted schemas are for: validating requests or responses, or (`document`) publishing the
 * document as OpenAPI 3.1 (only the 3.0 dialect is converted; discriminators and `required` are kept).
 */
export type SchemaView = "request" | "response" | "document";

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

const SCHEMA_MAPS = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];
const SCHEMA_VALUES = [
  "additionalProperties",
  "items",
  "not",
  "if",
  "then",
  "else",
  "contains",
  "propertyNames",
  "unevaluatedProperties",
  "unevaluatedItems",
  "additionalItems",
];
const SCHEMA_LISTS = ["allOf", "anyOf", "oneOf", "prefixItems", "items"];

/** Keys of a document never walked: their values are data (examples, defaults, extensions), not schemas. */
function isDataKey(key: string): boolean {
  return key === "example" || key === "examples" || key === "default" || key === "enum" || key === "const" || key.startsWith("x-");
}

class Converter {
  private readonly seen = new Set<Raw>();

  constructor(
    private readonly document: Raw,
    private readonly dialect: "3.0" | "3.1",
    private readonly view: SchemaView,
  ) {}

  /** Walks the document and converts every schema it finds (under `schema` keys and `components.schemas`). */
  walkDocument(node: unknown, key: string | undefined): void {
    if (Array.isArray(node)) {
      for (const item of node) this.walkDocument(item, undefined);
      return;
    }
    if (!isObject(node)) return;
    for (const [k, value] of Object.entries(node)) {
      if (isDataKey(k)) continue;
      if (k === "schema" && isObject(value)) this.schema(value);
      else if (k === "schemas" && key === "components" && isObject(value)) {
        for (const s of Object.values(value)) if (isObject(s)) this.schema(s);
      } else this.walkDocument(value, k);
    }
  }

  /** Converts one schema in place, and its subschemas. */
  schema(node: Raw): void {
    if (this.seen.has(node)) return;
    this.seen.add(node);
    for (const map of SCHEMA_MAPS) {
      const value = node[map];
      if (isObject(value)) for (const s of Object.values(value)) if (isObject(s)) this.schema(s);
    }
    for (const k of SCHEMA_VALUES) if (isObject(node[k])) this.schema(node[k]);
    for (const k of SCHEMA_LISTS) {
      const list = node[k];
      if (Array.isArray(list)) for (const s of list) if (isObject(s)) this.schema(s);
    }
    if (this.view !== "document") this.dropOtherViewRequired(node);
    if (this.dialect === "3.0") this.fromDraft04(node);
    if (this.view !== "document" && isObject(node.discriminator)) this.discriminator(node);
  }

  private fromDraft04(node: Raw): void {
    for (const [flag, bound] of [
      ["exclusiveMinimum", "minimum"],
      ["exclusiveMaximum", "maximum"],
    ] as const) {
      if (node[flag] === true && typeof node[bound] === "number") {
        node[flag] = node[bound];
        delete node[bound];
      } else if (typeof node[flag] === "boolean") delete node[flag];
    }
    if (node.nullable !== true) return;
    delete node.nullable;
    if (typeof node.type === "string") {
      node.type = [node.type, "null"];
      if (Array.isArray(node.enum) && !node.enum.includes(null)) node.enum = [...node.enum, null];
      return;
    }
    if (Array.isArray(node.type)) {
      if (!node.type.includes("null")) node.type = [...(node.type as unknown[]), "null"];
      return;
    }
    // No type to extend (`allOf: [...]`, a `$ref` beside it, as many documents write although 3.0
    // ignores `$ref` siblings): null, or whatever else the schema allows.
    const rest: Raw = { ...node };
    for (const k of Object.keys(node)) delete node[k];
    node.anyOf = [{ type: "null" }, rest];
  }

  /** `required` names whose property is readOnly (in requests) or writeOnly (in responses) are dropped. */
  private dropOtherViewRequired(node: Raw): void {
    if (!Array.isArray(node.required) || !isObject(node.properties)) return;
    const flag = this.view === "request" ? "readOnly" : "writeOnly";
    const properties = node.properties;
    const kept = node.required.filter((name) => {
      const property = this.resolve(properties[String(name)]);
      return !(isObject(property) && property[flag] === true);
    });
    if (kept.length !== node.required.length) node.required = kept;
  }

  private resolve(node: unknown): unknown {
    let current = node;
    for (let i = 0; i < 8 && isObject(current) && typeof current.$ref === "string" && current.$ref.startsWith("#"); i++) {
      current = valueAt(this.document, decodeURIComponent(current.$ref.slice(1)));
    }
    return current;
  }

  /**
   * `{discriminator: {propertyName, mapping}, oneOf: [...]}` → the property must name a known branch,
   * and the branch it names must hold. A discriminator on a base schema that children extend with
   * `allOf` (no `oneOf`/`anyOf` beside it) selects nothing and is left alone.
   */
  private discriminator(node: Raw): void {
    const discriminator = node.discriminator as Raw;
    delete node.discriminator;
    const branches = Array.isArray(node.oneOf) ? node.oneOf : Array.isArray(node.anyOf) ? node.anyOf : undefined;
    const property = discriminator.propertyName;
    if (branches === undefined || typeof property !== "string") return;
    const mapping = new Map<string, Raw>();
    if (isObject(discriminator.mapping)) {
      for (const [value, target] of Object.entries(discriminator.mapping)) {
        if (typeof target !== "string") continue;
        mapping.set(value, { $ref: target.startsWith("#") || target.includes("/") ? target : `#/components/schemas/${target}` });
      }
    }
    for (const branch of branches) {
      if (!isObject(branch) || typeof branch.$ref !== "string") continue;
      // Implicit mapping: the referenced schema's name, unless the mapping already names that schema.
      const name = branch.$ref.slice(branch.$ref.lastIndexOf("/") + 1);
      const mapped = [...mapping.values()].some((m) => m.$ref === branch.$ref);
      if (!mapped && !mapping.has(name)) mapping.set(name, { $ref: branch.$ref });
    }
    if (mapping.size === 0) return;
    const key = branches === node.oneOf ? "oneOf" : "anyOf";
    delete node[key];
    const chooser: Raw[] = [{ required: [property], properties: { [property]: { enum: [...mapping.keys()] } } }];
    for (const [value, target] of mapping) {
      chooser.push({ if: { required: [property], properties: { [property]: { const: value } } }, then: target });
    }
    node.allOf = [...(Array.isArray(node.allOf) ? node.allOf : []), ...chooser];
  }
}

/**
 * A copy of `document` whose schemas are plain JSON Schema (draft-07 for 3.0, 2020-12 for 3.1) for
 * validating requests or responses.
 */
export function convertDocument(document: Readonly<Record<string, unknown>>, dialect: "3.0" | "3.1", view: SchemaView): Raw {
  const copy = structuredClone(document) as Raw;
  new Converter(copy, dialect, view).walkDocument(copy, undefined);
  return copy;
}
