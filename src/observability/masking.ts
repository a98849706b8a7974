/**
 * @module
 * What the console never shows: the values of `authorization` and `cookie` request headers
 * (wherever they reappear: the Lambda event, an authorizer's event, the upstream request) are
 * replaced by a marker, and long bodies are cut with a marker saying how much was left out.
 */

/** Replaces a masked value everywhere in the console. */
export const MASKED_VALUE = '********'
/** Request headers whose values are secrets. */
export const MASKED_HEADERS: ReadonlySet<string> = new Set(['authorization', 'cookie', 'proxy-authorization', 'x-amz-security-token'])
/** Bodies (request, response, Lambda event and result) are kept up to this many bytes each. */
export const MAX_RECORDED_BODY_BYTES = 64 * 1024

/** The secret strings of a request: masked header values, and each cookie of a `cookie` header (payload 2.0 splits them). */
export function secretsOf(rawHeaders: readonly string[]): string[] {
  const secrets: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i] as string
    // Called for every request while a console listens: only a name that may be masked is lowercased (a new string each time).
    if (!maybeMasked(raw)) continue
    const name = raw.toLowerCase()
    const value = rawHeaders[i + 1] as string
    if (!MASKED_HEADERS.has(name) || value.length === 0) continue
    secrets.push(value)
    if (name === 'cookie') for (const piece of value.split(/;\s*/)) if (piece.length > 0) secrets.push(piece)
    const bearer = /^bearer\s+(.+)$/i.exec(value)
    if (bearer?.[1] !== undefined) secrets.push(bearer[1])
  }
  // Longest first, so a whole header is replaced before the pieces it contains.
  return secrets.sort((a, b) => b.length - a.length)
}

/**
 * Whether a header name may be one of `MASKED_HEADERS`, by its length and first letter (no
 * lowercased copy, no Set lookup for the other headers of every request).
 */
function maybeMasked(name: string): boolean {
  const first = name.charCodeAt(0) | 0x20
  switch (name.length) {
    case 6: // cookie
      return first === 0x63
    case 13: // authorization
      return first === 0x61
    case 19: // proxy-authorization
      return first === 0x70
    case 20: // x-amz-security-token
      return first === 0x78
    default:
      return false
  }
}

/** The text with every secret (as is, and as it reads inside a JSON string) replaced. */
export function maskText(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) {
    out = out.split(secret).join(MASKED_VALUE)
    const escaped = JSON.stringify(secret).slice(1, -1)
    if (escaped !== secret) out = out.split(escaped).join(MASKED_VALUE)
  }
  return out
}

/** Header pairs with the values of masked headers replaced. */
export function maskHeaders(pairs: ReadonlyArray<readonly [string, string]>, secrets: readonly string[]): Array<[string, string]> {
  return pairs.map(([n, v]) => [n, MASKED_HEADERS.has(n.toLowerCase()) ? MASKED_VALUE : maskText(v, secrets)])
}

/**
 * The body as text (`base64:` prefix when not UTF-8), cut at `MAX_RECORDED_BODY_BYTES` with a
 * marker. `length` is the whole body's when `body` is only the first bytes of it.
 */
export function recordedBody(body: Buffer, length = body.length): string {
  const cut = length > MAX_RECORDED_BODY_BYTES
  const kept = cut ? body.subarray(0, MAX_RECORDED_BODY_BYTES) : body
  const text = kept.toString('utf8')
  const shown = text.includes('\uFFFD') && !cut ? 'base64:' + kept.toString('base64') : text
  return cut ? shown + truncationMarker(length - MAX_RECORDED_BODY_BYTES) : shown
}

/** A string cut at `MAX_RECORDED_BODY_BYTES` characters, with a marker. */
export function recordedText(text: string): string {
  return text.length > MAX_RECORDED_BODY_BYTES ? text.slice(0, MAX_RECORDED_BODY_BYTES) + truncationMarker(text.length - MAX_RECORDED_BODY_BYTES) : text
}

export function truncationMarker(omitted: number): string {
  return `\n…[truncated by the Gatehouse console: ${omitted} more bytes]`
}
