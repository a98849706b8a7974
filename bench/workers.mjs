#!/usr/bin/env node
// `npm run bench:workers`: whole-machine requests per second of `gatehouse serve --workers 2`
// against `--workers 1` (issue 16, target 6), in the same run, on loopback.
//
//   workers-1         node bin/gatehouse.js serve bench/fixtures/gatehouse.yaml --workers 1 (GET /hello
//                     -> the payload 2.0 Lambda fixture; account throttle 1e6 rps, so every request
//                     takes a token): one process, in-memory buckets
//   workers-2         the same with --workers 2: two gateway processes on the port; every throttle
//                     decision is the primary's (batched IPC messages)
//   workers-2-stage   as workers-2, plus stage defaultRouteSettings throttling at 1e6 rps / burst 1e6
//                     (two layers per decision, as bench/run.mjs's gateway-throttle)
//   workers-1-unthrottled, workers-2-unthrottled
//                     the two first with `throttleSettings: false`: no bucket, so nothing crosses to the
//                     primary per request; what two processes give without the shared throttle
//
// Load: autocannon in this process (BENCH_CONNECTIONS connections, keep-alive; node:cluster hands
// each new connection to the next worker). The server CPU counts the primary and every worker.
// Scenarios run BENCH_ROUNDS times, interleaved, each round starting one scenario later; each is
// summarised by its median-rate round, and the ratios workers-2/workers-1 are also given round by
// round. The load generator shares the machine's cores with the gateway: on a 2-core machine the
// second worker competes with autocannon, so the ratio there says little about a larger machine.
// Writes bench/results/workers-latest.json. Exit 0 whatever the figures; 1 when a scenario cannot
// run (a gateway does not start, a response is wrong).
//
// Environment:
//   BENCH_DURATION     seconds measured per scenario   (default 8)
//   BENCH_WARMUP       seconds of warm-up per scenario (default 2)
//   BENCH_CONNECTIONS  autocannon connections          (default 10)
//   BENCH_ROUNDS       rounds, interleaved             (default 3)
//   BENCH_WORKERS      the N of the multi-worker scenarios (default 2)
//   BENCH_OUTPUT       where to write the JSON results
import { join } from 'node:path'
import { derivedConfig, GATEWAY_FLAGS, removeTmpDir } from './lib/configs.mjs'
import { nonNegativeNumber, outputPath, positiveInteger, positiveNumber, requireBuild, SERVER_NODE_ARGS } from './lib/env.mjs'
import { checkResponse, load, measured } from './lib/load.mjs'
import { readFileSync } from 'node:fs'
import { describeMachine, machineInfo } from './lib/machine.mjs'
import { GATEWAY_CONFIG, ROOT } from './lib/paths.mjs'
import { spawn } from 'node:child_process'
import { installShutdownHandlers, runMain, session, stopServers } from './lib/processes.mjs'
import { accountThrottle, printRequestTable, reportHead, responseFigures, writeReport } from './lib/report.mjs'
import { medianBy, perRound, perRoundText, runRounds } from './lib/rounds.mjs'
import { round } from './lib/util.mjs'

const PATH = '/hello'
const GATEHOUSE = join(ROOT, 'bin/gatehouse.js')
const settings = {
  duration: positiveNumber('BENCH_DURATION', 8),
  warmup: nonNegativeNumber('BENCH_WARMUP', 2),
  connections: positiveInteger('BENCH_CONNECTIONS', 10),
  rounds: positiveInteger('BENCH_ROUNDS', 3),
  workers: positiveInteger('BENCH_WORKERS', 2),
}
const OUTPUT = outputPath('bench/results/workers-latest.json')
const N = settings.workers

const SCENARIOS = [
  { name: 'workers-1', workers: 1, stageThrottle: false, description: 'one process (--workers 1), GET /hello, in-memory buckets' },
  { name: `workers-${N}`, workers: N, stageThrottle: false, description: `--workers ${N}: the account bucket held by the primary` },
  { name: `workers-${N}-stage`, workers: N, stageThrottle: true, description: `--workers ${N} plus a stage throttle of 1e6 rps / burst 1e6 (two layers)` },
  { name: 'workers-1-unthrottled', workers: 1, unthrottled: true, description: 'one process, throttleSettings: false (no bucket at all)' },
  { name: `workers-${N}-unthrottled`, workers: N, unthrottled: true, description: `--workers ${N}, throttleSettings: false: no decision crosses to the primary` },
]
const RATIOS = [
  { name: `workers-${N}/workers-1`, numerator: `workers-${N}`, denominator: 'workers-1' },
  { name: `workers-${N}-stage/workers-1`, numerator: `workers-${N}-stage`, denominator: 'workers-1' },
  { name: `workers-${N}-unthrottled/workers-1-unthrottled`, numerator: `workers-${N}-unthrottled`, denominator: 'workers-1-unthrottled' },
]

/** Gateways this bench started, killed whatever the path out. */
const started = new Set()
/** Starting N processes on a busy 2-core machine takes longer than lib/processes.mjs's 20 s. */
const START_TIMEOUT_MS = 120_000

/**
 * Spawns `node <argv>` and resolves once it serves: the `Workers: N processes` line of the primary
 * with several workers (printed once they all listen), else the `listening on` line.
 */
