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
import { format } from 'node:util'
import { getHeapStatistics } from 'node:v8'
import { redirectConnectionsRequests } from './connections-redirect.js'
import { CONNECTIONS_ENDPOINT_VARIABLE, type EnvironmentInit, type EnvironmentMessage, type InvokeMessage } from './protocol.js'
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

// Heap statistics cost a V8 call; sampled at most every 100 ms, the running maximum is
// what REPORT's "Max Memory Used" means anyway.
let maxMemoryMB = 0
let sampledAt = 0
function maxMemoryUsedMB(): number {
  const now = Date.now()
  if (now - sampledAt >= 100) {
    sampledAt = now
    maxMemoryMB = Math.max(maxMemoryMB, Math.ceil(getHeapStatistics().used_heap_size / (1024 * 1024)))
  }
  return maxMemoryMB
}

type Handler = (event: unknown, context: unknown, callback?: (err: unknown, result?: unknown) => void) => unknown

async function loadHandler(): Promise<Handler> {
  const endpoint = process.env[CONNECTIONS_ENDPOINT_VARIABLE]
  if (endpoint !== undefined && endpoint !== '') redirectConnectionsRequests(endpoint)
  const mod: unknown = await import(pathToFileURL(init.handlerFile).href)
  let target: unknown = mod
  for (const key of init.exportPath) {
    target = (target as Record<string, unknown> | undefined)?.[key]
    // CommonJS modules loaded through import() expose module.exports as `default`.
    if (target === undefined && key === init.exportPath[0]) {
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
  const finish = (err: unknown, result?: unknown) => {
    if (settled) return
    settled = true
    if (err !== null && err !== undefined) {
      const error = toErrorPayload(err)
      console.error('Invoke Error \t' + JSON.stringify({ errorType: error.errorType, errorMessage: error.errorMessage, stack: error.trace }))
      send({ type: 'error', awsRequestId: message.awsRequestId, error, maxMemoryUsedMB: maxMemoryUsedMB() })
      return
    }
    let payload: string
    try {
      payload = JSON.stringify(result) ?? 'null'
    } catch (marshal) {
      const error = { ...toErrorPayload(marshal), errorType: 'Runtime.MarshalError' }
      send({ type: 'error', awsRequestId: message.awsRequestId, error, maxMemoryUsedMB: maxMemoryUsedMB() })
      return
    }
    send({ type: 'result', awsRequestId: message.awsRequestId, payload, maxMemoryUsedMB: maxMemoryUsedMB() })
  }
  try {
    const event: unknown = JSON.parse(message.event)
    const context = makeContext(message, finish)
    const returned = handler(event, context, finish)
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
}

void main()
