#!/usr/bin/env node
// `npm run bench:scale-out`: what sharing state through Redis costs (issue 8), on loopback. The
// bench starts its own `redis-server --port <free> --bind 127.0.0.1 --save '' --appendonly no`
// (working directory: a temporary one), empties it (FLUSHALL) before every scenario, and stops it
// when it ends, whatever the path.
//
//   1. throttle-memory  node bin/gatehouse.js serve <config>: bench/fixtures/gatehouse.yaml (GET /hello
//                       -> the payload 2.0 Lambda fixture, account throttle 1e6 rps) plus stage
//                       defaultRouteSettings throttling at 1e6 rps / burst 1e6, far above the load
//                       (run.mjs's gateway-throttle scenario); in-memory token buckets
//   2. throttle-redis   the same config and command plus `--redis redis://127.0.0.1:PORT`: every
//                       request takes its tokens through one Lua script on Redis
//      Both: autocannon in this process (BENCH_CONNECTIONS connections), as `npm run bench`.
//   3. post-same        two gateways (node A, node B) on the same Redis (`--redis`), one WebSocket API
//                       (stage `bench`, $default two-way route to bench/fixtures/ws-echo.mjs, as
//                       bench/websocket.mjs); BENCH_POST_CLIENTS clients connected to node A learn
//                       their connection ids ({"action":"whoami"}); an undici Pool (BENCH_POST_POOL
//                       connections, one request in flight on each) POSTs a small JSON body to
//                       /bench/@connections/{id} on node A, which holds the connections
//   4. post-cross       the same, but the POSTs go to node B, which forwards each one to node A over
//                       Redis pub/sub and answers with node A's outcome
//      Both: POSTs per second, latency of the 200s, and every 200 (check, warm-up and measurement)
//      must have produced exactly one frame at its client (frames get 3 s after the run to arrive).
//
// Server CPU is read for every gateway child and for redis-server (so Redis's work is not counted
// as noise); Redis's `INFO commandstats` before and after the measurement gives the Lua scripts and
// the commands (those the scripts call included) per request or POST, which also shows that
// throttle-redis really used Redis and that post-same did not. Scenarios run BENCH_ROUNDS times, interleaved, each round starting one scenario later;
// each is summarised by its median-rate round. Prints a table and the ratios
// throttle-redis/throttle-memory (rps) and post-cross/post-same (POSTs/s, and p99), then writes
// bench/results/scale-out-latest.json. With the defaults a run takes about 2 min 40 s. No targets:
// exit 0 whatever the figures; 1 only when a scenario cannot run (redis-server or a gateway does not
// start or exits, a response or a whoami answer is wrong, a check POST produces no frame).
//
// Environment:
//   BENCH_DURATION      seconds measured per scenario                          (default 8)
//   BENCH_WARMUP        seconds of warm-up per scenario                        (default 2)
//   BENCH_CONNECTIONS   autocannon connections of the throttle scenarios       (default 10)
//   BENCH_POST_CLIENTS  WebSocket clients receiving in the post scenarios      (default 50)
//   BENCH_POST_POOL     undici Pool connections posting in the post scenarios  (default 10)
//   BENCH_ROUNDS        rounds, interleaved with rotated order                 (default 3)
//   BENCH_SCENARIOS     comma-separated subset of throttle-memory,throttle-redis,post-same,post-cross
//   BENCH_OUTPUT        where to write the JSON results (default bench/results/scale-out-latest.json,
//                       written only when all the scenarios ran)
//   BENCH_SERVER_NODE_ARGS  extra node flags for the gateway children
//   BENCH_REDIS_SERVER  the redis-server executable                            (default redis-server)
import { spawn } from 'node:child_process'
import net from 'node:net'
import { join } from 'node:path'
import { createHistogram } from 'node:perf_hooks'
import { Redis } from 'ioredis'
import { Pool } from 'undici'
import { derivedConfig, ensureTmpDir, GATEWAY_FLAGS, removeTmpDir } from './lib/configs.mjs'
import { fatal, nonNegativeNumber, outputPath, positiveInteger, positiveNumber, requireBuild, SERVER_NODE_ARGS } from './lib/env.mjs'
import { checkResponse, load, measured } from './lib/load.mjs'
import { describeMachine, machineInfo, noiseOf } from './lib/machine.mjs'
import { ROOT } from './lib/paths.mjs'
import { installShutdownHandlers, runMain, session, startServer, stopServers } from './lib/processes.mjs'
import { accountThrottle, hasProblems, problemsText, reportHead, responseFigures, warnDisturbedRuns, warnFailing, warnIfDisturbed, writeReport } from './lib/report.mjs'
import { medianBy, perRound, perRoundText, runRounds } from './lib/rounds.mjs'
import { delay, indent, printColumns, round } from './lib/util.mjs'
import { closeSockets, connectionPaths, countFrames, openSockets, postBody, POST_BODY, postPhase as postPhaseOf, roundTrip, waitFor, wsEchoConfig } from './lib/websocket.mjs'

