#!/usr/bin/env node
// `npm run bench:proxy`: what an HTTP_PROXY integration costs (issue 3's target), on loopback.
//
//   1. upstream-direct  bench/fixtures/bare-server.mjs (node:http), called directly
//   2. gateway-proxy    the same bare server as the upstream, behind
//                       node bin/gatehouse.js serve <derived config>, one route GET /hello ->
//                       HTTP_PROXY GET http://127.0.0.1:<upstream port>/hello, payload 1.0
//                       (account throttle raised as in bench/fixtures/gatehouse.yaml, no access log)
//   3. undici-proxy     the same bare server as the upstream, behind bench/fixtures/undici-proxy.mjs:
//                       a minimal hand-written proxy on undici's Agent.dispatch (issue 16, target 3:
//                       gateway-proxy at least 1.0x its rps)
//
// The gateway-proxy config is derived from bench/fixtures/gatehouse.yaml (its functions dropped,
// its one route pointed at the upstream) and written to a temporary directory removed on exit.
//
// "Both on one core": on a machine with 2 or more CPUs and `taskset`, the server processes (the
// upstream, and in gateway-proxy the gateway too) run on CPU 1 (`taskset -c 1 node ...`) and this
// process, the load generator, on CPU 0 (`taskset -apc 0 <own pid>`, all its threads), so the
// gateway and its upstream share one core and never take the load generator's. It prints whether
// it could pin; BENCH_PIN=0 turns pinning off.
//
// Per scenario: a warm-up (discarded), then two measurements of GET /hello:
//   max    autocannon with BENCH_CONNECTIONS connections as fast as they go: rps, p50, p99
//   paced  autocannon with overallRate BENCH_PACED_RATE (requests per second over all the
//          connections): p50, p99, max
// Latencies come from every 2xx response's own timing (microsecond resolution). Scenarios run
// BENCH_ROUNDS times, interleaved, each round starting one scenario later; each scenario is
// summarised by its median-rps round (max) and its median-p99 round (paced). Prints tables, the
// rps ratio gateway-proxy/upstream-direct (target >= 0.25x), the rps ratio
// gateway-proxy/undici-proxy (issue 16's target >= 1.0x) and the paced p99 delta
// gateway-proxy - upstream-direct (target <= +1 ms), and writes bench/results/proxy-latest.json.
// With the defaults a run takes about 3 min 15 s.
//
// Never fails on the figures (exit 0 even when a target is missed); exits 1 only when a
// scenario cannot run at all (a server does not start or answers the wrong response).
//
// Environment:
//   BENCH_DURATION      seconds per measurement (max and paced each)  (default 8)
//   BENCH_WARMUP        seconds of warm-up per scenario               (default 2)
//   BENCH_CONNECTIONS   concurrent connections                        (default 10)
//   BENCH_PACED_RATE    requests per second of the paced measurement  (default 1000)
//   BENCH_ROUNDS        rounds, interleaved with rotated order        (default 3)
//   BENCH_PIN           0 to run without CPU pinning                  (default: pin when possible)
//   BENCH_OUTPUT        where to write the JSON results  (default bench/results/proxy-latest.json)
//   BENCH_SERVER_NODE_ARGS  extra node flags for the server children (upstream and gateway)
//   BENCH_BASELINE_GATEHOUSE  a second gateway entry point, run as a fourth scenario (baseline-proxy)
//                       beside gateway-proxy, for a before/after in one run
//   BENCH_GATEHOUSE     the gateway's entry point (default bin/gatehouse.js), e.g. the bin/gatehouse.js
//                       of a patched copy of bin/ + build/ in /tmp, to compare builds
import { join, relative, resolve } from 'node:path'
import { derivedConfig, GATEWAY_FLAGS, removeTmpDir } from './lib/configs.mjs'
import { GATEHOUSE, logGatehouse, nonNegativeNumber, outputPath, positiveInteger, positiveNumber, requireBuild, requireGatehouse, SERVER_NODE_ARGS } from './lib/env.mjs'
import { checkResponse, load, measured } from './lib/load.mjs'
import { describeMachine, machineInfo, noiseOf } from './lib/machine.mjs'
import { FIXTURES, ROOT } from './lib/paths.mjs'
import { pin, LOAD_GENERATOR_CPU as BENCH_CPU, SERVER_CPU } from './lib/pinning.mjs'
import { installShutdownHandlers, runMain, session, startServer, stopServers } from './lib/processes.mjs'
import { accountThrottle, hasProblems, problemsText, reportHead, responseFigures, warnDisturbedRuns, warnFailing, warnIfDisturbed, writeReport } from './lib/report.mjs'
import { medianBy, perRound, perRoundText, runRounds } from './lib/rounds.mjs'
import { delay, printColumns, round } from './lib/util.mjs'

