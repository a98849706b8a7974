import { test } from 'node:test'
import { RouteMetrics } from '../../src/metrics/registry.js'
import { InMemoryRateLimiter } from '../../src/throttle/index.js'
import assert from 'node:assert/strict'
import type { GatehouseConfig } from '../../src/model/index.js'
import { parseRouteKey } from '../../src/routing/route-key.js'
import { decodePath, pathSegments, splitTarget } from '../../src/routing/request-path.js'
import { Router } from '../../src/routing/router.js'
import { resolveApi, resolveStage } from '../../src/routing/stage-resolver.js'
import { DomainNames } from '../../src/routing/custom-domain.js'
import type { CompiledApi, CompiledRoute, CompiledStage, RuntimeSnapshot } from '../../src/model/index.js'

// ---------------------------------------------------------------------------------------
// Helpers: a Router whose routes are their own route keys, matched on request paths.
// ---------------------------------------------------------------------------------------

function routerOf(routeKeys: readonly string[]): Router<string> {
  return new Router(
    routeKeys.map((routeKey) => {
      const parsed = parseRouteKey(routeKey)
      if (!parsed.ok) throw new Error(`test bug: invalid route key ${routeKey}: ${parsed.reason}`)
      return { key: parsed.value, route: routeKey }
    })
  )
}

interface Outcome {
  readonly routeKey: string | null
  readonly pathParameters: Record<string, string> | null
}

/** Matches a request path as the pipeline does: trailing slash ignored, no decoding here. */
function route(router: Router<string>, method: string, path: string): Outcome {
  const m = router.match(method, pathSegments(path))
  return m === null ? { routeKey: null, pathParameters: null } : { routeKey: m.route, pathParameters: m.pathParameters }
}

function routeKeyOf(router: Router<string>, method: string, path: string): string | null {
  return route(router, method, path).routeKey
}

// ---------------------------------------------------------------------------------------
// Router: the documented precedence (spec 2.3)
// ---------------------------------------------------------------------------------------

const DOCUMENTED_EXAMPLE = ['GET /pets/dog/1', 'GET /pets/dog/{id}', 'GET /pets/{proxy+}', 'ANY /{proxy+}', '$default']

test('documented example: GET /pets/dog/1 selects the literal route GET /pets/dog/1 over GET /pets/dog/{id}', () => {
  assert.deepEqual(route(routerOf(DOCUMENTED_EXAMPLE), 'GET', '/pets/dog/1'), {
    routeKey: 'GET /pets/dog/1',
    pathParameters: null,
  })
})

test('documented example: GET /pets/dog/2 selects GET /pets/dog/{id} with id "2"', () => {
  assert.deepEqual(route(routerOf(DOCUMENTED_EXAMPLE), 'GET', '/pets/dog/2'), {
    routeKey: 'GET /pets/dog/{id}',
    pathParameters: { id: '2' },
  })
})

test('documented example: GET /pets/cat/1 selects the greedy GET /pets/{proxy+} with proxy "cat/1"', () => {
  assert.deepEqual(route(routerOf(DOCUMENTED_EXAMPLE), 'GET', '/pets/cat/1'), {
    routeKey: 'GET /pets/{proxy+}',
    pathParameters: { proxy: 'cat/1' },
  })
})

test('documented example: POST /test/5 selects ANY /{proxy+} because greedy routes outrank $default', () => {
  assert.deepEqual(route(routerOf(DOCUMENTED_EXAMPLE), 'POST', '/test/5'), {
    routeKey: 'ANY /{proxy+}',
    pathParameters: { proxy: 'test/5' },
  })
})

test('the documented example is independent of the order the routes are defined in', () => {
  const reversed = routerOf([...DOCUMENTED_EXAMPLE].reverse())
  assert.equal(routeKeyOf(reversed, 'GET', '/pets/dog/1'), 'GET /pets/dog/1')
  assert.equal(routeKeyOf(reversed, 'GET', '/pets/dog/2'), 'GET /pets/dog/{id}')
  assert.equal(routeKeyOf(reversed, 'GET', '/pets/cat/1'), 'GET /pets/{proxy+}')
  assert.equal(routeKeyOf(reversed, 'POST', '/test/5'), 'ANY /{proxy+}')
})

