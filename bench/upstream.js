// The benchmark's upstream: precomputed JSON bodies, like ../shared/bench's, so numbers compare.
import http from "node:http";

const small = Buffer.from(
  JSON.stringify({ ok: true, service: "bench-upstream", items: [1, 2, 3], note: "a small JSON body" }).padEnd(98, " "),
);
const big = Buffer.from(JSON.stringify({ data: "x".repeat(16384 - 12) }));

const server = http.createServer((req, res) => {
  const body = req.url === "/16k" ? big : small;
  res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(`upstream listening on http://127.0.0.1:${server.address().port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
