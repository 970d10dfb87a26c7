/**
 * The `rate-limit` policy: at most `max` requests per key in each window, then 429 RATE_LIMITED with
 * `Retry-After` and the IETF RateLimit headers. Express Gateway's options on express-rate-limit 8's
 * middleware; counts kept in the step's own window counters (memory, or Redis shared by every instance)
 * through express-rate-limit's Store interface.
 */
import { ConfigError, GatewayError, definePolicy, type PolicyContext } from "@turnpike/core";
import { rateLimit } from "express-rate-limit";
import { compileKey, compileTemplateKey, type ThrottleKey } from "../../keys/compile-key.js";
import { explainKey } from "../../keys/explain-key.js";
import { chooseStore } from "../../stores/choose-store.js";
import { openWindowCounters } from "../../stores/open-window-counters.js";
import { secondsUntil } from "../../seconds-until.js";
import { rateLimitSchema, type RateLimitOptions } from "./rate-limit-schema.js";
import { CLIENT_IP_KEY_PREFIX, WindowCounterStore } from "./window-counter-store.js";

/** The step's key: `rateLimitBy` (Express Gateway's template) or `by`. */
function rateLimitKey(options: RateLimitOptions, ctx: PolicyContext): ThrottleKey {
  if (options.by !== undefined && options.rateLimitBy !== undefined) {
    throw new ConfigError([{ path: `${ctx.path}.by`, message: "use either by or rateLimitBy, not both" }]);
  }
  return options.rateLimitBy !== undefined
    ? compileTemplateKey(options.rateLimitBy, ctx, `${ctx.path}.rateLimitBy`, options.ipv6Subnet)
    : compileKey(options.by ?? "ip", ctx, `${ctx.path}.by`, options.ipv6Subnet);
}

const THROTTLED_HELP = "Requests refused by a throttling policy";

/** The `rate-limit` policy. */
export const rateLimitPolicy = definePolicy<RateLimitOptions>({
  name: "rate-limit",
  phase: "traffic",
  description: "Limits requests per key (client IP, consumer, header, template) in fixed windows; 429 beyond the limit.",
  schema: rateLimitSchema,
  create(options, ctx) {
    const { max, windowMs } = options;
    const key = rateLimitKey(options, ctx);
    const counters = openWindowCounters(ctx, chooseStore(options.store, ctx), "rl", windowMs, max);
    const refusal = new GatewayError("RATE_LIMITED", options.message, { status: options.statusCode });
    const throttledLabels = { policy: ctx.name, pipeline: ctx.pipeline };

    return rateLimit({
      windowMs,
      limit: max,
      standardHeaders: options.standardHeaders,
      legacyHeaders: options.legacyHeaders,
      store: new WindowCounterStore(counters, windowMs, options.onStoreError, ctx),
      // Requests without a key of their own (an anonymous `${req.user.id}`) count by client IP, in buckets
      // apart from the keyed ones.
      keyGenerator: (req, res) => {
        const k = key.read(req, res);
        return k === "" ? `${CLIENT_IP_KEY_PREFIX}${key.clientKey(res)}` : k;
      },
      handler: (req, res, next) => {
        ctx.metrics.increment("turnpike_throttled_requests_total", throttledLabels, THROTTLED_HELP);
        // The contract wants Retry-After with every 429, also with standardHeaders: false.
        const resetTime = (req as typeof req & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
        if (!res.headersSent && !res.hasHeader("retry-after") && resetTime)
          res.setHeader("Retry-After", String(secondsUntil(resetTime.getTime(), Date.now())));
        next(refusal);
      },
      // Configuration is checked by the schema; the runtime checks look at req.ip and trust proxy,
      // which the gateway decides itself (res.locals.turnpike.clientIp).
      validate: false,
      passOnStoreError: false,
    });
  },
  explain(options, ctx) {
    const key = rateLimitKey(options, ctx);
    return (req, res) => {
      const counted = explainKey(key, req, res);
      return {
        summary: `counts under key ${JSON.stringify(counted.key)} (by ${counted.by}): at most ${options.max} per ${options.windowMs} ms, in this step's own buckets`,
        details: { ...counted, max: options.max, windowMs: options.windowMs },
      };
    };
  },
});
