#!/usr/bin/env node
// `npm run bench:ws-memory` (issue 16, target 7): RSS per idle WebSocket connection in the gateway
// against a raw `ws` server, at 10,000 and at 50,000 connections. Target: at most 1.2x.
//
//   raw       bench/fixtures/ws-echo-server.mjs: a bare `ws` server on node:http, per-message
//             deflate off
//   gateway   Gatehouse with one WebSocket API (stage bench, a $default route to a Lambda echo,
//             no $connect route: no Lambda runs per connection), the config of bench:websocket
//
// Per level and server: start the server, open and close 200 connections (so the handshake
// path's compiled code is in the baseline), read VmRSS (median of 3 readings), open the level's
// connections from client processes (bench/fixtures/ws-idle-clients.mjs, forked: the clients
// never share the server's process or heap), wait, read VmRSS again, check that every connection
// is still open, close the clients and stop the server. Bytes per connection = the RSS difference
// divided by the connections. Both readings follow two full GCs in the server (the preload
// bench/fixtures/gc-on-signal.mjs, on SIGUSR2; both servers get it): without them the figure
// depends on where V8's collector happened to be, and varied by 1.4x between identical runs. The
// figure before the forced GC is reported too. Scenarios run in interleaved rounds; each is summarised by its
// median round.
//
// Open files: the server holds one descriptor per connection. When a level needs more than the
// soft `ulimit -n`, the server's shell raises it (up to the hard limit) before exec'ing node, and
// the clients spread over enough processes to stay under theirs. A level that needs more than the
// hard limit is skipped with a message saying what to raise. Clients connect from 127.0.0.1,
// 127.0.0.2, ... (20,000 per address): one source address has about 28,000 ephemeral ports.
//
// Exit 0 whatever the figures; 1 only when a scenario cannot run (a server does not start, or
// connections cannot be opened or close before the reading).
//
// Environment: BENCH_WS_LEVELS (10000,50000), BENCH_ROUNDS (3), BENCH_CLIENT_PROCESSES (the
// minimum that fits the open-files limit, at least 4), BENCH_OUTPUT (bench/results/ws-memory.json),
// BENCH_SERVER_NODE_ARGS.
import { fork } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { removeTmpDir } from './lib/configs.mjs'
import { fatal, outputPath, positiveInteger, requireBuild, SERVER_NODE_ARGS } from './lib/env.mjs'
import { describeMachine, machineInfo } from './lib/machine.mjs'
import { FIXTURES, ROOT } from './lib/paths.mjs'
import { closeChildClients, installShutdownHandlers, requestChild, runMain, session, startServer, stopServers } from './lib/processes.mjs'
import { reportHead, writeReport } from './lib/report.mjs'
import { medianBy } from './lib/rounds.mjs'
import { delay, round } from './lib/util.mjs'
import { wsEchoConfig } from './lib/websocket.mjs'

const TARGET = 1.2
const STAGE = 'bench'
const WARM_CONNECTIONS = 200
const SETTLE_MS = 2000
const SAMPLES = 3
const SAMPLE_MS = 500
/** Descriptors a process needs besides its connections (files, pipes, the event loop's own). */
const FD_MARGIN = 500
const PER_SOURCE_ADDRESS = 20_000
/** Both servers: full GCs on SIGUSR2, so that RSS is read without the garbage of the handshakes. */
const GC_PRELOAD = ['--expose-gc', '--import', pathToFileURL(join(FIXTURES, 'gc-on-signal.mjs')).href]
const GATEWAY_FLAGS = ['--port', '0', '--no-admin', '--no-watch', '--quiet-functions', '--log-level', 'warn']

const levels = (process.env.BENCH_WS_LEVELS ?? '10000,50000').split(',').map((s) => Number(s.trim()))
if (levels.some((n) => !Number.isInteger(n) || n <= 0)) fatal(`BENCH_WS_LEVELS must be positive integers, not "${process.env.BENCH_WS_LEVELS}"`)
const rounds = positiveInteger('BENCH_ROUNDS', 3)
const OUTPUT = outputPath('bench/results/ws-memory.json')

