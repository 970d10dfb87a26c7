/**
 * The `proxy` policy: forwards the request to a serviceEndpoint (or inline `url`/`urls`), balancing
 * across its instances over keep-alive connection pools.
 */
import type { Request } from "express";
import { DEFAULTS } from "../config/defaults.js";
import { joinPath } from "../config/schema-validator.js";
import { ConfigError, type ConfigProblem } from "../errors.js";
import { definePolicy } from "../pipeline/define.js";
import { createBalancer, type BalancingStrategy } from "./balancer.js";
import { buildUpstreamHeaders } from "./forwarded-headers.js";
import { forward } from "./undici-forwarder.js";
import { upstreamPools } from "./upstream-pools.js";
import type { Pool } from "undici";

/** Options of the `proxy` policy. */
export interface ProxyOptions {
  serviceEndpoint?: string;
  url?: string;
  urls?: (string | { url: string; weight?: number })[];
  strategy: BalancingStrategy;
  changeOrigin: boolean;
  stripPath: boolean;
  prependPath: boolean;
  ignorePath: boolean;
  xfwd: boolean;
  proxyTimeout: number;
  connectTimeout: number;
  bodyTimeout: number;
  keepAliveTimeout: number;
  secure: boolean;
  auth?: string;
}

const ignored = (description: string) => ({ deprecated: true, description });

/** JSON Schema of the proxy policy's options. */
export const proxySchema = {
  type: "object",
  properties: {
    serviceEndpoint: { type: "string", minLength: 1, description: "Name of the serviceEndpoint to forward to." },
    url: { type: "string", description: "Upstream URL, instead of a serviceEndpoint." },
    urls: {
      type: "array",
      minItems: 1,
      items: {
        anyOf: [
          { type: "string" },
          {
            type: "object",
            additionalProperties: false,
            properties: { url: { type: "string" }, weight: { type: "integer", minimum: 1 } },
            required: ["url"],
          },
        ],
      },
      description: "Upstream URLs (or `{url, weight}`) to balance across, instead of a serviceEndpoint.",
    },
    strategy: {
      type: "string",
      enum: ["round-robin", "least-connections"],
      default: "round-robin",
      description: "How to balance across several URLs: `round-robin` (weighted when weights are given) or `least-connections`.",
    },
    changeOrigin: { type: "boolean", default: true, description: "Send the upstream's host as `Host` (else the client's)." },
    stripPath: {
      type: "boolean",
      default: false,
      description: "Remove the matched apiEndpoint path prefix (up to its first wildcard or parameter) before forwarding.",
    },
    prependPath: { type: "boolean", default: true, description: "Prefix the request path with the upstream URL's path." },
    ignorePath: {
      type: "boolean",
      default: false,
      description: "Forward to the upstream URL's path only, ignoring the request's path and query.",
    },
    xfwd: {
      type: "boolean",
      default: true,
      description:
        "Append the client to `X-Forwarded-For` and set `X-Forwarded-Proto`/`-Host`. With false, no forwarding headers are sent.",
    },
    proxyTimeout: {
      type: "integer",
      minimum: 1,
      default: DEFAULTS.proxy.proxyTimeout,
      description: "Time (ms) the upstream has to send its response headers after receiving the request; then 504.",
    },
    connectTimeout: {
      type: "integer",
      minimum: 1,
      default: DEFAULTS.proxy.connectTimeout,
      description: "Time (ms) allowed to connect to the upstream; then 504.",
    },
    bodyTimeout: {
      type: "integer",
      minimum: 0,
      default: DEFAULTS.proxy.bodyTimeout,
      description: "Longest pause (ms) in the upstream's response body; then the response is aborted. 0 disables.",
    },
    keepAliveTimeout: {
      type: "integer",
      minimum: 1,
      default: DEFAULTS.proxy.keepAliveTimeout,
      description: "How long (ms) idle upstream connections are kept for reuse.",
    },
    secure: { type: "boolean", default: true, description: "Verify the TLS certificate of https upstreams." },
    auth: {
      type: "string",
      pattern: "^[^:]*:.*$",
      description: "`user:password` sent to the upstream as Basic authorization (replacing the client's).",
    },
    autoRewrite: ignored("Express Gateway's redirect rewriting; Location headers are relayed unchanged"),
    followRedirects: ignored("redirects are always relayed to the client"),
    hostRewrite: ignored("Express Gateway's redirect rewriting; Location headers are relayed unchanged"),
    protocolRewrite: ignored("Express Gateway's redirect rewriting; Location headers are relayed unchanged"),
    preserveHeaderKeyCase: ignored("response header names are relayed as the upstream sent them"),
    proxyUrl: ignored("intermediate HTTP proxies are not supported"),
    toProxy: ignored("intermediate HTTP proxies are not supported"),
    proxyOptions: ignored("put the options on the policy itself"),
  },
} as const;

interface Target {
  origin: string;
  host: string;
  basePath: string;
  pool: Pool;
}

