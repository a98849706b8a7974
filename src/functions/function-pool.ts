/**
 * @module
 * The execution environments of one function, like Lambda's: reused warm, one invocation
 * at a time each, at most `reservedConcurrency` of them (excess invocations are throttled,
 * as Lambda does), the function's `timeout` enforced by discarding the environment, and
 * START / END / REPORT log lines around each invocation.
 */
import { newLambdaRequestId } from '../util/index.js'
import type { InitOutcome, PooledEnvironment as ExecutionEnvironment, RunOutcome } from './environment-kind.js'
import { createEnvironment, executionEnvOf } from './runtimes.js'
import type { InspectorPorts } from './inspector.js'
import { functionFingerprint } from './fingerprint.js'
import { CONNECTIONS_ENDPOINT_VARIABLE } from './protocol.js'
import { EnvironmentBudget, type BudgetMember } from './environment-budget.js'
import { endLine, initReportLine, reportLine, startLine } from './log-lines.js'
import type { FunctionDefinition, FunctionPoolHandle, FunctionPoolStats, InvocationLogReceiver, InvokeResult } from '../model/index.js'

/**
 * How many environments a function without `reservedConcurrency` may have at once. Lambda's
 * account default is 1,000, but each environment here is a thread with its own heap, so the
 * local default is lower; beyond it invocations wait for a free environment (until the
 * integration timeout) instead of being throttled.
 */
export const UNRESERVED_CONCURRENCY_LIMIT = 32

/** The error type Lambda reports when a function exceeds its timeout. */
export const FUNCTION_TIMEOUT_ERROR_TYPE = 'Sandbox.Timedout'


export interface FunctionPoolOptions {
  /**
   * Receives every log line (START/END/REPORT and the handler's console output); `null`
   * when function logs are off, so no line is even formatted. Lines the pool writes itself
   * (START/END/REPORT, timeout and crash notices) come with the invocation's request id, so a
   * reader that files lines by invocation need not parse it back out of the text.
   */
  readonly onLog: ((line: string, invocationId?: string) => void) | null
  /**
   * Receives the pool's START, and END and REPORT of an invocation that returned or failed, as
   * facts instead of `onLog` getting their text (a timeout's or crash's closing lines still go
   * to `onLog`): the receiver formats them where it needs text (`startLine`, `reportLine`).
   */
  readonly onInvocation?: InvocationLogReceiver | null
  /**
   * Whether `onLog` (and `onInvocation`) want lines now (absent: always). The console's
   * inspector takes lines only while a console is open: otherwise START/END/REPORT are not
   * formatted at all.
   */
  readonly logWanted?: (() => boolean) | undefined
  readonly region: string
  readonly baseDir: string
  /**
   * Where this gateway listens (`http://HOST:PORT`, known once it listens): functions that
   * build an `@connections` client from `requestContext.domainName` reach it there.
   */
  readonly localEndpoint?: { url: string }
  /**
   * The credentials environments get, as Lambda hands a function its role's: the first `iam`
   * credential (so `@connections` calls pass SigV4 checks), or `null`.
   */
  readonly executionCredentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string } | null
  /**
   * The environments of all functions together (global cap, idle reclamation), shared by
   * every pool of a gateway across reloads; default: one of this pool's own with the defaults.
   */
  readonly budget?: EnvironmentBudget
  /** `--inspect`: ports for the inspectors of Node.js process environments. */
  readonly inspector?: InspectorPorts
}

/**
 * Credentials for environments when neither `iam` nor the host's environment gives any, so
 * that AWS SDK clients (the `@connections` client of AWS's samples) can sign at all.
 */
export const PLACEHOLDER_CREDENTIALS = Object.freeze({ accessKeyId: 'AKIAGATEHOUSELOCAL01', secretAccessKey: 'gatehouse-local-secret-access-key' })


interface Waiter {
  readonly start: (env: ExecutionEnvironment) => void
  /** The pool was destroyed while this invocation waited. */
  readonly reject: () => void
}

