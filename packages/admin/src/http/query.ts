/**
 * Query strings of list routes: known parameters only, page sizes capped.
 */
import type { Request } from "express";
import { validationError, type FieldProblem } from "./validate-body.js";

/** Page size when the client names none (Express Gateway's default). */
export const DEFAULT_PAGE_SIZE = 100;
/** Largest page served: a larger `count` is lowered to this (the answer's `nextKey` leads on). */
export const MAX_PAGE_SIZE = 500;

/** A page request. */
export interface PageQuery {
  /** Opaque cursor from a previous page's `nextKey` (Express Gateway's `start`); `0` or absent: the first page. */
  start: string | undefined;
  count: number;
}

/**
 * Reads the query of a list route: `start`, `count` and the `extra` parameters it names.
 * @throws GatewayError VALIDATION_FAILED for unknown, repeated or malformed parameters.
 */
export function readQuery<K extends string>(req: Request, extra: readonly K[] = []): PageQuery & Partial<Record<K, string>> {
  const problems: FieldProblem[] = [];
  const known = new Set<string>(["start", "count", ...extra]);
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.query as Record<string, unknown>)) {
    if (!known.has(key)) problems.push({ path: `query.${key}`, message: "is not a known parameter" });
    else if (typeof value !== "string") problems.push({ path: `query.${key}`, message: "must be given once" });
    else values[key] = value;
  }
  let count = DEFAULT_PAGE_SIZE;
  if (values.count !== undefined) {
    if (!/^\d{1,9}$/.test(values.count) || Number(values.count) < 1)
      problems.push({ path: "query.count", message: "must be a positive integer" });
    else count = Math.min(Number(values.count), MAX_PAGE_SIZE);
  }
  if (values.start !== undefined && values.start.length > 256)
    problems.push({ path: "query.start", message: "is not a cursor this API returned" });
  if (problems.length > 0) throw validationError(problems);
  const start = values.start === undefined || values.start === "" || values.start === "0" ? undefined : values.start;
  const result: Record<string, unknown> = { ...values, start, count };
  return result as PageQuery & Partial<Record<K, string>>;
}
