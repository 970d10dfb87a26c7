/**
 * For explainers of policies that only look at the request (auth, ip-filter, cors, request-size): run
 * the policy's real middleware on the synthetic request of an explanation and see what it did, so the
 * explanation is the policy's own decision, not a second copy of its rules.
 */
import type { Request, RequestHandler, Response } from "express";
import { toGatewayError } from "../errors.js";
import type { PolicyExplanation } from "../pipeline/define.js";

/** What a middleware did with a request. */
export type MiddlewareOutcome =
  | { readonly kind: "next" }
  | { readonly kind: "error"; readonly status: number; readonly code: string; readonly message: string }
  | { readonly kind: "answer"; readonly status: number };

/**
 * Runs `handle` on an explanation's synthetic `req`/`res` (never on a real exchange: it replaces
 * `res.end` for the duration) and resolves with what it did.
 */
export function observeMiddleware(handle: RequestHandler, req: Request, res: Response): Promise<MiddlewareOutcome> {
  return new Promise((resolve) => {
    const end = res.end;
    let settled = false;
    const settle = (outcome: MiddlewareOutcome): void => {
      if (settled) return;
      settled = true;
      res.end = end;
      resolve(outcome);
    };
    res.end = ((..._args: unknown[]) => {
      settle({ kind: "answer", status: res.statusCode });
      return res;
    }) as Response["end"];
    const next = (err?: unknown): void => {
      if (err === undefined || err === null || err === "route" || err === "router") return settle({ kind: "next" });
      const error = toGatewayError(err);
      settle({ kind: "error", status: error.status, code: error.code, message: error.message });
    };
    try {
      const result: unknown = handle(req, res, next);
      if (result instanceof Promise) result.then(undefined, next);
    } catch (err) {
      next(err);
    }
  });
}

/** The explanation of an outcome after `summary`: `passes` (continue), or the answer and its status. */
export function outcomeExplanation(summary: string, outcome: MiddlewareOutcome, details?: Record<string, unknown>): PolicyExplanation {
  const base = details === undefined ? {} : { details };
  if (outcome.kind === "next") return { summary: `${summary}: passes`, ...base, outcome: "continue" };
  if (outcome.kind === "answer")
    return { summary: `${summary}: answers ${outcome.status}`, ...base, outcome: "answer", status: outcome.status };
  return {
    summary: `${summary}: ${outcome.status} ${outcome.code} (${outcome.message})`,
    ...base,
    outcome: "answer",
    status: outcome.status,
  };
}
