// The admin listener and its Prometheus metrics, named after API Gateway's CloudWatch metrics
// (Count, 4xx, 5xx, Latency, IntegrationLatency, DataProcessed) and labelled by api, stage and
// route: scraped from a real gateway after a known mix of requests, and parsed.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { request } from 'undici'
import { startGateway, singleFunctionApi, type StartedGateway } from '../helpers/gateway.js'
import { http, type HttpResult } from '../helpers/http.js'
import { handlersDir } from '../helpers/paths.js'
import { spawnCli } from '../helpers/cli.js'

const API_ID = 'metricsapi1'
const ROUTE = 'POST /run'
const NO_ROUTE = '-'

// --- Prometheus text format 0.0.4 --------------------------------------------------------------

interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

interface Scrape {
  readonly samples: readonly Sample[]
  /** `# TYPE` by metric family. */
  readonly types: ReadonlyMap<string, string>
  readonly help: ReadonlyMap<string, string>
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {}
  const pair = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"(?:,|$)/
  let rest = text
  while (rest !== '') {
    const match = pair.exec(rest)
    assert.ok(match !== null, `malformed labels {${text}}`)
    const [whole, name, value] = match as unknown as [string, string, string]
    assert.ok(!(name in labels), `label ${name} twice in {${text}}`)
    labels[name] = value.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c))
    rest = rest.slice(whole.length)
  }
  return labels
}

/** Parses the exposition format strictly enough that a malformed line fails the test. */
function parsePrometheus(text: string): Scrape {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline')
  const samples: Sample[] = []
  const types = new Map<string, string>()
  const help = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line)
    if (meta !== null) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string]
      if (kind === 'TYPE') {
        assert.ok(['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest), line)
        assert.ok(!types.has(name), `one TYPE line for ${name}`)
        types.set(name, rest)
      } else help.set(name, rest)
      continue
    }
    assert.ok(!line.startsWith('#'), `unexpected comment: ${line}`)
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    assert.ok(sample !== null, `malformed sample line: ${line}`)
    const [, name, labelText, valueText] = sample as unknown as [string, string, string | undefined, string]
    const value = valueText === '+Inf' ? Infinity : Number(valueText)
    assert.ok(!Number.isNaN(value), `value of ${line}`)
    samples.push({ name, labels: parseLabels(labelText ?? ''), value })
  }
  return { samples, types, help }
}

function labelsMatch(sample: Sample, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(labels).every(([k, v]) => sample.labels[k] === v)
}

/** The one sample of `name` whose labels include `labels`. */
function valueOf(scrape: Scrape, name: string, labels: Readonly<Record<string, string>>): number {
  const found = scrape.samples.filter((s) => s.name === name && labelsMatch(s, labels) && Object.keys(s.labels).length === Object.keys(labels).length)
  assert.equal(found.length, 1, `one sample ${name}${JSON.stringify(labels)}; have ${JSON.stringify(scrape.samples.filter((s) => s.name === name))}`)
  return (found[0] as Sample).value
}

/** The sample's value, or 0 when the series does not exist (a counter never incremented). */
function valueOrZero(scrape: Scrape, name: string, labels: Readonly<Record<string, string>>): number {
  const found = scrape.samples.find((s) => s.name === name && labelsMatch(s, labels) && Object.keys(s.labels).length === Object.keys(labels).length)
  return found?.value ?? 0
}

interface Histogram {
  readonly buckets: ReadonlyArray<{ readonly le: number; readonly count: number }>
  readonly sum: number
  readonly count: number
}

function histogramOf(scrape: Scrape, name: string, labels: Readonly<Record<string, string>>): Histogram {
  assert.equal(scrape.types.get(name), 'histogram', `${name} is a histogram`)
  const buckets = scrape.samples
    .filter((s) => s.name === `${name}_bucket` && labelsMatch(s, labels))
    .map((s) => ({ le: s.labels['le'] === '+Inf' ? Infinity : Number(s.labels['le']), count: s.value }))
  assert.ok(buckets.length > 1, `${name} has buckets for ${JSON.stringify(labels)}`)
  return { buckets, sum: valueOf(scrape, `${name}_sum`, labels), count: valueOf(scrape, `${name}_count`, labels) }
}

