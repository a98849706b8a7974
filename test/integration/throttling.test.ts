import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { loadConfigFile, type ConfigIssue, type LoadConfigResult } from '../../src/index.js'
import { InMemoryRateLimiter } from '../../src/throttle/index.js'
import { startGateway } from '../helpers/gateway.js'
import { http, type HttpResult } from '../helpers/http.js'
import { handlersDir } from '../helpers/paths.js'
import type { RateLimiter, ThrottleLayer } from '../../src/model/index.js'

// Throttling over real HTTP (spec 6, 14, 16.5): route, stage-default and account token
// buckets in front of a real function. Limits use a tiny rate (0.001/s: one token every
// 1,000 s) so that a bucket never refills during a test unless the test wants it to.

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/** A rate so slow that no bucket refills while a test runs. */
const NO_REFILL = 0.001
const TOO_MANY_REQUESTS = '{"message":"Too Many Requests"}'
const REQUEST_ID = /^[A-Za-z0-9_-]{15}=$/

type AccountThrottle = false | { readonly rateLimit?: number; readonly burstLimit?: number }

interface ApiSpec {
  readonly apiId: string
  readonly routeKeys: readonly string[]
  readonly stages?: readonly object[]
}

/** A config whose APIs route every listed route key to one echo function. */
function throttledConfig(options: { apis: readonly ApiSpec[]; throttleSettings?: AccountThrottle }): object {
  return {
    ...(options.throttleSettings !== undefined ? { throttleSettings: options.throttleSettings } : {}),
    functions: { fn: { handler: 'echo.handler' } },
    apis: options.apis.map((api) => ({
      name: `api-${api.apiId}`,
      apiId: api.apiId,
      routes: api.routeKeys.map((routeKey) => ({ routeKey, target: 'integrations/fn' })),
      integrations: [{ integrationId: 'fn', integrationType: 'AWS_PROXY', integrationUri: 'fn', payloadFormatVersion: '2.0' }],
      ...(api.stages !== undefined ? { stages: api.stages } : {}),
    })),
  }
}

/** One API `throttle001` with the given route keys and stages. */
const oneApi = (routeKeys: readonly string[], stages?: readonly object[], throttleSettings?: AccountThrottle): object =>
  throttledConfig({
    apis: [{ apiId: 'throttle001', routeKeys, ...(stages !== undefined ? { stages } : {}) }],
    ...(throttleSettings !== undefined ? { throttleSettings } : {}),
  })

/** Sends `n` GET requests one after the other and returns their statuses. */
async function statusesOf(url: string, path: string, n: number, host?: string): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 0; i < n; i++) {
    const res = await http(url + path, host !== undefined ? { headers: { host } } : {})
    if (res.status !== 200 && res.status !== 429) assert.fail(`GET ${path} answered ${res.status} ${res.text}`)
    statuses.push(res.status)
  }
  return statuses
}

/** `n` 200s followed by `m` 429s. */
const passThenThrottle = (n: number, m: number): number[] => [...Array<number>(n).fill(200), ...Array<number>(m).fill(429)]

const startsIn = (logs: readonly string[]): number => logs.filter((l) => l.startsWith('START ')).length

/** AWS's throttled answer, byte for byte (spec 6.2, 14). */
function assertThrottled(res: HttpResult): void {
  assert.equal(res.status, 429, res.text)
  assert.equal(res.text, TOO_MANY_REQUESTS)
  assert.equal(res.headers['content-type'], 'application/json')
  assert.equal(res.headers['content-length'], '31')
  assert.match(String(res.headers['apigw-requestid']), REQUEST_ID)
  assert.equal(res.headers['x-amzn-errortype'], undefined, 'no REST-style error type header')
}

/** Wraps the in-memory limiter and records the layers of every request it is asked about. */
class RecordingLimiter implements RateLimiter {
  readonly calls: (readonly ThrottleLayer[])[] = []
  readonly #inner = new InMemoryRateLimiter()
  take(layers: readonly ThrottleLayer[]): boolean {
    this.calls.push(layers)
    return this.#inner.take(layers)
  }
}

