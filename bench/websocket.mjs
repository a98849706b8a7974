#!/usr/bin/env node
// `npm run bench:websocket`: WebSocket APIs (issue 7's performance item) against a bare `ws`
// server, on loopback.
//
//   1. ws-raw        bench/fixtures/ws-echo-server.mjs: a bare `ws` server (node:http, per-message
//                    deflate off) that sends every message back
//   2. ws-gateway    node bin/gatehouse.js serve <derived config>: one WebSocket API, stage `bench`,
//                    routeSelectionExpression $request.body.action, one `$default` route, two-way
//                    (routeResponseSelectionExpression $default), Lambda handler
//                    bench/fixtures/ws-echo.mjs returning { statusCode: 200, body: event.body }
//                    (account throttle 1e6 rps as in bench/fixtures/gatehouse.yaml)
//      Both: BENCH_CONNECTIONS WebSocket connections from this process, each sending a small JSON
//      text message, waiting for its echo, and sending the next: round trips per second and the
//      latency of every round trip (µs resolution), after a warm-up on the same connections.
//   3. ws-post       the ws-gateway config; BENCH_POST_CLIENTS WebSocket clients (in this process)
//                    learn their connection ids by sending {"action":"whoami"} (the handler answers
//                    with event.requestContext.connectionId), then an undici Pool (BENCH_POST_POOL
//                    connections, one request in flight on each) POSTs a small JSON body to
//                    /bench/@connections/{id}, round-robin over the ids: POSTs per second, latency,
//                    and whether every 200 produced a frame at its client.
//   4. idle-raw      ws-echo-server.mjs; 5. idle-gateway  the ws-gateway config (no $connect route,
//                    so no Lambda runs per connection): the server child's RSS (VmRSS of
//                    /proc/PID/status) before and after BENCH_IDLE_CONNECTIONS idle connections are
//                    opened from BENCH_IDLE_CLIENT_PROCESSES client processes
//                    (bench/fixtures/ws-idle-clients.mjs), all to 127.0.0.1; bytes per connection.
//
// Each server runs in its own child process on 127.0.0.1 (port 0); the load of 1 to 3 runs in
// this process, so on a small machine it competes with the server for the same cores. Scenarios
// run BENCH_ROUNDS times, interleaved, each round starting one scenario later; each scenario is
// summarised by its median round (rate, or bytes per connection). Prints a table, the ratios
// ws-gateway/ws-raw round trips per second (target >= 0.2x) and idle-gateway/idle-raw bytes per
// connection (target <= 2x), and writes bench/results/websocket-latest.json. With the defaults a
// run takes about 3 min.
//
// Never fails on the figures; exits 1 only when a scenario cannot run (a server does not start
// or exits, an echo or a whoami answer is wrong, idle connections cannot be opened).
//
// Environment:
//   BENCH_DURATION          seconds measured per load scenario (1 to 3)         (default 8)
//   BENCH_WARMUP            seconds of warm-up per load scenario                (default 2)
//   BENCH_CONNECTIONS       WebSocket connections of ws-raw and ws-gateway      (default 50)
//   BENCH_POST_CLIENTS      WebSocket clients receiving in ws-post              (default 50)
//   BENCH_POST_POOL         undici Pool connections posting in ws-post          (default 10)
//   BENCH_IDLE_CONNECTIONS  idle connections of idle-raw and idle-gateway       (default 10000)
//   BENCH_IDLE_CLIENT_PROCESSES  client processes opening them                  (default 4)
//   BENCH_ROUNDS            rounds, interleaved with rotated order              (default 3)
//   BENCH_SCENARIOS         comma-separated subset of ws-raw,ws-gateway,ws-post,idle-raw,idle-gateway
//   BENCH_OUTPUT            where to write the JSON results (default bench/results/websocket-latest.json,
//                           written only when all the scenarios ran)
//   BENCH_SERVER_NODE_ARGS  extra node flags for the server children
import { fork } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createHistogram } from 'node:perf_hooks'
import { dirname, join, relative, resolve } from 'node:path'
import { Pool } from 'undici'
import WebSocket from 'ws'
import { parse as parseYaml } from 'yaml'
import { removeTmpDir } from './lib/configs.mjs'
import { fatal, nonNegativeNumber, positiveInteger, positiveNumber } from './lib/env.mjs'
import { measured } from './lib/load.mjs'
import { gitCommit, machineInfo, NOISE_CORES, noiseOf } from './lib/machine.mjs'
import { FIXTURES, GATEWAY_CONFIG, ROOT } from './lib/paths.mjs'
import { closeChildClients, installShutdownHandlers, requestChild, runMain, session, startServer, stopServer } from './lib/processes.mjs'
import { delay, indent, printColumns, round } from './lib/util.mjs'
import { closeSockets, connectionPaths, countFrames, openSockets, postBody, POST_BODY, postPhase as postPhaseOf, roundTrip, waitFor, wsEchoConfig } from './lib/websocket.mjs'