const SERVERS = [
  { name: 'raw', description: 'bare ws server (node:http, per-message deflate off)', argv: () => [join(FIXTURES, 'ws-echo-server.mjs'), '0'], path: '/' },
  {
    name: 'gateway',
    description: `Gatehouse WebSocket API, stage ${STAGE}, $default route only (no Lambda per connection)`,
    argv: () => [join(ROOT, 'bin/gatehouse.js'), 'serve', wsEchoConfig('ws-memory', STAGE, 'bench/ws-memory.mjs'), ...GATEWAY_FLAGS],
    path: `/${STAGE}`,
  },
]

const clientChildren = new Set()
installShutdownHandlers(removeTmpDir)
process.on('exit', () => {
  for (const child of clientChildren) child.kill('SIGKILL')
})

async function main() {
  requireBuild('bench:ws-memory')
  const machine = machineInfo()
  const limits = openFileLimits()
  console.log(`Gatehouse WebSocket memory benchmark: ${describeMachine(machine)}`)
  console.log(`levels ${levels.join(', ')} idle connections, ${rounds} round(s); open files: soft ${limits.soft}, hard ${limits.hard}\n`)
  const results = []
  const skipped = []
  for (const level of levels) {
    const needed = level + FD_MARGIN
    if (needed > limits.hard) {
      const note =
        `SKIPPED ${level} connections: the server needs ${needed} open files and the hard limit (ulimit -Hn) is ${limits.hard}, ` +
        `which this user cannot raise; run as a user who can (e.g. ulimit -Hn ${needed + FD_MARGIN} as root with CAP_SYS_RESOURCE, ` +
        `or LimitNOFILE in a systemd unit) to measure it`
      console.log(note + '\n')
      skipped.push({ connections: level, reason: note })
      continue
    }
    const openFiles = needed > limits.soft ? Math.min(limits.hard, needed) : undefined
    const perProcess = Math.max(1, limits.soft - FD_MARGIN)
    const processes = Math.max(positiveInteger('BENCH_CLIENT_PROCESSES', 4), Math.ceil(level / perProcess), Math.ceil(level / PER_SOURCE_ADDRESS))
    const runs = []
    for (let r = 1; r <= rounds; r++) {
      if (rounds > 1) console.log(`-- ${level} connections, round ${r} of ${rounds}`)
      // Each round starts with the other server (the position in a round matters on a shared VM).
      const order = r % 2 === 1 ? SERVERS : [...SERVERS].reverse()
      for (const server of order) {
        if (session.interrupted) return
        runs.push({ round: r, ...(await measure(server, level, processes, openFiles)) })
      }
    }
    const median = (name) => {
      const mine = runs.filter((x) => x.name === name)
      const { round: _r, ...m } = medianBy(mine, (x) => x.bytesPerConnection)
      return { ...m, roundsBytesPerConnection: mine.map((x) => x.bytesPerConnection) }
    }
    const raw = median('raw')
    const gateway = median('gateway')
    const ratio = round(gateway.bytesPerConnection / raw.bytesPerConnection, 3)
    const perRound = []
    for (let r = 1; r <= rounds; r++) {
      const a = runs.find((x) => x.round === r && x.name === 'gateway')
      const b = runs.find((x) => x.round === r && x.name === 'raw')
      if (a && b) perRound.push(round(a.bytesPerConnection / b.bytesPerConnection, 3))
    }
    results.push({ connections: level, clientProcesses: processes, serverOpenFiles: openFiles ?? limits.soft, raw, gateway, ratio, perRound, target: TARGET, targetMet: ratio <= TARGET, runs })
  }

  console.log('')
  for (const r of results) {
    const verdict = r.targetMet ? 'TARGET MET' : 'TARGET MISSED'
    console.log(
      `${String(r.connections).padStart(6)} connections: raw ${r.raw.bytesPerConnection} B, gateway ${r.gateway.bytesPerConnection} B per connection ` +
        `(median of ${rounds}); ratio gateway/raw ${r.ratio.toFixed(3)}x   target <= ${TARGET}x   ${verdict}` +
        (r.perRound.length > 1 ? `   per round: ${r.perRound.map((x) => x.toFixed(3) + 'x').join(', ')}` : '')
    )
  }
  for (const s of skipped) console.log(`${String(s.connections).padStart(6)} connections: skipped (open-files limit; see above)`)
  writeReport(OUTPUT, {
    ...reportHead(machine, { rounds, levels }, STAGE, { openFiles: limits }),
    levels: results,
    skipped,
  })
}

