/**
 * @module
 * Answers to refused WebSocket upgrades (spec 10.1, 10.7): a plain HTTP response written on
 * the socket before it is closed, never a 101.
 */
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'

/** An upgrade to a path that names no WebSocket API stage `[UNCONFIRMED]` (spec 10.1, 15.8). */
export const UNKNOWN_STAGE_STATUS = 404
/** A `$connect` integration that fails or times out: 500 (502 reported once) `[UNCONFIRMED]`. */
export const CONNECT_FAILURE_STATUS = 500

/** A `$connect` that requires an API key without a valid one `[UNCONFIRMED]` (spec 10.8). */
export const API_KEY_REFUSED_STATUS = 403

/** A new connection over the `$connect` (or account) throttle: 429 `[OBS]` (spec 10.2). */
export const THROTTLED_STATUS = 429

const MESSAGES: Readonly<Record<number, string>> = {
  429: 'Too Many Requests',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
}

export function refuseUpgrade(socket: Duplex, status: number, requestId: string, body?: string | null): void {
  if (socket.destroyed) return
  if (!Number.isInteger(status) || status < 200 || status > 599) status = CONNECT_FAILURE_STATUS
  const text = body ?? (MESSAGES[status] !== undefined ? JSON.stringify({ message: MESSAGES[status] }) : '')
  const bytes = Buffer.byteLength(text)
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      (bytes > 0 ? 'content-type: application/json\r\n' : '') +
      `content-length: ${bytes}\r\napigw-requestid: ${requestId}\r\nconnection: close\r\n\r\n${text}`
  )
}
