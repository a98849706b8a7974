#!/usr/bin/env node
// `npm run bench:control-plane`: the apigatewayv2/Lambda control plane (issue 18), on loopback.
// Every scenario runs `node bin/gatehouse.js serve gatehouse.yaml --state DIR` in a temporary
// folder (gatehouse.yaml holds only the account throttle, at 1e6 rps as bench/fixtures/gatehouse.yaml,
// so no API comes from the file); the function is bench/fixtures/hello.mjs, registered with
// S3Bucket "hot-reload" (served in place).
//
//   1. management    one API with an auto-deployed $default stage; BENCH_MGMT_OPS CreateRoute calls
//                    one after the other: operations per second. Then BENCH_LIVE_PROBES more, each
//                    followed by GETs of its new path until one answers 200: p50/p99 of the time
//                    from CreateRoute returning to the route answering.
//   2. data-1        the state folder seeded with 1 API of BENCH_ROUTES routes (the documented
//                    state.json shape, written before start): autocannon on one route of it.
//   3. data-many     the same with BENCH_APIS APIs of BENCH_ROUTES routes each: autocannon on the
//                    same route of the first API. Routing cost must not grow with the number of
//                    APIs: target data-many/data-1 >= 0.95. Gateway RSS (VmRSS) is read for both.
//
// Figures are printed and written to BENCH_OUTPUT (default bench/results/control-plane-latest.json).
// Exit 0 whatever the figures; 1 when a scenario cannot run.
//
// Environment:
//   BENCH_DURATION     seconds of load per data scenario   (default 8)
//   BENCH_WARMUP       seconds of warm-up                   (default 2)
//   BENCH_CONNECTIONS  autocannon connections               (default 10)
//   BENCH_APIS         APIs of data-many                    (default 1000)
//   BENCH_ROUTES       routes per API                       (default 50)
//   BENCH_MGMT_OPS     CreateRoute calls timed              (default 200)
//   BENCH_LIVE_PROBES  CreateRoute-to-answer samples        (default 50)
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { request } from 'undici'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const FIXTURES = join(ROOT, 'bench', 'fixtures')
const num = (name, fallback) => {
  const v = process.env[name]
  if (v === undefined) return fallback
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`)
  return n
}
const settings = {
  duration: num('BENCH_DURATION', 8),
  warmup: num('BENCH_WARMUP', 2),
  connections: num('BENCH_CONNECTIONS', 10),
  apis: num('BENCH_APIS', 1000),
  routes: num('BENCH_ROUTES', 50),
  mgmtOps: num('BENCH_MGMT_OPS', 200),
  liveProbes: num('BENCH_LIVE_PROBES', 50),
}
const output = process.env.BENCH_OUTPUT ?? join(ROOT, 'bench', 'results', 'control-plane-latest.json')
const ACCOUNT = '123456789012'
const FUNCTION_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:hello`
const children = new Set()
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL')
})

function folder() {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-cp-'))
  writeFileSync(join(dir, 'gatehouse.yaml'), 'region: us-east-1\naccountId: "123456789012"\nthrottleSettings:\n  rateLimit: 1000000\n  burstLimit: 1000000\n')
  return dir
}

async function startGateway(dir) {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'gatehouse.js'), 'serve', 'gatehouse.yaml', '--port', '0', '--admin-port', '0', '--state', join(dir, 'state'), '--no-watch', '--quiet-functions', '--log-level', 'warn'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let out = ''
  let err = ''
  child.stderr.on('data', (d) => (err += d))
  const urls = await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d
      const main = /Gatehouse listening on (http:\/\/[^\s]+)/.exec(out)?.[1]
      const admin = /Admin listening on (http:\/\/[^\s]+)/.exec(out)?.[1]
      if (main !== undefined && admin !== undefined) resolve({ main, admin })
    })
    child.on('exit', (code) => reject(new Error(`the gateway exited (${code}) before listening: ${err}`)))
  })
  return {
    ...urls,
    pid: child.pid,
    async stop() {
      const exited = new Promise((r) => child.on('exit', r))
      child.kill('SIGTERM')
      await exited
      children.delete(child)
    },
  }
}

const rssMb = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024

