#!/usr/bin/env node
// Instructions per request of the gateway, counted by `valgrind --tool=callgrind`: a measure the
// hypervisor does not move (issue 16 target 2; see docs/benchmarks.md). Per scenario of
// bench/run.mjs (the same configs, route, handler and JWT token):
//
//   1. the gateway starts under `valgrind --tool=callgrind --separate-threads=yes --instr-atstart=no`
//   2. a warm-up of BENCH_CG_WARMUP requests (autocannon, BENCH_CONNECTIONS connections), so that
//      every environment has started and TurboFan has compiled the hot code of every isolate;
//      uninstrumented (valgrind runs it several times faster), then `callgrind_control --instr=on`
//   3. `callgrind_control -z` zeroes the counters; BENCH_CG_REQUESTS requests; `callgrind_control
//      -d` dumps them, one file per thread. With BENCH_CG_WINDOWS > 1, step 3 runs that many
//      times (a check that the warm-up was long enough: the windows must agree)
//
// and prints instructions (Ir) per request for: the main thread, the environments (the worker
// threads, which wait in Atomics.wait, summed), the rest (V8's platform threads: TurboFan,
// concurrent GC; libuv's pool) and the total. Kernel instructions (syscalls) are not counted.
// Under valgrind the threads run one at a time, so how requests batch per event-loop turn differs
// from a native run; the counts compare code paths, not schedules.
//
// Environment:
//   BENCH_SCENARIOS     comma-separated subset of gateway,gateway-log,gateway-throttle,gateway-jwt,
//                       gateway-full (default gateway,gateway-log,gateway-jwt,gateway-full)
//   BENCH_CONNECTIONS   concurrent connections (default 10, as bench/run.mjs; 1 starts one
//                       environment only, which warms up ten times sooner)
//   BENCH_CG_WARMUP     warm-up requests (default 20000)
//   BENCH_CG_REQUESTS   requests per measured window (default 2000)
//   BENCH_CG_WINDOWS    measured windows per scenario (default 1)
//   BENCH_CG_JOBS       scenarios run at once (default 1; each valgrind uses about one core)
//   BENCH_CG_DIR        where the callgrind files go (default: a new directory under /tmp, kept)
//   BENCH_GATEHOUSE     another gateway entry point (e.g. a baseline build's bin/gatehouse.js)
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { derivedConfig, ensureTmpDir, GATEWAY_FLAGS, removeTmpDir } from './lib/configs.mjs'
import { fatal, GATEHOUSE, positiveInteger, requireBuild, requireGatehouse } from './lib/env.mjs'
import { GATEWAY_CONFIG, ROOT } from './lib/paths.mjs'
import { ACCESS_LOG_JSON_FORMAT, addJwtAuthorizer, benchJwt, STAGE_THROTTLE } from './lib/stage-features.mjs'

const PATH = '/hello'
const settings = {
  connections: positiveInteger('BENCH_CONNECTIONS', 10),
  warmup: positiveInteger('BENCH_CG_WARMUP', 20000),
  requests: positiveInteger('BENCH_CG_REQUESTS', 2000),
  windows: positiveInteger('BENCH_CG_WINDOWS', 1),
  jobs: positiveInteger('BENCH_CG_JOBS', 1),
}
const OUT = process.env.BENCH_CG_DIR || mkdtempSync(join(os.tmpdir(), 'gatehouse-callgrind-'))
mkdirSync(OUT, { recursive: true })

const jwt = await benchJwt()
const bearer = { authorization: `Bearer ${jwt.token}` }
const accessLog = (name) => join(ensureTmpDir(), `${name}-access.log`)
const SCENARIOS = {
  gateway: { config: () => GATEWAY_CONFIG },
  'gateway-log': {
    config: () => derivedConfig('gateway-log', (_d, stage) => (stage.accessLogSettings = { format: ACCESS_LOG_JSON_FORMAT, destination: accessLog('gateway-log') }), 'bench/callgrind.mjs'),
  },
  'gateway-throttle': {
    config: () => derivedConfig('gateway-throttle', (_d, stage) => (stage.defaultRouteSettings = { ...STAGE_THROTTLE }), 'bench/callgrind.mjs'),
  },
  'gateway-jwt': { headers: bearer, config: () => derivedConfig('gateway-jwt', (doc) => addJwtAuthorizer(doc, jwt.publicJwk), 'bench/callgrind.mjs') },
  'gateway-full': {
    headers: bearer,
    config: () =>
      derivedConfig('gateway-full', (doc, stage) => {
        addJwtAuthorizer(doc, jwt.publicJwk)
        stage.defaultRouteSettings = { ...STAGE_THROTTLE }
        stage.accessLogSettings = { format: ACCESS_LOG_JSON_FORMAT, destination: accessLog('gateway-full') }
      }, 'bench/callgrind.mjs'),
  },
}
const selected = (process.env.BENCH_SCENARIOS || 'gateway,gateway-log,gateway-jwt,gateway-full').split(',').map((s) => s.trim()).filter(Boolean)
for (const name of selected) if (!(name in SCENARIOS)) fatal(`BENCH_SCENARIOS: unknown scenario "${name}" (${Object.keys(SCENARIOS).join(', ')})`)

const children = new Set()
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL')
  removeTmpDir()
})
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130))

