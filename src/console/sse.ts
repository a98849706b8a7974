/**
 * @module
 * Server-sent events to one console client. A client that stops reading is dropped once
 * `MAX_UNSENT_EVENT_BYTES` wait in its socket's buffer: the gateway never holds memory for a
 * console that does not keep up. A comment line every `SSE_KEEPALIVE_MS` keeps proxies and
 * idle timers from closing a quiet stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** Bytes a console client may leave unread before it is dropped. */
export const MAX_UNSENT_EVENT_BYTES = 1024 * 1024
export const SSE_KEEPALIVE_MS = 15_000

export interface EventStream {
  /** Sends one event; returns false when the client was dropped (or has gone). */
  send(event: string, data: unknown): boolean
  readonly closed: boolean
}

export function openEventStream(req: IncomingMessage, res: ServerResponse, onClose: () => void): EventStream {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' })
  res.write(': gatehouse console\n\n')
  let closed = false
  // Events are written together once per turn of the event loop: one socket write for the
  // request and its log lines instead of one each.
  let pending = ''
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (closed || pending === '') return
    const chunk = pending
    pending = ''
    res.write(chunk)
  }
  const close = () => {
    if (closed) return
    closed = true
    clearInterval(keepalive)
    onClose()
  }
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), SSE_KEEPALIVE_MS)
  keepalive.unref()
  req.on('close', close)
  res.on('close', close)
  const stream: EventStream = {
    get closed() {
      return closed
    },
    send(event, data) {
      if (closed) return false
      if (res.writableLength + pending.length > MAX_UNSENT_EVENT_BYTES) {
        // A stalled reader: cut it rather than buffer without bound.
        res.destroy()
        close()
        return false
      }
      pending += `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
      if (!scheduled) {
        scheduled = true
        setImmediate(flush)
      }
      return true
    },
  }
  return stream
}
