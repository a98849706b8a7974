/**
 * @module
 * The console's request inspector: while at least one console client listens, every finished
 * request is kept (the last `MAX_INSPECTED_REQUESTS`, within `MAX_INSPECTOR_BYTES`) with what
 * the stages traced, and announced to the listeners. With no listener the data plane does not
 * even create a trace (`active` is false), so an unwatched gateway pays one property read per
 * request. Secrets are masked when a request is recorded; only replay reads the original.
 */
import type { ConnectionInspector, Reply, RequestContext, RequestInspector } from '../model/index.js'
import { maskHeaders, maskText, recordedBody, recordedText, secretsOf, truncationMarker } from './masking.js'

/** Requests kept for the console; the oldest go first. */
export const MAX_INSPECTED_REQUESTS = 500
/** Bytes of recorded requests kept (bodies, events, results counted); the oldest go first past it. */
export const MAX_INSPECTOR_BYTES = 32 * 1024 * 1024
/** Function log lines kept for the tail and per invocation. */
export const MAX_FUNCTION_LOG_LINES = 1_000
/** Lines kept for one invocation (a chatty function does not crowd out the rest). */
export const MAX_LINES_PER_INVOCATION = 200

/** Messages kept per WebSocket connection, and connections whose messages are kept. */
export const MAX_MESSAGES_PER_CONNECTION = 100
export const MAX_LOGGED_CONNECTIONS = 200
/** A WebSocket message is kept up to this many bytes, then cut with a marker. */
export const MAX_RECORDED_MESSAGE_BYTES = 2048

/** A WebSocket message as the console shows it. */
export interface ConnectionMessage {
  /** Epoch ms. */
  readonly time: number
  readonly direction: 'in' | 'out'
  readonly data: string
}

/** One line of the live request list. */
export interface InspectedRequestSummary {
  readonly id: string
  /** Epoch ms when the request arrived. */
  readonly time: number
  readonly method: string
  readonly path: string
  readonly query: string
  readonly apiId: string | null
  readonly stage: string | null
  readonly routeKey: string | null
  readonly status: number
  readonly latency: number
  /** `$context.error.responseType` and `$context.error.message`, when the gateway answered by itself. */
  readonly error: { readonly responseType: string; readonly message: string } | null
  readonly integrationError: string
  readonly authorizerError: string
}

/** Everything the console shows about one request. */
export interface InspectedRequest extends InspectedRequestSummary {
  readonly host: string
  readonly sourceIp: string
  readonly requestHeaders: ReadonlyArray<readonly [string, string]>
  readonly requestBody: string
  readonly responseHeaders: ReadonlyArray<readonly [string, string]>
  /** `null` when the body was streamed from a backend (not kept). */
  readonly responseBody: string | null
  readonly responseLength: number
  readonly integration: { readonly type: string | null; readonly requestId: string; readonly latency: number; readonly status: number }
  readonly authorizer: unknown
  readonly lambda: { readonly event: string; readonly result: string | null; readonly outcome: string } | null
  readonly requestMapping: unknown
  readonly upstream: unknown
  readonly accessLogLine: string | null
  /** The function log lines of the invocation (filled when asked for: END and REPORT follow the answer). */
  functionLogs: readonly string[]
}

/** What replay needs: the request as it came, secrets included (never sent to the console). */
export interface ReplaySource {
  readonly method: string
  /** Path and query as the client sent them. */
  readonly target: string
  readonly rawHeaders: readonly string[]
  readonly body: Buffer
}

export type InspectorEvent =
  | { readonly type: 'request'; readonly request: InspectedRequestSummary }
  | { readonly type: 'function-log'; readonly line: string }
  | { readonly type: 'connection-message'; readonly connectionId: string; readonly message: ConnectionMessage }

export type InspectorListener = (event: InspectorEvent) => void

interface Entry {
  readonly request: InspectedRequest
  readonly replay: ReplaySource
  readonly secrets: readonly string[]
  readonly bytes: number
}

