/**
 * Walking a bundled OpenAPI document into its operations: path-item and operation parameters merged,
 * internal `$ref`s followed, security requirements resolved, and every problem that stops routing on
 * the document (a malformed path template, a duplicate operationId) reported with its JSON pointer.
 */
import type {
  ApiMediaType,
  ApiOperation,
  ApiParameter,
  ApiRequestBody,
  ApiResponse,
  ParameterLocation,
  SecurityRequirement,
} from "./api-description.js";
import { toPointer, valueAt } from "./json-pointer.js";
import { joinBasePath, parsePathTemplate, type PathTemplate } from "./path-template.js";

/** A problem in a document, located by JSON pointer. */
export interface DocumentProblem {
  readonly pointer: string;
  readonly message: string;
  /** The file the pointer is in, when not the document itself (a file one of its `$ref`s names). */
  readonly file?: string;
}

type Raw = Record<string, unknown>;

/** The methods OpenAPI 3.0/3.1 path items may hold. */
export const OPERATION_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

const DEFAULT_STYLE: Record<ParameterLocation, string> = { path: "simple", query: "form", header: "simple", cookie: "form" };
const LOCATIONS = new Set<string>(["path", "query", "header", "cookie"]);

function isObject(value: unknown): value is Raw {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Follows internal `$ref`s (`#/components/parameters/Limit`) from `pointer` to the object they name.
 * @returns the object and its pointer, or a message when a reference is external, missing or circular.
 */
export function followRef(document: unknown, node: unknown, pointer: string): { node: Raw; pointer: string } | string {
  let current = node;
  let at = pointer;
  for (let hops = 0; hops < 32; hops++) {
    if (!isObject(current)) return "must be an object";
    const ref = current.$ref;
    if (typeof ref !== "string") return { node: current, pointer: at };
    if (!ref.startsWith("#")) return `$ref ${JSON.stringify(ref)} was not resolved`;
    at = decodeURIComponent(ref.slice(1));
    current = valueAt(document, at);
    if (current === undefined) return `$ref ${JSON.stringify(ref)} points at nothing`;
  }
  return "$ref chain is circular";
}

function mediaTypes(document: unknown, content: unknown, pointer: string): ApiMediaType[] {
  if (!isObject(content)) return [];
  return Object.entries(content).map(([mediaType, value]) => {
    const at = `${pointer}/${mediaType.replace(/~/g, "~0").replace(/\//g, "~1")}`;
    const resolved = followRef(document, value, at);
    const mediaPointer = typeof resolved === "string" ? at : resolved.pointer;
    const schema = typeof resolved === "string" ? undefined : resolved.node.schema;
    return { mediaType, pointer: mediaPointer, schemaPointer: schema === undefined ? undefined : `${mediaPointer}/schema` };
  });
}

function parameter(document: unknown, raw: unknown, pointer: string, problems: DocumentProblem[]): ApiParameter | undefined {
  const resolved = followRef(document, raw, pointer);
  if (typeof resolved === "string") {
    problems.push({ pointer, message: resolved });
    return undefined;
  }
  const { node, pointer: at } = resolved;
  const name = node.name;
  const location = node.in;
  if (typeof name !== "string" || typeof location !== "string" || !LOCATIONS.has(location)) {
    problems.push({ pointer: at, message: "a parameter needs a name and an `in` of path, query, header or cookie" });
    return undefined;
  }
  const where = location as ParameterLocation;
  const style = typeof node.style === "string" ? node.style : DEFAULT_STYLE[where];
  let schemaPointer: string | undefined;
  let contentType: string | undefined;
  if (node.schema !== undefined) schemaPointer = `${at}/schema`;
  else if (isObject(node.content)) {
    const [first] = mediaTypes(document, node.content, `${at}/content`);
    if (first) {
      contentType = first.mediaType;
      schemaPointer = first.schemaPointer;
    }
  }
  return {
    name,
    in: where,
    // Path parameters are always required, whatever the document says.
    required: where === "path" || node.required === true,
    style,
    explode: typeof node.explode === "boolean" ? node.explode : style === "form",
    schemaPointer,
    contentType,
    pointer: at,
  };
}

function parameters(document: unknown, lists: [unknown, string][], problems: DocumentProblem[]): ApiParameter[] {
  // Operation parameters override path-item ones with the same name and location.
  const byKey = new Map<string, ApiParameter>();
  for (const [list, pointer] of lists) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      problems.push({ pointer, message: "must be a list of parameters" });
      continue;
    }
    for (const [i, raw] of list.entries()) {
      const p = parameter(document, raw, `${pointer}/${i}`, problems);
      if (p) byKey.set(`${p.in}\0${p.in === "header" ? p.name.toLowerCase() : p.name}`, p);
    }
  }
  return [...byKey.values()];
}

function requestBody(document: unknown, raw: unknown, pointer: string, problems: DocumentProblem[]): ApiRequestBody | undefined {
  if (raw === undefined) return undefined;
  const resolved = followRef(document, raw, pointer);
  if (typeof resolved === "string") {
    problems.push({ pointer, message: resolved });
    return undefined;
  }
  return {
    required: resolved.node.required === true,
    pointer: resolved.pointer,
    content: mediaTypes(document, resolved.node.content, `${resolved.pointer}/content`),
  };
}

