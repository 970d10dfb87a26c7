/**
 * The dispatcher: runs one pipeline's compiled steps in order. It replaces Express's router walk for
 * the hot path: no layer matching, no per-layer path parsing, just an index into an array.
 */
import type { Request, RequestHandler, Response } from "express";
import type { ConditionPredicate } from "./define.js";

/** One compiled `{condition, action}` step. */
export interface CompiledStep {
  /** The policy's name (for logs and traces). */
  readonly policy: string;
  /** Runs the step only when it returns true. */
  readonly condition: ConditionPredicate | undefined;
  readonly handle: RequestHandler;
}

/**
 * Runs `steps` for a request. `done(err)` is called when a step passes an error (or throws, or returns a
 * rejected promise), or with no argument when every step called `next()` without answering.
 * `next("route")` and `next("router")` (Express's signals to skip the rest) also end the pipeline.
 */
export function runPipeline(steps: readonly CompiledStep[], req: Request, res: Response, done: (err?: unknown) => void): void {
  let index = 0;
  let finished = false;
  const next = (err?: unknown): void => {
    if (finished) {
      // A late error (e.g. a rejection after the response was sent) still goes to the handler to be logged.
      if (err !== undefined && err !== null && err !== "route" && err !== "router") done(err);
      return;
    }
    if (err !== undefined && err !== null) {
      finished = true;
      done(err === "route" || err === "router" ? undefined : err);
      return;
    }
    while (index < steps.length) {
      const step = steps[index++]!;
      if (step.condition !== undefined && !step.condition(req, res)) continue;
      try {
        const result: unknown = step.handle(req, res, next);
        // Async middleware: a rejection must reach the error handler, not become an unhandled rejection.
        if (result !== undefined && typeof (result as Promise<unknown>).then === "function") {
          (result as Promise<unknown>).then(undefined, (e: unknown) => next(e ?? new Error("policy rejected without a reason")));
        }
      } catch (e) {
        next(e ?? new Error("policy threw without a reason"));
      }
      return;
    }
    finished = true;
    done();
  };
  next();
}
