// Real `redis-server --sentinel` processes for tests (the Debian redis-server binary runs as a
// sentinel with --sentinel; no separate package needed), each on a free loopback port with a
// generated sentinel.conf in a temporary directory (sentinels rewrite their config file).
// Stopped, and the directory removed, when the test ends.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { freePort } from './redis-server.js'

export interface SentinelOptions {
  /** The monitored master's name (default `mymaster`). */
  readonly name?: string
  /** The master, on 127.0.0.1. */
  readonly masterPort: number
  /** Sentinels needed to agree the master is down (default 1). */
  readonly quorum?: number
  readonly downAfterMs?: number
  readonly failoverTimeoutMs?: number
}

export interface Sentinel {
  readonly port: number
  readonly name: string
  /** Everything it printed so far (events such as `+switch-master`). */
  output(): string
  /** Resolves when its output matches `pattern` (within `ms`). */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>
}

const START_TIMEOUT_MS = 10_000

export async function startSentinel(t: TestContext, options: SentinelOptions): Promise<Sentinel> {
  const name = options.name ?? 'mymaster'
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sentinel-'))
  const conf = join(dir, 'sentinel.conf')
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${options.masterPort} ${options.quorum ?? 1}`,
      `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1000}`,
      `sentinel failover-timeout ${name} ${options.failoverTimeoutMs ?? 3000}`,
      `sentinel parallel-syncs ${name} 1`,
      '',
    ].join('\n')
  )
  const child: ChildProcess = spawn('redis-server', [conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const waiters = new Set<() => void>()
  const onData = (d: Buffer) => {
    out += d.toString()
    for (const w of waiters) w()
  }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', onData)
  const exited = new Promise((resolve) => child.once('exit', resolve))
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  })
  const waitFor = (pattern: RegExp, ms = START_TIMEOUT_MS): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const m = out.match(pattern)
        if (m === null) return
        done()
        resolve(m)
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`sentinel on port ${port}: no ${String(pattern)} within ${ms} ms:\n${out}`))
      }, ms)
      const done = () => {
        clearTimeout(timer)
        waiters.delete(check)
      }
      waiters.add(check)
      check()
    })
  // Monitoring starts once it has read its config; the replica is found from the master's INFO.
  await waitFor(/\+monitor master/)
  return { port, name, output: () => out, waitFor }
}