const STAGE = 'bench'
/** The echo scenarios' message: small JSON whose action matches no route, so `$default` gets it. */
const MESSAGE = JSON.stringify({ action: 'echo', message: 'hello from gatehouse', seq: 0 })
const MESSAGE_BYTES = Buffer.from(MESSAGE)
/** The ws-post scenario's body, sent as a text frame to the addressed client. */
/** Connections opened and closed before the "before" RSS reading, so that their code is warm. */
const IDLE_WARM_CONNECTIONS = 200
/** After the idle connections are open: wait, then read RSS this many times this far apart. */
const IDLE_SETTLE_MS = 1500
const IDLE_SAMPLES = 3
const IDLE_SAMPLE_MS = 500
/** After each load run, how long the server gets before the bench checks that it is still up. */
const SETTLE_MS = 300
const RATE_TARGET = 0.2
const MEMORY_TARGET = 2

const settings = {
  duration: positiveNumber('BENCH_DURATION', 8),
  warmup: nonNegativeNumber('BENCH_WARMUP', 2),
  connections: positiveInteger('BENCH_CONNECTIONS', 50),
  postClients: positiveInteger('BENCH_POST_CLIENTS', 50),
  postPool: positiveInteger('BENCH_POST_POOL', 10),
  idleConnections: positiveInteger('BENCH_IDLE_CONNECTIONS', 10000),
  idleClientProcesses: positiveInteger('BENCH_IDLE_CLIENT_PROCESSES', 4),
  rounds: positiveInteger('BENCH_ROUNDS', 3),
}
const OUTPUT = process.env.BENCH_OUTPUT ? resolve(process.env.BENCH_OUTPUT) : join(ROOT, 'bench/results/websocket-latest.json')
const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)
const GATEWAY_FLAGS = ['--port', '0', '--no-admin', '--no-watch', '--quiet-functions', '--log-level', 'warn']

/** The WebSocket API of ws-gateway, ws-post and idle-gateway (a copy of gatehouse.yaml's top level). */
function gatewayConfig() {
  return wsEchoConfig('ws-gateway', STAGE, 'bench/websocket.mjs')
}

const rawServer = () => startServer('ws-echo-server', [...SERVER_NODE_ARGS, join(FIXTURES, 'ws-echo-server.mjs'), '0'])
const gatewayServer = () => startServer('gatehouse', [...SERVER_NODE_ARGS, join(ROOT, 'bin/gatehouse.js'), 'serve', gatewayConfig(), ...GATEWAY_FLAGS])
const wsUrl = (server, path) => server.url.replace(/^http/, 'ws') + path