const PATH = '/hello'
const STAGE = 'bench'
/** Stage throttling far above anything this bench can drive (as run.mjs's gateway-throttle). */
const STAGE_THROTTLE = { throttlingRateLimit: 1_000_000, throttlingBurstLimit: 1_000_000 }
/** The post scenarios' body, sent as a text frame to the addressed client. */
/** After each load run, how long the servers get before the bench checks that they are still up. */
const SETTLE_MS = 300
const FLAGS = [...GATEWAY_FLAGS, '--no-admin']
const GATEHOUSE = join(ROOT, 'bin/gatehouse.js')
const REDIS_SERVER = process.env.BENCH_REDIS_SERVER || 'redis-server'

const settings = {
  duration: positiveNumber('BENCH_DURATION', 8),
  warmup: nonNegativeNumber('BENCH_WARMUP', 2),
  connections: positiveInteger('BENCH_CONNECTIONS', 10),
  postClients: positiveInteger('BENCH_POST_CLIENTS', 50),
  postPool: positiveInteger('BENCH_POST_POOL', 10),
  rounds: positiveInteger('BENCH_ROUNDS', 3),
}
const OUTPUT = outputPath('bench/results/scale-out-latest.json')

const SCENARIOS = [
  {
    name: 'throttle-memory',
    kind: 'throttle',
    redis: false,
    description: 'one gateway, GET /hello, stage throttle 1e6 rps / burst 1e6, in-memory buckets (autocannon)',
  },
  {
    name: 'throttle-redis',
    kind: 'throttle',
    redis: true,
    description: 'as throttle-memory, with --redis: the buckets live in Redis (one Lua script per request)',
  },
  {
    name: 'post-same',
    kind: 'post',
    cross: false,
    description: `two gateways on one Redis; clients on node A; POST /${STAGE}/@connections/{id} to node A (holds the connections)`,
  },
  {
    name: 'post-cross',
    kind: 'post',
    cross: true,
    description: `as post-same, but the POSTs go to node B, which forwards them to node A over Redis pub/sub`,
  },
]
const RATIOS = [
  { name: 'throttle-redis/throttle-memory', numerator: 'throttle-redis', denominator: 'throttle-memory', unit: 'rps' },
  { name: 'post-cross/post-same', numerator: 'post-cross', denominator: 'post-same', unit: 'POSTs/s' },
]
const selected = (process.env.BENCH_SCENARIOS ?? SCENARIOS.map((s) => s.name).join(',')).split(',').map((s) => s.trim()).filter(Boolean)
for (const name of selected) {
  if (!SCENARIOS.some((s) => s.name === name)) fatal(`BENCH_SCENARIOS: unknown scenario "${name}" (${SCENARIOS.map((s) => s.name).join(', ')})`)
}
const complete = SCENARIOS.every((s) => selected.includes(s.name))

/** The bench's redis-server ({ child, exited, pid, port, url, version }) and this process's client to it. */
let redis
let redisClient

/** Last resort, on any exit path: redis-server must not outlive the bench. */
function cleanup() {
  if (redis && redis.child.exitCode === null && redis.child.signalCode === null) redis.child.kill('SIGKILL')
  removeTmpDir()
}
installShutdownHandlers(cleanup)
// On SIGINT/SIGTERM redis-server gets SIGTERM at once, while the gateways are being stopped, so
// that it has exited (and been reaped) by the time the bench exits.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (redis && redis.child.exitCode === null && redis.child.signalCode === null) redis.child.kill('SIGTERM')
  })
}

