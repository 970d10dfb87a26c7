/**
 * @turnpike/core: configuration, compiled pipelines, the proxy and the server.
 *
 * @example
 * ```ts
 * import { createGateway } from "@turnpike/core";
 * const gw = await createGateway({ config: "./gateway.config.yml" });
 * await gw.listen();
 * ```
 */

// Server
export { createGateway } from "./server/create-gateway.js";
export type { AdminModule, AdminServer, CreateGatewayOptions, Gateway, GatewayAddresses } from "./server/create-gateway.js";
export type { RequestObserver } from "./server/handle-request.js";
export { watchConfig } from "./server/watch-config.js";
export { checkConfig } from "./config/check-config.js";
export type { CheckResult } from "./config/check-config.js";
export type { WatchConfigOptions } from "./server/watch-config.js";
export { errorBody, sendError } from "./server/send-error.js";
export { createGatewayMetrics } from "./services/gateway-metrics.js";
export type { CounterSeries, GatewayMetrics, MetricLabels } from "./services/gateway-metrics.js";
export { adminRoutes, registerAdminRoute } from "./services/admin-routes.js";
export type { AdminRoute } from "./services/admin-routes.js";

// Configuration
export { loadConfig, parseConfig, parseConfigText } from "./config/load-config.js";
export type { LoadConfigOptions } from "./config/load-config.js";
export { gatewayConfigSchema } from "./config/gateway-schema.js";
export { DEFAULTS } from "./config/defaults.js";
export { interpolateEnv } from "./config/interpolate-env.js";
export type {
  AdminConfig,
  ApiEndpointConfig,
  ConditionConfig,
  ConsumerDeclaration,
  CredentialDeclaration,
  GatewayConfig,
  HttpsConfig,
  ListenerConfig,
  OpenApiSource,
  PipelineConfig,
  PluginReference,
  PolicyEntryConfig,
  PolicyStepConfig,
  RedisConfig,
  ServerLimits,
  ServiceEndpointConfig,
  TlsFiles,
  TrustProxySetting,
  UpstreamTarget,
} from "./config/model.js";

// Policies, conditions, plugins
export {
  definePolicy,
  defineCondition,
  definePlugin,
  isPolicyDefinition,
  isConditionDefinition,
  isPluginDefinition,
  POLICY_PHASES,
} from "./pipeline/define.js";
export { CORE_VERSION } from "./plugins/core-version.js";
export type { ExplainedStep, ExplainInput, RequestExplanation } from "./explain/explain-request.js";
export { observeMiddleware, outcomeExplanation } from "./explain/observe-middleware.js";
export type { MiddlewareOutcome } from "./explain/observe-middleware.js";
export type {
  ConditionContext,
  ConditionDefinition,
  ConditionPredicate,
  JsonSchema,
  PipelineStepInfo,
  PluginDefinition,
  PolicyContext,
  PolicyDefinition,
  PolicyExplanation,
  ExplainContext,
  StepExplainer,
  PolicyMiddleware,
  PolicyPhase,
  SharedRegistry,
  StoreContext,
} from "./pipeline/define.js";
export { compileGateway } from "./pipeline/compile-gateway.js";
export type { CompiledPipeline, CompileServices, Snapshot } from "./pipeline/compile-gateway.js";
export { builtinConditions } from "./pipeline/conditions.js";
export { builtinPolicies } from "./policies/index.js";
export { FIRST_PARTY_POLICIES, loadPlugin, resolvePlugin } from "./plugins/load-plugins.js";
export { compileTemplate } from "./expressions/compile-template.js";
export type { Template, TemplateOptions, TemplateVariables } from "./expressions/compile-template.js";
export { parseByteSize, payloadTooLarge } from "./http/body-size.js";
export { hasRequestBody, readJsonRequestBody, readRequestBody } from "./http/request-body.js";
export type { JsonBodyLimits, JsonRequestBody } from "./http/request-body.js";
export { DEFAULT_MAX_BODY_DEPTH, jsonDepthExceeds, maxBodyDepthSchema, parseJsonBody } from "./http/json-body.js";
export type { JsonBodyResult } from "./http/json-body.js";
export { createUpstreamClient } from "./proxy/upstream-client.js";
export { proxySchema } from "./proxy/proxy-schema.js";
export { forwardedRequestHeaders } from "./proxy/upstream.js";
export { connectionTokens, isHopByHopHeader } from "./proxy/forwarded-headers.js";
export type { UpstreamAnswer, UpstreamCall, UpstreamClient } from "./proxy/upstream-client.js";
export { applyHeaderArgument, chunkToBuffer, endArguments, setLengthOfSingleEnd } from "./http/response-writes.js";

// OpenAPI documents
export { loadApiDescription, serverBasePath } from "./openapi/load-api-description.js";
export type { LoadApiDescriptionOptions, LoadedApiDescription } from "./openapi/load-api-description.js";
export { describeApiEndpoints } from "./openapi/describe-api-endpoints.js";
export type { DescribedEndpoints } from "./openapi/describe-api-endpoints.js";
export { describeOperations, followRef, OPERATION_METHODS } from "./openapi/describe-operations.js";
export type { DocumentProblem } from "./openapi/describe-operations.js";
export { parsePathTemplate, joinBasePath } from "./openapi/path-template.js";
export type { PathTemplate, TemplateSegment } from "./openapi/path-template.js";
export { escapeToken, pointerTokens, toPointer, valueAt } from "./openapi/json-pointer.js";
export type {
  ApiDescription,
  ApiMediaType,
  ApiOperation,
  ApiParameter,
  ApiRequestBody,
  ApiResponse,
  ParameterLocation,
  SecurityRequirement,
} from "./openapi/api-description.js";

// Requests
export type { Consumer, OperationState, RequestState } from "./request-state.js";
export { canonicalizeTarget, normalizeHost } from "./routing/canonical-target.js";
export type { CanonicalTarget } from "./routing/canonical-target.js";
export { compileMatcher } from "./routing/compile-matcher.js";
export type { Matcher, RouteEntry, RouteMatch } from "./routing/compile-matcher.js";

// Errors and logging
export { ConfigError, ERROR_CODES, GatewayError, formatProblem, isConfigError, isGatewayError, toGatewayError } from "./errors.js";
export type { ConfigProblem, CustomErrorOptions, ErrorCode, ErrorCodeEntry, GatewayErrorOptions } from "./errors.js";
export { createLogger, silentLogger, LOG_LEVELS } from "./logger.js";
export type { Logger, LoggerOptions, LogLevel, LogSink } from "./logger.js";
