/**
 * A real HTTP upstream on 127.0.0.1 for tests: by default it echoes what it received as JSON.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** What the echo upstream saw of one request. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

/** A running test upstream. */
export interface TestUpstream {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: ReceivedRequest[];
  /** Stops the server and drops its connections. */
  close(): Promise<void>;
}

/** Handles a request after its body was read (`received.body`). */
export type UpstreamHandler = (req: http.IncomingMessage, res: http.ServerResponse, received: ReceivedRequest) => void;

/** Echo: status 200, JSON of the request. */
export const echo: UpstreamHandler = (_req, res, received) => {
  const body = JSON.stringify(received);
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
};

/**
 * Starts an upstream on an ephemeral loopback port.
 * @example
 * ```ts
 * const upstream = await startUpstream();
 * // ... proxy to upstream.url, then read upstream.requests
 * await upstream.close();
 * ```
 */
export async function startUpstream(handler: UpstreamHandler = echo): Promise<TestUpstream> {
  const requests: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const received: ReceivedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString(),
      };
      requests.push(received);
      handler(req, res, received);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
