/**
 * The `proxy` policy: forwards the request to a serviceEndpoint (or inline `url`/`urls`), balancing
 * across its instances over keep-alive connection pools.
 */
import type { Request } from "express";
import { joinPath } from "../config/schema-validator.js";
import { ConfigError, type ConfigProblem } from "../errors.js";
import { definePolicy } from "../pipeline/define.js";
import { createBalancer } from "./balancer.js";
import { buildUpstreamHeaders } from "./forwarded-headers.js";
import { proxySchema, type ProxyOptions } from "./proxy-schema.js";
import { forward } from "./undici-forwarder.js";
import { upstreamPools } from "./upstream-pools.js";
import type { Pool } from "undici";

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
  phase: "backend",
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
      // Express Gateway: options on the serviceEndpoint override the policy's. They were checked at load
      // against serviceProxyOptionsSchema (the proxy's own option schemas), so the merge is valid options.
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