/** A limiter that answers asynchronously, as a shared store across gateway nodes would. */
class AsyncLimiter implements RateLimiter {
  readonly #inner = new InMemoryRateLimiter()
  async take(layers: readonly ThrottleLayer[]): Promise<boolean> {
    await sleep(1)
    return this.#inner.take(layers)
  }
}

// ---------------------------------------------------------------------------------------
// Buckets of known size
// ---------------------------------------------------------------------------------------

test('stage default burst N: N immediate requests pass, then 429 {"message":"Too Many Requests"} exactly', async (t) => {
  const { url, logs } = await startGateway(t, oneApi(['GET /pets'], [{ stageName: '$default', defaultRouteSettings: { throttlingBurstLimit: 3, throttlingRateLimit: NO_REFILL } }]))
  for (let i = 0; i < 3; i++) {
    const res = await http(url + '/pets')
    assert.equal(res.status, 200, `request ${i + 1}: ${res.text}`)
  }
  const throttled = await http(url + '/pets')
  assertThrottled(throttled)
  assertThrottled(await http(url + '/pets'))
  assert.equal(startsIn(logs), 3, 'a throttled request never reaches the function')
})

test('each throttled response carries its own request id', async (t) => {
  const { url } = await startGateway(t, oneApi(['$default'], [{ stageName: '$default', defaultRouteSettings: { throttlingBurstLimit: 0, throttlingRateLimit: 0 } }]))
  const ids = new Set<string>()
  for (let i = 0; i < 3; i++) {
    const res = await http(url + '/anything')
    assertThrottled(res)
    ids.add(String(res.headers['apigw-requestid']))
  }
  assert.equal(ids.size, 3)
})

test('burst 0 throttles every request and never invokes the function (provisional)', async (t) => {
  const { url, logs } = await startGateway(
    t,
    oneApi(['ANY /off', 'GET /on'], [{ stageName: '$default', routeSettings: { 'ANY /off': { throttlingBurstLimit: 0, throttlingRateLimit: 1000 } } }])
  )
  for (let i = 0; i < 5; i++) assertThrottled(await http(url + '/off'))
  // A fast rate does not help: a bucket of capacity 0 never holds a token.
  await sleep(20)
  assertThrottled(await http(url + '/off'))
  assertThrottled(await http(url + '/off', { method: 'POST', body: '{"log":["must not run"]}' }))
  // A large body that is never read does not stop the answer, nor the next request.
  assertThrottled(await http(url + '/off', { method: 'PUT', body: Buffer.alloc(1024 * 1024, 0x61) }))
  assertThrottled(await http(url + '/off', { method: 'DELETE' }))
  assert.equal(startsIn(logs), 0, 'no START line: the function never ran')
  assert.ok(!logs.some((l) => l.includes('must not run')))
  // The other route of the stage is not switched off.
  assert.equal((await http(url + '/on')).status, 200)
})

test('rate 0 with burst N lets N requests through and then throttles for good (provisional)', async (t) => {
  const { url } = await startGateway(
    t,
    oneApi(['GET /once'], [{ stageName: '$default', routeSettings: { 'GET /once': { throttlingBurstLimit: 2, throttlingRateLimit: 0 } } }])
  )
  assert.deepEqual(await statusesOf(url, '/once', 3), passThenThrottle(2, 1))
  await sleep(50)
  assert.deepEqual(await statusesOf(url, '/once', 1), [429])
})

test('burst 0 and rate 0 on the stage default switch every route of the stage off (provisional)', async (t) => {
  const { url, logs } = await startGateway(
    t,
    oneApi(['GET /a', 'POST /b', '$default'], [{ stageName: '$default', defaultRouteSettings: { throttlingBurstLimit: 0, throttlingRateLimit: 0 } }])
  )
  assertThrottled(await http(url + '/a'))
  assertThrottled(await http(url + '/b', { method: 'POST', body: '{}' }))
  assertThrottled(await http(url + '/whatever'))
  assert.equal(startsIn(logs), 0)
})

test('requests that match no route are answered 404 and take no token', async (t) => {
  const { url } = await startGateway(t, oneApi(['GET /a'], [{ stageName: '$default', defaultRouteSettings: { throttlingBurstLimit: 1, throttlingRateLimit: NO_REFILL } }]))
  for (let i = 0; i < 3; i++) assert.equal((await http(url + '/nope')).status, 404)
  assert.deepEqual(await statusesOf(url, '/a', 2), passThenThrottle(1, 1))
})

