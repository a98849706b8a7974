/**
 * @module
 * The entry point of one Lambda execution environment (a worker thread). It loads the
 * handler module once (the init phase), then runs one invocation at a time, with the
 * Lambda `context` object, console output formatted like Lambda's logs, and errors
 * reported as `{errorType, errorMessage, trace}`. Anything that kills this thread (an
 * exception thrown in a timer, `process.exit`, running out of memory) kills only this
 * environment; the gateway answers the invocation as failed and starts a fresh one.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { pathToFileURL } from 'node:url'
import { createRequire } from 'node:module'
import { realpathSync } from 'node:fs'
import { format } from 'node:util'
import { getHeapStatistics } from 'node:v8'
import { Server, Socket } from 'node:net'
import { redirectConnectionsRequests } from './connections-redirect.js'
import { CONNECTIONS_ENDPOINT_VARIABLE, CONTROL_DEAD, CONTROL_THAW, FROZEN, type EnvironmentInit, type EnvironmentMessage, type InvokeMessage } from './protocol.js'
import type { FunctionErrorPayload } from '../model/index.js'

if (parentPort === null) throw new Error('worker.js must run as a worker thread')
const port = parentPort
const init = workerData as EnvironmentInit
let currentRequestId: string | undefined

function send(message: EnvironmentMessage): void {
  port.postMessage(message)
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
 * afterwards); smaller ones are caught by the periodic check.
 */
export const CHECKED_ALLOCATION_BYTES = 64 * 1024

/** How often a running environment compares its memory with its memory size. */
export const MEMORY_CHECK_INTERVAL_MS = 20

const control = new Int32Array(init.control)
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
function maxMemoryUsedMB(): number {
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

/** Checks large allocations before they happen (see CHECKED_ALLOCATION_BYTES). */
function guardAllocators(): void {
  const guard = (size: unknown): void => {
    if (typeof size === 'number' && size >= CHECKED_ALLOCATION_BYTES) checkMemory(size)
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

/** The periodic memory check, armed only while an invocation runs (idle environments cost no wake-ups). */
let watchdog: NodeJS.Timeout | undefined

function armWatchdog(): void {
  if (watchdog !== undefined) return
  watchdog = setInterval(() => checkMemory(), MEMORY_CHECK_INTERVAL_MS)
  unrefQuietly.call(watchdog)
}

function disarmWatchdog(): void {
  clearInterval(watchdog)
  watchdog = undefined
}

/**
 * Freezes the environment, as Lambda does once a response is sent: this thread blocks, so no
 * timer, promise or I/O callback of the function runs until the gateway hands it the next
 * invocation (or terminates it). Work left over resumes after the thaw.
 */
function freeze(): void {
  Atomics.wait(control, CONTROL_THAW, FROZEN)
  Atomics.store(control, CONTROL_THAW, FROZEN)
}

/** Whether anything but the port to the gateway keeps the event loop busy (ref'ed timers, handles, requests). */
function eventLoopEmpty(): boolean {
  return process.getActiveResourcesInfo().every((r) => r === 'MessagePort')
}

/**
 * Set once the function has unref'ed a timer, an immediate, a socket or a server: such things
 * run even when the loop looks empty (the port keeps it alive), so from then on the
 * environment is always frozen.
 */
let unrefUsed = false
/** Timeout's own `unref`, for the runtime's timers. */
let unrefQuietly: (this: NodeJS.Timeout) => unknown = function (this: NodeJS.Timeout) {
  return this.unref()
}

function trackUnref(): void {
  const timeout = setTimeout(() => {}, 0)
  clearTimeout(timeout)
  const immediate = setImmediate(() => {})
  clearImmediate(immediate)
  unrefQuietly = (Object.getPrototypeOf(timeout) as { unref: (this: NodeJS.Timeout) => unknown }).unref
  for (const proto of [Object.getPrototypeOf(timeout), Object.getPrototypeOf(immediate), Socket.prototype, Server.prototype] as { unref: () => unknown }[]) {
    const original = proto.unref
    proto.unref = function (this: unknown) {
      unrefUsed = true
      return original.call(this)
    }
  }
}

/**
 * Freezes the environment after a response, unless nothing of the function can run before its
 * next invocation anyway (an empty event loop, nothing unref'ed): blocking costs a wake-up per
 * invocation that a busy gateway feels, and freezing an empty loop changes nothing.
 */
function freezeAfterResponse(): void {
  if (unrefUsed || !eventLoopEmpty()) freeze()
  // Not blocked: clear a thaw the gateway may already have sent for the next invocation, so
  // that the next real freeze waits for its own.
  else Atomics.store(control, CONTROL_THAW, FROZEN)
}

/** Runs `then` once the event loop has nothing left but the port to the gateway. */
function whenEventLoopEmpty(then: () => void): void {
  // Unref'ed (without marking the function as unref'ing), so that the poll does not count itself.
  const poll = () => (eventLoopEmpty() ? then() : void unrefQuietly.call(setTimeout(poll, EVENT_LOOP_POLL_MS)))
  setImmediate(poll)
}

/** How often a callback waiting for an empty event loop looks again. */
export const EVENT_LOOP_POLL_MS = 1

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
  // Also catches what a previous invocation left running after its response.
  checkMemory()
  armWatchdog()
  let settled = false
  const respond = (err: unknown, result?: unknown) => {
    disarmWatchdog()
    checkMemory()
    if (err !== null && err !== undefined) {
      const error = toErrorPayload(err)
      console.error('Invoke Error \t' + JSON.stringify({ errorType: error.errorType, errorMessage: error.errorMessage, stack: error.trace }))
      send({ type: 'error', awsRequestId: message.awsRequestId, error, maxMemoryUsedMB: maxMemoryUsedMB() })
    } else {
      let payload: string | undefined
      try {
        payload = JSON.stringify(result) ?? 'null'
      } catch (marshal) {
        const error = { ...toErrorPayload(marshal), errorType: 'Runtime.MarshalError' }
        send({ type: 'error', awsRequestId: message.awsRequestId, error, maxMemoryUsedMB: maxMemoryUsedMB() })
      }
      if (payload !== undefined) send({ type: 'result', awsRequestId: message.awsRequestId, payload, maxMemoryUsedMB: maxMemoryUsedMB() })
    }
    // Frozen once the current callback has unwound, before any timer or I/O callback runs.
    process.nextTick(freezeAfterResponse)
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

async function main(): Promise<void> {
  installConsole()
  guardAllocators()
  trackUnref()
  let handler: Handler
  try {
    handler = await loadHandler()
  } catch (err) {
    const error = toErrorPayload(err)
    const errorType = error.errorType.startsWith('Runtime.') ? error.errorType : 'Runtime.ImportModuleError'
    send({ type: 'init-error', error: { ...error, errorType } })
    return
  }
  port.on('message', (message: InvokeMessage) => void invoke(handler, message))
  send({ type: 'ready' })
  // Frozen until the first invocation, like after every one.
  process.nextTick(freezeAfterResponse)
}

void main()