const SCENARIOS = [
  {
    name: 'ws-raw',
    kind: 'echo',
    description: 'bare ws server (node:http, per-message deflate off) echoing each message',
    start: rawServer,
    path: '/',
  },
  {
    name: 'ws-gateway',
    kind: 'echo',
    description: `Gatehouse WebSocket API, stage ${STAGE}, $default two-way route -> Lambda returning event.body (worker-thread environment); account throttle 1e6 rps`,
    start: gatewayServer,
    path: `/${STAGE}`,
  },
  {
    name: 'ws-post',
    kind: 'post',
    description: `Gatehouse as ws-gateway; POST /${STAGE}/@connections/{id} round-robin over the connected clients' ids`,
    start: gatewayServer,
    path: `/${STAGE}`,
  },
  {
    name: 'idle-raw',
    kind: 'idle',
    description: 'bare ws server; RSS per idle connection',
    start: rawServer,
    path: '/',
  },
  {
    name: 'idle-gateway',
    kind: 'idle',
    description: `Gatehouse as ws-gateway (no $connect route: no Lambda per connection); RSS per idle connection`,
    start: gatewayServer,
    path: `/${STAGE}`,
  },
]
const selected = (process.env.BENCH_SCENARIOS ?? SCENARIOS.map((s) => s.name).join(',')).split(',').map((s) => s.trim()).filter(Boolean)
for (const name of selected) {
  if (!SCENARIOS.some((s) => s.name === name)) fatal(`BENCH_SCENARIOS: unknown scenario "${name}" (${SCENARIOS.map((s) => s.name).join(', ')})`)
}
const complete = SCENARIOS.every((s) => selected.includes(s.name))

/** Idle-client child processes still alive: killed on exit whatever the path. */
const clientChildren = new Set()
installShutdownHandlers(removeTmpDir)
process.on('exit', () => {
  for (const child of clientChildren) child.kill('SIGKILL')
})

