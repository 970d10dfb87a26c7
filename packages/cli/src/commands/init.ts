/**
 * `turnpike init DIR [--example NAME]`: writes a runnable project from `examples/NAME` into DIR.
 */
import { cp, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { UsageError, type Command } from "../command.js";

/** Where examples are: bundled in the package when published, else the repository's `examples/`. */
export function examplesDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, "../../examples"), path.resolve(here, "../../../../examples")];
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) throw new Error(`no examples found (looked in ${candidates.join(", ")})`);
  return found;
}

const SKIP = new Set(["node_modules", ".turnpike", "dist"]);

export const initCommand: Command = {
  name: "init",
  summary: "write a runnable project from an example",
  usage: "turnpike init DIR [--example NAME]\n\n  --example NAME   example to copy (default basic-proxy); see examples/",
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { example: { type: "string" } } });
    if (positionals.length !== 1) throw new UsageError("init needs exactly one DIR");
    const name = values.example ?? "basic-proxy";
    const root = examplesDir();
    const available = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    if (!available.includes(name)) {
      io.err(`unknown example ${JSON.stringify(name)}; available: ${available.join(", ")}`);
      return 1;
    }
    const target = path.resolve(io.cwd, positionals[0]!);
    if (existsSync(target) && (!(await stat(target)).isDirectory() || (await readdir(target)).length > 0)) {
      io.err(`${target} exists and is not an empty directory`);
      return 1;
    }
    await mkdir(target, { recursive: true });
    await cp(path.join(root, name), target, { recursive: true, filter: (src) => !SKIP.has(path.basename(src)) });
    // The copy is a project of its own, no longer a workspace of this repository.
    const manifestPath = path.join(target, "package.json");
    if (existsSync(manifestPath)) {
      const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as Record<string, unknown>;
      manifest.name = path
        .basename(target)
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, "-");
      await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    }
    io.out(`wrote ${name} to ${target}`);
    io.out(`next: cd ${path.relative(io.cwd, target) || "."} && npm install && npm start`);
    return 0;
  },
};
