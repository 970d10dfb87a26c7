/**
 * `${VAR}` / `${VAR:-default}` substitution, applied to the file's text before it is parsed (so a port
 * can come from the environment as a number). `$${` writes a literal `${`.
 *
 * Only names that look like environment variables are replaced. Template roots (`${req.ip}`,
 * `${requestID}`) are left for the template compiler, which reads them per request.
 */

const TEMPLATE_ROOTS = new Set(["req", "res", "consumer", "requestID", "apiEndpoint", "egContext"]);
// One pass, so a substituted value is never scanned again: `$${` first, then `${NAME}` / `${NAME:-default}`.
const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Result of {@link interpolateEnv}. */
export interface Interpolated {
  text: string;
  /** Variables that were referenced without a default and are not set (replaced by an empty string). */
  missing: string[];
}

/**
 * Replaces `${VAR}` and `${VAR:-default}` with values from `env`.
 *
 * @example
 * ```ts
 * interpolateEnv("port: ${PORT:-8080}", {}).text; // "port: 8080"
 * ```
 */
export function interpolateEnv(text: string, env: NodeJS.ProcessEnv = process.env): Interpolated {
  const missing: string[] = [];
  const out = text.replace(PATTERN, (whole: string, name: string | undefined, fallback: string | undefined) => {
    if (name === undefined) return "${";
    if (TEMPLATE_ROOTS.has(name) && fallback === undefined) return whole;
    const value = env[name];
    if (value !== undefined && value !== "") return value;
    if (fallback !== undefined) return fallback;
    if (value === undefined) missing.push(name);
    return "";
  });
  return { text: out, missing };
}
