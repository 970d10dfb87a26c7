/**
 * Per-pipeline counters of cache outcomes. The hit path only increments a field; the registry adds the
 * totals to the gateway's metrics once a second (the metrics API builds a label key per call, which the
 * hit path cannot afford).
 */
import type { GatewayMetrics } from "@turnpike/core";

/** Outcome counts of one cache policy since the last flush. */
export class CacheCounters {
  hit = 0;
  miss = 0;
  bypass = 0;
  stored = 0;

  constructor(readonly pipeline: string) {}

  /** Adds the counts to `metrics` and resets them. */
  flush(metrics: GatewayMetrics): void {
    const labels = (result: string) => ({ pipeline: this.pipeline, result });
    const help = "Requests that passed the cache policy, by result (hit, miss, bypass)";
    if (this.hit > 0) metrics.increment("turnpike_cache_requests_total", labels("hit"), help, this.hit);
    if (this.miss > 0) metrics.increment("turnpike_cache_requests_total", labels("miss"), help, this.miss);
    if (this.bypass > 0) metrics.increment("turnpike_cache_requests_total", labels("bypass"), help, this.bypass);
    if (this.stored > 0)
      metrics.increment("turnpike_cache_stored_total", { pipeline: this.pipeline }, "Responses stored by the cache", this.stored);
    this.hit = this.miss = this.bypass = this.stored = 0;
  }
}
