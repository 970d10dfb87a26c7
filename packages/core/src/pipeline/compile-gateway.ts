/**
 * Compiling a normalised configuration into an immutable snapshot: plugins loaded and checked, every
 * policy's options validated (all problems reported at once, with paths), conditions and templates
 * compiled, middleware built, and one matcher over every pipeline's apiEndpoints.
 */
import type { GatewayConfig, PolicyStepConfig } from "../config/model.js";
import { deprecatedOptionWarnings, joinPath, SchemaValidator } from "../config/schema-validator.js";
import { ConfigError, type ConfigProblem, isConfigError } from "../errors.js";
import { compileTemplate } from "../expressions/compile-template.js";
import { describeApiEndpoints } from "../openapi/describe-api-endpoints.js";
import { registerAdminRoute } from "../services/admin-routes.js";
import type { Logger } from "../logger.js";
import { FIRST_PARTY_POLICIES, loadPlugin } from "../plugins/load-plugins.js";
import { compileMatcher, type Matcher, type RouteEntry } from "../routing/compile-matcher.js";
import { compileVersioning, type CompiledVersioning } from "../routing/versioning.js";
import { builtinConditions, UNSUPPORTED_CONDITIONS } from "./conditions.js";
import type {
  ConditionDefinition,
  ConditionPredicate,
  PipelineStepInfo,
  PolicyContext,
  PolicyDefinition,
  StepExplainer,
  StoreContext,
} from "./define.js";
import type { CompiledStep } from "./run-pipeline.js";
import type { GatewayMetrics } from "../services/gateway-metrics.js";

/** A pipeline ready to run. */
export interface CompiledPipeline {
  readonly name: string;
  readonly steps: readonly CompiledStep[];
}

/** An immutable, compiled configuration. The server swaps whole snapshots on reload. */
export interface Snapshot {
  readonly config: GatewayConfig;
  readonly matcher: Matcher<CompiledPipeline>;
  readonly pipelines: ReadonlyMap<string, CompiledPipeline>;
  /** Load-time warnings (ignored options, unset variables). */
  readonly warnings: readonly string[];
  /** Files besides the configuration file that the snapshot was built from (OpenAPI documents), for watching. */
  readonly files: readonly string[];
  /** How requests name API versions, when the configuration has `versioning`. */
  readonly versioning: CompiledVersioning | undefined;
  /** Releases what the snapshot's policies hold (timers, local stores). */
  close(): Promise<void>;
}

/** What compiling needs from the gateway that outlives snapshots. */
export interface CompileServices {
  readonly logger: Logger;
  readonly stores: StoreContext;
  readonly metrics: GatewayMetrics;
  /** Policies every gateway has (proxy, terminate, log, request-size). */
  readonly builtinPolicies: readonly PolicyDefinition<any>[];
}

interface Registered<T> {
  definition: T;
  origin: string;
}

class Registry {
  readonly policies = new Map<string, Registered<PolicyDefinition<any>>>();
  readonly conditions = new Map<string, Registered<ConditionDefinition<any>>>();

  add(
    origin: string,
    policies: readonly PolicyDefinition<any>[] = [],
    conditions: readonly ConditionDefinition<any>[] = [],
    problems: ConfigProblem[],
    at: string,
  ): void {
    for (const policy of policies) {
      const existing = this.policies.get(policy.name);
      if (existing && existing.origin !== origin) {
        problems.push({
          path: at,
          message: `policy ${JSON.stringify(policy.name)} from ${origin} is already provided by ${existing.origin}`,
        });
      } else {
        this.policies.set(policy.name, { definition: policy, origin });
      }
    }
    for (const condition of conditions) {
      const existing = this.conditions.get(condition.name);
      if (existing && existing.origin !== origin) {
        problems.push({
          path: at,
          message: `condition ${JSON.stringify(condition.name)} from ${origin} is already provided by ${existing.origin}`,
        });
      } else {
        this.conditions.set(condition.name, { definition: condition, origin });
      }
    }
  }
}

