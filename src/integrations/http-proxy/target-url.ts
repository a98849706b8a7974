/**
 * @module
 * Where an `HTTP_PROXY` integration sends a request (spec 4.1): the integration URI with
 * route variables substituted (`{id}`, and `{proxy}` for a greedy `{proxy+}`), the request
 * path appended on the `$default` route, and the client's query string appended to any
 * query the URI already has.
 */

/**
 * Whether the `$default` route forwards the `/{stage}` prefix of a named stage.
 * `[UNCONFIRMED]` (spec 4.1, 15.4): excluded, as routing strips the stage before matching.
 */
export const DEFAULT_ROUTE_FORWARDS_STAGE = false

type PathPart = { readonly literal: string } | { readonly variable: string }

export interface TargetTemplate {
  /** `http://host:port`, as undici addresses a pool. */
  readonly origin: string
  /** `host[:port]` for the `Host` header. */
  readonly authority: string
  readonly pathParts: readonly PathPart[]
  /** Query already in the URI (without `?`), `''` for none. */
  readonly query: string
}

/** Parses an absolute `http(s)://` URI (stage variables already substituted); `null` if invalid. */
export function parseTargetTemplate(uri: string): TargetTemplate | null {
  let url: URL
  try {
    // Braces are kept out of the parser's way: `{proxy}` is substituted per request.
    url = new URL(uri.replace(/\{([^}/]+)\}/g, (_, name: string) => `__gatehouse_var_${Buffer.from(name).toString('hex')}__`))
  } catch {
    return null
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
  if (url.username !== '' || url.password !== '' || url.hash !== '') return null
  const pathParts: PathPart[] = []
  const pattern = /__gatehouse_var_([0-9a-f]+)__/g
  const path = url.pathname
  let last = 0
  for (const m of path.matchAll(pattern)) {
    if (m.index > last) pathParts.push({ literal: path.slice(last, m.index) })
    pathParts.push({ variable: Buffer.from(m[1] as string, 'hex').toString() })
    last = m.index + m[0].length
  }
  if (last < path.length) pathParts.push({ literal: path.slice(last) })
  if (/__gatehouse_var_/.test(url.host) || /__gatehouse_var_/.test(url.search)) return null
  return { origin: url.origin, authority: url.host, pathParts, query: url.search.slice(1) }
}

/** Route variables a URI uses, for validation against the route. */
export function templateVariables(template: TargetTemplate): string[] {
  return template.pathParts.flatMap((p) => ('variable' in p ? [p.variable] : []))
}

export interface TargetRequest {
  /** Route variables captured (decoded). */
  readonly pathParameters: Readonly<Record<string, string>> | null
  /** For the `$default` route: the request path below the stage, as the client encoded it; else `null`. */
  readonly appendedPath: string | null
  /** `overwrite:path` from parameter mapping (decoded text), or `null`. */
  readonly overwrittenPath: string | null
  /** The query string to forward (still encoded), `''` for none. */
  readonly rawQueryString: string
}

/**
 * The request target (`/path?query`) sent upstream, or `null` when the client's part of the
 * path has a dot segment (`..`, `.`, also percent-encoded): forwarded, it would let a client
 * climb out of the integration URI's path on the backend. Answered 400 instead.
 */
export function targetPath(template: TargetTemplate, request: TargetRequest): string | null {
  if (hasClientDotSegment(request)) return null
  let path: string
  if (request.overwrittenPath !== null) {
    path = encodePath(request.overwrittenPath)
    if (!path.startsWith('/')) path = `/${path}`
  } else {
    path = ''
    for (const part of template.pathParts) {
      // `{proxy}` keeps its slashes; every segment is encoded again, as the client's were decoded.
      path += 'literal' in part ? part.literal : encodePath(request.pathParameters?.[part.variable] ?? '')
    }
    if (request.appendedPath !== null && request.appendedPath !== '/') {
      path = (path.endsWith('/') ? path.slice(0, -1) : path) + request.appendedPath
    }
    if (path === '') path = '/'
  }
  const query = template.query === '' ? request.rawQueryString : request.rawQueryString === '' ? template.query : `${template.query}&${request.rawQueryString}`
  return query === '' ? path : `${path}?${query}`
}

/** Whether any part of the path the client controls has a dot segment (checked without building a list per request). */
function hasClientDotSegment(request: TargetRequest): boolean {
  if (request.appendedPath !== null && hasDotSegment(request.appendedPath)) return true
  if (request.overwrittenPath !== null && hasDotSegment(request.overwrittenPath)) return true
  const params = request.pathParameters
  if (params !== null) for (const key in params) if (hasDotSegment(params[key] as string)) return true
  return false
}

/** `.` or `..` as a path segment, plain or percent-encoded (`%2e`), with `/` or `%2F` around it. */
function hasDotSegment(path: string): boolean {
  return /(^|\/|%2f)(\.|%2e){1,2}($|\/|%2f)/i.test(path)
}

function encodePath(decoded: string): string {
  return decoded
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%40/g, '@').replace(/%3A/gi, ':'))
    .join('/')
}
