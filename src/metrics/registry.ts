/**
 * @module
 * Per-route request metrics named after API Gateway's CloudWatch metrics (`Count`, `4xx`,
 * `5xx`, `Latency`, `IntegrationLatency`, `DataProcessed`), rendered in Prometheus text
 * format. Series are created when a snapshot is compiled and handed to its routes, so
 * recording a request is a few additions on an object it already holds.
 */
import type { RouteMetrics as RouteMetricsSeries } from '../model/index.js'

/** Latency histogram bounds, ms: API Gateway latencies range from sub-ms to the 30 s cap. */
export const LATENCY_BUCKETS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000] as const

/** Prometheus names: CloudWatch's `4xx` cannot start a metric name, hence the prefix. */
const NAMES = {
  count: 'apigateway_count',
  c4xx: 'apigateway_4xx',
  c5xx: 'apigateway_5xx',
  latency: 'apigateway_latency_milliseconds',
  integrationLatency: 'apigateway_integration_latency_milliseconds',
  dataProcessed: 'apigateway_data_processed_bytes',
} as const

/** A histogram's figures as plain data (what workers send the primary). */
export interface HistogramFigures {
  readonly counts: readonly number[]
  readonly sum: number
  readonly count: number
}

/** One series' figures as plain data: a {@link RouteMetrics} is one, and so is its JSON. */
export interface SeriesFigures {
  readonly labels: string
  readonly count: number
  readonly c4xx: number
  readonly c5xx: number
  readonly dataProcessed: number
  readonly latency: HistogramFigures
  readonly integrationLatency: HistogramFigures
}

class Histogram implements HistogramFigures {
  readonly counts = new Array<number>(LATENCY_BUCKETS_MS.length).fill(0)
  sum = 0
  count = 0

  observe(value: number): void {
    this.sum += value
    this.count++
    for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) {
      if (value <= (LATENCY_BUCKETS_MS[i] as number)) {
        this.counts[i] = (this.counts[i] as number) + 1
        return
      }
    }
  }

  /** Adds another process's figures (`--workers N`). */
  add(h: HistogramFigures): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i] = (this.counts[i] as number) + (h.counts[i] ?? 0)
    this.sum += h.sum
    this.count += h.count
  }
}

export class RouteMetrics implements RouteMetricsSeries, SeriesFigures {
  readonly labels: string
  count = 0
  c4xx = 0
  c5xx = 0
  dataProcessed = 0
  readonly latency = new Histogram()
  readonly integrationLatency = new Histogram()

  constructor(labels: string) {
    this.labels = labels
  }

  /** Records one finished request: status, total latency, integration latency (-1: none), bytes. */
  record(status: number, latencyMs: number, integrationLatencyMs: number, bytes: number): void {
    this.count++
    if (status >= 500) this.c5xx++
    else if (status >= 400) this.c4xx++
    this.dataProcessed += bytes
    this.latency.observe(latencyMs)
    if (integrationLatencyMs >= 0) this.integrationLatency.observe(integrationLatencyMs)
  }
}

/** Label value for requests that reached a stage but matched no route. */
export const NO_ROUTE_LABEL = '-'

export class MetricsRegistry {
  readonly #series = new Map<string, RouteMetrics>()

  /** The series for an API stage route, created on first use and kept across reloads. */
  series(apiId: string, stage: string, route: string): RouteMetrics {
    const labels = `api="${escapeLabel(apiId)}",stage="${escapeLabel(stage)}",route="${escapeLabel(route)}"`
    let series = this.#series.get(labels)
    if (series === undefined) this.#series.set(labels, (series = new RouteMetrics(labels)))
    return series
  }

  /** Every series, as it stands (JSON-serialisable: what a worker sends the primary). */
  figures(): readonly SeriesFigures[] {
    return [...this.#series.values()]
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    return renderMetrics(this.figures())
  }
}

/**
 * Several processes' figures as one set (`--workers N`): every metric is a counter or a
 * histogram, so the machine's figure for a series is the sum of the workers' figures.
 */
export function sumFigures(sets: ReadonlyArray<readonly SeriesFigures[]>): SeriesFigures[] {
  const sums = new Map<string, RouteMetrics>()
  for (const set of sets) {
    for (const s of set) {
      let sum = sums.get(s.labels)
      if (sum === undefined) sums.set(s.labels, (sum = new RouteMetrics(s.labels)))
      sum.count += s.count
      sum.c4xx += s.c4xx
      sum.c5xx += s.c5xx
      sum.dataProcessed += s.dataProcessed
      sum.latency.add(s.latency)
      sum.integrationLatency.add(s.integrationLatency)
    }
  }
  return [...sums.values()]
}

/** Prometheus text exposition format 0.0.4 of `all`. */
export function renderMetrics(all: readonly SeriesFigures[]): string {
  let out = ''
  const counter = (name: string, help: string, value: (s: SeriesFigures) => number) => {
    out += `# HELP ${name} ${help}\n# TYPE ${name} counter\n`
    for (const s of all) out += `${name}{${s.labels}} ${value(s)}\n`
  }
  const histogram = (name: string, help: string, pick: (s: SeriesFigures) => HistogramFigures) => {
    out += `# HELP ${name} ${help}\n# TYPE ${name} histogram\n`
    for (const s of all) {
      const h = pick(s)
      let cumulative = 0
      for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) {
        cumulative += h.counts[i] as number
        out += `${name}_bucket{${s.labels},le="${LATENCY_BUCKETS_MS[i]}"} ${cumulative}\n`
      }
      out += `${name}_bucket{${s.labels},le="+Inf"} ${h.count}\n${name}_sum{${s.labels}} ${h.sum}\n${name}_count{${s.labels}} ${h.count}\n`
    }
  }
  counter(NAMES.count, 'Requests (CloudWatch Count).', (s) => s.count)
  counter(NAMES.c4xx, 'Client-side errors (CloudWatch 4xx).', (s) => s.c4xx)
  counter(NAMES.c5xx, 'Server-side errors (CloudWatch 5xx).', (s) => s.c5xx)
  histogram(NAMES.latency, 'Time from request to response, ms (CloudWatch Latency).', (s) => s.latency)
  histogram(NAMES.integrationLatency, 'Time spent in the integration, ms (CloudWatch IntegrationLatency).', (s) => s.integrationLatency)
  counter(NAMES.dataProcessed, 'Request and response body bytes (CloudWatch DataProcessed).', (s) => s.dataProcessed)
  return out
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}
