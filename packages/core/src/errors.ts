/**
 * The one table of errors Turnpike produces on the wire, and the error types used at load time.
 *
 * Every error answered to a client is a {@link GatewayError} carrying a code from {@link ERROR_CODES};
 * the default error handler renders it as `{"error": {"status", "code", "message"}}` and never includes
 * a stack trace or the `cause`. Load-time problems (bad config, a plugin that cannot load) are
 * {@link ConfigError}s listing every problem with its path in the configuration file.
 */

/** One row of {@link ERROR_CODES}. */
export interface ErrorCodeEntry {
  /** HTTP status sent to the client. */
  readonly status: number;
  /** Message of the JSON body when the code that raises the error gives none. */
  readonly message: string;
  /** When the gateway answers with this code (rendered in `docs/errors.md`). */
  readonly when: string;
}

/**
 * Every error code a client can receive from the gateway itself, with its status, default message and
 * when it happens. `docs/errors.md` is generated from this table (`npm run docs`; `npm test` checks it is
 * current), and a test checks that every code the packages raise is here.
 */
export const ERROR_CODES = {
  BAD_REQUEST: {
    status: 400,
    message: "Bad request",
    when:
      "The request is malformed: Node's HTTP parser refused it (bad syntax, ambiguous framing), an HTTP/1.1 request has no Host " +
      "or several, or a policy could not read or parse its body (invalid JSON, nested deeper than `maxBodyDepth`). Errors from " +
      "Express middleware with a 4xx status keep that status.",
  },
  VALIDATION_FAILED: {
    status: 400,
    message: "The request body is not valid",
    when: "An admin API request (body or query) breaks the resource's rules; the message lists every problem with its path.",
  },
  REQUEST_VALIDATION_FAILED: {
    status: 400,
    message: "The request does not match the API description",
    when:
      "`openapi-validate` found the request's parameters or body outside its OpenAPI operation; the message lists every problem " +
      "with its location.",
  },
  VERSION_REQUIRED: {
    status: 400,
    message: "This API needs a version",
    when: "`versioning` has no `default` and the request names no version (path prefix, header or query parameter, as configured).",
  },
  BAD_PATH_ENCODING: {
    status: 400,
    message: "The request path contains malformed percent-encoding",
    when: "The path has a `%` not followed by two hex digits, or an encoded NUL (`%00`). Nothing is forwarded.",
  },
  BAD_REQUEST_TARGET: {
    status: 400,
    message: "The request target is not a valid origin-form or absolute-form URL",
    when: "The request target is neither a path (`/users`) nor an absolute `http(s)://` URL, or it carries a fragment (`#`).",
  },
  UNAUTHORIZED: {
    status: 401,
    message: "Missing or invalid credentials",
    when:
      "`key-auth`, `basic-auth` or `jwt` found no credential, more than one, an unknown, revoked or expired one, or a wrong " +
      "secret or signature; the admin API got no valid bearer token. Carries `WWW-Authenticate` where the scheme has one.",
  },
  INSUFFICIENT_SCOPE: {
    status: 403,
    message: "The credential lacks a scope this endpoint requires",
    when: "The consumer is authenticated but its credential lacks a scope the matched apiEndpoint lists.",
  },
  IP_NOT_ALLOWED: {
    status: 403,
    message: "Requests from this address are not allowed",
    when: "`ip-filter` refuses the client address (the peer, or the nearest untrusted `X-Forwarded-For` hop with `trustProxy`).",
  },
  NOT_FOUND: {
    status: 404,
    message: "No API endpoint matches this request",
    when: "No apiEndpoint matches the request's host, path and method (a path that matches with another method is 404 too).",
  },
  RESOURCE_NOT_FOUND: {
    status: 404,
    message: "No such resource",
    when: "An admin API route names a user, app, credential or scope that does not exist, or no admin route matches the path.",
  },
  NOT_HANDLED: {
    status: 404,
    message: "No policy in the pipeline answered this request",
    when: "Every policy of the matched pipeline passed the request on and none answered it (a pipeline without `proxy` or `terminate`).",
  },
  UNKNOWN_VERSION: {
    status: 404,
    message: "No such version of this API",
    when: "The request names a version in which its path does not exist; the message lists the versions in which it does.",
  },
  MOCK_NOT_DOCUMENTED: {
    status: 404,
    message: "The API description documents no such response",
    when: "`mock: { from: openapi }` was asked (`Prefer: code=` or `example=`) for a status or example the operation does not document.",
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    message: "Method not allowed",
    when: "An admin API path exists but not with this method; `Allow` lists the methods it has.",
  },
  NOT_ACCEPTABLE: {
    status: 406,
    message: "None of the media types the request accepts can be answered",
    when: "`mock: { from: openapi }`: the request's `Accept` matches none of the media types the response documents.",
  },
  REQUEST_TIMEOUT: {
    status: 408,
    message: "The request was not received in time",
    when: "The client did not send its request head within `server.headersTimeout`, or the whole request within `server.requestTimeout`.",
  },
  CONFLICT: {
    status: 409,
    message: "Conflict",
    when:
      "An admin API change clashes with what exists: a username, app name, key id or scope already taken, or a change to a consumer " +
      "declared in the configuration file (read-only through the API).",
  },
  VERSION_GONE: {
    status: 410,
    message: "This version of the API has been retired",
    when: "The request's version is `deprecated` with a `sunset` date that has passed, and its endpoint says `sunsetAction: gone`.",
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    message: "The request body is larger than allowed",
    when:
      "The request body is larger than `request-size`'s `limit`, the `maxBodySize` of a policy that reads bodies " +
      "(transformers, `openapi-validate`), a body parser's limit, or the admin API's.",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: "Unsupported media type",
    when:
      "An admin API request body is not UTF-8 JSON, or `openapi-validate` got a body whose media type (or content encoding) the " +
      "operation does not accept.",
  },
  RATE_LIMITED: {
    status: 429,
    message: "Too many requests, please try again later",
    when: "`rate-limit`'s `max` is reached for the key in the current window; carries `Retry-After` and the `RateLimit` headers.",
  },
  QUOTA_EXCEEDED: {
    status: 429,
    message: "The quota for this period is used up",
    when: "`quota`'s allowance for the key is used up until the period (day, month, ...) ends.",
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    message: "Request header fields too large",
    when: "The request head is larger than `server.maxHeaderSize`; the connection is closed.",
  },
  INTERNAL_ERROR: {
    status: 500,
    message: "Internal error",
    when: "A policy or plugin threw something that is not a gateway error (a bug): logged with its stack, never sent to the client.",
  },
  UPSTREAM_UNAVAILABLE: {
    status: 502,
    message: "The upstream service is unavailable",
    when: "The upstream refused or reset the connection, or could not be reached.",
  },
  UPSTREAM_BAD_RESPONSE: {
    status: 502,
    message: "The upstream service sent an invalid response",
    when:
      "The upstream's answer is not valid HTTP (bad status line, invalid header values, broken framing), or `response-transformer` " +
      "got a JSON body nested deeper than its `maxBodyDepth`.",
  },
  UPSTREAM_RESPONSE_TOO_LARGE: {
    status: 502,
    message: "The upstream service's answer is larger than allowed",
    when: "An upstream answer the gateway reads whole (an `aggregate` call) is larger than its `maxBodySize`.",
  },
  AGGREGATE_CALL_FAILED: {
    status: 502,
    message: "A call of the aggregate failed",
    when:
      "`aggregate` with `onPartialFailure: fail`: one of its calls failed (could not connect, timed out, answered a non-2xx status, " +
      "a body that is not JSON or one over its size cap); the message names the call and the reason.",
  },
  FUNCTION_FAILED: {
    status: 502,
    message: "The function failed",
    when:
      "A `function` handler threw or rejected, crashed its worker thread, or returned something that is not a valid response. " +
      "The error and its stack are logged with the request id, never answered.",
  },
  RESPONSE_VALIDATION_FAILED: {
    status: 502,
    message: "The upstream service's response does not match the API description",
    when:
      "`openapi-validate` with `responses: reject` found the upstream's response outside its OpenAPI operation: the response is " +
      "replaced, and the problems go to the gateway log only.",
  },
  SERVICE_UNAVAILABLE: {
    status: 503,
    message: "Service unavailable",
    when: "A service a policy relies on cannot answer now: too many authentications in progress, or `jwt` could not fetch the signing keys.",
  },
  CONCURRENCY_LIMITED: {
    status: 503,
    message: "Too many requests in flight, please retry",
    when: "`concurrency-limit` has no free slot for the key, and no place in its queue (`maxQueue`) or the wait there ran out.",
  },
  STORE_UNAVAILABLE: {
    status: 503,
    message: "A state store the gateway needs is unavailable",
    when:
      "A store failed: the consumer store behind an auth policy or the admin API, the cache store on a purge, or Redis for " +
      "`rate-limit`, `quota` or `concurrency-limit` with `onStoreError: fail-closed` (then with `Retry-After: 1`).",
  },
  UPSTREAM_TIMEOUT: {
    status: 504,
    message: "The upstream service did not answer in time",
    when: "The upstream did not accept the connection within the connect timeout, or send its response head within `proxyTimeout`.",
  },
  FUNCTION_TIMEOUT: {
    status: 504,
    message: "The function did not answer in time",
    when: "A `function` handler ran past its `timeout` (its worker thread is terminated and replaced), or no worker was free within it.",
  },
} as const satisfies Record<string, ErrorCodeEntry>;

