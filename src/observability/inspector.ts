/**
 * @module
 * The console's request inspector: while at least one console client listens, every finished
 * request is kept (the last `MAX_INSPECTED_REQUESTS`, within `MAX_INSPECTOR_BYTES`) with what
 * the stages traced, and its summary goes to the live feed (`journal.ts`) that console clients
 * read in batches. With no listener the data plane does not even create a trace (`active` is
 * false), so an unwatched gateway pays one property read per request. Recording keeps one
 * string per request, the summary's JSON and the detail's fields (`kept-text.ts`: few
 * objects for the garbage collector to copy while 500 requests are kept), and references to
 * the bodies; headers, bodies and events are formatted and masked when the console asks for
 * one request. The function pool's START, END and REPORT are kept as what they say (the
 * request id, the pool's report) and made into text when shown; every line goes to the live
 * feed as JSON text, made once. Secrets are masked in everything shown; only replay reads
 * the original.
 */
import type { ConnectionInspector, InvocationReport, Reply, RequestContext, RequestInspector, RequestTrace } from '../model/index.js'
import { endLine, reportJson, reportLine, startLine } from '../functions/index.js'
import { Journal, RecordKind, type Batch, type JournalCursor } from './journal.js'
import { MAX_RECORDED_BODY_BYTES, maskHeaders, maskText, recordedBody, recordedText, secretsOf, truncationMarker } from './masking.js'
import { FieldReader, flat, nullable, num, str } from './kept-text.js'
import { summaryJson, type InspectedRequestSummary } from './summary-json.js'
import { headerPairs, jsonString } from '../util/index.js'

export type { InspectedRequestSummary } from './summary-json.js'

/** Requests kept for the console; the oldest go first. */
export const MAX_INSPECTED_REQUESTS = 500
/** Bytes of recorded requests kept (bodies, events, results counted); the oldest go first past it. */
export const MAX_INSPECTOR_BYTES = 32 * 1024 * 1024
/** Function log lines kept for the tail. */
export const MAX_FUNCTION_LOG_LINES = 1_000
/** Function log lines kept with their invocation, for the request detail (about a thousand ordinary invocations' START, END and REPORT). */
export const MAX_INVOCATION_LOG_LINES = 4_096
/** Lines kept for one invocation (a chatty function does not crowd out the rest). */
export const MAX_LINES_PER_INVOCATION = 200
/** Invocations whose kept lines are counted at once (slots picked by the id's last characters; a power of two). */
const COUNTED_INVOCATIONS = 256

/**
 * What a kept function log line is: text, or an invocation's START (kept as its request id),
 * END or REPORT (kept as the pool's `InvocationReport`, one for both), whose text is made
 * when a console shows it.
 */
const Line = { Text: 0, Start: 1, End: 2, Report: 3 } as const
type Line = (typeof Line)[keyof typeof Line]
type LineValue = string | InvocationReport

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

/** What a console client reads from the live feed at each flush: requests as their summaries' JSON text, function log lines as JSON strings. */
export type FeedBatch = Batch<string, string, ConnectionMessageRecord>

/**
 * What `record` keeps of a request: one flat string, the summary's JSON (also what the live
 * feed streams) followed by the rest of the detail as fields (see `kept-text.ts`, and
 * `#detail` for their order), with references only to the bodies (replay needs the request
 * body whole) and to the trace when it holds more than the Lambda exchange (authorizer,
 * mapping, upstream: rare). The detail the console shows (masked headers, bodies as text,
 * masked events) is made from it only when asked for.
 */
