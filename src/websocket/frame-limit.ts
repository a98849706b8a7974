/**
 * @module
 * AWS's 32 KB frame limit (spec 10.2), separate from the 128 KB message limit: `ws` has one
 * `maxPayload` for both, so each connection's frame parser gets a check at the point where a
 * frame's length is known. This reaches into `ws`'s receiver (not a public API): when it is
 * not shaped as expected (another `ws` major version), the limit is skipped and the caller
 * is told, rather than breaking connections.
 */
import type { WebSocket } from 'ws'
import { CLOSE_TOO_BIG } from './limits.js'

/** A frame (not a message) over this closes the connection with 1009. */
export const MAX_FRAME_BYTES = 32 * 1024

interface ReceiverInternals {
  _payloadLength: number
  _opcode: number
  haveLength(cb: (err?: Error) => void): void
  createError(type: typeof RangeError, message: string, prefix: boolean, statusCode: number, code: string): Error
}

/** Returns `false` when `ws`'s internals are not as expected (the limit is then not enforced). */
export function enforceFrameLimit(ws: WebSocket, maxFrameBytes: number = MAX_FRAME_BYTES): boolean {
  const receiver = (ws as unknown as { _receiver?: Partial<ReceiverInternals> })._receiver
  if (receiver === undefined || typeof receiver.haveLength !== 'function' || typeof receiver.createError !== 'function') return false
  const haveLength = receiver.haveLength
  receiver.haveLength = function (this: ReceiverInternals, cb: (err?: Error) => void): void {
    // Data frames only (opcodes below 8); control frames are limited to 125 bytes by the protocol.
    if (this._opcode < 0x08 && this._payloadLength > maxFrameBytes) {
      cb(this.createError(RangeError, `Frame size over ${maxFrameBytes} bytes`, false, CLOSE_TOO_BIG, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'))
      return
    }
    haveLength.call(this, cb)
  }
  return true
}
