/**
 * @module
 * A Lambda function as the data plane sees it: something to invoke with an event and a
 * deadline. `functions/` implements it with pools of execution environments; integrations,
 * authorizers and WebSocket routes only hold this interface.
 */

/** A function error as Lambda reports it (`errorType`, `errorMessage`, `trace`). */
export interface FunctionErrorPayload {
  readonly errorType: string
  readonly errorMessage: string
  readonly trace: readonly string[]
}

export type InvokeResult =
  | { readonly status: 'ok'; readonly payload: string; readonly awsRequestId: string }
  /** Function error, crash, init failure or the function's own timeout. */
  | { readonly status: 'function-error'; readonly error: FunctionErrorPayload; readonly awsRequestId: string }
  /** Rejected by Lambda before running (throttled). */
  | { readonly status: 'rejected'; readonly errorType: string; readonly errorMessage: string }
  /** The caller's (integration's) timeout elapsed first; the function may still be running. */
  | { readonly status: 'integration-timeout' }

export interface FunctionInvoker {
  /**
   * Invokes the function with an event (JSON text). Resolves with the first of: the
   * result, a function error, a rejection, or the caller's timeout.
   */
  invoke(event: string, integrationTimeoutMs: number): Promise<InvokeResult>
}

/** The error type Lambda reports when a function exceeds its timeout. */
export const FUNCTION_TIMEOUT_ERROR_TYPE = 'Sandbox.Timedout'

/** A function's execution environments as the runtime manages them across reloads. */
/** What a function's pool has done since it was compiled (the console's Functions page). */
export interface FunctionPoolStats {
  invocations: number
  /** Invocations that ended in a function error (a timeout included). */
  errors: number
  /** Invocations the function's own `timeout` ended. */
  timeouts: number
  /** Environments started (each one's init is a cold start). */
  coldStarts: number
  totalDurationMs: number
  maxDurationMs: number
}

export interface FunctionPoolHandle extends FunctionInvoker {
  /**
   * What the pool's environments were started from (the definition, the code files' sizes and
   * modification times): a reload keeps a pool whose fingerprint is unchanged, warm.
   */
  readonly fingerprint?: string
  /** Environments alive now (busy or idle). */
  readonly size: number
  /** Environments alive and waiting for an invocation. */
  readonly idle: number
  readonly stats: FunctionPoolStats
  /** Retired by a reload: finish what runs, keep nothing idle. */
  close(): void
  /** Ends every environment now (shutdown). */
  destroy(): Promise<void>
}
