/**
 * Options of the `aggregate` policy: the calls (each to a serviceEndpoint or URL, with a templated
 * path), how their answers merge into one, and what a failed call does to the answer.
 */
import { proxySchema } from "@turnpike/core";

/** One upstream call of an aggregate. */
export interface AggregateCallOptions {
  serviceEndpoint?: string;
  url?: string;
  urls?: (string | { url: string; weight?: number })[];
  path: string;
  method: "GET" | "HEAD" | "OPTIONS" | "DELETE";
  headers?: Record<string, string>;
  timeout?: number;
  maxBodySize?: number | string;
}

/** What a failed call does: `partial` answers with `null` in its place, `fail` answers 502. */
export type OnPartialFailure = "partial" | "fail";

/** Options of the `aggregate` policy, after validation (defaults applied). */
export interface AggregateOptions {
  calls: Record<string, AggregateCallOptions>;
  merge?: "deep" | Record<string, string>;
  onPartialFailure: OnPartialFailure;
  forwardHeaders: string[];
  maxBodySize: number | string;
  serverTiming: boolean;
}

/** Call names: usable as `${calls.NAME...}` in templates and `$.NAME` in merge paths. */
export const CALL_NAME = "^[A-Za-z_][A-Za-z0-9_]*$";

/** Default size cap of one call's answer. */
export const DEFAULT_CALL_BODY_LIMIT = "1mb";

/** Client headers every call receives unless `forwardHeaders` says otherwise. */
export const DEFAULT_FORWARD_HEADERS = ["accept-language"];

const callSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    // Where a call goes: the proxy's own options, so both accept the same destinations.
    serviceEndpoint: proxySchema.properties.serviceEndpoint,
    url: proxySchema.properties.url,
    urls: proxySchema.properties.urls,
    path: {
      type: "string",
      default: "/",
      description:
        "Path and query on the upstream, a template compiled at load: `/users/${req.params.id}`, or `/profiles/${calls.user.body.profileId}` to use an earlier call's answer (the call then waits for it). Interpolated values are percent-encoded.",
    },
    method: {
      type: "string",
      enum: ["GET", "HEAD", "OPTIONS", "DELETE"],
      default: "GET",
      description: "Method of the call (calls carry no body).",
    },
    headers: {
      type: "object",
      additionalProperties: { type: "string" },
      description: "Headers to add to this call: name to template (`${consumer.id}`, `${calls.user.body.tenant}`).",
    },
    timeout: {
      type: "integer",
      minimum: 1,
      description: "Time (ms) the whole call may take; then it fails with 504 UPSTREAM_TIMEOUT. Default: the upstream's `proxyTimeout`.",
    },
    maxBodySize: {
      type: ["integer", "string"],
      minimum: 0,
      description:
        'Largest answer this call may return (bytes, or "512kb"); larger fails with UPSTREAM_RESPONSE_TOO_LARGE. Default: the policy\'s `maxBodySize`.',
    },
  },
};

/** JSON Schema of the `aggregate` options. */
export const aggregateSchema = {
  type: "object",
  properties: {
    calls: {
      type: "object",
      minProperties: 1,
      propertyNames: { pattern: CALL_NAME },
      additionalProperties: callSchema,
      description:
        "The upstream calls, by name. Independent calls run concurrently; a call whose templates read `calls.<name>` runs after that call. A cycle is refused at load.",
    },
    merge: {
      anyOf: [
        { type: "string", enum: ["deep"] },
        { type: "object", additionalProperties: { type: "string", pattern: "^\\$" } },
      ],
      description:
        "How the answers become one JSON object. Absent: each call's body under its name. `deep`: the bodies (objects) merged recursively in call order. A map: each key set from a path into the answers, `$.user` (a call's body), `$.orders.items`, `$.user.tags[0]`.",
    },
    onPartialFailure: {
      type: "string",
      enum: ["partial", "fail"],
      default: "partial",
      description:
        "`partial`: a failed call (error, timeout, non-2xx, non-JSON, too large) is `null` in the answer, named in the `x-turnpike-partial` header and in a `meta.failed` entry. `fail`: the answer is 502 AGGREGATE_CALL_FAILED naming the call.",
    },
    forwardHeaders: {
      type: "array",
      items: { type: "string", pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" },
      default: DEFAULT_FORWARD_HEADERS,
      description:
        "Client request headers copied to every call. The gateway always sends `x-request-id`, the consumer's `x-consumer-id`/`x-consumer-username` and `X-Forwarded-*`; the client's credentials (`authorization`, `cookie`) go only when listed here.",
    },
    serverTiming: {
      type: "boolean",
      default: false,
      description:
        "Add a `Server-Timing` header: `calls` (the slowest answered call) and `aggregate` (the whole step), in ms; their difference is the latency the aggregate adds.",
    },
    maxBodySize: {
      type: ["integer", "string"],
      minimum: 0,
      default: DEFAULT_CALL_BODY_LIMIT,
      description: 'Largest answer one call may return (bytes, or a string such as "512kb"), unless the call sets its own.',
    },
  },
  required: ["calls"],
} as const;