const PATH = '/hello'
const RATIO_TARGET = 0.25
/** Issue 16, target 3: the gateway's proxy at least as fast as a hand-written undici one. */
const UNDICI_RATIO_TARGET = 1.0
const P99_DELTA_TARGET_MS = 1

const settings = {
  duration: positiveNumber('BENCH_DURATION', 8),
  warmup: nonNegativeNumber('BENCH_WARMUP', 2),
  connections: positiveInteger('BENCH_CONNECTIONS', 10),
  pacedRate: positiveInteger('BENCH_PACED_RATE', 1000),
  rounds: positiveInteger('BENCH_ROUNDS', 3),
}
const OUTPUT = outputPath('bench/results/proxy-latest.json')
/** After each load run, how long the servers get to finish the requests autocannon abandoned. */
const SETTLE_MS = 300

/** The CPU the servers run on (from pin()), or undefined when not pinned. */
let serverCpu

const SCENARIOS = [
  {
    name: 'upstream-direct',
    description: 'bench/fixtures/bare-server.mjs (node:http), called directly',
    async start(servers) {
      const upstream = await startUpstream('upstream-direct', servers)
      return upstream.url + PATH
    },
  },
  {
    name: 'gateway-proxy',
    description:
      'Gatehouse, GET /hello -> HTTP_PROXY GET to the same bare server (payload 1.0); access log off, account throttle 1e6 rps',
    start: (servers) => startGatewayProxy('gateway-proxy', GATEHOUSE, servers),
  },
  {
    name: 'undici-proxy',
    description: 'bench/fixtures/undici-proxy.mjs: a minimal hand-written undici dispatch proxy to the same bare server',
    async start(servers) {
      const upstream = await startUpstream('undici-proxy', servers)
      // Role 'gateway' so that its CPU shows in the gateway column, beside the gateway's own.
      const proxy = await startServer('undici-proxy proxy', [...SERVER_NODE_ARGS, join(FIXTURES, 'undici-proxy.mjs'), upstream.url], { cpu: serverCpu })
      servers.push({ role: 'gateway', server: proxy })
      await checkResponse('undici-proxy', proxy.url + PATH)
      return proxy.url + PATH
    },
  },
]

// BENCH_BASELINE_GATEHOUSE: the same scenario with another build, for a before/after in one run.
if (process.env.BENCH_BASELINE_GATEHOUSE) {
  const baseline = resolve(process.env.BENCH_BASELINE_GATEHOUSE)
  SCENARIOS.push({
    name: 'baseline-proxy',
    description: `gateway-proxy with ${baseline} (BENCH_BASELINE_GATEHOUSE)`,
    start: (servers) => startGatewayProxy('baseline-proxy', baseline, servers),
  })
}

