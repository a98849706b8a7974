/**
 * @module
 * Parses and validates HTTP API route keys (spec 2.1): `$default`, or `"{METHOD} {path}"`
 * with exactly one space, literal or `{var}` segments, and an optional greedy `{var+}` last.
 */
import { HTTP_METHODS, type ParsedRouteKey, type PathSegment, type RouteMethod } from '../model/index.js'



export const DEFAULT_ROUTE_KEY = '$default'



export type RouteKeyResult = { ok: true; value: ParsedRouteKey } | { ok: false; reason: string }

// AWS's message for a malformed path part (observed, spec 2.1).
export const INVALID_PATH_PARTS = 'One or more path parts appear to be invalid'
const VARIABLE_NAME = /^[A-Za-z0-9_.-]+$/
// Characters that cannot appear in a literal segment: braces belong to variables, and
// whitespace or `?`/`#` cannot come from a decoded request path segment in a route.
const LITERAL_FORBIDDEN = /[{}\s?#]/
const METHODS: ReadonlySet<string> = new Set<string>([...HTTP_METHODS, 'ANY'])

export function parseRouteKey(routeKey: string): RouteKeyResult {
  if (routeKey === DEFAULT_ROUTE_KEY) return { ok: true, value: { kind: 'default', routeKey } }
  const space = routeKey.indexOf(' ')
  if (space < 0 || routeKey.indexOf(' ', space + 1) >= 0) {
    return { ok: false, reason: `route key must be "$default" or "METHOD /path" with exactly one space` }
  }
  const method = routeKey.slice(0, space)
  const path = routeKey.slice(space + 1)
  if (!METHODS.has(method)) {
    return { ok: false, reason: `method "${method}" must be one of ${[...METHODS].join(', ')}` }
  }
  if (!path.startsWith('/')) return { ok: false, reason: `path "${path}" must start with "/"` }
  if (path.length > 1 && path.endsWith('/')) {
    return { ok: false, reason: `path "${path}" must not end with "/": ${INVALID_PATH_PARTS}` }
  }
  const segments: PathSegment[] = []
  const names = new Set<string>()
  const parts = path === '/' ? [] : path.slice(1).split('/')
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? ''
    const segment = parseSegment(part, i === parts.length - 1)
    if (typeof segment === 'string') return { ok: false, reason: `path "${path}": ${segment}` }
    if (segment.kind !== 'literal') {
      if (names.has(segment.name)) {
        return { ok: false, reason: `path "${path}": variable {${segment.name}} is used twice` }
      }
      names.add(segment.name)
    }
    segments.push(segment)
  }
  return { ok: true, value: { kind: 'path', routeKey, method: method as RouteMethod, path, segments } }
}

function parseSegment(part: string, isLast: boolean): PathSegment | string {
  if (part === '') return `empty path part: ${INVALID_PATH_PARTS}`
  if (part.startsWith('{') && part.endsWith('}')) {
    const inner = part.slice(1, -1)
    const greedy = inner.endsWith('+')
    const name = greedy ? inner.slice(0, -1) : inner
    if (!VARIABLE_NAME.test(name)) return `"${part}": ${INVALID_PATH_PARTS}`
    if (greedy && !isLast) return `greedy variable "${part}" must be the last path part`
    return greedy ? { kind: 'greedy', name } : { kind: 'variable', name }
  }
  // A variable must occupy a whole segment (`/{id}.json` is rejected by AWS).
  if (LITERAL_FORBIDDEN.test(part)) return `"${part}": ${INVALID_PATH_PARTS}`
  return { kind: 'literal', value: part }
}
