// What a measured run is summarised by, the warnings about runs that cannot be compared as they
// are, and the JSON results file.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, relative } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { SERVER_NODE_ARGS } from './env.mjs'
import { autocannonVersion, gitCommit, NOISE_CORES, noiseOf } from './machine.mjs'
import { GATEWAY_CONFIG } from './paths.mjs'
import { printColumns, round } from './util.mjs'

/**
 * The latency and outcome figures of one measured autocannon run: percentiles (sub-millisecond
 * resolution, from every response's own timing), autocannon's own whole-millisecond figures, and
 * errors, timeouts and status codes.
 */
export function responseFigures(result, latencyUs, percentiles = [50, 99]) {
  return {
    latencyMs: {
      ...Object.fromEntries(percentiles.map((p) => [`p${p}`, round(latencyUs.percentile(p) / 1000, 3)])),
      mean: round(latencyUs.mean / 1000, 3),
      max: round(latencyUs.max / 1000, 3),
    },
    autocannonLatencyMs: { p50: result.latency.p50, p99: result.latency.p99, mean: result.latency.mean, max: result.latency.max },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count])),
  }
}

export function hasProblems(summary) {
  return summary.errors + summary.timeouts + summary.non2xx > 0
}

/** `<separator> N errors, N timeouts, N non-2xx {codes}` when a run had any, else ''. */
export function problemsText(summary, separator) {
  return hasProblems(summary)
    ? `${separator} ${summary.errors} errors, ${summary.timeouts} timeouts, ${summary.non2xx} non-2xx ${JSON.stringify(summary.statusCodes)}`
    : ''
}

/** Says so when other processes or the hypervisor took more than NOISE_CORES during a measured run. */
export function warnIfDisturbed(label, summary) {
  if (noiseOf(summary) <= NOISE_CORES) return
  console.log(
    `${label} WARNING: other processes used ${summary.machine.otherCores} cores and the hypervisor took ` +
      `${summary.machine.stealCores} cores meanwhile`
  )
}

/** The warning over all the measured runs, when any was disturbed; `marked` tells where they are marked. */
export function warnDisturbedRuns(measurements, marked) {
  const disturbed = measurements.filter((m) => noiseOf(m) > NOISE_CORES)
  if (disturbed.length === 0) return
  console.log(
    `WARNING: other processes or the hypervisor (steal) took up to ${Math.max(...disturbed.map(noiseOf)).toFixed(2)} cores ` +
      `during ${disturbed.length} of ${measurements.length} measured run(s)` +
      marked +
      '; compare such figures with care (BENCH_ROUNDS=3 helps)'
  )
}

/** The warning about runs with errors or non-2xx responses, each named by `label(run)`; `figures` says what is not comparable. */
export function warnFailing(failing, label, figures) {
  if (failing.length === 0) return
  console.log(
    `WARNING: errors or non-2xx responses in ${failing.map((r) => `${label(r)} (round ${r.round}: ${JSON.stringify(r.statusCodes)}, ` +
      `${r.errors} errors)`).join(', ')}; a 429 or 5xx is answered faster than a 200, so those ${figures} are not comparable`
  )
}

/**
 * The head of every results file: when, the checkout's commit, the machine, and the settings (the
 * bench's own, the path and host, the load generator, the server children's node flags, then `more`).
 */
export function reportHead(machine, settings, path, more) {
  return {
    date: new Date().toISOString(),
    commit: gitCommit(),
    machine,
    settings: {
      ...settings,
      path,
      host: '127.0.0.1',
      loadGenerator: `autocannon ${autocannonVersion()} (in the bench process)`,
      serverNodeArgs: SERVER_NODE_ARGS,
      ...more,
    },
  }
}

/** The account-level throttle of bench/fixtures/gatehouse.yaml, as the results file records it. */
export function accountThrottle() {
  return parseYaml(readFileSync(GATEWAY_CONFIG, 'utf8')).throttleSettings ?? 'default'
}

export function writeReport(output, report) {
  mkdirSync(dirname(output), { recursive: true })
  writeFileSync(output, JSON.stringify(report, null, 2) + '\n')
  console.log(`\nresults written to ${relative(process.cwd(), output) || output}`)
}

/** Prints the per-scenario table of an HTTP request bench (rps, latency, errors, CPU). */
export function printRequestTable(rows, { rpsHeader = 'rps', loadHeader = 'load gen CPU' } = {}) {
  printColumns([
    ['scenario', rpsHeader, 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'server CPU', 'CPU/request', loadHeader, 'other+steal'],
    ...rows.map((r) => [
      r.name,
      r.rps.toFixed(0),
      r.latencyMs.p50.toFixed(3),
      r.latencyMs.p99.toFixed(3),
      String(r.errors + r.timeouts),
      String(r.non2xx),
      r.serverCpuCores === null ? 'n/a' : `${r.serverCpuCores.toFixed(2)} cores`,
      r.serverCpuUsPerRequest === null ? 'n/a' : `${r.serverCpuUsPerRequest.toFixed(0)} µs`,
      `${r.loadGeneratorCpuCores.toFixed(2)} cores`,
      r.machine.otherCores === null ? 'n/a' : `${noiseOf(r).toFixed(2)} cores`,
    ]),
  ])
}
