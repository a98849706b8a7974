#!/usr/bin/env node
// CPU per Python request (issue 17): `node bench/runtimes-cpu.mjs [baseline checkout]` starts the
// gateway of bench/runtimes.mjs (its config, GATEWAY_FLAGS), loads `GET /py` (or BENCH_ROUTE)
// after every environment has started, and divides the utime+stime (/proc/<pid>/stat) of the
// gateway and of the processes it started (the Python runtimes, and their parent shells) by the
// requests served; also the runtimes' voluntary context switches per request. With a baseline
// (a built checkout of an earlier commit), its gateway and this one's take turns, BENCH_ROUNDS
// times, so a shared machine's other load falls on both alike. CPU per request, not requests
// per second, is what a shared machine lets one compare. Linux only (/proc). Never fails on the
// figures.
//
// Environment: BENCH_ROUNDS (default 3), BENCH_DURATION (s per run, default 4), BENCH_CONNECTIONS
// (default 10), BENCH_ROUTE (py or node, default py). BENCH_SERVER_NODE_ARGS: node flags for
// the gateways (e.g. --cpu-prof).
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ensureTmpDir, GATEWAY_FLAGS, removeTmpDir, writeRuntimesConfig } from './lib/configs.mjs'
import { positiveInteger, positiveNumber, requireBuild } from './lib/env.mjs'
import { checkResponse, load } from './lib/load.mjs'
import { descendantsOf, processCpuSeconds } from './lib/machine.mjs'
import { ROOT } from './lib/paths.mjs'
import { installShutdownHandlers, runMain, startServer, stopServer } from './lib/processes.mjs'
import { round } from './lib/util.mjs'

const ROUNDS = positiveInteger('BENCH_ROUNDS', 3)
const DURATION = positiveNumber('BENCH_DURATION', 4)
const CONNECTIONS = positiveInteger('BENCH_CONNECTIONS', 10)
const ROUTE = process.env.BENCH_ROUTE === 'node' ? 'node' : 'py'
const NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)

function voluntarySwitches(pid) {
  try {
    return Number(/\nvoluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
  } catch {
    return 0
  }
}

/** One run against `root`'s gateway: µs of CPU per request (gateway, children) and switches. */
async function run(root) {
  const config = join(ensureTmpDir(), `runtimes-cpu-${Date.now()}.json`)
  writeRuntimesConfig(config, join(root, 'bench/fixtures'))
  const server = await startServer(root, [...NODE_ARGS, join(root, 'bin/gatehouse.js'), 'serve', config, ...GATEWAY_FLAGS, '--no-admin'])
  try {
    const url = `${server.url}/${ROUTE}`
    await checkResponse(ROUTE, url)
    for (let i = 0; i < 3; i++) await Promise.all(Array.from({ length: CONNECTIONS }, () => fetch(url).then((r) => r.text())))
    await load(url, 1, { connections: CONNECTIONS })
    const gateway = server.child.pid
    const children = descendantsOf(gateway)
    const before = [gateway, ...children].map(processCpuSeconds)
    const switchesBefore = children.map(voluntarySwitches)
    const { result } = await load(url, DURATION, { connections: CONNECTIONS })
    const after = [gateway, ...children].map(processCpuSeconds)
    const spent = after.map((a, i) => (a ?? 0) - (before[i] ?? 0))
    const n = result.requests.total
    const switches = children.reduce((sum, pid, i) => sum + voluntarySwitches(pid) - (switchesBefore[i] ?? 0), 0)
    return {
      rps: n / DURATION,
      gatewayUs: ((spent[0] ?? 0) / n) * 1e6,
      childrenUs: (spent.slice(1).reduce((a, b) => a + b, 0) / n) * 1e6,
      children: children.length,
      switches: switches / n,
      non2xx: result.non2xx,
    }
  } finally {
    await stopServer(server)
  }
}

async function main() {
  requireBuild('bench/runtimes-cpu.mjs')
  const roots = process.argv[2] === undefined ? { this: ROOT } : { baseline: resolve(process.argv[2]), this: ROOT }
  for (let r = 1; r <= ROUNDS; r++) {
    for (const [name, root] of Object.entries(roots)) {
      const m = await run(root)
      process.stdout.write(
        `round ${r} ${name.padEnd(8)} ${ROUTE}: ${round(m.rps, 0)} req/s, CPU per request ${round(m.gatewayUs, 0)} µs gateway + ${round(m.childrenUs, 0)} µs ` +
          `in ${m.children} runtime processes (and their parent shells) = ${round(m.gatewayUs + m.childrenUs, 0)} µs; ${round(m.switches, 2)} runtime context switches per request (non-2xx: ${m.non2xx})\n`
      )
    }
  }
}

installShutdownHandlers(removeTmpDir)
runMain(main, removeTmpDir)
