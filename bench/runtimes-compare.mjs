#!/usr/bin/env node
// Before/after for the Python route (issue 17) in the same run: `node bench/runtimes-compare.mjs
// <baseline checkout>` starts two gateways, the baseline's (a built checkout of an earlier
// commit) and this one's, each with the Node.js and Python routes of bench/runtimes.mjs, and
// alternates short slices of load between the four routes, rotating the order each round, so
// a shared machine's other load falls on all four alike. The Node.js routes run the same code in
// both, so the Python routes are also compared with their mean.
//
// Environment: BENCH_ROUNDS (default 6), BENCH_SLICE (s per route per round, default 2),
// BENCH_CONNECTIONS (default 10), BENCH_ADMIN=1 (the admin listener and its console on, so
// function logs are tapped for the console: the default `gatehouse serve`). Never fails on the figures.
import { join, resolve } from 'node:path'
import { ensureTmpDir, GATEWAY_FLAGS, removeTmpDir, writeRuntimesConfig } from './lib/configs.mjs'
import { positiveInteger, positiveNumber, requireBuild } from './lib/env.mjs'
import { checkResponse, load } from './lib/load.mjs'
import { ROOT } from './lib/paths.mjs'
import { installShutdownHandlers, runMain, startServer } from './lib/processes.mjs'
import { round } from './lib/util.mjs'

const ROUNDS = positiveInteger('BENCH_ROUNDS', 6)
const SLICE = positiveNumber('BENCH_SLICE', 2)
const CONNECTIONS = positiveInteger('BENCH_CONNECTIONS', 10)
const ADMIN = process.env.BENCH_ADMIN === '1'

async function main() {
  requireBuild('bench/runtimes-compare.mjs')
  const baseline = process.argv[2]
  if (baseline === undefined) throw new Error('usage: node bench/runtimes-compare.mjs <built baseline checkout>')
  const tmp = ensureTmpDir()
  const roots = { before: resolve(baseline), after: ROOT }
  const servers = {}
  for (const [name, root] of Object.entries(roots)) {
    const fixtures = join(root, 'bench/fixtures')
    const config = join(tmp, `runtimes-${name}.json`)
    writeRuntimesConfig(config, fixtures)
    servers[name] = await startServer(name, [join(root, 'bin/gatehouse.js'), 'serve', config, ...GATEWAY_FLAGS, ...(ADMIN ? [] : ['--no-admin'])])
  }
  const routes = Object.keys(roots).flatMap((name) => ['node', 'py'].map((route) => ({ key: `${name}/${route}`, url: `${servers[name].url}/${route}` })))
  for (const { key, url } of routes) {
    await checkResponse(key, url)
    // Every connection's environment started (a process each, for Python) before any slice.
    for (let i = 0; i < 3; i++) await Promise.all(Array.from({ length: CONNECTIONS }, () => fetch(url).then((r) => r.text())))
    await load(url, 1, { connections: CONNECTIONS })
  }
  const total = Object.fromEntries(routes.map(({ key }) => [key, 0]))
  for (let r = 0; r < ROUNDS; r++) {
    const line = []
    for (let i = 0; i < routes.length; i++) {
      const { key, url } = routes[(i + r) % routes.length]
      const { result } = await load(url, SLICE, { connections: CONNECTIONS })
      if (result.non2xx > 0) throw new Error(`${key}: ${result.non2xx} non-2xx responses`)
      total[key] += result.requests.total
      line.push(`${key} ${round(result.requests.total / SLICE, 0)}`)
    }
    process.stdout.write(`round ${r + 1}: ${line.join(', ')}\n`)
  }
  const rps = Object.fromEntries(Object.entries(total).map(([k, v]) => [k, v / (ROUNDS * SLICE)]))
  const nodeMean = (rps['before/node'] + rps['after/node']) / 2
  for (const name of Object.keys(roots)) {
    const py = rps[`${name}/py`]
    process.stdout.write(`${name.padEnd(6)} node ${round(rps[`${name}/node`], 0)} req/s, python ${round(py, 0)} req/s: python/node ${round(py / rps[`${name}/node`], 3)}, python/(mean node) ${round(py / nodeMean, 3)}\n`)
  }
  process.stdout.write(`python after/before ${round(rps['after/py'] / rps['before/py'], 2)}x\n`)
}

installShutdownHandlers(removeTmpDir)
runMain(main, removeTmpDir)