test('exact under concurrency: of 40 concurrent requests against burst 10, exactly 10 pass', async (t) => {
  const { url, logs } = await startGateway(t, oneApi(['GET /hot'], [{ stageName: '$default', defaultRouteSettings: { throttlingBurstLimit: 10, throttlingRateLimit: NO_REFILL } }]))
  const results = await Promise.all(Array.from({ length: 40 }, () => http(url + '/hot')))
  const ok = results.filter((r) => r.status === 200)
  const throttled = results.filter((r) => r.status === 429)
  assert.equal(ok.length, 10, `statuses: ${results.map((r) => r.status).join(',')}`)
  assert.equal(throttled.length, 30)
  for (const res of throttled) assertThrottled(res)
  assert.equal(startsIn(logs), 10)
  assertThrottled(await http(url + '/hot'))
})

// ---------------------------------------------------------------------------------------
// Precedence: route overrides stage default; account over all
// ---------------------------------------------------------------------------------------

test('routeSettings override the stage default for that route only, member by member', async (t) => {
  const { url } = await startGateway(
    t,
    oneApi(
      ['GET /plain', 'GET /burst-only', 'GET /rate-only', 'GET /both'],
      [
        {
          stageName: '$default',
          defaultRouteSettings: { throttlingBurstLimit: 2, throttlingRateLimit: NO_REFILL },
          routeSettings: {
            // Only the burst: the stage's tiny rate still applies, so no refill.
            'GET /burst-only': { throttlingBurstLimit: 4 },
            // Only the rate: the stage's burst of 2 still applies.
            'GET /rate-only': { throttlingRateLimit: NO_REFILL / 2 },
            'GET /both': { throttlingBurstLimit: 3, throttlingRateLimit: NO_REFILL },
          },
        },
      ]
    )
  )
  assert.deepEqual(await statusesOf(url, '/burst-only', 6), passThenThrottle(4, 2), 'route burst 4, stage rate')
  assert.deepEqual(await statusesOf(url, '/rate-only', 4), passThenThrottle(2, 2), 'stage burst 2')
  assert.deepEqual(await statusesOf(url, '/both', 5), passThenThrottle(3, 2))
  assert.deepEqual(await statusesOf(url, '/plain', 4), passThenThrottle(2, 2), 'the stage default')
})

test('routeSettings without a stage default limit only their own route', async (t) => {
  const { url } = await startGateway(
    t,
    oneApi(['GET /limited', 'GET /free'], [{ stageName: '$default', routeSettings: { 'GET /limited': { throttlingBurstLimit: 2, throttlingRateLimit: NO_REFILL } } }])
  )
  assert.deepEqual(await statusesOf(url, '/limited', 3), passThenThrottle(2, 1))
  assert.deepEqual(await statusesOf(url, '/free', 6), passThenThrottle(6, 0))
})

test('a route\'s bucket uses the route key exactly as configured, $default included', async (t) => {
  const { url } = await startGateway(
    t,
    oneApi(
      ['GET /pets/{id}', '$default'],
      [
        {
          stageName: '$default',
          routeSettings: {
            'GET /pets/{id}': { throttlingBurstLimit: 2, throttlingRateLimit: NO_REFILL },
            $default: { throttlingBurstLimit: 1, throttlingRateLimit: NO_REFILL },
          },
        },
      ]
    )
  )
  // Different paths matching one route share the route's bucket.
  assert.deepEqual([...(await statusesOf(url, '/pets/1', 1)), ...(await statusesOf(url, '/pets/2', 2))], passThenThrottle(2, 1))
  assert.deepEqual([...(await statusesOf(url, '/x', 1)), ...(await statusesOf(url, '/y/z', 1))], passThenThrottle(1, 1))
})