async function call(base, method, path, body) {
  const res = await fetch(base + path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  const text = await res.text()
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`)
  return text === '' ? {} : JSON.parse(text)
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

async function management() {
  const dir = folder()
  const gw = await startGateway(dir)
  try {
    await call(gw.admin, 'POST', '/2015-03-31/functions', { FunctionName: 'hello', Runtime: 'nodejs20.x', Role: 'r', Handler: 'hello.handler', Code: { S3Bucket: 'hot-reload', S3Key: FIXTURES } })
    const api = await call(gw.admin, 'POST', '/v2/apis', { name: 'bench', protocolType: 'HTTP' })
    const integration = await call(gw.admin, 'POST', `/v2/apis/${api.apiId}/integrations`, { integrationType: 'AWS_PROXY', integrationUri: FUNCTION_ARN, payloadFormatVersion: '2.0' })
    await call(gw.admin, 'POST', `/v2/apis/${api.apiId}/stages`, { stageName: '$default', autoDeploy: true })
    const target = `integrations/${integration.integrationId}`
    const t0 = performance.now()
    for (let i = 0; i < settings.mgmtOps; i++) await call(gw.admin, 'POST', `/v2/apis/${api.apiId}/routes`, { routeKey: `GET /m/${i}`, target })
    const opsPerSecond = settings.mgmtOps / ((performance.now() - t0) / 1000)
    const live = []
    for (let i = 0; i < settings.liveProbes; i++) {
      await call(gw.admin, 'POST', `/v2/apis/${api.apiId}/routes`, { routeKey: `GET /live/${i}`, target })
      const returned = performance.now()
      for (;;) {
        // undici's request, not fetch: fetch drops a Host header.
        const res = await request(`${gw.main}/live/${i}`, { headers: { host: `${api.apiId}.execute-api.us-east-1.amazonaws.com` } })
        await res.body.arrayBuffer()
        if (res.statusCode === 200) break
      }
      live.push(performance.now() - returned)
    }
    live.sort((a, b) => a - b)
    return { opsPerSecond, liveP50Ms: quantile(live, 0.5), liveP99Ms: quantile(live, 0.99), rssMb: rssMb(gw.pid) }
  } finally {
    await gw.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A state.json with `apis` APIs of `routes` routes each, all on the hello function, auto-deployed. */
function seed(dir, apis) {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
  const state = { version: 1, apis: {}, domainNames: {}, functions: {} }
  state.functions.hello = {
    configuration: { FunctionName: 'hello', FunctionArn: FUNCTION_ARN, Runtime: 'nodejs20.x', Role: 'r', Handler: 'hello.handler', Timeout: 3, MemorySize: 128 },
    codeDir: FIXTURES,
    policy: {},
    tags: {},
  }
  const ids = []
  for (let a = 0; a < apis; a++) {
    const apiId = `bench${String(a).padStart(5, '0')}`
    ids.push(apiId)
    const routes = {}
    for (let r = 0; r < settings.routes; r++) routes[`r${r}`] = { routeId: `r${r}`, routeKey: `GET /items${r}/{id}`, target: 'integrations/i1', authorizationType: 'NONE', apiKeyRequired: false }
    const definition = {
      api: { apiId, name: apiId, protocolType: 'HTTP', routeSelectionExpression: '$request.method $request.path', createdDate: now },
      routes,
      integrations: { i1: { integrationId: 'i1', integrationType: 'AWS_PROXY', integrationUri: FUNCTION_ARN, payloadFormatVersion: '2.0', timeoutInMillis: 30000, connectionType: 'INTERNET' } },
      authorizers: {},
      models: {},
      routeResponses: {},
      integrationResponses: {},
    }
    state.apis[apiId] = {
      ...structuredClone(definition),
      stages: { $default: { stageName: '$default', autoDeploy: true, deploymentId: 'd1', stageVariables: {}, routeSettings: {}, defaultRouteSettings: {} } },
      deployments: { d1: { deployment: { deploymentId: 'd1', autoDeployed: true, deploymentStatus: 'DEPLOYED', createdDate: now }, definition } },
    }
  }
  mkdirSync(join(dir, 'state'), { recursive: true })
  writeFileSync(join(dir, 'state', 'state.json'), JSON.stringify(state))
  return ids
}

function load(url, host, seconds) {
  return autocannon({ url, headers: { host }, connections: settings.connections, duration: seconds })
}

async function data(apis) {
  const dir = folder()
  const ids = seed(dir, apis)
  const started = performance.now()
  const gw = await startGateway(dir)
  const startMs = performance.now() - started
  try {
    const host = `${ids[0]}.execute-api.us-east-1.amazonaws.com`
    const url = `${gw.main}/items${settings.routes - 1}/42`
    const check = await request(url, { headers: { host } })
    const text = await check.body.text()
    if (check.statusCode !== 200) throw new Error(`the route answered ${check.statusCode}: ${text}`)
    await load(url, host, settings.warmup)
    const result = await load(url, host, settings.duration)
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx answers and ${result.errors} errors under load`)
    return { apis, routes: apis * settings.routes, rps: result.requests.average, p99Ms: result.latency.p99, rssMb: rssMb(gw.pid), startMs }
  } finally {
    await gw.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

try {
  const mgmt = await management()
  const one = await data(1)
  const many = await data(settings.apis)
  const ratio = many.rps / one.rps
  const report = { settings, management: mgmt, data1: one, dataMany: many, ratio }
  console.log(`management: ${mgmt.opsPerSecond.toFixed(1)} CreateRoute/s; CreateRoute returned -> route answers: p50 ${mgmt.liveP50Ms.toFixed(1)} ms, p99 ${mgmt.liveP99Ms.toFixed(1)} ms`)
  console.log(`data-1:    ${one.rps.toFixed(0)} rps, p99 ${one.p99Ms} ms, RSS ${one.rssMb.toFixed(0)} MB (1 API, ${one.routes} routes)`)
  console.log(`data-many: ${many.rps.toFixed(0)} rps, p99 ${many.p99Ms} ms, RSS ${many.rssMb.toFixed(0)} MB (${many.apis} APIs, ${many.routes} routes; start ${(many.startMs / 1000).toFixed(1)} s)`)
  console.log(`data-many/data-1: ${ratio.toFixed(3)}x  ${ratio >= 0.95 ? 'TARGET MET' : 'TARGET MISSED'} (target >= 0.95)`)
  mkdirSync(dirname(output), { recursive: true })
  writeFileSync(output, JSON.stringify(report, null, 2) + '\n')
} catch (err) {
  console.error(`bench:control-plane cannot run: ${err.message}`)
  for (const c of children) c.kill('SIGKILL')
  process.exit(1)
}
