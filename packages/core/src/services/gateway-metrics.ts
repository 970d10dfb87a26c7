/**
 * Counters policies and plugins increment (store errors, cache hits, ...), kept by the core so that
 * no policy depends on a metrics library; the admin API exposes them in Prometheus format.
 */

/** Labels of one counter series. */
export type MetricLabels = Readonly<Record<string, string>>;

/** One counter series. */
export interface CounterSeries {
  readonly name: string;
  readonly help: string;
  readonly labels: MetricLabels;
  readonly value: number;
}

/** The counters of one gateway. */
export interface GatewayMetrics {
  /**
   * Adds `by` (default 1) to the series `name{labels}`. Names follow Prometheus rules and should start
   * with `turnpike_` and end with `_total`.
   */
  increment(name: string, labels?: MetricLabels, help?: string, by?: number): void;
  /** Every series, for exposition. */
  series(): CounterSeries[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Creates an empty set of counters. */
export function createGatewayMetrics(): GatewayMetrics {
  const counters = new Map<string, { name: string; help: string; labels: MetricLabels; value: number }>();
  return {
    increment(name, labels = {}, help = name, by = 1) {
      if (!NAME.test(name)) throw new TypeError(`invalid metric name ${JSON.stringify(name)}`);
      const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
      const existing = counters.get(key);
      if (existing) existing.value += by;
      else counters.set(key, { name, help, labels: { ...labels }, value: by });
    },
    series: () => [...counters.values()].map((c) => ({ ...c })),
  };
}
