/**
 * Checking a configuration without serving it: what `turnpike validate` runs. It goes through the same
 * load and compile as start-up (plugins loaded, every policy's options validated and built), so a file
 * that passes here starts; nothing listens and no connection is opened.
 */
import path from "node:path";
import { parseConfig, readConfigFile, type LoadConfigOptions } from "./load-config.js";
import type { GatewayConfig } from "./model.js";
import { type ConfigError, type ConfigProblem, isConfigError } from "../errors.js";
import { silentLogger, type Logger } from "../logger.js";
import { compileGateway } from "../pipeline/compile-gateway.js";
import { builtinPolicies } from "../policies/index.js";
import { createGatewayMetrics } from "../services/gateway-metrics.js";
import { createStores } from "../services/store-context.js";

/** Result of {@link checkConfig}. */
export interface CheckResult {
  /** Every problem found, each with its path; empty when the configuration is valid. */
  problems: ConfigProblem[];
  warnings: string[];
}

/**
 * Top-level sections no policy reads while compiling. A structural problem in one of them (an admin
 * listener without its token, a bad port) stops the load before policies are compiled; checking the
 * rest of the file without them still finds the policy problems, so one run reports both.
 */
const SECTIONS_POLICIES_IGNORE = new Set(["http", "https", "admin", "server", "trustProxy"]);

function topLevelKey(problemPath: string): string {
  return problemPath.split(/[.[]/, 1)[0]!;
}

/** Loads and compiles a configuration, reporting every problem instead of throwing. */
export async function checkConfig(input: string | object, options: LoadConfigOptions & { logger?: Logger } = {}): Promise<CheckResult> {
  // Read once: later rounds validate the same document without some sections.
  let document: unknown = input;
  let fileWarnings: string[] = [];
  const source = typeof input === "string" ? path.resolve(input) : undefined;
  if (source !== undefined) {
    try {
      ({ document, warnings: fileWarnings } = await readConfigFile(source, options.env));
    } catch (err) {
      if (isConfigError(err)) return { problems: [...err.problems], warnings: [] };
      throw err;
    }
  }
  const parseOptions = { ...options, ...(source !== undefined ? { source } : {}) };
  const problems: ConfigProblem[] = [];
  const pruned = new Set<string>();
  let config = parseWithout(document, parseOptions, pruned);
  // Each round drops the sections the last one found problems in; schema problems come before the
  // cross-checks, so a section can fail in a later round than another. Bounded by the section count.
  while (isConfigError(config)) {
    problems.push(...config.problems);
    const sections = config.problems.map((p) => topLevelKey(p.path));
    if (!sections.every((key) => SECTIONS_POLICIES_IGNORE.has(key) && !pruned.has(key))) return { problems, warnings: [] };
    for (const key of sections) pruned.add(key);
    config = parseWithout(document, parseOptions, pruned);
  }
  config.warnings.unshift(...fileWarnings);
  const compiled = await compileProblems(config, options);
  return { problems: [...problems, ...compiled.problems], warnings: compiled.warnings };
}

/** The configuration without the `pruned` sections, or the problems that stop it from loading. */
function parseWithout(
  document: unknown,
  options: LoadConfigOptions & { source?: string },
  pruned: Set<string>,
): GatewayConfig | ConfigError {
  let rest = document;
  if (pruned.size > 0) {
    rest = { ...(document as Record<string, unknown>) };
    for (const key of pruned) delete (rest as Record<string, unknown>)[key];
  }
  try {
    return parseConfig(rest, options);
  } catch (err) {
    if (isConfigError(err)) return err;
    throw err;
  }
}

/** Compiles a loaded configuration as start-up would, collecting its problems. */
async function compileProblems(config: GatewayConfig, options: { logger?: Logger }): Promise<CheckResult> {
  const logger = options.logger ?? silentLogger;
  const { stores, shared } = createStores(config, logger, { connect: false });
  try {
    const snapshot = await compileGateway(config, { logger, builtinPolicies, metrics: createGatewayMetrics(), stores });
    await snapshot.close();
    return { problems: [], warnings: [...snapshot.warnings] };
  } catch (err) {
    if (isConfigError(err)) return { problems: [...err.problems], warnings: [...config.warnings] };
    throw err;
  } finally {
    await shared.close();
  }
}
