// The demo service behind the gateway: answers every request with what it received, as JSON.
import http from "node:http";

/**
 * Starts the demo upstream on 127.0.0.1:`port` (0 = any free port).
 * @returns {Promise<http.Server>}
 */
export function startDemoUpstream(port) {
  const server = http.createServer((req, res) => {
    let size = 0;
    req.on("data", (chunk) => (size += chunk.length));
    req.on("end", () => {
      const body = JSON.stringify({
        service: "demo",
        method: req.method,
        url: req.url,
        bodyBytes: size,
        requestId: req.headers["x-request-id"],
        forwardedFor: req.headers["x-forwarded-for"],
      });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}
