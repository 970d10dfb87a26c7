/**
 * The one load path, from a file (or object) to a compiled snapshot: read → `${ENV}` → YAML/JSON →
 * schema → normalise (`loadConfigSections`, problems per section) → compile (`compileGateway`, every
 * policy's problems). `createGateway` (start and reload) and `checkConfig` (`turnpike validate`) both go
 * through it, so they report the same problems for the same file.
 *
 * A configuration with problems in sections nothing compiled reads (listeners, the admin API) is still
 * compiled, to find the policies' problems as well; that compile is a check only: it runs against a
 * store context that opens no connection, and its snapshot is closed at once.
 */
import { loadConfigSections, type LoadConfigOptions } from "../config/load-config.js";
import type { GatewayConfig } from "../config/model.js";
import { isConfigError, type ConfigProblem } from "../errors.js";
import type { Logger } from "../logger.js";
import { createGatewayMetrics, type GatewayMetrics } from "../services/gateway-metrics.js";
import { createStores } from "../services/store-context.js";
import { compileGateway, type Snapshot } from "./compile-gateway.js";
import type { PolicyDefinition, StoreContext } from "./define.js";

/** Options of {@link loadSnapshot}. */
export interface LoadSnapshotOptions extends LoadConfigOptions {
  readonly logger: Logger;
  /** Policies every gateway has, and those given to `createGateway`. */
  readonly builtinPolicies: readonly PolicyDefinition<any>[];
  /**
   * The gateway-lifetime services a configuration without problems is compiled against, to be served.
   * Called only then (a configuration with problems opens nothing). Absent: every compile is a check.
   */
  readonly serve?: (config: GatewayConfig) => { readonly stores: StoreContext; readonly metrics: GatewayMetrics };
}

/** What {@link loadSnapshot} found. */
export interface LoadedSnapshot {
  /** The snapshot to serve: set when there is no problem and `serve` was given. */
  readonly snapshot: Snapshot | undefined;
  /** Every problem found, load problems (schema, then normalisation) before compile problems. */
  readonly problems: readonly ConfigProblem[];
  /** Load-time warnings (unset variables, ignored options), as far as loading got. */
  readonly warnings: readonly string[];
  /** The file's absolute path, for file input (for messages). */
  readonly source: string | undefined;
}

/**
 * Loads and compiles a configuration, collecting every problem instead of throwing at the first stage
 * that fails.
 */
export async function loadSnapshot(input: string | object, options: LoadSnapshotOptions): Promise<LoadedSnapshot> {
  const loadOptions: LoadConfigOptions = {};
  if (options.env) loadOptions.env = options.env;
  if (options.baseDir) loadOptions.baseDir = options.baseDir;
  const { config, problems, compilable, source } = await loadConfigSections(input, loadOptions);
  if (config === undefined || !compilable) return { snapshot: undefined, problems, warnings: config?.warnings ?? [], source };

  if (problems.length === 0 && options.serve) {
    const services = options.serve(config);
    try {
      const snapshot = await compileGateway(config, { logger: options.logger, builtinPolicies: options.builtinPolicies, ...services });
      return { snapshot, problems, warnings: snapshot.warnings, source };
    } catch (err) {
      if (!isConfigError(err)) throw err;
      return { snapshot: undefined, problems: err.problems, warnings: config.warnings, source };
    }
  }

  const { stores, shared } = createStores(config, options.logger, { connect: false });
  try {
    const snapshot = await compileGateway(config, {
      logger: options.logger,
      builtinPolicies: options.builtinPolicies,
      metrics: createGatewayMetrics(),
      stores,
    });
    await snapshot.close();
    return { snapshot: undefined, problems, warnings: snapshot.warnings, source };
  } catch (err) {
    if (!isConfigError(err)) throw err;
    return { snapshot: undefined, problems: [...problems, ...err.problems], warnings: config.warnings, source };
  } finally {
    await shared.close();
  }
}
