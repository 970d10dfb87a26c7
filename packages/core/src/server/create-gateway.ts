/**
 * `createGateway`: the library entry point. It owns the listeners and the gateway-lifetime services
 * (Redis connection, upstream pools, shared stores), and holds exactly one current snapshot, which a
 * reload replaces in one assignment.
 */
import express, { type Express } from "express";
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import tls from "node:tls";
import type { Redis } from "ioredis";
import { loadConfig, type LoadConfigOptions } from "../config/load-config.js";
import type { GatewayConfig, HttpsConfig, ListenerConfig, TlsFiles } from "../config/model.js";
import { ConfigError } from "../errors.js";
import { createLogger, type Logger } from "../logger.js";
import { compileGateway, type Snapshot } from "../pipeline/compile-gateway.js";
import type { PolicyDefinition, StoreContext } from "../pipeline/define.js";
import { resolvePlugin } from "../plugins/load-plugins.js";
import { builtinPolicies } from "../policies/index.js";
import { createMessageClasses } from "./express-prototypes.js";
import { createRequestHandler, type LiveSnapshot, type RequestObserver } from "./handle-request.js";
import { closeRedis, openRedis } from "../services/redis-connection.js";
import { answerClientError } from "./send-error.js";
import { GatewaySharedRegistry } from "../services/shared-registry.js";
import { RedisSubscriptions } from "../services/redis-subscriptions.js";
import { createGatewayMetrics, type GatewayMetrics } from "../services/gateway-metrics.js";
import { compileTrust } from "./trust-proxy.js";

/** Options of {@link createGateway}. */
export interface CreateGatewayOptions extends LoadConfigOptions {
  /** A config file path (YAML or JSON) or a configuration object. */
  config: string | object;
  /** Logger for the gateway and its policies. Default: stderr, level from `TURNPIKE_LOG_LEVEL`. */
  logger?: Logger;
  /** Extra policies, as if provided by a plugin (handy in tests and embedded use). */
  policies?: readonly PolicyDefinition<any>[];
}

/** Where the listeners are, once listening. */
export interface GatewayAddresses {
  http?: string;
  https?: string;
  admin?: string;
}

/** The admin API as `@turnpike/admin` provides it. */
export interface AdminServer {
  readonly url: string;
  close(): Promise<void>;
}

/** What `@turnpike/admin` exports for the gateway to start it. */
export interface AdminModule {
  startAdmin(gateway: Gateway): Promise<AdminServer>;
}

/** A running (or ready to run) gateway. */
export interface Gateway {
  /** The Express app: mount it in another app or server to serve the gateway there. */
  readonly app: Express;
  /** The current configuration. */
  readonly config: GatewayConfig;
  /** The current compiled snapshot. */
  readonly snapshot: Snapshot;
  readonly logger: Logger;
  /** Stores and connections shared by policies and the admin API. */
  readonly stores: StoreContext;
  /** Counters policies increment, exposed by the admin API. */
  readonly metrics: GatewayMetrics;
  /** Starts the configured listeners (and the admin API). */
  listen(): Promise<GatewayAddresses>;
  /**
   * Loads, validates and compiles a configuration (default: the original file or object again) and swaps
   * it in. On failure the current configuration keeps serving and the ConfigError is thrown.
   */
  reload(config?: string | object): Promise<void>;
  /** Stops accepting, lets in-flight requests finish (up to `server.shutdownTimeout`), releases everything. */
  close(): Promise<void>;
  /** Calls `observer` when each response ends; returns a function that removes it. */
  observe(observer: RequestObserver): () => void;
}

function secureContextOptions(files: TlsFiles): tls.SecureContextOptions {
  const options: tls.SecureContextOptions = { key: readFileSync(files.key), cert: readFileSync(files.cert) };
  if (files.ca) options.ca = files.ca.map((f) => readFileSync(f));
  if (files.passphrase !== undefined) options.passphrase = files.passphrase;
  return options;
}

