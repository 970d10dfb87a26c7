#!/usr/bin/env node
// `npm run bench`: req/s of the upstream directly vs through Turnpike, with wrk, on this machine.
// Not a test: it measures and prints, it asserts nothing. For the side-by-side table against nginx,
// Express Gateway and the Node proxies, use ../shared/bench (see docs/performance.md).
//
//   npm run bench                       # direct vs proxy-only
//   npm run bench -- proxy keyauth cache policies
//   DURATION=10 CONNS=50 npm run bench
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { canPin, has, onCpu, start, stop } from "./child-processes.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DURATION = Number(process.env.DURATION ?? 5);
const WARMUP = Number(process.env.WARMUP ?? 2);
const CONNS = Number(process.env.CONNS ?? 50);
const PATH = process.env.BENCH_PATH ?? "/small";
const KEY = "bench-key-id:bench-key-secret";

const consumers = `consumers:\n  - username: bench\n    credentials:\n      - { type: key-auth, keyId: bench-key-id, keySecret: bench-key-secret }\n`;
const head = (port, up) =>
  `http: { port: ${port}, host: 127.0.0.1 }\napiEndpoints: { all: { paths: ["/*"] } }\nserviceEndpoints: { upstream: { url: "http://127.0.0.1:${up}" } }\n`;
const CONFIGS = {
  proxy: (p, u) => `${head(p, u)}pipelines: { bench: { apiEndpoints: [all], policies: [ { proxy: { serviceEndpoint: upstream } } ] } }\n`,
  keyauth: (p, u) =>
    `${head(p, u)}${consumers}pipelines: { bench: { apiEndpoints: [all], policies: [ { key-auth: {} }, { proxy: { serviceEndpoint: upstream } } ] } }\n`,
  policies: (p, u) =>
    `${head(p, u)}${consumers}pipelines: { bench: { apiEndpoints: [all], policies: [ { key-auth: {} }, { rate-limit: { max: 100000000, windowMs: 60000, rateLimitBy: "\${req.user.id}" } }, { proxy: { serviceEndpoint: upstream } } ] } }\n`,
  cache: (p, u) =>
    `${head(p, u)}pipelines: { bench: { apiEndpoints: [all], policies: [ { cache: { ttl: 60 } }, { proxy: { serviceEndpoint: upstream } } ] } }\n`,
};

if (!has("wrk")) {
  console.error("npm run bench needs wrk (Debian: apt-get install wrk)");
  process.exit(1);
}
const pin = canPin;

function wrk(url, seconds) {
  const [bin, argv] = onCpu(1, "wrk", ["-t1", `-c${CONNS}`, `-d${seconds}s`, "--latency", "-H", `Authorization: apiKey ${KEY}`, url]);
  const out = spawnSync(bin, argv, { encoding: "utf8" }).stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p50 = /50%\s+([\d.]+\w+)/.exec(out)?.[1] ?? "-";
  const p99 = /99%\s+([\d.]+\w+)/.exec(out)?.[1] ?? "-";
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? "0";
  return { rps, p50, p99, errors: Number(errors) };
}

const targets = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["proxy"];
for (const t of targets) if (!CONFIGS[t]) throw new Error(`unknown target ${t}; known: ${Object.keys(CONFIGS).join(", ")}`);

const work = mkdtempSync(path.join(os.tmpdir(), "turnpike-bench-"));
const rows = [];
try {
  for (const target of targets) {
    const upstream = await start(process.execPath, [path.join(root, "bench", "upstream.js")], /upstream listening on (\S+)/, { cpu: 1 });
    const upPort = new URL(upstream.url).port;
    wrk(upstream.url + PATH, WARMUP);
    const before = wrk(upstream.url + PATH, 2).rps;
    const file = path.join(work, `${target}.yml`);
    writeFileSync(file, CONFIGS[target](0, upPort));
    const gateway = await start(
      process.execPath,
      [path.join(root, "packages", "cli", "dist", "bin.js"), "start", "-c", file, "--no-watch"],
      /gateway listening on (\S+)/,
      { cpu: 0 },
    );
    wrk(gateway.url + PATH, WARMUP);
    const result = wrk(gateway.url + PATH, DURATION);
    await stop(gateway.child);
    const after = wrk(upstream.url + PATH, 2).rps;
    await stop(upstream.child);
    const direct = (before + after) / 2;
    rows.push({ target, ...result, direct, ratio: result.rps / direct });
    console.error(`${target}: ${result.rps.toFixed(0)} req/s (direct ${direct.toFixed(0)})`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

console.log(
  `\nwrk -t1 -c${CONNS}, ${DURATION}s, GET ${PATH}${pin ? ", gateway on CPU 0, upstream + wrk on CPU 1" : ""}; node ${process.version}\n`,
);
console.log("target     req/s    direct req/s  vs direct  p50      p99      errors");
for (const r of rows) {
  console.log(
    `${r.target.padEnd(9)}  ${r.rps.toFixed(0).padStart(6)}   ${r.direct.toFixed(0).padStart(12)}  ${r.ratio.toFixed(2).padStart(9)}  ${r.p50.padEnd(7)}  ${r.p99.padEnd(7)}  ${r.errors}`,
  );
}
