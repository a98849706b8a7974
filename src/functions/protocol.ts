/**
 * @module
 * The handoff between the gateway and an execution environment (a worker thread): shared
 * memory and `Atomics` for each invocation, a message channel for the rest. Events and
 * results cross as JSON text: that is what Lambda does (so `undefined` members vanish and
 * a `Date` becomes a string exactly as on AWS).
 */
import type { MessagePort } from 'node:worker_threads'
import type { FunctionErrorPayload } from '../model/index.js'

export interface EnvironmentInit {
  readonly handlerFile: string
  readonly exportPath: readonly string[]
  readonly handler: string
  readonly functionName: string
  readonly functionVersion: string
  readonly invokedFunctionArn: string
  readonly memoryLimitInMB: number
  readonly logGroupName: string
  readonly logStreamName: string
  /**
   * Shared with the gateway: `Int32Array` slots, see `CONTROL_*`. The handoff of each
   * invocation: the gateway writes the event, sets `CONTROL_STATE` and notifies; the
   * environment, frozen in `Atomics.wait` on that slot, wakes, runs the handler, writes the
   * result, sets the state and notifies back (the gateway waits with `Atomics.waitAsync`).
   */
  readonly control: SharedArrayBuffer
  /** Shared with the gateway: events and results of up to `INLINE_PAYLOAD_BYTES` cross here. */
  readonly payloads: SharedArrayBuffer
  /**
   * The environment's side of a channel for what does not fit the shared memory: log lines,
   * init outcomes, function errors, and events or results larger than `INLINE_PAYLOAD_BYTES`.
   * The gateway drains it before it reads a result, so log lines come before END and REPORT.
   */
  readonly channel: MessagePort
}

/** The handoff state (`STATE_*`), the slot both sides wait on. */
export const CONTROL_STATE = 0
/** The slot an environment that has ended itself (out of memory) waits on until it is terminated. */
export const CONTROL_DEAD = 1
/** The byte length of the event or result in `payloads`. */
export const CONTROL_LENGTH = 2
/** `Max Memory Used` in MB, sent with an inline result. */
export const CONTROL_MAX_MEMORY_MB = 3
/** Int32 slots in `EnvironmentInit.control`. */
export const CONTROL_SLOTS = 4

/** Frozen, waiting for the first invocation. */
export const STATE_IDLE = 0
/** An invocation is in `payloads`: `{awsRequestId}\n{deadline}\n{event}`. */
export const STATE_INVOKE_INLINE = 1
/** An invocation was posted on the channel (`InvokeMessage`): too large for `payloads`. */
export const STATE_INVOKE_POSTED = 2
/** A successful result (JSON text) is in `payloads`. */
export const STATE_RESULT_INLINE = 3
/** The outcome was posted on the channel (`result` or `error` message). */
export const STATE_RESULT_POSTED = 4

/**
 * Events and results up to this many bytes cross through memory shared with the environment
 * (no copy into a message, no message dispatch on either side); larger ones are posted on the
 * channel. API Gateway events are mostly a few KB; 128 KiB per environment stays small next
 * to the thread's own few MB.
 */
export const INLINE_PAYLOAD_BYTES = 128 * 1024

export interface InvokeMessage {
  readonly type: 'invoke'
  readonly awsRequestId: string
  /** The event as JSON text. */
  readonly event: string
  /** Epoch ms at which the function times out (for `getRemainingTimeInMillis`). */
  readonly deadline: number
}

export type EnvironmentMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'init-error'; readonly error: FunctionErrorPayload }
  | { readonly type: 'log'; readonly line: string }
  /**
   * The environment exceeded its memory size and stopped itself; the gateway must terminate it.
   * `usedMB`: the most it held; `requestedMB`: what it would have held (with a refused allocation).
   */
  | { readonly type: 'out-of-memory'; readonly usedMB: number; readonly requestedMB: number }
  | { readonly type: 'result'; readonly awsRequestId: string; readonly payload: string; readonly maxMemoryUsedMB: number }
  | {
      readonly type: 'error'
      readonly awsRequestId: string
      readonly error: FunctionErrorPayload
      readonly maxMemoryUsedMB: number
    }

/**
 * Whether `text` takes at most `bytes` bytes as UTF-8: without encoding it when even three
 * bytes per UTF-16 unit fit (the usual case for events).
 */
export function fitsUtf8(text: string, bytes: number): boolean {
  return text.length * 3 <= bytes || Buffer.byteLength(text, 'utf8') <= bytes
}

/** The variable that tells an environment where `@connections` requests go (worker.ts reads it). */
export const CONNECTIONS_ENDPOINT_VARIABLE = 'GATEHOUSE_CONNECTIONS_ENDPOINT'