async function measure(server, level, processes, openFiles) {
  console.log(`[${server.name}] starting: ${server.description}`)
  const child = await startServer(server.name, [...SERVER_NODE_ARGS, ...GC_PRELOAD, ...server.argv()], openFiles === undefined ? {} : { openFiles })
  const url = child.url.replace(/^http/, 'ws') + server.path
  const pid = child.child.pid
  try {
    await closeChildClients(await openClients(server.name, url, WARM_CONNECTIONS, 1), 10_000)
    await delay(1000)
    const before = await collectedRss(child)
    const openedAt = performance.now()
    const clients = await openClients(server.name, url, level, processes)
    try {
      const openSeconds = round((performance.now() - openedAt) / 1000, 1)
      await delay(SETTLE_MS)
      const afterAsIs = await sampledRss(pid)
      const after = await collectedRss(child)
      const status = await Promise.all(clients.map((c) => requestChild(c.child, 'status')))
      const open = status.reduce((a, s) => a + s.open, 0)
      if (open !== level) throw new Error(`[${server.name}] ${level - open} of the ${level} connections closed before the RSS reading`)
      const bytesPerConnection = Math.round((after - before) / level)
      const bytesPerConnectionBeforeGc = Math.round((afterAsIs - before) / level)
      console.log(
        `[${server.name}] RSS ${mib(before)} -> ${mib(after)} MiB with ${level} idle connections (opened in ${openSeconds} s): ` +
          `${bytesPerConnection} bytes per connection (${bytesPerConnectionBeforeGc} before the forced GC)`
      )
      return { name: server.name, connections: level, rssBeforeBytes: before, rssAfterBytes: after, rssAfterBeforeGcBytes: afterAsIs, bytesPerConnection, bytesPerConnectionBeforeGc, openSeconds }
    } finally {
      await closeChildClients(clients, 10_000)
    }
  } finally {
    await stopServers(server.name, [{ role: 'server', server: child }])
  }
}

function openFileLimits() {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))
  const [soft, hard] = (line ?? '').split(/\s+/).slice(3, 5).map((v) => (v === 'unlimited' ? Infinity : Number(v)))
  return { soft: soft ?? 1024, hard: hard ?? 1024 }
}

async function sampledRss(pid) {
  const samples = []
  for (let i = 0; i < SAMPLES; i++) {
    if (i > 0) await delay(SAMPLE_MS)
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    if (m === null) throw new Error(`no VmRSS in /proc/${pid}/status`)
    samples.push(Number(m[1]) * 1024)
  }
  return samples.sort((a, b) => a - b)[Math.floor(SAMPLES / 2)]
}

/** Full GCs in the server (SIGUSR2 to the gc-on-signal.mjs preload), then its RSS. */
async function collectedRss(server) {
  const seen = (server.stderr().match(/gc done/g) ?? []).length
  server.child.kill('SIGUSR2')
  const deadline = performance.now() + 30_000
  while ((server.stderr().match(/gc done/g) ?? []).length <= seen) {
    if (performance.now() > deadline) throw new Error('the server did not answer SIGUSR2 (gc-on-signal.mjs) within 30 s')
    await delay(50)
  }
  await delay(500)
  return sampledRss(server.child.pid)
}

const mib = (bytes) => (bytes / 2 ** 20).toFixed(1)

/** `count` idle connections from `processes` client children, each from its own source address when needed. */
async function openClients(name, url, count, processes) {
  const clients = []
  const per = Math.floor(count / processes)
  let fromAddress = 0
  for (let i = 0; i < processes; i++) {
    const n = per + (i < count % processes ? 1 : 0)
    if (n === 0) continue
    const address = `127.0.0.${1 + Math.floor(fromAddress / PER_SOURCE_ADDRESS)}`
    fromAddress += n
    const child = fork(join(FIXTURES, 'ws-idle-clients.mjs'), [url, String(n), '100', address], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    clientChildren.add(child)
    const exited = new Promise((r) => child.once('exit', r))
    exited.then(() => clientChildren.delete(child))
    clients.push({ child, exited })
  }
  try {
    const opened = await Promise.all(clients.map((c) => requestChild(c.child, null, 'opened', 300_000)))
    const failed = opened.reduce((a, o) => a + o.failed, 0)
    if (failed > 0) throw new Error(`[${name}] ${failed} of ${count} connections could not be opened (first error: ${opened.find((o) => o.firstError)?.firstError})`)
  } catch (err) {
    await closeChildClients(clients, 10_000)
    throw err
  }
  return clients
}

runMain(main, removeTmpDir)
