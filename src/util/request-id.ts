/**
 * @module
 * Request ids in AWS's shape (spec 1.2): 11 random bytes, URL-safe base64, one `=` of
 * padding, 16 characters, e.g. `LV7fzho-PHcEJPw=`. Also the `x-amzn-trace-id` root.
 */
import { randomFillSync } from 'node:crypto'

// Random bytes are drawn in blocks: one syscall per 372 ids instead of one per id.
const POOL_SIZE = 4092
const pool = Buffer.alloc(POOL_SIZE)
let offset = POOL_SIZE

/** Where `n` fresh random bytes start in the pool (read in place: no Buffer view per id). */
function take(n: number): number {
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool)
    offset = 0
  }
  const start = offset
  offset += n
  return start
}

/** A fresh data-plane request id such as `Mc7UVioPPHcEKPA=`. */
export function newRequestId(): string {
  const start = take(11)
  return pool.toString('base64url', start, start + 11) + '='
}

/** The trace root's epoch seconds in hex, kept while the second lasts (requests come many a second). */
let lastSeconds = -1
let lastSecondsHex = ''

/** An X-Ray style trace header value: `Root=1-{8 hex epoch seconds}-{24 hex}`. */
export function newTraceId(epochMillis: number): string {
  const seconds = Math.floor(epochMillis / 1000)
  if (seconds !== lastSeconds) {
    lastSeconds = seconds
    lastSecondsHex = seconds.toString(16).padStart(8, '0')
  }
  const start = take(12)
  return `Root=1-${lastSecondsHex}-${pool.toString('hex', start, start + 12)}`
}

/** A trace header's `Parent` segment id: 16 hex digits (8 random bytes). */
export function newTraceParentId(): string {
  const start = take(8)
  return pool.toString('hex', start, start + 8)
}

/** A UUID's text, dashes and version digit in place; each id rewrites its hex digits. */
const uuid = Buffer.from('00000000-0000-4000-8000-000000000000', 'latin1')
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1')
/** Where each of the 16 bytes' two hex digits go in `uuid`. */
const DIGITS_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34]

/**
 * A UUID v4 for Lambda's own `awsRequestId` (Lambda ids are UUIDs, unlike API Gateway's).
 * Written as one flat string (hex digits into a buffer, one read): slicing a hex string into
 * a template made five pieces and a tree of four joins, which the console's inspector keeps
 * (as an invocation's id) while a console streams.
 */
export function newLambdaRequestId(): string {
  const start = take(16)
  for (let i = 0; i < 16; i++) {
    let b = pool[start + i] as number
    if (i === 6) b = (b & 0x0f) | 0x40
    else if (i === 8) b = (b & 0x3f) | 0x80
    const at = DIGITS_AT[i] as number
    uuid[at] = HEX_DIGITS[b >> 4] as number
    uuid[at + 1] = HEX_DIGITS[b & 15] as number
  }
  return uuid.toString('latin1', 0, 36)
}
