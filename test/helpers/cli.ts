import type { TestContext } from 'node:test'
import { spawn, type ChildProcess } from 'node:child_process'
import { cliPath } from './paths.js'

// The built binary (bin/gatehouse.js runs build/src/cli/main.js), spawned as users run it.

export const WAIT_MS = 20_000

export interface Cli {
  readonly child: ChildProcess
  stdout(): string
  stderr(): string
  /** Resolves when stdout or stderr (accumulated) matches `pattern`; rejects if the process exits first. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpMatchArray>
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Spawns `node bin/gatehouse.js ...args` in `cwd`; the process is killed when the test ends. */
export function spawnCli(t: TestContext, args: readonly string[], cwd: string): Cli {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  const out = { stdout: '', stderr: '' }
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out.stdout += chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (out.stderr += chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal }))
  )
  let done = false
  void exited.then(() => (done = true))
  t.after(async () => {
    if (!done) {
      child.kill('SIGKILL')
      await exited
    }
  })
  return {
    child,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    exited,
    waitFor(stream, pattern) {
      return new Promise((resolve, reject) => {
        const source = stream === 'stdout' ? child.stdout : child.stderr
        const timer = setTimeout(() => finish(new Error(`timed out waiting for ${pattern} on ${stream}:\n${out[stream]}\nstderr:\n${out.stderr}`)), WAIT_MS)
        const check = () => {
          const match = out[stream].match(pattern)
          if (match !== null) finish(undefined, match)
        }
        const onClose = () => {
          check()
          finish(new Error(`gatehouse exited before printing ${pattern} on ${stream}:\nstdout:\n${out.stdout}\nstderr:\n${out.stderr}`))
        }
        const finish = (err: Error | undefined, match?: RegExpMatchArray) => {
          clearTimeout(timer)
          source?.off('data', onData)
          child.off('close', onClose)
          if (match !== undefined) resolve(match)
          else reject(err)
        }
        // Listeners added after spawnCli's own, so `out` already holds the chunk.
        const onData = () => check()
        source?.on('data', onData)
        child.on('close', onClose)
        check()
      })
    },
  }
}

