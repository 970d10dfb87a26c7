/**
 * The `cors` policy (Express Gateway's): Cross-Origin Resource Sharing headers from the `cors` package,
 * with Express Gateway's options and defaults, checked once at load.
 *
 * Beyond the package: origins written `/pattern/flags` are regular expressions (how Express Gateway's
 * `!!js/regexp` YAML values reach Turnpike), `credentials: true` with an origin that allows everyone is
 * refused, only a real preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered here, and
 * the gateway's answer on who may read a response is not overridden by the upstream's.
 */
import type { Request, Response } from "express";
import cors, { type CorsOptions as CorsPackageOptions } from "cors";
import { joinPath } from "../../config/schema-validator.js";
import { ConfigError, type ConfigProblem } from "../../errors.js";
import { observeMiddleware, outcomeExplanation } from "../../explain/observe-middleware.js";
import { definePolicy, type PolicyContext, type PolicyMiddleware } from "../../pipeline/define.js";

/** Options of the `cors` policy (Express Gateway's names and defaults). */
export interface CorsOptions {
  /** `"*"`, `true` (reflect any origin), `false` (CORS off), an origin, `/pattern/flags`, or a list of those strings. */
  origin: string | boolean | string[];
  methods: string | string[];
  allowedHeaders?: string | string[];
  exposedHeaders?: string | string[];
  credentials?: boolean;
  maxAge?: number;
  preflightContinue: boolean;
  optionsSuccessStatus: number;
}

const stringOrList = (description: string) => ({
  type: ["string", "array"],
  items: { type: "string" },
  description,
});

/** JSON Schema of the cors policy's options. */
export const corsSchema = {
  type: "object",
  properties: {
    origin: {
      type: ["string", "boolean", "array"],
      items: { type: "string" },
      default: "*",
      description:
        'Origins allowed to read responses (`Access-Control-Allow-Origin`): `"*"` (anyone, no credentials), `true` (reflect the request\'s origin), `false` (the policy does nothing), an origin such as `"https://app.example.com"`, a regular expression written `"/^https:\\/\\/[a-z]+\\.example\\.com$/"`, or a list of origins and expressions. A matching request gets its own origin back; any other gets no `Access-Control-Allow-Origin`.',
    },
    methods: {
      ...stringOrList("Methods allowed in preflights (`Access-Control-Allow-Methods`), as a list or a comma-separated string."),
      default: ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"],
    },
    allowedHeaders: stringOrList(
      "Request headers allowed in preflights (`Access-Control-Allow-Headers`). Default: the headers the preflight asks for.",
    ),
    exposedHeaders: stringOrList("Response headers scripts may read (`Access-Control-Expose-Headers`)."),
    credentials: {
      type: "boolean",
      description:
        "Send `Access-Control-Allow-Credentials: true` (cookies and HTTP authentication). Refused with an origin that allows everyone.",
    },
    maxAge: {
      type: "integer",
      minimum: -1,
      description: "Seconds browsers may cache a preflight answer (`Access-Control-Max-Age`); `-1` asks them not to. Default: not sent.",
    },
    preflightContinue: {
      type: "boolean",
      default: false,
      description: "Pass preflights on to the rest of the pipeline (with the CORS headers set) instead of answering them here.",
    },
    optionsSuccessStatus: {
      type: "integer",
      minimum: 200,
      maximum: 299,
      default: 204,
      description: "Status of the preflight answer (some legacy browsers need 200).",
    },
  },
} as const;

type CompiledOrigin = boolean | "*" | (string | RegExp)[];

const REGEX_FORM = /^\/(.+)\/([a-z]*)$/s;
// Two unrelated made-up origins: a pattern matching both accepts every origin.
const PROBE_ORIGINS = ["https://turnpike-probe.invalid", "http://198.51.100.7:8080"];

/**
 * Reads one configured origin string: `/pattern/flags` becomes a RegExp, anything else is an exact origin.
 * Express Gateway loaded YAML with js-yaml's full schema, so `!!js/regexp /x/` gave a RegExp; Turnpike's
 * YAML parser keeps the unknown tag's text, `/x/`, which is read back as the expression here.
 */
function compileOriginEntry(entry: string, path: string, ctx: PolicyContext, problems: ConfigProblem[]): string | RegExp | undefined {
  if (!entry.startsWith("/")) {
    if (entry !== "null" && !/^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]+$/i.test(entry)) {
      ctx.warn(
        `origin ${JSON.stringify(entry)} is not an origin (scheme://host[:port], no path or trailing slash): no browser sends it, so it never matches`,
      );
    }
    // Browsers send scheme and host in lower case; the package compares exactly.
    return entry.toLowerCase();
  }
  const m = REGEX_FORM.exec(entry);
  if (!m) {
    problems.push({
      path,
      message: `${JSON.stringify(entry)}: an origin starting with "/" must be a regular expression written /pattern/flags`,
    });
    return undefined;
  }
  // `g` and `y` make RegExp.test stateful (lastIndex), so one request's match would change the next one's.
  const flags = m[2]!.replace(/[gy]/g, "");
  try {
    const regex = new RegExp(m[1]!, flags);
    if (!m[1]!.startsWith("^") || !m[1]!.endsWith("$")) {
      ctx.warn(
        `origin ${entry} is not anchored at both ends, so it also matches origins that merely contain a match (e.g. a longer host); anchor it with ^ and $`,
      );
    }
    return regex;
  } catch (err) {
    problems.push({ path, message: `${JSON.stringify(entry)} is not a valid regular expression: ${(err as Error).message}` });
    return undefined;
  }
}

