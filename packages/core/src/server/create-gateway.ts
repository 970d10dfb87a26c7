/**
 * `createGateway`: the library entry point. It ties together the gateway-lifetime services (the store
 * context, metrics), the snapshot holder (one current snapshot, swapped by a reload), the request
 * handler, the listeners and the admin API.
 */
import express, { type Express } from "express";
import type http from "node:http";
import { pathToFileURL } from "node:url";
import type { LoadConfigOptions } from "../config/load-config.js";
import type { GatewayConfig } from "../config/model.js";
import { ConfigError } from "../errors.js";
import { createLogger, type Logger } from "../logger.js";
import type { Snapshot } from "../pipeline/compile-gateway.js";
import { loadSnapshot, type LoadSnapshotOptions } from "../pipeline/load-snapshot.js";
import type { PolicyDefinition, StoreContext } from "../pipeline/define.js";
import { resolvePlugin } from "../plugins/load-plugins.js";
import { builtinPolicies } from "../policies/index.js";
import { createGatewayMetrics, type GatewayMetrics } from "../services/gateway-metrics.js";
import { createStores, type GatewayStores } from "../services/store-context.js";
import { createMessageClasses } from "./express-prototypes.js";
import { createRequestHandler, type RequestObserver } from "./handle-request.js";
import { openListeners, type GatewayListeners } from "./listeners.js";
import { SnapshotHolder } from "./snapshot-holder.js";
import { explainRequest, type ExplainInput, type RequestExplanation } from "../explain/explain-request.js";

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
  /**
   * Says what the current configuration would do with a request, without sending anything upstream
   * (`turnpike explain`, admin `POST /explain`).
   * @throws GatewayError BAD_REQUEST when `input` does not describe a request
   */
  explain(input: ExplainInput): Promise<RequestExplanation>;
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
  let services: (GatewayStores & { metrics: GatewayMetrics }) | undefined;
  const loadOptions: LoadSnapshotOptions = {
    logger,
    builtinPolicies: [...builtinPolicies, ...(options.policies ?? [])],
    ...(options.env ? { env: options.env } : {}),
    ...(options.baseDir ? { baseDir: options.baseDir } : {}),
    // The store context is built once, from the configuration the gateway starts with: changes to
    // `redis:` take effect on restart.
    serve: (startConfig) => {
      services ??= { ...createStores(startConfig, logger, { connect: true }), metrics: createGatewayMetrics() };
      return services;
    },
  };
  const first = await loadSnapshot(source, loadOptions);
  if (first.snapshot === undefined || services === undefined) {
    await services?.shared.close();
    throw new ConfigError(first.problems, first.source);
  }
  const { stores, shared, metrics } = services;
  let config = first.snapshot.config;
  const snapshots = new SnapshotHolder(first.snapshot);
  for (const warning of snapshots.current.snapshot.warnings) logger.warn(warning);

  const observers: RequestObserver[] = [];
  let draining = false;
  const handle = createRequestHandler({ snapshots, logger, observers, draining: () => draining });

  const app = express();
  app.disable("x-powered-by");
  app.use((req, res) => handle(req, res));
  const classes = createMessageClasses(app);

  let listeners: GatewayListeners | undefined;
  let admin: AdminServer | undefined;
  let closing: Promise<void> | undefined;

  const gateway: Gateway = {
    app,
    get config() {
      return snapshots.current.snapshot.config;
    },
    get snapshot() {
      return snapshots.current.snapshot;
    },
    logger,
    stores,
    metrics,

    async listen() {
      if (listeners) throw new Error("the gateway is already listening");
      const opened = await openListeners(config, handle as unknown as http.RequestListener, classes);
      listeners = opened;
      const addresses: GatewayAddresses = { ...opened.addresses };
      if (config.admin) {
        try {
          admin = await (await loadAdminModule(config)).startAdmin(gateway);
        } catch (err) {
          listeners = undefined;
          await opened.close(0);
          throw err;
        }
        addresses.admin = admin.url;
      }
      return addresses;
    },

    async reload(next = source) {
      if (closing) throw new Error("the gateway is closing");
      const loaded = await loadSnapshot(next, loadOptions);
      if (loaded.snapshot === undefined) throw new ConfigError(loaded.problems, loaded.source);
      const snapshot = loaded.snapshot;
      const nextConfig = snapshot.config;
      if (JSON.stringify(nextConfig.redis) !== JSON.stringify(config.redis)) logger.warn("redis: changes take effect on restart");
      if (
        JSON.stringify([nextConfig.http, nextConfig.https, nextConfig.admin]) !== JSON.stringify([config.http, config.https, config.admin])
      ) {
        logger.warn("listener addresses (http, https, admin) change on restart; the rest of the new configuration is applied");
      }
      config = nextConfig;
      snapshots.swap(snapshot, config.server.shutdownTimeout);
      for (const warning of snapshot.warnings) logger.warn(warning);
    },

    close() {
      closing ??= (async () => {
        draining = true;
        const timeout = config.server.shutdownTimeout;
        await listeners?.close(timeout);
        await admin?.close();
        await snapshots.close();
        const errors = await shared.close();
        for (const err of errors) logger.warn("while closing: %s", (err as Error)?.message ?? err);
      })();
      return closing;
    },

    explain(input) {
      return explainRequest(input, snapshots.current, classes);
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
