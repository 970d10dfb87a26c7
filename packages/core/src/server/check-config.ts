/**
 * Checking a configuration without serving it: what `turnpike validate` runs. It goes through the same
 * load and compile as start-up (plugins loaded, every policy's options validated and built), so a file
 * that passes here starts; nothing listens and no connection is opened.
 */
import path from "node:path";
import { loadConfig, type LoadConfigOptions } from "../config/load-config.js";
import { ConfigError, type ConfigProblem } from "../errors.js";
import { silentLogger, type Logger } from "../logger.js";
import { compileGateway } from "../pipeline/compile-gateway.js";
import { builtinPolicies } from "../policies/index.js";
import { openRedis } from "./redis-connection.js";
import { GatewaySharedRegistry } from "./shared-registry.js";
import { createGatewayMetrics } from "./gateway-metrics.js";

/** Result of {@link checkConfig}. */
export interface CheckResult {
  /** Every problem found, each with its path; empty when the configuration is valid. */
  problems: ConfigProblem[];
  warnings: string[];
}

/** Loads and compiles a configuration, reporting every problem instead of throwing. */
export async function checkConfig(input: string | object, options: LoadConfigOptions & { logger?: Logger } = {}): Promise<CheckResult> {
  let config;
  try {
    config = await loadConfig(input, options);
  } catch (err) {
    if (err instanceof ConfigError) return { problems: [...err.problems], warnings: [] };
    throw err;
  }
  const shared = new GatewaySharedRegistry();
  const logger = options.logger ?? silentLogger;
  // A lazy client never connects unless a command is sent: policies can prepare scripts against it.
  const redis = config.redis ? openRedis(config.redis, logger, { lazy: true }) : undefined;
  try {
    const snapshot = await compileGateway(config, {
      logger,
      builtinPolicies,
      metrics: createGatewayMetrics(),
      stores: {
        backend: redis ? "redis" : "memory",
        ...(redis ? { redis } : {}),
        prefix: config.redis?.prefix ?? "turnpike:",
        shared,
        dataDir: config.admin?.dataDir ?? path.resolve(config.baseDir, ".turnpike"),
        // Validation opens no connection: subscriptions are accepted and never fire.
        subscribe: () => () => undefined,
      },
    });
    await snapshot.close();
    return { problems: [], warnings: [...snapshot.warnings] };
  } catch (err) {
    if (err instanceof ConfigError) return { problems: [...err.problems], warnings: [...config.warnings] };
    throw err;
  } finally {
    await shared.close();
    redis?.disconnect();
  }
}
