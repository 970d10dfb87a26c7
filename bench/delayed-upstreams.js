// Upstreams that answer a small JSON body after a fixed delay: one server per delay in DELAYS (ms,
// comma-separated). Used by aggregate-latency.js.
import http from "node:http";

const delays = (process.env.DELAYS ?? "2,5,10").split(",").map(Number);
const servers = delays.map((delay) => {
  const body = Buffer.from(JSON.stringify({ delay, items: [1, 2, 3], note: "answered after a fixed delay" }));
  const server = http.createServer((_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
      res.end(body);
    }, delay);
  });
  server.keepAliveTimeout = 65_000;
  return server;
});
await Promise.all(servers.map((s) => new Promise((resolve) => s.listen(0, "127.0.0.1", resolve))));
process.stdout.write(`upstreams listening on ${servers.map((s) => `http://127.0.0.1:${s.address().port}`).join(" ")}\n`);
process.on("SIGTERM", () => {
  for (const s of servers) s.close();
  process.exit(0);
});
