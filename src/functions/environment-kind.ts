/**
 * @module
 * What a pool needs of an execution environment, whatever runs the handler: a worker thread
 * (`environment.ts`) or a process speaking the Runtime API (`process-environment.ts`).
 */
import type { InitOutcome, RunOutcome } from './environment.js'

export type { InitOutcome, RunOutcome } from './environment.js'

export interface PooledEnvironment {
  /** Settles when init ends (the handler is loaded, or it failed). */
  readonly ready: Promise<InitOutcome>
  /** How init ended, once it has: warm invocations read this instead of awaiting `ready`. */
  readonly initOutcome: InitOutcome | undefined
  /** Set once, by the first invocation after init (Lambda reports it on that REPORT line). */
  initDurationMs: number | undefined
  /** When this environment last finished an invocation (`performance.now()`). */
  lastUsed: number
  /** One invocation; resolves when it ends, the environment dies, or `timeoutMs` elapses. */
  run(awsRequestId: string, event: string, timeoutMs: number): Promise<RunOutcome>
  /** Stops the environment (timeout, reload, shutdown, reclamation). */
  terminate(): Promise<void>
}
