/**
 * Express Gateway's built-in conditions, compiled once into predicates. `expression` (which ran config
 * text as JavaScript per request) is deliberately absent.
 */
import type { Request } from "express";
import { ConfigError } from "../errors.js";
import { normalizeHost } from "../routing/canonical-target.js";
import { defineCondition, type ConditionDefinition, type ConditionPredicate } from "./define.js";

const HTTP_METHOD = { type: "string", enum: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT"] };
const conditionList = { type: "array", minItems: 1, items: { type: "object", required: ["name"] }, description: "Conditions to combine." };

function currentPath(req: Request): string {
  const url = req.url;
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}

/** Compiles a minimatch-style glob (`*.example.com`, `api-?.local`) into a case-insensitive regex. */
function globToRegex(pattern: string): RegExp {
  let source = "";
  for (const ch of pattern) {
    if (ch === "*") source += "[^/]*";
    else if (ch === "?") source += "[^/]";
    else source += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "i");
}

/** The conditions available without any plugin. */
export const builtinConditions: readonly ConditionDefinition<any>[] = [
  defineCondition({ name: "always", schema: { type: "object", properties: {} }, create: () => () => true }),
  defineCondition({ name: "never", schema: { type: "object", properties: {} }, create: () => () => false }),
  defineCondition<{ conditions: unknown[] }>({
    name: "allOf",
    schema: { type: "object", properties: { conditions: conditionList }, required: ["conditions"] },
    create({ conditions }, ctx) {
      const predicates = conditions.map((c, i) => ctx.compileCondition(c, `${ctx.path}.conditions[${i}]`));
      return (req, res) => predicates.every((p) => p(req, res));
    },
  }),
  defineCondition<{ conditions: unknown[] }>({
    name: "oneOf",
    schema: { type: "object", properties: { conditions: conditionList }, required: ["conditions"] },
    create({ conditions }, ctx) {
      const predicates = conditions.map((c, i) => ctx.compileCondition(c, `${ctx.path}.conditions[${i}]`));
      return (req, res) => predicates.some((p) => p(req, res));
    },
  }),
  defineCondition<{ condition: unknown }>({
    name: "not",
    schema: {
      type: "object",
      properties: { condition: { type: "object", required: ["name"], description: "Condition to negate." } },
      required: ["condition"],
    },
    create({ condition }, ctx) {
      const predicate = ctx.compileCondition(condition, `${ctx.path}.condition`);
      return (req, res) => !predicate(req, res);
    },
  }),
  defineCondition<{ path: string }>({
    name: "pathExact",
    schema: {
      type: "object",
      properties: { path: { type: "string", description: "Canonical path (without query) to compare with." } },
      required: ["path"],
    },
    create:
      ({ path }) =>
      (req) =>
        currentPath(req) === path,
  }),
  defineCondition<{ pattern: string }>({
    name: "pathMatch",
    schema: {
      type: "object",
      properties: { pattern: { type: "string", description: "Regular expression tested against the canonical path and query." } },
      required: ["pattern"],
    },
    create({ pattern }, ctx) {
      let re: RegExp;
      try {
        re = new RegExp(pattern);
      } catch (err) {
        throw new ConfigError([{ path: `${ctx.path}.pattern`, message: `is not a valid regular expression (${(err as Error).message})` }]);
      }
      return (req) => re.test(req.url);
    },
  }),
  defineCondition<{ methods: string | string[] }>({
    name: "method",
    schema: {
      type: "object",
      properties: { methods: { anyOf: [HTTP_METHOD, { type: "array", items: HTTP_METHOD }], description: "Method or methods to match." } },
      required: ["methods"],
    },
    create({ methods }) {
      const set = new Set(Array.isArray(methods) ? methods : [methods]);
      return (req) => set.has(req.method);
    },
  }),
  defineCondition<{ pattern: string }>({
    name: "hostMatch",
    schema: {
      type: "object",
      properties: { pattern: { type: "string", description: "Glob matched against the Host header (with or without its port)." } },
      required: ["pattern"],
    },
    create({ pattern }) {
      const re = globToRegex(pattern);
      return (req) => {
        const host = req.headers.host;
        return host !== undefined && (re.test(host) || re.test(normalizeHost(host)));
      };
    },
  }),
  defineCondition({
    name: "authenticated",
    schema: { type: "object", properties: {} },
    create: () => (_req, res) => res.locals.turnpike?.consumer !== undefined,
  }),
  defineCondition({
    name: "anonymous",
    schema: { type: "object", properties: {} },
    create: () => (_req, res) => res.locals.turnpike?.consumer === undefined,
  }),
  defineCondition({
    name: "tlsClientAuthenticated",
    schema: { type: "object", properties: {} },
    create: () => (req) => (req.socket as { authorized?: boolean }).authorized === true,
  }),
];

/** Names Express Gateway had that Turnpike refuses, with the reason given at load. */
export const UNSUPPORTED_CONDITIONS: Record<string, string> = {
  expression:
    "evaluates JavaScript from the config on every request; Turnpike does not run config code (use pathMatch, method, hostMatch, allOf/oneOf/not or a plugin condition)",
};

export type { ConditionPredicate };