async function main() {
  requireBuild('bench:scale-out')
  const machine = machineInfo()
  console.log(`Gatehouse scale-out (Redis) benchmark: ${describeMachine(machine)}`)
  redis = await startRedis()
  try {
    redisClient = new Redis(redis.url, { retryStrategy: () => null, maxRetriesPerRequest: 1 })
    redisClient.on('error', () => {})
    redis.version = /^redis_version:(\S+)/m.exec(await redisClient.info('server'))?.[1] ?? 'unknown'
    console.log(`redis-server ${redis.version} (pid ${redis.pid}) at ${redis.url}, no persistence`)
    console.log(
      `${settings.warmup}s warm-up + ${settings.duration}s measured per scenario; throttle: autocannon, ${settings.connections} connections, ` +
        `GET ${PATH}; @connections: ${settings.postClients} clients, undici Pool of ${settings.postPool}; 127.0.0.1`
    )
    console.log(`The load generator (this process), the gateways and redis-server share the ${machine.cpus} CPU(s).\n`)

    const scenarios = SCENARIOS.filter((s) => selected.includes(s.name))
    const runs = await runRounds(scenarios, settings.rounds, runScenario)
    if (runs === undefined) return
    report(machine, scenarios, runs)
  } finally {
    if (redisClient) redisClient.disconnect()
    await stopRedis()
  }
}

function report(machine, scenarios, runs) {
  const results = scenarios.map((s) => {
    const mine = runs.filter((r) => r.name === s.name)
    const { round: medianRound, ...median } = medianBy(mine, (r) => r.rate)
    return { ...median, medianRound, ...(mine.length > 1 ? { roundsRates: mine.map((r) => r.rate) } : {}) }
  })
  const byName = (name) => results.find((r) => r.name === name)
  const ratios = RATIOS.filter((q) => byName(q.numerator) && byName(q.denominator)).map((q) => {
    const n = byName(q.numerator)
    const d = byName(q.denominator)
    const rates = perRound(runs, settings.rounds, q.numerator, q.denominator, (x) => x, (a, b) => (b.rate > 0 ? round(a.rate / b.rate, 4) : undefined))
    const p99 = perRound(runs, settings.rounds, q.numerator, q.denominator, (x) => x, (a, b) =>
      b.latencyMs.p99 > 0 && a.latencyMs.p99 !== null ? round(a.latencyMs.p99 / b.latencyMs.p99, 4) : undefined
    )
    return {
      name: q.name,
      numerator: q.numerator,
      denominator: q.denominator,
      of: 'rate',
      unit: q.unit,
      value: d.rate > 0 ? round(n.rate / d.rate, 4) : null,
      ...(settings.rounds > 1 ? rates : {}),
      p99: {
        value: d.latencyMs.p99 > 0 && n.latencyMs.p99 !== null ? round(n.latencyMs.p99 / d.latencyMs.p99, 4) : null,
        ...(settings.rounds > 1 ? p99 : {}),
      },
    }
  })

  console.log('')
  if (settings.rounds > 1) console.log(`median of ${settings.rounds} rounds per scenario (by rate):`)
  printTable(results)
  console.log('')
  for (const r of ratios) {
    const value = r.value === null ? 'n/a' : r.value.toFixed(3) + 'x'
    console.log(`ratio ${r.name.padEnd(31)} ${r.unit.padEnd(8)} ${value.padStart(6)}${perRoundText(r, (x) => x.toFixed(3) + 'x')}`)
    const p99 = r.p99.value === null ? 'n/a' : r.p99.value.toFixed(3) + 'x'
    console.log(`ratio ${r.name.padEnd(31)} ${'p99'.padEnd(8)} ${p99.padStart(6)}${perRoundText(r.p99, (x) => x.toFixed(3) + 'x')}`)
  }
  warnDisturbedRuns(runs, settings.rounds > 1 ? ' (per-round ratios marked *)' : '')
  warnFailing(runs.filter(hasProblems), (r) => r.name, 'rates')
  const lost = runs.filter((r) => r.kind === 'post' && (r.frames.received !== r.frames.expected || r.frames.unexpected > 0))
  if (lost.length > 0) {
    console.log(
      `WARNING: @connections frames missing or unexpected: ` +
        lost.map((r) => `${r.name} round ${r.round}: ${r.frames.received} of ${r.frames.expected} (${r.frames.unexpected} unexpected)`).join(', ')
    )
  }
  const bypassed = runs.filter((r) => r.name === 'throttle-redis' && r.redis.scriptsPerOperation < 0.99)
  if (bypassed.length > 0) {
    console.log(
      `WARNING: throttle-redis ran fewer Redis scripts than requests (${bypassed.map((r) => `round ${r.round}: ${r.redis.scriptsPerOperation} per request`).join(', ')}): ` +
        'the gateway decided some requests with its in-memory fallback (Redis slower than 250 ms?)'
    )
  }

  const out = {
    ...reportHead(machine, settings, `${PATH} (throttle); /${STAGE}/@connections/{id} (post)`, {
      loadGenerator: 'autocannon (throttle) and ws + undici clients (post), in the bench process',
      redis: { version: redis.version, command: `${REDIS_SERVER} --port <free> --bind 127.0.0.1 --save '' --appendonly no --dir <temporary directory>` },
      scenarios: scenarios.map((s) => s.name),
      accountThrottle: accountThrottle(),
      stageThrottle: STAGE_THROTTLE,
      postBody: POST_BODY,
      summary: 'each scenario: its median round by rate',
    }),
    scenarios: results,
    ...(settings.rounds > 1 ? { rounds: runs } : {}),
    ratios,
  }
  if (!complete && process.env.BENCH_OUTPUT === undefined) {
    console.log('\nresults not written (only part of the scenarios ran; set BENCH_OUTPUT to keep them)')
    return
  }
  writeReport(OUTPUT, out)
}

