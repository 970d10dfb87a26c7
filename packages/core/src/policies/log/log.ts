/**
 * The `log` policy: Express Gateway's `message` template, logged when the policy runs, and/or an
 * access-log line in a morgan `format`, written when the response finishes. Secrets never reach the
 * log: credential query parameters are redacted from URLs, and credential headers from `:req[...]`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import morgan from "morgan";
import { definePolicy } from "../../pipeline/define.js";

/** Options of the `log` policy. */
export interface LogOptions {
  message?: string;
  format?: string;
  redactQueryParams: string[];
}

const SECRET_HEADERS = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"]);
const DEFAULT_REDACTED_PARAMS = ["apiKey", "api_key", "access_token", "token", "password", "secret", "client_secret", "jwt"];

/**
 * Replaces the values of query parameters named in `names` (case-insensitive) with `[redacted]`,
 * wherever a `?name=value` or `&name=value` appears in `text` (a URL, or a message containing URLs).
 */
export function redactUrl(text: string, names: ReadonlySet<string>): string {
  if (!text.includes("=")) return text;
  return text.replace(/([?&])([^=&\s?#]+)=([^&\s#]*)/g, (whole, sep: string, rawName: string) => {
    let name = rawName;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, " "));
    } catch {
      // keep the raw name
    }
    return names.has(name.toLowerCase()) ? `${sep}${rawName}=[redacted]` : whole;
  });
}

let tokensRegistered = false;
function registerTokens(): void {
  if (tokensRegistered) return;
  tokensRegistered = true;
  // Own token names: redefining morgan's `url` would change every other morgan user in the process.
  morgan.token("turnpike-url", (req: IncomingMessage & { originalUrl?: string; turnpikeRedact?: ReadonlySet<string> }) =>
    redactUrl(req.originalUrl ?? req.url ?? "", req.turnpikeRedact ?? new Set()),
  );
  morgan.token("turnpike-req", (req: IncomingMessage, _res: ServerResponse, field?: string | number | boolean) => {
    const name = String(field ?? "").toLowerCase();
    if (SECRET_HEADERS.has(name)) return req.headers[name] === undefined ? undefined : "[redacted]";
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  });
  morgan.token(
    "request-id",
    (_req: IncomingMessage, res: ServerResponse) => (res as ServerResponse & { locals?: Express.Locals }).locals?.turnpike?.requestId,
  );
  morgan.token(
    "consumer",
    (_req: IncomingMessage, res: ServerResponse) =>
      (res as ServerResponse & { locals?: Express.Locals }).locals?.turnpike?.consumer?.id ?? "-",
  );
}

/** The `log` policy. */
export const logPolicy = definePolicy<LogOptions>({
  name: "log",
  phase: "observe",
  description: "Logs a message per request, or an access-log line when the response finishes.",
  schema: {
    type: "object",
    properties: {
      message: {
        type: "string",
        description: "Template logged (info) when the policy runs, e.g. `${req.method} ${req.url} by ${consumer.id}`.",
      },
      format: {
        type: "string",
        description:
          "morgan format, written to standard output when the response finishes: `combined`, `common`, `short`, `tiny`, `dev` or a format string (tokens include `:request-id` and `:consumer`). Default `combined` when no message is given.",
      },
      redactQueryParams: {
        type: "array",
        items: { type: "string" },
        default: DEFAULT_REDACTED_PARAMS,
        description: "Query parameters whose values are replaced by `[redacted]` in logged URLs.",
      },
    },
  },
  create(options, ctx) {
    const redact = new Set(options.redactQueryParams.map((n) => n.toLowerCase()));
    const message = options.message === undefined ? undefined : ctx.compileTemplate(options.message, `${ctx.path}.message`);
    const formatName = options.format ?? (message === undefined ? "combined" : undefined);
    let access: ReturnType<typeof morgan> | undefined;
    if (formatName !== undefined) {
      registerTokens();
      const predefined = (morgan as unknown as Record<string, unknown>)[formatName];
      const format = (typeof predefined === "string" ? predefined : formatName)
        .replace(/:url\b/g, ":turnpike-url")
        .replace(/:req\[/g, ":turnpike-req[");
      access = morgan(format);
    }
    const logger = ctx.logger;
    return function log(req, res, next) {
      if (message !== undefined) logger.info(redactUrl(message(req, res), redact));
      if (access === undefined) return next();
      (req as typeof req & { turnpikeRedact?: ReadonlySet<string> }).turnpikeRedact = redact;
      access(req, res, next);
    };
  },
  explain(options) {
    const what =
      options.message !== undefined
        ? `message ${JSON.stringify(options.message)}`
        : `format ${JSON.stringify(options.format ?? "combined")}`;
    return () => ({ summary: `logs the request (${what}) when its response ends`, details: { ...options } });
  },
});
