/**
 * Compiles every apiEndpoint rule of every pipeline, and every operation of OpenAPI-defined endpoints,
 * into one matcher, so a request finds its pipeline in one lookup instead of walking a chain of routers.
 *
 * Precedence is the configuration's order: pipelines in order, then each pipeline's apiEndpoints in
 * order, then each endpoint's rules and paths (or operations) in order; the first rule matching host,
 * path and method wins. An OpenAPI endpoint's operations are ordered literal segments first, so
 * `/pets/mine` wins over `/pets/{petId}` as the specification says.
 *
 * Rules are indexed in a tree of path segments (literal segments by name, whole-segment parameters on
 * one branch), so a lookup walks the request's segments and tests only the rules on that walk: its cost
 * depends on the path's depth, not on the number of rules. A rule is indexed down to its last plain
 * segment; what follows (a wildcard, an optional or partial-segment parameter, a regex) is tested with
 * the rule's own regex on the candidates the walk found.
 *
 * Path syntax of `paths` (Express 4's, which Express Gateway configs were written for): `/users` (also
 * matches `/users/`), `/users/*` (anything below `/users/`), `/*` (everything), `/users/:id` and
 * `/users/:id?`. OpenAPI templates: `/pets/{petId}`, `/files/{name}.{ext}`, `/raw/{+path}`. Matching is
 * case-insensitive, like Express's default.
 */
import type { ApiEndpointConfig } from "../config/model.js";
import type { ApiOperation } from "../openapi/api-description.js";
import { parsePathTemplate } from "../openapi/path-template.js";

/** A rule with what it routes to. */
export interface RouteEntry<T> {
  readonly endpoint: ApiEndpointConfig;
  readonly target: T;
}

/** Result of a successful match. */
export interface RouteMatch<T> {
  readonly endpoint: ApiEndpointConfig;
  readonly target: T;
  /** The path pattern that matched (undefined for `pathRegex` rules); for an operation, its route template. */
  readonly route: string | undefined;
  readonly params: Record<string, string>;
  /** The OpenAPI operation that matched, for endpoints defined by a document. */
  readonly operation?: ApiOperation;
}

/** A rule that did not route a request, and what about the request it refused. */
export interface RouteCandidate<T> {
  readonly endpoint: ApiEndpointConfig;
  readonly target: T;
  /** The path pattern (or operation route); undefined for `pathRegex` rules. */
  readonly pattern: string | undefined;
  /** What differs: the host, the path, the method and/or the API version. */
  readonly mismatches: readonly ("host" | "path" | "method" | "version")[];
}

/** Finds the route for a request. */
export interface Matcher<T> {
  /**
   * @param host normalised host (see `normalizeHost`)
   * @param method upper-case method
   * @param matchPath canonical match path (see `canonicalizeTarget`)
   * @param version the API version requested (with `versioning`): endpoints of another version do not
   *   match; endpoints without a version match every request
   */
  match(host: string, method: string, matchPath: string, version?: string): RouteMatch<T> | undefined;
  /**
   * The rules nearest to a request (arguments as {@link match}): fewest differences first, then the
   * longest shared path prefix, then configuration order; at most `limit`. For explaining a miss, never
   * used on the request path (it tests every rule).
   */
  nearest(host: string, method: string, matchPath: string, version?: string, limit?: number): RouteCandidate<T>[];
}

type HostTest = ((host: string) => boolean) | undefined;

interface CompiledRoute<T> {
  readonly order: number;
  readonly entry: RouteEntry<T>;
  readonly pattern: string | undefined;
  readonly host: HostTest;
  readonly methods: ReadonlySet<string> | undefined;
  /** Reached through literal segments only and ends there: the walk itself proved the match. */
  readonly exactLiteral: boolean;
  readonly regex: RegExp | undefined;
  readonly paramNames: readonly string[];
  readonly matchAll: boolean;
  readonly operation: ApiOperation | undefined;
  readonly version: string | undefined;
}

