/**
 * @module
 * What a stage records about each request or WebSocket event: access-log lines (`logging/`
 * formats and writes them) and per-route metrics (`metrics/`).
 */

/** Formats one access-log line from a finished request (or WebSocket event record). */
export type AccessLogFormatter<C> = (ctx: C) => string

export interface AccessLogSink {
  write(line: string): void
}

export interface CompiledAccessLog<C> {
  readonly format: AccessLogFormatter<C>
  readonly sink: AccessLogSink
}

/** A route's request metrics (CloudWatch's `Count`, `4xx`, `5xx`, latencies, `DataProcessed`). */
export interface RouteMetrics {
  /** Records one finished request: status, total latency, integration latency (-1: none), bytes. */
  record(status: number, latencyMs: number, integrationLatencyMs: number, bytes: number): void
}
