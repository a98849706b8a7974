// A real redis-server for tests, on a free loopback port, with nothing persisted, in a
// temporary directory of its own; stopped, and the directory removed, when the test ends. It
// can be paused (SIGSTOP, a hung server) and resumed, or start as a replica (Sentinel tests:
// see redis-sentinel.ts). `.ci/run` installs the Debian package when it is missing.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'

export interface RedisServer {
  readonly url: string
  readonly port: number
  /** Stops it (SIGKILL: as a crash would). */
  kill(): Promise<void>
  /** Starts it again on the same port (after `kill`). */
  restart(): Promise<void>
  /** SIGSTOP: a hung server. Its connections stay open and nothing answers. */
  pause(): void
  /** SIGCONT after `pause`: it answers everything sent meanwhile. */
  resume(): void
  /** Everything it printed so far. */
  output(): string
}

export interface RedisServerOptions {
  /** Start as a replica of the server on this loopback port. */
  readonly replicaOf?: number
}

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

function launch(port: number, dir: string, options: RedisServerOptions, log: { text: string }): Promise<ChildProcess> {
  // `--save ''` stops snapshots, but a replica's full sync still writes dump.rdb into its
  // directory, and any redis-server started there later loads it at startup (a later test
  // would find this one's throttle buckets). Hence a directory of its own.
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no']
  if (options.replicaOf !== undefined) args.push('--replicaof', '127.0.0.1', String(options.replicaOf))
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000)
    const onData = (d: Buffer) => {
      out += d.toString()
      log.text += d.toString()
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer)
        resolve(child)
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    // 'close', not 'exit': by then its output (why it stopped) has all been read.
    child.once('close', () => {
      clearTimeout(timer)
      reject(new Error(`redis-server exited before it was ready: ${out}`))
    })
  })
}

/**
 * Ports tried: another process (any outgoing connection's ephemeral port) can take the port
 * `freePort` found before redis-server binds it.
 */
const PORT_ATTEMPTS = 5

export async function startRedis(t: TestContext, options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-redis-'))
  const log = { text: '' }
  let port = 0
  let child: ChildProcess | null = null
  for (let attempt = 1; child === null; attempt++) {
    port = await freePort()
    log.text = ''
    try {
      child = await launch(port, dir, options, log)
    } catch (err) {
      if (attempt === PORT_ATTEMPTS || !String(err).includes('Address already in use')) {
        rmSync(dir, { recursive: true, force: true })
        throw err
      }
    }
  }
  const stop = async (): Promise<void> => {
    const c = child
    child = null
    if (c === null || c.exitCode !== null) return
    const exited = new Promise((resolve) => c.once('exit', resolve))
    // SIGKILL also ends a paused (SIGSTOP) server.
    c.kill('SIGKILL')
    await exited
  }
  t.after(async () => {
    await stop()
    rmSync(dir, { recursive: true, force: true })
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill: stop,
    restart: async () => {
      await stop()
      child = await launch(port, dir, options, log)
    },
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    output: () => log.text,
  }
}
