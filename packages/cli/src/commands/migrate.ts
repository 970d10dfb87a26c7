/**
 * `turnpike migrate EG_DIR [-o DIR]`: converts an Express Gateway project (gateway and system files,
 * and the users, apps, credentials and scopes in its Redis database) into a Turnpike project, and
 * prints what was converted, changed and refused. Exit 0 when nothing was refused, 1 otherwise (the
 * output is written either way), 2 for bad usage. The work lives in `migrate/run-migrate.ts`, loaded
 * on use: the other commands do not pay for its dependencies at start-up.
 */
import type { Command } from "../command.js";

export const migrateCommand: Command = {
  name: "migrate",
  summary: "convert an Express Gateway project (config and consumers) to Turnpike",
  usage: [
    "turnpike migrate EG_DIR [-o DIR] [--eg-redis URL] [--no-data] [--force]",
    "",
    "  EG_DIR            the Express Gateway project (its root or its config/ directory)",
    "  -o, --out DIR     where to write gateway.config.yml (default EG_DIR/turnpike)",
    "  --eg-redis URL    read Express Gateway's data from this Redis instead of system.config.yml's",
    "  --no-data         convert the files only; import no users, apps or credentials",
    "  --force           overwrite DIR/gateway.config.yml",
  ].join("\n"),
  async run(args, io) {
    const { runMigrate } = await import("../migrate/run-migrate.js");
    return runMigrate(args, io);
  },
};