/**
 * Invocations that may wait for a free environment at once (per function). Past it they are
 * throttled, as Lambda throttles past its concurrency: a burst cannot queue without bound.
 */
export const MAX_QUEUED_INVOCATIONS = 1_000

/**
 * Lambda gives the init phase (loading the handler module) at most 10 s. Past it, Lambda
 * retries the init phase within the first invocation, in a fresh sandbox, bounded by the
 * function's own timeout (the "suppressed init"): an init of 12 s serves with a timeout of 30 s.
 */
export const INIT_TIMEOUT_MS = 10_000

/** Waits for an environment's init, but not past `ms`: `'timeout'` then. */
function initWithin(env: ExecutionEnvironment, ms: number): Promise<InitOutcome | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))
  return Promise.race([env.ready, expired]).finally(() => clearTimeout(timer))
}

export class FunctionPool implements FunctionPoolHandle, BudgetMember {
  readonly fn: FunctionDefinition
  readonly fingerprint: string
  readonly #options: FunctionPoolOptions
  readonly #limit: number
  readonly #queueable: boolean
  readonly #idle: ExecutionEnvironment[] = []
  readonly #all = new Set<ExecutionEnvironment>()
  readonly #waiters: Waiter[] = []
  readonly #env: Readonly<Record<string, string>>
  readonly #budget: EnvironmentBudget
  /** Retired by a reload: still serves invocations that reach it, keeps no idle environment. */
  #retired = false
  /** Destroyed at shutdown: refuses everything. */
  #destroyed = false
  #streamCounter = 0

  constructor(fn: FunctionDefinition, options: FunctionPoolOptions) {
    this.fn = fn
    this.fingerprint = poolFingerprint(fn, options)
    this.#options = options
    this.#limit = fn.reservedConcurrency ?? UNRESERVED_CONCURRENCY_LIMIT
    this.#queueable = fn.reservedConcurrency === null
    this.#env = lambdaEnvironment(fn, options)
    this.#budget = options.budget ?? new EnvironmentBudget()
    this.#budget.join(this)
  }

  /** Environments alive now (busy or idle). */
  get size(): number {
    return this.#all.size
  }

  get idle(): number {
    return this.#idle.length
  }

  /** Counted on every invocation: a few additions, read by the console. */
  readonly stats: FunctionPoolStats = { invocations: 0, errors: 0, timeouts: 0, coldStarts: 0, totalDurationMs: 0, maxDurationMs: 0 }

