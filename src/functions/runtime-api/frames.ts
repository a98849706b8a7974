/**
 * @module
 * The private framing Gatehouse's own bootstraps speak on the channel they are handed (their
 * end of a socket pair): the Runtime API's four calls and two answers, without HTTP. Each
 * frame is a kind byte, the head's and the body's lengths (32-bit, big-endian), the head (UTF-8
 * fields split by NUL, which JSON text and request ids never hold raw) and the body. A frame
 * carries what the HTTP message would, and nothing is answered that HTTP would answer `202`
 * (except an init error, which the runtime waits for before it exits), so that an invocation
 * costs the gateway one read and one write. Custom runtimes keep the HTTP Runtime API.
 * runtimes/python/bootstrap.py is the other end.
 */
import { MAX_RUNTIME_PAYLOAD_BYTES } from './answers.js'
import type { PostedBody } from './calls.js'

/** Kind byte + head length + body length. */
const PREFIX_BYTES = 9

/** A head holds ids, an ARN, a trace header and the client context: far less than this. */
export const MAX_HEAD_BYTES = 64 * 1024

/** What the runtime sends: `/next`, `/invocation/{id}/response`, `/invocation/{id}/error`, `/init/error`. */
export const RuntimeFrame = {
  /** No head, no body. */
  Next: 0x6e, // 'n'
  /** Head: the request id. Body: the payload. */
  Response: 0x72, // 'r'
  /** Head: the request id, NUL, the `Lambda-Runtime-Function-Error-Type` value. Body: the error JSON. */
  InvocationError: 0x65, // 'e'
  /** Head: the `Lambda-Runtime-Function-Error-Type` value. Body: the error JSON. */
  InitError: 0x69, // 'i'
} as const

/** What the gateway sends: an invocation (the answer to `/next`), or any other answer. */
export const GatewayFrame = {
  /** Head: request id, deadline ms, function ARN, trace id, client context, Cognito identity (empty: none). Body: the event. */
  Invocation: 0x76, // 'v'
  /** Head: the status, NUL, the kind byte of the call answered (as a character). Body: the answer's JSON. */
  Answer: 0x61, // 'a'
} as const

/** One frame from the runtime. A body over the payload limit is counted and dropped (`tooLarge`), as the HTTP path drops it. */
export interface ReceivedFrame {
  readonly kind: number
  readonly head: string
  readonly body: PostedBody
}

/** A frame's bytes, in one buffer (one write). */
export function encodeFrame(kind: number, head: string, body: string): Buffer {
  const headBytes = Buffer.byteLength(head)
  const bodyBytes = Buffer.byteLength(body)
  const frame = Buffer.allocUnsafe(PREFIX_BYTES + headBytes + bodyBytes)
  frame[0] = kind
  frame.writeUInt32BE(headBytes, 1)
  frame.writeUInt32BE(bodyBytes, 5)
  frame.write(head, PREFIX_BYTES, 'utf8')
  frame.write(body, PREFIX_BYTES + headBytes, 'utf8')
  return frame
}

/** The kinds each side reads. */
export const RUNTIME_FRAME_KINDS: ReadonlySet<number> = new Set(Object.values(RuntimeFrame))
export const GATEWAY_FRAME_KINDS: ReadonlySet<number> = new Set(Object.values(GatewayFrame))

/**
 * Cuts a byte stream into frames of the given kinds (the runtime's, on the gateway's end),
 * whatever the reads' boundaries. A body is
 * gathered as the chunks it came in and joined once (an answer may be megabytes); one over
 * {@link MAX_RUNTIME_PAYLOAD_BYTES} is only counted.
 */
export class FrameReader {
  readonly #kinds: ReadonlySet<number>
  readonly #onFrame: (frame: ReceivedFrame) => void
  readonly #onProtocolError: (reason: string) => void
  /** Bytes of a prefix and head not complete yet. */
  #partial: Buffer | undefined
  /** The frame whose body is being read. */
  #frame: { kind: number; head: string; bodyBytes: number; remaining: number; parts: Buffer[] } | undefined
  #failed = false

  constructor(kinds: ReadonlySet<number>, onFrame: (frame: ReceivedFrame) => void, onProtocolError: (reason: string) => void) {
    this.#kinds = kinds
    this.#onFrame = onFrame
    this.#onProtocolError = onProtocolError
  }

  push(chunk: Buffer): void {
    let at = 0
    while (at < chunk.length && !this.#failed) {
      const frame = this.#frame
      if (frame === undefined) {
        at = this.#readHead(chunk, at)
        continue
      }
      const take = Math.min(frame.remaining, chunk.length - at)
      if (frame.bodyBytes <= MAX_RUNTIME_PAYLOAD_BYTES) frame.parts.push(chunk.subarray(at, at + take))
      at += take
      frame.remaining -= take
      if (frame.remaining === 0) this.#emit()
    }
  }

  /** Reads a prefix and head from `chunk` at `at` (keeping a partial one); returns where it stopped. */
  #readHead(chunk: Buffer, at: number): number {
    let source = chunk
    let start = at
    if (this.#partial !== undefined) {
      source = Buffer.concat([this.#partial, chunk.subarray(at)])
      start = 0
      this.#partial = undefined
    }
    const available = source.length - start
    if (available < PREFIX_BYTES) return this.#keep(source, start, chunk)
    const kind = source[start] as number
    const headBytes = source.readUInt32BE(start + 1)
    const bodyBytes = source.readUInt32BE(start + 5)
    if (!this.#kinds.has(kind)) return this.#fail(`unknown frame kind 0x${kind.toString(16)}`, chunk)
    if (headBytes > MAX_HEAD_BYTES) return this.#fail(`frame head of ${headBytes} bytes (at most ${MAX_HEAD_BYTES})`, chunk)
    if (available < PREFIX_BYTES + headBytes) return this.#keep(source, start, chunk)
    const bodyStart = start + PREFIX_BYTES + headBytes
    const head = source.toString('utf8', start + PREFIX_BYTES, bodyStart)
    this.#frame = { kind, head, bodyBytes, remaining: bodyBytes, parts: [] }
    if (bodyBytes === 0) this.#emit()
    // Where the body starts, counted in `chunk` (a partial prefix came before it).
    return chunk.length - (source.length - bodyStart)
  }

  #keep(source: Buffer, start: number, chunk: Buffer): number {
    this.#partial = Buffer.from(source.subarray(start))
    return chunk.length
  }

  #fail(reason: string, chunk: Buffer): number {
    this.#failed = true
    this.#onProtocolError(reason)
    return chunk.length
  }

  #emit(): void {
    const frame = this.#frame
    if (frame === undefined) return
    this.#frame = undefined
    const tooLarge = frame.bodyBytes > MAX_RUNTIME_PAYLOAD_BYTES
    const { parts } = frame
    const text = tooLarge || parts.length === 0 ? '' : parts.length === 1 ? (parts[0] as Buffer).toString('utf8') : Buffer.concat(parts).toString('utf8')
    this.#onFrame({ kind: frame.kind, head: frame.head, body: { text, bytes: frame.bodyBytes, tooLarge } })
  }
}