export class Inspector implements RequestInspector, ConnectionInspector {
  readonly #listeners = new Set<InspectorListener>()
  readonly #entries = new Map<string, Entry>()
  #bytes = 0
  readonly #tail: string[] = []
  readonly #linesByInvocation = new Map<string, string[]>()
  readonly #messages = new Map<string, ConnectionMessage[]>()

  /** Whether requests are recorded now: a console client listens. */
  get active(): boolean {
    return this.#listeners.size > 0
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: InspectorListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  get listeners(): number {
    return this.#listeners.size
  }

  record(ctx: RequestContext, sent: Reply, responseLength: number): void {
    const trace = ctx.trace
    if (trace === null) return
    const secrets = secretsOf(ctx.rawHeaders)
    const pairs: Array<[string, string]> = []
    for (let i = 0; i < ctx.rawHeaders.length; i += 2) pairs.push([ctx.rawHeaders[i] as string, ctx.rawHeaders[i + 1] as string])
    const masked = (value: unknown): unknown => (value === null || value === undefined ? null : JSON.parse(maskText(JSON.stringify(value), secrets)))
    const lambda = trace.lambda === null ? null : {
      event: recordedText(maskText(trace.lambda.event, secrets)),
      result: trace.lambda.result === null ? null : recordedText(maskText(trace.lambda.result, secrets)),
      outcome: trace.lambda.outcome,
    }
    const request: InspectedRequest = {
      id: ctx.requestId,
      time: ctx.requestTimeEpoch,
      method: ctx.method,
      path: ctx.path,
      query: ctx.rawQueryString,
      apiId: ctx.api?.apiId ?? null,
      stage: ctx.stage?.stageName ?? null,
      routeKey: ctx.route?.routeKey ?? null,
      status: sent.statusCode,
      latency: ctx.responseLatency >= 0 ? ctx.responseLatency : Math.round(performance.now() - ctx.startedAt),
      error: sent.error === null ? null : { responseType: sent.error.responseType, message: sent.error.message },
      integrationError: ctx.integrationErrorMessage,
      authorizerError: ctx.authorizerError,
      host: ctx.host,
      sourceIp: ctx.sourceIp,
      requestHeaders: maskHeaders(pairs, secrets),
      requestBody: recordedBody(ctx.body),
      responseHeaders: maskHeaders(sent.headers, secrets),
      responseBody: sent.stream === undefined ? maskText(recordedBody(sent.body), secrets) : null,
      responseLength,
      integration: { type: ctx.route?.integration?.integrationType ?? null, requestId: ctx.integrationRequestId, latency: ctx.integrationLatency, status: ctx.integrationStatus },
      authorizer: masked(trace.authorizer),
      lambda,
      requestMapping: masked(trace.requestMapping),
      upstream: masked(trace.upstream),
      accessLogLine: trace.accessLogLine === null ? null : maskText(trace.accessLogLine, secrets),
      functionLogs: [],
    }
    const replay: ReplaySource = {
      method: ctx.method,
      target: ctx.rawPathname + (ctx.rawQueryString === '' ? '' : '?' + ctx.rawQueryString),
      rawHeaders: ctx.rawHeaders,
      body: ctx.body,
    }
    const bytes = 1024 + ctx.body.length * 2 + request.requestBody.length + (request.responseBody?.length ?? 0) + (lambda === null ? 0 : lambda.event.length + (lambda.result?.length ?? 0))
    this.#entries.set(request.id, { request, replay, secrets, bytes })
    this.#bytes += bytes
    while (this.#entries.size > MAX_INSPECTED_REQUESTS || (this.#bytes > MAX_INSPECTOR_BYTES && this.#entries.size > 1)) this.#evictOldest()
    this.#emit({ type: 'request', request: summaryOf(request) })
  }

  /** Requests kept, oldest first. */
  list(): InspectedRequestSummary[] {
    return [...this.#entries.values()].map((e) => summaryOf(e.request))
  }

  /** One request with its function log lines, or `undefined` when it is no longer kept. */
  get(id: string): InspectedRequest | undefined {
    const entry = this.#entries.get(id)
    if (entry === undefined) return undefined
    const lines = this.#linesByInvocation.get(entry.request.integration.requestId) ?? []
    return { ...entry.request, functionLogs: lines.map((l) => maskText(l, entry.secrets)) }
  }

  /** The request as received, for replay, or `undefined`. */
  replaySource(id: string): ReplaySource | undefined {
    return this.#entries.get(id)?.replay
  }

  /** Forgets every kept request (the console's Clear button). */
  clear(): void {
    this.#entries.clear()
    this.#bytes = 0
  }

  /**
   * A function log line (START/END/REPORT or console output, each naming the invocation's
   * request id): kept per invocation and in the tail while a console listens.
   */
  functionLog(line: string): void {
    if (this.#listeners.size === 0) return
    this.#tail.push(line)
    if (this.#tail.length > MAX_FUNCTION_LOG_LINES) this.#tail.shift()
    const id = invocationIdOf(line)
    if (id !== undefined) {
      let lines = this.#linesByInvocation.get(id)
      if (lines === undefined) {
        this.#linesByInvocation.set(id, (lines = []))
        if (this.#linesByInvocation.size > MAX_FUNCTION_LOG_LINES) this.#linesByInvocation.delete(this.#linesByInvocation.keys().next().value as string)
      }
      if (lines.length < MAX_LINES_PER_INVOCATION) lines.push(recordedText(line))
    }
    this.#emit({ type: 'function-log', line: recordedText(line) })
  }

  message(connectionId: string, direction: 'in' | 'out', data: string | Buffer): void {
    if (this.#listeners.size === 0) return
    const bytes = typeof data === 'string' ? Buffer.from(data) : data
    const cut = bytes.length > MAX_RECORDED_MESSAGE_BYTES
    const text = (cut ? bytes.subarray(0, MAX_RECORDED_MESSAGE_BYTES) : bytes).toString('utf8') + (cut ? truncationMarker(bytes.length - MAX_RECORDED_MESSAGE_BYTES) : '')
    const message: ConnectionMessage = { time: Date.now(), direction, data: text }
    let log = this.#messages.get(connectionId)
    if (log === undefined) {
      this.#messages.set(connectionId, (log = []))
      if (this.#messages.size > MAX_LOGGED_CONNECTIONS) this.#messages.delete(this.#messages.keys().next().value as string)
    }
    log.push(message)
    if (log.length > MAX_MESSAGES_PER_CONNECTION) log.shift()
    this.#emit({ type: 'connection-message', connectionId, message })
  }

  /** The messages kept for a connection, oldest first. */
  connectionMessages(connectionId: string): readonly ConnectionMessage[] {
    return this.#messages.get(connectionId) ?? []
  }

  /** The last function log lines, oldest first. */
  functionLogTail(): readonly string[] {
    return [...this.#tail]
  }

  #evictOldest(): void {
    const oldest = this.#entries.keys().next()
    if (oldest.done === true) return
    const entry = this.#entries.get(oldest.value) as Entry
    this.#entries.delete(oldest.value)
    this.#bytes -= entry.bytes
  }

  #emit(event: InspectorEvent): void {
    for (const listener of this.#listeners) listener(event)
  }
}

function summaryOf(r: InspectedRequest): InspectedRequestSummary {
  return {
    id: r.id, time: r.time, method: r.method, path: r.path, query: r.query, apiId: r.apiId, stage: r.stage, routeKey: r.routeKey,
    status: r.status, latency: r.latency, error: r.error, integrationError: r.integrationError, authorizerError: r.authorizerError,
  }
}

/** The Lambda request id a function log line names (`START RequestId: X …`, or console output `time\tX\tLEVEL\t…`). */
export function invocationIdOf(line: string): string | undefined {
  const marker = /^(?:START|END|REPORT) RequestId: ([0-9a-f-]+)/.exec(line)
  if (marker !== null) return marker[1]
  const tab = line.split('\t', 3)
  return tab.length >= 3 && /^[0-9a-f-]{36}$/.test(tab[1] as string) ? tab[1] : undefined
}
