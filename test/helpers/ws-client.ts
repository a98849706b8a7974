// WebSocket test clients (the `ws` package) shared by the WebSocket integration tests.
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import type { Socket } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import WebSocket from 'ws'

type Json = Record<string, unknown>

export const WS_WAIT_MS = 5_000

/** Polls `probe` until it returns a value (not undefined, null or false); fails the test after `waitMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | null | false, waitMs = WS_WAIT_MS, pollMs = 20): Promise<T> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const value = probe()
    if (value !== undefined && value !== null && value !== false) return value
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await delay(pollMs)
  }
}

/** The ws:// URL of `path` on a gateway listening at the http:// `gatewayUrl`. */
export function wsUrl(gatewayUrl: string, path: string): string {
  return `${gatewayUrl.replace(/^http/, 'ws')}${path}`
}

export interface WsOptions {
  readonly headers?: Record<string, string>
  readonly protocols?: string[]
}

/** A new `ws` client, terminated when the test ends. */
export function newWs(t: TestContext, url: string, o: WsOptions = {}): WebSocket {
  const ws = new WebSocket(url, o.protocols ?? [], { headers: o.headers ?? {} })
  t.after(() => ws.terminate())
  return ws
}

/** Resolves once `ws` is open; rejects if the upgrade is refused or fails. */
export function opened(ws: WebSocket): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode ?? '?'}`)))
    ws.once('error', reject)
  })
}

/** Opens a bare `ws` client (fails the test if the upgrade is refused). */
export async function openWs(t: TestContext, url: string, o: WsOptions = {}): Promise<WebSocket> {
  const ws = newWs(t, url, o)
  await opened(ws)
  return ws
}

/** Attempts a connection that must be refused: the status code and body of the answer. */
export async function refused(url: string, o: WsOptions = {}): Promise<{ status: number; body: string }> {
  const ws = new WebSocket(url, o.protocols ?? [], { headers: o.headers ?? {} })
  try {
    return await new Promise((resolve, reject) => {
      ws.once('open', () => reject(new Error('the upgrade was accepted')))
      ws.once('error', reject)
      ws.once('unexpected-response', (_req, res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        res.on('error', reject)
      })
    })
  } finally {
    ws.terminate()
  }
}

/** The next message `ws` receives, as text. */
export function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString('utf8'))))
}

/** Closes `ws` (1000) and waits for the close to complete. */
export async function closeAndWait(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()))
  ws.close(1000, 'bye')
  await closed
}

/**
 * Sends `{"action":"whoami"}` and waits for the `{"whoami":...}` answer among `received`
 * (which the caller's message listener fills); the answer is taken out of `received`.
 */
export async function whoamiOf<T>(ws: WebSocket, received: T[], textOf: (item: T) => string, what: string, waitMs: number, pollMs: number): Promise<string> {
  ws.send('{"action":"whoami"}')
  const answer = await waitFor(what, () => received.find((item) => textOf(item).startsWith('{"whoami"')), waitMs, pollMs)
  received.splice(received.indexOf(answer), 1)
  return (JSON.parse(textOf(answer)) as { whoami: string }).whoami
}

export interface Frame {
  readonly text: string
  readonly binary: boolean
}

/** A client that records every frame and its close. */
export class WsClient {
  readonly ws: WebSocket
  readonly frames: Frame[] = []
  closeInfo: { code: number; reason: string } | null = null
  readonly closed: Promise<{ code: number; reason: string }>
  /** The TCP socket under the connection (to stop reading). */
  socket: Socket | null = null
  #read = 0

  constructor(ws: WebSocket) {
    this.ws = ws
    ws.on('message', (data: Buffer, isBinary: boolean) => this.frames.push({ text: data.toString('utf8'), binary: isBinary }))
    ws.on('error', () => {})
    ws.once('upgrade', (res) => {
      this.socket = res.socket as Socket
    })
    this.closed = new Promise((resolve) => {
      ws.on('close', (code: number, reason: Buffer) => {
        this.closeInfo = { code, reason: reason.toString('utf8') }
        resolve(this.closeInfo)
      })
    })
  }

  /** The next frame not returned before. */
  async next(): Promise<Frame> {
    const frame = await waitFor('a frame from the gateway', () => this.frames[this.#read])
    this.#read++
    return frame
  }

  /** The next frame not returned before, which must be a text frame. */
  async nextText(): Promise<string> {
    const frame = await this.next()
    assert.equal(frame.binary, false, 'a text frame')
    return frame.text
  }

  /** Sends a message and waits for the next frame, parsed (text or binary). */
  async ask(message: Json | string): Promise<Json> {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message))
    const frame = await this.next()
    return JSON.parse(frame.text) as Json
  }

  /** Sends a message and waits for the next frame's text. */
  async say(message: Json | string): Promise<string> {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message))
    return this.nextText()
  }

  /** Sends a message and waits for the next text frame, parsed. */
  async sayJson(message: Json | string): Promise<Json> {
    return JSON.parse(await this.say(message)) as Json
  }

  /** This connection's id, asked through a two-way `whoami` route. */
  async whoami(): Promise<string> {
    const reply = await this.sayJson({ action: 'whoami' })
    assert.equal(typeof reply['whoami'], 'string')
    return reply['whoami'] as string
  }

  /** Frames received and not yet returned by next(). */
  get unread(): number {
    return this.frames.length - this.#read
  }

  async waitClosed(waitMs = WS_WAIT_MS): Promise<{ code: number; reason: string }> {
    return waitFor('the connection to close', () => this.closeInfo, waitMs)
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN
  }

  close(): Promise<void> {
    return closeAndWait(this.ws)
  }
}

/** Opens a recording client (fails the test if the upgrade is refused). */
export async function connectClient(t: TestContext, url: string, o: WsOptions = {}): Promise<WsClient> {
  const ws = newWs(t, url, o)
  const client = new WsClient(ws)
  await opened(ws)
  return client
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  assert.fail('the call succeeded')
}

/** The HTTP status of an AWS SDK error. */
export function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
}
