/**
 * @module
 * One Lambda execution environment: a worker thread that loads the handler once and runs
 * one invocation at a time. It reports how each invocation ended; the pool decides what
 * to do with the environment afterwards.
 */
import { Worker } from 'node:worker_threads'
import { CONTROL_SLOTS, CONTROL_THAW, THAWED, type EnvironmentInit, type EnvironmentMessage } from './protocol.js'
import type { FunctionErrorPayload } from '../model/index.js'

export type RunOutcome =
  | { readonly kind: 'result'; readonly payload: string; readonly maxMemoryUsedMB: number }
  | { readonly kind: 'error'; readonly error: FunctionErrorPayload; readonly maxMemoryUsedMB: number }
  /** The environment died during the invocation (uncaught exception, exit, out of memory). */
  | { readonly kind: 'crash'; readonly error: FunctionErrorPayload; readonly maxMemoryUsedMB: number }
  /** The function's own timeout elapsed; the environment must be discarded. */
  | { readonly kind: 'timeout' }

export type InitOutcome = { readonly ok: true; readonly initDurationMs: number } | { readonly ok: false; readonly error: FunctionErrorPayload }

export interface EnvironmentOptions {
  readonly init: Omit<EnvironmentInit, 'control'>
  readonly env: Readonly<Record<string, string>>
  readonly memorySize: number
  readonly onLog: ((line: string) => void) | null
}

const WORKER_URL = new URL('./worker.js', import.meta.url)

export class ExecutionEnvironment {
  readonly ready: Promise<InitOutcome>
  /** How init ended, once it has: warm invocations read this instead of awaiting `ready`. */
  initOutcome: InitOutcome | undefined
  /** Set once, by the first invocation after init (Lambda reports it on that REPORT line). */
  initDurationMs: number | undefined
  #worker: Worker
  #dead = false
  #pending: { id: string; resolve: (o: RunOutcome) => void } | undefined
  readonly #control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT))
  /** When this environment last finished an invocation (`performance.now()`), for idle reclamation and LRU eviction. */
  lastUsed = performance.now()

  constructor(options: EnvironmentOptions) {
    // Lambda's Init Duration covers starting the runtime as well as loading the handler.
    const created = performance.now()
    this.#worker = new Worker(WORKER_URL, {
      workerData: { ...options.init, control: this.#control.buffer } satisfies EnvironmentInit,
      env: options.env,
      execArgv: [],
      // Lambda stops a function that exceeds its memory size; V8's heap cap does the same here.
      resourceLimits: { maxOldGenerationSizeMb: Math.max(64, options.memorySize) },
    })
    let settleInit: (o: InitOutcome) => void = () => {}
    this.ready = new Promise((resolve) => (settleInit = resolve))
    void this.ready.then((outcome) => (this.initOutcome = outcome))
    this.#worker.on('message', (message: EnvironmentMessage) => {
      switch (message.type) {
        case 'log':
          options.onLog?.(message.line)
          return
        case 'ready':
          this.initDurationMs = performance.now() - created
          settleInit({ ok: true, initDurationMs: this.initDurationMs })
          return
        case 'init-error':
          this.initDurationMs = performance.now() - created
          settleInit({ ok: false, error: message.error })
          return
        case 'result':
          this.#settle(message.awsRequestId, { kind: 'result', payload: message.payload, maxMemoryUsedMB: message.maxMemoryUsedMB })
          return
        case 'error':
          this.#settle(message.awsRequestId, { kind: 'error', error: message.error, maxMemoryUsedMB: message.maxMemoryUsedMB })
          return
        case 'out-of-memory':
          // The worker has stopped itself and waits to be terminated.
          die(
            {
              errorType: 'Runtime.OutOfMemory',
              errorMessage: `Runtime exited with error: out of memory (${message.requestedMB} MB needed, memory size ${options.memorySize} MB)`,
              trace: [],
            },
            message.usedMB
          )
          void this.#worker.terminate()
          return
      }
    })
    const die = (error: FunctionErrorPayload, maxMemoryUsedMB = 0) => {
      this.#dead = true
      settleInit({ ok: false, error })
      const pending = this.#pending
      this.#pending = undefined
      pending?.resolve({ kind: 'crash', error, maxMemoryUsedMB })
    }
    this.#worker.on('error', (err: Error & { code?: string }) => {
      const outOfMemory = err.code === 'ERR_WORKER_OUT_OF_MEMORY'
      die(
        {
          errorType: outOfMemory ? 'Runtime.OutOfMemory' : 'Runtime.ExitError',
          errorMessage: outOfMemory ? 'Runtime exited with error: out of memory' : `Runtime exited with error: ${err.name}: ${err.message}`,
          trace: (err.stack ?? '').split('\n'),
        },
        // V8's heap limit (resourceLimits) ended it: it held its whole memory size.
        outOfMemory ? options.memorySize : 0
      )
    })
    this.#worker.on('exit', (code) => {
      die({ errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: exit status ${code}`, trace: [] })
    })
  }

  /**
   * Sends one invocation; resolves when the handler finishes, the environment dies, or
   * `timeoutMs` (the function's timeout) elapses.
   */
  run(awsRequestId: string, event: string, timeoutMs: number): Promise<RunOutcome> {
    return new Promise((resolve) => {
      if (this.#dead) {
        resolve({ kind: 'crash', error: { errorType: 'Runtime.ExitError', errorMessage: 'Runtime exited', trace: [] }, maxMemoryUsedMB: 0 })
        return
      }
      const timer = setTimeout(() => this.#settle(awsRequestId, { kind: 'timeout' }), timeoutMs)
      this.#pending = {
        id: awsRequestId,
        resolve: (outcome) => {
          clearTimeout(timer)
          resolve(outcome)
        },
      }
      this.#worker.postMessage({ type: 'invoke', awsRequestId, event, deadline: Date.now() + timeoutMs })
      this.#thaw()
    })
  }

  #settle(id: string, outcome: RunOutcome): void {
    const pending = this.#pending
    if (pending === undefined || pending.id !== id) return
    this.#pending = undefined
    pending.resolve(outcome)
  }

  /** Wakes the frozen worker: it then receives the message just posted (or is terminated). */
  #thaw(): void {
    Atomics.store(this.#control, CONTROL_THAW, THAWED)
    Atomics.notify(this.#control, CONTROL_THAW)
  }

  /** Stops the environment (timeout, reload, shutdown, reclamation). */
  terminate(): Promise<void> {
    this.#dead = true
    return this.#worker.terminate().then(() => undefined)
  }
}
