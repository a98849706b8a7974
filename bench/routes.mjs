#!/usr/bin/env node
// `npm run bench:routes` (issue 16, target 7): requests per second of a stage with 10,000 routes
// against the same stage with the one route the request matches. Target: at least 0.95x.
//
//   routes-1       bench/fixtures/gatehouse.yaml with its one route replaced by
//                  GET /v2/svc{last}/{id}/items/{itemId}, the route every request hits
//   routes-10000   the same API with BENCH_ROUTES routes (default 10,000) of realistic shapes,
//                  six per service, for BENCH_ROUTES/6 services (a few literal routes round up):
//                    GET /v2/svc{n}                     POST /v2/svc{n}
//                    GET /v2/svc{n}/{id}                GET /v2/svc{n}/{id}/items/{itemId}
//                    ANY /v2/svc{n}/{proxy+}            GET /{tenant}/svc{n}/health
//                  (the last one so that a variable competes with the literal `v2` at the first
//                  segment). The request's route is the last
//                  service's, added last: the deepest entry of the table. serviceQuotas.routesPerApi
//                  raises AWS's default quota of 300 routes per API (adjustable on request in AWS).
//
// Every request: GET /v2/svc{last}/abc123/items/42, a route with two path parameters, invoking
// the trivial payload 2.0 handler bench/fixtures/hello.mjs. Before measuring, each server must
// answer it 200 with the bench body, and GET /v2/svc0/x/y/z must match the greedy route (200)
// in routes-10000.
//
// Each server runs in its own child process on 127.0.0.1 (port 0); autocannon runs in this process.
// Scenarios run in interleaved rounds; each is summarised by its median-rps round. Exit 0 whatever
// the figures; 1 only when a scenario cannot run.
//
// Environment: BENCH_DURATION (10), BENCH_WARMUP (2), BENCH_CONNECTIONS (10), BENCH_ROUNDS (3),
// BENCH_ROUTES (10000), BENCH_OUTPUT (bench/results/routes.json), BENCH_SERVER_NODE_ARGS.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { derivedConfig, GATEWAY_FLAGS, removeTmpDir } from './lib/configs.mjs'
import { nonNegativeNumber, outputPath, positiveInteger, positiveNumber, requireBuild, SERVER_NODE_ARGS } from './lib/env.mjs'
import { checkResponse, load, measured } from './lib/load.mjs'
import { describeMachine, machineInfo } from './lib/machine.mjs'
import { ROOT } from './lib/paths.mjs'
import { installShutdownHandlers, runMain, session, startServer, stopServers } from './lib/processes.mjs'
import { hasProblems, printRequestTable, problemsText, reportHead, responseFigures, warnDisturbedRuns, warnFailing, warnIfDisturbed, writeReport } from './lib/report.mjs'
import { medianBy, perRound, perRoundText, runRounds } from './lib/rounds.mjs'
import { round } from './lib/util.mjs'

const TARGET = 0.95
const settings = {
  duration: positiveNumber('BENCH_DURATION', 10),
  warmup: nonNegativeNumber('BENCH_WARMUP', 2),
  connections: positiveInteger('BENCH_CONNECTIONS', 10),
  rounds: positiveInteger('BENCH_ROUNDS', 3),
  routes: positiveInteger('BENCH_ROUTES', 10_000),
}
const OUTPUT = outputPath('bench/results/routes.json')
const SERVICES = Math.max(1, Math.floor(settings.routes / 6))
const LAST = SERVICES - 1
const TARGET_ROUTE = `GET /v2/svc${LAST}/{id}/items/{itemId}`
const PATH = `/v2/svc${LAST}/abc123/items/42`

