/**
 * Loading an OpenAPI 3.0/3.1 document (JSON or YAML) for an apiEndpoint: the file is parsed, its `$ref`s
 * to other files bundled in by @apidevtools/json-schema-ref-parser (network `$ref`s only when allowed),
 * and its operations described. Every problem comes back with its file and JSON pointer.
 */
import { $RefParser, JSONParserError, JSONParserErrorGroup } from "@apidevtools/json-schema-ref-parser";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import type { ApiDescription } from "./api-description.js";
import { describeOperations, type DocumentProblem } from "./describe-operations.js";
import { toPointer } from "./json-pointer.js";

/** Options of {@link loadApiDescription}. */
export interface LoadApiDescriptionOptions {
  /** The path operations are served under; default: the first server's path, else `/`. */
  basePath?: string;
  /** Resolve `$ref`s to http(s) URLs (off by default: loading a config never reaches the network). */
  allowRemoteRefs?: boolean;
}

/** Result of {@link loadApiDescription}: the description, or every problem found. */
export type LoadedApiDescription =
  | { readonly description: ApiDescription; readonly problems?: undefined; readonly files: readonly string[] }
  | { readonly description?: undefined; readonly problems: readonly DocumentProblem[]; readonly files: readonly string[] };

type Raw = Record<string, unknown>;

function parseText(text: string, file: string): unknown {
  if (file.endsWith(".json")) {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new DocumentError(`not valid JSON: ${(err as Error).message}`);
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new DocumentError(`not valid YAML: ${e.linePos ? `line ${e.linePos[0].line}: ` : ""}${e.message.split("\n")[0]}`);
  }
  // Large real-world documents use anchors freely; the bound only stops "billion laughs" expansions.
  return doc.toJS({ maxAliasCount: 10000 });
}

class DocumentError extends Error {}

/**
 * The path of a `servers` entry's URL, with its variables' defaults substituted:
 * `https://api.example.com/v1` → `/v1`; `{scheme}://h/{base}` → `/` + base's default; absent → `/`.
 */
export function serverBasePath(document: Raw): string {
  const servers = document.servers;
  const first: unknown = Array.isArray(servers) ? servers[0] : undefined;
  if (first === null || typeof first !== "object" || typeof (first as Raw).url !== "string") return "/";
  const variables = ((first as Raw).variables ?? {}) as Record<string, { default?: unknown }>;
  const url = ((first as Raw).url as string).replace(/\{([^}]*)\}/g, (_m, name: string) => String(variables[name]?.default ?? ""));
  let pathname: string;
  try {
    pathname = new URL(url, "http://relative.invalid").pathname;
  } catch {
    return "/";
  }
  const trimmed = pathname.replace(/\/+$/, "");
  return trimmed === "" ? "/" : trimmed;
}

function versionOf(document: Raw): { openapi: string; dialect: "3.0" | "3.1" } | string {
  if (typeof document.swagger === "string") {
    return `Swagger ${document.swagger} documents are not supported: convert it to OpenAPI 3 first (for example with swagger2openapi)`;
  }
  const openapi = document.openapi;
  if (typeof openapi !== "string") return "not an OpenAPI document (no `openapi` version field)";
  if (/^3\.0\.\d+/.test(openapi)) return { openapi, dialect: "3.0" };
  if (/^3\.1\.\d+/.test(openapi)) return { openapi, dialect: "3.1" };
  return `OpenAPI ${openapi} is not supported (3.0.x and 3.1.x are)`;
}

function refProblem(err: JSONParserError, root: string): DocumentProblem {
  const source = err.source ? (err.source.startsWith("file:") ? fileURLToPath(err.source) : err.source) : root;
  const pointer = toPointer(err.path ?? []);
  let message = err.message.replace(/\s+/g, " ").trim();
  if (err.code === "EUNMATCHEDRESOLVER") {
    message = `${message}: $refs to URLs are not followed unless the apiEndpoint sets allowRemoteRefs: true`;
  }
  const resolvedSource = source.split("#")[0]!;
  return resolvedSource === root ? { pointer, message } : { pointer, message, file: resolvedSource };
}

/**
 * Loads and describes an OpenAPI document.
 * @param file absolute path of the document
 */
export async function loadApiDescription(file: string, options: LoadApiDescriptionOptions = {}): Promise<LoadedApiDescription> {
  let document: unknown;
  try {
    document = parseText(await readFile(file, "utf8"), file);
  } catch (err) {
    const message =
      err instanceof DocumentError ? err.message : `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
    return { problems: [{ pointer: "", message }], files: [file] };
  }
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    return { problems: [{ pointer: "", message: "must be an OpenAPI document (a mapping with openapi, info, paths)" }], files: [file] };
  }
  const version = versionOf(document as Raw);
  if (typeof version === "string") return { problems: [{ pointer: "", message: version }], files: [file] };

  const parser = new $RefParser();
  let bundled: Raw;
  try {
    bundled = (await parser.bundle(file, document, {
      // The configuration is trusted: when it allows remote $refs, hosts on private networks (where
      // teams keep their schemas) are allowed too.
      resolve: { external: true, http: options.allowRemoteRefs === true ? { timeout: 10000, safeUrlResolver: false } : false },
      continueOnError: true,
    })) as Raw;
  } catch (err) {
    const errors = err instanceof JSONParserErrorGroup ? err.errors : err instanceof JSONParserError ? [err] : undefined;
    if (errors === undefined) return { problems: [{ pointer: "", message: (err as Error).message }], files: [file] };
    return { problems: errors.map((e) => refProblem(e, file)), files: filesOf(parser, file) };
  }
  const files = filesOf(parser, file);
  const problems: DocumentProblem[] = [];
  const basePath = options.basePath ?? serverBasePath(bundled);
  const operations = describeOperations(bundled, basePath, problems);
  if (problems.length > 0) return { problems, files };
  const description: ApiDescription = Object.freeze({
    file,
    openapi: version.openapi,
    dialect: version.dialect,
    document: bundled,
    basePath,
    operations: Object.freeze(operations),
    files,
  });
  return { description, files };
}

function filesOf(parser: $RefParser, root: string): string[] {
  const files = new Set<string>([root]);
  for (const p of parser.$refs.paths("file")) files.add(p.startsWith("file:") ? fileURLToPath(p) : path.resolve(p));
  return [...files];
}
