/**
 * Every `turnpike` subcommand, in the order `--help` lists them.
 */
import type { Command } from "../command.js";
import { cacheCommand } from "./cache.js";
import { credentialsCommand } from "./credentials.js";
import { explainCommand } from "./explain.js";
import { initCommand } from "./init.js";
import { migrateCommand } from "./migrate.js";
import { openapiCommand } from "./openapi.js";
import { scopesCommand } from "./scopes.js";
import { sdkCommand } from "./sdk.js";
import { startCommand } from "./start.js";
import { usersCommand } from "./users.js";
import { validateCommand } from "./validate.js";

export const commands: readonly Command[] = [
  startCommand,
  validateCommand,
  initCommand,
  openapiCommand,
  sdkCommand,
  usersCommand,
  credentialsCommand,
  scopesCommand,
  cacheCommand,
  migrateCommand,
  explainCommand,
];
