/**
 * Compiles every apiEndpoint rule of every pipeline into one matcher, so a request finds its pipeline in
 * one lookup instead of walking a chain of routers.
 *
 * Precedence is the configuration's order: pipelines in order, then each pipeline's apiEndpoints in
 * order, then each endpoint's rules and paths in order; the first rule matching host, path and method
 * wins. Rules are indexed by their first literal path segment, so a lookup only tests the rules that can
 * match plus those starting with a wildcard or parameter.
 *
 * Path syntax (Express 4's, which Express Gateway configs were written for): `/users` (also matches
 * `/users/`), `/users/*` (anything below `/users/`), `/*` (everything), `/users/:id` and `/users/:id?`.
 * Matching is case-insensitive, like Express's default.
 */
import type { ApiEndpointConfig } from "../config/model.js";

/** A rule with what it routes to. */
export interface RouteEntry<T> {
  readonly endpoint: ApiEndpointConfig;
  readonly target: T;
}

/** Result of a successful match. */
export interface RouteMatch<T> {
  readonly endpoint: ApiEndpointConfig;
  readonly target: T;
  /** The path pattern that matched (undefined for `pathRegex` rules). */
  readonly route: string | undefined;
  readonly params: Record<string, string>;
}

/** Finds the route for a request. */
export interface Matcher<T> {
  /**
   * @param host normalised host (see `normalizeHost`)
   * @param method upper-case method
   * @param matchPath canonical match path (see `canonicalizeTarget`)
   */
  match(host: string, method: string, matchPath: string): RouteMatch<T> | undefined;
}

type HostTest = ((host: string) => boolean) | undefined;

interface CompiledRoute<T> {
  readonly order: number;
  readonly entry: RouteEntry<T>;
  readonly pattern: string | undefined;
  readonly host: HostTest;
  readonly methods: ReadonlySet<string> | undefined;
  /** Lower-case literal path (exact rules), compared without a regex. */
  readonly literal: string | undefined;
  readonly regex: RegExp | undefined;
  readonly paramNames: readonly string[];
  readonly matchAll: boolean;
}

const EMPTY_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

