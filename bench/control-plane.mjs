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
// The two data gateways are started once each and stay up; BENCH_ROUNDS rounds then load them in
// turn (each round starts with the other one, see lib/rounds.mjs), each time a warm-up and a
// measurement. The ratio is the median of the per-round ratios (rps of data-many over rps of
// data-1 in the same round), printed with them; the server CPU per request (utime+stime of the
// gateway over the measurement / requests, steadier than rps on a shared machine) is printed for
// both. On a machine of 2 or more CPUs the data gateways run on CPU 1 and this process on CPU 0
// (lib/pinning.mjs; BENCH_PIN=0 turns it off); the management gateway is not pinned.
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
//   BENCH_ROUNDS       interleaved rounds of data-1 and data-many (default 3)
//   BENCH_PIN          0 to run without CPU pinning         (default: pin when possible)
//   BENCH_SERVER_NODE_ARGS  extra node flags for the data gateways, e.g.
//                      "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { GATEWAY_FLAGS } from './lib/configs.mjs'
import { SERVER_NODE_ARGS } from './lib/env.mjs'
import { load, measured } from './lib/load.mjs'
import { describeMachine, machineInfo, NOISE_CORES, noiseOf } from './lib/machine.mjs'
import { pin } from './lib/pinning.mjs'
import { installShutdownHandlers, startServer, stopServer } from './lib/processes.mjs'
import { medianBy, perRound, perRoundText, runRounds } from './lib/rounds.mjs'
import { round } from './lib/util.mjs'

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
  rounds: num('BENCH_ROUNDS', 3),
}
if (!Number.isInteger(settings.rounds)) throw new Error('BENCH_ROUNDS must be a positive integer')
const output = process.env.BENCH_OUTPUT ?? join(ROOT, 'bench', 'results', 'control-plane-latest.json')
const ACCOUNT = '123456789012'
const FUNCTION_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:hello`
const children = new Set()
// The data gateways are lib/processes.mjs children: killed on exit and on SIGINT/SIGTERM too.
installShutdownHandlers()
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

/** A data gateway on a state folder seeded with `apis` APIs, started and checked; `stop()` ends it and removes the folder. */
async function dataGateway(name, apis, cpu) {
  const dir = folder()
  const ids = seed(dir, apis)
  const started = performance.now()
  const args = [...SERVER_NODE_ARGS, join(ROOT, 'bin', 'gatehouse.js'), 'serve', join(dir, 'gatehouse.yaml'), '--state', join(dir, 'state'), ...GATEWAY_FLAGS]
  const server = await startServer(name, args, cpu === undefined ? {} : { cpu })
  const startMs = performance.now() - started
  const host = `${ids[0]}.execute-api.us-east-1.amazonaws.com`
  const url = `${server.url}/items${settings.routes - 1}/42`
  const check = await request(url, { headers: { host } })
  const text = await check.body.text()
  if (check.statusCode !== 200) throw new Error(`[${name}] the route answered ${check.statusCode}: ${text}`)
  return {
    name,
    apis,
    pid: server.child.pid,
    url,
    host,
    startMs,
    async stop() {
      await stopServer(server)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** One round's load of a data gateway: a warm-up, then a measurement with the gateway's CPU. */
async function loadData(gw) {
  const options = { connections: settings.connections, headers: { host: gw.host } }
  await load(gw.url, settings.warmup, options)
  const { result, cpuSeconds, serverCores, machine } = await measured([gw.pid], () => load(gw.url, settings.duration, options))
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`[${gw.name}] ${result.non2xx} non-2xx answers and ${result.errors} errors under load`)
  const run = {
    name: gw.name,
    apis: gw.apis,
    routes: gw.apis * settings.routes,
    rps: result.requests.average,
    p99Ms: result.latency.p99,
    rssMb: rssMb(gw.pid),
    startMs: gw.startMs,
    requests: result.requests.total,
    serverCpuCores: serverCores === null ? null : round(serverCores, 2),
    // Server CPU per request, in microseconds: what the gateway spent, whatever else ran meanwhile.
    serverCpuUsPerRequest: cpuSeconds[0] === null || result.requests.total === 0 ? null : round((cpuSeconds[0] * 1e6) / result.requests.total, 1),
    machine,
  }
  const noise = noiseOf(run) > NOISE_CORES ? ` (other processes + steal ${noiseOf(run).toFixed(2)} cores)` : ''
  console.log(`  ${gw.name.padEnd(9)} ${run.rps.toFixed(0)} rps, CPU/request ${run.serverCpuUsPerRequest ?? 'n/a'} µs, RSS ${run.rssMb.toFixed(0)} MB${noise}`)
  return run
}

/** Both data gateways up for the whole run, loaded in BENCH_ROUNDS interleaved rounds. */
async function dataRounds(serverCpu) {
  const gateways = {}
  try {
    gateways['data-1'] = await dataGateway('data-1', 1, serverCpu)
    gateways['data-many'] = await dataGateway('data-many', settings.apis, serverCpu)
    return await runRounds(['data-1', 'data-many'], settings.rounds, (name) => loadData(gateways[name]))
  } finally {
    for (const gw of Object.values(gateways)) await gw.stop()
  }
}

/** The median value (the lower middle one for an even count, as medianBy). */
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]

try {
  const machine = machineInfo()
  console.log(`Gatehouse control-plane benchmark: ${describeMachine(machine)}`)
  const mgmt = await management()
  console.log(`management: ${mgmt.opsPerSecond.toFixed(1)} CreateRoute/s; CreateRoute returned -> route answers: p50 ${mgmt.liveP50Ms.toFixed(1)} ms, p99 ${mgmt.liveP99Ms.toFixed(1)} ms`)
  const pinning = pin(machine.cpus)
  console.log(pinning.pinned ? `Pinned: data gateways on CPU ${pinning.serverCpu}, the load generator (this process) on CPU ${pinning.loadGeneratorCpu}` : `Not pinned (${pinning.reason})`)
  const runs = await dataRounds(pinning.pinned ? pinning.serverCpu : undefined)
  if (runs === undefined) throw new Error('interrupted')
  const rps = perRound(runs, settings.rounds, 'data-many', 'data-1', (r) => r, (n, d) => n.rps / d.rps)
  const cpu = perRound(runs, settings.rounds, 'data-many', 'data-1', (r) => r, (n, d) =>
    n.serverCpuUsPerRequest === null || d.serverCpuUsPerRequest === null ? undefined : n.serverCpuUsPerRequest / d.serverCpuUsPerRequest
  )
  const ratio = median(rps.perRound)
  // The median-rps round of each scenario, with the fields of a single run (the JSON's data1 and dataMany).
  const pick = (name) => {
    const mine = runs.filter((r) => r.name === name)
    const { name: _, machine: __, ...rest } = medianBy(mine, (r) => r.rps)
    return { ...rest, medianCpuUsPerRequest: medianOf(mine.map((r) => r.serverCpuUsPerRequest)) }
  }
  const medianOf = (values) => (values.includes(null) ? null : median(values))
  const one = pick('data-1')
  const many = pick('data-many')
  const report = {
    settings,
    machine,
    pinning,
    serverNodeArgs: SERVER_NODE_ARGS,
    management: mgmt,
    data1: one,
    dataMany: many,
    ratio,
    ratioPerRound: rps.perRound,
    disturbedRounds: rps.disturbedRounds,
    cpuPerRequestRatio: cpu.perRound.length === 0 ? null : median(cpu.perRound),
    cpuPerRequestRatioPerRound: cpu.perRound,
    runs,
  }
  const cpuText = (r) => (r.medianCpuUsPerRequest === null ? 'n/a' : `${r.medianCpuUsPerRequest} µs`)
  console.log(`data-1:    ${one.rps.toFixed(0)} rps, p99 ${one.p99Ms} ms, CPU/request ${cpuText(one)}, RSS ${one.rssMb.toFixed(0)} MB (1 API, ${one.routes} routes)`)
  console.log(`data-many: ${many.rps.toFixed(0)} rps, p99 ${many.p99Ms} ms, CPU/request ${cpuText(many)}, RSS ${many.rssMb.toFixed(0)} MB (${many.apis} APIs, ${many.routes} routes; start ${(many.startMs / 1000).toFixed(1)} s)`)
  console.log(`data-many/data-1: ${ratio.toFixed(3)}x (median of ${rps.perRound.length} round(s))  ${ratio >= 0.95 ? 'TARGET MET' : 'TARGET MISSED'} (target >= 0.95)` + perRoundText(rps, (v) => v.toFixed(3)))
  if (report.cpuPerRequestRatio !== null) console.log(`CPU/request data-many/data-1: ${report.cpuPerRequestRatio.toFixed(3)}x` + perRoundText(cpu, (v) => v.toFixed(3)))
  if (rps.disturbedRounds.length > 0) console.log(`WARNING: rounds ${rps.disturbedRounds.join(', ')} (marked *) were disturbed by other processes or steal; compare with care`)
  mkdirSync(dirname(output), { recursive: true })
  writeFileSync(output, JSON.stringify(report, null, 2) + '\n')
} catch (err) {
  console.error(`bench:control-plane cannot run: ${err.message}`)
  for (const c of children) c.kill('SIGKILL')
  process.exit(1)
}
