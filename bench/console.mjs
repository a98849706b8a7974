#!/usr/bin/env node
// `npm run bench:console`: what the web console's request inspector costs the data plane, in
// the same run, against the gateway with the console off (issue 14):
//
//   1. console-off        gatehouse serve bench/fixtures/gatehouse.yaml --no-console
//   2. console-idle       the console enabled, no console client connected (target >= 0.97x)
//   3. console-streaming  one console client (bench/fixtures/console-client.mjs, its own process)
//                         reading /console/api/events: every request is recorded and streamed
//                         (target >= 0.85x)
//
// GET /hello invokes the trivial handler in a worker-thread environment, as in bench/run.mjs.
// Scenarios run in interleaved rounds (each round starts one scenario later); the median-rps
// run of each is reported with its ratio to console-off. Never fails on the figures.
//
// BENCH_BASELINE_ROOT (a checkout of another build, built) adds baseline-off and
// baseline-streaming: the same two scenarios served by that build, in the same rounds, so a
// change to the streaming path is measured against the code before it on the same machine.
//
// Pinned as bench/run.mjs is (issue 16's method): on 2 or more CPUs with `taskset`, every
// gateway runs on one CPU and this process (autocannon) and the console client it starts on the
// other, so the ratios do not move with where the scheduler puts threads. BENCH_PIN=0 turns it off.
//
// Environment: BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 2), BENCH_CONNECTIONS
// (default 10), BENCH_ROUNDS (default 3), BENCH_OUTPUT (default bench/results/console-latest.json),
// BENCH_PIN (0: no pinning).
import { createServer } from 'node:net'
import { writeFileSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { spawn } from 'node:child_process'
import { GATEWAY_FLAGS } from './lib/configs.mjs'
import { outputPath, positiveInteger, positiveNumber, nonNegativeNumber, requireBuild, SERVER_NODE_ARGS } from './lib/env.mjs'
import { checkResponse, load, measured } from './lib/load.mjs'
import { describeMachine, machineInfo } from './lib/machine.mjs'
import { FIXTURES, GATEWAY_CONFIG, ROOT } from './lib/paths.mjs'
import { installShutdownHandlers, runMain, startServer, stopServer } from './lib/processes.mjs'
import { pin } from './lib/pinning.mjs'
import { medianBy, runRounds } from './lib/rounds.mjs'
import { round } from './lib/util.mjs'
import { join } from 'node:path'

const PATH = '/hello'
const TARGETS = { 'console-idle': 0.97, 'console-streaming': 0.85 }
const settings = {
  duration: positiveNumber('BENCH_DURATION', 10),
  warmup: nonNegativeNumber('BENCH_WARMUP', 2),
  connections: positiveInteger('BENCH_CONNECTIONS', 10),
  rounds: positiveInteger('BENCH_ROUNDS', 3),
}
const BASELINE_ROOT = process.env.BENCH_BASELINE_ROOT
// BENCH_SCENARIOS (comma-separated) runs a subset; console-off is always run, as the base.
const SCENARIOS = ['console-off', 'console-idle', 'console-streaming', ...(BASELINE_ROOT ? ['baseline-off', 'baseline-streaming'] : [])].filter(
  (s) => s === 'console-off' || process.env.BENCH_SCENARIOS === undefined || process.env.BENCH_SCENARIOS.split(',').includes(s)
)

/** A free port for the admin listener (the gateway prints only its data-plane URL where startServer looks). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

async function runScenario(name) {
  const adminPort = await freePort()
  const flags = name.endsWith('-off') ? ['--no-console'] : []
  const root = name.startsWith('baseline-') ? BASELINE_ROOT : ROOT
  const server = await startServer(name, [...SERVER_NODE_ARGS, join(root, 'bin/gatehouse.js'), 'serve', GATEWAY_CONFIG, ...GATEWAY_FLAGS, '--admin-port', String(adminPort), ...flags], { cpu: serverCpu })
  let stream
  try {
    await checkResponse(name, server.url + PATH)
    if (name.endsWith('-streaming')) {
      // The console client runs in a process of its own, as a browser would, not in the load generator's.
      const child = spawn(process.execPath, [join(FIXTURES, 'console-client.mjs'), `http://127.0.0.1:${adminPort}/console/api/events`], { stdio: ['ignore', 'pipe', 'inherit'] })
      let out = ''
      child.stdout.setEncoding('utf8').on('data', (c) => (out += c))
      const exited = new Promise((r) => child.once('exit', r))
      while (!out.includes('streaming')) {
        if (child.exitCode !== null) throw new Error(`[${name}] the console client exited`)
        await new Promise((r) => setTimeout(r, 20))
      }
      stream = {
        pid: child.pid,
        async close() {
          child.kill('SIGTERM')
          await exited
          return Number(/events (\d+)/.exec(out)?.[1] ?? 0)
        },
      }
    }
    if (settings.warmup > 0) await load(server.url + PATH, settings.warmup, { connections: settings.connections })
    const run = await measured([server.child.pid], () => load(server.url + PATH, settings.duration, { connections: settings.connections, measure: true }))
    const rps = run.result.requests.average
    const errors = run.result.non2xx + run.result.errors
    const streamed = stream === undefined ? undefined : await stream.close()
    stream = undefined
    if (streamed === 0) throw new Error(`[${name}] the console client received no request events`)
    console.log(`${name.padEnd(18)} ${String(round(rps, 0)).padStart(8)} rps  server ${run.serverCores === null ? '?' : round(run.serverCores, 2)} cores${errors > 0 ? `  (${errors} errors)` : ''}${streamed !== undefined ? `  (${streamed} events streamed)` : ''}`)
    return { scenario: name, rps, errors, serverCores: run.serverCores }
  } finally {
    await stream?.close()
    await stopServer(server)
  }
}

/** The CPU every gateway runs on (from pin()), or undefined when not pinned. */
let serverCpu

async function main() {
  requireBuild('bench:console')
  installShutdownHandlers()
  console.log(`console bench: ${describeMachine(machineInfo())}; ${settings.duration}s x ${settings.rounds} rounds, ${settings.connections} connections`)
  // Before pinning: afterwards the machine description would count only the load generator's CPU.
  const machine = machineInfo()
  const pinning = pin(machine.cpus)
  serverCpu = pinning.pinned ? pinning.serverCpu : undefined
  console.log(pinning.pinned ? `pinned: gateways on CPU ${pinning.serverCpu}, load generator and console client on CPU ${pinning.loadGeneratorCpu}` : `not pinned (${pinning.reason})`)
  const runs = await runRounds(SCENARIOS, settings.rounds, runScenario)
  if (runs === undefined) return
  const median = Object.fromEntries(SCENARIOS.map((s) => [s, medianBy(runs.filter((r) => r.scenario === s), (r) => r.rps)]))
  const base = median['console-off'].rps
  const ratios = {}
  console.log('\nmedian of rounds, against console-off:')
  for (const s of SCENARIOS.filter((s) => s in TARGETS)) {
    ratios[s] = round(median[s].rps / base, 3)
    console.log(`  ${s.padEnd(18)} ${ratios[s]}x  (target >= ${TARGETS[s]}x)${ratios[s] >= TARGETS[s] ? '' : '  MISSED'}`)
  }
  if (BASELINE_ROOT) {
    ratios['baseline-streaming'] = round(median['baseline-streaming'].rps / median['baseline-off'].rps, 3)
    console.log(`  baseline-streaming ${ratios['baseline-streaming']}x of baseline-off  (${BASELINE_ROOT})`)
  }
  const file = outputPath('bench/results/console-latest.json')
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify({ settings, machine, pinning, median, ratios, targets: TARGETS, runs }, null, 2) + '\n')
  console.log(`wrote ${file}`)
}

runMain(main)
