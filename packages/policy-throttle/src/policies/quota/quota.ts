/**
 * The `quota` policy: at most `max` requests per key (by default the consumer) in each calendar period
 * (day, month, ...), then 429 QUOTA_EXCEEDED until the period ends. With Redis the counts are shared by
 * every instance and outlive gateway restarts.
 */
import type { NextFunction, Request, Response } from "express";
import { GatewayError, definePolicy } from "@turnpike/core";
import { compileKey } from "../../keys/compile-key.js";
import { secondsUntil } from "../../seconds-until.js";
import { chooseStore } from "../../stores/choose-store.js";
import { openWindowCounters } from "../../stores/open-window-counters.js";
import { createStoreFailureHandler } from "../../stores/store-failures.js";
import type { WindowCounter, WindowHit } from "../../stores/window-counter.js";
import { explainKey } from "../../keys/explain-key.js";
import { LONGEST_PERIOD_MS, createPeriodClock } from "./quota-periods.js";
import { quotaSchema, type QuotaOptions } from "./quota-schema.js";

/** The `quota` policy. */
export const quotaPolicy = definePolicy<QuotaOptions>({
  name: "quota",
  phase: "traffic",
  description: "Limits requests per consumer (or other key) per calendar day, week or month; 429 once the quota is used up.",
  schema: quotaSchema,
  create(options, ctx) {
    const { max } = options;
    const key = compileKey(options.by, ctx, `${ctx.path}.by`, options.ipv6Subnet);
    const store = chooseStore(options.store, ctx);
    if (store.kind === "memory") {
      ctx.warn(
        "quota counts are kept in this process's memory: they start again from zero when the gateway restarts (configure redis: to keep and share them)",
      );
    }
    const counters = openWindowCounters(ctx, store, "quota", LONGEST_PERIOD_MS);
    const periodOf = createPeriodClock(options.period);
    const failure = createStoreFailureHandler(ctx, options.onStoreError);
    const refusal = new GatewayError("QUOTA_EXCEEDED", options.message);
    const limit = String(max);
    const throttledLabels = { policy: ctx.name, pipeline: ctx.pipeline };

    const decide = (res: Response, next: NextFunction, hits: number, end: number, now: number): void => {
      const reset = String(secondsUntil(end, now));
      if (options.headers && !res.headersSent) {
        res.setHeader("X-Quota-Limit", limit);
        res.setHeader("X-Quota-Remaining", String(hits < max ? max - hits : 0));
        res.setHeader("X-Quota-Reset", reset);
      }
      if (hits <= max) return next();
      ctx.metrics.increment("turnpike_throttled_requests_total", throttledLabels, "Requests refused by a throttling policy");
      if (!res.headersSent) res.setHeader("Retry-After", reset);
      next(refusal);
    };

    return function quota(req: Request, res: Response, next: NextFunction) {
      let counter: WindowCounter = counters.keyed;
      let k = key.read(req, res);
      if (k === "") {
        k = key.clientKey(res);
        counter = counters.byClientIp;
      }
      const now = Date.now();
      const period = periodOf(now);
      // In memory a key's window simply ends with the period; in Redis the period is part of the key, so
      // that instances agree on it and a count never leaks into the next period.
      const result = counter.hit(counter.local ? k : `${period.label}:${k}`, now, period.end - now);
      if (counter.local) return decide(res, next, (result as WindowHit).hits, period.end, now);
      (result as Promise<WindowHit>).then(
        (hit) => {
          failure.succeeded();
          // Inside a promise callback: anything thrown must reach the error handler, not become an unhandled rejection.
          try {
            decide(res, next, hit.hits, period.end, now);
          } catch (err) {
            next(err);
          }
        },
        (err: unknown) => failure.fail(err, req, res, next),
      );
    };
  },
  explain(options, ctx) {
    const key = compileKey(options.by, ctx, `${ctx.path}.by`, options.ipv6Subnet);
    return (req, res) => {
      const counted = explainKey(key, req, res);
      return {
        summary: `counts under key ${JSON.stringify(counted.key)} (by ${counted.by}): at most ${options.max} per ${String(options.period)}`,
        details: { ...counted, max: options.max, period: options.period },
      };
    };
  },
});
