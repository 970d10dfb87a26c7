#!/usr/bin/env node
// The aggregate policy's added latency over its slowest call, at p50, two ways:
// - in the gateway: the aggregate step's own time minus its slowest call's (the `serverTiming` option's
//   `aggregate` and `calls` figures), i.e. what the policy adds;
// - from the client: one request answered by three concurrent calls (upstreams answering after 2, 5
//   and 10 ms) against the slowest upstream called directly and through a proxy-only route.
// Requests go one at a time (no queueing) over keep-alive connections, interleaved so the series see
// the same machine. Not a test: it measures and prints, it asserts nothing.
//
//   node bench/aggregate-latency.js            # 2000 samples of each after 300 warm-up rounds
//   SAMPLES=5000 DELAYS=1,3,20 node bench/aggregate-latency.js
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";
import { start, stop } from "./child-processes.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SAMPLES = Number(process.env.SAMPLES ?? 2000);
const WARMUP = Number(process.env.WARMUP ?? 300);
const DELAYS = process.env.DELAYS ?? "2,5,10";

/** Time of one request (ms), and the policy's own added time from its Server-Timing header, if any. */
async function timed(pool, path) {
  const t0 = performance.now();
  const { statusCode, headers, body } = await pool.request({ method: "GET", path });
  await body.arrayBuffer();
  const elapsed = performance.now() - t0;
  if (statusCode !== 200) throw new Error(`${path}: ${statusCode}`);
  const timing = /calls;dur=([\d.]+), aggregate;dur=([\d.]+)/.exec(headers["server-timing"] ?? "");
  return { elapsed, added: timing ? Number(timing[2]) - Number(timing[1]) : undefined };
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

const work = mkdtempSync(path.join(os.tmpdir(), "turnpike-aggregate-bench-"));
const children = [];
try {
  const up = await start(process.execPath, [path.join(root, "bench", "delayed-upstreams.js")], /upstreams listening on (.+)\n/, {
    env: { DELAYS },
  });
  children.push(up.child);
  const urls = up.match[1].trim().split(" ");
  const slowest = urls.at(-1);
  const config = {
    http: { port: 0, host: "127.0.0.1" },
    apiEndpoints: { agg: { paths: ["/agg"] }, proxied: { paths: ["/proxied"] } },
    pipelines: {
      agg: {
        apiEndpoints: ["agg"],
        policies: [
          { aggregate: { serverTiming: true, calls: Object.fromEntries(urls.map((url, i) => [`call${i}`, { url, path: "/" }])) } },
        ],
      },
      proxied: { apiEndpoints: ["proxied"], policies: [{ proxy: { url: slowest, ignorePath: true } }] },
    },
  };
  const file = path.join(work, "gateway.config.yml");
  writeFileSync(file, JSON.stringify(config));
  const gw = await start(
    process.execPath,
    [path.join(root, "packages", "cli", "dist", "bin.js"), "start", "-c", file, "--no-watch"],
    /gateway listening on (\S+)/,
  );
  children.push(gw.child);

  const gateway = new Pool(gw.match[1], { connections: 1 });
  const direct = new Pool(slowest, { connections: 1 });
  const series = { direct: [], proxied: [], aggregate: [], added: [] };
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    const d = await timed(direct, "/");
    const p = await timed(gateway, "/proxied");
    const a = await timed(gateway, "/agg");
    if (i < WARMUP) continue;
    series.direct.push(d.elapsed);
    series.proxied.push(p.elapsed);
    series.aggregate.push(a.elapsed);
    series.added.push(a.added);
  }
  await Promise.all([gateway.close(), direct.close()]);

  const stats = {};
  for (const [name, values] of Object.entries(series)) {
    const sorted = values.sort((x, y) => x - y);
    stats[name] = { p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p99: quantile(sorted, 0.99) };
  }
  console.log(
    `\naggregate of ${urls.length} concurrent calls (upstream delays ${DELAYS} ms), ${SAMPLES} sequential samples each; node ${process.version}\n`,
  );
  console.log("series                                            p50 ms   p90 ms   p99 ms");
  const label = {
    direct: "client: slowest upstream, direct",
    proxied: "client: slowest upstream, through proxy",
    aggregate: "client: aggregate (all calls)",
    added: "gateway: aggregate step - slowest call",
  };
  for (const [name, s] of Object.entries(stats)) {
    console.log(
      `${label[name].padEnd(48)}  ${s.p50.toFixed(2).padStart(6)}   ${s.p90.toFixed(2).padStart(6)}   ${s.p99.toFixed(2).padStart(6)}`,
    );
  }
  console.log(
    `\nadded latency at p50: ${stats.added.p50.toFixed(2)} ms measured in the gateway (the step's time minus its slowest call's);`,
  );
  console.log(
    `  from the client: ${(stats.aggregate.p50 - stats.proxied.p50).toFixed(2)} ms over the slowest call through a proxy-only route,`,
  );
  console.log(
    `  ${(stats.aggregate.p50 - stats.direct.p50).toFixed(2)} ms over the slowest upstream called directly (this includes the gateway hop itself)`,
  );
} finally {
  await Promise.all(children.map(stop));
  rmSync(work, { recursive: true, force: true });
}
