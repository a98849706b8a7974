/**
 * @module
 * One Lambda execution environment as an operating-system process that speaks the Runtime
 * API: Python (Gatehouse's bootstrap), a custom runtime's own `bootstrap`, or Node.js with
 * process isolation. Started in the code folder with the variables Lambda sets; its stdout
 * and stderr lines go to the function log; frozen (SIGSTOP) while it waits for its next
 * event, as Lambda freezes an idle environment; its memory bounded by RLIMIT_DATA where
 * the platform has it. Where `setsid` exists, a small parent shell starts and waits for it,
 * so its freezes send the gateway no SIGCHLD (runtime-parent.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync, readSync } from 'node:fs'
import { Socket } from 'node:net'
import { StringDecoder } from 'node:string_decoder'
import type { Readable } from 'node:stream'
import type { FunctionErrorPayload } from '../model/index.js'
import { newTraceId, newTraceParentId } from '../util/index.js'
import type { InitOutcome, PooledEnvironment, RunOutcome } from './environment-kind.js'
import { RuntimeApiServer } from './runtime-api/index.js'
import { exitDescription, parentedCommand, readRuntimePid, runtimeExit, SETSID } from './runtime-parent.js'

/** How to start the runtime process. */
export interface ProcessLaunch {
  readonly command: string
  readonly args: readonly string[]
  /** Variables added over the pool's Lambda variables (search paths, execution env). */
  readonly env: Readonly<Record<string, string>>
  /**
   * Bound the process's data segment (heap and private writable mappings) to the memory
   * size with RLIMIT_DATA. Off for runtimes that bound themselves (Node.js: V8's heap cap).
   */
  readonly limitMemory: boolean
  /**
   * The runtime also gets a connection to its Runtime API already open, as file descriptor 3
   * (its end of a socket pair), named by {@link RUNTIME_API_FD_VARIABLE}: Gatehouse's own
   * bootstraps speak the Runtime API's calls over it in a private framing
   * (runtime-api/frames.ts), without HTTP's parsing or loopback TCP's cost per segment (see
   * docs/runtimes.md). The TCP address is served all the same.
   */
  readonly runtimeApiChannel?: boolean
}

/**
 * Set for a runtime launched with a Runtime API channel: the descriptor it is on. Gatehouse's
 * bootstrap removes it from its environment before loading the handler.
 */
export const RUNTIME_API_FD_VARIABLE = '_GATEHOUSE_RUNTIME_API_FD'


export interface ProcessEnvironmentOptions {
  readonly launch: ProcessLaunch | { readonly error: FunctionErrorPayload }
  /** The working directory: the code folder (`LAMBDA_TASK_ROOT`). */
  readonly cwd: string
  readonly env: Readonly<Record<string, string>>
  readonly memorySize: number
  readonly invokedFunctionArn: string
  readonly onLog: ((line: string) => void) | null
  /** Freeze the process between invocations (off while a debugger is attached). */
  readonly freeze: boolean
}

/** Whether RLIMIT_DATA can be set here (Linux and the BSDs; `ulimit -d` in /bin/sh). */
export const MEMORY_LIMIT_SUPPORTED = process.platform !== 'win32'

/**
 * The X-Ray trace header Lambda passes to every invocation (`Lambda-Runtime-Trace-Id`), not
 * sampled: the data plane's root shape, with a parent segment id.
 */
function runtimeTraceId(): string {
  return `${newTraceId(Date.now())};Parent=${newTraceParentId()};Sampled=0`
}

/** Room for /proc/<pid>/status (about 1.5 KB on Linux). */
const STATUS_BUFFER = Buffer.allocUnsafe(16 * 1024)

export class ProcessEnvironment implements PooledEnvironment {
  readonly ready: Promise<InitOutcome>
  initOutcome: InitOutcome | undefined
  initDurationMs: number | undefined
  lastUsed = performance.now()
  readonly #options: ProcessEnvironmentOptions
  /** The runtime's own process and group, as {@link LIVE} holds it (the group is known once the parent shell reports it). */
  #live: LiveRuntime | undefined
  #api: RuntimeApiServer | undefined
  #settleInit: (o: InitOutcome) => void = () => {}
  #pending: { id: string; resolve: (o: RunOutcome) => void } | undefined
  #dead = false
  #exited: Promise<void> = Promise.resolve()
  #frozen = false
  /** /proc/<pid>/status, kept open: re-read from offset 0 per invocation, one syscall instead of three. */
  #statusFd: number | undefined
  readonly #created = performance.now()

