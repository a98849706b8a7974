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

/**
 * What the console's inspector learns about one request beyond the request context: the
 * stages fill it only while a console watches (`RequestContext.trace` is `null` otherwise, so
 * recording costs one null check per stage when nobody looks).
 */
export interface RequestTrace {
  /** The authorizer's input and decision (JWT claims or the failed check; a Lambda authorizer's response and whether it came from the cache). */
  authorizer: TracedAuthorizer | null
  /** The Lambda event sent (JSON text) and the raw result received. */
  lambda: { event: string; result: string | null; outcome: string } | null
  /** Parameter mappings applied: the request parts after `requestParameters`. */
  requestMapping: { headers: ReadonlyArray<readonly [string, string]>; rawQueryString: string; path: string | null } | null
  /** The `HTTP_PROXY` upstream exchange. */
  upstream: { method: string; url: string; headers: ReadonlyArray<readonly [string, string]>; status: number | null; responseHeaders: ReadonlyArray<readonly [string, string]> | null } | null
  /** The access-log line written for the request, or `null` (no access log, or no stage). */
  accessLogLine: string | null
}

export interface TracedAuthorizer {
  readonly type: 'JWT' | 'REQUEST' | 'AWS_IAM'
  /** What the authorizer read: the identity source values (or the Lambda authorizer's event). */
  readonly input: unknown
  /** The JWT's claims, or the Lambda authorizer's response as parsed. */
  readonly response: unknown
  /** Whether a Lambda authorizer's decision came from its cache. */
  readonly cached: boolean | null
}

/** Where the WebSocket plane reports messages when a console watches (`observability/` implements it). */
export interface ConnectionInspector {
  /** Whether messages are being recorded now (a console client is connected). */
  readonly active: boolean
  /** A message received from (`in`) or sent to (`out`) a connection. */
  message(connectionId: string, direction: 'in' | 'out', data: string | Buffer): void
  /**
   * A handshake began (whether or not a console watches: one may open later): the secret values
   * of its request headers mask function log lines until `disconnected`, as a request's do
   * while it is in progress. The `$connect` event carries those headers, and a function may log
   * them on any later route of the connection.
   */
  connecting(connectionId: string, rawHeaders: readonly string[]): void
  /** The connection is gone (or its handshake was refused), after its `$disconnect` ran. */
  disconnected(connectionId: string): void
}

/**
 * An invocation that returned or failed (no timeout or crash), as its END and REPORT lines
 * tell it: the function pool's facts, from which those lines' text is made when it is shown
 * (`functions/`' `endLine` and `reportLine`).
 */
export interface InvocationReport {
  /** Lambda's request id of the invocation. */
  readonly requestId: string
  readonly durationMs: number
  readonly memorySizeMB: number
  readonly maxMemoryUsedMB: number
  /** The init duration the first invocation after a cold start reports, or -1. */
  readonly initDurationMs: number
}

/**
 * Where a function pool sends its own START, END and REPORT lines as facts rather than text
 * (the gateway writes their text to the function log, the console's inspector keeps the facts
 * and formats them when shown). A timeout's or crash's closing lines still come as text.
 */
export interface InvocationLogReceiver {
  /** An invocation starts (its START line). */
  started(requestId: string): void
  /** An invocation returned or failed (its END and REPORT lines). */
  ended(report: InvocationReport): void
}