function compileHost(endpoint: ApiEndpointConfig): HostTest {
  if (endpoint.hostRegex !== undefined) {
    const re = new RegExp(endpoint.hostRegex, "i");
    return (host) => re.test(host);
  }
  const pattern = endpoint.host?.toLowerCase().replace(/\.$/, "");
  if (pattern === undefined || pattern === "*") return undefined;
  if (pattern.startsWith("*.")) {
    const suffix = pattern.slice(1); // ".example.com"
    // Exactly one more label: "a.example.com" matches, "example.com" and "a.b.example.com" do not.
    return (host) => host.length > suffix.length && host.endsWith(suffix) && !host.slice(0, -suffix.length).includes(".");
  }
  return (host) => host === pattern;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Compiles an Express 4 style path into a regex (or a literal when it has no wildcard or parameter). */
export function compilePath(path: string): { literal?: string; regex?: RegExp; paramNames: string[]; matchAll: boolean } {
  if (path === "/*" || path === "*") return { paramNames: [], matchAll: true };
  if (!/[*:]/.test(path)) {
    const literal = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
    return { literal: literal.toLowerCase(), paramNames: [], matchAll: false };
  }
  const paramNames: string[] = [];
  let source = "";
  const tokens = path.split(/(\/:[A-Za-z_][A-Za-z0-9_]*\??|\*)/);
  for (const token of tokens) {
    if (token === "*") {
      source += "(.*)";
      paramNames.push(String(paramNames.filter((n) => /^\d+$/.test(n)).length));
    } else if (token.startsWith("/:")) {
      const optional = token.endsWith("?");
      const name = token.slice(2, optional ? -1 : undefined);
      paramNames.push(name);
      source += optional ? "(?:/([^/]+?))?" : "/([^/]+?)";
    } else {
      source += escapeRegex(token);
    }
  }
  // Non-strict like Express: an optional trailing slash.
  return { regex: new RegExp(`^${source.replace(/\/$/, "")}/?$`, "i"), paramNames, matchAll: false };
}

function firstSegment(path: string): string | undefined {
  const end = path.indexOf("/", 1);
  const segment = end === -1 ? path.slice(1) : path.slice(1, end);
  return segment;
}

function decodeParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Compiles route entries (in precedence order) into a {@link Matcher}. */
export function compileMatcher<T>(entries: readonly RouteEntry<T>[]): Matcher<T> {
  const byFirstSegment = new Map<string, CompiledRoute<T>[]>();
  const unindexed: CompiledRoute<T>[] = [];
  let order = 0;

  for (const entry of entries) {
    const { endpoint } = entry;
    const host = compileHost(endpoint);
    // As in Express, a GET route also answers HEAD.
    const methods = endpoint.methods
      ? new Set(endpoint.methods.includes("GET") ? [...endpoint.methods, "HEAD"] : endpoint.methods)
      : undefined;
    const patterns =
      endpoint.pathRegex !== undefined
        ? [{ regex: new RegExp(endpoint.pathRegex), paramNames: [] as string[], matchAll: false, literal: undefined, source: undefined }]
        : endpoint.paths.map((p) => ({ literal: undefined, regex: undefined, ...compilePath(p), source: p as string | undefined }));
    for (const pattern of patterns) {
      const route: CompiledRoute<T> = {
        order: order++,
        entry,
        pattern: pattern.source,
        host,
        methods,
        literal: pattern.literal,
        regex: pattern.regex,
        paramNames: pattern.paramNames,
        matchAll: pattern.matchAll,
      };
      // Index by the first segment when it is literal; everything else is tested for every request.
      const first = pattern.source !== undefined ? firstSegment(pattern.source.toLowerCase()) : undefined;
      if (first !== undefined && first !== "" && !/[*:]/.test(first)) {
        const list = byFirstSegment.get(first) ?? [];
        list.push(route);
        byFirstSegment.set(first, list);
      } else {
        unindexed.push(route);
      }
    }
  }

  const test = (route: CompiledRoute<T>, host: string, lowerPath: string, matchPath: string): Record<string, string> | undefined => {
    if (route.host !== undefined && !route.host(host)) return undefined;
    if (route.matchAll) return EMPTY_PARAMS;
    if (route.literal !== undefined) {
      const path = lowerPath.length > 1 && lowerPath.endsWith("/") ? lowerPath.slice(0, -1) : lowerPath;
      return path === route.literal ? EMPTY_PARAMS : undefined;
    }
    const m = route.regex!.exec(matchPath);
    if (!m) return undefined;
    if (route.paramNames.length === 0) return EMPTY_PARAMS;
    const params: Record<string, string> = {};
    for (let i = 0; i < route.paramNames.length; i++) {
      const value = m[i + 1];
      if (value !== undefined) params[route.paramNames[i]!] = decodeParam(value);
    }
    return params;
  };

  return {
    match(host, method, matchPath) {
      const lowerPath = matchPath.toLowerCase();
      const indexed = byFirstSegment.size > 0 ? byFirstSegment.get(firstSegment(lowerPath) ?? "") : undefined;
      // Walk both lists in precedence order (each is already sorted).
      let i = 0;
      let j = 0;
      const a = indexed ?? [];
      const b = unindexed;
      while (i < a.length || j < b.length) {
        const route = j >= b.length || (i < a.length && a[i]!.order < b[j]!.order) ? a[i++]! : b[j++]!;
        if (route.methods !== undefined && !route.methods.has(method)) continue;
        const params = test(route, host, lowerPath, matchPath);
        if (params !== undefined) return { endpoint: route.entry.endpoint, target: route.entry.target, route: route.pattern, params };
      }
      return undefined;
    },
  };
}