/** The gateway-proxy scenario with the gateway at `gatehouse` (an entry point like bin/gatehouse.js). */
async function startGatewayProxy(name, gatehouse, servers) {
  const upstream = await startUpstream(name, servers)
  const config = derivedConfig(
    name,
    (doc) => {
      delete doc.functions
      const api = doc.apis[0]
      api.routes = [{ routeKey: `GET ${PATH}`, target: 'integrations/upstream' }]
      api.integrations = [
        {
          integrationId: 'upstream',
          integrationType: 'HTTP_PROXY',
          integrationMethod: 'GET',
          integrationUri: upstream.url + PATH,
          payloadFormatVersion: '1.0',
        },
      ]
    },
    'bench/proxy.mjs'
  )
  const gateway = await startServer(
    `${name} gateway`,
    [...SERVER_NODE_ARGS, gatehouse, 'serve', config, ...GATEWAY_FLAGS],
    { cpu: serverCpu }
  )
  servers.push({ role: 'gateway', server: gateway })
  await checkResponse(name, gateway.url + PATH)
  return gateway.url + PATH
}

/** Starts the bare server (pinned when pinning) and checks its response. */
async function startUpstream(name, servers) {
  const upstream = await startServer(`${name} upstream`, [...SERVER_NODE_ARGS, join(FIXTURES, 'bare-server.mjs'), '0'], { cpu: serverCpu })
  servers.push({ role: 'upstream', server: upstream })
  await checkResponse(`${name} upstream`, upstream.url + PATH)
  return upstream
}

installShutdownHandlers(removeTmpDir)