function compileOrigin(options: CorsOptions, ctx: PolicyContext): CompiledOrigin {
  const path = joinPath(ctx.path, "origin");
  const problems: ConfigProblem[] = [];
  const { origin } = options;
  let compiled: CompiledOrigin;
  if (typeof origin === "boolean" || origin === "*") {
    compiled = origin;
  } else {
    const entries = typeof origin === "string" ? [origin] : origin;
    compiled = [];
    entries.forEach((entry, i) => {
      const at = typeof origin === "string" ? path : joinPath(path, i);
      if (entry === "*" && typeof origin !== "string") {
        ctx.warn(`origin[${i}]: "*" inside a list is compared literally and never matches; use origin: "*" on its own`);
        return;
      }
      const one = compileOriginEntry(entry, at, ctx, problems);
      if (one !== undefined) (compiled as (string | RegExp)[]).push(one);
    });
  }
  if (options.credentials === true) {
    const allowsAll =
      compiled === "*" ||
      compiled === true ||
      (Array.isArray(compiled) && compiled.some((o) => o instanceof RegExp && PROBE_ORIGINS.every((p) => o.test(p))));
    if (allowsAll) {
      problems.push({
        path,
        message: `credentials: true with an origin that allows every site (${JSON.stringify(origin)}${origin === "*" ? ", also the default" : ""}) would let any web page make credentialed requests and read the answers; list the allowed origins instead`,
      });
    } else if (Array.isArray(compiled) && compiled.includes("null")) {
      ctx.warn('origin "null" with credentials: true lets sandboxed iframes and local files make credentialed requests');
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return compiled;
}

function warnAboutUnroutablePreflights(ctx: PolicyContext): void {
  for (const endpoint of ctx.apiEndpoints) {
    if (endpoint.methods !== undefined && !endpoint.methods.includes("OPTIONS")) {
      ctx.warn(
        `apiEndpoint ${JSON.stringify(endpoint.name)} lists methods without OPTIONS: preflight requests get 404 before this policy runs; add OPTIONS to its methods`,
      );
    }
  }
}

const DECIDING_HEADERS = ["access-control-allow-origin", "access-control-allow-credentials"];

/**
 * Makes the policy's answer survive the proxy, which relays upstream headers but never overrides one the
 * gateway set. `Vary` must be merged, not replaced: the upstream's `Vary: Accept-Encoding` matters to
 * caches as much as our `Origin`. And when the policy decided an origin may not read the response (no
 * `Access-Control-Allow-Origin`), an upstream's own `Access-Control-Allow-Origin: *` must not undo that.
 */
function keepCorsDecision(res: Response): void {
  const varyHeader = res.getHeader("vary");
  const ours =
    varyHeader === undefined
      ? []
      : String(varyHeader)
          .split(",")
          .map((t) => t.trim())
          .filter((t) => t !== "");
  if (varyHeader !== undefined) res.removeHeader("vary");
  const decided = DECIDING_HEADERS.filter((name) => res.hasHeader(name));
  const writeHead = res.writeHead;
  res.writeHead = function corsWriteHead(this: Response, ...args: unknown[]) {
    if (!this.headersSent) {
      for (const name of DECIDING_HEADERS) if (!decided.includes(name)) this.removeHeader(name);
      // Express's res.vary appends to the upstream's Vary without repeating a field (and keeps `*`).
      if (ours.length > 0) this.vary(ours.join(", "));
    }
    return (writeHead as (...a: unknown[]) => Response).apply(this, args);
  } as Response["writeHead"];
}

/** The `cors` policy. */
export const corsPolicy = definePolicy<CorsOptions>({
  name: "cors",
  phase: "access",
  description: "Answers CORS preflights and adds CORS headers to responses.",
  schema: corsSchema,
  create(options, ctx) {
    const origin = compileOrigin(options, ctx);
    if (origin === false) {
      ctx.warn("origin: false turns CORS off: the policy does nothing");
      return function corsOff(_req, _res, next) {
        next();
      };
    }
    if (!options.preflightContinue) warnAboutUnroutablePreflights(ctx);
    const packageOptions: CorsPackageOptions = {
      origin,
      methods: options.methods,
      allowedHeaders: options.allowedHeaders,
      exposedHeaders: options.exposedHeaders,
      credentials: options.credentials,
      maxAge: options.maxAge,
      preflightContinue: options.preflightContinue,
      optionsSuccessStatus: options.optionsSuccessStatus,
    };
    const handle = cors(packageOptions);
    return function corsPolicyMiddleware(req, res, next) {
      const proceed = (err?: unknown): void => {
        if (err !== undefined && err !== null) return next(err);
        keepCorsDecision(res);
        next();
      };
      // The package takes every OPTIONS for a preflight; an OPTIONS without Access-Control-Request-Method
      // is an ordinary request (e.g. asking an API for `Allow`) and goes on with the actual-response headers.
      if (req.method === "OPTIONS" && req.headers["access-control-request-method"] === undefined) {
        const asActual = Object.create(req, { method: { value: "GET" } }) as Request;
        return handle(asActual, res, proceed);
      }
      handle(req, res, proceed);
    };
  },
  explain(options, ctx) {
    const handle = this.create(options, ctx) as PolicyMiddleware;
    return async (req, res) => {
      const origin = req.headers.origin;
      const outcome = await observeMiddleware(handle, req, res);
      const allowed = res.getHeader("access-control-allow-origin");
      const summary =
        origin === undefined
          ? "no Origin header: not a CORS request"
          : `origin ${origin} ${allowed === undefined ? "not allowed (no Access-Control-Allow-Origin)" : `allowed (Access-Control-Allow-Origin: ${String(allowed)})`}`;
      return outcomeExplanation(summary, outcome, { origin: origin ?? null, allowOrigin: allowed === undefined ? null : String(allowed) });
    };
  },
});