interface Entry {
  /** `JSON.stringify` of the summary, then the detail's fields. */
  readonly text: string
  /** Where the summary ends in `text`. */
  readonly summaryLength: number
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
  /** The function log tail: a ring of `MAX_FUNCTION_LOG_LINES` lines (values and what they are), `#tailNext` the next slot. */
  readonly #tail: Array<LineValue | undefined> = new Array<LineValue | undefined>(MAX_FUNCTION_LOG_LINES).fill(undefined)
  readonly #tailKinds = new Uint8Array(MAX_FUNCTION_LOG_LINES)
  #tailNext = 0
  #tailCount = 0
  /**
   * Lines kept for the request detail and their invocations' ids: two rings of
   * `MAX_INVOCATION_LOG_LINES` slots, `#linesNext` the next. `get` picks its invocation's
   * lines out (a scan of a few thousand, when a console opens a request). No Map of arrays
   * by invocation: one per invocation (and the Map's table, made again as ids come and go)
   * were objects every scavenge copied while a console streamed.
   */
  readonly #lines: Array<LineValue | undefined> = new Array<LineValue | undefined>(MAX_INVOCATION_LOG_LINES).fill(undefined)
  readonly #lineKinds = new Uint8Array(MAX_INVOCATION_LOG_LINES)
  readonly #lineIds: Array<string | undefined> = new Array<string | undefined>(MAX_INVOCATION_LOG_LINES).fill(undefined)
  #linesNext = 0
  /**
   * How many lines of an invocation are kept (at most `MAX_LINES_PER_INVOCATION`), by slot:
   * the invocation's id picks its slot (its last characters, random hex); an invocation
   * taking a slot another held starts that slot's count again.
   */
  readonly #countedIds: Array<string | undefined> = new Array<string | undefined>(COUNTED_INVOCATIONS).fill(undefined)
  readonly #counts = new Int32Array(COUNTED_INVOCATIONS)
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
    if (this.#inProgressSecrets.size > 0 && this.#inProgressSecrets.delete(ctx.requestId)) this.#liveSecrets = null
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
    // The detail's fields follow the summary, in the order `#detail` reads them.
    const rawHeaders = ctx.rawHeaders
    let text = json + str(ctx.host) + str(ctx.sourceIp) + str(ctx.rawPathname) + num(rawHeaders.length)
    for (let i = 0; i < rawHeaders.length; i++) text += str(rawHeaders[i] as string)
    text += num(sent.headers.length)
    for (const [name, value] of sent.headers) text += str(name) + str(value)
    text +=
      num(sent.body.length) + num(responseLength) + nullable(ctx.route?.integration?.integrationType ?? null) + str(ctx.integrationRequestId) +
      num(ctx.integrationLatency) + num(ctx.integrationStatus) +
      (lambda === null ? nullable(null) : str(lambda.event) + nullable(lambda.result) + str(lambda.outcome)) + nullable(trace.accessLogLine)
    text = flat(text)
    const entry: Entry = {
      text,
      summaryLength: json.length,
      body: ctx.body,
      responseBody,
      trace: trace.authorizer !== null || trace.requestMapping !== null || trace.upstream !== null ? trace : null,
      bytes: 512 + ctx.body.length + (responseBody?.length ?? 0) + 2 * text.length,
    }
    if (this.#keptCount === MAX_INSPECTED_REQUESTS) this.#evictOldest()
    this.#kept[(this.#keptFirst + this.#keptCount) % MAX_INSPECTED_REQUESTS] = entry
    this.#keptCount++
    this.#bytes += entry.bytes
    while (this.#bytes > MAX_INSPECTOR_BYTES && this.#keptCount > 1) this.#evictOldest()
    this.#journal.push(RecordKind.Request, text.slice(0, json.length))
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
      if (entry.text.startsWith(prefix)) return entry
    }
    return undefined
  }

  /** An entry's detail read back, in the order `record` wrote it. */
  #detail(entry: Entry): Detail {
    const r = new FieldReader(entry.text, entry.summaryLength)
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
    return this.#entries().map((e) => summaryOf(e))
  }

