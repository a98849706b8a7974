// CPU pinning on a machine of 2 or more CPUs: the load generator (this process, all its threads)
// on one CPU and the servers on another, so that they stop taking each other's core.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** The CPU of the load generator (this process) when pinned. */
export const LOAD_GENERATOR_CPU = 0
/** The CPU of the servers when pinned: pass the `serverCpu` pin() returns to startServer's `cpu`. */
export const SERVER_CPU = 1

/**
 * Pins this process (all its threads) to LOAD_GENERATOR_CPU when the machine has 2 or more CPUs,
 * both LOAD_GENERATOR_CPU and SERVER_CPU are allowed to this process, `taskset` works and
 * BENCH_PIN is not 0. Returns `{ pinned: true, loadGeneratorCpu, serverCpu, allowedAfter }`, or
 * `{ pinned: false, reason }`.
 */
export function pin(cpus) {
  if (process.env.BENCH_PIN === '0') return { pinned: false, reason: 'BENCH_PIN=0' }
  if (cpus < 2) return { pinned: false, reason: `${cpus} CPU available` }
  const allowed = allowedCpus()
  if (allowed !== null && !(allowed.has(LOAD_GENERATOR_CPU) && allowed.has(SERVER_CPU))) {
    return { pinned: false, reason: `CPUs ${LOAD_GENERATOR_CPU} and ${SERVER_CPU} are not both allowed to this process` }
  }
  try {
    execFileSync('taskset', ['-apc', String(LOAD_GENERATOR_CPU), String(process.pid)], { stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (err) {
    return { pinned: false, reason: err.code === 'ENOENT' ? 'taskset not found' : `taskset failed: ${String(err.stderr ?? err.message).trim()}` }
  }
  return { pinned: true, loadGeneratorCpu: LOAD_GENERATOR_CPU, serverCpu: SERVER_CPU, allowedAfter: [...(allowedCpus() ?? [])] }
}

/** The CPUs this process may run on (Cpus_allowed_list of /proc/self/status); null where unavailable. */
function allowedCpus() {
  try {
    const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('Cpus_allowed_list:'))
    const set = new Set()
    for (const part of line.split(':')[1].trim().split(',')) {
      const [a, b = a] = part.split('-').map(Number)
      for (let c = a; c <= b; c++) set.add(c)
    }
    return set
  } catch {
    return null
  }
}
