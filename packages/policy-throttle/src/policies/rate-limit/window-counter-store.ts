/**
 * express-rate-limit's `Store` over a step's window counters (memory, or Redis shared by every
 * instance), with the step's store-failure rule applied where express-rate-limit would log per request.
 */
import { GatewayError, type PolicyContext } from "@turnpike/core";
import type { ClientRateLimitInfo, Store } from "express-rate-limit";
import type { StepCounters } from "../../stores/open-window-counters.js";
import { storeFailureLog, type OnStoreError } from "../../stores/store-failures.js";
import type { WindowCounter, WindowHit } from "../../stores/window-counter.js";

/** Keys the policy's keyGenerator produces for requests without a key of their own (counted by client IP). */
export const CLIENT_IP_KEY_PREFIX = "\u0000ip:";

const STORE_ERROR_HELP = "Errors of the state store a throttling policy uses, by what happened to the request";

/** express-rate-limit `Store` backed by a rate-limit step's counters. */
export class WindowCounterStore implements Store {
  /** Memory counters are local to this process; Redis ones are shared. */
  readonly localKeys: boolean;
  private readonly log;
  private readonly labels;
  private readonly unavailable = new GatewayError("STORE_UNAVAILABLE", undefined, { headers: { "Retry-After": "1" }, quiet: true });

  constructor(
    private readonly counters: StepCounters,
    private readonly windowMs: number,
    private readonly onStoreError: OnStoreError,
    private readonly ctx: PolicyContext,
  ) {
    this.localKeys = counters.keyed.local;
    this.log = storeFailureLog(ctx.stores.shared);
    this.labels = {
      policy: ctx.name,
      pipeline: ctx.pipeline,
      store: "redis",
      outcome: onStoreError === "fail-open" ? "allowed" : "rejected",
    };
  }

  private route(key: string): [WindowCounter, string] {
    return key.startsWith(CLIENT_IP_KEY_PREFIX)
      ? [this.counters.byClientIp, key.slice(CLIENT_IP_KEY_PREFIX.length)]
      : [this.counters.keyed, key];
  }

  increment(key: string): ClientRateLimitInfo | Promise<ClientRateLimitInfo> {
    const [counter, k] = this.route(key);
    const now = Date.now();
    const result = counter.hit(k, now, this.windowMs);
    // The memory store answers at once; Redis counters too when they hold reserved places.
    if (!(result instanceof Promise)) return toInfo(result);
    return result.then(
      (hit) => {
        this.log.success(this.ctx.logger);
        return toInfo(hit);
      },
      (err: unknown) => this.failed(err, now),
    );
  }

  /**
   * A failed store call: counted and logged (at most once per 30 s, gateway-wide), then the request
   * passes unlimited (fail-open) or is refused with 503 (fail-closed). express-rate-limit's own
   * `passOnStoreError` would log every request of an outage, so the rule is applied here.
   */
  private failed(err: unknown, now: number): ClientRateLimitInfo {
    this.ctx.metrics.increment("turnpike_store_errors_total", this.labels, STORE_ERROR_HELP);
    this.log.failure(this.ctx.logger, this.ctx.path, this.onStoreError, err);
    if (this.onStoreError === "fail-closed") throw this.unavailable;
    return { totalHits: 0, resetTime: new Date(now + this.windowMs) };
  }

  // Counts are never given back: skipFailedRequests/skipSuccessfulRequests are not offered.
  decrement(): void {}

  resetKey(): void {}
}

function toInfo(hit: WindowHit): ClientRateLimitInfo {
  return { totalHits: hit.hits, resetTime: new Date(hit.resetAt) };
}
