/**
 * The contract between the core and policies, conditions and plugins.
 */
import type { Request, RequestHandler, Response } from "express";
import semver from "semver";
import type { Redis } from "ioredis";
import type { ApiEndpointConfig, GatewayConfig } from "../config/model.js";
import type { Template, TemplateOptions } from "../expressions/compile-template.js";
import type { Logger } from "../logger.js";
import type { GatewayMetrics } from "../services/gateway-metrics.js";

/** A JSON Schema (draft-07) object, as ajv reads it. */
export type JsonSchema = Record<string, unknown>;

/** Objects that live as long as the gateway (across reloads), shared by policies and the admin API. */
export interface SharedRegistry {
  /** Returns the object stored under `key`, creating it with `create` the first time. */
  get<T>(key: string, create: () => T): T;
  /** Registers a function run once when the gateway closes (after every snapshot has drained). */
  onClose(close: () => void | Promise<void>): void;
}

/** Infrastructure for stateful policies, injected by the core: a policy never opens its own connections. */
export interface StoreContext {
  /** `redis` when `redis:` is configured (state shared by every instance), else `memory`. */
  readonly backend: "memory" | "redis";
  /** The gateway's Redis client (commands bounded by `redis.commandTimeout`), when configured. */
  readonly redis?: Redis;
  /** Key prefix for everything written to Redis (`redis.prefix`). */
  readonly prefix: string;
  /** Gateway-lifetime objects (stores, caches) that survive reloads. */
  readonly shared: SharedRegistry;
  /** Directory for durable local data (`<config dir>/.turnpike` unless `admin.dataDir` says otherwise). */
  readonly dataDir: string;
  /**
   * Listens to a Redis pub/sub channel (publish with `redis.publish`). The core keeps one subscriber
   * connection for the whole gateway, opened on first use and re-subscribed after reconnects; messages
   * are best effort (none are replayed after an outage). Returns a function that stops listening.
   * @throws Error when no `redis:` is configured.
   */
  subscribe(channel: string, listener: (message: string) => void): () => void;
}

/**
 * What a policy does in a pipeline, declared by the policy so that others can reason about the steps
 * around them without a list of policy names (the cache asks whether an `auth` step comes after it).
 *
 * - `observe`: records the request without changing it (`log`)
 * - `access`: lets a request through or refuses it without knowing who sends it (`ip-filter`, `cors`)
 * - `auth`: authenticates the caller and sets the consumer (`key-auth`, `basic-auth`, `jwt`)
 * - `traffic`: limits how much, how often or how many at once (`rate-limit`, `quota`, `request-size`)
 * - `validate`: checks the request against a description of the API
 * - `transform`: changes the request or the response (`headers`, `request-transformer`)
 * - `cache`: answers from stored responses (`cache`)
 * - `backend`: produces the answer (`proxy`, `terminate`)
 */
export type PolicyPhase = "observe" | "access" | "auth" | "traffic" | "validate" | "transform" | "cache" | "backend";

/** Every {@link PolicyPhase}, in the order a pipeline usually runs them. */
export const POLICY_PHASES: readonly PolicyPhase[] = ["observe", "access", "auth", "traffic", "validate", "transform", "cache", "backend"];

/** One step of a pipeline as the policies in it see it: which policy, what it does, where it is configured. */
export interface PipelineStepInfo {
  /** The policy's name. */
  readonly policy: string;
  /** The policy's declared phase, if it declares one. */
  readonly phase: PolicyPhase | undefined;
  /** Config path of the step's options. */
  readonly path: string;
}

/** What a policy factory receives besides its options. */
export interface PolicyContext {
  /** The policy's name. */
  readonly name: string;
  /** Config path of the options, e.g. `pipelines.api.policies[1].rate-limit[0].action`. */
  readonly path: string;
  /** The pipeline the policy belongs to. */
  readonly pipeline: string;
  /** The apiEndpoint rules the pipeline serves. */
  readonly apiEndpoints: readonly ApiEndpointConfig[];
  /** Every step of the pipeline, in order (this one included, at {@link PolicyContext.stepIndex}). */
  readonly pipelineSteps: readonly PipelineStepInfo[];
  /** This step's index in {@link PolicyContext.pipelineSteps}. */
  readonly stepIndex: number;
  /** The whole, normalised configuration. */
  readonly config: GatewayConfig;
  /** Logger named after the policy. */
  readonly logger: Logger;
  /** Stores and connections. */
  readonly stores: StoreContext;
  /** Counters exposed by the admin API's `GET /metrics`. */
  readonly metrics: GatewayMetrics;
  /**
   * Compiles a template such as `${req.user.id}` once, at load time (`options`: extra variables, and an
   * encoding applied to interpolated values).
   * @throws ConfigError when the template is not valid (reported at `path`).
   */
  compileTemplate(template: string, path?: string, options?: TemplateOptions): Template;
  /** Records a load-time warning at this policy's path. */
  warn(message: string): void;
  /** Registers cleanup run when the snapshot this policy belongs to is retired. */
  onClose(close: () => void | Promise<void>): void;
}

