#!/usr/bin/env node
// Writes the documentation generated from the code: the configuration reference (from the JSON Schemas)
// and the error codes (from the error table). `--check` (run by `npm test`) writes nothing and fails
// when a file is not what the code renders, so a schema or an error code changed without regenerating
// its page fails the build. Reads the built packages: run `npm run build` first (`npm run docs` does).
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { renderReference } from "./config-reference.mjs";
import { renderErrorReference } from "./error-reference.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const core = await import(path.join(root, "packages/core/dist/index.js"));

const pages = [
  { file: "docs/configuration-reference.md", source: "the schemas", render: () => renderReference() },
  { file: "docs/errors.md", source: "the error table", render: () => renderErrorReference(core.ERROR_CODES) },
];

const check = process.argv.includes("--check");
let stale = 0;
for (const page of pages) {
  const file = path.join(root, page.file);
  const rendered = await page.render();
  if (!check) {
    writeFileSync(file, rendered);
    console.log(`wrote ${page.file}`);
    continue;
  }
  let current;
  try {
    current = readFileSync(file, "utf8");
  } catch {
    current = undefined;
  }
  if (current === rendered) {
    console.log(`${page.file} is current`);
  } else {
    console.error(`${page.file} is out of date with ${page.source}: run \`npm run docs\` and commit it`);
    stale++;
  }
}
if (stale > 0) process.exit(1);
