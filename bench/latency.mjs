#!/usr/bin/env node
// `npm run bench:latency` (issue 16, target 4): at a paced 1,000 requests per second, the Lambda
// route's p99 latency against a bare node:http server's. Target: at most 1 ms above bare.
//
//   bare      bench/fixtures/bare-server.mjs (node:http, the same body and content-type)
//   gateway   node bin/gatehouse.js serve bench/fixtures/gatehouse.yaml: GET /hello invoking the
//             trivial payload 2.0 handler bench/fixtures/hello.mjs in a worker-thread environment
//
// The load is paced, not closed-loop: this process sends request n at start + n/BENCH_RATE s
// (a 1 ms timer sends whatever has fallen due, so requests go out one or two at a time, never in
// a once-a-second burst as autocannon's overallRate does), over a pool of kept-alive connections
// (undici Pool, BENCH_CONNECTIONS) whatever the answers' pace. Latency is measured per request,
// from the moment it is handed to the pool to the end of its body, in microseconds. A request
// still unanswered 5 s after the last one was sent counts as a timeout (and the run's latency
// figures then say n/a: a server that cannot keep up has no meaningful p99).
//
// Scenarios run in interleaved rounds (default 3); the report holds each scenario's p50, p99,
// p99.9 and max per round, the p99 difference per round, and the difference of the median p99s,
// against the target. Exit 0 whatever the figures; 1 only when a scenario cannot run.
//
// Pinned as `npm run bench` is (issue 16: "the server pinned to one core and the load generator on
// the other"): on a machine with 2 or more CPUs and `taskset`, both scenarios' servers run on
// CPU 1 and this process (the paced client, all its threads) on CPU 0; BENCH_PIN=0 turns it off.
//
// Environment: BENCH_RATE (1000 requests/s), BENCH_DURATION (10 s), BENCH_WARMUP (3 s),
// BENCH_CONNECTIONS (32), BENCH_ROUNDS (3), BENCH_PIN (0: not pinned), BENCH_OUTPUT
// (bench/results/latency.json), BENCH_SERVER_NODE_ARGS.
import { join } from 'node:path'
import { createHistogram } from 'node:perf_hooks'
import { Pool } from 'undici'
import { GATEWAY_FLAGS } from './lib/configs.mjs'
import { fatal, nonNegativeNumber, outputPath, positiveInteger, positiveNumber, requireBuild, SERVER_NODE_ARGS } from './lib/env.mjs'
import { checkResponse, measured } from './lib/load.mjs'
import { describeMachine, machineInfo } from './lib/machine.mjs'
import { pin } from './lib/pinning.mjs'
import { FIXTURES, GATEWAY_CONFIG, ROOT } from './lib/paths.mjs'
import { installShutdownHandlers, runMain, session, startServer, stopServers } from './lib/processes.mjs'
import { reportHead, warnDisturbedRuns, warnIfDisturbed, writeReport } from './lib/report.mjs'
import { medianBy, runRounds } from './lib/rounds.mjs'
import { delay, round } from './lib/util.mjs'

const PATH = '/hello'
const TARGET_MS = 1
/** How long requests still in flight when the sending ends may take before they count as timeouts. */
const GRACE_MS = 5000
const settings = {
  rate: positiveInteger('BENCH_RATE', 1000),
  duration: positiveNumber('BENCH_DURATION', 10),
  warmup: nonNegativeNumber('BENCH_WARMUP', 3),
  connections: positiveInteger('BENCH_CONNECTIONS', 32),
  rounds: positiveInteger('BENCH_ROUNDS', 3),
}
if (process.env.BENCH_SERVER_CPU !== undefined) fatal('BENCH_SERVER_CPU is gone: the servers are pinned by default now (BENCH_PIN=0 turns it off)')
/** The CPU both scenarios' servers run on (from pin()), or undefined when not pinned. */
let serverCpu
const OUTPUT = outputPath('bench/results/latency.json')

const SCENARIOS = [
  { name: 'bare', description: 'bare node:http server, same body and content-type', args: () => [join(FIXTURES, 'bare-server.mjs'), '0'] },
  {
    name: 'gateway',
    description: 'Gatehouse, GET /hello -> payload 2.0 Lambda proxy (worker-thread environment)',
    args: () => [join(ROOT, 'bin/gatehouse.js'), 'serve', GATEWAY_CONFIG, ...GATEWAY_FLAGS],
  },
]

