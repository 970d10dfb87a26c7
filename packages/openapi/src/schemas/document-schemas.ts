/**
 * One ajv instance per loaded document and use: the converted document is registered once under an id,
 * and every validator compiled from it references its schemas by JSON pointer. Identical validator
 * schemas (operations that take the same parameters, bodies that reference the same component) are
 * compiled once.
 */
import { pointerTokens, type ApiDescription } from "@turnpike/core";
import { Ajv, type Options, type ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { convertDocument, type SchemaView } from "./convert-document.js";

type Raw = Record<string, unknown>;

// ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

const DOCUMENT_ID = "turnpike:openapi-document";

function isObject(value: unknown): value is Raw {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A pointer as a URI fragment ajv resolves: each token percent-encoded where a fragment needs it. */
function fragment(pointer: string): string {
  return pointerTokens(pointer)
    .map((t) => `/${encodeURIComponent(t.replace(/~/g, "~0").replace(/\//g, "~1"))}`)
    .join("");
}

/** Whether a schema (or data inside it) holds a `$ref` anywhere: such a schema is compiled by reference. */
function hasRef(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasRef);
  if (!isObject(node)) return false;
  for (const [key, value] of Object.entries(node)) {
    if (key === "$ref" || key === "$dynamicRef" || key === "$id") return true;
    if (typeof value === "object" && value !== null && hasRef(value)) return true;
  }
  return false;
}

const INT32 = 2 ** 31;

/** Options of {@link DocumentSchemas}. */
export interface DocumentSchemasOptions {
  /** Which messages the schemas validate (readOnly/writeOnly handling). */
  view: SchemaView;
  /** Coerce strings to the schema's types (parameters and form fields arrive as text). */
  coerce: boolean;
}

/** Compiles validators against one document. */
export class DocumentSchemas {
  /** The converted document (plain JSON Schema in its Schema Objects). */
  readonly document: Raw;
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(description: ApiDescription, options: DocumentSchemasOptions) {
    this.document = convertDocument(description.document, description.dialect, options.view);
    const ajvOptions: Options = {
      allErrors: true,
      strict: false,
      validateSchema: false,
      logger: false,
      allowUnionTypes: true,
      ...(options.coerce ? { coerceTypes: "array" as const } : {}),
    };
    this.ajv = description.dialect === "3.1" ? new Ajv2020(ajvOptions) : new Ajv(ajvOptions);
    addFormats(this.ajv);
    this.ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= -INT32 && n < INT32 });
    this.ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
    for (const name of ["float", "double"]) this.ajv.addFormat(name, { type: "number", validate: () => true });
    this.ajv.addFormat("byte", /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
    for (const name of ["binary", "password"]) this.ajv.addFormat(name, true);
    this.ajv.addSchema(this.document, DOCUMENT_ID);
  }

  /** The converted schema at `pointer`, or undefined. */
  schemaAt(pointer: string): unknown {
    let node: unknown = this.document;
    for (const token of pointerTokens(pointer)) {
      if (!isObject(node) && !Array.isArray(node)) return undefined;
      node = (node as Raw)[token];
    }
    return node;
  }

  /**
   * The schema at `pointer`, to place inside a validator schema: the schema itself when it refers to
   * nothing (so operations with the same parameters share one compiled validator), else a `$ref` naming
   * the document, so it is compiled with the document's components in reach.
   */
  use(pointer: string): Raw | boolean {
    const schema = this.schemaAt(pointer);
    if (typeof schema === "boolean") return schema;
    if (isObject(schema) && !hasRef(schema)) return schema;
    return { $ref: `${DOCUMENT_ID}#${fragment(pointer)}` };
  }

  /** Compiles `schema` (built from {@link ref}s), once per distinct schema. */
  compile(schema: Raw): ValidateFunction {
    const key = JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(schema);
      this.compiled.set(key, validate);
    }
    return validate;
  }
}