async function main() {
  if (!existsSync(join(ROOT, 'build/src/cli/main.js'))) {
    fatal('build/ is missing: run `npm run bench:websocket` (it compiles first) or `npm run build`')
  }
  const machine = machineInfo()
  const idleNote = fitIdleConnectionsToFdLimit()
  console.log(`Gatehouse WebSocket benchmark: ${machine.cpus} CPU(s) (${machine.cpuModel}), Node ${machine.node}, ${machine.platform}`)
  console.log(
    `${settings.warmup}s warm-up + ${settings.duration}s measured per load scenario; echo: ${settings.connections} connections, ` +
      `@connections: ${settings.postClients} clients, undici Pool of ${settings.postPool}; idle: ${settings.idleConnections} connections ` +
      `from ${settings.idleClientProcesses} client processes; 127.0.0.1`
  )
  if (idleNote) console.log(idleNote)
  console.log(`The load generator (this process) shares the ${machine.cpus} CPU(s) with the server.\n`)

  const scenarios = SCENARIOS.filter((s) => selected.includes(s.name))
  const runs = []
  for (let r = 1; r <= settings.rounds; r++) {
    if (settings.rounds > 1) console.log(`-- round ${r} of ${settings.rounds}`)
    // Each round starts one scenario later (see bench/run.mjs).
    const shift = (r - 1) % scenarios.length
    for (const scenario of [...scenarios.slice(shift), ...scenarios.slice(0, shift)]) {
      if (session.interrupted) return
      const result = await runScenario(scenario)
      if (result === undefined) return
      runs.push({ round: r, ...result })
    }
  }
  if (session.interrupted) return

  // Each scenario: its median round, by rate (load) or by bytes per connection (idle).
  const results = scenarios.map((s) => {
    const mine = runs.filter((r) => r.name === s.name)
    const key = s.kind === 'idle' ? (r) => r.bytesPerConnection : (r) => r.rate
    const { round: medianRound, ...median } = medianBy(mine, key)
    return { ...median, medianRound, ...(mine.length > 1 ? { roundsValues: mine.map(key) } : {}) }
  })
  const byName = (name) => results.find((r) => r.name === name)
  const ratio = (name, num, den, key, target, better) => {
    const n = byName(num)
    const d = byName(den)
    if (n === undefined || d === undefined) return null
    const value = d[key] > 0 ? round(n[key] / d[key], 4) : null
    const perRound = []
    const disturbedRounds = []
    for (let r = 1; r <= settings.rounds; r++) {
      const rn = runs.find((x) => x.round === r && x.name === num)
      const rd = runs.find((x) => x.round === r && x.name === den)
      if (rn && rd && rd[key] > 0) {
        perRound.push(round(rn[key] / rd[key], 4))
        if (noiseOf(rn) > NOISE_CORES || noiseOf(rd) > NOISE_CORES) disturbedRounds.push(r)
      }
    }
    const targetMet = value === null ? null : better === 'higher' ? value >= target : value <= target
    return { name, numerator: num, denominator: den, of: key, value, target: `${better === 'higher' ? '>=' : '<='} ${target}x`, targetMet, perRound, disturbedRounds }
  }
  const ratios = [
    ratio('ws-gateway/ws-raw', 'ws-gateway', 'ws-raw', 'rate', RATE_TARGET, 'higher'),
    ratio('idle-gateway/idle-raw', 'idle-gateway', 'idle-raw', 'bytesPerConnection', MEMORY_TARGET, 'lower'),
  ].filter((x) => x !== null)

  console.log('')
  const median = settings.rounds > 1 ? ` (median of ${settings.rounds} rounds)` : ''
  const load = results.filter((r) => r.kind !== 'idle')
  if (load.length > 0) {
    console.log(`load${median}:`)
    printLoadTable(load)
    console.log('')
  }
  const idle = results.filter((r) => r.kind === 'idle')
  if (idle.length > 0) {
    console.log(`idle connections${median}:`)
    printIdleTable(idle)
    console.log('')
  }
  for (const q of ratios) {
    const what = q.of === 'rate' ? 'round trips/s' : 'bytes/connection'
    const rounds =
      q.perRound.length > 1
        ? `   per round: ${q.perRound.map((v, i) => v.toFixed(3) + 'x' + (q.disturbedRounds.includes(i + 1) ? '*' : '')).join(', ')}`
        : ''
    console.log(
      `ratio ${q.name.padEnd(22)} ${what.padEnd(16)} ${q.value === null ? 'n/a' : q.value.toFixed(3) + 'x'}   target ${q.target}   ` +
        `${q.value === null ? 'n/a' : q.targetMet ? 'TARGET MET' : 'TARGET MISSED'}${rounds}`
    )
  }
  const disturbed = runs.filter((r) => noiseOf(r) > NOISE_CORES)
  if (disturbed.length > 0) {
    console.log(
      `WARNING: other processes or the hypervisor (steal) took up to ${Math.max(...disturbed.map(noiseOf)).toFixed(2)} cores ` +
        `during ${disturbed.length} of ${runs.length} measured run(s) (${disturbed.map((r) => `${r.name} round ${r.round}`).join(', ')})` +
        (settings.rounds > 1 ? '; per-round ratios marked *' : '') +
        '; compare such figures with care'
    )
  }
  const failing = runs.filter((r) => r.kind !== 'idle' && r.errors > 0)
  if (failing.length > 0) {
    console.log(`WARNING: errors or unexpected answers in ${failing.map((r) => `${r.name} round ${r.round} (${r.errors}: ${JSON.stringify(r.problems)})`).join(', ')}`)
  }
  const lost = runs.filter((r) => r.kind === 'post' && r.frames.received !== r.frames.expected)
  if (lost.length > 0) {
    console.log(`WARNING: @connections frames missing: ${lost.map((r) => `round ${r.round}: ${r.frames.received} of ${r.frames.expected}`).join(', ')}`)
  }

  const report = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    machine,
    settings: {
      ...settings,
      ...(idleNote ? { idleConnectionsNote: idleNote } : {}),
      host: '127.0.0.1',
      stage: STAGE,
      message: MESSAGE,
      postBody: POST_BODY,
      loadGenerator: 'ws and undici clients in the bench process; idle connections from bench/fixtures/ws-idle-clients.mjs children',
      serverNodeArgs: SERVER_NODE_ARGS,
      scenarios: scenarios.map((s) => s.name),
      accountThrottle: parseYaml(readFileSync(GATEWAY_CONFIG, 'utf8')).throttleSettings ?? 'default',
      summary: 'each scenario: its median round (load: by rate; idle: by bytes per connection)',
    },
    scenarios: results,
    ...(settings.rounds > 1 ? { rounds: runs } : {}),
    ratios,
  }
  if (!complete && process.env.BENCH_OUTPUT === undefined) {
    console.log('\nresults not written (only part of the scenarios ran; set BENCH_OUTPUT to keep them)')
    return
  }
  mkdirSync(dirname(OUTPUT), { recursive: true })
  writeFileSync(OUTPUT, JSON.stringify(report, null, 2) + '\n')
  console.log(`\nresults written to ${relative(process.cwd(), OUTPUT) || OUTPUT}`)
}

