/**
 * @module
 * One Lambda execution environment: a worker thread that loads the handler once and runs
 * one invocation at a time. It reports how each invocation ended; the pool decides what
 * to do with the environment afterwards.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads'
import {
  CONTROL_LENGTH,
  CONTROL_MAX_MEMORY_MB,
  CONTROL_SLOTS,
  CONTROL_STATE,
  INLINE_PAYLOAD_BYTES,
  STATE_INVOKE_INLINE,
  STATE_INVOKE_POSTED,
  STATE_RESULT_INLINE,
  STATE_RESULT_POSTED,
  fitsUtf8,
  type EnvironmentInit,
  type EnvironmentMessage,
  type InvokeMessage,
} from './protocol.js'
import type { FunctionErrorPayload } from '../model/index.js'

/**
 * How one invocation ended. `maxMemoryUsedMB` is for the REPORT line only: an environment
 * without a log (`onLog` null) may leave it 0 rather than measure it.
 */
export type RunOutcome =
  | { readonly kind: 'result'; readonly payload: string; readonly maxMemoryUsedMB: number }
  | { readonly kind: 'error'; readonly error: FunctionErrorPayload; readonly maxMemoryUsedMB: number }
  /** The environment died during the invocation (uncaught exception, exit, out of memory). */
  | { readonly kind: 'crash'; readonly error: FunctionErrorPayload; readonly maxMemoryUsedMB: number }
  /** The function's own timeout elapsed; the environment must be discarded. */
  | { readonly kind: 'timeout' }

export type InitOutcome = { readonly ok: true; readonly initDurationMs: number } | { readonly ok: false; readonly error: FunctionErrorPayload }

export interface EnvironmentOptions {
  readonly init: Omit<EnvironmentInit, 'control' | 'payloads' | 'channel'>
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
  readonly #payloads = Buffer.from(new SharedArrayBuffer(INLINE_PAYLOAD_BYTES))
  /** The gateway's end of the channel (the environment holds the other). */
  readonly #channel: MessagePort
  readonly #onMessage: (message: EnvironmentMessage) => void
  /** A posted outcome (a result over INLINE_PAYLOAD_BYTES, or an error), until it is signalled. */
  #posted: { readonly id: string; readonly outcome: RunOutcome } | undefined
  /** When this environment last finished an invocation (`performance.now()`), for idle reclamation and LRU eviction. */
  lastUsed = performance.now()