async function runScenario(scenario) {
  console.log(`[${scenario.name}] starting: ${scenario.description}`)
  await redisClient.flushall()
  const summary = scenario.kind === 'throttle' ? await runThrottle(scenario) : await runPost(scenario)
  if (summary === undefined || session.interrupted) return undefined
  warnIfDisturbed(`[${scenario.name}]`, summary)
  return summary
}

// ---------------------------------------------------------------------------------------------
// 1 and 2: throttled requests, in-memory or Redis buckets

function throttleConfig() {
  return derivedConfig('scale-out-throttle', (_doc, stage) => {
    stage.defaultRouteSettings = { ...STAGE_THROTTLE }
  }, 'bench/scale-out.mjs')
}

async function runThrottle(scenario) {
  const redisArgs = scenario.redis ? ['--redis', redis.url] : []
  const server = await startServer(scenario.name, [...SERVER_NODE_ARGS, GATEHOUSE, 'serve', throttleConfig(), ...FLAGS, ...redisArgs])
  const servers = [{ role: 'gateway', server }]
  try {
    const url = server.url + PATH
    await checkResponse(scenario.name, url)
    let warmupRequests = 0
    if (settings.warmup > 0) {
      console.log(`[${scenario.name}] warming up for ${settings.warmup}s at ${url}`)
      warmupRequests = (await load(url, settings.warmup, { connections: settings.connections })).result.requests.total
    }
    if (session.interrupted) return undefined
    console.log(`[${scenario.name}] measuring for ${settings.duration}s`)
    const statsBefore = await commandStats()
    const m = await measured([server.child.pid, redis.pid], () => load(url, settings.duration, { connections: settings.connections, measure: true }))
    const statsAfter = await commandStats()
    if (session.interrupted) return undefined
    await assertRunning(scenario, servers)
    const { result, latencyUs } = m
    const summary = {
      name: scenario.name,
      kind: scenario.kind,
      description: scenario.description,
      unit: 'requests',
      rate: round(result.requests.mean, 1),
      operations: result.requests.total,
      operationsIncludingWarmup: 1 + warmupRequests + result.requests.total,
      durationSeconds: result.duration,
      ...responseFigures(result, latencyUs),
      ...cpuFigures(m, result.requests.total, ['gateway']),
      redis: redisFigures(statsBefore, statsAfter, result.requests.total),
      loadGeneratorCpuCores: round(m.selfCores, 2),
      machine: m.machine,
    }
    console.log(
      `[${scenario.name}] ${summary.rate} req/s, p50 ${summary.latencyMs.p50} ms, p99 ${summary.latencyMs.p99} ms, ` +
        `Redis: ${summary.redis.scriptsPerOperation} scripts (${summary.redis.commandsPerOperation} commands) per request, CPU ${summary.cpuUsPerOperation} µs per request ` +
        `(redis-server ${summary.redisCpuUsPerOperation})` +
        problemsText(summary, ',')
    )
    return summary
  } finally {
    await stopServers(scenario.name, servers)
  }
}