async function runScenario(scenario) {
  console.log(`[${scenario.name}] starting: ${scenario.description}`)
  const server = await scenario.start()
  const url = wsUrl(server, scenario.path)
  let summary
  try {
    const run = scenario.kind === 'echo' ? runEcho : scenario.kind === 'post' ? runPost : runIdle
    const result = await run(scenario, server, url)
    if (result === undefined || session.interrupted) return undefined
    await assertRunning(scenario, server)
    summary = { name: scenario.name, kind: scenario.kind, description: scenario.description, ...result }
    if (noiseOf(summary) > NOISE_CORES) {
      console.log(
        `[${scenario.name}] WARNING: other processes used ${summary.machine.otherCores} cores and the hypervisor took ` +
          `${summary.machine.stealCores} cores meanwhile`
      )
    }
  } finally {
    await stopServer(server)
    if (server.stderr().trim() !== '') console.log(`[${scenario.name}] server stderr:\n${indent(server.stderr().trim())}`)
  }
  return summary
}

// ---------------------------------------------------------------------------------------------
// 1 and 2: echo round trips

async function runEcho(scenario, server, url) {
  const sockets = await openSockets(scenario.name, url, settings.connections)
  try {
    // The check: one exact echo before anything is measured.
    const [answer] = await roundTrip(sockets[0], MESSAGE)
    if (answer !== MESSAGE) throw new Error(`[${scenario.name}] sent ${MESSAGE}, got back ${JSON.stringify(answer)}`)
    let warmupRoundTrips = 0
    if (settings.warmup > 0) {
      console.log(`[${scenario.name}] warming up for ${settings.warmup}s at ${url}`)
      warmupRoundTrips = (await echoPhase(sockets, settings.warmup, null)).count
    }
    if (session.interrupted) return undefined
    console.log(`[${scenario.name}] measuring for ${settings.duration}s`)
    const latencyUs = createHistogram()
    const { result, cpuSeconds, serverCores, selfCores, machine } = await measured([server.child.pid], () =>
      echoPhase(sockets, settings.duration, latencyUs).then((result) => ({ result }))
    )
    const summary = {
      rate: round(result.count / result.seconds, 1),
      roundTrips: result.count,
      roundTripsIncludingWarmup: 1 + warmupRoundTrips + result.count,
      durationSeconds: round(result.seconds, 3),
      latencyMs: latencies(latencyUs),
      errors: result.errors,
      problems: result.problems,
      serverCpuCores: serverCores === null ? null : round(serverCores, 2),
      serverCpuUsPerOperation: cpuSeconds[0] === null || result.count === 0 ? null : round((cpuSeconds[0] * 1e6) / result.count, 1),
      loadGeneratorCpuCores: round(selfCores, 2),
      machine,
    }
    console.log(
      `[${scenario.name}] ${summary.rate} round trips/s, p50 ${summary.latencyMs.p50} ms, p99 ${summary.latencyMs.p99} ms, ` +
        `server CPU ${summary.serverCpuUsPerOperation} µs per round trip` +
        (summary.errors > 0 ? `, ${summary.errors} errors ${JSON.stringify(summary.problems)}` : '')
    )
    return summary
  } finally {
    closeSockets(sockets)
  }
}

/**
 * Every socket sends MESSAGE, waits for its echo, and sends again until `seconds` have passed;
 * with `latencyUs`, each round trip's time goes into it. An answer other than the echo, or a
 * socket that closes, counts as an error (and that socket stops).
 */
function echoPhase(sockets, seconds, latencyUs) {
  return new Promise((resolvePhase) => {
    const started = performance.now()
    const deadline = started + seconds * 1000
    let active = sockets.length
    let count = 0
    let errors = 0
    const problems = {}
    const problem = (what) => {
      errors++
      problems[what] = (problems[what] ?? 0) + 1
    }
    const done = () => {
      if (--active === 0) resolvePhase({ count, errors, problems, seconds: (performance.now() - started) / 1000 })
    }
    for (const socket of sockets) {
      let sentAt = 0
      let finished = false
      const finish = () => {
        if (finished) return
        finished = true
        socket.handlers = null
        done()
      }
      socket.handlers = {
        message(data, isBinary) {
          const now = performance.now()
          if (!isBinary && MESSAGE_BYTES.equals(data)) {
            count++
            latencyUs?.record(Math.max(1, Math.round((now - sentAt) * 1000)))
          } else {
            problem(unexpected(data, isBinary))
          }
          if (now < deadline && !session.interrupted) {
            sentAt = performance.now()
            socket.send(MESSAGE)
          } else finish()
        },
        close(code) {
          problem(`closed ${code}`)
          finish()
        },
      }
      if (socket.readyState !== WebSocket.OPEN) {
        problem('not open')
        finish()
        continue
      }
      sentAt = performance.now()
      socket.send(MESSAGE)
    }
  })
}