async function main() {
  requireBuild('bench:proxy')
  requireGatehouse()
  // Before pinning: afterwards availableParallelism() counts only CPU 0.
  const machine = machineInfo()
  console.log(`Gatehouse proxy benchmark: ${describeMachine(machine)}`)
  console.log(
    `${settings.warmup}s warm-up, then ${settings.duration}s at full speed and ${settings.duration}s paced at ` +
      `${settings.pacedRate} req/s per scenario, ${settings.connections} connections, GET ${PATH} on 127.0.0.1`
  )
  logGatehouse()
  const pinning = pin(machine.cpus)
  serverCpu = pinning.pinned ? pinning.serverCpu : undefined
  if (pinning.pinned) {
    console.log(
      `Pinned: servers (upstream, and gateway in gateway-proxy) on CPU ${SERVER_CPU} (taskset -c ${SERVER_CPU}), ` +
        `the load generator (this process, all threads) on CPU ${BENCH_CPU} (taskset -apc ${BENCH_CPU} ${process.pid}).\n`
    )
  } else {
    console.log(`Not pinned (${pinning.reason}): the servers and the load generator share the ${machine.cpus} CPU(s).\n`)
  }

  const runs = await runRounds(SCENARIOS, settings.rounds, runScenario)
  if (runs === undefined) return

  // Each scenario: the max figures of its median-rps round, the paced ones of its median-p99 round.
  const results = SCENARIOS.map((s) => {
    const mine = runs.filter((r) => r.name === s.name)
    const max = medianBy(mine, (r) => r.max.rps)
    const paced = medianBy(mine, (r) => r.paced.latencyMs.p99)
    return {
      name: s.name,
      description: s.description,
      max: { round: max.round, ...max.max },
      paced: { round: paced.round, ...paced.paced },
      ...(mine.length > 1 ? { roundsRps: mine.map((r) => r.max.rps), roundsPacedP99Ms: mine.map((r) => r.paced.latencyMs.p99) } : {}),
    }
  })
  const direct = results.find((r) => r.name === 'upstream-direct')
  const proxy = results.find((r) => r.name === 'gateway-proxy')
  const handWritten = results.find((r) => r.name === 'undici-proxy')

  const proxyPerRound = (pick, combine) => perRound(runs, settings.rounds, 'gateway-proxy', 'upstream-direct', pick, combine)
  const ratioValue = direct.max.rps > 0 ? round(proxy.max.rps / direct.max.rps, 4) : null
  const ratio = {
    name: 'gateway-proxy/upstream-direct',
    value: ratioValue,
    target: RATIO_TARGET,
    targetMet: ratioValue === null ? null : ratioValue >= RATIO_TARGET,
    ...proxyPerRound((x) => x.max, (p, d) => (d.rps > 0 ? round(p.rps / d.rps, 4) : null)),
  }
  const undiciValue = handWritten.max.rps > 0 ? round(proxy.max.rps / handWritten.max.rps, 4) : null
  const undiciRatio = {
    name: 'gateway-proxy/undici-proxy',
    value: undiciValue,
    target: UNDICI_RATIO_TARGET,
    targetMet: undiciValue === null ? null : undiciValue >= UNDICI_RATIO_TARGET,
    ...perRound(runs, settings.rounds, 'gateway-proxy', 'undici-proxy', (x) => x.max, (p, d) => (d.rps > 0 ? round(p.rps / d.rps, 4) : null)),
  }
  const deltaValue = round(proxy.paced.latencyMs.p99 - direct.paced.latencyMs.p99, 3)
  const pacedP99Delta = {
    name: 'gateway-proxy p99 - upstream-direct p99 (paced)',
    valueMs: deltaValue,
    targetMs: P99_DELTA_TARGET_MS,
    targetMet: deltaValue <= P99_DELTA_TARGET_MS,
    ...proxyPerRound((x) => x.paced, (p, d) => round(p.latencyMs.p99 - d.latencyMs.p99, 3)),
  }

  console.log('')
  const median = settings.rounds > 1 ? `, median of ${settings.rounds} rounds (rps)` : ''
  console.log(`max throughput (${settings.connections} connections${median}):`)
  printTable(results.map((r) => ({ name: r.name, ...r.max })), 'max')
  console.log('')
  console.log(`paced at ${settings.pacedRate} req/s${settings.rounds > 1 ? `, median of ${settings.rounds} rounds (p99)` : ''}:`)
  printTable(results.map((r) => ({ name: r.name, ...r.paced })), 'paced')
  console.log('')

  const signed = (ms) => (ms < 0 ? '-' : '+') + Math.abs(ms).toFixed(3)
  console.log(
    `ratio gateway-proxy/upstream-direct rps ${ratio.value === null ? 'n/a' : ratio.value.toFixed(3) + 'x'} target >= ${RATIO_TARGET}x ` +
      `${ratio.value === null ? 'n/a' : ratio.targetMet ? 'TARGET MET' : 'TARGET MISSED'}` +
      perRoundText(ratio, (v) => v.toFixed(3) + 'x')
  )
  console.log(
    `ratio gateway-proxy/undici-proxy rps ${undiciRatio.value === null ? 'n/a' : undiciRatio.value.toFixed(3) + 'x'} target >= ${UNDICI_RATIO_TARGET}x ` +
      `${undiciRatio.value === null ? 'n/a' : undiciRatio.targetMet ? 'TARGET MET' : 'TARGET MISSED'}` +
      perRoundText(undiciRatio, (v) => v.toFixed(3) + 'x')
  )
  const baselineProxy = results.find((r) => r.name === 'baseline-proxy')
  if (baselineProxy !== undefined) {
    console.log(
      `ratio gateway-proxy/baseline-proxy rps ${baselineProxy.max.rps > 0 ? (proxy.max.rps / baselineProxy.max.rps).toFixed(3) + 'x' : 'n/a'}; ` +
        `gateway CPU per request ${proxy.max.processes.gateway?.cpuUsPerRequest ?? 'n/a'} µs against ${baselineProxy.max.processes.gateway?.cpuUsPerRequest ?? 'n/a'} µs (baseline), ` +
        `${handWritten.max.processes.gateway?.cpuUsPerRequest ?? 'n/a'} µs (undici-proxy)`
    )
  }
  console.log(
    `paced p99 delta: ${signed(deltaValue)} ms (gateway-proxy p99 - upstream-direct p99) target <= +${P99_DELTA_TARGET_MS} ms ` +
      `${pacedP99Delta.targetMet ? 'MET' : 'MISSED'}` +
      perRoundText(pacedP99Delta, (v) => signed(v) + ' ms')
  )
  const cpuLine = (label, r) => {
    const up = r.processes.upstream?.cpuUsPerRequest
    const gw = r.processes.gateway?.cpuUsPerRequest
    return `${label}: gateway ${gw ?? 'n/a'} µs + upstream ${up ?? 'n/a'} µs per proxied request`
  }
  console.log(
    `server CPU per request: upstream-direct ${direct.max.processes.upstream.cpuUsPerRequest ?? 'n/a'} µs (max), ` +
      `${direct.paced.processes.upstream.cpuUsPerRequest ?? 'n/a'} µs (paced); ` +
      `${cpuLine('gateway-proxy max', proxy.max)}, ${cpuLine('paced', proxy.paced)}`
  )

  warnDisturbedRuns(runs.flatMap((r) => [r.max, r.paced]), settings.rounds > 1 ? ' (per-round figures marked *)' : '')
  const failing = runs.flatMap((r) =>
    ['max', 'paced'].filter((k) => hasProblems(r[k])).map((k) => ({ ...r[k], name: r.name, round: r.round, kind: k }))
  )
  warnFailing(failing, (r) => `${r.name} ${r.kind}`, 'figures')
  const slow = runs.filter((r) => r.paced.rps < settings.pacedRate * 0.95)
  if (slow.length > 0) {
    console.log(
      `WARNING: the paced run fell short of ${settings.pacedRate} req/s in ${slow.map((r) => `${r.name} round ${r.round} (${r.paced.rps})`).join(', ')}`
    )
  }

  const report = {
    // Its commit is the checkout's; with BENCH_GATEHOUSE the gateway ran from settings.gatehouse instead.
    ...reportHead(machine, settings, PATH, {
      gatehouse: relative(ROOT, GATEHOUSE),
      scenarios: SCENARIOS.map((s) => s.name),
      pinning,
      accountThrottle: accountThrottle(),
      summary: 'max: median-rps round per scenario; paced: median-p99 round per scenario',
    }),
    scenarios: results,
    ...(settings.rounds > 1 ? { rounds: runs } : {}),
    ratio,
    undiciRatio,
    pacedP99Delta,
  }
  writeReport(OUTPUT, report)
}

