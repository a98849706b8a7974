/**
 * @module
 * The console's request inspector: while at least one console client listens, every finished
 * request is kept (the last `MAX_INSPECTED_REQUESTS`, within `MAX_INSPECTOR_BYTES`) with what
 * the stages traced, and its summary goes to the live feed (`journal.ts`) that console clients
 * read in batches. With no listener the data plane does not even create a trace (`active` is
 * false), so an unwatched gateway pays one property read per request. Recording keeps the
 * summary's JSON and the detail as one string of fields (`kept-text.ts`: few objects for the
 * garbage collector to copy while 500 requests are kept) and references to the bodies;
 * headers, bodies and events are formatted and masked when the console asks for one request.
 * Secrets are masked in everything shown; only replay reads the original.
 */
import type { ConnectionInspector, Reply, RequestContext, RequestInspector, RequestTrace } from '../model/index.js'
import { Journal, RecordKind, type Batch, type JournalCursor } from './journal.js'
import { MAX_RECORDED_BODY_BYTES, maskHeaders, maskText, recordedBody, recordedText, secretsOf, truncationMarker } from './masking.js'
import { FieldReader, FieldWriter } from './kept-text.js'
import { jsonString, summaryJson, type InspectedRequestSummary } from './summary-json.js'
import { headerPairs } from '../util/index.js'

export type { InspectedRequestSummary } from './summary-json.js'

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

/** A WebSocket message with its connection, as the live feed carries it. */
export interface ConnectionMessageRecord extends ConnectionMessage {
  readonly connectionId: string
}

/** What a console client reads from the live feed at each flush: requests as their summaries' JSON text. */
export type FeedBatch = Batch<string, string, ConnectionMessageRecord>

/**
 * What `record` keeps of a request: the summary's JSON (also what the live feed streams) and
 * the rest of the detail as one string of fields (see `kept-text.ts`, and `#detail` for their
 * order), with references only to the bodies (replay needs the request body whole) and to the
 * trace when it holds more than the Lambda exchange (authorizer, mapping, upstream: rare).
 * The detail the console shows (masked headers, bodies as text, masked events) is made from
 * it only when asked for.
 */
interface Entry {
  /** `JSON.stringify` of the summary. */
  readonly summary: string
  readonly detail: string
  readonly body: Buffer
  /** The response body (its first `MAX_RECORDED_BODY_BYTES` when longer), `null` when streamed. */
  readonly responseBody: Buffer | null
  /** The trace, when its authorizer, request mapping or upstream is set; otherwise `null`. */
  readonly trace: RequestTrace | null
  readonly bytes: number
}

/** An entry's detail, as `#detail` writes it. */
interface Detail {
  readonly host: string
  readonly sourceIp: string
  readonly rawPathname: string
  readonly rawHeaders: string[]
  readonly responseHeaders: Array<readonly [string, string]>
  readonly responseBodyLength: number
  readonly responseLength: number
  readonly integration: InspectedRequest['integration']
  readonly lambda: RequestTrace['lambda']
  readonly accessLogLine: string | null
}

export class Inspector implements RequestInspector, ConnectionInspector {
  readonly #journal = new Journal<string, string, ConnectionMessageRecord>(recordBytes)
  /**
   * The kept requests, a ring of `MAX_INSPECTED_REQUESTS` slots: `#keptCount` of them from
   * `#keptFirst` (the oldest) on. No Map by id: its keys and entries would be more objects to
   * copy per kept request, and only `get` and replay look a request up (a scan of 500).
   */
  readonly #kept: Array<Entry | undefined> = new Array<Entry | undefined>(MAX_INSPECTED_REQUESTS).fill(undefined)
  #keptFirst = 0
  #keptCount = 0
  #bytes = 0
  /** The function log tail: a ring of `MAX_FUNCTION_LOG_LINES`, `#tailNext` the next slot. */
  readonly #tail: string[] = []
  #tailNext = 0
  readonly #linesByInvocation = new Map<string, string[]>()
  /** The invocations of `#linesByInvocation` as a ring, oldest at `#invocationNext` once full (same reason as `#order`). */
  readonly #invocations: Array<string | undefined> = new Array<string | undefined>(MAX_FUNCTION_LOG_LINES).fill(undefined)
  #invocationNext = 0
  readonly #messages = new Map<string, ConnectionMessage[]>()
  /**
   * The secrets of recorded requests still in progress, by request id (only those that have
   * any). A function logs before its request is recorded, and a line goes to the live feed and
   * the tail at once, so it is masked with the secrets of every request then in progress: the
   * line's own request is one of them. Bounded like the kept requests.
   */
  readonly #inProgressSecrets = new Map<string, readonly string[]>()
  /**
   * The secrets of open WebSocket connections' handshakes, by connection id (only those that
   * have any). Not bounded apart from the connections themselves: an entry lives exactly as long
   * as its connection, and dropping one would let a function's log show its token.
   */
  readonly #connectionSecrets = new Map<string, readonly string[]>()
  /** Their union, longest first (see `secretsOf`), made again only after a change. */
  #liveSecrets: readonly string[] | null = []

