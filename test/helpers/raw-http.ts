import assert from 'node:assert/strict'
import { connect } from 'node:net'

export interface RawResponse {
  readonly status: number
  readonly headers: ReadonlyMap<string, readonly string[]>
  readonly body: Buffer
}

/**
 * Sends one request written byte for byte (request line, headers in the given order and
 * case, optional body) and reads one response framed by its content-length.
 */
export function rawRequest(url: string, method: string, target: string, headers: ReadonlyArray<readonly [string, string]>, body?: Buffer): Promise<RawResponse> {
  const { hostname, port } = new URL(url)
  const head = `${method} ${target} HTTP/1.1\r\n` + headers.map(([n, v]) => `${n}: ${v}\r\n`).join('') + '\r\n'
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) })
    let received = Buffer.alloc(0)
    let parsed: { status: number; headers: Map<string, string[]>; start: number; length: number } | undefined
    let done = false
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      if (parsed === undefined) {
        const end = received.indexOf('\r\n\r\n')
        if (end < 0) return
        const lines = received.subarray(0, end).toString('latin1').split('\r\n')
        const status = Number((lines[0] ?? '').split(' ')[1])
        const map = new Map<string, string[]>()
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(':')
          const name = line.slice(0, colon).toLowerCase()
          map.set(name, [...(map.get(name) ?? []), line.slice(colon + 1).trim()])
        }
        parsed = { status, headers: map, start: end + 4, length: Number(map.get('content-length')?.[0] ?? 0) }
      }
      if (received.length - parsed.start >= parsed.length) {
        done = true
        socket.destroy()
        resolve({ status: parsed.status, headers: parsed.headers, body: received.subarray(parsed.start, parsed.start + parsed.length) })
      }
    })
    socket.on('error', reject)
    socket.on('close', () => {
      if (!done) reject(new Error('connection closed before a whole response arrived'))
    })
    socket.write(head)
    if (body !== undefined) socket.write(body)
  })
}

export interface Echo<E> {
  readonly event: E
  readonly response: RawResponse
  /** Date.now() just before the request was sent and just after the answer arrived. */
  readonly sentAt: number
  readonly answeredAt: number
}

export async function echo<E>(url: string, method: string, target: string, headers: ReadonlyArray<readonly [string, string]>, body?: Buffer): Promise<Echo<E>> {
  const sentAt = Date.now()
  const response = await rawRequest(url, method, target, headers, body)
  const answeredAt = Date.now()
  assert.equal(response.status, 200, `echo answered ${response.status}: ${response.body.toString()}`)
  return { event: JSON.parse(response.body.toString('utf8')) as E, response, sentAt, answeredAt }
}