/** Buckets ascending by `le`, cumulative (never decreasing), ending with `+Inf` equal to `_count`. */
function assertWellFormedHistogram(h: Histogram, what: string): void {
  for (let i = 1; i < h.buckets.length; i++) {
    const prev = h.buckets[i - 1] as { le: number; count: number }
    const cur = h.buckets[i] as { le: number; count: number }
    assert.ok(cur.le > prev.le, `${what}: le ascending`)
    assert.ok(cur.count >= prev.count, `${what}: buckets are cumulative (${prev.le}: ${prev.count}, ${cur.le}: ${cur.count})`)
  }
  const last = h.buckets.at(-1) as { le: number; count: number }
  assert.equal(last.le, Infinity, `${what}: last bucket is +Inf`)
  assert.equal(last.count, h.count, `${what}: +Inf bucket equals _count`)
  assert.ok(h.sum >= 0, `${what}: _sum`)
}

// --- the gateway under test ----------------------------------------------------------------------

async function scrape(adminUrl: string): Promise<{ contentType: string; scrape: Scrape }> {
  const res = await request(adminUrl + '/metrics')
  const text = await res.body.text()
  assert.equal(res.statusCode, 200, text)
  return { contentType: String(res.headers['content-type']), scrape: parsePrometheus(text) }
}

async function startWithAdmin(t: TestContext): Promise<StartedGateway> {
  const started = await startGateway(t, singleFunctionApi({ handler: 'scripted.handler', routeKeys: [ROUTE], apiId: API_ID }), { admin: { port: 0 } })
  assert.match(started.gateway.adminUrl, /^http:\/\/127\.0\.0\.1:\d+$/)
  assert.notEqual(started.gateway.adminUrl, started.url)
  return started
}

function run(url: string, script: object): Promise<HttpResult> {
  return http(url + '/run', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(script) })
}

const labels = (route: string) => ({ api: API_ID, stage: '$default', route })

// --- admin endpoints -------------------------------------------------------------------------

test('the admin listener answers /healthz 200 "ok" and /readyz 200 "ready"', async (t) => {
  const { gateway } = await startWithAdmin(t)
  const health = await http(gateway.adminUrl + '/healthz')
  assert.equal(health.status, 200)
  assert.equal(health.text.trim(), 'ok')
  const ready = await http(gateway.adminUrl + '/readyz')
  assert.equal(ready.status, 200)
  assert.equal(ready.text.trim(), 'ready')
})

test('/readyz answers 503 while the gateway is stopping and /healthz still answers 200', async (t) => {
  const { gateway, url, logs } = await startWithAdmin(t)
  const slow = run(url, { sleepMs: 600 })
  const deadline = Date.now() + 10_000
  while (!logs.some((l) => l.startsWith('START RequestId:'))) {
    assert.ok(Date.now() < deadline, 'the invocation never started')
    await delay(10)
  }
  const stopped = gateway.stop()
  const ready = await http(gateway.adminUrl + '/readyz')
  assert.equal(ready.status, 503)
  assert.equal((await http(gateway.adminUrl + '/healthz')).status, 200)
  assert.equal((await slow).status, 200, 'the request in flight finishes')
  await stopped
})

test('the admin listener answers 404 for an unknown path, and the data plane does not serve the admin paths', async (t) => {
  const { gateway, url } = await startWithAdmin(t)
  assert.equal((await http(gateway.adminUrl + '/nope')).status, 404)
  assert.equal((await http(gateway.adminUrl + '/metrics/extra')).status, 404)
  // The API has only POST /run: the admin paths are plain 404s of the API on the data plane.
  const onDataPlane = await http(url + '/metrics')
  assert.equal(onDataPlane.status, 404)
  assert.equal(onDataPlane.text, '{"message":"Not Found"}')
})

test('/metrics is served as text/plain; version=0.0.4', async (t) => {
  const { gateway } = await startWithAdmin(t)
  const { contentType } = await scrape(gateway.adminUrl)
  assert.match(contentType, /^text\/plain; version=0\.0\.4(;|$)/)
})

test('without the admin option there is no admin listener', async (t) => {
  const { gateway } = await startGateway(t, singleFunctionApi({ handler: 'scripted.handler', routeKeys: [ROUTE], apiId: API_ID }))
  assert.equal(gateway.adminUrl, '')
})

// --- request metrics -------------------------------------------------------------------------