/** Starts the gateway under callgrind; resolves with its pid and URL once it listens. */
function startUnderCallgrind(name, config) {
  const dir = join(OUT, name)
  mkdirSync(dir, { recursive: true })
  const args = [
    '--tool=callgrind',
    '--separate-threads=yes',
    // The warm-up runs uninstrumented (several times faster); see runScenario.
    '--instr-atstart=no',
    // V8 writes and rewrites machine code: valgrind must notice code changing outside files.
    '--smc-check=all-non-file',
    `--callgrind-out-file=${join(dir, 'callgrind.out.%p')}`,
    process.execPath,
    GATEHOUSE,
    'serve',
    config,
    ...GATEWAY_FLAGS,
  ]
  return new Promise((resolve, reject) => {
    const child = spawn('valgrind', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    children.add(child)
    child.on('exit', () => children.delete(child))
    let stdout = ''
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (c) => (stderr = (stderr + c).slice(-20000)))
    child.stdout.setEncoding('utf8').on('data', (c) => {
      stdout += c
      const m = /listening on (http:\/\/[^\s]+)/i.exec(stdout)
      if (m !== null) resolve({ child, dir, url: m[1].replace(/\/$/, '') })
    })
    child.once('exit', (code, signal) => reject(new Error(`[${name}] valgrind exited (${signal ?? code}) before listening\n${stdout}${stderr}`)))
  })
}

function requests(url, amount, headers) {
  return new Promise((resolve, reject) => {
    // Under valgrind the first requests wait for environments to start: a generous timeout.
    autocannon({ url, connections: settings.connections, amount, headers, timeout: 300 }, (err, r) => (err ? reject(err) : resolve(r)))
  })
}

function callgrindControl(flag, pid) {
  execFileSync('callgrind_control', [flag, String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] })
}

/** Ir per thread of one dump (`part`): { main, environments, other, threads }. */
function readDump(dir, pid, part) {
  const prefix = `callgrind.out.${pid}.${part}-`
  const out = { main: 0, environments: 0, other: 0, environmentThreads: 0 }
  for (const file of readdirSync(dir).filter((f) => f.startsWith(prefix))) {
    const text = readFileSync(join(dir, file), 'utf8')
    const summary = /^summary: (\d+)/m.exec(text) ?? /^totals: (\d+)/m.exec(text)
    const ir = summary === null ? 0 : Number(summary[1])
    const tid = Number(file.slice(prefix.length))
    if (tid === 1) out.main += ir
    // An environment blocks in Atomics.wait between invocations (the warm-up ran uninstrumented,
    // so the thread's entry, node::worker::Worker::Run, is not on record).
    else if (text.includes('node::worker::Worker::Run()') || text.includes('FutexEmulation::Wait')) {
      out.environments += ir
      if (ir > 0) out.environmentThreads++
    } else out.other += ir
  }
  return out
}

async function runScenario(name) {
  const scenario = SCENARIOS[name]
  const headers = scenario.headers ?? {}
  console.log(`[${name}] starting under callgrind`)
  const server = await startUnderCallgrind(name, scenario.config())
  const pid = server.child.pid
  const url = server.url + PATH
  try {
    console.log(`[${name}] warming up: ${settings.warmup} requests`)
    await requests(url, settings.warmup, headers)
    callgrindControl('--instr=on', pid)
    const windows = []
    for (let w = 1; w <= settings.windows; w++) {
      callgrindControl('-z', pid)
      const r = await requests(url, settings.requests, headers)
      callgrindControl('-d', pid)
      if (r['2xx'] !== settings.requests || r.errors !== 0 || r.timeouts !== 0) {
        throw new Error(`[${name}] window ${w}: ${r['2xx']} 2xx of ${settings.requests} (${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts)`)
      }
      const ir = readDump(server.dir, pid, w)
      const per = (x) => Math.round(x / settings.requests)
      const row = { name, window: w, main: per(ir.main), environments: per(ir.environments), other: per(ir.other), total: per(ir.main + ir.environments + ir.other), environmentThreads: ir.environmentThreads }
      console.log(`[${name}] window ${w}: Ir/request main ${row.main}, environments ${row.environments} (${row.environmentThreads} threads), other ${row.other}, total ${row.total}`)
      windows.push(row)
    }
    return windows
  } finally {
    server.child.kill('SIGTERM')
    await new Promise((r) => (server.child.exitCode !== null ? r() : server.child.once('exit', r)))
  }
}

async function main() {
  requireBuild('build')
  requireGatehouse()
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' })
  } catch {
    fatal('valgrind is not installed')
  }
  console.log(`callgrind: ${GATEHOUSE}, ${settings.connections} connections, ${settings.warmup} warm-up requests, ${settings.windows} x ${settings.requests} measured; files in ${OUT}`)
  const queue = [...selected]
  const rows = []
  await Promise.all(
    Array.from({ length: Math.min(settings.jobs, queue.length) }, async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) rows.push(...(await runScenario(name)))
    })
  )
  rows.sort((a, b) => selected.indexOf(a.name) - selected.indexOf(b.name) || a.window - b.window)
  const base = rows.find((r) => r.name === 'gateway')
  console.log('\nIr per request (instructions, callgrind):')
  console.log('scenario           window        main  environments       other       total  total/gateway')
  for (const r of rows) {
    const ratio = base === undefined ? '' : (r.total / base.total).toFixed(3) + 'x'
    console.log(`${r.name.padEnd(18)} ${String(r.window).padStart(6)} ${String(r.main).padStart(11)} ${String(r.environments).padStart(13)} ${String(r.other).padStart(11)} ${String(r.total).padStart(11)}  ${ratio.padStart(13)}`)
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench: ${err?.stack ?? err}\n`)
    process.exit(1)
  }
)