test('a specific method beats ANY on the same path template, and ANY serves the other methods', () => {
  const r = routerOf(['ANY /pets', 'GET /pets', 'ANY /pets/{id}', 'DELETE /pets/{id}'])
  assert.equal(routeKeyOf(r, 'GET', '/pets'), 'GET /pets')
  assert.equal(routeKeyOf(r, 'POST', '/pets'), 'ANY /pets')
  assert.equal(routeKeyOf(r, 'PATCH', '/pets'), 'ANY /pets')
  assert.equal(routeKeyOf(r, 'OPTIONS', '/pets'), 'ANY /pets')
  assert.equal(routeKeyOf(r, 'DELETE', '/pets/7'), 'DELETE /pets/{id}')
  assert.equal(routeKeyOf(r, 'PUT', '/pets/7'), 'ANY /pets/{id}')
})

test('a full match with ANY outranks a greedy route with the specific method', () => {
  const r = routerOf(['GET /pets/{proxy+}', 'ANY /pets/dog'])
  assert.equal(routeKeyOf(r, 'GET', '/pets/dog'), 'ANY /pets/dog')
  assert.equal(routeKeyOf(r, 'GET', '/pets/cat'), 'GET /pets/{proxy+}')
})

test('a variable route is used when the literal route exists only for another method', () => {
  const r = routerOf(['POST /pets/dog', 'GET /pets/{id}'])
  assert.deepEqual(route(r, 'GET', '/pets/dog'), { routeKey: 'GET /pets/{id}', pathParameters: { id: 'dog' } })
  assert.equal(routeKeyOf(r, 'POST', '/pets/dog'), 'POST /pets/dog')
})

test('matching backtracks from a literal branch that fails deeper down to a variable branch', () => {
  const r = routerOf(['GET /pets/dog/food', 'GET /pets/{id}/toys'])
  assert.deepEqual(route(r, 'GET', '/pets/dog/toys'), { routeKey: 'GET /pets/{id}/toys', pathParameters: { id: 'dog' } })
  assert.equal(routeKeyOf(r, 'GET', '/pets/dog/food'), 'GET /pets/dog/food')
  assert.equal(routeKeyOf(r, 'GET', '/pets/cat/food'), null)
})

test('a full match on a variable route outranks a greedy route on a longer literal prefix', () => {
  const r = routerOf(['GET /pets/dog/{proxy+}', 'GET /pets/{a}/{b}'])
  assert.equal(routeKeyOf(r, 'GET', '/pets/dog/1'), 'GET /pets/{a}/{b}')
  assert.equal(routeKeyOf(r, 'GET', '/pets/dog/1/2'), 'GET /pets/dog/{proxy+}')
})

test('among full matches a literal beats a variable at the first position where they differ (provisional)', () => {
  const r = routerOf(['GET /{x}/b/c', 'GET /a/{y}/{z}', 'GET /{p}/{q}/c'])
  // Left-to-right: position 0 decides although /{x}/b/c has more literal segments.
  assert.equal(routeKeyOf(r, 'GET', '/a/b/c'), 'GET /a/{y}/{z}')
  assert.equal(routeKeyOf(r, 'GET', '/z/b/c'), 'GET /{x}/b/c')
  assert.equal(routeKeyOf(r, 'GET', '/z/q/c'), 'GET /{p}/{q}/c')
})

test('among greedy matches the longer prefix wins and a specific method beats ANY on the same prefix (provisional)', () => {
  const r = routerOf(['ANY /{proxy+}', 'GET /{proxy+}', 'ANY /pets/{proxy+}', 'GET /pets/{a}/{proxy+}'])
  assert.equal(routeKeyOf(r, 'GET', '/x/y'), 'GET /{proxy+}')
  assert.equal(routeKeyOf(r, 'POST', '/x/y'), 'ANY /{proxy+}')
  assert.equal(routeKeyOf(r, 'POST', '/pets/x'), 'ANY /pets/{proxy+}')
  // ANY on the longer literal prefix beats GET on the shorter one.
  assert.equal(routeKeyOf(r, 'GET', '/pets/x'), 'ANY /pets/{proxy+}')
  assert.deepEqual(route(r, 'GET', '/pets/x/y/z'), { routeKey: 'GET /pets/{a}/{proxy+}', pathParameters: { a: 'x', proxy: 'y/z' } })
  assert.equal(routeKeyOf(r, 'POST', '/pets/x/y/z'), 'ANY /pets/{proxy+}')
})