/** One node of the segment tree. */
interface SegmentNode<T> {
  literal: Map<string, SegmentNode<T>> | undefined;
  param: SegmentNode<T> | undefined;
  /** Rules whose indexed segments end here and that match only paths ending here. */
  exact: CompiledRoute<T>[];
  /** Rules whose indexed segments end here and that may match longer paths (tested by regex). */
  prefix: CompiledRoute<T>[];
}

/** An indexed segment: a literal (lower-case) or a whole-segment parameter. */
type IndexKey = { literal: string } | "param";

const EMPTY_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

function newNode<T>(): SegmentNode<T> {
  return { literal: undefined, param: undefined, exact: [], prefix: [] };
}

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

/**
 * The indexable head of an Express path: its plain segments (literal, or `:name` filling a whole
 * segment), and whether the path ends there (`exact`) or goes on with something only its regex decides.
 */
function expressIndex(path: string): { keys: IndexKey[]; exact: boolean } {
  if (path === "/*" || path === "*") return { keys: [], exact: false };
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  const texts = trimmed === "/" ? [] : trimmed.slice(1).split("/");
  const keys: IndexKey[] = [];
  for (const text of texts) {
    if (/^:[A-Za-z_][A-Za-z0-9_]*$/.test(text)) keys.push("param");
    else if (!/[*:]/.test(text)) keys.push({ literal: text.toLowerCase() });
    else return { keys, exact: false };
  }
  return { keys, exact: true };
}

/** The indexable head of an OpenAPI route template (see {@link expressIndex}). */
function templateIndex(route: string): { keys: IndexKey[]; exact: boolean; regex: RegExp; names: readonly string[] } {
  const template = parsePathTemplate(route);
  // Templates were checked when the document was loaded.
  if (typeof template === "string") throw new Error(`${route}: ${template}`);
  const keys: IndexKey[] = [];
  let exact = true;
  for (const segment of template.segments) {
    if (segment.kind === "literal") keys.push({ literal: segment.text.toLowerCase() });
    else if (segment.kind === "param") keys.push("param");
    else {
      exact = false;
      break;
    }
  }
  return { keys, exact, regex: template.regex, names: template.names };
}

function decodeParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function methodSet(methods: readonly string[] | undefined): ReadonlySet<string> | undefined {
  if (methods === undefined) return undefined;
  // As in Express, a GET route also answers HEAD.
  return new Set(methods.includes("GET") ? [...methods, "HEAD"] : methods);
}

