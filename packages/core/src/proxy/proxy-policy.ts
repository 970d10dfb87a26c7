/**
 * The `proxy` policy: forwards the request to a serviceEndpoint (or inline `url`/`urls`), balancing
 * across its instances over keep-alive connection pools.
 */
import { hasRequestBody } from "../http/request-body.js";
import { definePolicy } from "../pipeline/define.js";
import { buildUpstreamHeaders } from "./forwarded-headers.js";
import { proxySchema, type ProxyOptions } from "./proxy-schema.js";
import { forward } from "./undici-forwarder.js";
import { compileUpstream, forwardingFacts, joinBasePath } from "./upstream.js";

/** The path (and query) the upstream is asked for: after `stripPath`, then `ignorePath` or `prependPath`. */
function upstreamPath(
  url: string,
  route: string | undefined,
  basePath: string,
  options: Pick<ProxyOptions, "stripPath" | "prependPath" | "ignorePath">,
): string {
  const path = options.stripPath ? stripRoutePrefix(url, route) : url;
  if (options.ignorePath) return basePath || "/";
  return options.prependPath ? joinBasePath(basePath, path) : path;
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

/** The `proxy` policy. */
export const proxyPolicy = definePolicy<ProxyOptions>({
  name: "proxy",
  phase: "backend",
  description: "Forwards the request to a service, balancing across its instances.",
  schema: proxySchema,
  create(policyOptions, ctx) {
    const upstream = compileUpstream(policyOptions, ctx);
    const options = upstream.options;
    const timeouts = { headersTimeout: options.proxyTimeout, bodyTimeout: options.bodyTimeout };
    const basicAuth = options.auth !== undefined ? `Basic ${Buffer.from(options.auth).toString("base64")}` : undefined;

    return function proxy(req, res, next) {
      const state = res.locals.turnpike;
      const picked = upstream.pick();
      const target = picked.value;
      const path = upstreamPath(req.url, state.route, target.basePath, options);

      let headers = buildUpstreamHeaders(req.headers, forwardingFacts(req, state, options, target));
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
          body: hasRequestBody(req) ? (state.requestBody ?? req) : null,
          timeouts,
          onEnd: () => upstream.release(picked),
        },
        next,
      );
    };
  },
  explain(policyOptions, ctx) {
    const { options, instances } = compileUpstream(policyOptions, ctx);
    return (req, res) => {
      const route = res.locals.turnpike.route;
      const urls = instances.map((u) => u.origin + upstreamPath(req.url, route, u.basePath, options));
      const balanced = urls.length > 1 ? ` (${options.strategy} over ${urls.length}: ${urls.join(", ")})` : "";
      return {
        summary: `forwards to ${urls[0]!}${balanced}`,
        details: {
          upstreamUrls: urls,
          stripPath: options.stripPath,
          prependPath: options.prependPath,
          ignorePath: options.ignorePath,
          changeOrigin: options.changeOrigin,
          proxyTimeout: options.proxyTimeout,
        },
        outcome: "answer",
      };
    };
  },
});
