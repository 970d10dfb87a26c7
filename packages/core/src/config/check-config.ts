/**
 * Checking a configuration without serving it: what `turnpike validate` runs. It goes through the one
 * load path start-up uses (plugins loaded, every policy's options validated and built), so a file that
 * passes here starts, and one that does not gets the same problems from both; nothing listens and no
 * connection is opened.
 */
import type { LoadConfigOptions } from "./load-config.js";
import type { ConfigProblem } from "../errors.js";
import { silentLogger, type Logger } from "../logger.js";
import { loadSnapshot } from "../pipeline/load-snapshot.js";
import { builtinPolicies } from "../policies/index.js";

/** Result of {@link checkConfig}. */
export interface CheckResult {
  /** Every problem found, each with its path; empty when the configuration is valid. */
  problems: ConfigProblem[];
  warnings: string[];
}

/** Loads and compiles a configuration, reporting every problem instead of throwing. */
export async function checkConfig(input: string | object, options: LoadConfigOptions & { logger?: Logger } = {}): Promise<CheckResult> {
  const { logger = silentLogger, ...loadOptions } = options;
  const { problems, warnings } = await loadSnapshot(input, { ...loadOptions, logger, builtinPolicies });
  return { problems: [...problems], warnings: [...warnings] };
}