  /**
   * Invokes the function with an event (JSON text). Resolves with the first of: the
   * result, a function error, a rejection, or the integration timeout.
   */
  invoke(event: string, integrationTimeoutMs: number): Promise<InvokeResult> {
    return new Promise((resolve) => {
      let answered = false
      const answer = (r: InvokeResult) => {
        if (answered) return
        answered = true
        clearTimeout(integrationTimer)
        resolve(r)
      }
      const integrationTimer = setTimeout(() => {
        removeWaiter()
        answer({ status: 'integration-timeout' })
      }, integrationTimeoutMs)
      const waiter: Waiter = {
        start: (env) => void this.#run(env, event, answer),
        reject: () => answer({ status: 'rejected', errorType: 'ServiceException', errorMessage: 'The gateway is shutting down' }),
      }
      const removeWaiter = () => {
        const i = this.#waiters.indexOf(waiter)
        if (i >= 0) this.#waiters.splice(i, 1)
      }
      const env = this.#acquire()
      if (env !== undefined) return waiter.start(env)
      // At the global cap (not its own limit) even a reserved function's invocation waits.
      const atOwnLimit = this.#all.size >= this.#limit
      if ((!this.#queueable && atOwnLimit) || this.#destroyed || this.#waiters.length >= MAX_QUEUED_INVOCATIONS) {
        clearTimeout(integrationTimer)
        answered = true
        resolve({
          status: 'rejected',
          errorType: 'TooManyRequestsException',
          errorMessage: this.#queueable
            ? `Rate Exceeded: function ${this.fn.name} has ${this.#limit} busy environments and ${MAX_QUEUED_INVOCATIONS} invocations waiting`
            : `Rate Exceeded: function ${this.fn.name} is at its reserved concurrency (${this.#limit})`,
        })
        return
      }
      this.#waiters.push(waiter)
      if (!atOwnLimit) this.#budget.wait(this)
    })
  }

  #acquire(): ExecutionEnvironment | undefined {
    if (this.#destroyed) return undefined
    const warm = this.#idle.pop()
    if (warm !== undefined) return warm
    if (this.#all.size >= this.#limit) return undefined
    if (!this.#budget.tryTake()) return undefined
    return this.#create()
  }

  /** A new environment in a slot already taken from the budget. */
  #create(): ExecutionEnvironment {
    const logStreamName = this.#newLogStreamName()
    const env = createEnvironment({
      fn: this.fn,
      env: {
        ...this.#env,
        AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
        ...(this.#options.localEndpoint?.url ? { [CONNECTIONS_ENDPOINT_VARIABLE]: this.#options.localEndpoint.url } : {}),
      },
      logStreamName,
      onLog: this.#options.onLog,
      inspector: this.#options.inspector,
    })
    this.#all.add(env)
    this.stats.coldStarts++
    return env
  }

  async #run(first: ExecutionEnvironment, event: string, answer: (r: InvokeResult) => void): Promise<void> {
    let env = first
    const requestId = newLambdaRequestId()
    const wanted = this.#options.logWanted
    const logging = wanted === undefined || wanted()
    const log = logging ? this.#options.onLog : null
    const facts = logging ? (this.#options.onInvocation ?? null) : null
    const timeoutMs = this.fn.timeoutSeconds * 1000
    // Only a cold start waits (and arms the init deadline); a warm environment's outcome is known.
    const init = env.initOutcome ?? (await initWithin(env, INIT_TIMEOUT_MS))
    // Past the init limit: a fresh environment, whose init runs within this invocation.
    const retriedInit = init === 'timeout'
    if (retriedInit) {
      if (log !== null) log(initReportLine(INIT_TIMEOUT_MS, 'timeout'))
      env = this.#restart(env)
    } else if (!init.ok) {
      this.stats.invocations++
      this.stats.errors++
      if (log !== null) {
        log(`${new Date().toISOString()}\tundefined\tERROR\tUncaught Exception \t${JSON.stringify(init.error)}`)
        log(initReportLine(env.initDurationMs ?? 0, `error\tError Type: ${init.error.errorType}`))
      }
      this.#discard(env)
      answer({ status: 'function-error', error: init.error, awsRequestId: requestId })
      return
    }
    // A retried init is part of the invocation's Duration, not reported as Init Duration.
    const reportInit = retriedInit ? undefined : env.initDurationMs
    const started = performance.now()
    if (facts !== null) facts.started(requestId)
    else if (log !== null) log(startLine(requestId), requestId)
    const outcome = retriedInit ? await this.#runAfterInit(env, requestId, event, timeoutMs, started) : await env.run(requestId, event, timeoutMs)
    env.initDurationMs = undefined
    const duration = performance.now() - started
    const stats = this.stats
    stats.invocations++
    stats.totalDurationMs += duration
    if (duration > stats.maxDurationMs) stats.maxDurationMs = duration
    if (outcome.kind !== 'result') stats.errors++
    if (outcome.kind === 'timeout') stats.timeouts++
    if (facts !== null && (outcome.kind === 'result' || outcome.kind === 'error')) {
      facts.ended({ requestId, durationMs: duration, memorySizeMB: this.fn.memorySize, maxMemoryUsedMB: outcome.maxMemoryUsedMB, initDurationMs: reportInit ?? -1 })
    } else if (log !== null) this.#logEnd(log, requestId, outcome, duration, reportInit)
    switch (outcome.kind) {
      case 'result':
        this.#release(env)
        answer({ status: 'ok', payload: outcome.payload, awsRequestId: requestId })
        return
      case 'error':
        this.#release(env)
        answer({ status: 'function-error', error: outcome.error, awsRequestId: requestId })
        return
      case 'timeout':
        this.#discard(env)
        answer({
          status: 'function-error',
          error: { errorType: FUNCTION_TIMEOUT_ERROR_TYPE, errorMessage: `Task timed out after ${this.fn.timeoutSeconds.toFixed(2)} seconds`, trace: [] },
          awsRequestId: requestId,
        })
        return
      case 'crash':
        this.#discard(env)
        answer({ status: 'function-error', error: outcome.error, awsRequestId: requestId })
        return
    }
  }

  /**
   * The invocation of an environment whose init was retried within it: the init and the
   * handler together have the function's timeout. An init that fails now fails the invocation
   * with its error (`crash`: the environment is discarded).
   */
  async #runAfterInit(env: ExecutionEnvironment, requestId: string, event: string, timeoutMs: number, started: number): Promise<RunOutcome> {
    const init = await initWithin(env, timeoutMs)
    if (init === 'timeout') return { kind: 'timeout' }
    if (!init.ok) return { kind: 'crash', error: init.error, maxMemoryUsedMB: 0 }
    return env.run(requestId, event, Math.max(1, timeoutMs - (performance.now() - started)))
  }

  /** A fresh environment in `env`'s slot: Lambda retries an init in a new sandbox. */
  #restart(env: ExecutionEnvironment): ExecutionEnvironment {
    this.#all.delete(env)
    void env.terminate()
    return this.#create()
  }

  /** Lambda's closing lines: the timeout or crash notice, END, and REPORT. */
  #logEnd(log: (line: string, invocationId?: string) => void, requestId: string, outcome: RunOutcome, duration: number, initDuration: number | undefined): void {
    if (outcome.kind === 'timeout') {
      log(`${new Date().toISOString()} ${requestId} Task timed out after ${this.fn.timeoutSeconds.toFixed(2)} seconds`, requestId)
    } else if (outcome.kind === 'crash') {
      log(`${new Date().toISOString()} ${requestId} Error: ${outcome.error.errorMessage}`, requestId)
    }
    const memory = outcome.kind === 'timeout' ? 0 : outcome.maxMemoryUsedMB
    log(endLine(requestId), requestId)
    const report = { requestId, durationMs: duration, memorySizeMB: this.fn.memorySize, maxMemoryUsedMB: memory, initDurationMs: initDuration ?? -1 }
    log(reportLine(report, outcome.kind === 'timeout' ? '\tStatus: timeout' : outcome.kind === 'crash' ? `\tStatus: error\tError Type: ${outcome.error.errorType}` : ''), requestId)
  }