/** A policy's middleware: plain Express middleware. */
export type PolicyMiddleware = RequestHandler;

/**
 * What a step would do for one request, as a policy tells it (`turnpike explain`, admin `POST /explain`).
 * Leave room for more: `details` is open, so a policy adds the facts it has (a plan's limits, a key).
 */
export interface PolicyExplanation {
  /** One line, e.g. `looks for a key-auth credential in Authorization (apiKey): found k1 of alice`. */
  readonly summary: string;
  /** Facts for machines: the credential type looked for, the counting key, the cache key, the upstream URL, ... */
  readonly details?: Readonly<Record<string, unknown>>;
  /**
   * How the request would leave this step: `continue` to the next step (the default), or `answer` when
   * the step would answer it itself (refuse it, serve it from the cache, forward it upstream), with the
   * status when known. Later steps are then not explained.
   */
  readonly outcome?: "continue" | "answer";
  readonly status?: number;
}

/** What the explanation of a whole request hands every step besides the request. */
export interface ExplainContext {
  /** `--consumer NAME`: explain as if this consumer had authenticated (an auth step resolves it). */
  readonly assumedConsumer?: string;
}

/**
 * Explains one request for a step, without side effects: no upstream call, no counter moved, nothing
 * stored. It may set what the real middleware would set on the (synthetic) request and its state, e.g.
 * the consumer, so the steps after it are explained as they would run.
 */
export type StepExplainer = (req: Request, res: Response, context: ExplainContext) => PolicyExplanation | Promise<PolicyExplanation>;

/**
 * A policy: a name, a JSON Schema for its options and a factory that turns validated options into an
 * Express middleware once, when the configuration is compiled.
 */
export interface PolicyDefinition<Options = Record<string, unknown>> {
  /** The key used in config (`rate-limit`). */
  readonly name: string;
  /**
   * JSON Schema of the options (an object schema). Unknown options are errors: the core treats a missing
   * `additionalProperties` as `false`. Properties marked `deprecated: true` are accepted for Express Gateway
   * compatibility and ignored with a warning. Every property should carry a `description`: the reference
   * docs are generated from it.
   */
  readonly schema: JsonSchema;
  /** One line for docs and `turnpike validate` output. */
  readonly description?: string;
  /** What the policy does in a pipeline (see {@link PolicyPhase}); an auth policy must say `auth`. */
  readonly phase?: PolicyPhase;
  /** Builds the middleware from validated options (defaults applied). */
  create(options: Options, ctx: PolicyContext): PolicyMiddleware | Promise<PolicyMiddleware>;
  /**
   * Optional: builds the function that says what a step of this policy would do for a request
   * ({@link StepExplainer}), from the same options and context as {@link create}. Built on a step's
   * first explanation, never on the request path. A policy without it is shown as "would run here".
   */
  explain?(options: Options, ctx: PolicyContext): StepExplainer | Promise<StepExplainer>;
}

/** A compiled condition: decides, per request, whether a step runs. */
export type ConditionPredicate = (req: Request, res: Response) => boolean;

/** What a condition factory receives. */
export interface ConditionContext {
  readonly path: string;
  readonly logger: Logger;
  /** Compiles a nested condition (for `allOf`, `oneOf`, `not`). */
  compileCondition(config: unknown, path: string): ConditionPredicate;
  compileTemplate(template: string, path?: string): Template;
}

/** A condition usable in `{condition: {name, ...}}`. */
export interface ConditionDefinition<Options = Record<string, unknown>> {
  readonly name: string;
  /** JSON Schema of the options besides `name`. */
  readonly schema: JsonSchema;
  create(options: Options, ctx: ConditionContext): ConditionPredicate;
}

