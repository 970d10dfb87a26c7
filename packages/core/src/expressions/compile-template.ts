/**
 * Compiles Express Gateway style templates (`"${req.user.id}"`, `"user-${req.headers['x-user']}"`) into
 * plain functions, once, at load time. Express Gateway evaluated these with `vm.runInNewContext` on every
 * request; here a template may only read properties, so nothing from the config is ever executed.
 *
 * Inside `${...}`: a property path from a root (`req`, `res`, `consumer`, `requestID`, `apiEndpoint`,
 * `egContext`, and the variables a policy declares, such as the `aggregate` policy's `calls`), with
 * `.name` and `['name']`/`[0]` accessors, string or number literals, and `||` / `??` to fall back to the
 * next alternative when one is empty.
 */
import type { Request, Response } from "express";
import { ConfigError } from "../errors.js";

/** Values of the variables a template was compiled with ({@link TemplateOptions.variables}). */
export type TemplateVariables = Readonly<Record<string, unknown>>;

/**
 * A compiled template: call it with a request and response (and the values of its declared
 * variables) to get the string.
 */
export interface Template {
  (req: Request, res: Response, variables?: TemplateVariables): string;
  /** The template as written. */
  readonly source: string;
  /** True when the template has no `${...}` part (its value never changes). */
  readonly constant: boolean;
  /** Every property path the template reads, root first (`["calls", "user", "body", "id"]`). */
  readonly reads: readonly (readonly (string | number)[])[];
}

/** Options of {@link compileTemplate}. */
export interface TemplateOptions {
  /**
   * Extra root names, read from the template's third argument: the `aggregate` policy declares `calls`
   * so that `${calls.user.body.id}` reads an earlier call's answer.
   */
  readonly variables?: readonly string[];
  /** Applied to each interpolated value, never to the literal text (e.g. `encodeURIComponent` in a URL path). */
  readonly encode?: (value: string) => string;
}

type Getter = (req: Request, res: Response, variables: TemplateVariables | undefined) => unknown;

const ROOTS: Record<string, Getter> = {
  req: (req) => req,
  res: (_req, res) => res,
  consumer: (_req, res) => res.locals.turnpike?.consumer,
  requestID: (_req, res) => res.locals.turnpike?.requestId,
  apiEndpoint: (_req, res) => res.locals.turnpike?.apiEndpoint,
};
// Express Gateway evaluated templates with its context object as `this`; `egContext.req` etc. still work.
const EG_CONTEXT_ROOTS = new Set(["req", "res", "consumer", "requestID", "apiEndpoint"]);

const FORBIDDEN = new Set(["__proto__", "prototype", "constructor", "__defineGetter__", "__defineSetter__"]);

class Tokens {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly fail: (message: string) => never,
  ) {}

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  done(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  peek(token: string): boolean {
    this.skipSpace();
    return this.text.startsWith(token, this.pos);
  }

  take(token: string): boolean {
    if (!this.peek(token)) return false;
    this.pos += token.length;
    return true;
  }

  identifier(): string {
    this.skipSpace();
    const match = /^[A-Za-z_$][A-Za-z0-9_$-]*/.exec(this.text.slice(this.pos));
    if (!match) this.fail(`expected a name at "${this.text.slice(this.pos) || "end"}"`);
    this.pos += match[0].length;
    // A hyphen is only part of a name inside brackets; `.x-y` would be subtraction in JavaScript.
    if (match[0].includes("-")) this.fail(`"${match[0]}": use ['${match[0]}'] for names with a hyphen`);
    return match[0];
  }

  literal(): string | number | undefined {
    this.skipSpace();
    const rest = this.text.slice(this.pos);
    const str = /^'((?:[^'\\]|\\.)*)'|^"((?:[^"\\]|\\.)*)"/.exec(rest);
    if (str) {
      this.pos += str[0].length;
      return (str[1] ?? str[2] ?? "").replace(/\\(.)/g, "$1");
    }
    const num = /^-?\d+(\.\d+)?/.exec(rest);
    if (num) {
      this.pos += num[0].length;
      return Number(num[0]);
    }
    return undefined;
  }
}