/** A code of {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Options of a {@link GatewayError}. */
export interface GatewayErrorOptions {
  /** Overrides the table's status (a code outside the table must give one: see {@link CustomErrorOptions}). */
  status?: number;
  /** The underlying error: logged, never sent to the client. */
  cause?: unknown;
  /** Extra response headers, e.g. `WWW-Authenticate` or `Retry-After`. */
  headers?: Record<string, string>;
  /**
   * An expected refusal (load shedding, a store outage already reported by its policy): the error
   * handler does not log it, even when it is a 5xx.
   */
  quiet?: boolean;
}

/** Options of a {@link GatewayError} whose code is not in {@link ERROR_CODES} (a plugin's own): `status` is required. */
export type CustomErrorOptions = GatewayErrorOptions & { status: number };

// Symbol.for: two copies of @turnpike/core in one process (a plugin resolving its own) still recognise
// each other's errors, where `instanceof` would not.
const GATEWAY_ERROR_BRAND = Symbol.for("turnpike.gateway-error");
const CONFIG_ERROR_BRAND = Symbol.for("turnpike.config-error");

function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/**
 * An error the gateway answers to the client with a JSON body. A code of {@link ERROR_CODES} takes the
 * table's status and message unless told otherwise; any other code (a plugin's own) must give its status.
 *
 * @example
 * ```ts
 * next(new GatewayError("UNAUTHORIZED", "Missing API key", { headers: { "WWW-Authenticate": 'apiKey realm="api"' } }));
 * next(new GatewayError("PAYMENT_REQUIRED", "This plan has no calls left", { status: 402 }));
 * ```
 */