test('buckets are independent per route and per stage', async (t) => {
  const settings = { defaultRouteSettings: { throttlingBurstLimit: 2, throttlingRateLimit: NO_REFILL } }
  const { url } = await startGateway(
    t,
    oneApi(['GET /a', 'GET /b'], [
      { stageName: '$default', ...settings },
      { stageName: 'dev', ...settings },
    ])
  )
  assert.deepEqual(await statusesOf(url, '/a', 3), passThenThrottle(2, 1))
  assert.deepEqual(await statusesOf(url, '/b', 3), passThenThrottle(2, 1), 'GET /b has its own bucket')
  assert.deepEqual(await statusesOf(url, '/dev/a', 3), passThenThrottle(2, 1), 'the dev stage has its own buckets')
  assert.deepEqual(await statusesOf(url, '/dev/b', 3), passThenThrottle(2, 1))
  assert.deepEqual(await statusesOf(url, '/a', 1), [429], 'still empty in $default')
})

test('two APIs with the same stage and route keys have independent buckets', async (t) => {
  const stages = [{ stageName: '$default', defaultRouteSettings: { throttlingBurstLimit: 1, throttlingRateLimit: NO_REFILL } }]
  const { url } = await startGateway(
    t,
    throttledConfig({
      apis: [
        { apiId: 'aaa111', routeKeys: ['GET /a'], stages },
        { apiId: 'bbb222', routeKeys: ['GET /a'], stages },
      ],
    })
  )
  assert.deepEqual(await statusesOf(url, '/a', 2, 'aaa111.execute-api.anything'), passThenThrottle(1, 1))
  assert.deepEqual(await statusesOf(url, '/a', 2, 'bbb222.execute-api.anything'), passThenThrottle(1, 1))
})

test('the account-level throttleSettings bucket is shared by every route, stage and API', async (t) => {
  const { url } = await startGateway(
    t,
    throttledConfig({
      throttleSettings: { rateLimit: NO_REFILL, burstLimit: 4 },
      apis: [
        { apiId: 'aaa111', routeKeys: ['GET /a', 'GET /b'], stages: [{ stageName: '$default' }, { stageName: 'dev' }] },
        { apiId: 'bbb222', routeKeys: ['GET /a'] },
      ],
    })
  )
  const a = 'aaa111.execute-api.anything'
  const b = 'bbb222.execute-api.anything'
  assert.deepEqual(await statusesOf(url, '/a', 1, a), [200])
  assert.deepEqual(await statusesOf(url, '/b', 1, a), [200])
  assert.deepEqual(await statusesOf(url, '/dev/a', 1, a), [200])
  assert.deepEqual(await statusesOf(url, '/a', 1, b), [200])
  // The account bucket is empty now, whichever route is asked.
  for (const [path, host] of [['/a', a], ['/b', a], ['/dev/b', a], ['/a', b]] as const) {
    const res = await http(url + path, { headers: { host } })
    assertThrottled(res)
  }
})

test('a request refused by its route takes no account token, and one refused by the account takes no route token', async (t) => {
  const { url } = await startGateway(
    t,
    oneApi(
      ['GET /a', 'GET /b'],
      [{ stageName: '$default', routeSettings: { 'GET /a': { throttlingBurstLimit: 1 }, 'GET /b': { throttlingBurstLimit: 3 } } }],
      { rateLimit: NO_REFILL, burstLimit: 3 }
    )
  )
  // GET /a: one passes (account 2 left); four refused by the route cost the account nothing.
  assert.deepEqual(await statusesOf(url, '/a', 5), passThenThrottle(1, 4))
  // GET /b: two pass (account empty); the third is refused by the account, not by the route.
  assert.deepEqual(await statusesOf(url, '/b', 3), passThenThrottle(2, 1))
})

test('a route setting with only a rate is still held to the account\'s burst', async (t) => {
  const { url } = await startGateway(
    t,
    oneApi(['GET /a'], [{ stageName: '$default', routeSettings: { 'GET /a': { throttlingRateLimit: NO_REFILL } } }], { rateLimit: NO_REFILL, burstLimit: 2 })
  )
  assert.deepEqual(await statusesOf(url, '/a', 3), passThenThrottle(2, 1))
})