installShutdownHandlers()

async function main() {
  requireBuild('bench:latency')
  // Before pinning: afterwards availableParallelism() counts only the client's CPU.
  const machine = machineInfo()
  console.log(`Gatehouse latency benchmark: ${describeMachine(machine)}`)
  const pinning = pin(machine.cpus)
  serverCpu = pinning.pinned ? pinning.serverCpu : undefined
  console.log(
    `paced ${settings.rate} requests/s over up to ${settings.connections} kept-alive connections; ${settings.warmup}s warm-up + ` +
      `${settings.duration}s measured per scenario, ${settings.rounds} round(s), GET ${PATH} on 127.0.0.1; ` +
      (pinning.pinned
        ? `servers pinned to CPU ${pinning.serverCpu}, this client to CPU ${pinning.loadGeneratorCpu}`
        : `not pinned (${pinning.reason})`) +
      '\n'
  )
  const runs = await runRounds(SCENARIOS, settings.rounds, runScenario)
  if (runs === undefined) return

  const results = SCENARIOS.map((s) => {
    const mine = runs.filter((r) => r.name === s.name)
    const { round: _r, ...median } = medianBy(mine, (r) => r.latencyMs.p99)
    return mine.length > 1 ? { ...median, roundsP99Ms: mine.map((r) => r.latencyMs.p99) } : median
  })
  const [bare, gateway] = results
  const differenceMs = round(gateway.latencyMs.p99 - bare.latencyMs.p99, 3)
  const fmt = (v) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a')
  const signed = (v) => (Number.isFinite(v) && v >= 0 ? '+' : '') + fmt(v)
  const perRound = []
  for (let r = 1; r <= settings.rounds; r++) {
    const b = runs.find((x) => x.round === r && x.name === 'bare')
    const g = runs.find((x) => x.round === r && x.name === 'gateway')
    if (b && g) perRound.push(round(g.latencyMs.p99 - b.latencyMs.p99, 3))
  }

  console.log('')
  if (settings.rounds > 1) console.log(`median-p99 round of ${settings.rounds} per scenario:`)
  const cols = ['scenario', 'achieved rps', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'errors', 'timeouts', 'server CPU', 'CPU/request', 'other+steal']
  const rows = results.map((r) => [
    r.name,
    String(r.achievedRps),
    fmt(r.latencyMs.p50),
    fmt(r.latencyMs.p99),
    fmt(r.latencyMs['p99.9']),
    fmt(r.latencyMs.max),
    String(r.errors),
    String(r.timeouts),
    r.serverCpuCores === null ? 'n/a' : `${r.serverCpuCores} cores`,
    r.serverCpuUsPerRequest === null ? 'n/a' : `${r.serverCpuUsPerRequest} µs`,
    `${(r.machine.otherCores + r.machine.stealCores).toFixed(2)} cores`,
  ])
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((row) => row[i].length)))
  const line = (row) => row.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ')
  console.log(line(cols))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const row of rows) console.log(line(row))
  console.log('')
  console.log(`p99 bare:    ${fmt(bare.latencyMs.p99)} ms`)
  console.log(`p99 gateway: ${fmt(gateway.latencyMs.p99)} ms`)
  const verdict = differenceMs <= TARGET_MS ? 'TARGET MET' : 'TARGET MISSED'
  console.log(
    `p99 difference gateway - bare: ${signed(differenceMs)} ms   target <= +${TARGET_MS} ms   ${verdict}` +
      (perRound.length > 1 ? `   per round: ${perRound.map(signed).join(', ')} ms` : '')
  )
  warnDisturbedRuns(runs, '')
  const failing = runs.filter((r) => r.errors + r.timeouts + r.non2xx > 0)
  if (failing.length > 0) console.log(`WARNING: ${failing.map((r) => `${r.name} (round ${r.round})`).join(', ')} had errors, timeouts or non-2xx answers`)
  writeReport(OUTPUT, {
    ...reportHead(machine, settings, PATH, { pacing: 'paced open loop, 1 ms timer', pinning }),
    scenarios: results,
    ...(settings.rounds > 1 ? { rounds: runs } : {}),
    p99DifferenceMs: { value: differenceMs, perRound, targetMs: TARGET_MS, targetMet: differenceMs <= TARGET_MS },
  })
}