async function buildRegistry(config: GatewayConfig, services: CompileServices, problems: ConfigProblem[]): Promise<Registry> {
  const registry = new Registry();
  registry.add("@turnpike/core", services.builtinPolicies, builtinConditions, problems, "");
  const loaded = new Set<string>();
  for (const ref of config.plugins) {
    try {
      const plugin = await loadPlugin(ref.name, config.baseDir, ref.path);
      loaded.add(ref.name);
      registry.add(plugin.name, plugin.policies, plugin.conditions, problems, ref.path);
    } catch (err) {
      if (isConfigError(err)) problems.push(...err.problems);
      else throw err;
    }
  }
  // First-party policies need no `plugins:` entry: load their package when a pipeline uses one.
  const wanted = new Set<string>();
  const used = config.pipelines.flatMap((pipeline) => pipeline.policies.map((entry) => entry.name));
  // The docs route is served by a first-party policy too.
  if (config.docs !== undefined) used.push(DOCS_POLICY);
  for (const name of used) {
    const pkg = FIRST_PARTY_POLICIES[name];
    if (pkg && !registry.policies.has(name) && !loaded.has(pkg)) wanted.add(pkg);
  }
  for (const pkg of wanted) {
    try {
      const plugin = await loadPlugin(pkg, config.baseDir, "plugins");
      registry.add(plugin.name, plugin.policies, plugin.conditions, problems, "plugins");
    } catch (err) {
      if (!isConfigError(err)) throw err;
      // Reported where the policy is used, below, with the package to install.
    }
  }
  return registry;
}

/** The policy behind the top-level `docs:` key. */
const DOCS_POLICY = "openapi-docs";

/**
 * Compiles a configuration into a snapshot.
 * @throws ConfigError listing every problem (unknown policies and conditions, invalid options, plugins
 *   that cannot load, broken references), each with its path.
 */
