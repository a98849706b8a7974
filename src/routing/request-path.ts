/**
 * @module
 * Request-path handling shared by stage resolution and route matching (spec 2.4):
 * HTTP APIs deliver the path percent-decoded (`%2F` becomes a separator), and route
 * matching ignores one trailing slash.
 */

/**
 * Splits a raw request target into its path and its query string (without `?`, still
 * encoded). Absolute-form targets (`http://host/path`) are reduced to their path.
 */
export function splitTarget(target: string): { rawPathname: string; rawQueryString: string } {
  let start = 0
  if (target.charCodeAt(0) !== 47 /* / */) {
    const scheme = target.indexOf('://')
    if (scheme > 0) {
      // The authority ends at the first `/` or `?`: `http://host?x=1` has path `/` and query `x=1`.
      let end = scheme + 3
      while (end < target.length && target.charCodeAt(end) !== 47 && target.charCodeAt(end) !== 63) end++
      start = end
    }
  }
  const q = target.indexOf('?', start)
  const rawPathname = q < 0 ? target.slice(start) : target.slice(start, q)
  const rawQueryString = q < 0 ? '' : target.slice(q + 1)
  return { rawPathname: rawPathname === '' ? '/' : rawPathname, rawQueryString }
}

/** Percent-decodes a path; only pays for decoding when a `%` is present. */
export function decodePath(rawPathname: string): string | undefined {
  if (rawPathname.indexOf('%') < 0) return rawPathname
  try {
    return decodeURIComponent(rawPathname)
  } catch {
    return undefined // malformed escape: the caller answers 400
  }
}

/**
 * Splits a decoded path into segments for matching: the leading `/` and one trailing `/`
 * are ignored, so `/hello/` routes like `/hello` and `/` has no segments.
 */
export function pathSegments(path: string): string[] {
  let end = path.length
  if (end > 1 && path.charCodeAt(end - 1) === 47) end--
  if (end <= 1) return []
  return path.slice(1, end).split('/')
}
