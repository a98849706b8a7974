#!/usr/bin/env node
// `npm run bench:runtimes`: Python against Node.js in the same run (issue 17).
//
//   1. node    GET /node: the trivial payload 2.0 handler bench/fixtures/hello.mjs, worker thread
//   2. python  GET /py: the same response from bench/fixtures/hello.py, a Python process
//              environment over the Runtime API (the machine's python3)
//   Both routes are served by one gateway child (bin/gatehouse.js serve, port 0), loaded in
//   BENCH_ROUNDS interleaved rounds (default 3); on 2+ CPUs the gateway (with its environment
//   threads and Python processes) is pinned to one CPU and the load generator to another
//   (BENCH_PIN=0: not). Target: the Python route serves at least 0.5x the Node.js route's
//   requests per second (median of the per-round ratios).
//
//   3. cold start: a Python function's first invocation in a new pool (what the first request
//      after a reload costs), against a bare `python3 -c pass`, each BENCH_COLD_RUNS times
//      (default 10); medians of both are reported, no target.
//
// Never fails on the figures. Environment: BENCH_DURATION (s, default 10), BENCH_WARMUP (s,
// default 2), BENCH_CONNECTIONS (default 10), BENCH_COLD_RUNS (default 10), BENCH_OUTPUT
// (default bench/results/runtimes-latest.json).
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ensureTmpDir, GATEWAY_FLAGS, removeTmpDir, writeRuntimesConfig } from './lib/configs.mjs'
import { outputPath, positiveInteger, positiveNumber, requireBuild } from './lib/env.mjs'
import { checkResponse, load, measured } from './lib/load.mjs'
import { describeMachine, descendantsOf, machineInfo } from './lib/machine.mjs'
import { FIXTURES, ROOT } from './lib/paths.mjs'
import { pin } from './lib/pinning.mjs'
import { installShutdownHandlers, runMain, startServer } from './lib/processes.mjs'
import { medianBy, perRound, perRoundText, runRounds } from './lib/rounds.mjs'
import { round } from './lib/util.mjs'

const DURATION = positiveNumber('BENCH_DURATION', 10)
const WARMUP = positiveNumber('BENCH_WARMUP', 2)
const CONNECTIONS = positiveInteger('BENCH_CONNECTIONS', 10)
const COLD_RUNS = positiveInteger('BENCH_COLD_RUNS', 10)
const ROUNDS = positiveInteger('BENCH_ROUNDS', 3)
const TARGET = 0.5

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

async function main() {
  requireBuild('bench/runtimes.mjs')
  const tmp = ensureTmpDir()
  const config = join(tmp, 'runtimes.json')
  writeRuntimesConfig(config, FIXTURES)
  // Read before pinning: afterwards this process sees only its own CPU.
  const machine = machineInfo()
  const pinning = pin(machine.cpus)
  // Pinned, the gateway and everything it starts (environment threads, Python processes) share
  // one CPU and the load generator has the other: both routes get the same single core.
  const server = await startServer('gateway', [join(ROOT, 'bin/gatehouse.js'), 'serve', config, ...GATEWAY_FLAGS, '--no-admin'], { cpu: pinning.pinned ? pinning.serverCpu : undefined })
  console.log(pinning.pinned ? `pinned: load generator on CPU ${pinning.loadGeneratorCpu}, gateway and its runtimes on CPU ${pinning.serverCpu}` : `not pinned: ${pinning.reason}`)
  for (const route of ['node', 'py']) {
    const url = `${server.url}/${route}`
    await checkResponse(route, url)
    // Every connection's environment started before the warm-up: cold starts (a process each,
    // for Python) are measured below, not here.
    for (let i = 0; i < 3; i++) await Promise.all(Array.from({ length: CONNECTIONS }, () => fetch(url).then((r) => r.text())))
    await load(url, WARMUP, { connections: CONNECTIONS })
  }
  // Interleaved rounds, each starting with the other route: one run of each is too noisy on a
  // shared VM to decide a ratio (single runs gave 0.34x to 0.77x at the same commit).
  const runs = await runRounds(['node', 'py'], ROUNDS, async (route) => {
    // The Python runtimes (and their parent shells) are the gateway's work, not other load.
    const run = await measured([server.child.pid, ...descendantsOf(server.child.pid)], () => load(`${server.url}/${route}`, DURATION, { connections: CONNECTIONS }))
    const rpsNow = run.result.requests.average
    process.stdout.write(`${route.padEnd(7)} ${round(rpsNow, 0)} req/s (non-2xx: ${run.result.non2xx})\n`)
    return { name: route, rps: rpsNow, machine: run.machine }
  })
  if (runs === undefined) return
  const rps = { node: medianBy(runs.filter((r) => r.name === 'node'), (r) => r.rps).rps, py: medianBy(runs.filter((r) => r.name === 'py'), (r) => r.rps).rps }
  const rounds = perRound(runs, ROUNDS, 'py', 'node', (r) => r, (py, node) => py.rps / node.rps)
  const ratio = medianBy(rounds.perRound, (v) => v)
  process.stdout.write(`python/node ${round(ratio, 3)} (median of ${ROUNDS} rounds; target >= ${TARGET}: ${ratio >= TARGET ? 'met' : 'missed'})${perRoundText(rounds, (v) => round(v, 3))}\n`)
  // Cold starts, in this process: a new pool per run, so each first invocation starts a process.
  const { FunctionPool } = await import(join(ROOT, 'build/src/functions/index.js'))
  const { loadConfigObject } = await import(join(ROOT, 'build/src/config/index.js'))
  const loaded = loadConfigObject(JSON.parse(JSON.stringify({ functions: { py: { runtime: 'python3.11', codeUri: FIXTURES, handler: 'hello.handler' } }, apis: [{ name: 'a', routes: [{ routeKey: '$default', target: 'integrations/i' }], integrations: [{ integrationId: 'i', integrationType: 'AWS_PROXY', integrationUri: 'py', payloadFormatVersion: '2.0' }] }] })), FIXTURES)
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues))
  const fn = loaded.config.functions.get('py')
  const cold = []
  const bare = []
  for (let i = 0; i < COLD_RUNS; i++) {
    const pool = new FunctionPool(fn, { onLog: null, region: 'us-east-1', baseDir: FIXTURES })
    const t0 = performance.now()
    const result = await pool.invoke('{}', 30_000)
    cold.push(performance.now() - t0)
    await pool.destroy()
    if (result.status !== 'ok') throw new Error(`cold invocation failed: ${JSON.stringify(result)}`)
    const t1 = performance.now()
    spawnSync('python3', ['-c', 'pass'])
    bare.push(performance.now() - t1)
  }
  process.stdout.write(`cold start: python function ${round(median(cold), 1)} ms, bare python3 -c pass ${round(median(bare), 1)} ms (medians of ${COLD_RUNS})\n`)
  const out = outputPath('bench/results/runtimes-latest.json')
  mkdirSync(dirname(out), { recursive: true })
  writeFileSync(
    out,
    JSON.stringify({ machine, pinning, durationSeconds: DURATION, rounds: ROUNDS, connections: CONNECTIONS, rps, ratio, ratioPerRound: rounds.perRound, disturbedRounds: rounds.disturbedRounds, runs, target: TARGET, coldStartMs: { median: median(cold), runs: cold }, barePythonMs: { median: median(bare), runs: bare } }, null, 2) + '\n'
  )
  process.stdout.write(`${describeMachine(machine)}\nwrote ${out}\n`)
}

installShutdownHandlers(removeTmpDir)
runMain(main, removeTmpDir)
