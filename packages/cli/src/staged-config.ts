/**
 * Loading the configuration for the commands that read it without serving it (`openapi export`, `sdk`):
 * the problems are printed as `validate` prints them.
 */
import { formatProblem, isConfigError, loadConfig, type GatewayConfig } from "@turnpike/core";
import type { CommandIO } from "./command.js";

/** Loads `file`; prints its problems and resolves to undefined when it is not valid. */
export async function loadStagedConfig(file: string, io: CommandIO): Promise<GatewayConfig | undefined> {
  try {
    return await loadConfig(file, { env: io.env });
  } catch (err) {
    if (!isConfigError(err)) throw err;
    io.err(`${file} is not valid:`);
    for (const problem of err.problems) io.out(formatProblem(problem));
    return undefined;
  }
}
