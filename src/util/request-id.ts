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

/** A UUID v4 for Lambda's own `awsRequestId` (Lambda ids are UUIDs, unlike API Gateway's). */
export function newLambdaRequestId(): string {
  const start = take(16)
  const b = Buffer.from(pool.subarray(start, start + 16))
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80
  const h = b.toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}