test('a greedy variable needs at least one segment: GET /pets does not match GET /pets/{proxy+} (provisional)', () => {
  const r = routerOf(['GET /pets/{proxy+}'])
  assert.equal(routeKeyOf(r, 'GET', '/pets'), null)
  assert.equal(routeKeyOf(r, 'GET', '/pets/'), null)
  assert.deepEqual(route(r, 'GET', '/pets/1'), { routeKey: 'GET /pets/{proxy+}', pathParameters: { proxy: '1' } })
})

test('a route /{proxy+} does not match the root path, which falls to $default (provisional)', () => {
  assert.equal(routeKeyOf(routerOf(['ANY /{proxy+}']), 'GET', '/'), null)
  assert.equal(routeKeyOf(routerOf(['ANY /{proxy+}', '$default']), 'GET', '/'), '$default')
  assert.equal(routeKeyOf(routerOf(['ANY /{proxy+}', 'GET /']), 'GET', '/'), 'GET /')
})

test('the $default route catches what nothing else matches and carries no path parameters', () => {
  const r = routerOf(['GET /pets/{id}', '$default'])
  assert.deepEqual(route(r, 'GET', '/other/thing'), { routeKey: '$default', pathParameters: null })
  assert.deepEqual(route(r, 'POST', '/pets/1'), { routeKey: '$default', pathParameters: null })
  assert.deepEqual(route(r, 'GET', '/pets/1'), { routeKey: 'GET /pets/{id}', pathParameters: { id: '1' } })
})

test('without ANY, greedy or $default routes an unmatched method finds no route (the gateway answers 404, never 405)', () => {
  const r = routerOf(['GET /pets', 'POST /pets/{id}'])
  assert.equal(r.match('POST', pathSegments('/pets')), null)
  assert.equal(r.match('GET', pathSegments('/pets/1')), null)
  assert.equal(r.match('GET', pathSegments('/nothing')), null)
})

test('an empty router matches nothing, and a router with only $default matches everything', () => {
  assert.equal(routerOf([]).match('GET', []), null)
  const d = routerOf(['$default'])
  assert.deepEqual(route(d, 'GET', '/'), { routeKey: '$default', pathParameters: null })
  assert.deepEqual(route(d, 'DELETE', '/a/b/c'), { routeKey: '$default', pathParameters: null })
})

test('the root route GET / matches the path / only', () => {
  const r = routerOf(['GET /'])
  assert.deepEqual(route(r, 'GET', '/'), { routeKey: 'GET /', pathParameters: null })
  assert.equal(routeKeyOf(r, 'GET', '/x'), null)
})

test('one trailing slash is ignored when matching: /hello/ matches GET /hello', () => {
  const r = routerOf(['GET /hello', 'GET /things/{id}'])
  assert.equal(routeKeyOf(r, 'GET', '/hello/'), 'GET /hello')
  assert.deepEqual(route(r, 'GET', '/things/7/'), { routeKey: 'GET /things/{id}', pathParameters: { id: '7' } })
})

test('a greedy route on /{proxy+} computes proxy on the normalised path: /thing/ gives "thing" (provisional)', () => {
  assert.deepEqual(route(routerOf(['ANY /{proxy+}']), 'GET', '/thing/'), {
    routeKey: 'ANY /{proxy+}',
    pathParameters: { proxy: 'thing' },
  })
})

