/**
 * What a purge designates: everything, every entry under a path prefix, or one resource (path and
 * query, every variant of it), optionally on one host only.
 */
import { GatewayError } from "@turnpike/core";
import type { KeyFields } from "../key/cache-key.js";
import { sortQuery } from "../key/cache-key.js";

/** A parsed purge request. */
export type PurgeSelector =
  | { readonly kind: "all" }
  | { readonly kind: "prefix"; readonly prefix: string; readonly host: string | undefined }
  | { readonly kind: "key"; readonly target: string; readonly host: string | undefined };

function hostWithoutPort(host: string): string {
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  const colon = host.lastIndexOf(":");
  return colon === -1 ? host : host.slice(0, colon);
}

function hostMatches(keyHost: string, wanted: string | undefined): boolean {
  if (wanted === undefined) return true;
  // A host given without a port matches that host on any port.
  return keyHost === wanted || (hostWithoutPort(wanted) === wanted && hostWithoutPort(keyHost) === wanted);
}

function normalizeTarget(target: string): string {
  const q = target.indexOf("?");
  return q === -1 ? target : target.slice(0, q) + sortQuery(target.slice(q));
}

/** True when the entry (or descriptor) with these key fields is designated by `selector`. */
export function selects(selector: PurgeSelector, fields: KeyFields): boolean {
  switch (selector.kind) {
    case "all":
      return true;
    case "prefix":
      return hostMatches(fields.host, selector.host) && fields.target.startsWith(selector.prefix);
    case "key":
      // Stored keys may have their query sorted (sortQuery): compare both sides sorted.
      return (
        hostMatches(fields.host, selector.host) &&
        (fields.target === selector.target || normalizeTarget(fields.target) === normalizeTarget(selector.target))
      );
  }
}

function text(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  throw new GatewayError("VALIDATION_FAILED", `${name} must be a string`);
}

/**
 * Reads a selector from a JSON body and/or query parameters: `{"all": true}`, `{"prefix": "/users/"}`
 * or `{"key": "/users/42?x=1"}` (also `"api.example.com/users/42"`), each optionally with `"host"`.
 * @throws GatewayError VALIDATION_FAILED (400) unless exactly one of all, prefix and key is given.
 */
export function parseSelector(body: unknown, query: Record<string, unknown>): PurgeSelector {
  const source: Record<string, unknown> = {
    ...query,
    ...(typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {}),
  };
  const all = source.all === true || source.all === "true";
  if (source.all !== undefined && !all && source.all !== false && source.all !== "false")
    throw new GatewayError("VALIDATION_FAILED", "all must be true or false");
  const prefix = text(source.prefix, "prefix");
  const key = text(source.key, "key");
  let host = text(source.host, "host")?.toLowerCase();
  const given = [all, prefix !== undefined, key !== undefined].filter(Boolean).length;
  if (given !== 1)
    throw new GatewayError(
      "VALIDATION_FAILED",
      'give exactly one of "all": true, "prefix" (a path prefix) or "key" (a path and query, optionally preceded by a host)',
    );
  if (all) {
    if (host !== undefined) throw new GatewayError("VALIDATION_FAILED", "host cannot be combined with all");
    return { kind: "all" };
  }
  if (prefix !== undefined) {
    if (!prefix.startsWith("/")) throw new GatewayError("VALIDATION_FAILED", "prefix must start with /");
    return { kind: "prefix", prefix, host };
  }
  let target = key!;
  if (!target.startsWith("/")) {
    const slash = target.indexOf("/");
    if (slash <= 0)
      throw new GatewayError(
        "VALIDATION_FAILED",
        "key must be a path (/users/42?x=1), optionally preceded by a host (api.example.com/users/42)",
      );
    const keyHost = target.slice(0, slash).toLowerCase();
    if (host !== undefined && host !== keyHost) throw new GatewayError("VALIDATION_FAILED", "host and the host in key differ");
    host = keyHost;
    target = target.slice(slash);
  }
  return { kind: "key", target, host };
}