test('each route is checked against its route or stage-default layer, then the account layer of 10,000/s burst 5,000 by default', async (t) => {
  const limiter = new RecordingLimiter()
  const { url } = await startGateway(
    t,
    oneApi(
      ['GET /a', 'GET /b'],
      [
        {
          stageName: '$default',
          defaultRouteSettings: { throttlingBurstLimit: 50, throttlingRateLimit: 100 },
          routeSettings: { 'GET /b': { throttlingBurstLimit: 7 } },
        },
        { stageName: 'dev', defaultRouteSettings: { throttlingBurstLimit: 50, throttlingRateLimit: 100 } },
      ]
    ),
    { limiter }
  )
  for (const path of ['/a', '/b', '/dev/a', '/dev/b']) assert.equal((await http(url + path)).status, 200)
  assert.equal(limiter.calls.length, 4)
  const limitsOf = (layers: readonly ThrottleLayer[]): unknown[] => layers.map((l) => ({ ...l.limits }))
  const account = { rateLimit: 10_000, burstLimit: 5_000 }
  assert.deepEqual(
    limiter.calls.map(limitsOf),
    [
      [{ rateLimit: 100, burstLimit: 50 }, account],
      [{ rateLimit: 100, burstLimit: 7 }, account],
      [{ rateLimit: 100, burstLimit: 50 }, account],
      [{ rateLimit: 100, burstLimit: 50 }, account],
    ]
  )
  const routeKeys = limiter.calls.map((layers) => layers[0]?.key)
  assert.equal(new Set(routeKeys).size, 4, `one bucket per stage and route: ${routeKeys.join(', ')}`)
  const accountKeys = limiter.calls.map((layers) => layers[1]?.key)
  assert.equal(new Set(accountKeys).size, 1, 'one account bucket')
  assert.ok(!routeKeys.includes(accountKeys[0]), 'the account bucket is not a route bucket')
})

test('throttleSettings: false turns the account level off; limits above the default account limit are then allowed', async (t) => {
  const limiter = new RecordingLimiter()
  const { url } = await startGateway(
    t,
    oneApi(
      ['GET /a', 'GET /b'],
      [{ stageName: '$default', routeSettings: { 'GET /b': { throttlingBurstLimit: 20_000, throttlingRateLimit: 50_000 } } }],
      false
    ),
    { limiter }
  )
  assert.equal((await http(url + '/a')).status, 200)
  assert.equal(limiter.calls.length, 0, 'a route without limits is not throttled at all')
  assert.equal((await http(url + '/b')).status, 200)
  assert.deepEqual(
    limiter.calls.map((layers) => layers.map((l) => ({ ...l.limits }))),
    [[{ rateLimit: 50_000, burstLimit: 20_000 }]],
    'only the route layer'
  )
})

test('throttleSettings members not given keep the account defaults', async (t) => {
  const limiter = new RecordingLimiter()
  const { url } = await startGateway(t, oneApi(['GET /a'], undefined, { burstLimit: 7 }), { limiter })
  assert.equal((await http(url + '/a')).status, 200)
  assert.deepEqual(
    limiter.calls.map((layers) => layers.map((l) => ({ ...l.limits }))),
    [[{ rateLimit: 10_000, burstLimit: 7 }]]
  )
})

test('a RateLimiter that answers asynchronously (a shared store) throttles the same way', async (t) => {
  const { url, logs } = await startGateway(
    t,
    oneApi(['GET /a'], [{ stageName: '$default', defaultRouteSettings: { throttlingBurstLimit: 2, throttlingRateLimit: NO_REFILL } }]),
    { limiter: new AsyncLimiter() }
  )
  assert.deepEqual(await statusesOf(url, '/a', 2), passThenThrottle(2, 0))
  assertThrottled(await http(url + '/a'))
  assert.equal(startsIn(logs), 2)
})

// ---------------------------------------------------------------------------------------
// Refill and reload
// ---------------------------------------------------------------------------------------

test('an empty bucket refills after 1/rate seconds (rate 20/s, burst 1, real time)', async (t) => {
  const { url } = await startGateway(
    t,
    oneApi(['GET /limited', 'GET /warm'], [{ stageName: '$default', routeSettings: { 'GET /limited': { throttlingBurstLimit: 1, throttlingRateLimit: 20 } } }])
  )
  // Warm the function on another route so the requests below are not slowed by a cold start.
  assert.equal((await http(url + '/warm')).status, 200)
  const pair = await Promise.all([http(url + '/limited'), http(url + '/limited')])
  assert.deepEqual(pair.map((r) => r.status).sort(), [200, 429], 'the second immediate request is throttled')
  // A token comes back 50 ms later; poll, bounded, rather than assert a duration.
  let refilled = false
  for (let i = 0; i < 100 && !refilled; i++) {
    await sleep(20)
    refilled = (await http(url + '/limited')).status === 200
  }
  assert.ok(refilled, 'the bucket refilled')
})

