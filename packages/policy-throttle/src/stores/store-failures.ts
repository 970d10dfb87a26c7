/**
 * What a throttling step does when its store (Redis) fails: `fail-open` lets the request through
 * unlimited, `fail-closed` answers 503 STORE_UNAVAILABLE. Either way the failure is counted in
 * `turnpike_store_errors_total`, and logged, but not once per request: during an outage every request
 * fails the same way, so the gateway writes one line when it starts, a summary at most every 30 s while it
 * lasts, and one line when the store answers again.
 */
import type { NextFunction, Request, Response } from "express";
import { GatewayError, type Logger, type PolicyContext, type SharedRegistry } from "@turnpike/core";

/** The `onStoreError` option. */
export type OnStoreError = "fail-open" | "fail-closed";

/** Schema of the `onStoreError` option, shared by the policies. */
export const ON_STORE_ERROR_OPTION = {
  type: "string",
  enum: ["fail-open", "fail-closed"],
  default: "fail-open",
  description:
    "When the store (Redis) fails or does not answer in time: `fail-open` lets the request through without limiting it " +
    "(the API stays up while Redis is down); `fail-closed` answers 503 STORE_UNAVAILABLE. Either way the error is logged " +
    "(at most once per 30 s) and counted in `turnpike_store_errors_total`.",
} as const;

const LOG_INTERVAL_MS = 30_000;

/** Gateway-wide, rate-limited log of store failures. */
export class StoreFailureLog {
  private failing = false;
  private lastLogAt = 0;
  private unlogged = 0;
  private total = 0;

  constructor(private readonly intervalMs = LOG_INTERVAL_MS) {}

  /** Records one failure of `source` (a step's path), logging it on the step's `logger` when a line is due. */
  failure(logger: Logger, source: string, mode: OnStoreError, err: unknown, now = Date.now()): void {
    this.total++;
    const message = (err as Error | undefined)?.message ?? String(err);
    if (!this.failing || now - this.lastLogAt >= this.intervalMs) {
      const more = this.unlogged > 0 ? ` (${this.unlogged} more store errors, in any throttling step, since the last line)` : "";
      logger.error(
        "throttling store error at %s: %s; %s%s",
        source,
        message,
        mode === "fail-open" ? "requests pass unlimited" : "requests are refused with 503",
        more,
      );
      this.failing = true;
      this.lastLogAt = now;
      this.unlogged = 0;
    } else {
      this.unlogged++;
    }
  }

  /** Records a success; logs once (on `logger`) when the store answers again after failures. */
  success(logger: Logger): void {
    if (!this.failing) return;
    this.failing = false;
    logger.info("throttling store answering again after %d errors; limits apply again", this.total);
    this.total = 0;
    this.unlogged = 0;
  }
}

const KEY = "turnpike.policy-throttle.failure-log";

/** The gateway's {@link StoreFailureLog}: one for every throttling step, so that an outage is reported once, not once per step. */
export function storeFailureLog(shared: SharedRegistry): StoreFailureLog {
  return shared.get(KEY, () => new StoreFailureLog());
}

/** Handles store failures of one step. */
export interface StoreFailureHandler {
  /** Deals with a failed store call for this request: passes it on (fail-open) or answers 503. */
  fail(err: unknown, req: Request, res: Response, next: NextFunction): void;
  /** Notes a successful store call (ends an outage in the log). */
  succeeded(): void;
}

/** Creates the failure handling of one step. */
export function createStoreFailureHandler(ctx: PolicyContext, mode: OnStoreError): StoreFailureHandler {
  const log = storeFailureLog(ctx.stores.shared);
  const labels = { policy: ctx.name, pipeline: ctx.pipeline, store: "redis", outcome: mode === "fail-open" ? "allowed" : "rejected" };
  const help = "Errors of the state store a throttling policy uses, by what happened to the request";
  // Quiet: the failure log above reports the outage; the error handler must not add a line per request.
  const unavailable = new GatewayError("STORE_UNAVAILABLE", undefined, { headers: { "Retry-After": "1" }, quiet: true });
  return {
    fail(err, req, res, next) {
      ctx.metrics.increment("turnpike_store_errors_total", labels, help);
      log.failure(ctx.logger, ctx.path, mode, err);
      if (mode === "fail-open") return next();
      next(unavailable);
    },
    succeeded: () => log.success(ctx.logger),
  };
}