// ---------------------------------------------------------------------------------------------
// 3 and 4: @connections POST on the node holding the connections, or through another node

function websocketConfig() {
  return wsEchoConfig('scale-out-ws', STAGE, 'bench/scale-out.mjs')
}

async function runPost(scenario) {
  const config = websocketConfig()
  const gateway = (role) => startServer(`${scenario.name} ${role}`, [...SERVER_NODE_ARGS, GATEHOUSE, 'serve', config, ...FLAGS, '--redis', redis.url])
  const servers = []
  let sockets = []
  let pool
  try {
    const nodeA = await gateway('node A')
    servers.push({ role: 'node A', server: nodeA })
    const nodeB = await gateway('node B')
    servers.push({ role: 'node B', server: nodeB })
    const target = scenario.cross ? nodeB : nodeA
    sockets = await openSockets(scenario.name, nodeA.url.replace(/^http/, 'ws') + `/${STAGE}`, settings.postClients)
    // Each client learns its connection id.
    const paths = await connectionPaths(scenario.name, sockets, STAGE)
    // From now on every client counts the frames it receives.
    const frames = countFrames(sockets)
    pool = new Pool(target.url, { connections: settings.postPool })
    // The check: one POST per connection, through the node the scenario posts to, and one frame
    // each. A 410 may mean that node A's registration has not reached Redis yet: retried for 2 s.
    let posted = 0
    for (const path of paths) {
      const until = performance.now() + 2000
      for (;;) {
        const res = await postBody(pool, path)
        const text = await res.body.text()
        if (res.statusCode === 200) break
        if (res.statusCode !== 410 || performance.now() > until) throw new Error(`[${scenario.name}] POST ${target.url}${path} answered ${res.statusCode} ${text}`)
        await delay(50)
      }
      posted++
    }
    await waitFor(() => frames.received >= posted, 3000)
    if (frames.received !== posted || frames.unexpected > 0) {
      throw new Error(`[${scenario.name}] ${posted} check POSTs answered 200, but the clients got ${frames.received} frames (${frames.unexpected} unexpected)`)
    }
    let warmup = null
    if (settings.warmup > 0) {
      console.log(`[${scenario.name}] warming up for ${settings.warmup}s at ${target.url}/${STAGE}/@connections/{id} (${scenario.cross ? 'node B' : 'node A'})`)
      warmup = await postPhase(pool, paths, settings.warmup, null)
      posted += warmup.ok
    }
    if (session.interrupted) return undefined
    console.log(`[${scenario.name}] measuring for ${settings.duration}s`)
    const latencyUs = createHistogram()
    const statsBefore = await commandStats()
    const m = await measured([nodeA.child.pid, nodeB.child.pid, redis.pid], () =>
      postPhase(pool, paths, settings.duration, latencyUs).then((result) => ({ result }))
    )
    const statsAfter = await commandStats()
    const { result } = m
    posted += result.ok
    // Frames may still be on their way: give them up to 3 s.
    await waitFor(() => frames.received >= posted, 3000)
    if (session.interrupted) return undefined
    await assertRunning(scenario, servers)
    const non2xx = result.count - result.ok
    const summary = {
      name: scenario.name,
      kind: scenario.kind,
      description: scenario.description,
      unit: 'POSTs',
      postedTo: scenario.cross ? 'node B' : 'node A',
      rate: round(result.count / result.seconds, 1),
      operations: result.count,
      operationsIncludingWarmup: paths.length + (warmup?.count ?? 0) + result.count,
      durationSeconds: round(result.seconds, 3),
      latencyMs: latencies(latencyUs),
      errors: result.errors - non2xx,
      timeouts: 0,
      non2xx,
      statusCodes: result.statusCodes,
      problems: result.problems,
      // Every POST answered 200 (checks, warm-up and measurement) must have produced one frame.
      frames: { expected: posted, received: frames.received, unexpected: frames.unexpected, missing: posted - frames.received },
      ...cpuFigures(m, result.count, ['node A', 'node B']),
      redis: redisFigures(statsBefore, statsAfter, result.count),
      loadGeneratorCpuCores: round(m.selfCores, 2),
      machine: m.machine,
    }
    console.log(
      `[${scenario.name}] ${summary.rate} POSTs/s, p50 ${summary.latencyMs.p50} ms, p99 ${summary.latencyMs.p99} ms, ` +
        `frames ${frames.received} of ${posted}, Redis: ${summary.redis.commandsPerOperation} commands per POST, ` +
        `CPU ${summary.cpuUsPerOperation} µs per POST (node A ${summary.gatewayCpuUsPerOperation['node A']}, ` +
        `node B ${summary.gatewayCpuUsPerOperation['node B']}, redis-server ${summary.redisCpuUsPerOperation})` +
        problemsText(summary, ',')
    )
    return summary
  } finally {
    if (pool) await pool.close().catch(() => {})
    closeSockets(sockets)
    await stopServers(scenario.name, servers)
  }
}

