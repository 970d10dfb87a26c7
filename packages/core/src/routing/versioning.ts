/**
 * API versions as one more dimension of routing (`versioning:` at the top level, `version:` on
 * apiEndpoints): the request's version is read from a path prefix (`/v1/...`, stripped before
 * forwarding unless the endpoint says `stripVersion: false`), a header or a query parameter; a request
 * without one goes to the default version. Deprecated versions announce it (`Deprecation`, RFC 9745;
 * `Sunset`, RFC 8594; a `Link` with `rel="deprecation"`), and after the sunset date may answer 410.
 */
import type { Request, Response } from "express";
import type { ApiEndpointConfig, VersioningConfig } from "../config/model.js";
import { GatewayError, isGatewayError } from "../errors.js";
import type { CanonicalTarget } from "./canonical-target.js";
import type { Matcher, RouteMatch } from "./compile-matcher.js";

/** The versioning rules of a snapshot. */
export interface CompiledVersioning {
  readonly by: VersioningConfig["by"];
  /** Lower-case header name, or the query parameter's name. */
  readonly name: string;
  readonly default: string | undefined;
  /** Every version some endpoint declares, in the order first declared. */
  readonly versions: readonly string[];
}

/** The version a request asks for, and the path to route it on. */
export interface RequestedVersion {
  /** The version (explicit, or the default). */
  readonly version: string;
  /** Whether the request named it (false: the default was used). */
  readonly explicit: boolean;
  /** The match path without the version prefix (by path), else the request's. */
  readonly matchPath: string;
  /** The version prefix (`/v1`) the path carried, for stripping before forwarding. */
  readonly prefix: string | undefined;
}

/** Compiles the versioning rules, or undefined when the configuration has none. */
export function compileVersioning(
  versioning: VersioningConfig | undefined,
  apiEndpoints: Readonly<Record<string, readonly ApiEndpointConfig[]>>,
): CompiledVersioning | undefined {
  if (versioning === undefined) return undefined;
  const versions: string[] = [];
  for (const rules of Object.values(apiEndpoints)) {
    for (const rule of rules) if (rule.version !== undefined && !versions.includes(rule.version)) versions.push(rule.version);
  }
  return {
    by: versioning.by,
    name: versioning.by === "header" ? versioning.name.toLowerCase() : versioning.name,
    default: versioning.default,
    versions,
  };
}

function firstSegment(path: string): { segment: string; rest: string } {
  const end = path.indexOf("/", 1);
  return end === -1 ? { segment: path.slice(1), rest: "/" } : { segment: path.slice(1, end), rest: path.slice(end) };
}

/**
 * Reads the version of a request.
 * @returns the version and the path to match, or a 400 when the request names none and there is no default.
 */
export function requestedVersion(req: Request, target: CanonicalTarget, versioning: CompiledVersioning): RequestedVersion | GatewayError {
  let named: string | undefined;
  let matchPath = target.matchPath;
  let prefix: string | undefined;
  if (versioning.by === "path") {
    const { segment, rest } = firstSegment(target.matchPath);
    if (versioning.versions.includes(segment)) {
      named = segment;
      matchPath = rest;
      prefix = `/${segment}`;
    }
  } else if (versioning.by === "header") {
    const value = req.headers[versioning.name];
    const text = Array.isArray(value) ? value[0] : value;
    if (text !== undefined && text.trim() !== "") named = text.trim();
  } else {
    const query = target.query.startsWith("?") ? target.query.slice(1) : target.query;
    const value = new URLSearchParams(query).get(versioning.name);
    if (value !== null && value !== "") named = value;
  }
  if (named !== undefined) return { version: named, explicit: true, matchPath, prefix };
  if (versioning.default === undefined) {
    const where =
      versioning.by === "path"
        ? "a path prefix"
        : versioning.by === "header"
          ? `the ${versioning.name} header`
          : `the ${versioning.name} query parameter`;
    return new GatewayError("VERSION_REQUIRED", `This API needs a version (${where}: ${versioning.versions.join(", ")})`);
  }
  return { version: versioning.default, explicit: false, matchPath, prefix };
}

