#!/usr/bin/env node
// `npm run bench:start`: how long `gatehouse serve examples/gatehouse.yaml` (what `npm start`
// runs) takes from spawn to its first 200, against `node -e` starting an empty node:http server
// (issue 16, target 5: within 0.4 s).
//
//   empty-node    node -e "<an http server answering 200>" --port: the floor of any Node server
//   gatehouse     node bin/gatehouse.js serve examples/gatehouse.yaml --port P
//   baseline      (only with BENCH_BASELINE_GATEHOUSE) the same with another build's entry point,
//                 e.g. a copy of bin/ + build/ of an older commit, for a before/after in one run
//
// Each start: a free port is picked, the process is spawned, and GET BENCH_START_PATH (default
// /pets, a Lambda route, so the function's cold start counts) is tried every 5 ms on a fresh
// connection until it answers 200; the time from spawn to that 200 is the figure. The process is
// then sent SIGTERM and awaited before the next start. Beside the wall time, the CPU the process
// used until its first 200 (/proc/<pid>/stat, all threads) is printed: on a shared machine the
// wall time mostly measures the other load. Rounds are interleaved, each round starting
// one scenario later. Prints min/median/max per scenario and the median ratio gatehouse/empty-node.
//
// Environment:
//   BENCH_ROUNDS              starts per scenario                       (default 7)
//   BENCH_START_PATH          the path that must answer 200             (default /pets)
//   BENCH_GATEHOUSE           the gateway's entry point (default bin/gatehouse.js)
//   BENCH_BASELINE_GATEHOUSE  a second entry point to compare in the same run
//   BENCH_SERVER_NODE_ARGS    extra node flags for the gateway children (e.g. --cpu-prof)
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { GATEHOUSE, logGatehouse, positiveInteger, requireBuild, requireGatehouse, SERVER_NODE_ARGS } from './lib/env.mjs'
import { ROOT } from './lib/paths.mjs'
import { delay, printColumns, round } from './lib/util.mjs'

const TARGET_S = 0.4
const POLL_MS = 5
const GIVE_UP_MS = 60_000
const rounds = positiveInteger('BENCH_ROUNDS', 7)
const path = process.env.BENCH_START_PATH || '/pets'
const CONFIG = join(ROOT, 'examples/gatehouse.yaml')
const EMPTY_SERVER = "require('http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[1]), '127.0.0.1')"

const scenarios = [
  { name: 'empty-node', argv: (port) => ['-e', EMPTY_SERVER, String(port)] },
  { name: 'gatehouse', argv: (port) => [...SERVER_NODE_ARGS, GATEHOUSE, 'serve', CONFIG, '--port', String(port)] },
]
if (process.env.BENCH_BASELINE_GATEHOUSE) {
  const baseline = resolve(process.env.BENCH_BASELINE_GATEHOUSE)
  scenarios.push({ name: 'baseline', argv: (port) => [...SERVER_NODE_ARGS, baseline, 'serve', CONFIG, '--port', String(port)] })
}

/** A port free right now (the kernel's pick for port 0, released again). */
function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer()
    s.once('error', fail)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => ok(port))
    })
  })
}

/** One GET on a fresh connection: its status, or null when nothing answers yet. */
function tryGet(port) {
  return new Promise((ok) => {
    // A bound, so that a connection that neither answers nor fails cannot stall the bench.
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 10_000 }, (res) => {
      res.resume()
      res.once('close', () => ok(res.complete ? res.statusCode : null))
    })
    req.once('timeout', () => req.destroy())
    req.once('error', () => ok(null))
    req.end()
  })
}

/** CPU time (user + system, all threads) the process has used so far, in ms; null without /proc. */
function cpuMs(pid) {
  try {
    // Fields 14 and 15 (utime, stime) after the parenthesised command name, in clock ticks (100/s).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return null
  }
}

/**
 * Spawns one scenario and returns the milliseconds from spawn to its first 200, and the CPU the
 * process used until then (a figure the other load on a shared machine disturbs far less).
 */
async function startOnce(scenario) {
  const port = await freePort()
  const started = performance.now()
  const child = spawn(process.execPath, scenario.argv(port), { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)))
  const exited = new Promise((r) => child.once('exit', r))
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${scenario.name} exited before answering:\n${stderr}`)
      const status = await tryGet(port)
      if (status === 200) return { ms: performance.now() - started, cpu: cpuMs(child.pid) }
      if (performance.now() - started > GIVE_UP_MS) throw new Error(`${scenario.name}: no 200 on ${path} within ${GIVE_UP_MS} ms (last status ${status})\n${stderr}`)
      await delay(POLL_MS)
    }
  } finally {
    child.kill('SIGTERM')
    await exited
  }
}

function stats(values) {
  const s = [...values].sort((a, b) => a - b)
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] }
}

async function main() {
  requireBuild('bench:start')
  requireGatehouse()
  logGatehouse()
  console.log(`Start benchmark: spawn -> first 200 on GET ${path}, ${rounds} rounds, interleaved`)
  const times = new Map(scenarios.map((s) => [s.name, []]))
  const cpus = new Map(scenarios.map((s) => [s.name, []]))
  for (let r = 0; r < rounds; r++) {
    const order = scenarios.map((_, i) => scenarios[(i + r) % scenarios.length])
    const line = []
    for (const s of order) {
      const { ms, cpu } = await startOnce(s)
      times.get(s.name).push(ms)
      if (cpu !== null) cpus.get(s.name).push(cpu)
      line.push(`${s.name} ${ms.toFixed(0)} ms (CPU ${cpu ?? 'n/a'} ms)`)
    }
    console.log(`round ${r + 1}: ${line.join(', ')}`)
  }
  const rows = scenarios.map((s) => ({ name: s.name, ...stats(times.get(s.name)), cpu: cpus.get(s.name).length > 0 ? stats(cpus.get(s.name)).median : null }))
  console.log('')
  printColumns([
    ['scenario', 'min ms', 'median ms', 'max ms', 'median CPU ms'],
    ...rows.map((r) => [r.name, r.min.toFixed(0), r.median.toFixed(0), r.max.toFixed(0), r.cpu === null ? 'n/a' : r.cpu.toFixed(0)]),
  ])
  const empty = rows[0]
  const gh = rows[1]
  console.log('')
  console.log(
    `ratio gatehouse/empty-node (median) ${(gh.median / empty.median).toFixed(2)}x; ` +
      `gatehouse median ${(gh.median / 1000).toFixed(3)} s, target <= ${TARGET_S} s ${gh.median / 1000 <= TARGET_S ? 'TARGET MET' : 'TARGET MISSED'}; ` +
      `above empty-node: +${round(gh.median - empty.median, 0)} ms`
  )
  const base = rows[2]
  if (gh.cpu !== null && empty.cpu !== null) console.log(`CPU until the first 200 (median): gatehouse ${gh.cpu.toFixed(0)} ms, empty-node ${empty.cpu.toFixed(0)} ms, ratio ${(gh.cpu / empty.cpu).toFixed(2)}x`)
  if (base !== undefined) {
    console.log(`ratio gatehouse/baseline (median) ${(gh.median / base.median).toFixed(2)}x (baseline median ${base.median.toFixed(0)} ms)`)
    if (gh.cpu !== null && base.cpu !== null) console.log(`CPU ratio gatehouse/baseline (median) ${(gh.cpu / base.cpu).toFixed(2)}x (baseline ${base.cpu.toFixed(0)} ms)`)
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${err?.stack ?? err}\n`)
  process.exitCode = 1
})