export class GatewayError extends Error {
  /** Stable, machine-readable code, e.g. `UPSTREAM_TIMEOUT`. */
  readonly code: string;
  /** HTTP status sent to the client. */
  readonly status: number;
  /** Extra headers sent with the error response. */
  readonly headers: Record<string, string> | undefined;
  /** Not logged by the error handler (see {@link GatewayErrorOptions.quiet}). */
  readonly quiet: boolean;

  /** A code of the table: status and message default to the table's. */
  constructor(code: ErrorCode, message?: string, options?: GatewayErrorOptions);
  /** Any other code: the status must be given. */
  constructor(code: string, message: string | undefined, options: CustomErrorOptions);
  constructor(code: string, message?: string, options: GatewayErrorOptions = {}) {
    const known = (ERROR_CODES as Record<string, ErrorCodeEntry | undefined>)[code];
    super(message ?? known?.message ?? code, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "GatewayError";
    this.code = code;
    // Without a status (JavaScript callers escape the type check), an unknown code is a 500.
    this.status = options.status ?? known?.status ?? 500;
    this.headers = options.headers;
    this.quiet = options.quiet ?? false;
  }
}
Object.defineProperty(GatewayError.prototype, GATEWAY_ERROR_BRAND, { value: true });

/**
 * True for a {@link GatewayError}, from this copy of `@turnpike/core` or another one loaded in the same
 * process. Use it instead of `instanceof GatewayError`.
 */
export function isGatewayError(value: unknown): value is GatewayError {
  return hasBrand(value, GATEWAY_ERROR_BRAND);
}

/** One problem found while loading a configuration, with its path in the file's own structure. */
export interface ConfigProblem {
  /** Dotted path in the configuration, e.g. `pipelines.api.policies[1].rate-limit.max`. */
  path: string;
  /** What is wrong, e.g. `must be >= 1`. */
  message: string;
}

/** Thrown when a configuration cannot be loaded: every problem found, each with its path. */
export class ConfigError extends Error {
  /** Every problem found, in file order where possible. */
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], source?: string) {
    const head = source ? `invalid configuration in ${source}` : "invalid configuration";
    super(`${head}:\n${problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}
Object.defineProperty(ConfigError.prototype, CONFIG_ERROR_BRAND, { value: true });

/**
 * True for a {@link ConfigError}, from this copy of `@turnpike/core` or another one loaded in the same
 * process. Use it instead of `instanceof ConfigError`.
 */
export function isConfigError(value: unknown): value is ConfigError {
  return hasBrand(value, CONFIG_ERROR_BRAND);
}

/** Formats a problem as `path: message` (or only the message when it concerns the whole file). */
export function formatProblem(problem: ConfigProblem): string {
  return problem.path ? `${problem.path}: ${problem.message}` : problem.message;
}

/** Converts anything thrown into a {@link GatewayError} for the response (unknown errors become 500). */
export function toGatewayError(err: unknown): GatewayError {
  if (isGatewayError(err)) return err;
  if (typeof err === "object" && err !== null) {
    // Errors from Express middleware (body-parser, http-errors) carry a status we can honour.
    const e = err as { status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown; type?: unknown };
    const status = typeof e.status === "number" ? e.status : typeof e.statusCode === "number" ? e.statusCode : 0;
    if (status >= 400 && status < 500) {
      if (status === 413) return new GatewayError("PAYLOAD_TOO_LARGE", undefined, { cause: err });
      const message = e.expose === true && typeof e.message === "string" ? e.message : undefined;
      return new GatewayError("BAD_REQUEST", message, { status, cause: err });
    }
  }
  return new GatewayError("INTERNAL_ERROR", undefined, { cause: err });
}
