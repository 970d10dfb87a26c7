// The service behind the gateway: reports the API version it was asked for.
import http from "node:http";

/** @returns {Promise<http.Server>} */
export function startItemsService(port) {
  const server = http.createServer((req, res) => {
    const body = JSON.stringify({ items: ["a", "b"], apiVersion: req.headers["x-api-version"] ?? null, url: req.url });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}