async function runScenario(scenario) {
  console.log(`[${scenario.name}] starting: ${scenario.description}`)
  /** Started servers with their roles, in start order; all stopped (in reverse) when the scenario ends. */
  const servers = []
  let summary
  try {
    const url = await scenario.start(servers)
    if (settings.warmup > 0) {
      console.log(`[${scenario.name}] warming up for ${settings.warmup}s at ${url}`)
      await load(url, settings.warmup, { connections: settings.connections })
      await assertRunning(scenario, servers, 'warm-up')
    }
    if (session.interrupted) return undefined
    console.log(`[${scenario.name}] measuring for ${settings.duration}s at full speed`)
    const max = await measure(scenario, servers, url, 'max', {})
    if (session.interrupted) return undefined
    await assertRunning(scenario, servers, 'full-speed measurement')
    console.log(`[${scenario.name}] measuring for ${settings.duration}s paced at ${settings.pacedRate} req/s`)
    const paced = await measure(scenario, servers, url, 'paced', { overallRate: settings.pacedRate })
    if (session.interrupted) return undefined
    await assertRunning(scenario, servers, 'paced measurement')
    summary = { name: scenario.name, max, paced }
  } finally {
    await stopServers(scenario.name, servers)
  }
  return summary
}

/**
 * A server that died under load leaves the scenario without figures: the bench stops with its
 * stderr (exit 1). autocannon closes its connections with requests in flight when a run ends, so
 * a server that mishandles that dies a few milliseconds after the run: wait SETTLE_MS first.
 */