function startGateway(name, argv, workers) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    started.add(child)
    let stdout = ''
    let stderr = ''
    const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })))
    exited.then(() => started.delete(child))
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr = (stderr + chunk).slice(-20000)))
    child.stdout.setEncoding('utf8')
    const timer = setTimeout(() => fail(new Error(`did not serve within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS)
    const onData = (chunk) => {
      stdout += chunk
      const m = /listening on (http:\/\/[^\s]+)/.exec(stdout)
      if (m === null || (workers > 1 && !/^Workers: \d+ processes/m.test(stdout))) return
      clearTimeout(timer)
      child.stdout.off('data', onData)
      child.stdout.resume()
      resolve({ child, exited, url: m[1].replace(/\/$/, ''), stderr: () => stderr })
    }
    child.stdout.on('data', onData)
    child.once('error', (err) => fail(err))
    exited.then(({ code, signal }) => fail(new Error(`exited (${signal ?? 'code ' + code}) before serving`)))
    function fail(err) {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`[${name}] ${err.message}\n${(stdout + stderr).trim()}`))
    }
  })
}

function killStarted() {
  for (const child of started) child.kill('SIGKILL')
  started.clear()
}

/** The child processes of `pid` (Linux /proc), for the CPU of every worker. */
function childPids(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  } catch {
    return []
  }
}

async function runScenario(scenario) {
  const config = scenario.stageThrottle
    ? derivedConfig(scenario.name, (_doc, stage) => {
        stage.defaultRouteSettings = { throttlingRateLimit: 1_000_000, throttlingBurstLimit: 1_000_000 }
      }, 'bench/workers.mjs')
    : scenario.unthrottled
      ? derivedConfig(scenario.name, (doc) => {
          doc.throttleSettings = false
        }, 'bench/workers.mjs')
      : GATEWAY_CONFIG
  const server = await startGateway(scenario.name, [...SERVER_NODE_ARGS, GATEHOUSE, 'serve', config, ...GATEWAY_FLAGS, '--no-admin', '--no-control-plane', '--workers', String(scenario.workers)], scenario.workers)
  const servers = [{ role: 'gateway', server }]
  try {
    // The primary and its workers (the banner is printed once every worker serves).
    const pids = [server.child.pid, ...childPids(server.child.pid)]
    if (pids.length !== (scenario.workers > 1 ? scenario.workers + 1 : 1)) throw new Error(`[${scenario.name}] expected ${scenario.workers} worker(s), found processes ${pids.join(', ')}`)
    await checkResponse(scenario.name, server.url + PATH)
    if (settings.warmup > 0) await load(server.url + PATH, settings.warmup, { connections: settings.connections })
    if (session.interrupted) return undefined
    const run = await measured(pids, () => load(server.url + PATH, settings.duration, { connections: settings.connections, measure: true }))
    const { result, latencyUs } = run
    const total = result.requests.total
    const summary = {
      name: scenario.name,
      rps: result.requests.mean,
      requests: total,
      processes: pids.length,
      ...responseFigures(result, latencyUs),
      serverCpuCores: run.serverCores === null ? null : round(run.serverCores, 2),
      serverCpuUsPerRequest: run.serverCores === null || total === 0 ? null : round((run.serverCores * run.wall * 1e6) / total, 1),
      loadGeneratorCpuCores: round(run.selfCores, 2),
      machine: run.machine,
    }
    console.log(`[${scenario.name}] ${summary.rps.toFixed(0)} rps, ${pids.length} process(es) using ${summary.serverCpuCores ?? 'n/a'} cores, non-2xx ${result.non2xx}, errors ${result.errors}`)
    return summary
  } finally {
    await stopServers(scenario.name, servers)
  }
}

async function main() {
  requireBuild('bench:workers')
  installShutdownHandlers(cleanup)
  const machine = machineInfo()
  console.log(`bench:workers on ${describeMachine(machine)}; ${settings.rounds} round(s) of ${settings.duration} s (+${settings.warmup} s warm-up), ${settings.connections} connections`)
  console.log('The load generator runs on the same machine and shares its cores with the gateway processes.')
  const runs = await runRounds(SCENARIOS, settings.rounds, runScenario)
  if (runs === undefined) return 1
  const rows = SCENARIOS.map((s) => medianBy(runs.filter((r) => r.name === s.name), (r) => r.rps))
  console.log('')
  printRequestTable(rows)
  const ratios = RATIOS.map((ratio) => {
    // pick() returns the run (perRound reads its noise); combine() divides the rates.
    const rounds = perRound(runs, settings.rounds, ratio.numerator, ratio.denominator, (r) => r, (n, d) => n.rps / d.rps)
    const median = medianBy(rounds.perRound, (v) => v)
    console.log(`${ratio.name} (whole-machine rps): ${round(median, 2)}${perRoundText(rounds, (v) => round(v, 2))}`)
    return { ...ratio, median, ...rounds }
  })
  writeReport(OUTPUT, { ...reportHead(machine, settings, PATH, { accountThrottle: accountThrottle() }), scenarios: SCENARIOS, runs, rows, ratios })
  return 0
}

function cleanup() {
  killStarted()
  removeTmpDir()
}

runMain(main, cleanup)
