// The load: autocannon in this process, a microsecond histogram of every 2xx response's own
// timing, the CPU the servers, this process and the rest of the machine used meanwhile, and
// the response check every scenario must pass before it is measured.
import { createHistogram } from 'node:perf_hooks'
import autocannon from 'autocannon'
import { BODY, CONTENT_TYPE } from '../fixtures/response.mjs'
import { machineCpuSeconds, machineLoad, processCpuSeconds } from './machine.mjs'
import { session } from './processes.mjs'

/**
 * One autocannon run; with `measure`, also a microsecond latency histogram of every 2xx
 * response. `overallRate` caps the requests per second across all connections (autocannon sends
 * each connection's share of a second back to back, then waits for the next second). For an
 * https `url`, `servername` is the SNI and `tlsOptions` go to `tls.connect` (e.g. a client
 * certificate's `cert` and `key`; autocannon always sets `rejectUnauthorized: false`).
 */
export function load(url, seconds, { connections, pipelining = 1, headers = {}, overallRate, measure = false, servername, tlsOptions }) {
  const latencyUs = createHistogram()
  const run = autocannon({
    url,
    headers,
    connections,
    pipelining,
    duration: seconds,
    ...(overallRate === undefined ? {} : { overallRate }),
    ...(servername === undefined ? {} : { servername }),
    ...(tlsOptions === undefined ? {} : { tlsOptions }),
  })
  session.currentRun = run
  if (measure) {
    run.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      if (statusCode >= 200 && statusCode < 300) latencyUs.record(Math.max(1, Math.round(responseTimeMs * 1000)))
    })
  }
  return run.then(
    (result) => {
      session.currentRun = undefined
      return { result, latencyUs }
    },
    (err) => {
      session.currentRun = undefined
      throw err
    }
  )
}

/**
 * Runs `run()` (a measured load) and reads, around it, the CPU of the server processes `pids`,
 * of this process (the load generator) and of the whole machine. `cpuSeconds` has one entry per
 * pid (null where /proc is unavailable); `serverCores` is their sum per second of wall time.
 */
export async function measured(pids, run) {
  const cpuBefore = pids.map(processCpuSeconds)
  const machineBefore = machineCpuSeconds()
  const selfCpuBefore = process.cpuUsage()
  const wallBefore = performance.now()
  const out = await run()
  const wall = (performance.now() - wallBefore) / 1000
  const cpuAfter = pids.map(processCpuSeconds)
  const machineAfter = machineCpuSeconds()
  const selfCpu = process.cpuUsage(selfCpuBefore)
  const cpuSeconds = pids.map((_, i) => (cpuBefore[i] === null || cpuAfter[i] === null ? null : cpuAfter[i] - cpuBefore[i]))
  const serverCores = cpuSeconds.includes(null) ? null : cpuSeconds.reduce((a, b) => a + b, 0) / wall
  const selfCores = (selfCpu.user + selfCpu.system) / 1e6 / wall
  return { ...out, wall, cpuSeconds, serverCores, selfCores, machine: machineLoad(machineBefore, machineAfter, wall, serverCores, selfCores) }
}

/** Every scenario must send the same response, or the comparison means nothing. */
export async function checkResponse(name, url, headers = {}) {
  const res = await fetch(url, { headers })
  const body = await res.text()
  const type = res.headers.get('content-type')
  if (res.status !== 200 || body !== BODY || type !== CONTENT_TYPE) {
    throw new Error(
      `[${name}] GET ${url} answered ${res.status} content-type ${type} body ${JSON.stringify(body)}; ` +
        `expected 200 ${CONTENT_TYPE} ${JSON.stringify(BODY)}`
    )
  }
}