test('a reload that keeps a route\'s limits keeps its bucket; one that changes them starts afresh', async (t) => {
  const stage = { stageName: '$default', defaultRouteSettings: { throttlingBurstLimit: 1, throttlingRateLimit: NO_REFILL } }
  const config = oneApi(['GET /a'], [stage])
  const { url, gateway } = await startGateway(t, config)
  assert.deepEqual(await statusesOf(url, '/a', 2), passThenThrottle(1, 1))
  assert.deepEqual(await gateway.reload(), { ok: true })
  assert.deepEqual(await statusesOf(url, '/a', 1), [429], 'same limits: the bucket survived the reload')
  stage.defaultRouteSettings.throttlingBurstLimit = 2
  assert.deepEqual(await gateway.reload(), { ok: true })
  assert.deepEqual(await statusesOf(url, '/a', 3), passThenThrottle(2, 1), 'new limits: a fresh, full bucket')
})

// ---------------------------------------------------------------------------------------
// Config errors
// ---------------------------------------------------------------------------------------

interface ExpectedIssue {
  /** Text on the line the issue must name (first line containing it). */
  readonly at: string
  readonly path: string
  readonly message: string | RegExp
}

const FUNCTIONS_AND_API = `functions:
  fn:
    handler: echo.handler
apis:
  - name: shop
    apiId: shop001
    routes:
      - routeKey: GET /x
        target: integrations/fn
      - routeKey: $default
        target: integrations/fn
    integrations:
      - integrationId: fn
        integrationType: AWS_PROXY
        integrationUri: fn
        payloadFormatVersion: "2.0"
    stages:
`

function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(needle))
  if (index < 0) throw new Error(`test bug: "${needle}" is not in the config text`)
  return index + 1
}

const render = (issues: readonly ConfigIssue[]): string => issues.map((i) => `  ${i.line ?? '-'}: ${i.path}: ${i.message}`).join('\n')

/** Loads `text` as gatehouse.yaml from a temp dir (with echo.mjs beside it). */
function load(t: TestContext, text: string): LoadConfigResult {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-throttling-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  copyFileSync(join(handlersDir, 'echo.mjs'), join(dir, 'echo.mjs'))
  writeFileSync(join(dir, 'gatehouse.yaml'), text)
  return loadConfigFile(join(dir, 'gatehouse.yaml'))
}

/** `head + FUNCTIONS_AND_API + stages` must be refused with exactly `expected` (any order), each at its line. */
function assertRefused(t: TestContext, stages: string, expected: readonly ExpectedIssue[], head = ''): void {
  const text = head + FUNCTIONS_AND_API + stages
  const result = load(t, text)
  assert.equal(result.ok, false, 'the config must be refused')
  if (result.ok) return
  for (const e of expected) {
    const found: ConfigIssue[] = result.issues.filter((i) => i.path === e.path && (typeof e.message === 'string' ? i.message === e.message : e.message.test(i.message)))
    assert.equal(found.length, 1, `expected one issue at ${e.path} matching ${String(e.message)}; got:\n${render(result.issues)}`)
    assert.equal(found[0]?.line, lineOf(text, e.at), `line of ${e.path}`)
  }
  assert.equal(result.issues.length, expected.length, `expected ${expected.length} issue(s), got:\n${render(result.issues)}`)
}