/** Six routes per service; the target route is the last service's, so it is added last of its kind. */
function routeTable() {
  const keys = []
  for (let n = 0; n < SERVICES; n++) {
    keys.push(
      `GET /v2/svc${n}`,
      `POST /v2/svc${n}`,
      `GET /v2/svc${n}/{id}`,
      `ANY /v2/svc${n}/{proxy+}`,
      `GET /{tenant}/svc${n}/health`,
      `GET /v2/svc${n}/{id}/items/{itemId}`
    )
  }
  // Round up to exactly BENCH_ROUTES with extra literal routes of the first service.
  for (let i = 0; keys.length < settings.routes; i++) keys.unshift(`GET /v2/svc0/reports/r${i}`)
  return keys
}

function config(name, keys) {
  return derivedConfig(
    name,
    (doc) => {
      const api = doc.apis[0]
      const target = api.routes[0].target
      api.routes = keys.map((routeKey) => ({ routeKey, target }))
      if (keys.length > 300) doc.serviceQuotas = { routesPerApi: keys.length }
    },
    'bench/routes.mjs'
  )
}

const SCENARIOS = [
  { name: 'routes-1', description: `one route, ${TARGET_ROUTE}`, keys: () => [TARGET_ROUTE] },
  { name: `routes-${settings.routes}`, description: `${settings.routes} routes of six shapes; ${TARGET_ROUTE} added last`, keys: routeTable, greedyCheck: true },
]

installShutdownHandlers(removeTmpDir)

async function main() {
  requireBuild('bench:routes')
  const machine = machineInfo()
  console.log(`Gatehouse routes benchmark: ${describeMachine(machine)}`)
  console.log(
    `${settings.warmup}s warm-up + ${settings.duration}s measured per scenario, ${settings.connections} connections, ` +
      `${settings.rounds} round(s), GET ${PATH} on 127.0.0.1\n`
  )
  for (const s of SCENARIOS) s.file = config(s.name, s.keys())
  const router = await routerOnly()
  const runs = await runRounds(SCENARIOS, settings.rounds, runScenario)
  if (runs === undefined) return
  const results = SCENARIOS.map((s) => {
    const mine = runs.filter((r) => r.name === s.name)
    const { round: _r, ...median } = medianBy(mine, (r) => r.rps)
    return mine.length > 1 ? { ...median, roundsRps: mine.map((r) => r.rps) } : median
  })
  const [one, many] = results
  const value = one.rps > 0 ? round(many.rps / one.rps, 4) : null
  const rounds = perRound(runs, settings.rounds, many.name, one.name, (x) => x, (n, d) => (d.rps > 0 ? round(n.rps / d.rps, 4) : undefined))
  const cpuRatio = one.serverCpuUsPerRequest && many.serverCpuUsPerRequest ? round(many.serverCpuUsPerRequest / one.serverCpuUsPerRequest, 4) : null

  console.log('')
  if (settings.rounds > 1) console.log(`median of ${settings.rounds} rounds per scenario:`)
  printRequestTable(results, { rpsHeader: 'rps (mean)', loadHeader: 'autocannon CPU' })
  console.log('')
  const verdict = value === null ? 'n/a' : value >= TARGET ? 'TARGET MET' : 'TARGET MISSED'
  console.log(
    `ratio ${many.name}/${one.name}  rps ${value === null ? 'n/a' : value.toFixed(3) + 'x'}   target >= ${TARGET}x   ${verdict}` +
      perRoundText(rounds, (x) => x.toFixed(3) + 'x')
  )
  if (cpuRatio !== null) console.log(`server CPU per request ${many.name}/${one.name}: ${cpuRatio.toFixed(3)}x (lower is better; steadier than rps on a shared machine)`)
  warnDisturbedRuns(runs, settings.rounds > 1 ? ' (per-round ratios marked *)' : '')
  warnFailing(runs.filter(hasProblems), (r) => r.name, 'rps')
  writeReport(OUTPUT, {
    ...reportHead(machine, settings, PATH, { routes: settings.routes, targetRoute: TARGET_ROUTE }),
    scenarios: results,
    ...(settings.rounds > 1 ? { rounds: runs } : {}),
    ratio: { name: `${many.name}/${one.name}`, value, target: TARGET, targetMet: value === null ? null : value >= TARGET, ...rounds },
    serverCpuPerRequestRatio: cpuRatio,
    routerOnly: router,
  })
}