function compilePath(tokens: Tokens, fail: (message: string) => never, scope: Scope): Getter {
  const literal = tokens.literal();
  if (literal !== undefined) return () => literal;

  let root = tokens.identifier();
  const variable = scope.variables.has(root);
  if (root === "egContext") {
    if (tokens.peek(".")) {
      tokens.take(".");
      root = tokens.identifier();
    } else {
      fail("egContext must be followed by a property");
    }
    if (!EG_CONTEXT_ROOTS.has(root)) fail(`egContext.${root} is not available`);
  }
  const variableName = root;
  const namedRoot: Getter | undefined = variable ? (_req, _res, values) => values?.[variableName] : ROOTS[root];
  if (!namedRoot) fail(`unknown name "${root}" (use one of ${[...Object.keys(ROOTS), ...scope.variables].join(", ")})`);

  const keys: (string | number)[] = [];
  for (;;) {
    if (tokens.take(".")) {
      keys.push(tokens.identifier());
    } else if (tokens.take("[")) {
      const key = tokens.literal();
      if (key === undefined) fail("only quoted names or numbers may appear inside [ ]");
      if (!tokens.take("]")) fail("expected ]");
      keys.push(key);
    } else {
      break;
    }
  }
  for (const key of keys) if (typeof key === "string" && FORBIDDEN.has(key)) fail(`"${key}" may not be read`);
  scope.reads.push([root, ...keys]);
  let rootGetter: Getter = namedRoot;
  if (!variable && root === "req" && keys[0] === "user") {
    // Express Gateway's auth policies put the consumer on `req.user` (`${req.user.id}` in rate-limit keys);
    // Turnpike keeps it in res.locals.turnpike.consumer. Read req.user when something set it, else the consumer.
    keys.shift();
    rootGetter = (req, res) => (req as { user?: unknown }).user ?? res.locals.turnpike?.consumer;
  }

  return (req, res, values) => {
    let value: unknown = rootGetter(req, res, values);
    for (const key of keys) {
      if (value === null || value === undefined) return undefined;
      value = (value as Record<string | number, unknown>)[key];
    }
    return value;
  };
}

/** What compiling one template collects: the names it may read and the paths it does read. */
interface Scope {
  readonly variables: ReadonlySet<string>;
  readonly reads: (string | number)[][];
}

function compileExpression(source: string, fail: (message: string) => never, scope: Scope): Getter {
  const tokens = new Tokens(source, fail);
  const alternatives: Getter[] = [compilePath(tokens, fail, scope)];
  while (tokens.take("||") || tokens.take("??")) alternatives.push(compilePath(tokens, fail, scope));
  if (!tokens.done()) fail(`unexpected "${source.trim()}": only property paths, literals, || and ?? are allowed`);
  if (alternatives.length === 1) return alternatives[0]!;
  return (req, res, values) => {
    for (const get of alternatives) {
      const value = get(req, res, values);
      if (value !== undefined && value !== null && value !== "" && value !== false) return value;
    }
    return undefined;
  };
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "object" && !Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

/**
 * Compiles a template once.
 *
 * @example
 * ```ts
 * const key = compileTemplate("${req.user.id || req.ip}");
 * key(req, res); // "alice" or "127.0.0.1"
 * const path = compileTemplate("/profiles/${calls.user.body.id}", "", { variables: ["calls"], encode: encodeURIComponent });
 * path(req, res, { calls: { user: { body: { id: "a b" } } } }); // "/profiles/a%20b"
 * ```
 * @throws ConfigError (at `path`) when the template is malformed or reads something it may not.
 */
export function compileTemplate(template: string, path = "", options: TemplateOptions = {}): Template {
  const fail = (message: string): never => {
    throw new ConfigError([{ path, message: `invalid template ${JSON.stringify(template)}: ${message}` }]);
  };
  for (const name of options.variables ?? []) {
    if (ROOTS[name] !== undefined || name === "egContext") fail(`variable "${name}" would hide a built-in name`);
  }
  const scope: Scope = { variables: new Set(options.variables), reads: [] };
  const encode = options.encode;
  const render = encode === undefined ? stringify : (value: unknown) => encode(stringify(value));
  const parts: (string | Getter)[] = [];
  let i = 0;
  while (i < template.length) {
    const start = template.indexOf("${", i);
    if (start === -1) {
      parts.push(template.slice(i));
      break;
    }
    if (start > i) parts.push(template.slice(i, start));
    const end = template.indexOf("}", start);
    if (end === -1) fail("missing }");
    parts.push(compileExpression(template.slice(start + 2, end), fail, scope));
    i = end + 1;
  }

  let evaluate: (req: Request, res: Response, values?: TemplateVariables) => string;
  const only = parts[0];
  if (parts.length === 0) {
    evaluate = () => "";
  } else if (parts.length === 1 && typeof only === "string") {
    evaluate = () => only;
  } else if (parts.length === 1 && typeof only === "function") {
    evaluate = (req, res, values) => render(only(req, res, values));
  } else {
    evaluate = (req, res, values) => {
      let out = "";
      for (const part of parts) out += typeof part === "string" ? part : render(part(req, res, values));
      return out;
    };
  }
  const reads = Object.freeze(scope.reads.map((read) => Object.freeze(read)));
  return Object.assign(evaluate, { source: template, constant: parts.every((p) => typeof p === "string"), reads }) as Template;
}