// ---------------------------------------------------------------------------------------------
// 3: @connections POST

async function runPost(scenario, server, url) {
  const sockets = await openSockets(scenario.name, url, settings.postClients)
  const pool = new Pool(server.url, { connections: settings.postPool })
  try {
    // Each client learns its connection id.
    const paths = await connectionPaths(scenario.name, sockets, STAGE)
    // From now on every client counts the frames it receives.
    const frames = countFrames(sockets)
    let posted = 0
    // The check: one POST, one frame.
    const check = await postBody(pool, paths[0])
    const checkBody = await check.body.text()
    if (check.statusCode !== 200) throw new Error(`[${scenario.name}] POST ${paths[0]} answered ${check.statusCode} ${checkBody}`)
    posted++
    await waitFor(() => frames.received >= 1, 2000)
    if (frames.received !== 1) throw new Error(`[${scenario.name}] POST ${paths[0]} answered 200 but its client got no frame`)
    let warmup = null
    if (settings.warmup > 0) {
      console.log(`[${scenario.name}] warming up for ${settings.warmup}s at ${server.url}/${STAGE}/@connections/{id}`)
      warmup = await postPhase(pool, paths, settings.warmup, null)
      posted += warmup.ok
    }
    if (session.interrupted) return undefined
    console.log(`[${scenario.name}] measuring for ${settings.duration}s`)
    const latencyUs = createHistogram()
    const { result, cpuSeconds, serverCores, selfCores, machine } = await measured([server.child.pid], () =>
      postPhase(pool, paths, settings.duration, latencyUs).then((result) => ({ result }))
    )
    posted += result.ok
    // Frames may still be on their way: give them up to 3 s.
    await waitFor(() => frames.received >= posted, 3000)
    const summary = {
      rate: round(result.count / result.seconds, 1),
      posts: result.count,
      postsIncludingWarmup: 1 + (warmup?.count ?? 0) + result.count,
      statusCodes: result.statusCodes,
      durationSeconds: round(result.seconds, 3),
      latencyMs: latencies(latencyUs),
      errors: result.errors,
      problems: result.problems,
      // Every POST answered 200 (check, warm-up and measurement) must have produced one frame.
      frames: { expected: posted, received: frames.received, unexpected: frames.unexpected },
      serverCpuCores: serverCores === null ? null : round(serverCores, 2),
      serverCpuUsPerOperation: cpuSeconds[0] === null || result.count === 0 ? null : round((cpuSeconds[0] * 1e6) / result.count, 1),
      loadGeneratorCpuCores: round(selfCores, 2),
      machine,
    }
    console.log(
      `[${scenario.name}] ${summary.rate} POSTs/s, p50 ${summary.latencyMs.p50} ms, p99 ${summary.latencyMs.p99} ms, ` +
        `frames ${frames.received} of ${posted}, server CPU ${summary.serverCpuUsPerOperation} µs per POST` +
        (summary.errors > 0 ? `, ${summary.errors} errors ${JSON.stringify(summary.problems)}` : '')
    )
    return summary
  } finally {
    await pool.close().catch(() => {})
    closeSockets(sockets)
  }
}

/** BENCH_POST_POOL loops, each with one POST in flight, round-robin over `paths`, for `seconds`. */
function postPhase(pool, paths, seconds, latencyUs) {
  return postPhaseOf(pool, paths, seconds, latencyUs, settings.postPool)
}

// ---------------------------------------------------------------------------------------------
// 4 and 5: RSS per idle connection