  #release(env: ExecutionEnvironment): void {
    const waiter = this.#waiters.shift()
    if (waiter !== undefined) return waiter.start(env)
    if (this.#retired || this.#destroyed || this.#budget.contended) {
      // Not kept idle: another function's invocation may be waiting for the slot.
      this.#end(env)
      return
    }
    // Newest last: warm invocations take from the end, reclamation and eviction from the front.
    env.lastUsed = performance.now()
    this.#idle.push(env)
  }

  reclaimIdle(before: number): void {
    while (this.#idle.length > 0 && (this.#idle[0] as ExecutionEnvironment).lastUsed < before) {
      this.#end(this.#idle.shift() as ExecutionEnvironment)
    }
  }

  /** Ends an environment and gives its slot back to the budget. */
  #end(env: ExecutionEnvironment): void {
    if (!this.#all.delete(env)) return
    void env.terminate()
    this.#budget.release()
  }

  #discard(env: ExecutionEnvironment): void {
    if (!this.#all.delete(env)) return
    void env.terminate()
    // A queued invocation can now have a fresh environment in the freed slot.
    if (this.#waiters.length > 0 && !this.#destroyed) this.#waiters.shift()?.start(this.#create())
    else this.#budget.release()
  }

  oldestIdle(): number | undefined {
    return this.#idle[0]?.lastUsed
  }

  evictOldestIdle(): void {
    const env = this.#idle.shift()
    if (env === undefined) return
    this.#all.delete(env)
    void env.terminate()
  }

  slotFreed(): boolean {
    if (this.#destroyed || this.#waiters.length === 0 || this.#all.size >= this.#limit) return false
    const env = this.#acquire()
    if (env === undefined) return false
    this.#waiters.shift()?.start(env)
    if (this.#waiters.length > 0) this.#budget.wait(this)
    return true
  }

  /**
   * Stops taking new environments; idle ones end now, busy ones when their invocation
   * finishes (a reload must not cut requests in flight).
   */
  /** Whether a reload may keep this pool (it has not been retired or destroyed). */
  get reusable(): boolean {
    return !this.#retired && !this.#destroyed
  }

  close(): void {
    this.#retired = true
    for (const env of this.#idle.splice(0)) this.#end(env)
    // Retired pools (one per reload) must not pile up in the budget. One with invocations
    // still waiting for a slot stays until it is destroyed, so that they get one.
    if (this.#waiters.length === 0) this.#budget.leave(this)
  }

  /** Ends every environment at once (shutdown after the grace period). */
  async destroy(): Promise<void> {
    this.#destroyed = true
    for (const waiter of this.#waiters.splice(0)) waiter.reject()
    this.#budget.leave(this)
    this.#idle.length = 0
    const all = [...this.#all]
    for (const env of all) this.#end(env)
    await Promise.all(all.map((e) => e.terminate()))
  }

  #newLogStreamName(): string {
    const d = new Date()
    const day = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}`
    return `${day}/[$LATEST]${(++this.#streamCounter).toString(16).padStart(32, '0')}`
  }
}

/** The fingerprint a pool of `fn` with `options` has (see fingerprint.ts). */
export function poolFingerprint(fn: FunctionDefinition, options: FunctionPoolOptions): string {
  return functionFingerprint(fn, [options.region, options.baseDir, options.executionCredentials ?? null])
}

/** The variables Lambda sets in every environment, over the host's and under the function's own. */
/**
 * Set (to `"true"`) in every execution environment unless the host or the function sets it:
 * the AWS SDK for JavaScript v3 reads it (`@aws-sdk/core`, emitWarningIfUnsupportedVersion)
 * and then skips its `NodeVersionSupportWarning` about Node < 22, which would otherwise land
 * in the function log as an ERROR line at every cold start.
 */
export const SDK_NODE_VERSION_WARNING_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'

function lambdaEnvironment(fn: FunctionDefinition, options: FunctionPoolOptions): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v
  // The host's value wins over the default, and the function's own over both (below).
  env[SDK_NODE_VERSION_WARNING_SWITCH] ??= 'true'
  Object.assign(env, {
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    LAMBDA_TASK_ROOT: fn.codeDir,
    _HANDLER: fn.handler,
  })
  const executionEnv = executionEnvOf(fn.runtime)
  if (executionEnv !== undefined) env['AWS_EXECUTION_ENV'] = executionEnv
  // Lambda gives every function its role's credentials. Here: the first `iam` credential;
  // else the host's own (a local function may call real AWS services); else placeholders.
  const credentials = options.executionCredentials ?? (env['AWS_ACCESS_KEY_ID'] === undefined ? PLACEHOLDER_CREDENTIALS : null)
  if (credentials !== null) {
    env['AWS_ACCESS_KEY_ID'] = credentials.accessKeyId
    env['AWS_SECRET_ACCESS_KEY'] = credentials.secretAccessKey
    if ('sessionToken' in credentials && credentials.sessionToken !== undefined) env['AWS_SESSION_TOKEN'] = credentials.sessionToken
    else delete env['AWS_SESSION_TOKEN']
  }
  Object.assign(env, fn.environment)
  return env
}
