/**
 * Loading a configuration: file or object → `${ENV}` substitution → YAML/JSON → schema → normalised model.
 * Policy options are checked later, by `compileGateway`, once the plugins that define them are loaded
 * (`loadSnapshot` runs the whole path).
 *
 * Problems are collected per top-level section: a section with schema problems is left out of the
 * normalisation (whose checks assume a schema-valid shape), and so is a section whose checks read it,
 * so that no problem is a mere consequence of another; every other section is still normalised and
 * checked. {@link ConfigSections.compilable} says whether the result can still be compiled to find the
 * policies' problems too.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseDocument } from "yaml";
import { ConfigError, isConfigError, type ConfigProblem } from "../errors.js";
import { gatewayConfigSchema } from "./gateway-schema.js";
import { interpolateEnv } from "./interpolate-env.js";
import type { GatewayConfig } from "./model.js";
import { normalizeConfig } from "./normalize-config.js";
import { SchemaValidator } from "./schema-validator.js";

/** Options of {@link loadConfig} and {@link parseConfig}. */
export interface LoadConfigOptions {
  /** Environment for `${VAR}` substitution. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Directory relative paths resolve from, for object configs. Default: the current directory. */
  baseDir?: string;
}

/**
 * Parses configuration text (YAML, which includes JSON) after `${VAR}` substitution.
 * @throws ConfigError with the line of each syntax error.
 */
export function parseConfigText(
  text: string,
  source: string,
  env: NodeJS.ProcessEnv = process.env,
): { document: unknown; warnings: string[] } {
  const { text: substituted, missing } = interpolateEnv(text, env);
  const warnings = [...new Set(missing)].map((name) => `environment variable ${name} is not set; using an empty value`);
  const isJson = source.endsWith(".json");
  if (isJson) {
    try {
      return { document: JSON.parse(substituted), warnings };
    } catch (err) {
      throw new ConfigError([{ path: "", message: `not valid JSON: ${(err as Error).message}` }], source);
    }
  }
  const doc = parseDocument(substituted, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({ path: "", message: `YAML ${e.linePos ? `line ${e.linePos[0].line}: ` : ""}${e.message.split("\n")[0]}` })),
      source,
    );
  }
  return { document: doc.toJS({ maxAliasCount: 100 }) ?? {}, warnings };
}

/**
 * Sections nothing compiled reads (listeners, the admin API, server limits, `trustProxy`): problems in
 * them do not stop the rest of the file from being compiled, so one run reports both.
 */
const SECTIONS_COMPILE_IGNORES: ReadonlySet<string> = new Set(["http", "https", "admin", "server", "trustProxy"]);

/** Sections whose checks read another section: left out while that one has schema problems. */
const SECTION_READS: Readonly<Record<string, readonly string[]>> = { pipelines: ["apiEndpoints"] };

/** The top-level section a problem is in (`""` for the document itself). */
function sectionOf(problemPath: string): string {
  return problemPath.split(/[.[]/, 1)[0]!;
}

/** A configuration as far as it could be loaded, with every problem found. */
export interface ConfigSections {
  /**
   * The normalised configuration, without the sections that have schema problems; undefined when the
   * file cannot be read or parsed, or is not a mapping. Usable as is only when `problems` is empty.
   */
  readonly config: GatewayConfig | undefined;
  /** Every problem found, schema problems first, each with its path. */
  readonly problems: readonly ConfigProblem[];
  /** True when `config` can be compiled: no problem lies in a section the compile reads. */
  readonly compilable: boolean;
  /** The file's absolute path, for file input. */
  readonly source: string | undefined;
}

/**
 * Validates and normalises a parsed document, section by section, collecting every problem.
 */
export function parseConfigSections(document: unknown, options: LoadConfigOptions & { source?: string } = {}): ConfigSections {
  const source = options.source;
  const baseDir = path.resolve(options.baseDir ?? (source ? path.dirname(source) : process.cwd()));
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    const problem = { path: "", message: "the configuration must be a mapping of keys (http, apiEndpoints, pipelines, ...)" };
    return { config: undefined, problems: [problem], compilable: false, source };
  }
  // Work on a copy: validation writes defaults, and the caller's object must stay as it was.
  const raw = structuredClone(document) as Record<string, unknown>;
  const problems: ConfigProblem[] = new SchemaValidator().validate(gatewayConfigSchema, raw, "");
  const broken = new Set(problems.map((p) => sectionOf(p.path)));
  if (broken.has("")) return { config: undefined, problems, compilable: false, source };
  const sound: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!broken.has(key) && !(SECTION_READS[key] ?? []).some((read) => broken.has(read))) sound[key] = value;
  }
  const config = normalizeConfig(sound, baseDir, problems, source);
  const compilable = problems.every((p) => SECTIONS_COMPILE_IGNORES.has(sectionOf(p.path)));
  return { config, problems, compilable, source };
}

/**
 * Validates and normalises a parsed document.
 * @throws ConfigError listing every problem with its path.
 */
export function parseConfig(document: unknown, options: LoadConfigOptions & { source?: string } = {}): GatewayConfig {
  const { config, problems } = parseConfigSections(document, options);
  if (config === undefined || problems.length > 0) throw new ConfigError(problems, options.source);
  return config;
}

/**
 * Reads (for a file) and parses a configuration, section by section, collecting every problem: the
 * first half of the load path (`loadSnapshot` compiles what this returns).
 */
export async function loadConfigSections(input: string | object, options: LoadConfigOptions = {}): Promise<ConfigSections> {
  if (typeof input !== "string") return parseConfigSections(input, options);
  const source = path.resolve(input);
  let read: { document: unknown; warnings: string[] };
  try {
    read = await readConfigFile(source, options.env);
  } catch (err) {
    if (isConfigError(err)) return { config: undefined, problems: err.problems, compilable: false, source };
    throw err;
  }
  const sections = parseConfigSections(read.document, { ...options, source });
  sections.config?.warnings.unshift(...read.warnings);
  return sections;
}

/**
 * Loads a configuration file (YAML or JSON) or takes a configuration object.
 *
 * @example
 * ```ts
 * const config = await loadConfig("./gateway.config.yml");
 * ```
 * @throws ConfigError listing every problem with its path.
 */
export async function loadConfig(input: string | object, options: LoadConfigOptions = {}): Promise<GatewayConfig> {
  const { config, problems, source } = await loadConfigSections(input, options);
  if (config === undefined || problems.length > 0) throw new ConfigError(problems, source);
  return config;
}

/**
 * Reads and parses a configuration file (after `${VAR}` substitution), without validating it.
 * @throws ConfigError when the file cannot be read or has syntax errors.
 */
export async function readConfigFile(source: string, env?: NodeJS.ProcessEnv): Promise<{ document: unknown; warnings: string[] }> {
  let text: string;
  try {
    text = await readFile(source, "utf8");
  } catch (err) {
    throw new ConfigError([
      { path: "", message: `cannot read ${source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` },
    ]);
  }
  return parseConfigText(text, source, env);
}