function httpsOptions(config: HttpsConfig): https.ServerOptions {
  const contexts = Object.entries(config.sni).map(([host, files]) => [host, tls.createSecureContext(secureContextOptions(files))] as const);
  const options: https.ServerOptions = { ...secureContextOptions(config.tls) };
  if (contexts.length > 0) {
    options.SNICallback = (servername, callback) => {
      const name = servername.toLowerCase();
      const found = contexts.find(
        ([host]) =>
          host === name || (host.startsWith("*.") && name.endsWith(host.slice(1)) && !name.slice(0, -host.length + 1).includes(".")),
      );
      callback(null, found?.[1]);
    };
  }
  return options;
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

async function loadAdminModule(config: GatewayConfig): Promise<AdminModule> {
  const file = resolvePlugin("@turnpike/admin", config.baseDir);
  if (!file)
    throw new ConfigError([
      { path: "admin", message: "the admin API needs @turnpike/admin, which is not installed (npm install @turnpike/admin)" },
    ]);
  const module = (await import(pathToFileURL(file).href)) as Partial<AdminModule>;
  if (typeof module.startAdmin !== "function") throw new ConfigError([{ path: "admin", message: `${file} does not export startAdmin` }]);
  return module as AdminModule;
}

/**
 * Creates a gateway from a configuration file or object. The configuration is loaded, validated and
 * compiled before this resolves; nothing listens until `listen()`.
 *
 * @example
 * ```ts
 * const gw = await createGateway({ config: "./gateway.config.yml" });
 * const { http } = await gw.listen();
 * ```
 * @throws ConfigError listing every problem of the configuration.
 */
export async function createGateway(options: CreateGatewayOptions): Promise<Gateway> {
  const logger = options.logger ?? createLogger();
  const source = options.config;
  const loadOptions: LoadConfigOptions = {};
  if (options.env) loadOptions.env = options.env;
  if (options.baseDir) loadOptions.baseDir = options.baseDir;
  let config = await loadConfig(source, loadOptions);

  const shared = new GatewaySharedRegistry();
  let redis: Redis | undefined;
  let subscriptions: RedisSubscriptions | undefined;
  if (config.redis) {
    redis = openRedis(config.redis, logger);
    const client = redis;
    const subs = new RedisSubscriptions(client, logger);
    subscriptions = subs;
    shared.onClose(() => closeRedis(client));
    shared.onClose(() => subs.close());
  }
  const stores: StoreContext = {
    backend: redis ? "redis" : "memory",
    ...(redis ? { redis } : {}),
    prefix: config.redis?.prefix ?? "turnpike:",
    shared,
    dataDir: config.admin?.dataDir ?? path.resolve(config.baseDir, ".turnpike"),
    subscribe(channel, listener) {
      if (!subscriptions) throw new Error("subscribing to a Redis channel needs redis: in the configuration");
      return subscriptions.subscribe(channel, listener);
    },
  };
  const metrics = createGatewayMetrics();
  const compileServices = { logger, stores, metrics, builtinPolicies: [...builtinPolicies, ...(options.policies ?? [])] };

  const makeLive = (snapshot: Snapshot): LiveSnapshot => ({
    snapshot,
    trust: compileTrust(snapshot.config.trustProxy),
    inFlight: 0,
    retired: false,
    onDrained: undefined,
  });
  let live: LiveSnapshot;
  try {
    live = makeLive(await compileGateway(config, compileServices));
  } catch (err) {
    await shared.close();
    throw err;
  }
  for (const warning of live.snapshot.warnings) logger.warn(warning);

  const observers: RequestObserver[] = [];
  let draining = false;
  const handle = createRequestHandler({ current: () => live, logger, observers, draining: () => draining });

  const app = express();
  app.disable("x-powered-by");
  app.use((req, res) => handle(req, res));
  const classes = createMessageClasses(app);

  const servers: http.Server[] = [];
  let admin: AdminServer | undefined;
  let closing: Promise<void> | undefined;

  const retire = (old: LiveSnapshot): void => {
    old.retired = true;
    let done = false;
    const closeOld = (): void => {
      if (done) return;
      done = true;
      void old.snapshot.close();
    };
    if (old.inFlight === 0) return closeOld();
    old.onDrained = closeOld;
    setTimeout(closeOld, config.server.shutdownTimeout).unref();
  };

  const serverOptions = (): http.ServerOptions => ({
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
  });

  const gateway: Gateway = {
    app,
    get config() {
      return live.snapshot.config;
    },
    get snapshot() {
      return live.snapshot;
    },
    logger,
    stores,
    metrics,

    async listen() {
      if (servers.length > 0) throw new Error("the gateway is already listening");
      const addresses: GatewayAddresses = {};
      const requestListener = handle as unknown as http.RequestListener;
      try {
        if (config.http) {
          const server = http.createServer(serverOptions(), requestListener);
          server.on("clientError", answerClientError);
          servers.push(server);
          addresses.http = urlOf("http", await listenOn(server, config.http));
        }
        if (config.https) {
          const server = https.createServer({ ...serverOptions(), ...httpsOptions(config.https) }, requestListener);
          server.on("clientError", answerClientError);
          servers.push(server);
          addresses.https = urlOf("https", await listenOn(server, config.https));
        }
        if (config.admin) {
          admin = await (await loadAdminModule(config)).startAdmin(gateway);
          addresses.admin = admin.url;
        }
      } catch (err) {
        await Promise.all(servers.map((s) => closeServer(s, 0)));
        servers.length = 0;
        throw err;
      }
      return addresses;
    },

    async reload(next = source) {
      if (closing) throw new Error("the gateway is closing");
      const nextConfig = await loadConfig(next, loadOptions);
      const snapshot = await compileGateway(nextConfig, compileServices);
      if (JSON.stringify(nextConfig.redis) !== JSON.stringify(config.redis)) logger.warn("redis: changes take effect on restart");
      if (
        JSON.stringify([nextConfig.http, nextConfig.https, nextConfig.admin]) !== JSON.stringify([config.http, config.https, config.admin])
      ) {
        logger.warn("listener addresses (http, https, admin) change on restart; the rest of the new configuration is applied");
      }
      const old = live;
      live = makeLive(snapshot);
      config = nextConfig;
      for (const warning of snapshot.warnings) logger.warn(warning);
      retire(old);
    },

    close() {
      closing ??= (async () => {
        draining = true;
        const timeout = config.server.shutdownTimeout;
        await Promise.all(servers.map((s) => closeServer(s, timeout)));
        await admin?.close();
        const last = live;
        last.retired = true;
        await last.snapshot.close();
        const errors = await shared.close();
        for (const err of errors) logger.warn("while closing: %s", (err as Error)?.message ?? err);
      })();
      return closing;
    },

    observe(observer) {
      observers.push(observer);
      return () => {
        const i = observers.indexOf(observer);
        if (i !== -1) observers.splice(i, 1);
      };
    },
  };
  return gateway;
}
