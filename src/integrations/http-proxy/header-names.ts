/**
 * @module
 * Backend response header names as lower-case strings without a native call per name: the
 * common names are matched byte by byte (ASCII case folded) and the interned string reused.
 * Turning each of undici's raw header buffers into a string costs about 70 ns of native
 * call; most of a response's names are a handful of well-known ones.
 */

const COMMON = [
  'content-type',
  'content-length',
  'content-encoding',
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'server',
  'cache-control',
  'etag',
  'last-modified',
  'expires',
  'vary',
  'location',
  'set-cookie',
  'x-powered-by',
  'access-control-allow-origin',
]

interface KnownName {
  readonly name: string
  readonly bytes: Buffer
}

/** The common names by length, the first test a raw name meets. */
const BY_LENGTH: Array<KnownName[] | undefined> = []
for (const name of COMMON) (BY_LENGTH[name.length] ??= []).push({ name, bytes: Buffer.from(name, 'latin1') })

/** The lower-case name a raw header name buffer spells, as `toString('latin1').toLowerCase()` gives it. */
export function headerName(raw: Buffer): string {
  return commonName(raw) ?? raw.toString('latin1').toLowerCase()
}

function commonName(raw: Buffer): string | undefined {
  const candidates = BY_LENGTH[raw.length]
  if (candidates === undefined) return undefined
  next: for (const known of candidates) {
    const bytes = known.bytes
    for (let j = 0; j < bytes.length; j++) {
      const x = raw[j] as number
      const c = bytes[j] as number
      // Equal, or the upper-case form of a letter (the names' other bytes are '-' and digits).
      if (x !== c && (x + 32 !== c || c < 97)) continue next
    }
    return known.name
  }
  return undefined
}