async function assertRunning(scenario, servers, phase) {
  await delay(SETTLE_MS)
  const dead = servers.find(({ server }) => server.child.exitCode !== null || server.child.signalCode !== null)
  if (dead === undefined) return
  const { code, signal } = { code: dead.server.child.exitCode, signal: dead.server.child.signalCode }
  throw new Error(
    `[${scenario.name}] the ${dead.role} exited (${signal ?? 'code ' + code}) during or at the end of the ${phase}; ` +
      'the scenario cannot run (its stderr is above)'
  )
}

/** One measured autocannon run against `url`, with the CPU of each server process. */
async function measure(scenario, servers, url, kind, options) {
  const { result, latencyUs, cpuSeconds, serverCores, selfCores, machine, wall } = await measured(
    servers.map((s) => s.server.child.pid),
    () => load(url, settings.duration, { connections: settings.connections, measure: true, ...options })
  )
  const requests = result.requests.total
  const perRequest = (seconds) => (seconds === null || requests === 0 ? null : round((seconds * 1e6) / requests, 1))
  const total = cpuSeconds.includes(null) ? null : cpuSeconds.reduce((a, b) => a + b, 0)
  const summary = {
    rps: round(result.requests.mean, 1),
    requests,
    durationSeconds: result.duration,
    ...responseFigures(result, latencyUs, [50, 90, 99]),
    // CPU of all the server processes during the measured run, in cores, and per request in µs.
    serverCpuCores: serverCores === null ? null : round(serverCores, 2),
    serverCpuUsPerRequest: perRequest(total),
    // The same per server process (upstream, gateway).
    processes: Object.fromEntries(
      servers.map((s, i) => [
        s.role,
        { cpuCores: cpuSeconds[i] === null ? null : round(cpuSeconds[i] / wall, 2), cpuUsPerRequest: perRequest(cpuSeconds[i]) },
      ])
    ),
    loadGeneratorCpuCores: round(selfCores, 2),
    machine,
  }
  const label = `[${scenario.name}] ${kind}:`
  warnIfDisturbed(label, summary)
  const cpu = Object.entries(summary.processes).map(([role, p]) => `${role} ${p.cpuUsPerRequest ?? 'n/a'} µs`).join(', ')
  console.log(
    `${label} ${summary.rps} req/s, p50 ${summary.latencyMs.p50} ms, p99 ${summary.latencyMs.p99} ms, max ${summary.latencyMs.max} ms; ` +
      `CPU/request ${cpu}` +
      problemsText(summary, ';')
  )
  return summary
}

function printTable(rows, kind) {
  const cpu = (p) => (p === undefined ? '-' : p.cpuUsPerRequest === null ? 'n/a' : `${p.cpuUsPerRequest.toFixed(0)} µs`)
  const header =
    kind === 'max'
      ? ['scenario', 'rps (mean)', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'server CPU', 'CPU/request', 'gateway', 'upstream', 'autocannon CPU', 'other+steal']
      : ['scenario', 'rps (mean)', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'non-2xx', 'server CPU', 'CPU/request', 'gateway', 'upstream', 'other+steal']
  printColumns([
    header,
    ...rows.map((r) => [
      r.name,
      r.rps.toFixed(0),
      r.latencyMs.p50.toFixed(3),
      r.latencyMs.p99.toFixed(3),
      ...(kind === 'paced' ? [r.latencyMs.max.toFixed(3)] : []),
      String(r.errors + r.timeouts),
      String(r.non2xx),
      r.serverCpuCores === null ? 'n/a' : `${r.serverCpuCores.toFixed(2)} cores`,
      r.serverCpuUsPerRequest === null ? 'n/a' : `${r.serverCpuUsPerRequest.toFixed(0)} µs`,
      cpu(r.processes.gateway),
      cpu(r.processes.upstream),
      ...(kind === 'max' ? [`${r.loadGeneratorCpuCores.toFixed(2)} cores`] : []),
      r.machine.otherCores === null ? 'n/a' : `${noiseOf(r).toFixed(2)} cores`,
    ]),
  ])
}

runMain(main, removeTmpDir)
