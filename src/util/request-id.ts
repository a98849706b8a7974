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

function take(n: number): Buffer {
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool)
    offset = 0
  }
  const bytes = pool.subarray(offset, offset + n)
  offset += n
  return bytes
}

/** A fresh data-plane request id such as `Mc7UVioPPHcEKPA=`. */
export function newRequestId(): string {
  return take(11).toString('base64url') + '='
}

/** An X-Ray style trace header value: `Root=1-{8 hex epoch seconds}-{24 hex}`. */
export function newTraceId(epochMillis: number): string {
  const seconds = Math.floor(epochMillis / 1000).toString(16).padStart(8, '0')
  return `Root=1-${seconds}-${take(12).toString('hex')}`
}

/** A UUID v4 for Lambda's own `awsRequestId` (Lambda ids are UUIDs, unlike API Gateway's). */
export function newLambdaRequestId(): string {
  const b = Buffer.from(take(16))
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80
  const h = b.toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}
