/**
 * The one table of errors Turnpike produces on the wire, and the error types used at load time.
 *
 * Every error answered to a client is a {@link GatewayError} carrying a code from {@link ERROR_CODES};
 * the default error handler renders it as `{"error": {"status", "code", "message"}}` and never includes
 * a stack trace or the `cause`. Load-time problems (bad config, a plugin that cannot load) are
 * {@link ConfigError}s listing every problem with its path in the configuration file.
 */

/** Status and default message of every error code a client can receive from the gateway itself. */
export const ERROR_CODES = {
  BAD_REQUEST: { status: 400, message: "Bad request" },
  VALIDATION_FAILED: { status: 400, message: "The request body is not valid" },
  REQUEST_VALIDATION_FAILED: { status: 400, message: "The request does not match the API description" },
  BAD_PATH_ENCODING: { status: 400, message: "The request path contains malformed percent-encoding" },
  BAD_REQUEST_TARGET: { status: 400, message: "The request target is not a valid origin-form or absolute-form URL" },
  UNAUTHORIZED: { status: 401, message: "Missing or invalid credentials" },
  FORBIDDEN: { status: 403, message: "Access to this resource is not allowed" },
  INSUFFICIENT_SCOPE: { status: 403, message: "The credential lacks a scope this endpoint requires" },
  IP_NOT_ALLOWED: { status: 403, message: "Requests from this address are not allowed" },
  NOT_FOUND: { status: 404, message: "No API endpoint matches this request" },
  RESOURCE_NOT_FOUND: { status: 404, message: "No such resource" },
  NOT_HANDLED: { status: 404, message: "No policy in the pipeline answered this request" },
  METHOD_NOT_ALLOWED: { status: 405, message: "Method not allowed" },
  REQUEST_TIMEOUT: { status: 408, message: "The request was not received in time" },
  CONFLICT: { status: 409, message: "Conflict" },
  PAYLOAD_TOO_LARGE: { status: 413, message: "The request body is larger than allowed" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "Unsupported media type" },
  RATE_LIMITED: { status: 429, message: "Too many requests, please try again later" },
  QUOTA_EXCEEDED: { status: 429, message: "The quota for this period is used up" },
  HEADERS_TOO_LARGE: { status: 431, message: "Request header fields too large" },
  INTERNAL_ERROR: { status: 500, message: "Internal error" },
  UPSTREAM_UNAVAILABLE: { status: 502, message: "The upstream service is unavailable" },
  UPSTREAM_BAD_RESPONSE: { status: 502, message: "The upstream service sent an invalid response" },
  RESPONSE_VALIDATION_FAILED: { status: 502, message: "The upstream service's response does not match the API description" },
  SERVICE_UNAVAILABLE: { status: 503, message: "Service unavailable" },
  CONCURRENCY_LIMITED: { status: 503, message: "Too many requests in flight, please retry" },
  STORE_UNAVAILABLE: { status: 503, message: "A state store the gateway needs is unavailable" },
  UPSTREAM_TIMEOUT: { status: 504, message: "The upstream service did not answer in time" },
} as const satisfies Record<string, { status: number; message: string }>;

/** A code of {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Options of a {@link GatewayError}. */
export interface GatewayErrorOptions {
  /** Overrides the table's status (a plugin's own code must give one). */
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

/**
 * An error the gateway answers to the client with a JSON body.
 *
 * @example
 * ```ts
 * next(new GatewayError("UNAUTHORIZED", "Missing API key", { headers: { "WWW-Authenticate": 'apiKey realm="api"' } }));
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

  constructor(code: ErrorCode | (string & {}), message?: string, options: GatewayErrorOptions = {}) {
    const known = (ERROR_CODES as Record<string, { status: number; message: string } | undefined>)[code];
    super(message ?? known?.message ?? code, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "GatewayError";
    this.code = code;
    this.status = options.status ?? known?.status ?? 500;
    this.headers = options.headers;
    this.quiet = options.quiet ?? false;
  }
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

/** Formats a problem as `path: message` (or only the message when it concerns the whole file). */
export function formatProblem(problem: ConfigProblem): string {
  return problem.path ? `${problem.path}: ${problem.message}` : problem.message;
}

/** Converts anything thrown into a {@link GatewayError} for the response (unknown errors become 500). */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
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
