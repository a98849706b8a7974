/**
 * @module
 * One client connection of a WebSocket API: who it is (for events and `GET
 * @connections`), its idle and maximum-duration timers, and sending with a bounded
 * outbound buffer.
 */
import type { WebSocket } from 'ws'
import type { ConnectionInspector, WebSocketConnectionInfo } from '../model/index.js'
import { CLOSE_IDLE, CLOSE_MAX_DURATION, CLOSE_SLOW_READER, type WebSocketLimits } from './limits.js'

export interface ConnectionInit {
  readonly connectionId: string
  readonly apiId: string
  readonly stageName: string
  readonly domainName: string
  readonly sourceIp: string
  readonly userAgent: string
  /** The upgrade request's headers in original case, in order (the CONNECT event's). */
  readonly handshakeHeaders: ReadonlyArray<readonly [string, string]>
  readonly query: ReadonlyArray<readonly [string, string]>
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true })
/** The frame size API Gateway splits outgoing messages at (its 32 KB frame quota). */
const OUTBOUND_FRAME_BYTES = 32 * 1024

export class Connection implements WebSocketConnectionInfo {
  readonly connectionId: string
  readonly apiId: string
  readonly stageName: string
  readonly domainName: string
  readonly sourceIp: string
  readonly userAgent: string
  readonly handshakeHeaders: ReadonlyArray<readonly [string, string]>
  readonly query: ReadonlyArray<readonly [string, string]>
  /** Epoch ms, the same in every event of the connection. */
  readonly connectedAt: number
  lastActiveAt: number
  /** `$connect` authorizer output (`principalId` and context), or `null`. */
  authorizer: Record<string, unknown> | null = null
  /** The API key `$connect` accepted (`$context.identity.apiKey`), or `null`. */
  apiKey: string | null = null
  /** Messages received and sent (the console shows them). */
  messagesIn = 0
  messagesOut = 0
  /** Told of each message while a console watches, or `null`. */
  inspector: ConnectionInspector | null = null
  #ws: WebSocket | null = null
  #limits: WebSocketLimits | null = null
  #idle: NodeJS.Timeout | null = null
  #maxDuration: NodeJS.Timeout | null = null

  constructor(init: ConnectionInit) {
    this.connectionId = init.connectionId
    this.apiId = init.apiId
    this.stageName = init.stageName
    this.domainName = init.domainName
    this.sourceIp = init.sourceIp
    this.userAgent = init.userAgent
    this.handshakeHeaders = init.handshakeHeaders
    this.query = init.query
    this.connectedAt = Date.now()
    this.lastActiveAt = this.connectedAt
  }

  /** Once the handshake completes. */
  open(ws: WebSocket, limits: WebSocketLimits): void {
    this.#ws = ws
    this.#limits = limits
    this.#maxDuration = setTimeout(() => this.close(CLOSE_MAX_DURATION, 'Connection duration limit reached'), limits.maxConnectionDurationMs)
    this.#maxDuration.unref()
    this.touch()
  }

  /** Whether the handshake completed; stays true once the connection has closed. */
  get opened(): boolean {
    return this.#ws !== null
  }

  get isOpen(): boolean {
    return this.#ws !== null && this.#ws.readyState === 1
  }

  /**
   * Data frames in either direction keep the connection alive; control frames do not
   * `[UNCONFIRMED]` (spec 10.2, 15.10).
   */
  touch(): void {
    this.lastActiveAt = Date.now()
    const limits = this.#limits
    if (limits === null) return
    if (this.#idle !== null) this.#idle.refresh()
    else {
      this.#idle = setTimeout(() => this.close(CLOSE_IDLE, 'Idle timeout'), limits.idleTimeoutMs)
      this.#idle.unref()
    }
  }

  /** Sends a text frame (binary when the data is not UTF-8); `false` when the connection is gone. */
  send(data: string | Buffer): boolean {
    const ws = this.#ws
    if (ws === null || ws.readyState !== 1) return false
    const limits = this.#limits as WebSocketLimits
    if (ws.bufferedAmount > limits.maxOutboundBufferBytes) {
      // The client stopped reading: cut it off rather than let the buffer grow.
      this.close(CLOSE_SLOW_READER, 'Client is not reading')
      ws.terminate()
      return false
    }
    let binary = false
    if (typeof data !== 'string') {
      try {
        fatalUtf8.decode(data)
      } catch {
        binary = true
      }
    }
    // The usual short text goes out as it is; only a message needing fragments is copied to bytes.
    if (typeof data === 'string' ? Buffer.byteLength(data) <= OUTBOUND_FRAME_BYTES : data.length <= OUTBOUND_FRAME_BYTES) {
      ws.send(data, { binary })
    } else {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data
      // Like API Gateway, messages over 32 KB go out as several frames (spec 11.3).
      for (let at = 0; at < bytes.length; at += OUTBOUND_FRAME_BYTES) {
        ws.send(bytes.subarray(at, at + OUTBOUND_FRAME_BYTES), { binary, fin: at + OUTBOUND_FRAME_BYTES >= bytes.length })
      }
    }
    this.touch()
    this.messagesOut++
    if (this.inspector !== null && this.inspector.active) this.inspector.message(this.connectionId, 'out', data)
    return true
  }

  /** A text message the client sent. */
  received(text: string): void {
    this.messagesIn++
    if (this.inspector !== null && this.inspector.active) this.inspector.message(this.connectionId, 'in', text)
  }

  close(code: number, reason: string): void {
    const ws = this.#ws
    if (ws === null || ws.readyState > 1) return
    ws.close(code, reason)
    // A client that never answers the close frame is cut after a while.
    setTimeout(() => ws.terminate(), 5_000).unref()
  }

  /** After the socket closed: timers off. */
  dispose(): void {
    if (this.#idle !== null) clearTimeout(this.#idle)
    if (this.#maxDuration !== null) clearTimeout(this.#maxDuration)
  }
}