test('HEAD is its own method: GET routes do not serve it, HEAD, ANY, greedy ANY and $default do (provisional)', () => {
  assert.equal(routeKeyOf(routerOf(['GET /pets']), 'HEAD', '/pets'), null)
  assert.equal(routeKeyOf(routerOf(['GET /pets', 'HEAD /pets', 'ANY /pets']), 'HEAD', '/pets'), 'HEAD /pets')
  assert.equal(routeKeyOf(routerOf(['GET /pets', 'ANY /pets']), 'HEAD', '/pets'), 'ANY /pets')
  assert.equal(routeKeyOf(routerOf(['GET /pets', 'GET /{proxy+}', 'ANY /{proxy+}']), 'HEAD', '/pets'), 'ANY /{proxy+}')
  assert.equal(routeKeyOf(routerOf(['GET /pets', '$default']), 'HEAD', '/pets'), '$default')
  assert.equal(routeKeyOf(routerOf(['HEAD /pets']), 'GET', '/pets'), null)
})

test('paths and methods are matched case-sensitively (provisional)', () => {
  const r = routerOf(['GET /Pets'])
  assert.equal(routeKeyOf(r, 'GET', '/Pets'), 'GET /Pets')
  assert.equal(routeKeyOf(r, 'GET', '/pets'), null)
  assert.equal(routeKeyOf(r, 'get', '/Pets'), null)
})

test('path parameters hold each variable segment and the greedy rest joined with "/"', () => {
  const r = routerOf(['GET /users/{userId}/files/{proxy+}', 'PUT /{a}/{b}/{c}'])
  assert.deepEqual(route(r, 'GET', '/users/u1/files/docs/2024/report.pdf'), {
    routeKey: 'GET /users/{userId}/files/{proxy+}',
    pathParameters: { userId: 'u1', proxy: 'docs/2024/report.pdf' },
  })
  assert.deepEqual(route(r, 'PUT', '/x/y/z'), { routeKey: 'PUT /{a}/{b}/{c}', pathParameters: { a: 'x', b: 'y', c: 'z' } })
})

test('path parameters are taken from the decoded segments handed to the matcher', () => {
  const r = routerOf(['GET /files/{name}', 'GET /raw/{proxy+}'])
  const decoded = decodePath('/files/caf%C3%A9%20au%20lait')
  assert.equal(decoded, '/files/café au lait')
  assert.deepEqual(r.match('GET', pathSegments(decoded ?? ''))?.pathParameters, { name: 'café au lait' })
  assert.deepEqual(r.match('GET', pathSegments(decodePath('/raw/a%2Fb') ?? ''))?.pathParameters, { proxy: 'a/b' })
})

test('an empty segment matches neither a literal nor a {variable}, and only one trailing slash is ignored (provisional)', () => {
  const r = routerOf(['GET /a/{id}/b', 'GET /hello'])
  assert.equal(routeKeyOf(r, 'GET', '/a//b'), null)
  assert.equal(routeKeyOf(r, 'GET', '/a/x/b'), 'GET /a/{id}/b')
  assert.equal(routeKeyOf(r, 'GET', '/hello//'), null)
})

test('a route without path variables reports pathParameters as null, not {}', () => {
  const m = routerOf(['GET /plain']).match('GET', ['plain'])
  assert.ok(m !== null)
  assert.equal(m.pathParameters, null)
})

// ---------------------------------------------------------------------------------------
// Differential test against a naive reference matcher
// ---------------------------------------------------------------------------------------

type RefSegment = { kind: 'literal'; value: string } | { kind: 'variable'; name: string } | { kind: 'greedy'; name: string }

interface RefRoute {
  readonly routeKey: string
  readonly method: string
  readonly segments: readonly RefSegment[]
}

/** An independent parse of a well-formed route key (no validation: the generator only makes valid ones). */
function refParse(routeKey: string): RefRoute | 'default' {
  if (routeKey === '$default') return 'default'
  const [method = '', path = ''] = routeKey.split(' ')
  const segments: RefSegment[] = path === '/' ? [] : path.slice(1).split('/').map((part): RefSegment => {
    const greedy = /^\{(.+)\+\}$/.exec(part)
    if (greedy) return { kind: 'greedy', name: greedy[1] ?? '' }
    const variable = /^\{(.+)\}$/.exec(part)
    if (variable) return { kind: 'variable', name: variable[1] ?? '' }
    return { kind: 'literal', value: part }
  })
  return { routeKey, method, segments }
}

const KIND_RANK = { literal: 0, variable: 1, greedy: 2 } as const

