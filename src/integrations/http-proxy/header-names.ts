/**
 * @module
 * Backend response header names as lower-case strings without a native call per name: the
 * common names are matched byte by byte (ASCII case folded) and the interned string reused.
 * Turning each of undici's raw header buffers into a string costs about 70 ns of native
 * call; most of a response's names are a handful of well-known ones, and some of their
 * values (`content-type`, `date` within its second) repeat from one response to the next.
 */

/** Common names, and whether their value is usually the previous response's. */
const COMMON: ReadonlyArray<readonly [string, boolean]> = [
  ['content-type', true],
  ['content-length', true],
  ['content-encoding', true],
  ['date', true],
  ['connection', false],
  ['keep-alive', false],
  ['transfer-encoding', false],
  ['server', true],
  ['cache-control', true],
  ['etag', false],
  ['last-modified', false],
  ['expires', false],
  ['vary', true],
  ['location', false],
  ['set-cookie', false],
  ['x-powered-by', true],
  ['access-control-allow-origin', true],
]

export class KnownName {
  readonly bytes: Buffer
  /**
   * The last value seen under this name: a copy (undici's buffers are views of a reused one) with
   * its own memory, not a slice of Node's shared 8 KB allocation pool that it would keep alive.
   */
  #lastBytes: Uint8Array | null = null
  #lastValue = ''

  constructor(
    readonly name: string,
    readonly repeats: boolean
  ) {
    this.bytes = Buffer.from(name, 'latin1')
  }

  /** A value under this name, `raw.toString('latin1')`, reusing the previous string when the bytes are the same. */
  value(raw: Buffer): string {
    if (!this.repeats) return raw.toString('latin1')
    const last = this.#lastBytes
    if (last !== null && last.length === raw.length) {
      let same = true
      for (let j = 0; j < raw.length; j++) {
        if (raw[j] !== last[j]) {
          same = false
          break
        }
      }
      if (same) return this.#lastValue
    }
    // Very long values (a big cookie-free header still) are not worth keeping.
    if (raw.length > 256) return raw.toString('latin1')
    this.#lastBytes = new Uint8Array(raw)
    this.#lastValue = raw.toString('latin1')
    return this.#lastValue
  }
}

/** The common names by length, the first test a raw name meets. */
const BY_LENGTH: Array<KnownName[] | undefined> = []
for (const [name, repeats] of COMMON) (BY_LENGTH[name.length] ??= []).push(new KnownName(name, repeats))

/** The lower-case name a raw header name buffer spells, as `toString('latin1').toLowerCase()` gives it. */
export function headerName(raw: Buffer): string {
  return commonName(raw)?.name ?? raw.toString('latin1').toLowerCase()
}

/** The common name a raw header name buffer spells (any case), if it is one. */
export function commonName(raw: Buffer): KnownName | undefined {
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
    return known
  }
  return undefined
}
