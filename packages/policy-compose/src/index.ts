/**
 * @turnpike/policy-compose: the `aggregate` policy (one client request answered by several upstream
 * calls merged into one JSON object) and the `function` policy (a pipeline that ends in a local
 * handler: an AWS Lambda handler for API Gateway's HTTP API payload 2.0, or a web-standard fetch handler).
 *
 * First-party: the core loads it by name when a pipeline uses one of its policies.
 *
 * @example
 * ```yaml
 * policies:
 *   - aggregate:
 *       calls:
 *         user:   { serviceEndpoint: users,  path: "/users/${req.params.id}" }
 *         orders: { serviceEndpoint: orders, path: "/orders?user=${req.params.id}", timeout: 800 }
 *       onPartialFailure: partial
 * ```
 */
import { definePlugin } from "@turnpike/core";
import { aggregatePolicy } from "./policies/aggregate/aggregate.js";
import { functionPolicy } from "./policies/function/function.js";

export { aggregatePolicy, functionPolicy };
export { aggregateSchema } from "./policies/aggregate/aggregate-schema.js";
export type { AggregateCallOptions, AggregateOptions, OnPartialFailure } from "./policies/aggregate/aggregate-schema.js";
export { functionSchema } from "./policies/function/function-schema.js";
export type { FunctionOptions, Isolation } from "./policies/function/function-schema.js";
export type { ConsumerFacts, HandlerFormat } from "./function-runtime/invocation.js";

/** The plugin: `aggregate` and `function`. */
export default definePlugin({ name: "@turnpike/policy-compose", policies: [aggregatePolicy, functionPolicy] });