/**
 * The 404 for a version the path does not exist in.
 * @param available the versions in which the path does exist
 */
export function unknownVersion(version: string, path: string, available: readonly string[]): GatewayError {
  const list = available.length > 0 ? `; versions of ${path}: ${available.join(", ")}` : "";
  return new GatewayError("UNKNOWN_VERSION", `Version ${JSON.stringify(version)} of ${path} does not exist${list}`);
}

/** The path to try when a by-path request's first segment was not a known version (`/v9/pets` → `v9`, `/pets`). */
export function guessedVersion(matchPath: string): { version: string; rest: string } | undefined {
  const { segment, rest } = firstSegment(matchPath);
  return /^v\d+(?:[._-]\d+)*$/i.test(segment) ? { version: segment, rest } : undefined;
}

/** An HTTP-date (RFC 9110 IMF-fixdate). */
function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/**
 * Adds the deprecation headers of a deprecated version, or answers 410 past its sunset when the
 * endpoint says `sunsetAction: gone`.
 * @returns the 410 to answer, or undefined
 */
export function announceDeprecation(endpoint: ApiEndpointConfig, res: Response, now: number): GatewayError | undefined {
  const deprecation = endpoint.deprecated;
  if (deprecation === undefined) return undefined;
  if (deprecation.sunset !== undefined && endpoint.sunsetAction === "gone" && now >= deprecation.sunset) {
    return new GatewayError(
      "VERSION_GONE",
      `Version ${endpoint.version ?? ""} of this API was retired on ${httpDate(deprecation.sunset)}`.replace("  ", " "),
      {
        headers: deprecation.link === undefined ? {} : { link: `<${deprecation.link}>; rel="deprecation"` },
      },
    );
  }
  // RFC 9745: a Structured Field Date, seconds since the epoch.
  res.setHeader("deprecation", `@${Math.floor((deprecation.since ?? 0) / 1000)}`);
  if (deprecation.sunset !== undefined) res.setHeader("sunset", httpDate(deprecation.sunset));
  if (deprecation.link !== undefined) res.appendHeader("link", `<${deprecation.link}>; rel="deprecation"; type="text/html"`);
  return undefined;
}

/** A versioned lookup: the match, the version, and the path to forward. */
export interface VersionedMatch<T> {
  readonly match: RouteMatch<T>;
  readonly version: string;
  /** The path policies and the upstream see (without the version prefix, unless the endpoint keeps it). */
  readonly path: string;
}

/**
 * Routes a request of a versioned configuration: reads its version, matches in that version, and
 * explains a miss when the path exists in other versions.
 * @returns the match, a GatewayError to answer (400 without a version and a default, 404 listing the
 *   versions of the path), or undefined for an ordinary 404
 */
export function matchVersioned<T>(
  matcher: Matcher<T>,
  versioning: CompiledVersioning,
  req: Request,
  host: string,
  target: CanonicalTarget,
): VersionedMatch<T> | GatewayError | undefined {
  const requested = requestedVersion(req, target, versioning);
  if (isGatewayError(requested)) return requested;
  const match = matcher.match(host, req.method, requested.matchPath, requested.version);
  if (match !== undefined) {
    let path = target.path;
    if (requested.prefix !== undefined && match.endpoint.version !== undefined && match.endpoint.stripVersion !== false) {
      const end = target.path.indexOf("/", 1);
      path = end === -1 ? "/" : target.path.slice(end);
    }
    return { match, version: requested.version, path };
  }
  const inVersions = (path: string): string[] => versioning.versions.filter((v) => matcher.match(host, req.method, path, v) !== undefined);
  if (requested.explicit) {
    const available = inVersions(requested.matchPath);
    if (available.length > 0 || !versioning.versions.includes(requested.version))
      return unknownVersion(requested.version, requested.matchPath, available);
    return undefined;
  }
  // `/v9/pets` by path: v9 is no known version, so the whole path was matched in the default version.
  const guess = versioning.by === "path" ? guessedVersion(target.matchPath) : undefined;
  if (guess !== undefined) {
    const available = inVersions(guess.rest);
    if (available.length > 0) return unknownVersion(guess.version, guess.rest, available);
  }
  return undefined;
}
