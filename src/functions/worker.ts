/**
 * @module
 * The entry point of one Lambda execution environment (a worker thread). It loads the
 * handler module once (the init phase), then runs one invocation at a time, with the
 * Lambda `context` object, console output formatted like Lambda's logs, and errors
 * reported as `{errorType, errorMessage, trace}`. Anything that kills this thread (an
 * exception thrown in a timer, `process.exit`, running out of memory) kills only this
 * environment; the gateway answers the invocation as failed and starts a fresh one.
 */
import { isMainThread, receiveMessageOnPort, workerData } from 'node:worker_threads'
import { pathToFileURL } from 'node:url'
import { createRequire } from 'node:module'
import { realpathSync } from 'node:fs'
import { format } from 'node:util'
import { getHeapStatistics } from 'node:v8'
import { redirectConnectionsRequests } from './connections-redirect.js'
import {
  CONNECTIONS_ENDPOINT_VARIABLE,
  CONTROL_DEAD,
  CONTROL_LENGTH,
  CONTROL_MAX_MEMORY_MB,
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

if (isMainThread) throw new Error('worker.js must run as a worker thread')
const init = workerData as EnvironmentInit
const channel = init.channel
const payloads = Buffer.from(init.payloads)
const control = new Int32Array(init.control)
let currentRequestId: string | undefined

function send(message: EnvironmentMessage): void {
  channel.postMessage(message)
}

// Lambda's Node.js runtime prefixes each console line with time, request id and level.
function installConsole(): void {
  const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' } as const
  for (const [method, level] of Object.entries(levels)) {
    ;(console as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      const text = format(...args)
      send({ type: 'log', line: `${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${text}` })
    }
  }
}

function toErrorPayload(err: unknown): FunctionErrorPayload {
  if (err instanceof Error) {
    return {
      errorType: err.name || 'Error',
      errorMessage: err.message,
      trace: (err.stack ?? '').split('\n'),
    }
  }
  // Lambda reports thrown non-errors with the value's type as errorType.
  const message = typeof err === 'string' ? err : JSON.stringify(err) ?? String(err)
  return { errorType: typeof err === 'string' ? 'string' : typeof err, errorMessage: message, trace: [] }
}

const MB = 1024 * 1024

/**
 * Allocations of at least this size through `Buffer.alloc*` and `new ArrayBuffer` are checked
 * against the memory size before they happen (a synchronous allocation cannot be interrupted
 * afterwards); smaller ones are checked each time they add up to this size, so that a
 * synchronous loop of small allocations is stopped too.
 */
export const CHECKED_ALLOCATION_BYTES = 64 * 1024

/** How often a running environment compares its memory with its memory size. */
export const MEMORY_CHECK_INTERVAL_MS = 20

const memoryLimitBytes = init.memoryLimitInMB * MB
let peakBytes = 0

/**
 * The environment's memory: its V8 heap plus the memory outside it that this isolate owns
 * (`external_memory`: the backing stores of Buffers and ArrayBuffers).
 */
function usedBytes(): number {
  const stats = getHeapStatistics()
  const used = stats.used_heap_size + stats.external_memory
  if (used > peakBytes) peakBytes = used
  return used
}

/** The peak so far (`respond` has just checked the memory, which updates it). */
function memoryUsedMB(): number {
  return Math.ceil(peakBytes / MB)
}

/**
 * Past its memory size the environment ends itself, as Lambda ends one with
 * `Runtime.OutOfMemory`: it tells the gateway and blocks until the gateway terminates it
 * (so nothing of the handler runs on, and no allocation succeeds).
 */
function checkMemory(extraBytes = 0): void {
  const used = usedBytes() + extraBytes
  if (used <= memoryLimitBytes) return
  send({ type: 'out-of-memory', usedMB: Math.ceil(peakBytes / MB), requestedMB: Math.ceil(used / MB) })
  for (;;) Atomics.wait(control, CONTROL_DEAD, 0)
}

/** Checks allocations before they happen (see CHECKED_ALLOCATION_BYTES). */
function guardAllocators(): void {
  // Bytes allocated through the guarded allocators since the last check.
  let unchecked = 0
  const guard = (size: unknown): void => {
    if (typeof size !== 'number') return
    unchecked += size
    if (unchecked < CHECKED_ALLOCATION_BYTES) return
    unchecked = 0
    checkMemory(size)
  }
  for (const name of ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const) {
    const original = Buffer[name] as (...args: unknown[]) => Buffer
    Object.defineProperty(Buffer, name, {
      value: function (this: unknown, ...args: unknown[]) {
        guard(args[0])
        return original.apply(this, args)
      },
      writable: true,
      configurable: true,
    })
  }
  for (const name of ['ArrayBuffer', 'SharedArrayBuffer'] as const) {
    const original = globalThis[name]
    globalThis[name] = new Proxy(original, {
      construct(target, args: unknown[], newTarget) {
        guard(args[0])
        return Reflect.construct(target, args, newTarget) as object
      },
    }) as never
  }
}

/**
 * The periodic memory check (for memory the guarded allocators do not see). One interval for
 * the environment's life, unref'ed: it fires only while an invocation runs, since a frozen
 * environment's thread is blocked, so idle environments cost no wake-ups.
 */
function startWatchdog(): void {
  setInterval(() => checkMemory(), MEMORY_CHECK_INTERVAL_MS).unref()
}

/**
 * Freezes the environment until the gateway hands it the next invocation, as Lambda freezes
 * one once its response is sent: this thread blocks in `Atomics.wait`, so no timer, promise or
 * I/O callback of the function runs meanwhile. The gateway's `Atomics.notify` thaws it, and
 * the invocation starts in the same turn; work left over resumes when the function next yields
 * to the event loop.
 */
function freezeUntilInvoked(): InvokeMessage {
  for (;;) {
    const state = Atomics.load(control, CONTROL_STATE)
    if (state === STATE_INVOKE_INLINE) return readInlineInvocation()
    if (state === STATE_INVOKE_POSTED) {
      const posted = receiveMessageOnPort(channel)
      if (posted !== undefined) return posted.message as InvokeMessage
    }
    Atomics.wait(control, CONTROL_STATE, state)
  }
}

/** `{awsRequestId}\n{deadline}\n{event}` from the shared memory (see STATE_INVOKE_INLINE). */
function readInlineInvocation(): InvokeMessage {
  const text = payloads.toString('utf8', 0, Atomics.load(control, CONTROL_LENGTH))
  const idEnd = text.indexOf('\n')
  const deadlineEnd = text.indexOf('\n', idEnd + 1)
  return { type: 'invoke', awsRequestId: text.slice(0, idEnd), deadline: Number(text.slice(idEnd + 1, deadlineEnd)), event: text.slice(deadlineEnd + 1) }
}

/** Signals the gateway that the invocation's outcome is there. */
function signal(state: number): void {
  Atomics.store(control, CONTROL_STATE, state)
  Atomics.notify(control, CONTROL_STATE)
}

function sendResult(awsRequestId: string, payload: string): void {
  const maxMemoryUsedMB = memoryUsedMB()
  if (fitsUtf8(payload, INLINE_PAYLOAD_BYTES)) {
    Atomics.store(control, CONTROL_LENGTH, payloads.write(payload, 0, 'utf8'))
    Atomics.store(control, CONTROL_MAX_MEMORY_MB, maxMemoryUsedMB)
    signal(STATE_RESULT_INLINE)
  } else {
    send({ type: 'result', awsRequestId, payload, maxMemoryUsedMB })
    signal(STATE_RESULT_POSTED)
  }
}

function sendError(awsRequestId: string, error: FunctionErrorPayload): void {
  send({ type: 'error', awsRequestId, error, maxMemoryUsedMB: memoryUsedMB() })
  signal(STATE_RESULT_POSTED)
}

/**
 * Runs `then` once the event loop is empty (no ref'ed timer, handle or request left), detected
 * as Lambda's Node.js runtime detects it: with `beforeExit`. A poll cannot do this: it has to
 * be unref'ed not to count itself, so once the function's last timer has run nothing keeps the
 * loop alive, and unless the poll happened to be due in that same turn the thread ran out of
 * work and ended (the invocation failed with "Runtime exited with error: exit status 0").
 */
function whenEventLoopEmpty(then: () => void): void {
  process.once('beforeExit', then)
  // Work for one more turn of the loop: this invocation may have been thawed inside the previous
  // one's `beforeExit` listener, after which Node ends the thread unless the loop has work again
  // (with it, the loop runs, empties, and emits `beforeExit` once more).
  setImmediate(() => {})
}

type Handler = (event: unknown, context: unknown, callback?: (err: unknown, result?: unknown) => void) => unknown

async function loadHandler(): Promise<Handler> {
  const endpoint = process.env[CONNECTIONS_ENDPOINT_VARIABLE]
  if (endpoint !== undefined && endpoint !== '') redirectConnectionsRequests(endpoint)
  const mod: unknown = await import(pathToFileURL(init.handlerFile).href)
  // Lambda resolves the handler path on `module.exports` for a CommonJS module. import()
  // gives an ESM namespace whose `default` is `module.exports`, so `exports.default = fn`
  // would be `namespace.default.default`; the require cache holds the module itself.
  const cjs = createRequire(import.meta.url).cache[realpathSync(init.handlerFile)]
  let target: unknown = cjs !== undefined ? cjs.exports : mod
  for (const key of init.exportPath) {
    target = (target as Record<string, unknown> | undefined)?.[key]
    // CommonJS modules loaded through import() expose module.exports as `default`.
    if (target === undefined && cjs === undefined && key === init.exportPath[0]) {
      target = ((mod as { default?: Record<string, unknown> }).default ?? {})[key]
    }
  }
  if (typeof target !== 'function') {
    const error = new Error(`${init.handler} is undefined or not exported`)
    error.name = 'Runtime.HandlerNotFound'
    throw error
  }
  return target as Handler
}

function makeContext(message: InvokeMessage, done: (err: unknown, result?: unknown) => void) {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: init.functionName,
    functionVersion: init.functionVersion,
    invokedFunctionArn: init.invokedFunctionArn,
    memoryLimitInMB: String(init.memoryLimitInMB),
    awsRequestId: message.awsRequestId,
    logGroupName: init.logGroupName,
    logStreamName: init.logStreamName,
    identity: undefined,
    clientContext: undefined,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
    // Legacy completion methods, still honoured by the Node.js runtime.
    done,
    succeed: (result: unknown) => done(null, result),
    fail: (err: unknown) => done(err ?? 'handled'),
  }
}

