/**
 * A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text format
 * (https://prometheus.io/docs/instrumenting/exposition_formats/). Enough for /metrics; no client library needed.
 */

import type { MiddlewareHandler } from "hono";

type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const parts = Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`);
  return parts.length > 0 ? `{${parts.join(",")}}` : "";
}

export abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge" | "histogram",
  ) {}
  abstract lines(): string[];
  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...this.lines()].join(
      "\n",
    );
  }
}

/** One number per label set: the body counters and gauges share. */
abstract class LabeledValues extends Metric {
  protected readonly values = new Map<string, number>();
  protected addTo(labels: Labels, by: number): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  lines(): string[] {
    return [...this.values].map(([key, value]) => `${this.name}${key} ${value}`);
  }
}

/** Only goes up. */
export class Counter extends LabeledValues {
  constructor(name: string, help: string) {
    super(name, help, "counter");
  }
  inc(labels: Labels = {}, by = 1): void {
    this.addTo(labels, by);
  }
}

/** Goes up and down, or is set. */
export class Gauge extends LabeledValues {
  constructor(name: string, help: string) {
    super(name, help, "gauge");
  }
  set(labels: Labels, value: number): void {
    this.values.set(labelKey(labels), value);
  }
  add(labels: Labels, by: number): void {
    this.addTo(labels, by);
  }
}

export class Histogram extends Metric {
  private readonly series = new Map<
    string,
    { labels: Labels; counts: number[]; sum: number; count: number }
  >();
  constructor(
    name: string,
    help: string,
    private readonly buckets: number[],
  ) {
    super(name, help, "histogram");
  }
  observe(labels: Labels, value: number): void {
    const key = labelKey(labels);
    let entry = this.series.get(key);
    if (!entry) {
      entry = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, entry);
    }
    this.buckets.forEach((bound, i) => {
      if (value <= bound) entry.counts[i]!++;
    });
    entry.sum += value;
    entry.count++;
  }
  lines(): string[] {
    return [...this.series.values()].flatMap(({ labels, counts, sum, count }) => [
      ...this.buckets.map(
        (bound, i) => `${this.name}_bucket${labelKey({ ...labels, le: String(bound) })} ${counts[i]}`,
      ),
      `${this.name}_bucket${labelKey({ ...labels, le: "+Inf" })} ${count}`,
      `${this.name}_sum${labelKey(labels)} ${sum}`,
      `${this.name}_count${labelKey(labels)} ${count}`,
    ]);
  }
}

/** Prometheus text for `metrics`, in order. */
export function renderMetrics(metrics: readonly Metric[]): string {
  return `${metrics.map((metric) => metric.render()).join("\n")}\n`;
}

/** Request latency buckets, in seconds: from a cached answer to a long strategy run. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** What every app this package serves counts: requests by route and status, and their latency. */
export class HttpMetrics {
  readonly requests = new Counter("deliberate_requests_total", "HTTP requests by route and status.");
  readonly latency = new Histogram(
    "deliberate_request_duration_seconds",
    "Request latency in seconds, by route.",
    LATENCY_BUCKETS,
  );

  /** Every metric, in the order `/metrics` lists them. */
  protected all(): Metric[] {
    return [this.requests, this.latency];
  }

  render(): string {
    return renderMetrics(this.all());
  }
}

/** Middleware counting each request by its route pattern (`other` for unknown routes) and status. */
export function observeRequests(metrics: HttpMetrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.req.routePath === "/*" ? "other" : c.req.routePath;
    metrics.requests.inc({ route, status: String(c.res.status) });
    metrics.latency.observe({ route }, (performance.now() - started) / 1000);
  };
}

/** The server's metrics. One instance per app, so tests and several apps in one process don't share state. */
export class ServerMetrics extends HttpMetrics {
  readonly tokens = new Counter(
    "deliberate_tokens_total",
    "Tokens used by model calls, by backend and kind.",
  );
  readonly queueDepth = new Gauge("deliberate_queue_depth", "Requests waiting for a slot.");
  readonly inFlight = new Gauge("deliberate_in_flight", "Requests being served, by model.");
  readonly sequences = new Gauge("deliberate_backend_in_flight", "Generations in flight, by backend.");

  protected override all(): Metric[] {
    return [this.requests, this.tokens, this.latency, this.queueDepth, this.inFlight, this.sequences];
  }
}
