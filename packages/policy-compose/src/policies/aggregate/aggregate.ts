/**
 * The `aggregate` policy: answers one client request with several upstream calls, KrakenD-style,
 * merged into one JSON answer. Each call goes through the proxy's machinery (balancer, keep-alive
 * pools, timeouts, forwarding-header rules); templates and merge paths are compiled once, at load.
 */
import {
  ConfigError,
  createUpstreamClient,
  definePolicy,
  GatewayError,
  isConfigError,
  parseByteSize,
  type ConfigProblem,
  type PolicyContext,
} from "@turnpike/core";
import type { Response } from "express";
import { performance } from "node:perf_hooks";
import { aggregateSchema, type AggregateCallOptions, type AggregateOptions } from "./aggregate-schema.js";
import { checkCallGraph } from "./call-graph.js";
import { compileMerge } from "./merge-answers.js";
import { runCalls, type CallFailure, type CallOutcome, type CompiledCall } from "./run-calls.js";

const TEMPLATE_OPTIONS = { variables: ["calls"] } as const;

function byteSize(value: number | string, path: string, problems: ConfigProblem[]): number {
  const size = parseByteSize(value);
  if (size === undefined) problems.push({ path, message: 'must be a number of bytes or a size such as "1mb"' });
  return size ?? 0;
}

/** The calls a call's templates read (`calls.<name>...`). @throws ConfigError for a bare `calls`. */
function readsOfCalls(reads: readonly (readonly (string | number)[])[], path: string): string[] {
  const names: string[] = [];
  for (const read of reads) {
    if (read[0] !== "calls") continue;
    const name = read[1];
    if (typeof name !== "string") throw new ConfigError([{ path, message: "`calls` must be followed by a call's name (calls.<name>)" }]);
    names.push(name);
  }
  return names;
}

function compileCall(name: string, call: AggregateCallOptions, options: AggregateOptions, ctx: PolicyContext): CompiledCall {
  const at = `${ctx.path}.calls.${name}`;
  const problems: ConfigProblem[] = [];
  const { serviceEndpoint, url, urls } = call;
  const client = createUpstreamClient(
    {
      ...(serviceEndpoint !== undefined ? { serviceEndpoint } : {}),
      ...(url !== undefined ? { url } : {}),
      ...(urls !== undefined ? { urls } : {}),
    },
    ctx,
    at,
  );
  const path = ctx.compileTemplate(call.path, `${at}.path`, { ...TEMPLATE_OPTIONS, encode: encodeURIComponent });
  if (!path.source.startsWith("/")) problems.push({ path: `${at}.path`, message: "must start with /" });
  const headers = Object.entries(call.headers ?? {}).map(
    ([header, template]) => [header.toLowerCase(), ctx.compileTemplate(template, `${at}.headers.${header}`, TEMPLATE_OPTIONS)] as const,
  );
  const maxBodySize = byteSize(call.maxBodySize ?? options.maxBodySize, `${at}.maxBodySize`, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const dependsOn = new Set([
    ...readsOfCalls(path.reads, `${at}.path`),
    ...headers.flatMap(([h, t]) => readsOfCalls(t.reads, `${at}.headers.${h}`)),
  ]);
  return { name, client, method: call.method, path, headers, timeout: call.timeout, maxBodySize, dependsOn: [...dependsOn] };
}

function answer(
  res: Response,
  body: unknown,
  headers: Record<string, string>,
  timing: { startedAt: number; slowest: number } | undefined,
): void {
  const text = JSON.stringify(body);
  res.statusCode = 200;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (timing !== undefined) {
    // Measured last, after merging and serialising: what the step adds over its slowest call.
    const total = performance.now() - timing.startedAt;
    res.appendHeader("server-timing", `calls;dur=${timing.slowest.toFixed(3)}, aggregate;dur=${total.toFixed(3)}`);
  }
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("content-length", Buffer.byteLength(text));
  res.end(text);
}

/** The `aggregate` policy. */
export const aggregatePolicy = definePolicy<AggregateOptions>({
  name: "aggregate",
  description:
    "Answers with several upstream calls (concurrent, or in sequence where one reads another's answer) merged into one JSON object.",
  schema: aggregateSchema,
  create(options, ctx) {
    const problems: ConfigProblem[] = [];
    const calls: CompiledCall[] = [];
    for (const [name, call] of Object.entries(options.calls)) {
      try {
        calls.push(compileCall(name, call, options, ctx));
      } catch (err) {
        if (!isConfigError(err)) throw err;
        problems.push(...err.problems);
      }
    }
    byteSize(options.maxBodySize, `${ctx.path}.maxBodySize`, problems);
    const names = Object.keys(options.calls);
    let merge;
    try {
      merge = compileMerge(options.merge, names, `${ctx.path}.merge`);
    } catch (err) {
      if (!isConfigError(err)) throw err;
      problems.push(...err.problems);
    }
    if (typeof options.merge === "object" && Object.hasOwn(options.merge, "meta")) {
      problems.push({ path: `${ctx.path}.merge.meta`, message: "meta is reserved for the failed calls of a partial answer" });
    }
    if (problems.length > 0 || merge === undefined) throw new ConfigError(problems);
    const graph = checkCallGraph(
      calls.map((c) => ({ name: c.name, dependsOn: new Set(c.dependsOn), path: `${ctx.path}.calls.${c.name}` })),
    );
    const plan = { calls, dependents: graph.dependents, forwardHeaders: options.forwardHeaders.map((h) => h.toLowerCase()) };
    const mergeAnswers = merge;
    const failFast = options.onPartialFailure === "fail";
    const logger = ctx.logger;
    const pipeline = ctx.pipeline;

    const report = (res: Response, name: string, failure: CallFailure): void => {
      ctx.metrics.increment(
        "turnpike_aggregate_call_failures_total",
        { pipeline, call: name, code: failure.code },
        "Calls of aggregate policies that failed, by pipeline, call and reason",
      );
      logger.warn("call %s failed: %s %s (request %s)", name, failure.code, failure.message, res.locals.turnpike.requestId);
    };

    const serverTiming = options.serverTiming;

    return async function aggregate(req, res) {
      const startedAt = serverTiming ? performance.now() : 0;
      const outcomes: Map<string, CallOutcome> = await runCalls(plan, req, res, failFast);
      if (res.destroyed) return; // the client went away: its calls were aborted, nobody reads an answer
      const failed: [string, CallFailure][] = [];
      const bodies = new Map<string, unknown>();
      let slowest = 0;
      for (const name of names) {
        const outcome = outcomes.get(name);
        if (outcome?.ok) {
          bodies.set(name, outcome.answer.body);
          if (outcome.durationMs > slowest) slowest = outcome.durationMs;
        } else if (outcome) failed.push([name, outcome.failure]);
      }
      for (const [name, failure] of failed) report(res, name, failure);
      if (failFast && failed.length > 0) {
        const [name, failure] = failed[0]!;
        throw new GatewayError("AGGREGATE_CALL_FAILED", `Call ${name} failed: ${failure.message} (${failure.code})`);
      }
      const merged = mergeAnswers(bodies);
      const headers: Record<string, string> = {};
      if (failed.length > 0) {
        merged.meta = { failed: Object.fromEntries(failed) };
        headers["x-turnpike-partial"] = failed.map(([name]) => name).join(",");
        // A partial answer must not be cached as if it were the whole one.
        headers["cache-control"] = "no-store";
      }
      answer(res, merged, headers, serverTiming ? { startedAt, slowest } : undefined);
    };
  },
});