async function runIdle(scenario, server, url) {
  const pid = server.child.pid
  // Warm the handshake path so its compiled code is in the "before" reading, not the delta.
  const warm = await openIdleClients(scenario.name, url, IDLE_WARM_CONNECTIONS, 1)
  await closeChildClients(warm, 5000)
  await delay(1000)
  const rssBefore = await sampledRss(pid)
  console.log(`[${scenario.name}] RSS ${mib(rssBefore)} MiB; opening ${settings.idleConnections} idle connections at ${url}`)
  const openedAt = performance.now()
  const clients = await openIdleClients(scenario.name, url, settings.idleConnections, settings.idleClientProcesses)
  try {
    const openSeconds = (performance.now() - openedAt) / 1000
    if (session.interrupted) return undefined
    // The server should be idle from now on: the CPU readings of this window measure the noise.
    const { result: rssAfter, cpuSeconds, serverCores, selfCores, machine, wall } = await measured(
      [pid, ...clients.map((c) => c.child.pid)],
      async () => {
        await delay(IDLE_SETTLE_MS)
        return { result: await sampledRss(pid) }
      }
    )
    const status = await Promise.all(clients.map((c) => requestChild(c.child, 'status')))
    const stillOpen = status.reduce((a, s) => a + s.open, 0)
    if (stillOpen !== settings.idleConnections) {
      throw new Error(`[${scenario.name}] ${settings.idleConnections - stillOpen} of the ${settings.idleConnections} idle connections closed before the RSS reading`)
    }
    const summary = {
      connections: settings.idleConnections,
      rssBeforeBytes: rssBefore,
      rssAfterBytes: rssAfter,
      bytesPerConnection: Math.round((rssAfter - rssBefore) / settings.idleConnections),
      openSeconds: round(openSeconds, 2),
      serverCpuCoresWhileIdle: cpuSeconds[0] === null ? null : round(cpuSeconds[0] / wall, 2),
      clientCpuCoresWhileIdle: cpuSeconds.slice(1).includes(null) ? null : round(cpuSeconds.slice(1).reduce((a, b) => a + b, 0) / wall, 2),
      serverCpuCores: serverCores === null ? null : round(serverCores, 2),
      loadGeneratorCpuCores: round(selfCores, 2),
      machine,
    }
    console.log(
      `[${scenario.name}] RSS ${mib(rssBefore)} -> ${mib(rssAfter)} MiB with ${settings.idleConnections} idle connections ` +
        `(opened in ${summary.openSeconds} s): ${summary.bytesPerConnection} bytes per connection`
    )
    return summary
  } finally {
    await closeChildClients(clients, 5000)
  }
}

/** The median of IDLE_SAMPLES VmRSS readings IDLE_SAMPLE_MS apart, in bytes. */
async function sampledRss(pid) {
  const samples = []
  for (let i = 0; i < IDLE_SAMPLES; i++) {
    if (i > 0) await delay(IDLE_SAMPLE_MS)
    samples.push(rssBytes(pid))
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]
}

function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
  if (m === null) throw new Error(`no VmRSS in /proc/${pid}/status`)
  return Number(m[1]) * 1024
}

/** `count` idle connections from `processes` forked ws-idle-clients.mjs children; resolves once all are open. */
async function openIdleClients(name, url, count, processes) {
  const clients = []
  const per = Math.floor(count / processes)
  for (let i = 0; i < processes; i++) {
    const n = per + (i < count % processes ? 1 : 0)
    if (n === 0) continue
    const child = fork(join(FIXTURES, 'ws-idle-clients.mjs'), [url, String(n), '100'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    clientChildren.add(child)
    const exited = new Promise((r) => child.once('exit', r))
    exited.then(() => clientChildren.delete(child))
    clients.push({ child, exited, count: n })
  }
  try {
    const opened = await Promise.all(clients.map((c) => requestChild(c.child, null, 'opened', 120_000)))
    const failed = opened.reduce((a, o) => a + o.failed, 0)
    if (failed > 0) {
      throw new Error(`[${name}] ${failed} of ${count} idle connections could not be opened (first error: ${opened.find((o) => o.firstError)?.firstError})`)
    }
  } catch (err) {
    await closeChildClients(clients, 5000)
    throw err
  }
  return clients
}

/**
 * The server child holds every idle connection, each client process its share; all inherit this
 * process's soft limit on open files. Lowers BENCH_IDLE_CONNECTIONS to fit it, and says so.
 */
function fitIdleConnectionsToFdLimit() {
  let limit
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))
    limit = Number(line.split(/\s+/)[3])
  } catch {
    return null
  }
  if (!Number.isFinite(limit)) return null
  const margin = 500
  const wanted = settings.idleConnections
  const perProcessNeeded = Math.ceil(wanted / settings.idleClientProcesses)
  if (wanted + margin <= limit && perProcessNeeded + margin <= limit) return null
  settings.idleConnections = Math.max(1, Math.min(limit - margin, (limit - margin) * settings.idleClientProcesses))
  return (
    `NOTE: the open-files limit (ulimit -n) is ${limit}: idle connections lowered from ${wanted} to ${settings.idleConnections}; ` +
    `raise it (ulimit -n ${wanted + 2 * margin}) to measure ${wanted}`
  )
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

