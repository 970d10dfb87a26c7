/**
 * `turnpike validate [-c FILE]`: prints `ok` and exits 0 for a valid configuration; otherwise prints every
 * problem with its path and exits 1.
 */
import { checkConfig, formatProblem } from "@turnpike/core";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Command } from "../command.js";

export const validateCommand: Command = {
  name: "validate",
  summary: "check a configuration file and print every problem",
  usage: "turnpike validate [-c FILE]\n\n  -c, --config FILE   configuration file (default ./gateway.config.yml)",
  async run(args, io) {
    const { values } = parseArgs({ args, options: { config: { type: "string", short: "c" } } });
    const file = path.resolve(io.cwd, values.config ?? "gateway.config.yml");
    const { problems, warnings } = await checkConfig(file, { env: io.env });
    for (const warning of warnings) io.err(`warning: ${warning}`);
    if (problems.length > 0) {
      io.err(`${file} is not valid:`);
      for (const problem of problems) io.out(formatProblem(problem));
      return 1;
    }
    io.out("ok");
    return 0;
  },
};