async function invoke(handler: Handler, message: InvokeMessage): Promise<void> {
  currentRequestId = message.awsRequestId
  let settled = false
  const respond = (err: unknown, result?: unknown) => {
    checkMemory()
    if (err !== null && err !== undefined) {
      const error = toErrorPayload(err)
      console.error('Invoke Error \t' + JSON.stringify({ errorType: error.errorType, errorMessage: error.errorMessage, stack: error.trace }))
      sendError(message.awsRequestId, error)
    } else {
      let payload: string | undefined
      try {
        payload = JSON.stringify(result) ?? 'null'
      } catch (marshal) {
        sendError(message.awsRequestId, { ...toErrorPayload(marshal), errorType: 'Runtime.MarshalError' })
      }
      if (payload !== undefined) sendResult(message.awsRequestId, payload)
    }
    // Frozen once the current callback has unwound, before any timer or I/O callback runs.
    process.nextTick(nextInvocation, handler)
  }
  // The result of a returned promise, context.succeed/fail/done: sent at once.
  const finish = (err: unknown, result?: unknown) => {
    if (settled) return
    settled = true
    respond(err, result)
  }
  const context = makeContext(message, finish)
  // The handler's `callback`: like Lambda's, it waits for the event loop to empty unless the
  // handler set `context.callbackWaitsForEmptyEventLoop = false`.
  const callback = (err: unknown, result?: unknown) => {
    if (settled) return
    settled = true
    if (context.callbackWaitsForEmptyEventLoop === false) respond(err, result)
    else whenEventLoopEmpty(() => respond(err, result))
  }
  try {
    const event: unknown = JSON.parse(message.event)
    const returned = handler(event, context, callback)
    if (returned !== null && typeof (returned as PromiseLike<unknown>)?.then === 'function') {
      finish(null, await returned)
    } else if (handler.length < 3) {
      // Like the Node.js runtime, a synchronous handler's return value is not its result:
      // without a callback (or context.succeed) the result is null once it has returned.
      setImmediate(() => finish(null, null))
    }
  } catch (err) {
    finish(err)
  }
}

/** Freezes until the next invocation, then starts it. */
function nextInvocation(handler: Handler): void {
  void invoke(handler, freezeUntilInvoked())
}

async function main(): Promise<void> {
  installConsole()
  guardAllocators()
  let handler: Handler
  try {
    handler = await loadHandler()
  } catch (err) {
    const error = toErrorPayload(err)
    const errorType = error.errorType.startsWith('Runtime.') ? error.errorType : 'Runtime.ImportModuleError'
    send({ type: 'init-error', error: { ...error, errorType } })
    return
  }
  startWatchdog()
  send({ type: 'ready' })
  // Frozen until the first invocation, like after every one.
  process.nextTick(nextInvocation, handler)
}

void main()
