/**
 * The `function` policy: a pipeline that ends in a local handler instead of a proxy. The handler is an
 * AWS Lambda handler for API Gateway's HTTP API (payload 2.0) or a web-standard fetch handler; it runs
 * in a pool of worker threads (default) or in the gateway's thread. Each configuration load starts its
 * own runner, so a reload picks up an edited module; the old runner finishes its requests and stops.
 */
import {
  ConfigError,
  connectionTokens,
  definePolicy,
  GatewayError,
  hasRequestBody,
  isHopByHopHeader,
  parseByteSize,
  readRequestBody,
  type PolicyContext,
} from "@turnpike/core";
import type { Response } from "express";
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { apiGatewayV2Invocation, fetchInvocation, type InvocationSettings } from "./build-invocation.js";
import { FunctionTimeoutError, HandlerFailedError, type FunctionRunner } from "../../function-runtime/function-runner.js";
import { functionSchema, type FunctionOptions } from "./function-schema.js";
import { startInlineRunner } from "../../function-runtime/inline-runner.js";
import type { FunctionResponse } from "../../function-runtime/invocation.js";
import { startWorkerPool } from "../../function-runtime/worker-pool.js";

const EMPTY = Buffer.alloc(0);

async function startRunner(file: string, options: FunctionOptions, ctx: PolicyContext, functionName: string): Promise<FunctionRunner> {
  if (options.isolation === "inline") return startInlineRunner(file, options.export, options.format);
  const labels = { pipeline: ctx.pipeline, function: functionName };
  return startWorkerPool({
    setup: { moduleUrl: pathToFileURL(file).href, exportName: options.export, format: options.format },
    size: options.workers,
    events: {
      replaced(reason) {
        ctx.metrics.increment("turnpike_function_workers_replaced_total", labels, "Function worker threads terminated and replaced");
        ctx.logger.warn("%s: worker replaced (%s)", functionName, reason);
      },
      replacementReady() {
        ctx.logger.debug("%s: replacement worker ready", functionName);
      },
      loadFailed(failure) {
        ctx.logger.error("%s: a replacement worker cannot load the module: %s", functionName, failure.stack ?? failure.message);
      },
    },
  });
}

/** Writes a handler's response; the gateway's own headers (x-request-id, CORS) stay as set. */
function writeResponse(res: Response, response: FunctionResponse): void {
  const preset = new Set(res.getHeaderNames());
  const connection = response.headers.filter(([name]) => name.toLowerCase() === "connection").map(([, value]) => value);
  const named = connectionTokens(connection.length > 0 ? connection : undefined);
  res.statusCode = response.status;
  for (const [name, value] of response.headers) {
    const lower = name.toLowerCase();
    if (isHopByHopHeader(lower) || named?.has(lower) || lower === "content-length" || preset.has(lower)) continue;
    res.appendHeader(name, value);
  }
  res.setHeader("content-length", response.body.byteLength);
  res.end(Buffer.from(response.body.buffer, response.body.byteOffset, response.body.byteLength));
}

/** The `function` policy. */
export const functionPolicy = definePolicy<FunctionOptions>({
  name: "function",
  description:
    "Answers with a local handler: an AWS Lambda handler (API Gateway HTTP API payload 2.0) or a fetch handler, in worker threads.",
  schema: functionSchema,
  async create(options, ctx) {
    const file = path.resolve(ctx.config.baseDir, options.module);
    if (!existsSync(file)) throw new ConfigError([{ path: `${ctx.path}.module`, message: `${file} does not exist` }]);
    const limit = parseByteSize(options.maxBodySize);
    if (limit === undefined)
      throw new ConfigError([{ path: `${ctx.path}.maxBodySize`, message: 'must be a number of bytes or a size such as "1mb"' }]);
    const functionName = `${path.basename(file)}#${options.export}`;
    let runner: FunctionRunner;
    try {
      runner = await startRunner(file, options, ctx, functionName);
    } catch (err) {
      if (!(err instanceof HandlerFailedError)) throw err;
      throw new ConfigError([{ path: `${ctx.path}.module`, message: `cannot load ${options.module}: ${err.failure.message}` }]);
    }
    ctx.onClose(() => runner.close());
    const build = options.format === "fetch" ? fetchInvocation : apiGatewayV2Invocation;
    const { timeout, stageVariables } = options;
    const logger = ctx.logger;

    return async function runFunction(req, res) {
      const state = res.locals.turnpike;
      const body =
        hasRequestBody(req) || state.requestBody !== undefined ? await readRequestBody(state.requestBody ?? req, limit, res) : EMPTY;
      const settings: InvocationSettings = { functionName, deadline: Date.now() + timeout, stageVariables };
      let response: FunctionResponse;
      try {
        response = await runner.run(build(req, res, body, settings), timeout);
      } catch (err) {
        if (err instanceof FunctionTimeoutError) {
          logger.warn("%s: %s (%d ms, request %s)", functionName, err.message, timeout, state.requestId);
          throw new GatewayError("FUNCTION_TIMEOUT", undefined, { cause: err, quiet: true });
        }
        if (err instanceof HandlerFailedError) {
          // The stack goes to the log, never into the answer.
          logger.error("%s failed: %s (request %s)", functionName, err.failure.stack ?? err.message, state.requestId);
          throw new GatewayError("FUNCTION_FAILED", undefined, { cause: err, quiet: true });
        }
        throw err;
      }
      if (res.destroyed) return;
      writeResponse(res, response);
    };
  },
});
