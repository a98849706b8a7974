/**
 * @module
 * Server-sent events to one console client, written in batches: the inspector's live feed is
 * read every `FLUSH_INTERVAL_MS` (sooner when `JOURNAL_WAKE_RECORDS` records are waiting) and
 * each batch goes out as one write of at most one event per kind (`requests`,
 * `function-logs`, `connection-messages`, each an array). On the data plane's path only a
 * request's summary JSON and each function log line's JSON string are written (once, when
 * recorded; the summary is also what is kept); a batch concatenates them, and a busy gateway
 * makes a few large writes a second instead of one per request and log line.
 *
 * A client that reads slower than the gateway records is not buffered for: while more than
 * `MAX_UNSENT_EVENT_BYTES` wait unread in its socket nothing more is written to it, the live
 * feed overwrites what it has not read, and when it catches up it first gets a `dropped`
 * event with the number of records it missed (the kept requests can be listed again then).
 * A client that has read nothing for `MAX_STALLED_MS` is disconnected. A comment line every
 * `SSE_KEEPALIVE_MS` keeps proxies and idle timers from closing a quiet stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FeedBatch, Inspector } from '../observability/index.js'

/** Unread bytes in a client's socket past which nothing more is written to it (its records are dropped instead). */
export const MAX_UNSENT_EVENT_BYTES = 1024 * 1024
/** How often a client's batch is written. */
export const FLUSH_INTERVAL_MS = 100
/** Records, and about how many bytes of them, in one write. */
export const MAX_BATCH_RECORDS = 2048
export const MAX_BATCH_BYTES = 256 * 1024
/** A client whose socket stays full this long is disconnected. */
export const MAX_STALLED_MS = 60_000
export const SSE_KEEPALIVE_MS = 15_000

/** A console client's stream, as `GET /console/api/requests` reports it. */
export interface FeedStream {
  /** Bytes written to the client that it has not read yet. */
  readonly unsentBytes: number
  /** Records it missed because it read too slowly. */
  readonly droppedRecords: number
  readonly closed: boolean
}

/**
 * Opens the event stream: `hello` (with `hello`'s data) first, then batches of the live feed
 * until the client goes. `onClose` runs once, when it has.
 */
export function openFeedStream(req: IncomingMessage, res: ServerResponse, inspector: Inspector, hello: () => unknown, onClose: () => void): FeedStream {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' })
  let closed = false
  let dropped = 0
  let scheduled = false
  let backloggedSince = 0
  const cursor = inspector.subscribe(() => schedule())
  res.write(': gatehouse console\n\n' + sseEvent('hello', JSON.stringify(hello())))

  const schedule = (): void => {
    if (scheduled || closed) return
    scheduled = true
    setImmediate(flush)
  }
  const full = (): boolean => {
    if (res.writableLength <= MAX_UNSENT_EVENT_BYTES) {
      backloggedSince = 0
      return false
    }
    const now = Date.now()
    if (backloggedSince === 0) backloggedSince = now
    else if (now - backloggedSince > MAX_STALLED_MS) {
      res.destroy()
      close()
    }
    return true
  }
  const flush = (): void => {
    scheduled = false
    if (closed || full() || inspector.unread(cursor) === 0) return
    const batch = inspector.read(cursor, MAX_BATCH_RECORDS, MAX_BATCH_BYTES)
    dropped += batch.dropped
    const chunk = formatBatch(batch)
    if (chunk !== '') res.write(chunk)
    // More than one batch was waiting: the rest goes on the next turn, if the client keeps up.
    if (inspector.unread(cursor) > 0 && res.writableLength <= MAX_UNSENT_EVENT_BYTES) schedule()
  }
  const close = (): void => {
    if (closed) return
    closed = true
    clearInterval(timer)
    clearInterval(keepalive)
    inspector.unsubscribe(cursor)
    onClose()
  }
  const timer = setInterval(flush, FLUSH_INTERVAL_MS)
  const keepalive = setInterval(() => {
    if (!full()) res.write(': keepalive\n\n')
  }, SSE_KEEPALIVE_MS)
  timer.unref()
  keepalive.unref()
  req.on('close', close)
  res.on('close', close)
  return {
    get unsentBytes() {
      return res.writableLength
    },
    get droppedRecords() {
      return dropped + inspector.missed(cursor)
    },
    get closed() {
      return closed
    },
  }
}

/** One batch as server-sent events: the drop marker first, then one event per kind present. */
export function formatBatch(batch: FeedBatch): string {
  let out = ''
  if (batch.dropped > 0) out += sseEvent('dropped', `{"dropped":${batch.dropped}}`)
  // Requests come as their summaries' JSON and lines as JSON strings, both written when recorded.
  if (batch.requests.length > 0) out += 'event: requests\ndata: [' + list(batch.requests) + ']\n\n'
  if (batch.functionLogs.length > 0) out += 'event: function-logs\ndata: [' + list(batch.functionLogs) + ']\n\n'
  if (batch.connectionMessages.length > 0) out += sseEvent('connection-messages', JSON.stringify(batch.connectionMessages))
  return out
}

/**
 * JSON texts as the elements of a JSON array, by concatenation (a batch's text is flattened
 * once, when it is written to the socket; `join` would cost more per element).
 */
function list(texts: readonly string[]): string {
  let out = texts[0] as string
  for (let i = 1; i < texts.length; i++) out += ',' + (texts[i] as string)
  return out
}

/** JSON text never holds a raw line break, so it is always one `data:` line. */
function sseEvent(event: string, json: string): string {
  return `event: ${event}\ndata: ${json}\n\n`
}
