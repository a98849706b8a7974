// A server-sent events client over undici, as a browser's EventSource reads the stream: events
// are parsed as they arrive and can be awaited by a predicate. Closed in `t.after`.
import type { TestContext } from 'node:test'
import { request } from 'undici'

export interface SseEvent {
  readonly event: string
  readonly data: unknown
}

export interface SseClient {
  readonly events: SseEvent[]
  /** Resolves with the first event (already received or to come) matching `match`. */
  next(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>
  /**
   * The console sends records in batches (`requests`, `function-logs`, `connection-messages`,
   * each an array): resolves with the first record of such an event matching `match`.
   */
  record<T>(event: string, match: (r: T) => boolean, timeoutMs?: number): Promise<T>
  /** Every record received so far in events named `event`. */
  records<T>(event: string): T[]
  close(): void
}

export async function openSse(t: TestContext, url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const controller = new AbortController()
  const res = await request(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal })
  if (res.statusCode !== 200) throw new Error(`event stream answered ${res.statusCode}: ${await res.body.text()}`)
  const events: SseEvent[] = []
  const waiters = new Set<{ match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }>()
  let buffer = ''
  res.body.setEncoding('utf8')
  res.body.on('data', (chunk: string) => {
    buffer += chunk
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      let event = 'message'
      const data: string[] = []
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7)
        else if (line.startsWith('data: ')) data.push(line.slice(6))
      }
      if (data.length === 0) continue
      const parsed: SseEvent = { event, data: JSON.parse(data.join('\n')) as unknown }
      events.push(parsed)
      for (const w of waiters) if (w.match(parsed)) {
        waiters.delete(w)
        w.resolve(parsed)
      }
    }
  })
  res.body.on('error', () => undefined)
  const client: SseClient = {
    events,
    next(match, timeoutMs = 10_000) {
      const seen = events.find(match)
      if (seen !== undefined) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter)
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events)}`))
        }, timeoutMs)
        const waiter = { match, resolve: (e: SseEvent) => (clearTimeout(timer), resolve(e)) }
        waiters.add(waiter)
      })
    },
    async record<T>(event: string, match: (r: T) => boolean, timeoutMs?: number): Promise<T> {
      const found = await client.next((e) => e.event === event && (e.data as T[]).some(match), timeoutMs)
      return (found.data as T[]).find(match) as T
    },
    records<T>(event: string): T[] {
      return events.filter((e) => e.event === event).flatMap((e) => e.data as T[])
    },
    close() {
      controller.abort()
    },
  }
  t.after(() => client.close())
  return client
}
