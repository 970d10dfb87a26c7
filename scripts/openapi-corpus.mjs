#!/usr/bin/env node
// The real-world OpenAPI corpus run (issue 12): for each public OpenAPI 3.0/3.1 document in a directory,
// `turnpike openapi import` writes a starter configuration, `turnpike validate` must accept it (the
// gateway compiles it: the document loaded, every schema of openapi-validate compiled), and every
// operation must route: a request built from its template (parameters filled in) must match that
// operation. Prints one line per failing document and a summary; `--json FILE` writes every result.
//
//   node scripts/openapi-corpus.mjs DIR [--limit N] [--json results.json]
//
// Not part of `npm test` (the documents come from npm packages, see docs/openapi.md); run `npm run build`
// first. Documents are processed one at a time, each bounded by --timeout seconds (default 60).
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const core = await import(pathToFileURL(path.join(root, "packages/core/dist/index.js")).href);
const openapi = await import(pathToFileURL(path.join(root, "packages/openapi/dist/index.js")).href);

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { limit: { type: "string" }, json: { type: "string" }, timeout: { type: "string" } },
});
if (positionals.length !== 1) {
  console.error("usage: node scripts/openapi-corpus.mjs DIR [--limit N] [--json FILE] [--timeout SECONDS]");
  process.exit(2);
}

function listDocuments(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) out.push(...listDocuments(file));
    else if (/\.(json|ya?ml)$/i.test(name)) out.push(file);
  }
  return out;
}

/**
 * Whether `got` (the operation a filled-in path matched) is a right answer for `wanted`: itself, or an
 * operation of the same method whose route is more literal segment by segment (`/pets/x1` is also a
 * `/pets/{id}` request, but `/pets/mine` rightly wins for `/pets/mine`).
 */
function rightAnswer(got, wanted) {
  if (got === wanted) return true;
  if (got === undefined || !got.methods.includes(wanted.method)) return false;
  const a = got.route.split("/");
  const b = wanted.route.split("/");
  if (a.length !== b.length) return false;
  return a.every((segment, i) => segment === b[i] || b[i].includes("{"));
}

/** A concrete path for a route template: every parameter filled with a plain value. */
function concretePath(route) {
  return route.replace(/\{\+?([^}]*)\}/g, (_m, name) => (/id$/i.test(name) ? "1" : "x1"));
}

const silent = core.silentLogger;

async function check(file) {
  const loaded = await core.loadApiDescription(file);
  if (loaded.description === undefined) {
    return {
      stage: "load",
      reason: loaded.problems
        .slice(0, 3)
        .map((p) => `#${p.pointer}: ${p.message}`)
        .join(" | "),
    };
  }
  const api = loaded.description;
  const dir = mkdtempSync(path.join(os.tmpdir(), "turnpike-corpus-"));
  try {
    const documentName = `document${path.extname(file)}`;
    copyFileSync(file, path.join(dir, documentName));
    const starter = openapi.starterConfig(api, { documentPath: `./${documentName}`, port: 0 });
    const configFile = path.join(dir, "gateway.config.yml");
    writeFileSync(configFile, starter.yaml);
    const { problems } = await core.checkConfig(configFile, { env: { JWT_SECRET: "corpus-secret" }, logger: silent });
    if (problems.length > 0)
      return { stage: "validate", reason: problems.slice(0, 3).map(core.formatProblem).join(" | "), operations: api.operations.length };
    const gateway = await core.createGateway({ config: configFile, env: { JWT_SECRET: "corpus-secret" }, logger: silent });
    try {
      const misrouted = [];
      for (const operation of api.operations) {
        const match = gateway.snapshot.matcher.match("corpus.example", operation.method, concretePath(operation.route));
        const got = match?.operation;
        if (!rightAnswer(got, operation)) {
          misrouted.push(`${operation.method} ${operation.route} → ${got ? `${got.method} ${got.route}` : "no match"}`);
        }
      }
      if (misrouted.length > 0)
        return {
          stage: "route",
          reason: misrouted.slice(0, 3).join(" | "),
          operations: api.operations.length,
          misrouted: misrouted.length,
        };
      return { stage: "ok", operations: api.operations.length, dialect: api.dialect };
    } finally {
      await gateway.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const timeoutMs = Number(values.timeout ?? 60) * 1000;
let files = listDocuments(path.resolve(positionals[0]));
if (values.limit) files = files.slice(0, Number(values.limit));
const results = [];
const started = Date.now();
for (const file of files) {
  const t0 = Date.now();
  let result;
  try {
    let timer;
    result = await Promise.race([
      check(file),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve({ stage: "timeout", reason: `over ${timeoutMs / 1000} s` }), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  } catch (err) {
    result = {
      stage: "crash",
      reason: String(err?.stack ?? err)
        .split("\n")
        .slice(0, 2)
        .join(" "),
    };
  }
  result = { file: path.relative(positionals[0], file), ms: Date.now() - t0, ...result };
  results.push(result);
  if (result.stage !== "ok") console.log(`${result.stage.padEnd(8)} ${result.file}: ${result.reason}`);
}
const count = (stage) => results.filter((r) => r.stage === stage).length;
const ok = count("ok");
console.log(
  `\n${results.length} documents in ${Math.round((Date.now() - started) / 1000)} s: ${ok} ok (${((100 * ok) / Math.max(1, results.length)).toFixed(1)}%), ` +
    ["load", "validate", "route", "timeout", "crash"].map((s) => `${count(s)} ${s}`).join(", "),
);
console.log(`operations routed: ${results.filter((r) => r.stage === "ok").reduce((n, r) => n + r.operations, 0)}`);
if (values.json) writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
