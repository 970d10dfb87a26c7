/**
 * Upstream calls for policies other than `proxy`: a policy that needs an upstream's answer (to merge
 * it, to inspect it) names its destination with the proxy's own options and calls through the same
 * balancer, pools, forwarding-header rules, timeouts and error mapping.
 */
import type { Request, Response } from "express";
import type { IncomingHttpHeaders } from "node:http";
import { SchemaValidator } from "../config/schema-validator.js";
import { ConfigError } from "../errors.js";
import type { PolicyContext } from "../pipeline/define.js";
import { collectResponse, type CollectedResponse } from "./collect-response.js";
import { buildUpstreamHeaders } from "./forwarded-headers.js";
import { proxySchema, type ProxyOptions } from "./proxy-schema.js";
import { compileUpstream, forwardingFacts, joinBasePath } from "./upstream.js";

/** One call through an {@link UpstreamClient}. */
export interface UpstreamCall {
  /** Default `GET`. Calls carry no body. */
  readonly method?: string;
  /** Path and query on the upstream, appended to the instance's base path. */
  readonly path: string;
  /**
   * Client headers to send: hop-by-hop headers and client-supplied identity headers are still removed;
   * `Host`, `X-Request-Id`, `X-Forwarded-*` and the consumer's identity are set as the proxy sets them.
   */
  readonly headers?: IncomingHttpHeaders;
  /** Time (ms) for the whole call; default: the upstream's `proxyTimeout`. */
  readonly timeout?: number;
  /** Largest answer accepted, in bytes. */
  readonly maxBodySize: number;
  /** Aborts the call. */
  readonly signal?: AbortSignal;
}

/** An upstream's answer to an {@link UpstreamCall}. */
export type UpstreamAnswer = CollectedResponse;

/** Calls one upstream (a serviceEndpoint or URLs) on behalf of requests. */
export interface UpstreamClient {
  /** The options in force (the serviceEndpoint's `proxyOptions` applied). */
  readonly options: Readonly<ProxyOptions>;
  /**
   * Sends `call` for the request `req` and collects the answer.
   * @throws GatewayError 502/504 as the proxy answers them, or `UPSTREAM_RESPONSE_TOO_LARGE`.
   */
  request(req: Request, res: Response, call: UpstreamCall): Promise<UpstreamAnswer>;
}

/**
 * Compiles an upstream client from the `proxy` policy's options (`serviceEndpoint`, or `url`/`urls`,
 * and any other proxy option), validated with the proxy's schema at `path`.
 *
 * @example
 * ```ts
 * const users = createUpstreamClient({ serviceEndpoint: "users" }, ctx, `${ctx.path}.calls.user`);
 * const answer = await users.request(req, res, { path: "/users/1", maxBodySize: 1 << 20 });
 * ```
 * @throws ConfigError for invalid options or an unknown serviceEndpoint.
 */
export function createUpstreamClient(
  options: Readonly<Record<string, unknown>>,
  ctx: PolicyContext,
  path: string = ctx.path,
): UpstreamClient {
  const proxyOptions = structuredClone(options) as Record<string, unknown>;
  const problems = new SchemaValidator().validate(proxySchema, proxyOptions, path);
  if (problems.length > 0) throw new ConfigError(problems);
  const upstream = compileUpstream(proxyOptions as unknown as ProxyOptions, ctx, path);
  const resolved = upstream.options;
  const basicAuth = resolved.auth !== undefined ? `Basic ${Buffer.from(resolved.auth).toString("base64")}` : undefined;

  return {
    options: resolved,
    async request(req, res, call) {
      const state = res.locals.turnpike;
      const picked = upstream.pick();
      const instance = picked.value;
      let headers = buildUpstreamHeaders(call.headers ?? {}, forwardingFacts(req, state, resolved, instance));
      if (basicAuth !== undefined) {
        headers = headers.filter((_, i) => headers[i - (i % 2)] !== "authorization");
        headers.push("authorization", basicAuth);
      }
      try {
        return await collectResponse({
          dispatcher: instance.pool,
          method: call.method ?? "GET",
          path: joinBasePath(instance.basePath, call.path),
          headers,
          timeout: call.timeout ?? resolved.proxyTimeout,
          headersTimeout: resolved.proxyTimeout,
          bodyTimeout: resolved.bodyTimeout,
          maxBodySize: call.maxBodySize,
          signal: call.signal,
        });
      } finally {
        upstream.release(picked);
      }
    },
  };
}
