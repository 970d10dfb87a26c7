/**
 * The dispatcher: runs one pipeline's compiled steps in order. It replaces Express's router walk for
 * the hot path: no layer matching, no per-layer path parsing, just an index into an array.
 */
import type { Request, RequestHandler, Response } from "express";
import type { Logger } from "../logger.js";
import type { ConditionPredicate, StepExplainer } from "./define.js";

/** One compiled `{condition, action}` step. */
export interface CompiledStep {
  /** The policy's name (for logs and traces). */
  readonly policy: string;
  /** Where the step is in the configuration (e.g. `pipelines.api.policies[0].proxy[0].action`), for logs. */
  readonly path: string;
  /** The policy's logger: the dispatcher reports a policy that breaks the `next()` protocol through it. */
  readonly logger: Logger;
  /** Runs the step only when it returns true. */
  readonly condition: ConditionPredicate | undefined;
  readonly handle: RequestHandler;
  /** The policy's explainer, built on first use (absent when the policy has no `explain`). */
  readonly explainer?: () => Promise<StepExplainer>;
}

// Steps already reported for calling next() twice: a buggy policy is logged once per compiled step,
// not once per request. Only touched on that misuse, never on the normal path.
const reportedRepeatNext = new WeakSet<CompiledStep>();

function reportRepeatNext(step: CompiledStep): void {
  if (reportedRepeatNext.has(step)) return;
  reportedRepeatNext.add(step);
  step.logger.error("%s: next() was called more than once for one request; the extra calls are ignored (reported once)", step.path);
}

/**
 * Runs `steps` for a request. `done(err)` is called when a step passes an error (or throws, or returns a
 * rejected promise), or with no argument when every step called `next()` without answering.
 * `next("route")` and `next("router")` (Express's signals to skip the rest) also end the pipeline.
 *
 * Each step's `next` moves the pipeline on once (as Hono's compose guards it): a second `next()` from
 * the same step is ignored and reported, so a misbehaving policy cannot run the steps after it twice
 * (e.g. reach the proxy while an auth step after it is still deciding). An error passed or thrown after
 * `next()` still reaches `done`, to be answered or logged.
 */
export function runPipeline(steps: readonly CompiledStep[], req: Request, res: Response, done: (err?: unknown) => void): void {
  let index = 0;
  let finished = false;
  const advance = (err?: unknown): void => {
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
      // One closure per step run: it remembers whether this step has already moved the pipeline on.
      let called = false;
      const next = (stepErr?: unknown): void => {
        if (!called) {
          called = true;
          advance(stepErr);
        } else if (stepErr !== undefined && stepErr !== null && stepErr !== "route" && stepErr !== "router") {
          advance(stepErr);
        } else {
          reportRepeatNext(step);
        }
      };
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
  advance();
}
