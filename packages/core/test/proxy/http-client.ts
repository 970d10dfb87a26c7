/**
 * A raw HTTP/1.1 client for tests that need control over the exact request bytes and headers.
 */
import http from "node:http";
import net from "node:net";

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

/**
 * Sends a request with exactly these headers (no agent, no added headers but Host if absent).
 * With `timeoutMs`, rejects (and drops the connection) when no complete answer came by then.
 */
export function send(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string | string[]>; body?: string | Buffer; timeoutMs?: number },
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port,
        method: options.method ?? "GET",
        path: options.path,
        headers: options.headers,
        agent: false,
        setHost: options.headers?.host === undefined,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode!, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks).toString() }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (options.timeoutMs !== undefined) {
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
      // The response's end (or an error) settles the promise: the deadline is no longer needed.
      req.on("response", (res) => res.on("end", () => clearTimeout(timer)));
      req.on("error", () => clearTimeout(timer));
    }
    req.end(options.body);
  });
}

/** Writes raw bytes on a TCP connection and returns everything the server sent until it closed. */
export function sendRaw(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let received = "";
    socket.on("data", (d) => (received += d.toString()));
    socket.on("end", () => resolve(received));
    socket.on("close", () => resolve(received));
    socket.on("error", reject);
    socket.write(bytes);
    setTimeout(() => socket.end(), 2000).unref();
  });
}