function unexpected(data, isBinary) {
  if (isBinary) return 'binary frame'
  const text = data.toString('utf8')
  try {
    const parsed = JSON.parse(text)
    if (typeof parsed.message === 'string' && parsed.message !== 'hello from gatehouse') return parsed.message
  } catch {
    // not JSON
  }
  return 'other frame'
}

async function assertRunning(scenario, server) {
  await delay(SETTLE_MS)
  if (server.child.exitCode === null && server.child.signalCode === null) return
  throw new Error(
    `[${scenario.name}] the server exited (${server.child.signalCode ?? 'code ' + server.child.exitCode}) during the scenario:\n` +
      indent(server.stderr().trim())
  )
}

function latencies(histogram) {
  if (histogram.count === 0) return { p50: null, p90: null, p99: null, mean: null, max: null }
  return {
    p50: round(histogram.percentile(50) / 1000, 3),
    p90: round(histogram.percentile(90) / 1000, 3),
    p99: round(histogram.percentile(99) / 1000, 3),
    mean: round(histogram.mean / 1000, 3),
    max: round(histogram.max / 1000, 3),
  }
}

const mib = (bytes) => (bytes / 2 ** 20).toFixed(1)
const fixed = (n, digits) => (n === null || n === undefined ? 'n/a' : n.toFixed(digits))

function printLoadTable(rows) {
  printColumns([
    ['scenario', 'per second', 'unit', 'p50 ms', 'p99 ms', 'errors', 'server CPU', 'CPU/op', 'load gen CPU', 'other+steal'],
    ...rows.map((r) => [
      r.name,
      r.rate.toFixed(0),
      r.kind === 'post' ? 'POSTs' : 'round trips',
      fixed(r.latencyMs.p50, 3),
      fixed(r.latencyMs.p99, 3),
      String(r.errors) + (r.kind === 'post' ? ` (frames ${r.frames.received}/${r.frames.expected})` : ''),
      r.serverCpuCores === null ? 'n/a' : `${r.serverCpuCores.toFixed(2)} cores`,
      r.serverCpuUsPerOperation === null ? 'n/a' : `${r.serverCpuUsPerOperation.toFixed(0)} µs`,
      `${r.loadGeneratorCpuCores.toFixed(2)} cores`,
      r.machine.otherCores === null ? 'n/a' : `${noiseOf(r).toFixed(2)} cores`,
    ]),
  ])
}

function printIdleTable(rows) {
  printColumns([
    ['scenario', 'connections', 'RSS before MiB', 'RSS after MiB', 'bytes/connection', 'opened in', 'other+steal'],
    ...rows.map((r) => [
      r.name,
      String(r.connections),
      mib(r.rssBeforeBytes),
      mib(r.rssAfterBytes),
      String(r.bytesPerConnection),
      `${r.openSeconds.toFixed(1)} s`,
      r.machine.otherCores === null ? 'n/a' : `${noiseOf(r).toFixed(2)} cores`,
    ]),
  ])
}

/** The item with the median value (the lower middle one for an even count). */
function medianBy(items, value) {
  return [...items].sort((a, b) => value(a) - value(b))[Math.floor((items.length - 1) / 2)]
}

runMain(main, removeTmpDir)