test('throttle settings within the account limits load, limits equal to the account\'s included', (t) => {
  const result = load(
    t,
    `throttleSettings:
  rateLimit: 100
  burstLimit: 50
${FUNCTIONS_AND_API}      - stageName: $default
        defaultRouteSettings:
          throttlingBurstLimit: 50
          throttlingRateLimit: 100
          detailedMetricsEnabled: false
        routeSettings:
          GET /x:
            throttlingBurstLimit: 0
            throttlingRateLimit: 0.5
          $default:
            detailedMetricsEnabled: true
`
  )
  assert.ok(result.ok, result.ok ? '' : render(result.issues))
  const stage = result.config.apis[0]?.stages[0]
  assert.deepEqual(stage?.defaultThrottle, { rateLimit: 100, burstLimit: 50 })
  assert.deepEqual(Object.fromEntries(stage?.routeThrottles ?? []), { 'GET /x': { rateLimit: 0.5, burstLimit: 0 }, $default: { rateLimit: 100, burstLimit: 50 } })
  assert.deepEqual(result.config.accountThrottle, { rateLimit: 100, burstLimit: 50 })
})

test('routeSettings naming a route the API does not have is refused', (t) => {
  assertRefused(
    t,
    `      - stageName: $default
        routeSettings:
          GET /y:
            throttlingBurstLimit: 1
`,
    [{ at: 'GET /y:', path: 'apis[0].stages[0].routeSettings["GET /y"]', message: 'routeSettings names route "GET /y", which this API does not have' }]
  )
})

test('dataTraceEnabled and loggingLevel are refused on HTTP API stages as WebSocket-only', (t) => {
  assertRefused(
    t,
    `      - stageName: $default
        defaultRouteSettings:
          dataTraceEnabled: true
          loggingLevel: INFO
      - stageName: dev
        routeSettings:
          GET /x:
            loggingLevel: ERROR
`,
    [
      { at: 'dataTraceEnabled: true', path: 'apis[0].stages[0].defaultRouteSettings.dataTraceEnabled', message: 'dataTraceEnabled applies to WebSocket APIs only; this is an HTTP API' },
      { at: 'loggingLevel: INFO', path: 'apis[0].stages[0].defaultRouteSettings.loggingLevel', message: 'loggingLevel applies to WebSocket APIs only; this is an HTTP API' },
      { at: 'loggingLevel: ERROR', path: 'apis[0].stages[1].routeSettings["GET /x"].loggingLevel', message: 'loggingLevel applies to WebSocket APIs only; this is an HTTP API' },
    ]
  )
})

test('a WebSocket-only member of defaultRouteSettings is reported once, not again under each routeSettings entry', (t) => {
  assertRefused(
    t,
    `      - stageName: $default
        defaultRouteSettings:
          dataTraceEnabled: true
        routeSettings:
          GET /x:
            throttlingBurstLimit: 1
          $default:
            loggingLevel: INFO
`,
    [
      { at: 'dataTraceEnabled: true', path: 'apis[0].stages[0].defaultRouteSettings.dataTraceEnabled', message: 'dataTraceEnabled applies to WebSocket APIs only; this is an HTTP API' },
      { at: 'loggingLevel: INFO', path: 'apis[0].stages[0].routeSettings.$default.loggingLevel', message: 'loggingLevel applies to WebSocket APIs only; this is an HTTP API' },
    ]
  )
})

const WEBSOCKET_API = `functions:
  fn:
    handler: echo.handler
apis:
  - name: chat
    protocolType: WEBSOCKET
    routeSelectionExpression: $request.body.action
    routes:
      - routeKey: $default
        target: integrations/fn
    integrations:
      - integrationId: fn
        integrationType: AWS_PROXY
        integrationUri: fn
    stages:
`

test('WebSocket API stages take dataTraceEnabled and loggingLevel (ERROR, INFO or OFF)', (t) => {
  const result = load(
    t,
    WEBSOCKET_API +
      `      - stageName: prod
        defaultRouteSettings:
          dataTraceEnabled: true
          loggingLevel: INFO
        routeSettings:
          $default:
            loggingLevel: ERROR
`
  )
  assert.equal(result.ok, true, result.ok ? '' : render(result.issues))
})

test('a WebSocket stage\'s loggingLevel outside the enum is refused at its line', (t) => {
  const text =
    WEBSOCKET_API +
    `      - stageName: prod
        defaultRouteSettings:
          loggingLevel: LOUD
`
  const result = load(t, text)
  assert.equal(result.ok, false)
  if (result.ok) return
  assert.deepEqual(
    result.issues.map((i) => [i.path, i.message, i.line]),
    [['apis[0].stages[0].defaultRouteSettings.loggingLevel', 'loggingLevel must be one of ERROR, INFO, OFF, not "LOUD"', lineOf(text, 'loggingLevel: LOUD')]]
  )
})

