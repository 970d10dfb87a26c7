/**
 * The gateway's HTTP and HTTPS listeners: Node servers built with the `server:` limits and the Express
 * message classes, started on the configured addresses, and closed gracefully (stop accepting, let
 * in-flight responses end, then cut what is left).
 */
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { GatewayConfig, ListenerConfig } from "../config/model.js";
import type { GatewayMessageClasses } from "./express-prototypes.js";
import { answerClientError } from "./send-error.js";
import { httpsOptions } from "./tls-options.js";

/** Started listeners, with their URLs. */
export interface GatewayListeners {
  /** URL of each started listener, e.g. `http://127.0.0.1:8080` (the real port when 0 was asked for). */
  readonly addresses: { http?: string; https?: string };
  /**
   * Stops accepting and closes each connection as soon as its last response ends; after `timeoutMs`,
   * the connections still open are cut.
   */
  close(timeoutMs: number): Promise<void>;
}

function serverOptions(config: GatewayConfig, classes: GatewayMessageClasses): http.ServerOptions {
  return {
    ...classes,
    maxHeaderSize: config.server.maxHeaderSize,
    headersTimeout: config.server.headersTimeout,
    requestTimeout: config.server.requestTimeout,
    keepAliveTimeout: config.server.keepAliveTimeout,
    // The request handler answers a missing Host itself, with the JSON error body Node's own 400 lacks.
    requireHostHeader: false,
    // Node checks header/request timeouts every 30 s by default, which would let a slow client hold a
    // connection that long past its deadline.
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(config.server.headersTimeout / 2))),
  };
}

function urlOf(protocol: string, address: AddressInfo): string {
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `${protocol}://${host}:${address.port}`;
}

async function listenOn(server: http.Server, listener: ListenerConfig): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once("error", onError);
    server.listen(listener.port, listener.host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

async function closeServer(server: http.Server, timeoutMs: number): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive connections become idle as their last response ends: close each as soon as it does.
  server.closeIdleConnections();
  const sweeper = setInterval(() => server.closeIdleConnections(), 25);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, timeoutMs);
    timer.unref();
  });
  await Promise.race([closed, timeout]);
  clearTimeout(timer);
  clearInterval(sweeper);
  server.closeAllConnections();
  await closed;
}

/**
 * Starts the listeners `config.http` and `config.https` ask for, each handing requests to `handler`
 * (with requests and responses built from `classes`). When one cannot start, those already started are
 * closed before the error is thrown.
 * @throws Error when a port is taken or a TLS file cannot be read.
 */
export async function openListeners(
  config: GatewayConfig,
  handler: http.RequestListener,
  classes: GatewayMessageClasses,
): Promise<GatewayListeners> {
  const servers: http.Server[] = [];
  const addresses: { http?: string; https?: string } = {};
  const close = async (timeoutMs: number): Promise<void> => {
    await Promise.all(servers.map((s) => closeServer(s, timeoutMs)));
  };
  try {
    if (config.http) {
      const server = http.createServer(serverOptions(config, classes), handler);
      server.on("clientError", answerClientError);
      servers.push(server);
      addresses.http = urlOf("http", await listenOn(server, config.http));
    }
    if (config.https) {
      const server = https.createServer({ ...serverOptions(config, classes), ...httpsOptions(config.https) }, handler);
      server.on("clientError", answerClientError);
      servers.push(server);
      addresses.https = urlOf("https", await listenOn(server, config.https));
    }
  } catch (err) {
    await close(0);
    throw err;
  }
  return { addresses, close };
}