function stripRoutePrefix(url: string, route: string | undefined): string {
  if (route === undefined) return url;
  const wildcard = route.search(/[:*]/);
  if (wildcard === 0) return url;
  if (wildcard === -1) {
    const q = url.indexOf("?");
    return `/${q === -1 ? "" : url.slice(q)}`;
  }
  // Express Gateway's rule: keep what follows the route's literal prefix.
  const rest = url.slice(wildcard);
  return rest.startsWith("/") ? rest : `/${rest}`;
}

function joinBase(base: string, path: string): string {
  if (base === "") return path;
  return path === "/" ? `${base}/` : path.startsWith("?") ? `${base}${path}` : `${base}${path}`;
}

function hasBody(req: Request): boolean {
  const length = req.headers["content-length"];
  return (length !== undefined && length !== "0") || req.headers["transfer-encoding"] !== undefined;
}

/** The `proxy` policy. */
export const proxyPolicy = definePolicy<ProxyOptions>({
  name: "proxy",
  description: "Forwards the request to a service, balancing across its instances.",
  schema: proxySchema,
  create(policyOptions, ctx) {
    const problems: ConfigProblem[] = [];
    let options: ProxyOptions = policyOptions;
    let targets: { url: string; weight: number; path: string }[];
    const sources = [policyOptions.serviceEndpoint, policyOptions.url, policyOptions.urls].filter((v) => v !== undefined);
    if (sources.length !== 1) {
      throw new ConfigError([{ path: ctx.path, message: "needs exactly one of serviceEndpoint, url or urls" }]);
    }
    if (policyOptions.serviceEndpoint !== undefined) {
      const endpoint = ctx.config.serviceEndpoints[policyOptions.serviceEndpoint];
      if (!endpoint) {
        throw new ConfigError([
          {
            path: joinPath(ctx.path, "serviceEndpoint"),
            message: `serviceEndpoint ${JSON.stringify(policyOptions.serviceEndpoint)} is not defined in serviceEndpoints`,
          },
        ]);
      }
      targets = endpoint.targets.map((t) => ({ ...t, path: endpoint.path }));
      // Express Gateway: options on the serviceEndpoint override the policy's.
      options = { ...policyOptions, ...(endpoint.proxyOptions as Partial<ProxyOptions>) };
    } else {
      const list = policyOptions.url !== undefined ? [policyOptions.url] : policyOptions.urls!;
      targets = list.map((u, i) => {
        const entry = typeof u === "string" ? { url: u, weight: 1 } : { url: u.url, weight: u.weight ?? 1 };
        return { ...entry, path: policyOptions.url !== undefined ? joinPath(ctx.path, "url") : joinPath(joinPath(ctx.path, "urls"), i) };
      });
    }

    const pools = upstreamPools(ctx.stores.shared);
    const balancedTargets: { value: Target; weight: number }[] = [];
    for (const t of targets) {
      let url: URL;
      try {
        url = new URL(t.url);
        if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("protocol");
      } catch {
        problems.push({ path: t.path, message: "must be an absolute http:// or https:// URL" });
        continue;
      }
      const pool = pools.get(url.origin, {
        connectTimeout: options.connectTimeout,
        keepAliveTimeout: options.keepAliveTimeout,
        rejectUnauthorized: options.secure,
      });
      balancedTargets.push({
        value: { origin: url.origin, host: url.host, basePath: url.pathname.replace(/\/$/, ""), pool },
        weight: t.weight,
      });
    }
    if (problems.length > 0) throw new ConfigError(problems);
    if (balancedTargets.length === 0) throw new ConfigError([{ path: ctx.path, message: "has no upstream URL" }]);

    const balancer = createBalancer(balancedTargets, options.strategy);
    const { changeOrigin, stripPath, prependPath, ignorePath, xfwd } = options;
    const timeouts = { headersTimeout: options.proxyTimeout, bodyTimeout: options.bodyTimeout };
    const basicAuth = options.auth !== undefined ? `Basic ${Buffer.from(options.auth).toString("base64")}` : undefined;

    return function proxy(req, res, next) {
      const state = res.locals.turnpike;
      const picked = balancer.pick();
      const target = picked.value;
      let path = stripPath ? stripRoutePrefix(req.url, state.route) : req.url;
      if (ignorePath) path = target.basePath || "/";
      else if (prependPath) path = joinBase(target.basePath, path);

      const consumer = state.consumer;
      let headers = buildUpstreamHeaders(req.headers, {
        peer: req.socket.remoteAddress ?? "",
        peerTrusted: state.peerTrusted,
        protocol: (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http",
        xfwd,
        requestId: state.requestId,
        host: changeOrigin ? target.host : undefined,
        consumerId: consumer?.id,
        consumerUsername: consumer?.username,
      });
      if (basicAuth !== undefined) {
        const withoutClientAuth: string[] = [];
        for (let i = 0; i < headers.length; i += 2)
          if (headers[i] !== "authorization") withoutClientAuth.push(headers[i]!, headers[i + 1]!);
        headers = withoutClientAuth;
        headers.push("authorization", basicAuth);
      }
      state.upstream = { url: target.origin };
      forward(
        req,
        res,
        state,
        {
          dispatcher: target.pool,
          method: req.method,
          path,
          headers,
          body: hasBody(req) ? (state.requestBody ?? req) : null,
          timeouts,
          onEnd: () => balancer.release(picked),
        },
        next,
      );
    };
  },
});
