/**
 * Every `turnpike` subcommand, in the order `--help` lists them.
 */
import type { Command } from "../command.js";
import { initCommand } from "./init.js";
import { startCommand } from "./start.js";
import { validateCommand } from "./validate.js";

export const commands: readonly Command[] = [startCommand, validateCommand, initCommand];