/** BENCH_POST_POOL loops, each with one POST in flight, round-robin over `paths`, for `seconds`. */
function postPhase(pool, paths, seconds, latencyUs) {
  return postPhaseOf(pool, paths, seconds, latencyUs, settings.postPool)
}

// ---------------------------------------------------------------------------------------------
// redis-server

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolvePort(port))
    })
  })
}

/** Starts redis-server on a free port (another attempt if the port was taken meanwhile). */
async function startRedis() {
  let lastError
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await spawnRedis(await freePort())
    } catch (err) {
      if (err.code === 'ENOENT') fatal(`${REDIS_SERVER} not found: install Redis (e.g. apt-get install redis-server) or set BENCH_REDIS_SERVER`)
      lastError = err
    }
  }
  throw lastError
}

function spawnRedis(port) {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', ensureTmpDir()]
  return new Promise((resolveRedis, reject) => {
    const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    // Visible to cleanup() from now on, so that it is killed whatever happens next.
    redis = { child, pid: child.pid, port, args, url: `redis://127.0.0.1:${port}` }
    const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })))
    redis.exited = exited
    let output = ''
    const timer = setTimeout(() => fail(new Error('did not get ready within 10 s')), 10_000)
    const onData = (chunk) => {
      output = (output + chunk).slice(-20000)
      if (!/Ready to accept connections/.test(output)) return
      clearTimeout(timer)
      child.stdout.off('data', onData)
      child.stdout.resume()
      resolveRedis(redis)
    }
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', onData)
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk) => (output = (output + chunk).slice(-20000)))
    child.once('error', (err) => fail(err))
    exited.then(({ code, signal }) => fail(new Error(`exited (${signal ?? 'code ' + code}) before getting ready`)))
    function fail(err) {
      clearTimeout(timer)
      child.kill('SIGKILL')
      if (err.code === 'ENOENT') return reject(err)
      reject(new Error(`${REDIS_SERVER} on port ${port}: ${err.message}\n${indent(output.trim())}`))
    }
  })
}

/** SIGTERM (no persistence, so it exits at once), then SIGKILL after 5 s. */
async function stopRedis() {
  if (redis === undefined || redis.child.exitCode !== null || redis.child.signalCode !== null) return
  redis.child.kill('SIGTERM')
  const stopped = await Promise.race([redis.exited.then(() => true), delay(5000).then(() => false)])
  if (!stopped) {
    redis.child.kill('SIGKILL')
    await redis.exited
  }
}

/** `INFO commandstats`: calls and µs per command. */
async function commandStats() {
  const text = await redisClient.info('commandstats')
  const stats = {}
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) stats[m[1]] = { calls: Number(m[2]), usec: Number(m[3]) }
  return stats
}

/** Commands that run a Lua script: the commands the script calls are counted by commandstats too. */
const SCRIPT_COMMANDS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro'])

/**
 * Redis commands run during a measured run (this bench's own INFO left out), per operation too:
 * `scriptsPerOperation` counts the scripts, `commandsPerOperation` every command, including those
 * a script calls (commandstats counts both). Redis's CPU per operation is in cpuFigures().
 */