  constructor(options: EnvironmentOptions) {
    // Lambda's Init Duration covers starting the runtime as well as loading the handler.
    const created = performance.now()
    const { port1, port2 } = new MessageChannel()
    this.#channel = port1
    this.#worker = new Worker(WORKER_URL, {
      workerData: { ...options.init, control: this.#control.buffer as SharedArrayBuffer, payloads: this.#payloads.buffer as SharedArrayBuffer, channel: port2 } satisfies EnvironmentInit,
      transferList: [port2],
      env: options.env,
      execArgv: [],
      // Lambda stops a function that exceeds its memory size; V8's heap cap does the same here.
      resourceLimits: { maxOldGenerationSizeMb: Math.max(64, options.memorySize) },
    })
    let settleInit: (o: InitOutcome) => void = () => {}
    this.ready = new Promise((resolve) => (settleInit = resolve))
    void this.ready.then((outcome) => (this.initOutcome = outcome))
    this.#onMessage = (message: EnvironmentMessage) => {
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
        case 'error':
          // Kept until the environment signals STATE_RESULT_POSTED (see #collect): settling
          // earlier could hand it the next invocation before it has signalled this one's end.
          this.#posted = {
            id: message.awsRequestId,
            outcome:
              message.type === 'result'
                ? { kind: 'result', payload: message.payload, maxMemoryUsedMB: message.maxMemoryUsedMB }
                : { kind: 'error', error: message.error, maxMemoryUsedMB: message.maxMemoryUsedMB },
          }
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
          void this.terminate()
          return
      }
    }
    this.#channel.on('message', this.#onMessage)
    // The worker keeps the process alive while it runs; its channel adds nothing to that.
    this.#channel.unref()
    const die = (error: FunctionErrorPayload, maxMemoryUsedMB = 0) => {
      this.#dead = true
      settleInit({ ok: false, error })
      const pending = this.#pending
      this.#pending = undefined
      pending?.resolve({ kind: 'crash', error, maxMemoryUsedMB })
      this.#releaseWaiter()
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
      // Messages it posted before it died (its last log lines) first.
      this.#drainChannel()
      die({ errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: exit status ${code}`, trace: [] })
      this.#channel.close()
    })
  }

  /**
   * Hands one invocation to the (frozen) environment, which thaws; resolves when the handler
   * finishes, the environment dies, or `timeoutMs` (the function's timeout) elapses.
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
      const deadline = Date.now() + timeoutMs
      const header = `${awsRequestId}\n${deadline}\n`
      let state: number
      if (fitsUtf8(event, INLINE_PAYLOAD_BYTES - header.length)) {
        const headerBytes = this.#payloads.write(header, 0, 'latin1')
        Atomics.store(this.#control, CONTROL_LENGTH, headerBytes + this.#payloads.write(event, headerBytes, 'utf8'))
        state = STATE_INVOKE_INLINE
      } else {
        this.#channel.postMessage({ type: 'invoke', awsRequestId, event, deadline } satisfies InvokeMessage)
        state = STATE_INVOKE_POSTED
      }
      Atomics.store(this.#control, CONTROL_STATE, state)
      Atomics.notify(this.#control, CONTROL_STATE)
      this.#awaitOutcome(awsRequestId, state)
    })
  }

  /** Waits, without blocking the gateway, for the environment to move the state on. */
  #awaitOutcome(awsRequestId: string, state: number): void {
    const wait = Atomics.waitAsync(this.#control, CONTROL_STATE, state)
    if (wait.async) void wait.value.then(() => this.#collect(awsRequestId))
    else this.#collect(awsRequestId)
  }

  /** Reads the outcome the environment signalled (or, woken by a timeout or death, nothing). */
  #collect(awsRequestId: string): void {
    if (this.#pending?.id !== awsRequestId) return
    // What it posted before signalling (its log lines; a posted result or error) comes first.
    this.#drainChannel()
    if (this.#pending?.id !== awsRequestId) return
    const state = Atomics.load(this.#control, CONTROL_STATE)
    if (state === STATE_RESULT_INLINE) {
      const payload = this.#payloads.toString('utf8', 0, Atomics.load(this.#control, CONTROL_LENGTH))
      this.#settle(awsRequestId, { kind: 'result', payload, maxMemoryUsedMB: Atomics.load(this.#control, CONTROL_MAX_MEMORY_MB) })
    } else if (state === STATE_RESULT_POSTED) {
      const posted = this.#posted
      this.#posted = undefined
      if (posted !== undefined) this.#settle(posted.id, posted.outcome)
    } else if (state === STATE_INVOKE_INLINE || state === STATE_INVOKE_POSTED) {
      this.#awaitOutcome(awsRequestId, state)
    }
  }

  #drainChannel(): void {
    for (let received = receiveMessageOnPort(this.#channel); received !== undefined; received = receiveMessageOnPort(this.#channel)) {
      this.#onMessage(received.message as EnvironmentMessage)
    }
  }

  #settle(id: string, outcome: RunOutcome): void {
    const pending = this.#pending
    if (pending === undefined || pending.id !== id) return
    this.#pending = undefined
    pending.resolve(outcome)
  }

  /** Ends the gateway's `Atomics.waitAsync` for an environment that will not answer. */
  #releaseWaiter(): void {
    Atomics.notify(this.#control, CONTROL_STATE)
  }

  /** Stops the environment (timeout, reload, shutdown, reclamation). */
  terminate(): Promise<void> {
    this.#dead = true
    this.#releaseWaiter()
    return this.#worker.terminate().then(() => undefined)
  }
}