test('negative or fractional-burst limits are refused', (t) => {
  assertRefused(
    t,
    `      - stageName: $default
        defaultRouteSettings:
          throttlingBurstLimit: -1
          throttlingRateLimit: -0.5
        routeSettings:
          GET /x:
            throttlingBurstLimit: 1.5
`,
    [
      { at: 'throttlingBurstLimit: -1', path: 'apis[0].stages[0].defaultRouteSettings.throttlingBurstLimit', message: 'must be >= 0' },
      { at: 'throttlingRateLimit: -0.5', path: 'apis[0].stages[0].defaultRouteSettings.throttlingRateLimit', message: 'must be >= 0' },
      { at: 'throttlingBurstLimit: 1.5', path: 'apis[0].stages[0].routeSettings["GET /x"].throttlingBurstLimit', message: 'must be integer' },
    ]
  )
})

test('stage and route limits above the account level are refused', (t) => {
  assertRefused(
    t,
    `      - stageName: $default
        defaultRouteSettings:
          throttlingBurstLimit: 51
      - stageName: dev
        routeSettings:
          GET /x:
            throttlingRateLimit: 100.5
`,
    [
      { at: 'throttlingBurstLimit: 51', path: 'apis[0].stages[0].defaultRouteSettings.throttlingBurstLimit', message: 'throttlingBurstLimit 51 is above the account-level burst limit 50' },
      { at: 'throttlingRateLimit: 100.5', path: 'apis[0].stages[1].routeSettings["GET /x"].throttlingRateLimit', message: 'throttlingRateLimit 100.5 is above the account-level rate limit 100' },
    ],
    `throttleSettings:
  rateLimit: 100
  burstLimit: 50
`
  )
})

test('without throttleSettings, limits above 10,000 requests/s or burst 5,000 are refused', (t) => {
  assertRefused(
    t,
    `      - stageName: $default
        defaultRouteSettings:
          throttlingRateLimit: 10001
          throttlingBurstLimit: 5001
`,
    [
      { at: 'throttlingRateLimit: 10001', path: 'apis[0].stages[0].defaultRouteSettings.throttlingRateLimit', message: 'throttlingRateLimit 10001 is above the account-level rate limit 10000' },
      { at: 'throttlingBurstLimit: 5001', path: 'apis[0].stages[0].defaultRouteSettings.throttlingBurstLimit', message: 'throttlingBurstLimit 5001 is above the account-level burst limit 5000' },
    ]
  )
})

test('a stage default above the account level is reported once, not again under each routeSettings entry', (t) => {
  assertRefused(
    t,
    `      - stageName: $default
        defaultRouteSettings:
          throttlingRateLimit: 20000
        routeSettings:
          GET /x:
            throttlingBurstLimit: 1
`,
    [{ at: 'throttlingRateLimit: 20000', path: 'apis[0].stages[0].defaultRouteSettings.throttlingRateLimit', message: 'throttlingRateLimit 20000 is above the account-level rate limit 10000' }]
  )
})

test('an invalid throttleSettings is reported alone, without follow-on issues about stage limits', (t) => {
  const text = `throttleSettings:
  burstLimit: -5
${FUNCTIONS_AND_API}      - stageName: $default
        defaultRouteSettings:
          throttlingBurstLimit: 10
`
  const result = load(t, text)
  assert.equal(result.ok, false)
  if (result.ok) return
  assert.equal(result.issues.length, 1, render(result.issues))
  assert.match(result.issues[0]?.path ?? '', /^throttleSettings(\.burstLimit)?$/)
})

test('throttleSettings: true is refused with a message saying only false or an object is accepted', (t) => {
  const result = load(t, `throttleSettings: true\n${FUNCTIONS_AND_API}      - stageName: $default\n`)
  assert.equal(result.ok, false)
  if (result.ok) return
  assert.equal(result.issues.length, 1, render(result.issues))
  const issue = result.issues[0]
  assert.equal(issue?.path, 'throttleSettings')
  assert.equal(issue?.line, 1)
  assert.match(issue?.message ?? '', /false/, `message: ${issue?.message}`)
})
