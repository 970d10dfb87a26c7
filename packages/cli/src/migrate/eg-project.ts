/**
 * Finding and reading an Express Gateway project: its `config/` directory with `gateway.config.yml`
 * (or `.json`), `system.config.yml` (or `.json`) and the `models/` schemas of users, apps and
 * credentials. YAML files are kept as documents (comments, order and source positions), so the
 * converted file stays the operator's file and every report line can name the line it came from.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";

/** A configuration file of the project, parsed. */
export interface EgFile {
  /** Absolute path. */
  readonly file: string;
  /** File name for the report (`gateway.config.yml`). */
  readonly name: string;
  readonly document: Document;
  readonly lines: LineCounter;
}

/** An Express Gateway project on disk. */
export interface EgProject {
  /** The directory Express Gateway ran from (relative paths in its files resolve from here). */
  readonly root: string;
  /** The `config` directory. */
  readonly configDir: string;
  readonly gateway: EgFile;
  readonly system: EgFile | undefined;
  /** `models/<name>.json` schemas that exist (users, applications, credentials). */
  readonly models: Readonly<Record<string, Record<string, unknown>>>;
}

function findFile(dir: string, base: string): string | undefined {
  for (const ext of [".yml", ".yaml", ".json"]) {
    const file = path.join(dir, base + ext);
    if (existsSync(file)) return file;
  }
  return undefined;
}

function readEgFile(file: string): EgFile {
  const lines = new LineCounter();
  const document = parseDocument(readFileSync(file, "utf8"), { lineCounter: lines, uniqueKeys: false });
  if (document.errors.length > 0) {
    const e = document.errors[0]!;
    throw new Error(`${file}: not valid YAML${e.linePos ? ` (line ${e.linePos[0].line})` : ""}: ${e.message.split("\n")[0]}`);
  }
  return { file, name: path.basename(file), document, lines };
}

/**
 * Reads the project in `dir` (its root, with a `config/` directory, or the config directory itself).
 * @throws Error when no `gateway.config.yml` is there or a file does not parse
 */
export function readEgProject(dir: string): EgProject {
  const given = path.resolve(dir);
  if (!existsSync(given) || !statSync(given).isDirectory()) throw new Error(`${given} is not a directory`);
  const nested = path.join(given, "config");
  const configDir = findFile(nested, "gateway.config") ? nested : given;
  const gatewayFile = findFile(configDir, "gateway.config");
  if (!gatewayFile) throw new Error(`no gateway.config.yml in ${given} or ${nested}: is it an Express Gateway project?`);
  const systemFile = findFile(configDir, "system.config");
  const models: Record<string, Record<string, unknown>> = {};
  for (const name of ["users", "applications", "credentials"]) {
    const file = path.join(configDir, "models", `${name}.json`);
    if (existsSync(file)) models[name] = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  }
  return {
    root: configDir === nested ? given : path.dirname(given),
    configDir,
    gateway: readEgFile(gatewayFile),
    system: systemFile ? readEgFile(systemFile) : undefined,
    models,
  };
}

/** `name:line` of a node of `file` (just `name` for nodes the migration added). */
export function where(file: EgFile, node: Node | null | undefined): string {
  const offset = node?.range?.[0];
  return offset === undefined ? file.name : `${file.name}:${file.lines.linePos(offset).line}`;
}

/**
 * The node at a configuration path such as `pipelines.api.policies[1].jwt[0].action`, or the deepest
 * one that exists on the way (problems may name a key that is missing).
 */
export function nodeAtPath(document: Document, problemPath: string): Node | undefined {
  let node: unknown = document.contents;
  let found = node as Node | undefined;
  for (const segment of splitPath(problemPath)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value?: unknown } | null)?.value ?? p.key) === segment);
      if (!pair) break;
      node = pair.value;
    } else if (isSeq(node) && /^\d+$/.test(segment)) {
      node = node.items[Number(segment)];
    } else {
      break;
    }
    if (node === undefined || node === null) break;
    found = node as Node;
  }
  return found;
}

/** Splits `a.b[1].c-d[0]` into `["a", "b", "1", "c-d", "0"]`. */
export function splitPath(problemPath: string): string[] {
  return problemPath
    .replace(/\[(\d+)\]/g, ".$1")
    .split(".")
    .filter((s) => s !== "");
}