function responses(document: unknown, raw: unknown, pointer: string): ApiResponse[] {
  if (!isObject(raw)) return [];
  const out: ApiResponse[] = [];
  for (const [status, value] of Object.entries(raw)) {
    if (status.startsWith("x-")) continue;
    const resolved = followRef(document, value, `${pointer}/${status}`);
    if (typeof resolved === "string") continue;
    const headers: Record<string, string> = {};
    if (isObject(resolved.node.headers)) {
      for (const name of Object.keys(resolved.node.headers)) headers[name] = `${resolved.pointer}/headers/${name.replace(/~/g, "~0")}`;
    }
    out.push({
      status,
      pointer: resolved.pointer,
      content: mediaTypes(document, resolved.node.content, `${resolved.pointer}/content`),
      headers,
    });
  }
  return out;
}

function security(raw: unknown): SecurityRequirement[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  return raw.filter(isObject).map((req) => {
    const out: Record<string, readonly string[]> = {};
    for (const [name, scopes] of Object.entries(req)) out[name] = Array.isArray(scopes) ? scopes.map(String) : [];
    return Object.freeze(out);
  });
}

/** Orders templates so that, segment by segment, a literal comes before a partly templated one, before a parameter. */
function specificity(template: PathTemplate): number[] {
  return template.segments.map((s) => (s.kind === "literal" ? 0 : s.kind === "mixed" ? 1 : s.kind === "param" ? 2 : 3));
}

function compareSpecificity(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return b.length - a.length;
}

/**
 * Lists the operations of a bundled document, in matching order.
 * @param basePath the path the operations are served under
 */
export function describeOperations(document: Raw, basePath: string, problems: DocumentProblem[]): ApiOperation[] {
  const paths = document.paths;
  if (paths === undefined) return [];
  if (!isObject(paths)) {
    problems.push({ pointer: "/paths", message: "must be an object" });
    return [];
  }
  const documentSecurity = security(document.security) ?? [];
  const operations: { operation: ApiOperation; order: number[]; index: number }[] = [];
  const operationIds = new Map<string, string>();
  const shapes = new Map<string, string>();
  for (const [template, rawItem] of Object.entries(paths)) {
    if (template.startsWith("x-")) continue;
    const itemPointer = toPointer(["paths", template]);
    const parsed = parsePathTemplate(template);
    if (typeof parsed === "string") {
      problems.push({ pointer: itemPointer, message: `path template ${JSON.stringify(template)}: ${parsed}` });
      continue;
    }
    const item = followRef(document, rawItem, itemPointer);
    if (typeof item === "string") {
      problems.push({ pointer: itemPointer, message: item });
      continue;
    }
    const hasHead = isObject(item.node.head);
    for (const method of OPERATION_METHODS) {
      const raw = item.node[method];
      if (raw === undefined) continue;
      const pointer = `${item.pointer}/${method}`;
      if (!isObject(raw)) {
        problems.push({ pointer, message: "must be an operation object" });
        continue;
      }
      const operationId = typeof raw.operationId === "string" ? raw.operationId : undefined;
      if (operationId !== undefined) {
        const first = operationIds.get(operationId);
        if (first !== undefined) {
          problems.push({
            pointer: `${pointer}/operationId`,
            message: `duplicate operationId ${JSON.stringify(operationId)} (first at ${first})`,
          });
        } else operationIds.set(operationId, `${pointer}/operationId`);
      }
      // `/pets/{id}` and `/pets/{petId}` are the same path to a router: the spec forbids both.
      const shape = `${method} ${template.replace(/\{[^}]*\}/g, "{}").toLowerCase()}`;
      const sameShape = shapes.get(shape);
      if (sameShape !== undefined) {
        problems.push({ pointer, message: `${method.toUpperCase()} ${template} matches the same requests as ${sameShape}` });
        continue;
      }
      shapes.set(shape, `${method.toUpperCase()} ${template}`);
      const operation: ApiOperation = Object.freeze({
        operationId,
        method: method.toUpperCase(),
        template,
        route: joinBasePath(basePath, template),
        pointer,
        parameters: parameters(
          document,
          [
            [item.node.parameters, `${item.pointer}/parameters`],
            [raw.parameters, `${pointer}/parameters`],
          ],
          problems,
        ),
        requestBody: requestBody(document, raw.requestBody, `${pointer}/requestBody`, problems),
        responses: responses(document, raw.responses, `${pointer}/responses`),
        security: security(raw.security) ?? documentSecurity,
        summary: typeof raw.summary === "string" ? raw.summary : undefined,
        deprecated: raw.deprecated === true,
        definition: raw,
        // A GET answers HEAD too (as Express routes do), unless the document describes HEAD itself.
        methods: method === "get" && !hasHead ? ["GET", "HEAD"] : [method.toUpperCase()],
      });
      operations.push({ operation, order: specificity(parsed), index: operations.length });
    }
  }
  operations.sort((a, b) => compareSpecificity(a.order, b.order) || a.index - b.index);
  return operations.map((o) => o.operation);
}