/** Compiles route entries (in precedence order) into a {@link Matcher}. */
export function compileMatcher<T>(entries: readonly RouteEntry<T>[]): Matcher<T> {
  const root = newNode<T>();
  const all: CompiledRoute<T>[] = [];
  let order = 0;

  const insert = (keys: readonly IndexKey[], exact: boolean, route: CompiledRoute<T>): void => {
    let node = root;
    for (const key of keys) {
      if (key === "param") node = node.param ??= newNode();
      else {
        node.literal ??= new Map();
        let next = node.literal.get(key.literal);
        if (next === undefined) node.literal.set(key.literal, (next = newNode()));
        node = next;
      }
    }
    (exact ? node.exact : node.prefix).push(route);
    all.push(route);
  };

  for (const entry of entries) {
    const { endpoint } = entry;
    const host = compileHost(endpoint);
    if (endpoint.api !== undefined) {
      for (const operation of endpoint.api.operations) {
        const index = templateIndex(operation.route);
        const route: CompiledRoute<T> = {
          order: order++,
          entry,
          pattern: operation.route,
          host,
          methods: new Set(operation.methods),
          exactLiteral: index.exact && index.keys.every((k) => k !== "param"),
          regex: index.regex,
          paramNames: index.names,
          matchAll: false,
          operation,
          version: endpoint.version,
        };
        insert(index.keys, index.exact, route);
      }
      continue;
    }
    const methods = methodSet(endpoint.methods);
    if (endpoint.pathRegex !== undefined) {
      const route: CompiledRoute<T> = {
        order: order++,
        entry,
        pattern: undefined,
        host,
        methods,
        exactLiteral: false,
        regex: new RegExp(endpoint.pathRegex),
        paramNames: [],
        matchAll: false,
        operation: undefined,
        version: endpoint.version,
      };
      insert([], false, route);
      continue;
    }
    for (const path of endpoint.paths) {
      const compiled = compilePath(path);
      const index = expressIndex(path);
      const route: CompiledRoute<T> = {
        order: order++,
        entry,
        pattern: path,
        host,
        methods,
        exactLiteral: compiled.literal !== undefined,
        regex: compiled.regex,
        paramNames: compiled.paramNames,
        matchAll: compiled.matchAll,
        operation: undefined,
        version: endpoint.version,
      };
      insert(index.keys, index.exact, route);
    }
  }

  const paramsOf = (route: CompiledRoute<T>, matchPath: string): Record<string, string> | undefined => {
    if (route.matchAll || route.exactLiteral) return EMPTY_PARAMS;
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
    match(host, method, matchPath, version) {
      const lowerPath = matchPath.toLowerCase();
      const end = lowerPath.length;
      let best: CompiledRoute<T> | undefined;
      let bestParams: Record<string, string> | undefined;
      const consider = (routes: readonly CompiledRoute<T>[]): void => {
        for (const route of routes) {
          // Each list is in precedence order: nothing after a better candidate can win.
          if (best !== undefined && route.order >= best.order) return;
          if (route.methods !== undefined && !route.methods.has(method)) continue;
          if (route.version !== undefined && route.version !== version) continue;
          if (route.host !== undefined && !route.host(host)) continue;
          const params = paramsOf(route, matchPath);
          if (params === undefined) continue;
          best = route;
          bestParams = params;
          return;
        }
      };
      // Depth-first walk; a segment can follow both its literal branch and the parameter branch.
      const walk = (node: SegmentNode<T>, position: number): void => {
        if (node.prefix.length > 0) consider(node.prefix);
        if (position >= end) {
          if (node.exact.length > 0) consider(node.exact);
          return;
        }
        let next = lowerPath.indexOf("/", position);
        if (next === -1) next = end;
        if (node.literal !== undefined) {
          const child = node.literal.get(lowerPath.slice(position, next));
          if (child !== undefined) walk(child, next + 1);
        }
        if (node.param !== undefined && next > position) walk(node.param, next + 1);
      };
      walk(root, 1);
      if (best === undefined) return undefined;
      const found: CompiledRoute<T> = best;
      const match: RouteMatch<T> = {
        endpoint: found.entry.endpoint,
        target: found.entry.target,
        route: found.pattern,
        params: bestParams!,
      };
      return found.operation === undefined ? match : { ...match, operation: found.operation };
    },

    nearest(host, method, matchPath, version, limit = 3) {
      const lowerPath = matchPath.toLowerCase();
      const trimmed = (p: string): string => (p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p);
      const pathMatches = (route: CompiledRoute<T>): boolean => {
        if (route.matchAll) return true;
        // An exact literal rule has no regex: the tree walk compares it; here, compare the text.
        if (route.exactLiteral) return trimmed(route.pattern!.toLowerCase()) === trimmed(lowerPath);
        return route.regex!.test(matchPath);
      };
      const shared = (pattern: string | undefined): number => {
        if (pattern === undefined) return 0;
        const p = pattern.toLowerCase();
        let i = 0;
        while (i < p.length && i < lowerPath.length && p[i] === lowerPath[i]) i++;
        return i;
      };
      return all
        .map((route) => {
          const mismatches: ("host" | "path" | "method" | "version")[] = [];
          if (route.host !== undefined && !route.host(host)) mismatches.push("host");
          if (!pathMatches(route)) mismatches.push("path");
          if (route.methods !== undefined && !route.methods.has(method)) mismatches.push("method");
          if (route.version !== undefined && route.version !== version) mismatches.push("version");
          return { route, mismatches, shared: mismatches.includes("path") ? shared(route.pattern) : Infinity };
        })
        .sort((a, b) => a.mismatches.length - b.mismatches.length || b.shared - a.shared || a.route.order - b.route.order)
        .slice(0, limit)
        .map(({ route, mismatches }) => ({
          endpoint: route.entry.endpoint,
          target: route.entry.target,
          pattern: route.pattern,
          mismatches,
        }));
    },
  };
}
