/**
 * The `proxy` policy's options: its JSON Schema (the one owner of what a proxy option is) and the
 * schema of a serviceEndpoint's `proxyOptions`, derived from it.
 */
import { DEFAULTS } from "../config/defaults.js";
import type { JsonSchema } from "../pipeline/define.js";
import type { BalancingStrategy } from "./balancer.js";

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

/** JSON Schema of a list of upstreams to balance across (the policy's and a serviceEndpoint's `urls`). */
export const upstreamListSchema = {
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
} as const;

/** JSON Schema of the proxy policy's options. */
export const proxySchema = {
  type: "object",
  properties: {
    serviceEndpoint: { type: "string", minLength: 1, description: "Name of the serviceEndpoint to forward to." },
    url: { type: "string", description: "Upstream URL, instead of a serviceEndpoint." },
    urls: {
      ...upstreamListSchema,
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

// Not proxy options on an endpoint: its own url/urls choose the upstream, so its proxyOptions cannot
// choose another; and a nested proxyOptions is meaningless there.
const NOT_ENDPOINT_OPTIONS = new Set(["serviceEndpoint", "url", "urls", "proxyOptions"]);

/**
 * JSON Schema of `serviceEndpoints.NAME.proxyOptions`: every proxy option but those that choose the
 * upstream, checked as the policy checks them. Without defaults: an option the endpoint does not set
 * must leave the policy's own value in place (the two are merged, the endpoint's winning).
 */
export const serviceProxyOptionsSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  description:
    "Options of the [`proxy`](#proxy) policy for every proxy to this endpoint, checked as on the policy; they override the policy's. Not `serviceEndpoint`, `url` or `urls`: the endpoint chooses the upstream.",
  properties: Object.fromEntries(
    Object.entries(proxySchema.properties)
      .filter(([name]) => !NOT_ENDPOINT_OPTIONS.has(name))
      .map(([name, property]) => {
        const { default: _default, ...withoutDefault } = property as Record<string, unknown>;
        return [name, withoutDefault];
      }),
  ),
};
