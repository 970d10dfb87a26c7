/**
 * `turnpike openapi export [-c FILE] [--yaml]`: prints the OpenAPI 3.1 document of what the
 * gateway exposes. `turnpike openapi import SPEC [-o FILE]`: writes a starter configuration from a
 * document.
 */
import { describeApiEndpoints, formatProblem, loadApiDescription, type ConfigProblem, type GatewayConfig } from "@turnpike/core";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { UsageError, type Command, type CommandIO } from "../command.js";
import { loadStagedConfig } from "../staged-config.js";

/** Loads FILE with its OpenAPI documents described; prints the problems when it cannot. */
export async function describedConfig(file: string, io: CommandIO): Promise<GatewayConfig | undefined> {
  const config = await loadStagedConfig(file, io);
  if (config === undefined) return undefined;
  const problems: ConfigProblem[] = [];
  const described = await describeApiEndpoints(config, problems);
  if (problems.length > 0) {
    io.err(`${file} is not valid:`);
    for (const problem of problems) io.out(formatProblem(problem));
    return undefined;
  }
  return { ...config, apiEndpoints: described.apiEndpoints };
}

async function exportCommand(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { config: { type: "string", short: "c" }, yaml: { type: "boolean" }, title: { type: "string" } },
  });
  const file = path.resolve(io.cwd, values.config ?? "gateway.config.yml");
  const config = await describedConfig(file, io);
  if (config === undefined) return 1;
  const { exportDocument } = await import("@turnpike/openapi");
  const document = exportDocument(config, values.title === undefined ? {} : { title: values.title });
  io.out(values.yaml ? stringify(document, { lineWidth: 0 }).trimEnd() : JSON.stringify(document, null, 2));
  return 0;
}

async function importCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { output: { type: "string", short: "o" }, force: { type: "boolean" }, port: { type: "string" } },
  });
  if (positionals.length !== 1) throw new UsageError("openapi import needs exactly one SPEC");
  const spec = path.resolve(io.cwd, positionals[0]!);
  const output = path.resolve(io.cwd, values.output ?? "gateway.config.yml");
  if (existsSync(output) && !values.force) {
    io.err(`${output} exists; pass --force to replace it`);
    return 1;
  }
  const loaded = await loadApiDescription(spec);
  if (loaded.description === undefined) {
    io.err(`${spec} cannot be used:`);
    for (const problem of loaded.problems) io.out(`${problem.file ?? spec}#${problem.pointer}: ${problem.message}`);
    return 1;
  }
  let documentPath = path.relative(path.dirname(output), spec).split(path.sep).join("/");
  if (!documentPath.startsWith(".")) documentPath = `./${documentPath}`;
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new UsageError("--port must be a TCP port");
  const { starterConfig } = await import("@turnpike/openapi");
  const starter = starterConfig(loaded.description, { documentPath, ...(port !== undefined ? { port } : {}) });
  await writeFile(output, starter.yaml);
  io.out(`wrote ${output} (${loaded.description.operations.length} operations)`);
  for (const note of starter.notes) io.err(`note: ${note}`);
  io.out(`next: turnpike validate -c ${path.relative(io.cwd, output) || output}`);
  return 0;
}

export const openapiCommand: Command = {
  name: "openapi",
  summary: "export the gateway's OpenAPI document, or import a document as a starter configuration",
  usage: [
    "turnpike openapi export [-c FILE] [--yaml] [--title TITLE]",
    "turnpike openapi import SPEC [-o FILE] [--force] [--port PORT]",
    "",
    "  export   prints the OpenAPI 3.1 document of what the gateway exposes (JSON, or YAML with --yaml)",
    "  import   writes a starter configuration (default ./gateway.config.yml) serving SPEC: the endpoint,",
    "           a serviceEndpoint from its servers, the auth policies its security schemes imply,",
    "           openapi-validate and proxy",
  ].join("\n"),
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === "export") return exportCommand(rest, io);
    if (sub === "import") return importCommand(rest, io);
    throw new UsageError(
      sub === undefined ? "openapi needs a subcommand: export or import" : `unknown openapi subcommand ${JSON.stringify(sub)}`,
    );
  },
};