/**
 * The spec's precedence written as "collect every candidate, then sort":
 *   full matches before greedy matches;
 *   then, position by position from the left, literal < variable < greedy-start
 *   (a literal beats a variable at the first differing position; a longer greedy prefix wins);
 *   then a specific method before ANY;
 * and `$default` when there is no candidate.
 */
function referenceMatch(routeKeys: readonly string[], method: string, request: readonly string[]): Outcome {
  interface Candidate {
    readonly routeKey: string
    readonly greedy: boolean
    readonly ranks: readonly number[]
    readonly any: boolean
    readonly pathParameters: Record<string, string> | null
  }
  const candidates: Candidate[] = []
  let hasDefault = false
  for (const key of routeKeys) {
    const r = refParse(key)
    if (r === 'default') {
      hasDefault = true
      continue
    }
    if (r.method !== method && r.method !== 'ANY') continue
    const last = r.segments[r.segments.length - 1]
    const greedy = last !== undefined && last.kind === 'greedy'
    const fixed = greedy ? r.segments.length - 1 : r.segments.length
    if (greedy ? request.length <= fixed : request.length !== fixed) continue
    let ok = true
    let params: Record<string, string> | null = null
    for (let i = 0; i < fixed && ok; i++) {
      const s = r.segments[i]
      const actual = request[i] ?? ''
      if (s === undefined) ok = false
      else if (s.kind === 'literal') ok = s.value === actual
      else if (s.kind === 'variable') {
        ok = actual !== ''
        ;(params ??= {})[s.name] = actual
      }
    }
    if (!ok) continue
    if (greedy && last !== undefined && last.kind === 'greedy') (params ??= {})[last.name] = request.slice(fixed).join('/')
    candidates.push({
      routeKey: key,
      greedy,
      ranks: r.segments.map((s) => KIND_RANK[s.kind]),
      any: r.method === 'ANY',
      pathParameters: params,
    })
  }
  candidates.sort((a, b) => {
    if (a.greedy !== b.greedy) return a.greedy ? 1 : -1
    const n = Math.min(a.ranks.length, b.ranks.length)
    for (let i = 0; i < n; i++) {
      const d = (a.ranks[i] ?? 0) - (b.ranks[i] ?? 0)
      if (d !== 0) return d
    }
    if (a.ranks.length !== b.ranks.length) return b.ranks.length - a.ranks.length
    if (a.any !== b.any) return a.any ? 1 : -1
    return 0
  })
  const best = candidates[0]
  if (best !== undefined) return { routeKey: best.routeKey, pathParameters: best.pathParameters }
  return hasDefault ? { routeKey: '$default', pathParameters: null } : { routeKey: null, pathParameters: null }
}