  /** Whether requests are recorded now: a console client listens. */
  get active(): boolean {
    return this.#journal.readers > 0
  }

  /** A live-feed reader starting now (`wake` is called when records pile up between flushes); `unsubscribe` it when done. */
  subscribe(wake: () => void): JournalCursor {
    return this.#journal.open(wake)
  }

  unsubscribe(cursor: JournalCursor): void {
    this.#journal.close(cursor)
  }

  /** Records waiting for a reader (those it will be told were dropped included). */
  unread(cursor: JournalCursor): number {
    return this.#journal.unread(cursor)
  }

  /** The next batch of a reader, at most `max` records or about `maxBytes` of them. */
  read(cursor: JournalCursor, max: number, maxBytes: number): FeedBatch {
    return this.#journal.read(cursor, max, maxBytes)
  }

  /** Records a reader has missed so far (it is told at its next read). */
  missed(cursor: JournalCursor): number {
    return this.#journal.missed(cursor)
  }

  /** About how many bytes the live feed holds for readers (bounded by `MAX_JOURNAL_BYTES`). */
  get feedBytes(): number {
    return this.#journal.bytes
  }

  get listeners(): number {
    return this.#journal.readers
  }

  started(ctx: RequestContext): void {
    const secrets = secretsOf(ctx.rawHeaders)
    if (secrets.length === 0) return
    if (this.#inProgressSecrets.size >= MAX_INSPECTED_REQUESTS) this.#inProgressSecrets.delete(this.#inProgressSecrets.keys().next().value as string)
    this.#inProgressSecrets.set(ctx.requestId, secrets)
    this.#liveSecrets = null
  }

  /** The secrets every function log line is masked with now. */
  #secretsInProgress(): readonly string[] {
    return (this.#liveSecrets ??= [...this.#inProgressSecrets.values(), ...this.#connectionSecrets.values()].flat().sort((a, b) => b.length - a.length))
  }

  record(ctx: RequestContext, sent: Reply, responseLength: number): void {
    if (this.#inProgressSecrets.delete(ctx.requestId)) this.#liveSecrets = null
    const trace = ctx.trace
    if (trace === null) return
    // The summary is written as JSON at once (the live feed streams that text, and `list` and `get` read it back).
    const summary: InspectedRequestSummary = {
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
    }
    let lambda = trace.lambda
    // Long texts are cut now (rare), so a kept request never holds more than the console shows.
    if (lambda !== null && (lambda.event.length > MAX_RECORDED_BODY_BYTES || (lambda.result?.length ?? 0) > MAX_RECORDED_BODY_BYTES)) {
      lambda = { event: recordedText(lambda.event), result: lambda.result === null ? null : recordedText(lambda.result), outcome: lambda.outcome }
    }
    const streamed = sent.stream !== undefined
    const responseBody = streamed ? null : sent.body.length > MAX_RECORDED_BODY_BYTES ? Buffer.from(sent.body.subarray(0, MAX_RECORDED_BODY_BYTES)) : sent.body
    const json = summaryJson(summary)
    const w = new FieldWriter().str(ctx.host).str(ctx.sourceIp).str(ctx.rawPathname).num(ctx.rawHeaders.length)
    for (const h of ctx.rawHeaders) w.str(h)
    w.num(sent.headers.length)
    for (const [name, value] of sent.headers) w.str(name).str(value)
    w.num(sent.body.length).num(responseLength)
    w.nullable(ctx.route?.integration?.integrationType ?? null).str(ctx.integrationRequestId).num(ctx.integrationLatency).num(ctx.integrationStatus)
    if (lambda === null) w.nullable(null)
    else w.str(lambda.event).nullable(lambda.result).str(lambda.outcome)
    w.nullable(trace.accessLogLine)
    const detail = w.text()
    const entry: Entry = {
      summary: json,
      detail,
      body: ctx.body,
      responseBody,
      trace: trace.authorizer !== null || trace.requestMapping !== null || trace.upstream !== null ? trace : null,
      bytes: 512 + ctx.body.length + (responseBody?.length ?? 0) + 2 * (json.length + detail.length),
    }
    if (this.#keptCount === MAX_INSPECTED_REQUESTS) this.#evictOldest()
    this.#kept[(this.#keptFirst + this.#keptCount) % MAX_INSPECTED_REQUESTS] = entry
    this.#keptCount++
    this.#bytes += entry.bytes
    while (this.#bytes > MAX_INSPECTOR_BYTES && this.#keptCount > 1) this.#evictOldest()
    this.#journal.push(RecordKind.Request, json)
  }

  /** The kept entries, oldest first. */
  #entries(): Entry[] {
    const out: Entry[] = []
    for (let i = 0; i < this.#keptCount; i++) out.push(this.#kept[(this.#keptFirst + i) % MAX_INSPECTED_REQUESTS] as Entry)
    return out
  }

  #find(id: string): Entry | undefined {
    const prefix = '{"id":' + jsonString(id) + ','
    for (let i = this.#keptCount - 1; i >= 0; i--) {
      const entry = this.#kept[(this.#keptFirst + i) % MAX_INSPECTED_REQUESTS] as Entry
      if (entry.summary.startsWith(prefix)) return entry
    }
    return undefined
  }

  /** An entry's detail read back, in the order `record` wrote it. */
  #detail(entry: Entry): Detail {
    const r = new FieldReader(entry.detail)
    const host = r.str()
    const sourceIp = r.str()
    const rawPathname = r.str()
    const rawHeaders: string[] = []
    for (let n = r.num(); n > 0; n--) rawHeaders.push(r.str())
    const responseHeaders: Array<readonly [string, string]> = []
    for (let n = r.num(); n > 0; n--) responseHeaders.push([r.str(), r.str()])
    const responseBodyLength = r.num()
    const responseLength = r.num()
    const integration = { type: r.nullable(), requestId: r.str(), latency: r.num(), status: r.num() }
    const event = r.nullable()
    const lambda = event === null ? null : { event, result: r.nullable(), outcome: r.str() }
    return { host, sourceIp, rawPathname, rawHeaders, responseHeaders, responseBodyLength, responseLength, integration, lambda, accessLogLine: r.nullable() }
  }

  /** Requests kept, oldest first. */
  list(): InspectedRequestSummary[] {
    return this.#entries().map((e) => JSON.parse(e.summary) as InspectedRequestSummary)
  }

  /** One request in full, secrets masked, with its function log lines, or `undefined` when it is no longer kept. */
  get(id: string): InspectedRequest | undefined {
    const entry = this.#find(id)
    if (entry === undefined) return undefined
    const detail = this.#detail(entry)
    const secrets = secretsOf(detail.rawHeaders)
    const trace = entry.trace
    const masked = (value: unknown): unknown => (value === null || value === undefined ? null : JSON.parse(maskText(JSON.stringify(value), secrets)))
    const lines = this.#linesByInvocation.get(detail.integration.requestId) ?? []
    const lambda = detail.lambda
    return {
      ...(JSON.parse(entry.summary) as InspectedRequestSummary),
      host: detail.host,
      sourceIp: detail.sourceIp,
      requestHeaders: maskHeaders(headerPairs(detail.rawHeaders), secrets),
      requestBody: recordedBody(entry.body),
      responseHeaders: maskHeaders(detail.responseHeaders, secrets),
      responseBody: entry.responseBody === null ? null : maskText(recordedBody(entry.responseBody, detail.responseBodyLength), secrets),
      responseLength: detail.responseLength,
      integration: detail.integration,
      authorizer: masked(trace?.authorizer),
      lambda: lambda === null ? null : {
        event: recordedText(maskText(lambda.event, secrets)),
        result: lambda.result === null ? null : recordedText(maskText(lambda.result, secrets)),
        outcome: lambda.outcome,
      },
      requestMapping: masked(trace?.requestMapping),
      upstream: masked(trace?.upstream),
      accessLogLine: detail.accessLogLine === null ? null : maskText(detail.accessLogLine, secrets),
      functionLogs: lines.map((l) => maskText(l, secrets)),
    }
  }

  /** The request as received, for replay, or `undefined`. */
  replaySource(id: string): ReplaySource | undefined {
    const entry = this.#find(id)
    if (entry === undefined) return undefined
    const { method, query } = JSON.parse(entry.summary) as InspectedRequestSummary
    const detail = this.#detail(entry)
    return { method, target: detail.rawPathname + (query === '' ? '' : '?' + query), rawHeaders: detail.rawHeaders, body: entry.body }
  }

  /** Forgets every kept request (the console's Clear button). */
  clear(): void {
    this.#kept.fill(undefined)
    this.#keptFirst = 0
    this.#keptCount = 0
    this.#bytes = 0
  }

  /**
   * A function log line (START/END/REPORT or console output, each naming the invocation's
   * request id): kept per invocation and in the tail while a console listens. `invocationId`
   * is the id when the caller knows it (the pool's own lines); otherwise it is read from the line.
   */
  functionLog(line: string, invocationId?: string): void {
    if (this.#journal.readers === 0) return
    const secrets = this.#secretsInProgress()
    const masked = secrets.length === 0 ? line : maskText(line, secrets)
    const kept = masked.length > MAX_RECORDED_BODY_BYTES ? recordedText(masked) : masked
    this.#tail[this.#tailNext] = kept
    this.#tailNext = (this.#tailNext + 1) % MAX_FUNCTION_LOG_LINES
    const id = invocationId ?? invocationIdOf(line)
    if (id !== undefined) {
      let lines = this.#linesByInvocation.get(id)
      if (lines === undefined) {
        this.#linesByInvocation.set(id, (lines = []))
        // The ring holds MAX_FUNCTION_LOG_LINES invocations: the one it overwrites is the oldest kept.
        const oldest = this.#invocations[this.#invocationNext]
        if (oldest !== undefined) this.#linesByInvocation.delete(oldest)
        this.#invocations[this.#invocationNext] = id
        this.#invocationNext = (this.#invocationNext + 1) % MAX_FUNCTION_LOG_LINES
      }
      if (lines.length < MAX_LINES_PER_INVOCATION) lines.push(kept)
    }
    this.#journal.push(RecordKind.FunctionLog, kept)
  }

  connecting(connectionId: string, rawHeaders: readonly string[]): void {
    const secrets = secretsOf(rawHeaders)
    if (secrets.length === 0) return
    this.#connectionSecrets.set(connectionId, secrets)
    this.#liveSecrets = null
  }

  disconnected(connectionId: string): void {
    if (this.#connectionSecrets.delete(connectionId)) this.#liveSecrets = null
  }

  message(connectionId: string, direction: 'in' | 'out', data: string | Buffer): void {
    if (this.#journal.readers === 0) return
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
    this.#journal.push(RecordKind.ConnectionMessage, { connectionId, ...message })
  }

  /** The messages kept for a connection, oldest first. */
  connectionMessages(connectionId: string): readonly ConnectionMessage[] {
    return this.#messages.get(connectionId) ?? []
  }

  /** The last function log lines, oldest first. */
  functionLogTail(): readonly string[] {
    return this.#tail.length < MAX_FUNCTION_LOG_LINES ? [...this.#tail] : [...this.#tail.slice(this.#tailNext), ...this.#tail.slice(0, this.#tailNext)]
  }

  #evictOldest(): void {
    if (this.#keptCount === 0) return
    const entry = this.#kept[this.#keptFirst] as Entry
    this.#kept[this.#keptFirst] = undefined
    this.#keptFirst = (this.#keptFirst + 1) % MAX_INSPECTED_REQUESTS
    this.#keptCount--
    this.#bytes -= entry.bytes
  }
}

/** About what a record weighs once written to a console client (bounds a batch's size). */
function recordBytes(kind: RecordKind, value: unknown): number {
  // A request is its summary's JSON text.
  if (kind !== RecordKind.ConnectionMessage) return 8 + (value as string).length
  return 96 + (value as ConnectionMessageRecord).data.length
}

/** The Lambda request id a function log line names (`START RequestId: X …`, or console output `time\tX\tLEVEL\t…`). */
export function invocationIdOf(line: string): string | undefined {
  // Prefix checks first: this runs for every line while a console listens.
  const start = line.startsWith('START RequestId: ') ? 17 : line.startsWith('END RequestId: ') ? 15 : line.startsWith('REPORT RequestId: ') ? 18 : -1
  if (start >= 0) {
    let end = start
    while (end < line.length && isIdChar(line.charCodeAt(end))) end++
    if (end > start) return line.slice(start, end)
  }
  const first = line.indexOf('\t')
  if (first < 0) return undefined
  const second = line.indexOf('\t', first + 1)
  if (second - first - 1 !== 36) return undefined
  const id = line.slice(first + 1, second)
  return /^[0-9a-f-]{36}$/.test(id) ? id : undefined
}

/** `[0-9a-f-]`, the characters of a Lambda request id. */
function isIdChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || c === 45
}
