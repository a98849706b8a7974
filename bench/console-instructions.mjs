#!/usr/bin/env node
// What one streaming console costs the gateway per request, in instructions rather than rps
// (issue 14): the gateway runs under `valgrind --tool=callgrind` (the whole process, its
// function worker thread included), is warmed up, and is counted over a fixed number of
// GET /hello requests only (`--instr-atstart=no`, `callgrind_control -i on/off` around them),
// once with `--no-console` and once with a console client streaming
// (bench/fixtures/console-client.mjs). Instruction counts do not move with what else the
// machine runs, unlike rps on a shared machine.
//
// Printed per request: all instructions, and those outside V8's optimizing compiler (still
// compiling under valgrind after thousands of requests, by varying amounts from run to run;
// a 10 s run at full speed has long finished). The streaming overhead is the difference of
// the second figures; the data plane's share of it is the ratio off / streaming.
//
// Needs valgrind (callgrind_control, callgrind_annotate). Environment: CG_WARMUP (requests,
// default 10000), CG_REQUESTS (default 10000), CG_SCENARIOS (default console-off,console-streaming;
// also console-idle), CG_BASELINE_ROOT (another built checkout: its gateway is counted too,
// in the same scenarios), CG_KEEP (a directory to keep the callgrind files in). Takes a few
// minutes per scenario.
import { spawn, execFileSync } from 'node:child_process'
import { createServer } from 'node:net'
import http from 'node:http'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { derivedConfig, removeTmpDir } from './lib/configs.mjs'
import { FIXTURES, ROOT } from './lib/paths.mjs'
import { positiveInteger, requireBuild } from './lib/env.mjs'

const WARMUP = positiveInteger('CG_WARMUP', 10_000)
const REQUESTS = positiveInteger('CG_REQUESTS', 10_000)
const CONNECTIONS = 10
const SCENARIOS = (process.env.CG_SCENARIOS ?? 'console-off,console-streaming').split(',')
const ROOTS = [['', ROOT], ...(process.env.CG_BASELINE_ROOT ? [['baseline ', process.env.CG_BASELINE_ROOT]] : [])]

function freePort() {
  return new Promise((resolve) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

/** `count` requests over CONNECTIONS keep-alive connections; any answer but 200 stops the bench. */
async function load(url, count, agent) {
  let left = count
  const one = () =>
    new Promise((resolve, reject) => {
      http
        .get(url, { agent }, (res) => {
          res.resume()
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`GET ${url} answered ${res.statusCode}`))))
        })
        .on('error', reject)
    })
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => { while (left-- > 0) await one() }))
}

/** Instructions per request of one scenario: [all, outside the optimizing compiler]. */
async function count(root, scenario, config, dir) {
  const adminPort = await freePort()
  const out = join(dir, `${scenario}-${Math.random().toString(36).slice(2)}.callgrind`)
  const gateway = spawn(
    'valgrind',
    ['--tool=callgrind', '--trace-children=no', '--instr-atstart=no', `--callgrind-out-file=${out}`, process.execPath, join(root, 'bin/gatehouse.js'), 'serve', config,
      '--port', '0', '--quiet-functions', '--log-level', 'warn', '--no-watch', '--admin-port', String(adminPort), ...(scenario === 'console-off' ? ['--no-console'] : [])],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  )
  let stderr = ''
  gateway.stderr.setEncoding('utf8').on('data', (c) => (stderr = (stderr + c).slice(-4000)))
  const exited = new Promise((resolve) => gateway.once('exit', resolve))
  let client
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS })
  try {
    const url = await new Promise((resolve, reject) => {
      let stdout = ''
      gateway.stdout.setEncoding('utf8').on('data', (c) => {
        stdout += c
        const m = /listening on (https?:\/\/[^\s]+)/i.exec(stdout)
        if (m) resolve(m[1].replace(/\/$/, '') + '/hello')
      })
      exited.then(() => reject(new Error(`the gateway exited before listening\n${stderr}`)))
    })
    if (scenario === 'console-streaming') {
      client = spawn(process.execPath, [join(FIXTURES, 'console-client.mjs'), `http://127.0.0.1:${adminPort}/console/api/events`], { stdio: ['ignore', 'pipe', 'inherit'] })
      let said = ''
      client.stdout.setEncoding('utf8').on('data', (c) => (said += c))
      while (!said.includes('streaming')) {
        if (client.exitCode !== null) throw new Error('the console client exited')
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    await load(url, WARMUP, agent)
    execFileSync('callgrind_control', ['-i', 'on', String(gateway.pid)], { stdio: 'ignore' })
    await load(url, REQUESTS, agent)
    // The console's last flush of these requests (every 100 ms) falls inside the count.
    await new Promise((r) => setTimeout(r, 500))
    execFileSync('callgrind_control', ['-i', 'off', String(gateway.pid)], { stdio: 'ignore' })
  } finally {
    agent.destroy()
    client?.kill('SIGTERM')
    gateway.kill('SIGTERM')
    await exited
  }
  const total = Number(/^totals:\s+(\d+)/m.exec(readFileSync(out, 'utf8'))?.[1])
  let compiler = 0
  const annotated = execFileSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', out], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
  for (const line of annotated.split('\n')) {
    const m = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$/.exec(line)
    if (m && /compiler::|turboshaft|maglev/i.test(m[2])) compiler += Number(m[1].replaceAll(',', ''))
  }
  if (process.env.CG_KEEP === undefined) rmSync(out)
  else execFileSync('mv', [out, process.env.CG_KEEP])
  return [total / REQUESTS, (total - compiler) / REQUESTS]
}

async function main() {
  requireBuild('build')
  // A long function timeout: under valgrind an invocation can take seconds.
  const config = derivedConfig('console-instructions', (doc) => {
    for (const fn of Object.values(doc.functions)) fn.timeout = 300
  }, 'bench/console-instructions.mjs')
  const dir = mkdtempSync(join(os.tmpdir(), 'gatehouse-callgrind-'))
  try {
    console.log(`callgrind: ${WARMUP} requests of warm-up, then ${REQUESTS} counted, ${CONNECTIONS} connections`)
    const results = {}
    for (const [label, root] of ROOTS) {
      for (const scenario of SCENARIOS) {
        const [all, outside] = await count(root, scenario, config, dir)
        results[label + scenario] = outside
        console.log(`${(label + scenario).padEnd(28)} ${(all / 1000).toFixed(1).padStart(7)}k instructions/request, ${(outside / 1000).toFixed(1).padStart(7)}k outside the optimizing compiler`)
      }
      const off = results[label + 'console-off']
      const streaming = results[label + 'console-streaming']
      if (off !== undefined && streaming !== undefined) {
        console.log(`${label}streaming adds ${((streaming - off) / 1000).toFixed(1)}k instructions a request: off / streaming = ${(off / streaming).toFixed(3)}`)
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
    removeTmpDir()
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${err?.stack ?? err}\n`)
  process.exitCode = 1
})
