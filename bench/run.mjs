#!/usr/bin/env node
// `npm run bench`: the gateway against a bare node:http server, and the gateway with an access log,
// with throttling and with a JWT authorizer against the plain gateway, one after the other, on loopback.
//
//   1. bare              bench/fixtures/bare-server.mjs (node:http, same body and content-type)
//   2. gateway           node bin/gatehouse.js serve bench/fixtures/gatehouse.yaml, GET /hello invoking
//                        the trivial payload 2.0 handler bench/fixtures/hello.mjs in a worker-thread
//                        environment (account-level throttle raised far above the load: see the YAML)
//   3. gateway-log       the same config plus a stage access log in the JSON format of spec 9.2,
//                        written to a file in a temporary directory
//   4. gateway-throttle  the same config plus stage defaultRouteSettings throttling at 1e6 rps /
//                        burst 1e6, far above the load
//   5. gateway-jwt       the same config with the route behind a JWT authorizer (RS256, keys given
//                        inline, no discovery); every request carries a valid token
//   6. gateway-full      the full pipeline (issue 16, target 2): the JWT authorizer of 5, the stage
//                        throttle of 4 and the access log of 3 on the same route, all at once
//   (gateway-unthrottled, only when named in BENCH_SCENARIOS: throttleSettings: false, no layer at all)
//
// Scenarios 3 to 6 (and the optional one) run copies of bench/fixtures/gatehouse.yaml with their
// settings added, written to a temporary directory that is removed when the bench ends; the same
// route, integration and handler file serve all of them.
//
// Each server runs in its own child process on 127.0.0.1 (port 0); autocannon runs here, in this
// process. "The server pinned to one core and the load generator on the other" (issue 16): on a
// machine with 2 or more CPUs and `taskset`, every scenario's server (bare and gateway alike: the
// gateway's main thread, its environments' threads and its libuv threads) runs on CPU 1
// (`taskset -c 1 node ...`) and this process, all its threads, on CPU 0 (`taskset -apc 0 <pid>`),
// so that neither takes the other's core. It prints whether it could pin; BENCH_PIN=0 turns it off
// (then the load generator and the server compete for the same cores).
// Per scenario: a warm-up (discarded), then a timed measurement. Prints a table and the ratios
// (gateway/bare, gateway-log/gateway, gateway-throttle/gateway, gateway-jwt/gateway, gateway-full/gateway)
// against their targets, and writes bench/results/latest.json. With the defaults a run takes about 70 s.
//
// Never fails on the figures (exit 0 even when a target is missed); exits 1 only when a
// scenario cannot run at all (a server does not start, answers the wrong response, or the
// gateway-log or gateway-full scenario writes no access log).
//
// Environment:
//   BENCH_DURATION      seconds measured per scenario        (default 10)
//   BENCH_WARMUP        seconds of warm-up per scenario      (default 2)
//   BENCH_CONNECTIONS   concurrent connections               (default 10)
//   BENCH_PIPELINING    requests in flight per connection    (default 1)
//   BENCH_ROUNDS        run all the scenarios this many times, interleaved (each round starts one
//                       scenario later), and report the median-rps round of each (default 1)
//   BENCH_SCENARIOS     comma-separated subset of bare,gateway,gateway-log,gateway-throttle,gateway-jwt,
//                       gateway-full (default all six), may add gateway-unthrottled
//   BENCH_OUTPUT        where to write the JSON results      (default bench/results/latest.json,
//                       written only when all the default scenarios ran)
//   BENCH_BASELINE_GATEHOUSE  a second gateway entry point (e.g. /tmp/base/bin/gatehouse.js of an
//                       earlier build): gateway and gateway-full run again with it, as baseline-gateway
//                       and baseline-full, in the same rounds, with their ratios printed
//   BENCH_PIN           0 to run without CPU pinning         (default: pin when possible)
//   BENCH_SERVER_NODE_ARGS  extra node flags for the server children, e.g.
//                       "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them
import { existsSync, readFileSync, statSync, unlinkSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { derivedConfig, ensureTmpDir, GATEWAY_FLAGS, removeTmpDir } from './lib/configs.mjs'
import { fatal, nonNegativeNumber, outputPath, positiveInteger, positiveNumber, requireBuild, SERVER_NODE_ARGS } from './lib/env.mjs'
import { checkResponse, load as autocannonLoad, measured } from './lib/load.mjs'
import { describeMachine, machineInfo } from './lib/machine.mjs'
import { pin } from './lib/pinning.mjs'
import { FIXTURES, GATEWAY_CONFIG, ROOT } from './lib/paths.mjs'
import { installShutdownHandlers, runMain, session, startServer, stopServers } from './lib/processes.mjs'
import { accountThrottle, hasProblems, printRequestTable, problemsText, reportHead, responseFigures, warnDisturbedRuns, warnFailing, warnIfDisturbed, writeReport } from './lib/report.mjs'
import { medianBy, perRound, perRoundText, runRounds } from './lib/rounds.mjs'
import { ACCESS_LOG_JSON_FORMAT, addJwtAuthorizer, benchJwt, STAGE_THROTTLE } from './lib/stage-features.mjs'
import { round } from './lib/util.mjs'

const PATH = '/hello'
const settings = {
  duration: positiveNumber('BENCH_DURATION', 10),
  warmup: nonNegativeNumber('BENCH_WARMUP', 2),
  connections: positiveInteger('BENCH_CONNECTIONS', 10),
  pipelining: positiveInteger('BENCH_PIPELINING', 1),
  rounds: positiveInteger('BENCH_ROUNDS', 1),
}
const OUTPUT = outputPath('bench/results/latest.json')

// The gateway-jwt scenario's key pair and one valid token (an hour long), made fresh per run.
const jwt = await benchJwt()

const SCENARIOS = [
  {
    name: 'bare',
    description: 'bare node:http server, same body and content-type',
    args: () => [join(FIXTURES, 'bare-server.mjs'), '0'],
  },
  {
    name: 'gateway',
    description: 'Gatehouse, GET /hello -> payload 2.0 Lambda proxy (worker-thread environment); access log off, account throttle 1e6 rps',
    args: () => [join(ROOT, 'bin/gatehouse.js'), 'serve', GATEWAY_CONFIG, ...GATEWAY_FLAGS],
  },
  {
    name: 'gateway-log',
    description: 'as gateway, plus stage accessLogSettings: the JSON format of spec 9.2, to a file',
    args: () => [join(ROOT, 'bin/gatehouse.js'), 'serve', derivedConfig('gateway-log', (_doc, stage) => {
      stage.accessLogSettings = { format: ACCESS_LOG_JSON_FORMAT, destination: accessLogFile() }
    }), ...GATEWAY_FLAGS],
    afterStop: checkAccessLog,
  },
  {
    name: 'gateway-throttle',
    description: 'as gateway, plus stage defaultRouteSettings throttling at 1e6 rps, burst 1e6',
    args: () => [join(ROOT, 'bin/gatehouse.js'), 'serve', derivedConfig('gateway-throttle', (_doc, stage) => {
      stage.defaultRouteSettings = { ...STAGE_THROTTLE }
    }), ...GATEWAY_FLAGS],
  },
  {
    name: 'gateway-jwt',
    description: 'as gateway, with the route behind a JWT authorizer (RS256, keys given inline); every request carries a valid token',
    headers: () => ({ authorization: `Bearer ${jwt.token}` }),
    args: () => [join(ROOT, 'bin/gatehouse.js'), 'serve', derivedConfig('gateway-jwt', (doc) => addJwtAuthorizer(doc, jwt.publicJwk)), ...GATEWAY_FLAGS],
  },
  {
    // Issue 16 target 2: every stage feature at once on the same route and handler.
    name: 'gateway-full',
    description: 'as gateway, with the JWT authorizer of gateway-jwt, the stage throttle of gateway-throttle and the JSON access log of gateway-log, all at once',
    headers: () => ({ authorization: `Bearer ${jwt.token}` }),
    args: () => [join(ROOT, 'bin/gatehouse.js'), 'serve', derivedConfig('gateway-full', (doc, stage) => {
      addJwtAuthorizer(doc, jwt.publicJwk)
      stage.defaultRouteSettings = { ...STAGE_THROTTLE }
      stage.accessLogSettings = { format: ACCESS_LOG_JSON_FORMAT, destination: accessLogFile() }
    }), ...GATEWAY_FLAGS],
    afterStop: (summary) => checkAccessLog(summary, 'gateway-full'),
  },
  {
    // Not in the default run: what the account-level bucket alone costs.
    name: 'gateway-unthrottled',
    optional: true,
    description: 'as gateway, with throttleSettings: false (no throttle layer at all)',
    args: () => [join(ROOT, 'bin/gatehouse.js'), 'serve', derivedConfig('gateway-unthrottled', (doc) => {
      doc.throttleSettings = false
    }), ...GATEWAY_FLAGS],
  },
]
// BENCH_BASELINE_GATEHOUSE: gateway and gateway-full again with another build (baseline-gateway,
// baseline-full), run in the same rounds, for a before/after in one run on a shared machine.
const BASELINE = process.env.BENCH_BASELINE_GATEHOUSE ? resolve(process.env.BENCH_BASELINE_GATEHOUSE) : null
if (BASELINE !== null) {
  for (const name of ['gateway', 'gateway-full']) {
    const of = SCENARIOS.find((s) => s.name === name)
    SCENARIOS.push({
      ...of,
      name: name === 'gateway' ? 'baseline-gateway' : 'baseline-full',
      optional: true,
      description: `${name} with ${BASELINE} (BENCH_BASELINE_GATEHOUSE)`,
      args: () => [BASELINE, ...of.args().slice(1)],
      ...(of.afterStop ? { afterStop: (summary) => checkAccessLog(summary, 'gateway-full') } : {}),
    })
  }
}

/** Ratios of rps (median rounds), each against its target (issues 1, 5 and 16). */
const RATIOS = [
  { name: 'gateway/bare', numerator: 'gateway', denominator: 'bare', target: 0.4 },
  { name: 'gateway-log/gateway', numerator: 'gateway-log', denominator: 'gateway', target: 0.9 },
  { name: 'gateway-throttle/gateway', numerator: 'gateway-throttle', denominator: 'gateway', target: 0.95 },
  { name: 'gateway-jwt/gateway', numerator: 'gateway-jwt', denominator: 'gateway', target: 0.8 },
  { name: 'gateway-full/gateway', numerator: 'gateway-full', denominator: 'gateway', target: 0.95 },
  { name: 'gateway/gateway-unthrottled', numerator: 'gateway', denominator: 'gateway-unthrottled', target: null },
  // With BENCH_BASELINE_GATEHOUSE: the same ratio for the baseline build, and each build against the other.
  { name: 'baseline-full/baseline-gateway', numerator: 'baseline-full', denominator: 'baseline-gateway', target: null },
  { name: 'gateway/baseline-gateway', numerator: 'gateway', denominator: 'baseline-gateway', target: null },
  { name: 'gateway-full/baseline-full', numerator: 'gateway-full', denominator: 'baseline-full', target: null },
]
const DEFAULT_SCENARIOS = SCENARIOS.filter((s) => !s.optional).map((s) => s.name)
const selected = (process.env.BENCH_SCENARIOS ?? DEFAULT_SCENARIOS.join(',')).split(',').map((s) => s.trim()).filter(Boolean)
// A baseline build runs beside each of gateway and gateway-full that is selected.
if (BASELINE !== null) for (const name of ['gateway', 'gateway-full']) if (selected.includes(name)) selected.push(`baseline-${name === 'gateway' ? 'gateway' : 'full'}`)
for (const name of selected) {
  if (!SCENARIOS.some((s) => s.name === name)) fatal(`BENCH_SCENARIOS: unknown scenario "${name}" (${SCENARIOS.map((s) => s.name).join(', ')})`)
}
const complete = DEFAULT_SCENARIOS.every((name) => selected.includes(name))
/** The CPU every scenario's server runs on (from pin()), or undefined when not pinned. */
let serverCpu

installShutdownHandlers(removeTmpDir)

async function main() {
  requireBuild('bench')
  // Before pinning: afterwards availableParallelism() counts only the load generator's CPU.
  const machine = machineInfo()
  console.log(`Gatehouse benchmark: ${describeMachine(machine)}`)
  console.log(
    `${settings.warmup}s warm-up + ${settings.duration}s measured per scenario, ${settings.connections} connections, ` +
      `pipelining ${settings.pipelining}, GET ${PATH} on 127.0.0.1`
  )
  const pinning = pin(machine.cpus)
  serverCpu = pinning.pinned ? pinning.serverCpu : undefined
  console.log(
    pinning.pinned
      ? `Pinned: every scenario's server on CPU ${pinning.serverCpu} (taskset -c ${pinning.serverCpu}), the load generator (autocannon, this process, all threads) on CPU ${pinning.loadGeneratorCpu}.\n`
      : `Not pinned (${pinning.reason}): the load generator (autocannon, this process) shares the ${machine.cpus} CPU(s) with the server.\n`
  )

  const scenarios = SCENARIOS.filter((s) => selected.includes(s.name))
  // Each round starts one scenario later (see runRounds).
  const runs = await runRounds(scenarios, settings.rounds, runScenario)
  if (runs === undefined) return

  // With several rounds, each scenario is summarised by its median-rps round.
  const results = scenarios.map((s) => medianRun(runs.filter((r) => r.name === s.name)))
  const byName = (list, name) => list.find((r) => r.name === name)
  const ratios = RATIOS.filter((q) => byName(results, q.numerator) && byName(results, q.denominator)).map((q) => {
    const num = byName(results, q.numerator)
    const den = byName(results, q.denominator)
    const value = den.rps > 0 ? round(num.rps / den.rps, 4) : null
    const rounds = perRound(runs, settings.rounds, q.numerator, q.denominator, (x) => x, (n, d) => (d.rps > 0 ? round(n.rps / d.rps, 4) : undefined))
    return {
      name: q.name,
      numerator: q.numerator,
      denominator: q.denominator,
      value,
      target: q.target,
      targetMet: value === null || q.target === null ? null : value >= q.target,
      ...(settings.rounds > 1 ? rounds : {}),
    }
  })

  console.log('')
  if (settings.rounds > 1) console.log(`median of ${settings.rounds} rounds per scenario:`)
  printRequestTable(results, { rpsHeader: 'rps (mean)', loadHeader: 'autocannon CPU' })
  console.log('')
  for (const q of RATIOS) {
    const ratio = ratios.find((x) => x.name === q.name)
    if (ratio === undefined) {
      if (q.target !== null) console.log(`ratio ${q.name}: n/a (needs both scenarios); target >= ${q.target}x`)
      continue
    }
    const verdict = ratio.value === null ? 'n/a' : q.target === null ? '(no target)' : ratio.targetMet ? 'TARGET MET' : 'TARGET MISSED'
    const value = (ratio.value === null ? 'n/a' : ratio.value.toFixed(3) + 'x').padStart(6)
    const target = (q.target === null ? '' : `target >= ${q.target}x`).padEnd(16)
    const rounds = perRoundText(ratio, (x) => x.toFixed(3) + 'x')
    console.log(`ratio ${q.name.padEnd(27)} rps ${value}   ${target}   ${verdict.padEnd(13)}${rounds}`.trimEnd())
  }
  warnDisturbedRuns(runs, settings.rounds > 1 ? ' (per-round ratios marked *)' : '')
  warnFailing(runs.filter(hasProblems), (r) => r.name, 'rps')

  const gatewayBare = ratios.find((x) => x.name === 'gateway/bare')
  const report = {
    ...reportHead(machine, settings, PATH, {
      scenarios: scenarios.map((s) => s.name),
      pinning,
      accountThrottle: accountThrottle(),
      accessLogFormat: ACCESS_LOG_JSON_FORMAT,
      stageThrottle: STAGE_THROTTLE,
    }),
    scenarios: results,
    ...(settings.rounds > 1 ? { rounds: runs } : {}),
    ratios,
    // Kept for comparison with earlier results: gateway/bare.
    ...(settings.rounds > 1 && gatewayBare ? { roundRatios: gatewayBare.perRound } : {}),
    ratio: gatewayBare?.value ?? null,
    target: RATIOS[0].target,
    targetMet: gatewayBare?.targetMet ?? null,
  }
  if (!complete && process.env.BENCH_OUTPUT === undefined) {
    // bench/results/latest.json is what sessions compare: a partial run must not replace it.
    console.log('\nresults not written (only part of the scenarios ran; set BENCH_OUTPUT to keep them)')
    return
  }
  writeReport(OUTPUT, report)
}

async function runScenario(scenario) {
  console.log(`[${scenario.name}] starting: ${scenario.description}`)
  const server = await startServer(scenario.name, [...SERVER_NODE_ARGS, ...scenario.args()], { cpu: serverCpu })
  let summary
  try {
    await checkResponse(scenario.name, server.url + PATH, scenario.headers?.() ?? {})
    const url = server.url + PATH
    let warmupRequests = 0
    if (settings.warmup > 0) {
      console.log(`[${scenario.name}] warming up for ${settings.warmup}s at ${url}`)
      warmupRequests = (await load(url, settings.warmup, false, scenario.headers?.() ?? {})).result.requests.total
    }
    if (session.interrupted) return undefined
    console.log(`[${scenario.name}] measuring for ${settings.duration}s`)
    const { result, latencyUs, cpuSeconds, serverCores, selfCores, machine } = await measured([server.child.pid], () =>
      load(url, settings.duration, true, scenario.headers?.() ?? {})
    )
    if (session.interrupted) return undefined
    summary = {
      name: scenario.name,
      description: scenario.description,
      rps: round(result.requests.mean, 1),
      requests: result.requests.total,
      // Every request the server answered in this scenario: the check, the warm-up and the measurement.
      requestsIncludingWarmup: 1 + warmupRequests + result.requests.total,
      durationSeconds: result.duration,
      ...responseFigures(result, latencyUs),
      throughputBytesPerSecond: round(result.throughput.mean, 0),
      // CPU used during the measured run, in cores (1.0 = one core fully busy).
      serverCpuCores: serverCores === null ? null : round(serverCores, 2),
      // Server CPU per request served, in microseconds: steadier than rps on a shared machine.
      serverCpuUsPerRequest:
        cpuSeconds[0] === null || result.requests.total === 0 ? null : round((cpuSeconds[0] * 1e6) / result.requests.total, 1),
      loadGeneratorCpuCores: round(selfCores, 2),
      machine,
    }
    warnIfDisturbed(`[${scenario.name}]`, summary)
    console.log(
      `[${scenario.name}] ${summary.rps} req/s, p50 ${summary.latencyMs.p50} ms, p99 ${summary.latencyMs.p99} ms` + problemsText(summary, ',')
    )
  } finally {
    await stopServers(scenario.name, [{ role: 'server', server }])
  }
  // After the server has stopped (and so flushed and closed its files).
  if (scenario.afterStop) summary = { ...summary, ...scenario.afterStop(summary) }
  return summary
}

function accessLogFile() {
  return join(ensureTmpDir(), 'access.log')
}

/**
 * The gateway-log scenario must really have logged: one JSON line per request served, in the
 * format asked for. Counts the lines, keeps one, and deletes the file so that the next round
 * starts with an empty one.
 */
function checkAccessLog(summary, name = 'gateway-log') {
  const file = accessLogFile()
  if (!existsSync(file)) throw new Error(`[${name}] the gateway wrote no access log at ${file}`)
  const bytes = statSync(file).size
  const text = readFileSync(file, 'utf8')
  unlinkSync(file)
  let lines = 0
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++
  const sample = text.slice(0, text.indexOf('\n'))
  let parsed
  try {
    parsed = JSON.parse(sample)
  } catch {
    throw new Error(`[${name}] the access log's first line is not JSON: ${sample}`)
  }
  if (parsed.status !== '200' || parsed.routeKey !== 'GET /hello' || !parsed.requestId) {
    throw new Error(`[${name}] unexpected access log line: ${sample}`)
  }
  // autocannon does not count responses still in flight when it stops, so the log may hold a few more.
  const expected = summary.requestsIncludingWarmup
  console.log(`[${name}] access log: ${lines} lines, ${(bytes / 2 ** 20).toFixed(1)} MiB for ${expected} requests counted by autocannon`)
  if (lines < expected) console.log(`[${name}] WARNING: ${expected - lines} access-log lines missing (dropped by a slow destination?)`)
  return { accessLog: { lines, bytes, sampleLine: sample } }
}

/** One autocannon run at this bench's settings; with `measure`, also a microsecond latency histogram of every 2xx response. */
function load(url, seconds, measure = false, headers = {}) {
  return autocannonLoad(url, seconds, { connections: settings.connections, pipelining: settings.pipelining, headers, measure })
}

/** The run with the median rps (the lower middle one for an even count). */
function medianRun(runs) {
  const { round: _round, ...median } = medianBy(runs, (r) => r.rps)
  return runs.length > 1 ? { ...median, roundsRps: runs.map((r) => r.rps) } : median
}

runMain(main, removeTmpDir)