  constructor(options: ProcessEnvironmentOptions) {
    this.#options = options
    this.ready = new Promise((resolve) => (this.#settleInit = resolve))
    void this.ready.then((outcome) => (this.initOutcome = outcome))
    void this.#start()
  }

  async #start(): Promise<void> {
    const { launch } = this.#options
    if ('error' in launch) return this.#die(launch.error)
    try {
      this.#api = await RuntimeApiServer.listen({
        onReady: () => {
          this.initDurationMs = performance.now() - this.#created
          this.#settleInit({ ok: true, initDurationMs: this.initDurationMs })
        },
        onInitError: (error) => {
          this.initDurationMs = performance.now() - this.#created
          this.#settleInit({ ok: false, error })
        },
        onResponse: (id, payload) => this.#finish(id, (maxMemoryUsedMB) => ({ kind: 'result', payload, maxMemoryUsedMB })),
        onError: (id, error) => this.#finish(id, (maxMemoryUsedMB) => ({ kind: 'error', error, maxMemoryUsedMB })),
        onWaiting: () => {
          // Nothing of the function runs until its next event, as on Lambda. With its last
          // invocation still settling (its output being read), frozen once that has settled.
          if (this.#options.freeze && this.#pending === undefined) this.#signal('SIGSTOP')
        },
      })
    } catch (err) {
      return this.#die({ errorType: 'Runtime.Unknown', errorMessage: `Runtime API could not listen: ${(err as Error).message}`, trace: [] })
    }
    if (this.#dead) return this.#api.close()
    const channel = launch.runtimeApiChannel === true && process.platform !== 'win32'
    const env = { ...this.#options.env, ...launch.env, AWS_LAMBDA_RUNTIME_API: this.#api.address, ...(channel ? { [RUNTIME_API_FD_VARIABLE]: '3' } : {}) }
    // `ulimit -d` takes KiB.
    const memoryKiB = launch.limitMemory && MEMORY_LIMIT_SUPPORTED ? this.#options.memorySize * 1024 : undefined
    // A fourth 'pipe' is a socket pair on Unix (libuv): the channel, the runtime's end on fd 3.
    // A parent shell (runtime-parent.ts) reads standard input, held open by this process (its
    // end closes when the gateway dies), and writes the runtime's pid to one more pipe.
    const stdio: ('ignore' | 'pipe')[] = [SETSID !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe', ...(channel ? ['pipe' as const] : [])]
    const pidFd = SETSID !== undefined ? stdio.push('pipe') - 1 : undefined
    const [command, args] =
      SETSID !== undefined && pidFd !== undefined
        ? parentedCommand(SETSID, launch.command, launch.args, memoryKiB, pidFd)
        : memoryKiB !== undefined
          ? // `exec` keeps the pid, so signals and /proc reach the runtime itself.
            ['/bin/sh', ['-c', 'ulimit -d "$0" && exec "$@"', String(memoryKiB), launch.command, ...launch.args]]
          : [launch.command, [...launch.args]]
    // Its own process group (the parent shell's `setsid`, or `detached`): freezing, the timeout
    // and shutdown reach whatever the runtime started too (a shell bootstrap's curl), as Lambda
    // freezes and ends the whole sandbox.
    const child = spawn(command, args, { cwd: this.#options.cwd, env, stdio, detached: process.platform !== 'win32' })
    const live: LiveRuntime = { child, group: pidFd === undefined ? child.pid : undefined }
    this.#live = live
    const channelSocket = channel ? child.stdio[3] : null
    if (channelSocket instanceof Socket) this.#api.adoptChannel(channelSocket)
    const pidStream = pidFd === undefined ? null : child.stdio[pidFd]
    if (pidStream instanceof Socket) {
      readRuntimePid(pidStream, (pid) => {
        live.group = pid
        if (pid === undefined) return
        // Stopped before the pid came (early shutdown), or meant to be frozen already.
        if (this.#dead) killLive(live, 'SIGKILL')
        else if (this.#frozen) killLive(live, 'SIGSTOP')
      })
    }
    LIVE.add(live)
    this.#exited = new Promise((resolve) => child.once('close', () => resolve()))
    child.once('exit', () => LIVE.delete(live))
    const onLog = this.#options.onLog
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue
      if (onLog === null) stream.resume()
      else forEachLine(stream, onLog)
    }
    child.once('error', (err: NodeJS.ErrnoException) => {
      // spawn failed: no interpreter, no such bootstrap, no execute bit.
      const reason = err.code === 'ENOENT' ? 'no such file or directory' : err.code === 'EACCES' ? 'permission denied' : err.message
      this.#die({ errorType: 'Runtime.InvalidEntrypoint', errorMessage: `fork/exec ${launch.command}: ${reason}`, trace: [] })
    })
    child.once('exit', (shellCode, shellSignal) => {
      this.#closeStatus()
      // What the runtime started goes with it.
      killLive(live, 'SIGKILL')
      const { code, signal } = pidFd === undefined ? { code: shellCode, signal: shellSignal } : runtimeExit(shellCode, shellSignal)
      const how = exitDescription(code, signal)
      // /bin/sh and setsid answer 126/127 when the command cannot run.
      if (command !== launch.command && (code === 126 || code === 127) && this.initOutcome === undefined) {
        return this.#die({ errorType: 'Runtime.InvalidEntrypoint', errorMessage: `fork/exec ${launch.command}: ${code === 127 ? 'no such file or directory' : 'permission denied'}`, trace: [] })
      }
      this.#die({ errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: ${how}`, trace: [] })
    })
  }

  run(awsRequestId: string, event: string, timeoutMs: number): Promise<RunOutcome> {
    return new Promise((resolve) => {
      const api = this.#api
      if (this.#dead || api === undefined) {
        resolve({ kind: 'crash', error: { errorType: 'Runtime.ExitError', errorMessage: 'Runtime exited', trace: [] }, maxMemoryUsedMB: 0 })
        return
      }
      const timer = setTimeout(() => {
        api.abandon(awsRequestId)
        this.#settle(awsRequestId, { kind: 'timeout' })
      }, timeoutMs)
      this.#pending = {
        id: awsRequestId,
        resolve: (outcome) => {
          clearTimeout(timer)
          this.lastUsed = performance.now()
          resolve(outcome)
        },
      }
      api.deliver({ awsRequestId, event, deadlineMs: Date.now() + timeoutMs, invokedFunctionArn: this.#options.invokedFunctionArn, traceId: runtimeTraceId() })
      // Thawed after the event is in its socket: a frozen process is not woken by the data,
      // so it wakes once (to find its event) rather than twice (to resume, then to read).
      this.#signal('SIGCONT')
    })
  }

  /** The runtime answered: settled once the lines it printed before have reached the log. */
  #finish(id: string, outcome: (maxMemoryUsedMB: number) => RunOutcome): void {
    // Nobody reads the output (quiet functions, no console): nothing to wait for, and no
    // REPORT line to carry Max Memory Used, its only reader (the pool formats it only for a
    // log): /proc is not read (a read(2) per invocation showed in the gateway's CPU profile).
    if (this.#options.onLog === null) return this.#settle(id, outcome(0))
    const mb = this.#maxMemoryUsedMB()
    // The runtime wrote its output before posting; a turn of the loop lets the pipes be read.
    setImmediate(() => setImmediate(() => this.#settle(id, outcome(mb))))
  }

  /** The peak resident set of the process (Linux `VmHWM`), as Lambda's `Max Memory Used`. */
  #maxMemoryUsedMB(): number {
    const pid = this.#live?.group
    if (pid === undefined || process.platform !== 'linux' || this.#dead) return 0
    try {
      // Synchronous: /proc answers from memory, and a thread-pool round trip costs more. The
      // descriptor names this process, not its pid: it cannot read a successor's status.
      this.#statusFd ??= openSync(`/proc/${pid}/status`, 'r')
      const n = readSync(this.#statusFd, STATUS_BUFFER, 0, STATUS_BUFFER.length, 0)
      const kb = /VmHWM:\s+(\d+) kB/.exec(STATUS_BUFFER.toString('latin1', 0, n))?.[1]
      return kb === undefined ? 0 : Math.ceil(Number(kb) / 1024)
    } catch {
      return 0
    }
  }

  #closeStatus(): void {
    if (this.#statusFd === undefined) return
    try {
      closeSync(this.#statusFd)
    } catch {
      // Already closed.
    }
    this.#statusFd = undefined
  }

  #settle(id: string, outcome: RunOutcome): void {
    const pending = this.#pending
    if (pending === undefined || pending.id !== id) return
    this.#pending = undefined
    pending.resolve(outcome)
    // Settled after the runtime called `/next` (its output was still being read): idle now.
    if (this.#options.freeze && this.#api?.waiting === true) this.#signal('SIGSTOP')
  }

  #die(error: FunctionErrorPayload): void {
    if (this.#dead) return
    this.#dead = true
    this.initDurationMs ??= performance.now() - this.#created
    this.#settleInit({ ok: false, error })
    const pending = this.#pending
    this.#pending = undefined
    pending?.resolve({ kind: 'crash', error, maxMemoryUsedMB: 0 })
    this.#api?.close()
  }

  #signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    const live = this.#live
    if (live === undefined || this.#dead || live.child.exitCode !== null) return
    if ((signal === 'SIGSTOP') === this.#frozen) return
    // Recorded even before the runtime's pid is known: it is frozen as soon as it is.
    this.#frozen = signal === 'SIGSTOP'
    killLive(live, signal)
  }

  /** Settles once the process has exited (or never started). */
  get exited(): Promise<void> {
    return this.ready.then(() => this.#exited)
  }

  terminate(): Promise<void> {
    this.#dead = true
    this.#closeStatus()
    this.#api?.close()
    if (this.#live !== undefined) killLive(this.#live, 'SIGKILL')
    return this.#exited
  }
}

/**
 * Calls `onLine` per `\n`-ended line (a lone `\r` stays inside the line: Lambda's Python
 * runtime writes a multi-line error as one record joined by `\r`); a last unended line at
 * the end of the stream too.
 */
function forEachLine(stream: Readable, onLine: (line: string) => void): void {
  const decoder = new StringDecoder('utf8')
  let rest = ''
  stream.on('data', (chunk: Buffer) => {
    rest += decoder.write(chunk)
    let nl = rest.indexOf('\n')
    while (nl >= 0) {
      onLine(rest.slice(0, nl > 0 && rest.charCodeAt(nl - 1) === 13 ? nl - 1 : nl))
      rest = rest.slice(nl + 1)
      nl = rest.indexOf('\n')
    }
  })
  stream.on('end', () => {
    rest += decoder.end()
    if (rest !== '') onLine(rest)
  })
}

/**
 * A runtime process: the child Gatehouse started (the runtime, or its parent shell), and the
 * process group to signal (the runtime's pid; undefined until the parent shell reports it).
 */
interface LiveRuntime {
  readonly child: ChildProcess
  group: number | undefined
}

/**
 * Runtime processes alive now. They run in process groups of their own and may be frozen, so
 * they would outlive a gateway that exits without stopping its environments (an uncaught
 * error, `process.exit`): they are killed when this process exits, whatever the path.
 */
const LIVE = new Set<LiveRuntime>()
process.once('exit', () => {
  for (const live of LIVE) killLive(live, 'SIGKILL')
})

/**
 * Signals the runtime's process group (the runtime and what it started), or the runtime alone
 * where there are none. `SIGKILL` reaches its parent shell too, if it has one.
 */
function killLive(live: LiveRuntime, signal: NodeJS.Signals): void {
  try {
    if (process.platform === 'win32') live.child.kill(signal)
    else if (live.group !== undefined) process.kill(-live.group, signal)
  } catch {
    // Already gone, with everything it started: its exit is reported by the 'exit' handler.
  }
  // A parent shell is not in the runtime's group.
  if (signal === 'SIGKILL' && live.group !== live.child.pid && live.child.exitCode === null && live.child.signalCode === null) live.child.kill('SIGKILL')
}
