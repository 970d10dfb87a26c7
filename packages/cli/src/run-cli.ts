/**
 * Parses `turnpike <command> ...` and runs the command.
 */
import { readFileSync } from "node:fs";
import { UsageError, type CommandIO } from "./command.js";
import { commands } from "./commands/index.js";

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return manifest.version;
}

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "usage: turnpike <command> [options]",
    "",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "turnpike <command> --help for a command's options",
  ].join("\n");
}

/** Runs the CLI with `argv` (without `node` and the script); resolves to the exit code. */
export async function runCli(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(help());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v") {
    io.out(version());
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`unknown command ${JSON.stringify(name)}\n\n${help()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (
      err instanceof UsageError ||
      code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ||
      code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" ||
      code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL"
    ) {
      io.err(`${(err as Error).message}\n\nusage: ${command.usage}`);
      return 2;
    }
    io.err(`turnpike ${name}: ${(err as Error).message}`);
    return 1;
  }
}

/** IO on the process's own streams. */
export const processIO: CommandIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  cwd: process.cwd(),
};
