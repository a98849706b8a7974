/**
 * @module
 * Small helpers over Node's raw request headers, shared by both planes.
 */

/** Node's flat `rawHeaders` (or any flat `[name, value, …]` list) as `[name, value]` pairs, in order and case. */
export function headerPairs(raw: readonly string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i] as string, raw[i + 1] as string])
  return pairs
}

/** `Host` without its port; IPv6 literals keep their brackets. */
export function hostName(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']')
    return end < 0 ? host : host.slice(0, end + 1)
  }
  const colon = host.indexOf(':')
  return colon < 0 ? host : host.slice(0, colon)
}

/**
 * The first value of a header in Node's `rawHeaders` (`name` in lower case), or `undefined`.
 * What `req.headers[name]` gives for `host`, `content-length` and `transfer-encoding` (only
 * tested for presence), without building `req.headers`: Node builds that object on first
 * access, one `_addHeaderLine` per header, and the data plane needs none of its other entries.
 */
export function firstHeader(raw: readonly string[], name: string): string | undefined {
  const n = name.length
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i] as string
    if (key.length === n && (key === name || key.toLowerCase() === name)) return raw[i + 1] as string
  }
  return undefined
}