/** mulberry32: a small seeded PRNG, so every run checks the same cases. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  const item = items[Math.floor(rand() * items.length)]
  if (item === undefined) throw new Error('test bug: empty choice')
  return item
}

function randomRouteKey(rand: () => number): string {
  const method = pick(rand, ['GET', 'POST', 'ANY', 'ANY'])
  const depth = Math.floor(rand() * 4) // 0..3 fixed segments
  const parts: string[] = []
  // Variables are named by position so two keys with the same shape are the same key.
  for (let i = 0; i < depth; i++) parts.push(rand() < 0.55 ? pick(rand, ['a', 'b', 'c']) : `{v${i}}`)
  if (rand() < 0.35) parts.push('{proxy+}')
  return `${method} /${parts.join('/')}`
}

function randomRequestPath(rand: () => number): string {
  const depth = Math.floor(rand() * 5) // 0..4 segments
  const parts: string[] = []
  for (let i = 0; i < depth; i++) parts.push(pick(rand, ['a', 'b', 'c', 'd']))
  const path = '/' + parts.join('/')
  return depth > 0 && rand() < 0.2 ? path + '/' : path
}

function shuffled<T>(rand: () => number, items: readonly T[]): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    const tmp = out[i] as T
    out[i] = out[j] as T
    out[j] = tmp
  }
  return out
}

test('differential: the router agrees with a naive reference matcher on random route sets and paths (seeded)', () => {
  const SEED = 0x5eed2024
  const ROUTE_SETS = 400
  const REQUESTS_PER_SET = 40
  const rand = prng(SEED)
  let matched = 0
  let defaulted = 0
  let unmatched = 0
  for (let set = 0; set < ROUTE_SETS; set++) {
    const keys = new Set<string>()
    const count = 1 + Math.floor(rand() * 12)
    for (let i = 0; i < count; i++) keys.add(randomRouteKey(rand))
    if (rand() < 0.3) keys.add('$default')
    const routeKeys = [...keys]
    const router = routerOf(routeKeys)
    const shuffledRouter = routerOf(shuffled(rand, routeKeys))
    for (let n = 0; n < REQUESTS_PER_SET; n++) {
      const method = pick(rand, ['GET', 'POST', 'HEAD', 'DELETE'])
      const path = randomRequestPath(rand)
      const expected = referenceMatch(routeKeys, method, pathSegments(path))
      const context = `seed ${SEED} set ${set}: routes ${JSON.stringify(routeKeys)}, request ${method} ${path}`
      assert.deepEqual(route(router, method, path), expected, context)
      assert.deepEqual(route(shuffledRouter, method, path), expected, `${context} (routes defined in another order)`)
      if (expected.routeKey === null) unmatched++
      else if (expected.routeKey === '$default') defaulted++
      else matched++
    }
  }
  // The generator must exercise every outcome, or the comparison proves little.
  assert.ok(matched > 1000 && defaulted > 200 && unmatched > 1000, `matched ${matched}, $default ${defaulted}, none ${unmatched}`)
})

test('the reference matcher itself reproduces the documented example', () => {
  const segs = (p: string) => pathSegments(p)
  assert.equal(referenceMatch(DOCUMENTED_EXAMPLE, 'GET', segs('/pets/dog/1')).routeKey, 'GET /pets/dog/1')
  assert.equal(referenceMatch(DOCUMENTED_EXAMPLE, 'GET', segs('/pets/dog/2')).routeKey, 'GET /pets/dog/{id}')
  assert.equal(referenceMatch(DOCUMENTED_EXAMPLE, 'GET', segs('/pets/cat/1')).routeKey, 'GET /pets/{proxy+}')
  assert.equal(referenceMatch(DOCUMENTED_EXAMPLE, 'POST', segs('/test/5')).routeKey, 'ANY /{proxy+}')
  assert.equal(referenceMatch(DOCUMENTED_EXAMPLE, 'GET', segs('/')).routeKey, '$default')
})

// ---------------------------------------------------------------------------------------
// request-path.ts
// ---------------------------------------------------------------------------------------

test('splitTarget separates the path from the still-encoded query string', () => {
  assert.deepEqual(splitTarget('/pets?a=1&a=2'), { rawPathname: '/pets', rawQueryString: 'a=1&a=2' })
  assert.deepEqual(splitTarget('/pets'), { rawPathname: '/pets', rawQueryString: '' })
  assert.deepEqual(splitTarget('/pets?'), { rawPathname: '/pets', rawQueryString: '' })
  assert.deepEqual(splitTarget('/?q=a%20b%26c'), { rawPathname: '/', rawQueryString: 'q=a%20b%26c' })
  assert.deepEqual(splitTarget('/a%2Fb?x=%2F'), { rawPathname: '/a%2Fb', rawQueryString: 'x=%2F' })
  assert.deepEqual(splitTarget('/p?a=1?b=2'), { rawPathname: '/p', rawQueryString: 'a=1?b=2' })
})

test('splitTarget reduces an absolute-form target to its path and an empty path to /', () => {
  assert.deepEqual(splitTarget('http://example.com/pets?x=1'), { rawPathname: '/pets', rawQueryString: 'x=1' })
  assert.deepEqual(splitTarget('http://example.com'), { rawPathname: '/', rawQueryString: '' })
  assert.deepEqual(splitTarget(''), { rawPathname: '/', rawQueryString: '' })
})

test('splitTarget keeps the query string of an absolute-form target with an empty path', () => {
  // RFC 9112 absolute-form: `http://host?x=1` has an empty path and the query `x=1`.
  assert.deepEqual(splitTarget('http://example.com?x=1'), { rawPathname: '/', rawQueryString: 'x=1' })
})

test('decodePath percent-decodes the whole path, %2F included, and leaves + alone', () => {
  assert.equal(decodePath('/pets'), '/pets')
  assert.equal(decodePath('/a%2Fb'), '/a/b')
  assert.equal(decodePath('/a%2fb'), '/a/b')
  assert.equal(decodePath('/RSC/%40id%2Fassets%2Frsf0.js%23save.txt'), '/RSC/@id/assets/rsf0.js#save.txt')
  assert.equal(decodePath('/%E2%82%AC/a+b'), '/€/a+b')
  assert.equal(decodePath('/100%25'), '/100%')
})

test('decodePath reports malformed percent-encoding as undefined (answered 400)', () => {
  for (const bad of ['/%zz', '/%', '/a%2', '/%C3%28', '/%E2%82', '/%FF']) {
    assert.equal(decodePath(bad), undefined, bad)
  }
})

test('pathSegments ignores the leading slash and exactly one trailing slash', () => {
  assert.deepEqual(pathSegments('/'), [])
  assert.deepEqual(pathSegments('/hello'), ['hello'])
  assert.deepEqual(pathSegments('/hello/'), ['hello'])
  assert.deepEqual(pathSegments('/a/b/c'), ['a', 'b', 'c'])
  assert.deepEqual(pathSegments('/a/b/'), ['a', 'b'])
  assert.deepEqual(pathSegments('/a//b'), ['a', '', 'b'])
  assert.deepEqual(pathSegments('/a/b//'), ['a', 'b', ''])
})

// ---------------------------------------------------------------------------------------
// stage-resolver.ts
// ---------------------------------------------------------------------------------------

function fakeStage(stageName: string): CompiledStage {
  return { stageName, stageVariables: null, router: new Router<CompiledRoute>([]), routes: [], accessLog: null, noRouteMetrics: new RouteMetrics('') }
}

function fakeApi(apiId: string, stageNames: readonly string[]): CompiledApi {
  const stages = new Map<string, CompiledStage>()
  let defaultStage: CompiledStage | null = null
  for (const name of stageNames) {
    if (name === '$default') defaultStage = fakeStage(name)
    else stages.set(name, fakeStage(name))
  }
  return { apiId, name: apiId, stages, defaultStage, cors: null, disableExecuteApiEndpoint: false }
}

function fakeSnapshot(apis: readonly CompiledApi[]): RuntimeSnapshot {
  return {
    config: {} as unknown as GatehouseConfig,
    apis: new Map(apis.map((a) => [a.apiId, a])),
    soleApi: apis.length === 1 ? (apis[0] ?? null) : null,
    upstreamAgentKeys: new Set(),
    domains: new DomainNames([]),
    websocketApis: new Map(),
    soleWebSocketApi: null,
    pools: new Map(),
    limiter: new InMemoryRateLimiter(),
    accessLogDestinations: new Set(),
  }
}

function stageOf(api: CompiledApi, path: string): { stage: string; stagePath: string } | null {
  const m = resolveStage(api, path)
  return m === null ? null : { stage: m.stage.stageName, stagePath: m.stagePath }
}

test('resolveApi picks the API named by an {apiId}.execute-api.{anything} host', () => {
  const a = fakeApi('aaa111', ['$default'])
  const b = fakeApi('bbb222', ['$default'])
  const snapshot = fakeSnapshot([a, b])
  assert.equal(resolveApi(snapshot, 'aaa111.execute-api.us-east-1.amazonaws.com'), a)
  assert.equal(resolveApi(snapshot, 'bbb222.execute-api.localhost'), b)
  assert.equal(resolveApi(snapshot, 'bbb222.execute-api.anything'), b)
})

test('resolveApi treats the host name case-insensitively (provisional)', () => {
  const a = fakeApi('aaa111', ['$default'])
  assert.equal(resolveApi(fakeSnapshot([a, fakeApi('bbb222', ['$default'])]), 'AAA111.execute-api.localhost'), a)
})

test('resolveApi recognises the execute-api label in any letter case, as host names are case-insensitive (provisional)', () => {
  const a = fakeApi('aaa111', ['$default'])
  const snapshot = fakeSnapshot([a, fakeApi('bbb222', ['$default'])])
  assert.equal(resolveApi(snapshot, 'AAA111.EXECUTE-API.LOCALHOST'), a)
  assert.equal(resolveApi(snapshot, 'aaa111.Execute-Api.us-east-1.amazonaws.com'), a)
})

test('resolveApi answers null for an execute-api host naming an unknown API, even when there is only one API', () => {
  assert.equal(resolveApi(fakeSnapshot([fakeApi('aaa111', ['$default']), fakeApi('bbb222', ['$default'])]), 'zzz999.execute-api.localhost'), null)
  assert.equal(resolveApi(fakeSnapshot([fakeApi('aaa111', ['$default'])]), 'zzz999.execute-api.localhost'), null)
})

test('resolveApi serves the sole API for any other host, and no API for such a host when there are several', () => {
  const a = fakeApi('aaa111', ['$default'])
  assert.equal(resolveApi(fakeSnapshot([a]), 'localhost'), a)
  assert.equal(resolveApi(fakeSnapshot([a]), '127.0.0.1'), a)
  assert.equal(resolveApi(fakeSnapshot([a]), ''), a)
  assert.equal(resolveApi(fakeSnapshot([a, fakeApi('bbb222', ['$default'])]), 'localhost'), null)
})

test('resolveStage strips a first segment naming a stage exactly', () => {
  const api = fakeApi('aaa111', ['$default', 'dev'])
  assert.deepEqual(stageOf(api, '/dev/pets'), { stage: 'dev', stagePath: '/pets' })
  assert.deepEqual(stageOf(api, '/dev/pets/1/'), { stage: 'dev', stagePath: '/pets/1/' })
  assert.deepEqual(stageOf(api, '/dev/'), { stage: 'dev', stagePath: '/' })
})

test('resolveStage routes a request for exactly /{stage} with stage path / (provisional)', () => {
  assert.deepEqual(stageOf(fakeApi('aaa111', ['dev']), '/dev'), { stage: 'dev', stagePath: '/' })
})

test('resolveStage sends a first segment that is not exactly a stage name to $default with the whole path', () => {
  const api = fakeApi('aaa111', ['$default', 'dev'])
  assert.deepEqual(stageOf(api, '/development/pets'), { stage: '$default', stagePath: '/development/pets' })
  assert.deepEqual(stageOf(api, '/de/pets'), { stage: '$default', stagePath: '/de/pets' })
  assert.deepEqual(stageOf(api, '/pets'), { stage: '$default', stagePath: '/pets' })
  assert.deepEqual(stageOf(api, '/'), { stage: '$default', stagePath: '/' })
})

test('resolveStage compares stage names case-sensitively (provisional)', () => {
  assert.deepEqual(stageOf(fakeApi('aaa111', ['$default', 'dev']), '/Dev/pets'), { stage: '$default', stagePath: '/Dev/pets' })
  assert.equal(stageOf(fakeApi('aaa111', ['dev']), '/DEV/pets'), null)
})

test('resolveStage does not treat /$default as a stage prefix (provisional)', () => {
  assert.deepEqual(stageOf(fakeApi('aaa111', ['$default']), '/$default/pets'), { stage: '$default', stagePath: '/$default/pets' })
  assert.equal(stageOf(fakeApi('aaa111', ['dev']), '/$default/pets'), null)
})

test('resolveStage finds nothing without a $default stage when the first segment is not a stage', () => {
  const api = fakeApi('aaa111', ['dev', 'prod'])
  assert.equal(stageOf(api, '/test/pets'), null)
  assert.equal(stageOf(api, '/pets'), null)
  assert.equal(stageOf(api, '/'), null)
  assert.deepEqual(stageOf(api, '/prod/pets'), { stage: 'prod', stagePath: '/pets' })
})

test('resolveStage with only a $default stage never strips a segment', () => {
  const api = fakeApi('aaa111', ['$default'])
  assert.deepEqual(stageOf(api, '/dev/pets'), { stage: '$default', stagePath: '/dev/pets' })
})
