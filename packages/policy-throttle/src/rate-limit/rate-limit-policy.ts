/**
 * The `rate-limit` policy: at most `max` requests per key in each window, then 429 RATE_LIMITED with
 * `Retry-After` and the IETF RateLimit headers. Express Gateway's options, express-rate-limit 8's
 * semantics (fixed windows, its header formats, its canonical IPv6 keys) and a per-request path without
 * promises when the counts are in memory.
 */
import type { NextFunction, Request, Response } from "express";
import { ConfigError, GatewayError, definePolicy } from "@turnpike/core";
import { compileKey, compileTemplateKey } from "../keys/compile-key.js";
import { chooseStore } from "../stores/choose-store.js";
import { openWindowCounters } from "../stores/open-window-counters.js";
import { createStoreFailureHandler } from "../stores/store-failures.js";
import type { WindowCounter, WindowHit } from "../stores/window-counter.js";
import { compileRateLimitHeaders, secondsUntil } from "./rate-limit-headers.js";
import { rateLimitSchema, type RateLimitOptions } from "./rate-limit-schema.js";

const THROTTLED_HELP = "Requests refused by a throttling policy";

/** The `rate-limit` policy. */
export const rateLimitPolicy = definePolicy<RateLimitOptions>({
  name: "rate-limit",
  description: "Limits requests per key (client IP, consumer, header, template) in fixed windows; 429 beyond the limit.",
  schema: rateLimitSchema,
  create(options, ctx) {
    if (options.by !== undefined && options.rateLimitBy !== undefined) {
      throw new ConfigError([{ path: `${ctx.path}.by`, message: "use either by or rateLimitBy, not both" }]);
    }
    const { max, windowMs } = options;
    const key =
      options.rateLimitBy !== undefined
        ? compileTemplateKey(options.rateLimitBy, ctx, `${ctx.path}.rateLimitBy`, options.ipv6Subnet)
        : compileKey(options.by ?? "ip", ctx, `${ctx.path}.by`, options.ipv6Subnet);
    const store = chooseStore(options.store, ctx);
    const counters = openWindowCounters(ctx, store, "rl", windowMs);
    const writeHeaders = compileRateLimitHeaders(options);
    const failure = createStoreFailureHandler(ctx, options.onStoreError);
    const refusal = new GatewayError("RATE_LIMITED", options.message, { status: options.statusCode });
    const throttledLabels = { policy: ctx.name, pipeline: ctx.pipeline };

    const decide = (req: Request, res: Response, next: NextFunction, hit: WindowHit, now: number, k: string): void => {
      const { hits, resetAt } = hit;
      if (writeHeaders !== undefined && !res.headersSent) writeHeaders(res, hits, resetAt, now, k);
      if (hits <= max) return next();
      ctx.metrics.increment("turnpike_throttled_requests_total", throttledLabels, THROTTLED_HELP);
      if (!res.headersSent) res.setHeader("Retry-After", String(secondsUntil(resetAt, now)));
      next(refusal);
    };

    return function rateLimit(req, res, next) {
      let counter: WindowCounter = counters.keyed;
      let k = key.read(req, res);
      if (k === "") {
        k = key.clientKey(res);
        counter = counters.byClientIp;
      }
      const now = Date.now();
      const result = counter.hit(k, now, windowMs);
      if (counter.local) return decide(req, res, next, result as WindowHit, now, k);
      (result as Promise<WindowHit>).then(
        (hit) => {
          failure.succeeded();
          // Inside a promise callback: anything thrown must reach the error handler, not become an unhandled rejection.
          try {
            decide(req, res, next, hit, now, k);
          } catch (err) {
            next(err);
          }
        },
        (err: unknown) => failure.fail(err, req, res, next),
      );
    };
  },
});