/**
 * The router alone, in this process: the compiled matcher (build/src/routing) of each table,
 * matching the request's path segments, in interleaved batches. CPU-bound and short, so far less
 * exposed to a shared machine than the rps figures: it bounds what the table's size can cost.
 */
async function routerOnly() {
  const { Router, parseRouteKey, pathSegments } = await import(join(ROOT, 'build/src/routing/index.js'))
  const build = (keys) => new Router(keys.map((k, i) => ({ key: parseRouteKey(k).value, route: i })))
  const tables = SCENARIOS.map((s) => ({ name: s.name, router: build(s.keys()), best: Infinity }))
  const segments = pathSegments(PATH)
  const BATCH = 200_000
  let sink = 0
  for (let round = 0; round < 7; round++) {
    for (const t of tables) {
      const start = process.hrtime.bigint()
      for (let i = 0; i < BATCH; i++) sink += t.router.match('GET', segments).pathParameters === null ? 0 : 1
      // The fastest batch: the one least disturbed by other processes.
      t.best = Math.min(t.best, Number(process.hrtime.bigint() - start) / BATCH)
    }
  }
  if (sink === 0) throw new Error('router: the request matched no route')
  const [one, many] = tables
  console.log(
    `router alone (build/src/routing, fastest of 7 batches of ${BATCH}): ${one.name} ${one.best.toFixed(0)} ns per match, ` +
      `${many.name} ${many.best.toFixed(0)} ns per match (path segments and parameters included)\n`
  )
  return Object.fromEntries(tables.map((t) => [t.name, { nsPerMatch: round(t.best, 1) }]))
}

async function runScenario(scenario) {
  console.log(`[${scenario.name}] starting: ${scenario.description}`)
  const server = await startServer(scenario.name, [...SERVER_NODE_ARGS, join(ROOT, 'bin/gatehouse.js'), 'serve', scenario.file, ...GATEWAY_FLAGS])
  try {
    const url = server.url + PATH
    await checkResponse(scenario.name, url)
    if (scenario.greedyCheck) await checkResponse(`${scenario.name} (greedy route)`, server.url + '/v2/svc0/x/y/z')
    const opts = { connections: settings.connections }
    if (settings.warmup > 0) await load(url, settings.warmup, opts)
    if (session.interrupted) return undefined
    console.log(`[${scenario.name}] measuring for ${settings.duration}s`)
    const { result, latencyUs, cpuSeconds, serverCores, selfCores, machine } = await measured([server.child.pid], () =>
      load(url, settings.duration, { ...opts, measure: true })
    )
    if (session.interrupted) return undefined
    const summary = {
      name: scenario.name,
      description: scenario.description,
      rps: round(result.requests.mean, 1),
      requests: result.requests.total,
      durationSeconds: result.duration,
      ...responseFigures(result, latencyUs),
      serverCpuCores: serverCores === null ? null : round(serverCores, 2),
      serverCpuUsPerRequest: cpuSeconds[0] === null || result.requests.total === 0 ? null : round((cpuSeconds[0] * 1e6) / result.requests.total, 1),
      loadGeneratorCpuCores: round(selfCores, 2),
      serverRssMiB: round(rssBytes(server.child.pid) / 2 ** 20, 1),
      machine,
    }
    warnIfDisturbed(`[${scenario.name}]`, summary)
    console.log(
      `[${scenario.name}] ${summary.rps} req/s, ${summary.serverCpuUsPerRequest} µs server CPU per request, p99 ${summary.latencyMs.p99} ms, ` +
        `server RSS ${summary.serverRssMiB} MiB` + problemsText(summary, ',')
    )
    return summary
  } finally {
    await stopServers(scenario.name, [{ role: 'server', server }])
  }
}

function rssBytes(pid) {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m === null ? NaN : Number(m[1]) * 1024
}

runMain(main, removeTmpDir)
