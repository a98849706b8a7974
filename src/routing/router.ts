/**
 * @module
 * The compiled HTTP API route matcher, with AWS's precedence (spec 2.3):
 *
 * 1. a full match of method and path (literal and `{var}` segments both count), preferring,
 *    from the left, a literal segment over a variable at the first position they differ,
 *    and a specific method over `ANY` for the same template;
 * 2. a greedy `{proxy+}` match, preferring the longest prefix, then a specific method
 *    over `ANY`;
 * 3. the `$default` route;
 * 4. nothing (the caller answers 404; HTTP APIs never answer 405).
 *
 * Routes are held in a segment trie built once per snapshot; matching is a depth-first
 * walk that tries literal children before variable children, so the first hit is the
 * most specific one and no scoring is needed.
 */
import type { ParsedRouteKey, PathSegment, RouteMatch, RouteMatcher, RouteMethod } from '../model/index.js'

type PathRouteKey = Extract<ParsedRouteKey, { kind: 'path' }>

class TrieNode<T> {
  literals: Map<string, TrieNode<T>> | null = null
  variable: TrieNode<T> | null = null
  /** Routes ending exactly here, by method (`ANY` included). */
  routes: Map<string, T> | null = null
  /** Greedy routes whose `{proxy+}` starts here, by method. */
  greedy: Map<string, T> | null = null
}


export interface RouterEntry<T> {
  readonly key: ParsedRouteKey
  readonly route: T
}

export class Router<T> implements RouteMatcher<T> {
  readonly #root = new TrieNode<T>()
  readonly #segmentsOf = new Map<T, readonly PathSegment[]>()
  #defaultRoute: T | null = null

  constructor(entries: Iterable<RouterEntry<T>>) {
    for (const { key, route } of entries) {
      if (key.kind === 'default') this.#defaultRoute = route
      else this.#add(key, route)
    }
  }

  #add(key: PathRouteKey, route: T): void {
    let node = this.#root
    const last = key.segments.length - 1
    for (let i = 0; i <= last; i++) {
      const segment = key.segments[i] as PathSegment
      if (segment.kind === 'greedy') {
        ;(node.greedy ??= new Map()).set(key.method, route)
        this.#segmentsOf.set(route, key.segments)
        return
      }
      if (segment.kind === 'literal') {
        node.literals ??= new Map()
        let next = node.literals.get(segment.value)
        if (next === undefined) node.literals.set(segment.value, (next = new TrieNode()))
        node = next
      } else {
        node = node.variable ??= new TrieNode()
      }
    }
    ;(node.routes ??= new Map()).set(key.method, route)
    this.#segmentsOf.set(route, key.segments)
  }

  /**
   * Finds the route for a method and the request's path segments (already decoded,
   * trailing slash ignored, see `pathSegments`).
   */
  match(method: string, segments: readonly string[]): RouteMatch<T> | null {
    const route =
      fullMatch(this.#root, segments, 0, method) ?? greedyMatch(this.#root, segments, 0, method)
    if (route !== undefined) {
      return { route, pathParameters: this.#parameters(route, segments) }
    }
    if (this.#defaultRoute !== null) return { route: this.#defaultRoute, pathParameters: null }
    return null
  }

  #parameters(route: T, request: readonly string[]): Record<string, string> | null {
    const segments = this.#segmentsOf.get(route)
    let params: Record<string, string> | null = null
    if (segments === undefined) return params
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i] as PathSegment
      if (segment.kind === 'literal') continue
      params ??= {}
      params[segment.name] =
        segment.kind === 'greedy' ? request.slice(i).join('/') : (request[i] as string)
    }
    return params
  }
}

function byMethod<T>(routes: Map<string, T> | null, method: string): T | undefined {
  if (routes === null) return undefined
  return routes.get(method) ?? routes.get('ANY' satisfies RouteMethod)
}

function fullMatch<T>(node: TrieNode<T>, segs: readonly string[], i: number, method: string): T | undefined {
  if (i === segs.length) return byMethod(node.routes, method)
  const segment = segs[i] as string
  const literal = node.literals?.get(segment)
  if (literal !== undefined) {
    const found = fullMatch(literal, segs, i + 1, method)
    if (found !== undefined) return found
  }
  if (node.variable !== null && segment !== '') return fullMatch(node.variable, segs, i + 1, method)
  return undefined
}

function greedyMatch<T>(node: TrieNode<T>, segs: readonly string[], i: number, method: string): T | undefined {
  if (i === segs.length) return undefined // a greedy variable needs at least one segment
  const segment = segs[i] as string
  const literal = node.literals?.get(segment)
  if (literal !== undefined) {
    const found = greedyMatch(literal, segs, i + 1, method)
    if (found !== undefined) return found
  }
  if (node.variable !== null && segment !== '') {
    const found = greedyMatch(node.variable, segs, i + 1, method)
    if (found !== undefined) return found
  }
  return byMethod(node.greedy, method)
}

