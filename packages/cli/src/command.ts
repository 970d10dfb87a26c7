/**
 * The shape of a `turnpike` subcommand. Each lives in `commands/<name>.ts` and is listed in `commands/index.ts`.
 */

/** Where a command writes; tests pass their own. */
export interface CommandIO {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** A subcommand: `run` resolves to the exit code (a long-running command resolves when it stops). */
export interface Command {
  readonly name: string;
  /** One line for `turnpike --help`. */
  readonly summary: string;
  /** Full usage text for `turnpike NAME --help`. */
  readonly usage: string;
  run(args: string[], io: CommandIO): Promise<number>;
}

/** Thrown for bad command-line usage: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