function redisFigures(before, after, operations) {
  const commands = {}
  let calls = 0
  let scripts = 0
  for (const [name, s] of Object.entries(after)) {
    if (name === 'info') continue
    const c = s.calls - (before[name]?.calls ?? 0)
    if (c === 0) continue
    commands[name] = c
    calls += c
    if (SCRIPT_COMMANDS.has(name)) scripts += c
  }
  return {
    commands,
    commandsPerOperation: operations > 0 ? round(calls / operations, 2) : null,
    scriptsPerOperation: operations > 0 ? round(scripts / operations, 2) : null,
  }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

/** CPU of the gateways (named by `roles`, in the order of the pids given to measured()) and of redis-server. */
function cpuFigures(m, operations, roles) {
  const perOp = (seconds) => (seconds === null || operations === 0 ? null : round((seconds * 1e6) / operations, 1))
  const gatewaySeconds = m.cpuSeconds.slice(0, roles.length)
  const redisSeconds = m.cpuSeconds[roles.length]
  const gatewayTotal = gatewaySeconds.includes(null) ? null : gatewaySeconds.reduce((a, b) => a + b, 0)
  return {
    // All the servers together (gateways + redis-server), in cores (1.0 = one core fully busy).
    serverCpuCores: m.serverCores === null ? null : round(m.serverCores, 2),
    gatewayCpuCores: gatewayTotal === null ? null : round(gatewayTotal / m.wall, 2),
    redisCpuCores: redisSeconds === null ? null : round(redisSeconds / m.wall, 2),
    // Server CPU per request or POST, in microseconds: steadier than rates on a shared machine.
    cpuUsPerOperation: gatewayTotal === null || redisSeconds === null ? null : perOp(gatewayTotal + redisSeconds),
    gatewayCpuUsPerOperation: Object.fromEntries(roles.map((role, i) => [role, perOp(gatewaySeconds[i])])),
    redisCpuUsPerOperation: perOp(redisSeconds),
  }
}

/** Every gateway, and redis-server, must still be up after the load. */
async function assertRunning(scenario, servers) {
  await delay(SETTLE_MS)
  for (const { role, server } of servers) {
    if (server.child.exitCode === null && server.child.signalCode === null) continue
    throw new Error(
      `[${scenario.name}] ${role} exited (${server.child.signalCode ?? 'code ' + server.child.exitCode}) during the scenario:\n` +
        indent(server.stderr().trim())
    )
  }
  if (redis.child.exitCode !== null || redis.child.signalCode !== null) throw new Error(`[${scenario.name}] redis-server exited during the scenario`)
}

function latencies(histogram) {
  if (histogram.count === 0) return { p50: null, p99: null, mean: null, max: null }
  return {
    p50: round(histogram.percentile(50) / 1000, 3),
    p99: round(histogram.percentile(99) / 1000, 3),
    mean: round(histogram.mean / 1000, 3),
    max: round(histogram.max / 1000, 3),
  }
}

const fixed = (n, digits) => (n === null || n === undefined ? 'n/a' : n.toFixed(digits))

function printTable(rows) {
  printColumns([
    ['scenario', 'per second', 'unit', 'p50 ms', 'p99 ms', 'errors', 'frames', 'gateway CPU', 'redis CPU', 'CPU/op', 'Redis scripts/cmds per op', 'load gen CPU', 'other+steal'],
    ...rows.map((r) => [
      r.name,
      r.rate.toFixed(0),
      r.unit,
      fixed(r.latencyMs.p50, 3),
      fixed(r.latencyMs.p99, 3),
      String(r.errors + r.timeouts + r.non2xx),
      r.kind === 'post' ? `${r.frames.received}/${r.frames.expected}` : '-',
      r.gatewayCpuCores === null ? 'n/a' : `${r.gatewayCpuCores.toFixed(2)} cores`,
      r.redisCpuCores === null ? 'n/a' : `${r.redisCpuCores.toFixed(2)} cores`,
      r.cpuUsPerOperation === null ? 'n/a' : `${r.cpuUsPerOperation.toFixed(0)} µs`,
      `${fixed(r.redis.scriptsPerOperation, 2)} / ${fixed(r.redis.commandsPerOperation, 2)}`,
      `${r.loadGeneratorCpuCores.toFixed(2)} cores`,
      r.machine.otherCores === null ? 'n/a' : `${noiseOf(r).toFixed(2)} cores`,
    ]),
  ])
}

runMain(main, cleanup)
