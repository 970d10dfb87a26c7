/**
 * `turnpike sdk --lang typescript -o DIR [-c FILE]`: writes a typed client for the document the gateway
 * exposes (`turnpike openapi export`). Other languages: feed that document to openapi-generator.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { UsageError, type Command } from "../command.js";
import { describedConfig } from "./openapi.js";

export const sdkCommand: Command = {
  name: "sdk",
  summary: "write a typed client for the gateway's API",
  usage: [
    "turnpike sdk --lang typescript -o DIR [-c FILE] [--name PACKAGE]",
    "",
    "  --lang typescript   the client's language (other languages: turnpike openapi export | openapi-generator)",
    "  -o, --output DIR    where to write it",
    "  -c, --config FILE   configuration file (default ./gateway.config.yml)",
    "  --name PACKAGE      npm package name of the client",
  ].join("\n"),
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        lang: { type: "string" },
        output: { type: "string", short: "o" },
        config: { type: "string", short: "c" },
        name: { type: "string" },
      },
    });
    if (values.lang !== "typescript") {
      throw new UsageError(
        `--lang ${values.lang ?? "(missing)"}: only typescript is built in; for other languages run \`turnpike openapi export > api.json\` and openapi-generator`,
      );
    }
    if (values.output === undefined) throw new UsageError("sdk needs -o DIR");
    const file = path.resolve(io.cwd, values.config ?? "gateway.config.yml");
    const config = await describedConfig(file, io);
    if (config === undefined) return 1;
    const { exportDocument, typescriptSdk } = await import("@turnpike/openapi");
    const files = await typescriptSdk(exportDocument(config), values.name === undefined ? {} : { packageName: values.name });
    const dir = path.resolve(io.cwd, values.output);
    await mkdir(dir, { recursive: true });
    for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
    io.out(`wrote a TypeScript client to ${dir} (${Object.keys(files).join(", ")})`);
    return 0;
  },
};
