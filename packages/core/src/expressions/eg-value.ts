/**
 * Express Gateway value expressions (`consumer.id`, `req.headers['x-a']`, `'literal'`, `42`,
 * `"id-${consumer.id}"`), compiled once at load onto the core's template compiler.
 *
 * Express Gateway ran each value as JavaScript (`vm.runInNewContext`) on every request. Here a value may
 * only read properties: a bare expression reads as the template `${expression}`; a value containing
 * `${...}` is a template as written; a quoted string is a literal. Anything the compiler cannot read
 * (`'id-' + consumer.id`, function calls) is refused at load, at the value's path, and never run.
 */
import type { Request, Response } from "express";
import { ConfigError, isConfigError } from "../errors.js";
import type { Template } from "./compile-template.js";
import type { PolicyContext } from "../pipeline/define.js";

/** A compiled value: `constant` when it is known at load, else `template` computes it per request. */
export interface EgValue {
  /** Set for values known at load. */
  readonly constant?: string;
  /** Set for values computed per request. */
  readonly template?: Template;
}

const QUOTED = /^'((?:[^'\\]|\\.)*)'$|^"((?:[^"\\]|\\.)*)"$/s;

/**
 * Compiles one Express Gateway value expression.
 *
 * @example
 * ```ts
 * compileEgValue("consumer.id", "pipelines.api.policies[0].headers.forwardHeaders.id", ctx); // { template }
 * compileEgValue("'v1'", path, ctx); // { constant: "v1" }
 * ```
 * @throws ConfigError at `path` when the value is empty or cannot be compiled.
 */
export function compileEgValue(value: string | number | boolean, path: string, ctx: Pick<PolicyContext, "compileTemplate">): EgValue {
  if (typeof value !== "string") return { constant: String(value) };
  const text = value.trim();
  if (text === "")
    throw new ConfigError([
      { path, message: "is empty: write a quoted literal (\"'text'\"), a property such as consumer.id, or a template" },
    ]);
  const quoted = QUOTED.exec(text);
  if (quoted) return { constant: (quoted[1] ?? quoted[2] ?? "").replace(/\\(.)/g, "$1") };
  let source: string;
  if (text.length >= 2 && text.startsWith("`") && text.endsWith("`"))
    source = text.slice(1, -1); // a JavaScript template literal
  else if (text.includes("${")) source = value;
  else source = `\${${text}}`;
  try {
    const template = ctx.compileTemplate(source, path);
    // Constant templates ignore their arguments.
    return template.constant ? { constant: template(null as unknown as Request, null as unknown as Response) } : { template };
  } catch (err) {
    if (!isConfigError(err)) throw err;
    const prefix = `invalid template ${JSON.stringify(source)}: `;
    const message = err.problems[0]?.message ?? "";
    const reason = message.startsWith(prefix) ? message.slice(prefix.length) : message;
    throw new ConfigError([
      {
        path,
        message: `${JSON.stringify(value)} cannot be compiled (${reason}); a value may read a property (consumer.id, req.headers['x-a']), be a quoted literal ("'text'") or a template ("id-\${consumer.id}"); code such as + or calls is never run`,
      },
    ]);
  }
}

/** The value of `compiled` for this request (`""` when what it reads is missing). */
export function evaluateEgValue(compiled: EgValue, req: Request, res: Response): string {
  return compiled.constant ?? compiled.template!(req, res);
}
