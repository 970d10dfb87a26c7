/**
 * Loading a configuration: file or object → `${ENV}` substitution → YAML/JSON → schema → normalised model.
 * Policy options are checked later, by `compileGateway`, once the plugins that define them are loaded.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseDocument } from "yaml";
import { ConfigError, type ConfigProblem } from "../errors.js";
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
 * Validates and normalises a parsed document.
 * @throws ConfigError listing every problem with its path.
 */
export function parseConfig(document: unknown, options: LoadConfigOptions & { source?: string } = {}): GatewayConfig {
  const baseDir = path.resolve(options.baseDir ?? (options.source ? path.dirname(options.source) : process.cwd()));
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    throw new ConfigError(
      [{ path: "", message: "the configuration must be a mapping of keys (http, apiEndpoints, pipelines, ...)" }],
      options.source,
    );
  }
  // Work on a copy: validation writes defaults, and the caller's object must stay as it was.
  const raw = structuredClone(document) as Record<string, unknown>;
  const problems: ConfigProblem[] = new SchemaValidator().validate(gatewayConfigSchema, raw, "");
  if (problems.length > 0) throw new ConfigError(problems, options.source);
  const config = normalizeConfig(raw, baseDir, problems, options.source);
  if (problems.length > 0) throw new ConfigError(problems, options.source);
  return config;
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
  if (typeof input !== "string") return parseConfig(input, options);
  const source = path.resolve(input);
  const { document, warnings } = await readConfigFile(source, options.env);
  const config = parseConfig(document, { ...options, source });
  config.warnings.unshift(...warnings);
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