test('after N successes, M unmatched 404s and K function errors, Count, 4xx and 5xx are counted per api, stage and route', async (t) => {
  const { gateway, url } = await startWithAdmin(t)
  const N = 3
  const M = 2
  const K = 2
  for (let i = 0; i < N; i++) assert.equal((await run(url, {})).status, 200)
  for (let i = 0; i < M; i++) assert.equal((await http(url + `/missing/${i}`)).status, 404)
  for (let i = 0; i < K; i++) assert.equal((await run(url, { throw: 'metrics test failure' })).status, 500)
  const { scrape: s } = await scrape(gateway.adminUrl)

  for (const name of ['apigateway_count', 'apigateway_4xx', 'apigateway_5xx', 'apigateway_data_processed_bytes']) {
    assert.equal(s.types.get(name), 'counter', `${name} is a counter`)
    assert.ok(s.help.has(name), `${name} has HELP`)
  }
  assert.equal(valueOf(s, 'apigateway_count', labels(ROUTE)), N + K)
  assert.equal(valueOrZero(s, 'apigateway_4xx', labels(ROUTE)), 0)
  assert.equal(valueOf(s, 'apigateway_5xx', labels(ROUTE)), K)
  assert.equal(valueOf(s, 'apigateway_count', labels(NO_ROUTE)), M, 'unmatched requests are labelled route="-"')
  assert.equal(valueOf(s, 'apigateway_4xx', labels(NO_ROUTE)), M)
  assert.equal(valueOrZero(s, 'apigateway_5xx', labels(NO_ROUTE)), 0)
  // Every series carries exactly the three labels.
  for (const sample of s.samples.filter((x) => x.name === 'apigateway_count')) {
    assert.deepEqual(Object.keys(sample.labels).sort(), ['api', 'route', 'stage'])
  }
})

test('the latency histogram is cumulative and counts every request; integration latency counts only requests that invoked an integration', async (t) => {
  const { gateway, url } = await startWithAdmin(t)
  for (let i = 0; i < 3; i++) await run(url, {})
  await run(url, { throw: 'x' })
  for (let i = 0; i < 2; i++) await http(url + '/missing')
  const { scrape: s } = await scrape(gateway.adminUrl)

  const latency = histogramOf(s, 'apigateway_latency_milliseconds', labels(ROUTE))
  assertWellFormedHistogram(latency, 'latency POST /run')
  assert.equal(latency.count, 4)
  const unmatched = histogramOf(s, 'apigateway_latency_milliseconds', labels(NO_ROUTE))
  assertWellFormedHistogram(unmatched, 'latency -')
  assert.equal(unmatched.count, 2)

  const integration = histogramOf(s, 'apigateway_integration_latency_milliseconds', labels(ROUTE))
  assertWellFormedHistogram(integration, 'integration latency POST /run')
  assert.equal(integration.count, 4, 'a function error still invoked the integration')
  assert.ok(integration.sum <= latency.sum, 'integration latency is part of the latency')
  // Unmatched requests never reach an integration.
  const unmatchedIntegration = s.samples.filter((x) => x.name === 'apigateway_integration_latency_milliseconds_count' && labelsMatch(x, labels(NO_ROUTE)))
  assert.ok(unmatchedIntegration.every((x) => x.value === 0), JSON.stringify(unmatchedIntegration))
})

test('a throttled request counts as 4xx with no integration latency', async (t) => {
  const config = singleFunctionApi({
    handler: 'scripted.handler',
    routeKeys: [ROUTE],
    apiId: API_ID,
    stages: [{ stageName: '$default', defaultRouteSettings: { throttlingBurstLimit: 1, throttlingRateLimit: 0.01 } }],
  })
  const { gateway, url } = await startGateway(t, config, { admin: { port: 0 } })
  assert.equal((await run(url, {})).status, 200)
  assert.equal((await run(url, {})).status, 429)
  const { scrape: s } = await scrape(gateway.adminUrl)
  assert.equal(valueOf(s, 'apigateway_count', labels(ROUTE)), 2)
  assert.equal(valueOf(s, 'apigateway_4xx', labels(ROUTE)), 1)
  assert.equal(histogramOf(s, 'apigateway_latency_milliseconds', labels(ROUTE)).count, 2)
  assert.equal(histogramOf(s, 'apigateway_integration_latency_milliseconds', labels(ROUTE)).count, 1)
})

