/**
 * `GET /metrics`: what the gateway did, in Prometheus text format, so operators can watch each developer's
 * usage. One prom-client Registry per admin server (never the process-wide default one): two gateways in
 * one process, or a test suite, never mix their numbers.
 *
 * The per-request work is kept to map lookups and additions: the observer counts into plain maps, and
 * the prom-client counter is filled from them only when scraped.
 */
import type { Gateway, RequestState } from "@turnpike/core";
import type { Request, Response } from "express";
import { Counter, Histogram, Registry } from "prom-client";
import { renderCounterSeries } from "./render-counters.js";

/** Distinct `consumer` label values kept; further consumers are counted under {@link OTHER_CONSUMERS}. */
export const MAX_CONSUMER_LABELS = 5000;
/** The `consumer` label of requests whose consumer came after {@link MAX_CONSUMER_LABELS} others. */
export const OTHER_CONSUMERS = "_other";
/** The `status` label of a request the client abandoned before the gateway answered (nginx's 499). */
export const CLIENT_CLOSED = "499";

/** The admin server's metrics. */
export interface AdminMetrics {
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>;
  /** Content-Type of {@link AdminMetrics.render}'s output. */
  readonly contentType: string;
  /** Stops observing the gateway. */
  close(): void;
}

/** Options of {@link createAdminMetrics}. */
export interface AdminMetricsOptions {
  /** Distinct consumer ids labelled before the rest count as `_other` (default {@link MAX_CONSUMER_LABELS}). */
  maxConsumerLabels?: number;
}

/** Request counts: pipeline -> status -> consumer -> count. */
type Counts = Map<string, Map<string, Map<string, number>>>;

const STATUS_LABELS = Array.from({ length: 600 }, (_, i) => String(i));

/**
 * Creates the metrics of one admin server and starts observing `gateway`'s requests:
 * - `turnpike_requests_total{pipeline, status, consumer}`: responses by pipeline, HTTP status code and
 *   consumer id (empty for unauthenticated requests; bounded by {@link MAX_CONSUMER_LABELS});
 * - `turnpike_upstream_latency_seconds{pipeline}`: time to the upstream's response headers;
 * - every counter policies keep in `gateway.metrics` (store errors, cache hits, ...).
 */
export function createAdminMetrics(gateway: Gateway, options: AdminMetricsOptions = {}): AdminMetrics {
  const maxConsumers = options.maxConsumerLabels ?? MAX_CONSUMER_LABELS;
  const registry = new Registry();
  const counts: Counts = new Map();
  const consumers = new Set<string>();

  new Counter({
    name: "turnpike_requests_total",
    help: "Requests the gateway answered, by pipeline, HTTP status and authenticated consumer id (empty when anonymous).",
    labelNames: ["pipeline", "status", "consumer"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [pipeline, byStatus] of counts) {
        for (const [status, byConsumer] of byStatus) {
          for (const [consumer, value] of byConsumer) this.inc({ pipeline, status, consumer }, value);
        }
      }
    },
  });
  const latency = new Histogram({
    name: "turnpike_upstream_latency_seconds",
    help: "Time from sending a request upstream to receiving the upstream's response headers, by pipeline.",
    labelNames: ["pipeline"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  // One labels object per pipeline, reused: prom-client hashes it on each observation.
  const latencyLabels = new Map<string, { pipeline: string }>();

  const consumerLabel = (state: RequestState): string => {
    const id = state.consumer?.id;
    if (id === undefined) return "";
    if (consumers.has(id)) return id;
    if (consumers.size >= maxConsumers) return OTHER_CONSUMERS;
    consumers.add(id);
    return id;
  };

  const stopObserving = gateway.observe(function countRequest(_req: Request, res: Response, state: RequestState) {
    const status = res.headersSent ? (STATUS_LABELS[res.statusCode] ?? String(res.statusCode)) : CLIENT_CLOSED;
    const consumer = consumerLabel(state);
    let byStatus = counts.get(state.pipeline);
    if (byStatus === undefined) counts.set(state.pipeline, (byStatus = new Map()));
    let byConsumer = byStatus.get(status);
    if (byConsumer === undefined) byStatus.set(status, (byConsumer = new Map()));
    byConsumer.set(consumer, (byConsumer.get(consumer) ?? 0) + 1);

    const latencyMs = state.upstream?.latencyMs;
    if (latencyMs !== undefined) {
      let labels = latencyLabels.get(state.pipeline);
      if (labels === undefined) latencyLabels.set(state.pipeline, (labels = { pipeline: state.pipeline }));
      latency.observe(labels, latencyMs / 1000);
    }
  });

  return {
    contentType: registry.contentType,
    async render() {
      const own = await registry.metrics();
      const taken = new Set(registry.getMetricsAsArray().map((m) => m.name));
      const extra = renderCounterSeries(gateway.metrics.series().filter((s) => !taken.has(s.name)));
      return extra === "" ? own : `${own.endsWith("\n") ? own : `${own}\n`}${extra}`;
    },
    close: stopObserving,
  };
}