export async function compileGateway(loaded: GatewayConfig, services: CompileServices): Promise<Snapshot> {
  const problems: ConfigProblem[] = [];
  // OpenAPI documents are read here, on every compile, so a reload picks up an edited document.
  const described = await describeApiEndpoints(loaded, problems);
  const config: GatewayConfig = { ...loaded, apiEndpoints: described.apiEndpoints };
  const warnings: string[] = [...config.warnings];
  const closers: (() => void | Promise<void>)[] = [];
  const registry = await buildRegistry(config, services, problems);
  const validator = new SchemaValidator();

  const compileCondition = (raw: unknown, at: string): ConditionPredicate => {
    if (raw === null || typeof raw !== "object" || typeof (raw as { name?: unknown }).name !== "string") {
      throw new ConfigError([{ path: at, message: "must be an object with a name" }]);
    }
    const { name, ...options } = raw as { name: string };
    const registered = registry.conditions.get(name);
    if (!registered) {
      const why = UNSUPPORTED_CONDITIONS[name];
      throw new ConfigError([
        {
          path: joinPath(at, "name"),
          message: why
            ? `condition ${JSON.stringify(name)} is not supported: ${why}`
            : `unknown condition ${JSON.stringify(name)} (available: ${[...registry.conditions.keys()].join(", ")})`,
        },
      ]);
    }
    const optionProblems = validator.validate(registered.definition.schema, options, at);
    if (optionProblems.length > 0) throw new ConfigError(optionProblems);
    return registered.definition.create(options, {
      path: at,
      logger: services.logger.child(`condition ${name}`),
      compileCondition,
      compileTemplate: (template, path = at) => compileTemplate(template, path),
    });
  };

  const compileStep = async (
    policy: PolicyDefinition<any>,
    pipelineName: string,
    step: PolicyStepConfig,
    endpoints: GatewayConfig["apiEndpoints"][string],
    pipelineSteps: readonly PipelineStepInfo[],
  ): Promise<CompiledStep> => {
    const stepProblems: ConfigProblem[] = [];
    let condition: ConditionPredicate | undefined;
    if (step.condition) {
      try {
        condition = compileCondition(step.condition, step.conditionPath);
      } catch (err) {
        if (!isConfigError(err)) throw err;
        stepProblems.push(...err.problems);
      }
    }
    const options = structuredClone(step.action);
    stepProblems.push(...validator.validate(policy.schema, options, step.path));
    if (stepProblems.length > 0) throw new ConfigError(stepProblems);

    warnings.push(...deprecatedOptionWarnings(policy.schema, step.action, step.path));
    const ctx: PolicyContext = {
      name: policy.name,
      path: step.path,
      pipeline: pipelineName,
      apiEndpoints: endpoints,
      pipelineSteps,
      stepIndex: pipelineSteps.findIndex((info) => info.path === step.path),
      config,
      logger: services.logger.child(`policy ${policy.name}`),
      stores: services.stores,
      metrics: services.metrics,
      compileTemplate: (template, path = step.path, templateOptions) => compileTemplate(template, path, templateOptions),
      warn: (message) => warnings.push(`${step.path}: ${message}`),
      onClose: (close) => closers.push(close),
    };
    const handle = await policy.create(options, ctx);
    if (typeof handle !== "function")
      throw new ConfigError([{ path: step.path, message: `policy ${policy.name} did not return a middleware function` }]);
    const compiled: CompiledStep = { policy: policy.name, path: step.path, logger: ctx.logger, condition, handle };
    if (policy.explain === undefined) return compiled;
    const explain = policy.explain.bind(policy);
    let explainer: Promise<StepExplainer> | undefined;
    // Built from the options the middleware got, once, when this step is first explained.
    return { ...compiled, explainer: () => (explainer ??= Promise.resolve(explain(options, ctx))) };
  };

  const pipelines = new Map<string, CompiledPipeline>();
  const routes: RouteEntry<CompiledPipeline>[] = [];
  const claimed = new Set<string>();
  for (const pipeline of config.pipelines) {
    const endpoints = pipeline.apiEndpoints.flatMap((name) => config.apiEndpoints[name] ?? []);
    const steps: CompiledStep[] = [];
    // What each step's policy sees of the others: names and declared phases, never their options.
    const pipelineSteps: readonly PipelineStepInfo[] = Object.freeze(
      pipeline.policies.flatMap((entry) =>
        entry.steps.map((step) =>
          Object.freeze({ policy: entry.name, phase: registry.policies.get(entry.name)?.definition.phase, path: step.path }),
        ),
      ),
    );
    for (const entry of pipeline.policies) {
      if (config.policies && !config.policies.includes(entry.name)) {
        problems.push({
          path: entry.path,
          message: `policy ${JSON.stringify(entry.name)} is not listed in the top-level policies allow-list`,
        });
        continue;
      }
      const registered = registry.policies.get(entry.name);
      if (!registered) {
        const pkg = FIRST_PARTY_POLICIES[entry.name];
        problems.push({
          path: entry.path,
          message: pkg
            ? `policy ${JSON.stringify(entry.name)} is provided by ${pkg}, which is not installed (npm install ${pkg})`
            : `unknown policy ${JSON.stringify(entry.name)} (available: ${[...registry.policies.keys()].sort().join(", ")}; add the plugin that provides it to plugins:)`,
        });
        continue;
      }
      for (const step of entry.steps) {
        try {
          steps.push(await compileStep(registered.definition, pipeline.name, step, endpoints, pipelineSteps));
        } catch (err) {
          if (isConfigError(err)) problems.push(...err.problems);
          else problems.push({ path: step.path, message: `policy ${entry.name} failed to build: ${(err as Error).message}` });
        }
      }
    }
    const compiled: CompiledPipeline = Object.freeze({ name: pipeline.name, steps: Object.freeze(steps) });
    pipelines.set(pipeline.name, compiled);
    for (const name of pipeline.apiEndpoints) {
      // The first pipeline that lists an endpoint handles it (a warning was given for the others).
      if (claimed.has(name)) continue;
      claimed.add(name);
      for (const endpoint of config.apiEndpoints[name] ?? []) routes.push({ endpoint, target: compiled });
    }
  }

  if (config.docs !== undefined) {
    const docs = config.docs;
    const registered = registry.policies.get(DOCS_POLICY);
    if (registered === undefined) {
      const pkg = FIRST_PARTY_POLICIES[DOCS_POLICY];
      problems.push({ path: "docs", message: `docs is served by ${pkg}, which is not installed (npm install ${pkg})` });
    } else {
      const action: Record<string, unknown> = { path: docs.path };
      if (docs.title !== undefined) action.title = docs.title;
      try {
        const step = await compileStep(registered.definition, "docs", { action, path: "docs", conditionPath: "docs.condition" }, [], []);
        if (docs.listener === "gateway") {
          // Before every apiEndpoint: the docs path is the gateway's own.
          const endpoint = { name: "docs", paths: [docs.path, `${docs.path}/*`], methods: ["GET"], scopes: [], path: "docs" };
          routes.unshift({ endpoint, target: Object.freeze({ name: "docs", steps: Object.freeze([step]) }) });
        } else {
          for (const path of [docs.path, `${docs.path}/*file`])
            registerAdminRoute(services.stores.shared, { method: "GET", path, handle: step.handle });
        }
      } catch (err) {
        if (isConfigError(err)) problems.push(...err.problems);
        else problems.push({ path: "docs", message: `the docs route failed to build: ${(err as Error).message}` });
      }
    }
  }

  const close = async (): Promise<void> => {
    const results = await Promise.allSettled(closers.map(async (c) => c()));
    for (const r of results)
      if (r.status === "rejected") services.logger.warn("a policy failed to close: %s", (r.reason as Error)?.message ?? r.reason);
  };
  if (problems.length > 0) {
    await close();
    throw new ConfigError(problems, config.source);
  }
  return Object.freeze({
    config,
    matcher: compileMatcher(routes),
    pipelines,
    warnings,
    files: described.files,
    versioning: compileVersioning(config.versioning, config.apiEndpoints),
    close,
  });
}