async function runScenario(scenario) {
  console.log(`[${scenario.name}] starting: ${scenario.description}`)
  const server = await startServer(scenario.name, [...SERVER_NODE_ARGS, ...scenario.args()], { cpu: serverCpu })
  const pool = new Pool(server.url, { connections: settings.connections, pipelining: 1 })
  try {
    await checkResponse(scenario.name, server.url + PATH)
    if (settings.warmup > 0) await paced(pool, settings.warmup)
    if (session.interrupted) return undefined
    console.log(`[${scenario.name}] measuring for ${settings.duration}s at ${settings.rate} requests/s`)
    const { result, cpuSeconds, serverCores, selfCores, machine } = await measured([server.child.pid], async () => ({ result: await paced(pool, settings.duration) }))
    if (session.interrupted) return undefined
    const h = result.latencyUs
    // An empty histogram (no 2xx answer at all) has no percentiles: Infinity, shown as n/a.
    const ms = (us) => (result.ok === 0 ? Infinity : round(us / 1000, 3))
    const summary = {
      name: scenario.name,
      description: scenario.description,
      sent: result.sent,
      achievedRps: round(result.ok / settings.duration, 1),
      latencyMs: { p50: ms(h.percentile(50)), p90: ms(h.percentile(90)), p99: ms(h.percentile(99)), 'p99.9': ms(h.percentile(99.9)), max: ms(h.max), mean: ms(h.mean) },
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      serverCpuCores: serverCores === null ? null : round(serverCores, 2),
      serverCpuUsPerRequest: cpuSeconds[0] === null || result.ok === 0 ? null : round((cpuSeconds[0] * 1e6) / result.ok, 1),
      loadGeneratorCpuCores: round(selfCores, 2),
      machine,
    }
    warnIfDisturbed(`[${scenario.name}]`, summary)
    console.log(`[${scenario.name}] p50 ${summary.latencyMs.p50} ms, p99 ${summary.latencyMs.p99} ms, p99.9 ${summary.latencyMs['p99.9']} ms, max ${summary.latencyMs.max} ms`)
    return summary
  } finally {
    await pool.destroy()
    await stopServers(scenario.name, [{ role: 'server', server }])
  }
}

/**
 * Sends GET PATH at settings.rate per second for `seconds`, each request when it falls due
 * (a 1 ms timer), and resolves with the latency histogram of the 2xx answers once every request
 * has finished or GRACE_MS after the end has passed.
 */
async function paced(pool, seconds) {
  const latencyUs = createHistogram()
  const total = Math.round(settings.rate * seconds)
  const out = { sent: 0, ok: 0, errors: 0, non2xx: 0, timeouts: 0, latencyUs }
  let finished = 0
  const one = async () => {
    const t0 = performance.now()
    try {
      const res = await pool.request({ path: PATH, method: 'GET' })
      await res.body.dump()
      if (res.statusCode >= 200 && res.statusCode < 300) {
        out.ok++
        latencyUs.record(Math.max(1, Math.round((performance.now() - t0) * 1000)))
      } else out.non2xx++
    } catch {
      out.errors++
    } finally {
      finished++
    }
  }
  const start = performance.now()
  await new Promise((resolve) => {
    const tick = () => {
      if (session.interrupted) return resolve()
      const due = Math.min(total, Math.floor(((performance.now() - start) * settings.rate) / 1000) + 1)
      while (out.sent < due) {
        out.sent++
        void one()
      }
      if (out.sent < total) setTimeout(tick, 1)
      else resolve()
    }
    tick()
  })
  // In-flight requests get a grace period, then count as timeouts (a backlog must not leak into the next phase unseen).
  const deadline = performance.now() + GRACE_MS
  while (finished < out.sent && performance.now() < deadline) await delay(5)
  out.timeouts = out.sent - finished
  return out
}

runMain(main)
