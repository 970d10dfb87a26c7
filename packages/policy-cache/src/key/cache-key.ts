/**
 * Cache keys. A key has two parts:
 *
 * - the primary key, known from the request alone: method, pipeline, protocol, the Host header
 *   (lower-cased but with its port: the upstream sees it in X-Forwarded-Host, so a different port must
 *   never share an entry), the X-Forwarded-Host of a trusted peer (which reaches the upstream), and the
 *   path and query as forwarded (`req.url`: the canonical path unless a policy rewrote it);
 * - a variant suffix, from the resource's {@link Descriptor}: the values of the request headers the
 *   response varies on, and the audience (a consumer, or a hash of unverified credentials) unless the
 *   response was explicitly shareable.
 *
 * Fields are separated by `\n`, which no header value, path or query can contain, so no request can
 * produce another request's key. The suffix is a SHA-256 hash: keys stay short and never hold a secret.
 */
import type { Request } from "express";
import type { IncomingHttpHeaders } from "node:http";
import { hash } from "node:crypto";
import type { RequestState } from "@turnpike/core";
import type { Descriptor } from "./descriptor.js";

/** The method every key uses: HEAD is answered from GET entries, and only GET responses are stored. */
const KEY_METHOD = "GET";

/** Sorts query parameters by name, keeping the order of repeated names (which upstreams may read). */
export function sortQuery(query: string): string {
  if (query.length <= 1) return "";
  const params = query.slice(1).split("&");
  if (params.length === 1) return query;
  const named = params.map((param, index) => {
    const eq = param.indexOf("=");
    return { name: eq === -1 ? param : param.slice(0, eq), param, index };
  });
  named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.index - b.index));
  return `?${named.map((p) => p.param).join("&")}`;
}

function lowerFirst(value: string | string[] | undefined): string {
  if (value === undefined) return "";
  return (typeof value === "string" ? value : (value[0] ?? "")).toLowerCase();
}

/** Builds the primary key of a request. */
export function primaryKey(req: Request, state: RequestState, sortParams: boolean): string {
  const url = req.url;
  let target = url;
  if (sortParams) {
    const q = url.indexOf("?");
    if (q !== -1) target = url.slice(0, q) + sortQuery(url.slice(q));
  }
  const forwardedHost = state.peerTrusted ? lowerFirst(req.headers["x-forwarded-host"]) : "";
  return `${KEY_METHOD}\n${state.pipeline}\n${state.protocol}\n${lowerFirst(req.headers.host)}\n${forwardedHost}\n${target}`;
}

/** The fields of a key, for purging. */
export interface KeyFields {
  readonly pipeline: string;
  readonly protocol: string;
  readonly host: string;
  /** Path and query. */
  readonly target: string;
}

/** Splits a key (primary or full) back into its fields; undefined when it is not a cache key. */
export function parseKey(key: string): KeyFields | undefined {
  const fields = key.split("\n");
  if (fields.length < 6 || fields[0] !== KEY_METHOD) return undefined;
  return { pipeline: fields[1]!, protocol: fields[2]!, host: fields[3]!, target: fields[5]! };
}

/** Credentials the gateway did not verify, as one string (undefined when the request carries none). */
export function unverifiedCredentials(req: Request, headerNames: readonly string[]): string | undefined {
  let out: string | undefined;
  for (let i = 0; i < headerNames.length; i++) {
    const name = headerNames[i]!;
    const value = req.headers[name];
    if (value !== undefined) out = `${out ?? ""}${name}:${typeof value === "string" ? value : value.join("\n")}\n`;
  }
  return out;
}

// Hashing is the one costly step of a variant key; the same audiences come back request after request.
const digests = new Map<string, string>();
const MAX_DIGESTS = 4096;

function digest(text: string): string {
  let d = digests.get(text);
  if (d === undefined) {
    d = hash("sha256", text, "base64url");
    if (digests.size >= MAX_DIGESTS) digests.clear();
    digests.set(text, d);
  }
  return d;
}

/**
 * The value a vary header has for this request, as the upstream sees it: the headers the gateway
 * itself sets upstream are taken from the gateway's decisions, not from what the client sent.
 */
function varyValue(name: string, headers: IncomingHttpHeaders, state: RequestState): string {
  switch (name) {
    case "x-consumer-id":
      return `=${state.consumer?.id ?? ""}`;
    case "x-consumer-username":
      return `=${state.consumer?.username ?? ""}`;
    case "x-forwarded-host":
    case "x-forwarded-proto":
    case "host":
      return ""; // already in the primary key
    case "x-forwarded-for":
    case "x-real-ip":
    case "forwarded":
      return `=${state.clientIp}`;
    default: {
      const value = headers[name];
      // Absent and empty are different requests.
      return value === undefined ? "" : `=${typeof value === "string" ? value.trim() : value.join(", ")}`;
    }
  }
}

/** Who may share an entry: "" for everyone, else a consumer or a set of unverified credentials. */
export function audienceOf(state: RequestState, credentials: string | undefined, descriptor: Descriptor): string {
  const consumer = state.consumer;
  if (consumer !== undefined) return descriptor.consumerShared ? "" : `c:${consumer.id}`;
  if (credentials !== undefined) return descriptor.credentialShared ? "" : `a:${credentials}`;
  return "";
}

/**
 * The full key of a request under `descriptor`.
 * @param headers the request headers as the cache policy saw them (later policies may change them)
 */
export function variantKey(
  primary: string,
  descriptor: Descriptor,
  headers: IncomingHttpHeaders,
  state: RequestState,
  audience: string,
): string {
  const vary = descriptor.vary;
  if (vary.length === 0) return audience === "" ? primary : `${primary}\n${digest(audience)}`;
  let text = audience;
  for (let i = 0; i < vary.length; i++) text += `\n${vary[i]}${varyValue(vary[i]!, headers, state)}`;
  return `${primary}\n${digest(text)}`;
}