/** A plugin package's default export. */
export interface PluginDefinition {
  /** The package's name, for messages. */
  readonly name: string;
  /**
   * The Turnpike versions the plugin works with, a semver range such as `"^0.1.0"` (the version of
   * `@turnpike/core` that loads it). Checked at load: outside the range the configuration is refused
   * with a message naming both, instead of failing later in a way that names neither.
   */
  readonly turnpike?: string;
  readonly policies?: readonly PolicyDefinition<any>[];
  readonly conditions?: readonly ConditionDefinition<any>[];
}

const POLICY_BRAND = Symbol.for("turnpike.policy");
const CONDITION_BRAND = Symbol.for("turnpike.condition");
const PLUGIN_BRAND = Symbol.for("turnpike.plugin");

// Brands use Symbol.for so two copies of @turnpike/core in one process still recognise each other's objects.
function brand<T extends object>(value: T, symbol: symbol): T {
  Object.defineProperty(value, symbol, { value: true });
  return Object.freeze(value);
}

const NAME_PATTERN = /^[a-z][a-zA-Z0-9-]*$/;

function checkName(kind: string, name: unknown): void {
  if (typeof name !== "string" || !NAME_PATTERN.test(name)) {
    throw new TypeError(`${kind} name must be a kebab-case or camelCase string, got ${JSON.stringify(name)}`);
  }
}

/**
 * Declares a policy.
 *
 * @example
 * ```ts
 * export default definePolicy<{ header: string; value: string }>({
 *   name: "add-header",
 *   schema: {
 *     type: "object",
 *     properties: {
 *       header: { type: "string", description: "Header to add to the upstream request" },
 *       value: { type: "string", description: "Its value" },
 *     },
 *     required: ["header", "value"],
 *   },
 *   create({ header, value }) {
 *     const name = header.toLowerCase();
 *     return function addHeader(req, _res, next) { req.headers[name] = value; next(); };
 *   },
 * });
 * ```
 * @throws TypeError when the definition is malformed.
 */
export function definePolicy<Options = Record<string, unknown>>(definition: PolicyDefinition<Options>): PolicyDefinition<Options> {
  checkName("policy", definition.name);
  if (typeof definition.create !== "function") throw new TypeError(`policy ${definition.name}: create must be a function`);
  if (typeof definition.schema !== "object" || definition.schema === null) {
    throw new TypeError(`policy ${definition.name}: schema must be a JSON Schema object`);
  }
  if (definition.phase !== undefined && !POLICY_PHASES.includes(definition.phase)) {
    throw new TypeError(
      `policy ${definition.name}: phase must be one of ${POLICY_PHASES.join(", ")}, got ${JSON.stringify(definition.phase)}`,
    );
  }
  if (definition.explain !== undefined && typeof definition.explain !== "function")
    throw new TypeError(`policy ${definition.name}: explain must be a function`);
  return brand({ ...definition }, POLICY_BRAND);
}

/** Declares a condition. @throws TypeError when the definition is malformed. */
export function defineCondition<Options = Record<string, unknown>>(definition: ConditionDefinition<Options>): ConditionDefinition<Options> {
  checkName("condition", definition.name);
  if (typeof definition.create !== "function") throw new TypeError(`condition ${definition.name}: create must be a function`);
  return brand({ ...definition }, CONDITION_BRAND);
}

/**
 * Declares a plugin: the default export of a policy package.
 *
 * @example
 * ```ts
 * export default definePlugin({ name: "my-plugin", turnpike: "^0.1.0", policies: [addHeader] });
 * ```
 * @throws TypeError when the name is empty or `turnpike` is not a semver range.
 */
export function definePlugin(definition: PluginDefinition): PluginDefinition {
  if (typeof definition.name !== "string" || definition.name === "") throw new TypeError("plugin name must be a non-empty string");
  if (definition.turnpike !== undefined && (typeof definition.turnpike !== "string" || semver.validRange(definition.turnpike) === null)) {
    throw new TypeError(
      `plugin ${definition.name}: turnpike must be a semver range such as "^0.1.0", got ${JSON.stringify(definition.turnpike)}`,
    );
  }
  return brand({ ...definition }, PLUGIN_BRAND);
}

/** True for objects made by {@link definePolicy}. */
export function isPolicyDefinition(value: unknown): value is PolicyDefinition<unknown> {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[POLICY_BRAND] === true;
}

/** True for objects made by {@link defineCondition}. */
export function isConditionDefinition(value: unknown): value is ConditionDefinition<unknown> {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[CONDITION_BRAND] === true;
}

/** True for objects made by {@link definePlugin}. */
export function isPluginDefinition(value: unknown): value is PluginDefinition {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[PLUGIN_BRAND] === true;
}
