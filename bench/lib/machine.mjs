// What the machine is and what it did during a measured run: CPU of processes and of the whole
// machine from /proc, the noise other work caused, the commit and the tool versions.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { ROOT } from './paths.mjs'
import { round } from './util.mjs'

/**
 * Above this much CPU used by other processes, or taken by the hypervisor (steal), during a
 * measured run, its figures are flagged as disturbed.
 */
export const NOISE_CORES = 0.25

/** User + system CPU seconds of a process (all its threads), from /proc; null where unavailable. */
let clockTicks
export function processCpuSeconds(pid) {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // Fields 14 and 15 of stat (utime, stime); `fields` starts at field 3.
    return (Number(fields[11]) + Number(fields[12])) / clockTicks
  } catch {
    return null
  }
}

/**
 * Pids descending from `ancestor`: the runtimes, and their parent shells where they have them
 * (src/functions/runtime-parent.ts), whose CPU is the runtimes' cost too.
 */
export function descendantsOf(ancestor) {
  const parentOf = new Map()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // Gone meanwhile.
    }
  }
  const isDescendant = (pid) => {
    for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p)) if (p === ancestor) return true
    return false
  }
  return [...parentOf.keys()].filter(isDescendant)
}

/** CPU seconds of the whole machine by kind, from /proc/stat; null where unavailable. */
export function machineCpuSeconds() {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith('cpu '))
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number)
    return { process: (user + nice + system) / clockTicks, kernel: (irq + softirq) / clockTicks, idle: (idle + iowait) / clockTicks, steal: steal / clockTicks }
  } catch {
    return null
  }
}

/**
 * What the machine did during a measured run, in cores: `otherCores` is process CPU time not
 * used by the server or this process (other work on the machine, which skews the figures);
 * `interruptCores` is mostly the loopback network stack; `stealCores` is time the hypervisor took.
 */
export function machineLoad(before, after, wall, serverCores, selfCores) {
  if (before === null || after === null) return { otherCores: null, interruptCores: null, stealCores: null, idleCores: null }
  const cores = (k) => round((after[k] - before[k]) / wall, 2)
  const processCores = (after.process - before.process) / wall
  return {
    otherCores: serverCores === null ? null : round(Math.max(0, processCores - serverCores - selfCores), 2),
    interruptCores: cores('kernel'),
    stealCores: cores('steal'),
    idleCores: cores('idle'),
  }
}

/** Cores lost to other processes and to the hypervisor during a measured run. */
export function noiseOf(run) {
  return (run.machine.otherCores ?? 0) + (run.machine.stealCores ?? 0)
}

export function machineInfo() {
  const cpus = os.cpus()
  return {
    cpus: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    memoryGB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  }
}

/** `N CPU(s) (model), Node vX, platform` for a bench's first line. */
export function describeMachine(machine) {
  return `${machine.cpus} CPU(s) (${machine.cpuModel}), Node ${machine.node}, ${machine.platform}`
}

export function gitCommit() {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'bench/fixtures'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== ''
    return dirty ? `${sha}+dirty` : sha
  } catch {
    return null
  }
}

export function autocannonVersion() {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules/autocannon/package.json'), 'utf8')).version
  } catch {
    return 'unknown'
  }
}
