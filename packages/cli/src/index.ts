/**
 * @turnpike/cli: the `turnpike` command, also usable as a library (`runCli`).
 */
export { runCli, processIO } from "./run-cli.js";
export { commands } from "./commands/index.js";
export { UsageError } from "./command.js";
export type { Command, CommandIO } from "./command.js";
