/**
 * @module
 * Messages between the gateway and an execution environment (a worker thread). Events and
 * results cross as JSON text: that is what Lambda does (so `undefined` members vanish and
 * a `Date` becomes a string exactly as on AWS), and strings are cheap to transfer.
 */
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
   * Shared with the gateway: `Int32Array` slots, see `CONTROL_*`. The environment freezes
   * (blocks in `Atomics.wait`) on `CONTROL_THAW` after each response; the gateway thaws it.
   */
  readonly control: SharedArrayBuffer
}

/** The `Int32Array` slot the gateway sets to `THAWED` (and notifies) to thaw a frozen environment. */
export const CONTROL_THAW = 0
/** The slot an environment that has ended itself (out of memory) waits on until it is terminated. */
export const CONTROL_DEAD = 1
/** Int32 slots in `EnvironmentInit.control`. */
export const CONTROL_SLOTS = 2
export const FROZEN = 0
export const THAWED = 1

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

/** The variable that tells an environment where `@connections` requests go (worker.ts reads it). */
export const CONNECTIONS_ENDPOINT_VARIABLE = 'GATEHOUSE_CONNECTIONS_ENDPOINT'