test('DataProcessed adds up request and response body bytes per route (provisional)', async (t) => {
  const { gateway, url } = await startWithAdmin(t)
  let routeBytes = 0
  for (const script of [{}, { return: { statusCode: 200, body: 'x'.repeat(1000) } }, { throw: 'bytes' }]) {
    const body = JSON.stringify(script)
    const res = await run(url, script)
    routeBytes += Buffer.byteLength(body) + res.body.length
  }
  const missing = await http(url + '/missing')
  const { scrape: s } = await scrape(gateway.adminUrl)
  assert.equal(s.types.get('apigateway_data_processed_bytes'), 'counter')
  assert.equal(valueOf(s, 'apigateway_data_processed_bytes', labels(ROUTE)), routeBytes)
  assert.equal(valueOf(s, 'apigateway_data_processed_bytes', labels(NO_ROUTE)), missing.body.length)
})

test('named stages get their own series, and requests no stage serves are not counted', async (t) => {
  const config = singleFunctionApi({ handler: 'scripted.handler', routeKeys: [ROUTE], apiId: API_ID, stages: [{ stageName: 'dev' }, { stageName: 'prod' }] })
  const { gateway, url } = await startGateway(t, config, { admin: { port: 0 } })
  await http(url + '/dev/run', { method: 'POST', body: '{}' })
  await http(url + '/dev/run', { method: 'POST', body: '{}' })
  await http(url + '/prod/run', { method: 'POST', body: '{}' })
  assert.equal((await http(url + '/staging/run', { method: 'POST', body: '{}' })).status, 404)
  const { scrape: s } = await scrape(gateway.adminUrl)
  assert.equal(valueOf(s, 'apigateway_count', { api: API_ID, stage: 'dev', route: ROUTE }), 2)
  assert.equal(valueOf(s, 'apigateway_count', { api: API_ID, stage: 'prod', route: ROUTE }), 1)
  const total = s.samples.filter((x) => x.name === 'apigateway_count').reduce((n, x) => n + x.value, 0)
  assert.equal(total, 3, 'the request for stage "staging" reached no stage and is not counted')
})

test('counters only grow between scrapes', async (t) => {
  const { gateway, url } = await startWithAdmin(t)
  await run(url, {})
  const first = (await scrape(gateway.adminUrl)).scrape
  await run(url, {})
  await run(url, {})
  const second = (await scrape(gateway.adminUrl)).scrape
  assert.equal(valueOf(first, 'apigateway_count', labels(ROUTE)), 1)
  assert.equal(valueOf(second, 'apigateway_count', labels(ROUTE)), 3)
  assert.equal(histogramOf(second, 'apigateway_latency_milliseconds', labels(ROUTE)).count, 3)
})

// --- the CLI -----------------------------------------------------------------------------------


function cliApp(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-metrics-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  copyFileSync(join(handlersDir, 'scripted.mjs'), join(dir, 'scripted.mjs'))
  writeFileSync(join(dir, 'gatehouse.yaml'), JSON.stringify(singleFunctionApi({ handler: 'scripted.handler', routeKeys: [ROUTE], apiId: API_ID }), null, 2))
  return dir
}

test('serve --admin-port 0 prints "Admin listening on http://127.0.0.1:PORT" and serves /healthz and /metrics there', async (t) => {
  const cli = spawnCli(t, ['serve', 'gatehouse.yaml', '--port', '0', '--admin-port', '0', '--no-watch', '--quiet-functions'], cliApp(t))
  const [, url] = await cli.waitFor('stdout', /Gatehouse listening on (http:\/\/\S+)/)
  const [, adminUrl] = await cli.waitFor('stdout', /^Admin listening on (http:\/\/127\.0\.0\.1:(\d+))/m)
  assert.notEqual(adminUrl, url)
  const health = await http(`${adminUrl}/healthz`)
  assert.equal(health.status, 200)
  assert.equal(health.text.trim(), 'ok')
  assert.equal((await run(url as string, {})).status, 200)
  const { scrape: s } = await scrape(adminUrl as string)
  assert.equal(valueOf(s, 'apigateway_count', labels(ROUTE)), 1)
})

test('serve --no-admin prints no admin line and starts no admin listener', async (t) => {
  const cli = spawnCli(t, ['serve', 'gatehouse.yaml', '--port', '0', '--no-admin', '--no-watch', '--quiet-functions'], cliApp(t))
  const [, url] = await cli.waitFor('stdout', /Gatehouse listening on (http:\/\/\S+)/)
  assert.equal((await run(url as string, {})).status, 200)
  cli.child.kill('SIGTERM')
  assert.equal((await cli.exited).code, 0)
  assert.doesNotMatch(cli.stdout(), /Admin listening/)
})