  /** One request in full, secrets masked, with its function log lines, or `undefined` when it is no longer kept. */
  get(id: string): InspectedRequest | undefined {
    const entry = this.#find(id)
    if (entry === undefined) return undefined
    const detail = this.#detail(entry)
    const secrets = secretsOf(detail.rawHeaders)
    const trace = entry.trace
    const masked = (value: unknown): unknown => (value === null || value === undefined ? null : JSON.parse(maskText(JSON.stringify(value), secrets)))
    const lines = this.#invocationLines(detail.integration.requestId)
    const lambda = detail.lambda
    return {
      ...summaryOf(entry),
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
    const { method, query } = summaryOf(entry)
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
    // The live feed carries the line as JSON text: escaped once, however many clients read it.
    this.#keepLine(Line.Text, kept, invocationId ?? invocationIdOf(line), jsonString(kept))
  }

  /**
   * An invocation's START, from the function pool: kept as its request id, the line's text made
   * when shown. While a request in progress has secrets, the line is text masked now instead,
   * as every line is (the secrets are those in progress when it is logged).
   */
  invocationStarted(requestId: string): void {
    if (this.#journal.readers === 0) return
    if (this.#secretsInProgress().length > 0) return this.functionLog(startLine(requestId), requestId)
    this.#keepLine(Line.Start, requestId, requestId, '"' + startLine(requestId) + '"')
  }

  /** An invocation's END and REPORT, from the function pool: kept as the pool's report (see `invocationStarted`). */
  invocationEnded(report: InvocationReport): void {
    if (this.#journal.readers === 0) return
    const id = report.requestId
    if (this.#secretsInProgress().length > 0) {
      this.functionLog(endLine(id), id)
      this.functionLog(reportLine(report), id)
      return
    }
    this.#keepLine(Line.End, report, id, '"' + endLine(id) + '"')
    this.#keepLine(Line.Report, report, id, reportJson(report))
  }

  /** A line into the tail, with its invocation's lines (within `MAX_LINES_PER_INVOCATION`), and its JSON text into the live feed. */
  #keepLine(kind: Line, value: LineValue, invocationId: string | undefined, json: string): void {
    const t = this.#tailNext
    this.#tail[t] = value
    this.#tailKinds[t] = kind
    this.#tailNext = t === MAX_FUNCTION_LOG_LINES - 1 ? 0 : t + 1
    if (this.#tailCount < MAX_FUNCTION_LOG_LINES) this.#tailCount++
    if (invocationId !== undefined && this.#counted(invocationId)) {
      const l = this.#linesNext
      this.#lines[l] = value
      this.#lineKinds[l] = kind
      this.#lineIds[l] = invocationId
      this.#linesNext = l === MAX_INVOCATION_LOG_LINES - 1 ? 0 : l + 1
    }
    this.#journal.push(RecordKind.FunctionLog, json)
  }

  /** Counts a line of the invocation; whether it is still within `MAX_LINES_PER_INVOCATION`. */
  #counted(id: string): boolean {
    const n = id.length
    const slot = n < 2 ? 0 : ((id.charCodeAt(n - 2) << 4) ^ id.charCodeAt(n - 1)) & (COUNTED_INVOCATIONS - 1)
    if (this.#countedIds[slot] !== id) {
      this.#countedIds[slot] = id
      this.#counts[slot] = 1
      return true
    }
    const count = (this.#counts[slot] as number) + 1
    this.#counts[slot] = count
    return count <= MAX_LINES_PER_INVOCATION
  }

  /** The kept lines of an invocation, oldest first. */
  #invocationLines(id: string): string[] {
    const out: string[] = []
    if (id === '') return out
    for (let k = 0, i = this.#linesNext; k < MAX_INVOCATION_LOG_LINES; k++, i = (i + 1) % MAX_INVOCATION_LOG_LINES) {
      if (this.#lineIds[i] === id) out.push(lineText(this.#lineKinds[i] as Line, this.#lines[i] as LineValue))
    }
    return out
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
    const out: string[] = []
    const first = this.#tailCount < MAX_FUNCTION_LOG_LINES ? 0 : this.#tailNext
    for (let k = 0; k < this.#tailCount; k++) {
      const i = (first + k) % MAX_FUNCTION_LOG_LINES
      out.push(lineText(this.#tailKinds[i] as Line, this.#tail[i] as LineValue))
    }
    return out
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

/** A kept line's text. */
function lineText(kind: Line, value: LineValue): string {
  if (kind === Line.Text) return value as string
  if (kind === Line.Start) return startLine(value as string)
  return kind === Line.End ? endLine((value as InvocationReport).requestId) : reportLine(value as InvocationReport)
}

/** A kept request's summary. */
function summaryOf(entry: Entry): InspectedRequestSummary {
  return JSON.parse(entry.text.slice(0, entry.summaryLength)) as InspectedRequestSummary
}

/** About what a record weighs once written to a console client (bounds a batch's size). */
function recordBytes(kind: RecordKind, value: unknown): number {
  // A request is its summary's JSON text, a function log line its JSON string.
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
