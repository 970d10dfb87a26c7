/**
 * A compiled upstream: where a request goes (a serviceEndpoint, or inline `url`/`urls`), its instances
 * behind one balancer over the gateway's keep-alive pools, and the proxy options in force. The `proxy`
 * policy forwards through it, and so do the policies that call upstreams themselves (`aggregate`'s calls,
 * WebSocket upgrades), so balancing, pools, TLS settings and forwarding headers have one owner.
 */
import type { Request, Response } from "express";
import type { Pool } from "undici";
import { joinPath } from "../config/schema-validator.js";
import { ConfigError, type ConfigProblem } from "../errors.js";
import type { PolicyContext } from "../pipeline/define.js";
import type { RequestState } from "../request-state.js";
import { createBalancer, type BalancedTarget } from "./balancer.js";
import { buildUpstreamHeaders, type ForwardingFacts } from "./forwarded-headers.js";
import type { ProxyOptions } from "./proxy-schema.js";
import { upstreamPools } from "./upstream-pools.js";

/** One instance of an upstream. */
export interface UpstreamInstance {
  /** `http://host:port` */
  readonly origin: string;
  /** `host:port`, sent as `Host` when `changeOrigin` is on. */
  readonly host: string;
  /** The URL's path without its trailing slash (`""` for none). */
  readonly basePath: string;
  /** The gateway's keep-alive pool to `origin`. */
  readonly pool: Pool;
}

/** A compiled upstream. */
export interface Upstream {
  /** The options in force: the policy's, overridden by the serviceEndpoint's `proxyOptions`. */
  readonly options: ProxyOptions;
  /** Every instance, in configuration order (for explaining where requests would go). */
  readonly instances: readonly UpstreamInstance[];
  /** Picks an instance; call {@link release} when the exchange with it ends. */
  pick(): BalancedTarget<UpstreamInstance>;
  release(target: BalancedTarget<UpstreamInstance>): void;
}

/**
 * Resolves the proxy options' destination and builds the balancer over the shared pools.
 * @throws ConfigError (at `path`) for a missing or unknown serviceEndpoint or a URL that is not http(s).
 */
export function compileUpstream(policyOptions: ProxyOptions, ctx: PolicyContext, path: string = ctx.path): Upstream {
  const problems: ConfigProblem[] = [];
  let options: ProxyOptions = policyOptions;
  let targets: { url: string; weight: number; path: string }[];
  const sources = [policyOptions.serviceEndpoint, policyOptions.url, policyOptions.urls].filter((v) => v !== undefined);
  if (sources.length !== 1) {
    throw new ConfigError([{ path, message: "needs exactly one of serviceEndpoint, url or urls" }]);
  }
  if (policyOptions.serviceEndpoint !== undefined) {
    const endpoint = ctx.config.serviceEndpoints[policyOptions.serviceEndpoint];
    if (!endpoint) {
      throw new ConfigError([
        {
          path: joinPath(path, "serviceEndpoint"),
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
      return { ...entry, path: policyOptions.url !== undefined ? joinPath(path, "url") : joinPath(joinPath(path, "urls"), i) };
    });
  }

  const pools = upstreamPools(ctx.stores.shared);
  const balanced: { value: UpstreamInstance; weight: number }[] = [];
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
    balanced.push({ value: { origin: url.origin, host: url.host, basePath: url.pathname.replace(/\/$/, ""), pool }, weight: t.weight });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  if (balanced.length === 0) throw new ConfigError([{ path, message: "has no upstream URL" }]);

  const balancer = createBalancer(balanced, options.strategy);
  return {
    options,
    instances: balanced.map((b) => b.value),
    pick: () => balancer.pick(),
    release: (target) => balancer.release(target),
  };
}

/** Prefixes `path` (path and query) with an instance's base path. */
export function joinBasePath(base: string, path: string): string {
  if (base === "") return path;
  return path === "/" ? `${base}/` : `${base}${path}`;
}

/** What the forwarding-header rules need to know about a request going to `instance`. */
export function forwardingFacts(req: Request, state: RequestState, options: ProxyOptions, instance: UpstreamInstance): ForwardingFacts {
  return requestFacts(req, state, options.xfwd, options.changeOrigin ? instance.host : undefined);
}

function requestFacts(req: Request, state: RequestState, xfwd: boolean, host: string | undefined): ForwardingFacts {
  const consumer = state.consumer;
  return {
    peer: req.socket.remoteAddress ?? "",
    peerTrusted: state.peerTrusted,
    protocol: (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http",
    xfwd,
    requestId: state.requestId,
    host,
    consumerId: consumer?.id,
    consumerUsername: consumer?.username,
  };
}

/**
 * The headers a backend that is not proxied to (a local function, a WebSocket upstream) receives for
 * `req`: exactly what the proxy would send, as a flat `[name, value, ...]` list. Hop-by-hop headers and
 * client-forged identity headers are removed; `X-Request-Id`, `X-Forwarded-*` (unless `xfwd: false`)
 * and the consumer's `x-consumer-id`/`x-consumer-username` are set by the gateway.
 */
export function forwardedRequestHeaders(req: Request, res: Response, options: { xfwd?: boolean; host?: string } = {}): string[] {
  return buildUpstreamHeaders(req.headers, requestFacts(req, res.locals.turnpike, options.xfwd ?? true, options.host));
}
