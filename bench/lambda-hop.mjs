#!/usr/bin/env node
// `npm run bench:hop`: the cost of the hop into a Lambda execution environment and back, without
// HTTP around it. In one process, one after the other, with the same event and handler
// (bench/fixtures/hello.mjs, the handler of `npm run bench`'s gateway scenario):
//
//   1. in-process   the in-process floor: JSON.parse of the event, the handler called on this
//                   thread, JSON.stringify of its result (what the hop must do at least)
//   2. environment  FunctionPool.invoke: the same event through Gatehouse's worker-thread
//                   execution environments (warm, frozen between invocations, memory-bounded)
//
// Each keeps BENCH_CONCURRENCY invocations in flight. Prints invocations per second, CPU per
// invocation (all threads of this process, from process.cpuUsage) and the ratio
// environment/in-process. Never fails on the figures.
//
// Environment:
//   BENCH_INVOCATIONS   measured invocations per scenario  (default 40000; a tenth as warm-up)
//   BENCH_CONCURRENCY   invocations in flight              (default 4)
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { positiveInteger, requireBuild } from './lib/env.mjs'
import { describeMachine, machineInfo } from './lib/machine.mjs'
import { FIXTURES, ROOT } from './lib/paths.mjs'

requireBuild('bench:hop')
const { FunctionPool } = await import(pathToFileURL(join(ROOT, 'build/src/functions/index.js')).href)

const INVOCATIONS = positiveInteger('BENCH_INVOCATIONS', 40_000)
const CONCURRENCY = positiveInteger('BENCH_CONCURRENCY', 4)
const HANDLER_FILE = join(FIXTURES, 'hello.mjs')

/** A payload 2.0 event as the gateway scenario sends it (headers of an autocannon request). */
const EVENT = JSON.stringify({
  version: '2.0',
  routeKey: 'GET /hello',
  rawPath: '/hello',
  rawQueryString: '',
  headers: { host: '127.0.0.1:8080', 'user-agent': 'autocannon', 'x-forwarded-for': '127.0.0.1', 'x-forwarded-port': '8080', 'x-forwarded-proto': 'http' },
  requestContext: {
    accountId: '123456789012',
    apiId: 'bench',
    domainName: '127.0.0.1',
    domainPrefix: '127',
    http: { method: 'GET', path: '/hello', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'autocannon' },
    requestId: 'Ab1cDefGhIJkLmN=',
    routeKey: 'GET /hello',
    stage: '$default',
    time: '05/Dec/2026:05:00:00 +0000',
    timeEpoch: 1796446800000,
  },
  isBase64Encoded: false,
})

/** Runs `invoke` `count` times with CONCURRENCY in flight; returns invocations/s and CPU µs each. */
async function measure(invoke, count) {
  let started = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (started++ < count) await invoke()
    })
  )
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  return { perSecond: count / seconds, cpuUs: (cpu.user + cpu.system) / count }
}

async function scenario(name, invoke) {
  await measure(invoke, Math.ceil(INVOCATIONS / 10))
  const figures = await measure(invoke, INVOCATIONS)
  console.log(`[${name}] ${Math.round(figures.perSecond)} invocations/s, ${figures.cpuUs.toFixed(1)} µs CPU each`)
  return figures
}

const { handler } = await import(pathToFileURL(HANDLER_FILE).href)
const inProcess = await scenario('in-process', async () => JSON.stringify(await handler(JSON.parse(EVENT), {})))

const pool = new FunctionPool(
  {
    name: 'hello',
    arn: 'arn:aws:lambda:us-east-1:123456789012:function:hello',
    handler: 'hello.handler',
    handlerFile: HANDLER_FILE,
    exportPath: ['handler'],
    timeoutSeconds: 30,
    memorySize: 128,
    environment: {},
    reservedConcurrency: null,
    // The rest of a FunctionDefinition as the config loader makes it for `hello.handler` (a
    // Node.js function in a worker thread, no layers).
    runtime: 'nodejs20.x',
    codeDir: FIXTURES,
    layers: [],
    isolation: 'worker',
    interpreter: null,
    codeFiles: [HANDLER_FILE],
    origin: { file: HANDLER_FILE, line: 1, path: '' },
  },
  { onLog: null, region: 'us-east-1', baseDir: FIXTURES }
)
let environment
try {
  environment = await scenario('environment', async () => {
    const result = await pool.invoke(EVENT, 30_000)
    if (result.status !== 'ok') throw new Error(`invocation failed: ${JSON.stringify(result)}`)
  })
} finally {
  await pool.destroy()
}

console.log(`\n${describeMachine(machineInfo())}`)
console.log(`${INVOCATIONS} invocations per scenario, ${CONCURRENCY} in flight`)
console.log(`ratio environment/in-process   invocations/s ${(environment.perSecond / inProcess.perSecond).toFixed(3)}x   CPU each ${(environment.cpuUs / inProcess.cpuUs).toFixed(1)}x`)
