/**
 * Options of the `function` policy: which module and export handle the request, in which calling
 * convention, and how the handler is isolated from the gateway.
 */
import type { HandlerFormat } from "../../function-runtime/invocation.js";

/** Where handlers run: a pool of worker threads (a stuck or crashing handler cannot stop the gateway) or the gateway's own thread. */
export type Isolation = "worker" | "inline";

/** Options of the `function` policy, after validation (defaults applied). */
export interface FunctionOptions {
  module: string;
  export: string;
  format: HandlerFormat;
  timeout: number;
  isolation: Isolation;
  workers: number;
  maxBodySize: number | string;
  stageVariables: Record<string, string>;
}

/** Default request body limit: AWS Lambda's own synchronous payload limit. */
export const DEFAULT_FUNCTION_BODY_LIMIT = "6mb";

/** JSON Schema of the `function` options. */
export const functionSchema = {
  type: "object",
  properties: {
    module: {
      type: "string",
      minLength: 1,
      description:
        "The handler's module (ESM or CommonJS), relative to the configuration file. Reloaded when the configuration is reloaded.",
    },
    export: {
      type: "string",
      minLength: 1,
      default: "handler",
      description:
        "The module's export to call. With `format: fetch`, an exported object with a `fetch` method also works (`export default app`).",
    },
    format: {
      type: "string",
      enum: ["aws-apigw-v2", "fetch"],
      default: "aws-apigw-v2",
      description:
        "`aws-apigw-v2`: `handler(event, context)` with API Gateway's HTTP API payload 2.0, its result mapped back (statusCode, headers, cookies, body, isBase64Encoded): an AWS Lambda handler runs unchanged. `fetch`: `handler(request, env)` with a web-standard Request, answering a Response (Hono, Cloudflare Workers).",
    },
    timeout: {
      type: "integer",
      minimum: 1,
      default: 3000,
      description:
        "Time (ms) a handler may run, and a request may wait for a free worker; then 504 FUNCTION_TIMEOUT (a worker running past it is replaced).",
    },
    isolation: {
      type: "string",
      enum: ["worker", "inline"],
      default: "worker",
      description:
        "`worker`: handlers run in a pool of worker threads; one that blocks or crashes is replaced and the gateway keeps serving. `inline`: in the gateway's thread (fastest; a blocking handler blocks the gateway).",
    },
    workers: {
      type: "integer",
      minimum: 1,
      maximum: 64,
      default: 2,
      description: "Worker threads in the pool (`isolation: worker`); each runs one request at a time, others wait.",
    },
    maxBodySize: {
      type: ["integer", "string"],
      minimum: 0,
      default: DEFAULT_FUNCTION_BODY_LIMIT,
      description: 'Largest request body passed to the handler (bytes, or a string such as "1mb"); larger is 413.',
    },
    stageVariables: {
      type: "object",
      additionalProperties: { type: "string" },
      default: {},
      description: "Passed as the event's `stageVariables` (aws-apigw-v2) and `env.stageVariables` (fetch).",
    },
  },
  required: ["module"],
} as const;
