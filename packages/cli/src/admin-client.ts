/**
 * A small client for the admin API, shared by the CLI commands that manage a running gateway
 * (`users`, `credentials`, `scopes`, `cache`). URL and token come from flags or the environment.
 */
import { UsageError } from "./command.js";

/** Where the admin API is and how to authenticate. */
export interface AdminTarget {
  /** Base URL, e.g. `http://127.0.0.1:9876`. */
  url: string;
  token?: string;
}

/** The options every admin-talking command accepts (for `parseArgs`). */
export const ADMIN_OPTIONS = {
  "admin-url": { type: "string" },
  token: { type: "string" },
} as const;

/** Usage lines for {@link ADMIN_OPTIONS}. */
export const ADMIN_USAGE = [
  "  --admin-url URL   admin API (default $TURNPIKE_ADMIN_URL or http://127.0.0.1:9876)",
  "  --token TOKEN     admin token (default $TURNPIKE_ADMIN_TOKEN)",
].join("\n");

/** Resolves the admin target from parsed flags and the environment. */
export function adminTarget(values: { "admin-url"?: string | undefined; token?: string | undefined }, env: NodeJS.ProcessEnv): AdminTarget {
  const url = values["admin-url"] ?? env.TURNPIKE_ADMIN_URL ?? "http://127.0.0.1:9876";
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--admin-url: ${JSON.stringify(url)} is not a URL`);
  }
  const token = values.token ?? env.TURNPIKE_ADMIN_TOKEN;
  return token ? { url: url.replace(/\/$/, ""), token } : { url: url.replace(/\/$/, "") };
}

/** An error answer of the admin API, with its JSON error body's message. */
export class AdminApiError extends Error {
  override name = "AdminApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Calls the admin API and returns the parsed JSON body (undefined for 204).
 * @throws AdminApiError for error statuses (with the API's own message), Error when unreachable.
 */
export async function adminRequest<T = unknown>(target: AdminTarget, method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(`${target.url}${path}`, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new Error(`cannot reach the admin API at ${target.url} (${cause})`, { cause: err });
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new AdminApiError(res.status, error?.code ?? String(res.status), error?.message ?? `${res.status} ${res.statusText}`);
  }
  return parsed as T;
}

/** Renders rows as an aligned text table (columns in the order of `columns`). */
export function formatTable(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
  const cell = (v: unknown): string => (v === undefined || v === null ? "-" : Array.isArray(v) ? v.join(",") || "-" : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join("\n");
}
