/**
 * @module
 * The circuit breaker shared by every Redis user in a node (throttle limiter, WebSocket
 * connection directory), so that no request waits because of Redis.
 *
 * - **closed**: commands go to Redis; each waits at most `REDIS_COMMAND_TIMEOUT_MS`.
 * - **open**: after the first timeout or connection loss. Every caller takes its fallback at
 *   once; nothing is sent to (or queued in) ioredis. A background probe (PING, at most
 *   `REDIS_PROBE_TIMEOUT_MS`) runs `REDIS_PROBE_FIRST_DELAY_MS` after opening, then backs off
 *   (doubling) to `REDIS_PROBE_MAX_DELAY_MS`; the first answered PING, or a fresh connection
 *   becoming ready, closes the breaker. Every `REDIS_PROBE_RECONNECT_AFTER` unanswered probes
 *   on a connection that still looks up (a hung server, a partition), the connection is
 *   dropped and made again (through the sentinels again, for Sentinel).
 * - **connecting**: before the first connection is ready; like open, without logging.
 *
 * It logs once when it opens ("Redis unavailable (…): using per-node fallback …") and once when
 * Redis is back ("Redis is back: …").
 */
import type { Logger } from '../logging/index.js'
import { REDIS_COMMAND_TIMEOUT_MS, type RedisClient } from './connection.js'

/** A probe's PING counts as unanswered after this long. */
export const REDIS_PROBE_TIMEOUT_MS = 200
/** The first probe after the breaker opens. */
export const REDIS_PROBE_FIRST_DELAY_MS = 100
/** Probes back off (doubling) up to this interval. */
export const REDIS_PROBE_MAX_DELAY_MS = 2_000
/** Unanswered probes on a connection that looks up before it is dropped and made again. */
export const REDIS_PROBE_RECONNECT_AFTER = 4

export type BreakerState = 'connecting' | 'closed' | 'open'

/** Replies that mean "not now" rather than "your command is wrong". */
const UNAVAILABLE_REPLY = /^(READONLY|LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY)\b/

function isUnavailability(err: unknown): boolean {
  if (!(err instanceof Error)) return true
  if (err.name === 'ReplyError') return UNAVAILABLE_REPLY.test(err.message)
  return true
}

export class RedisBreaker {
  readonly #client: RedisClient
  readonly #logger: Logger | null
  #state: BreakerState = 'connecting'
  #openedAt = 0
  #delay = REDIS_PROBE_FIRST_DELAY_MS
  #failedProbes = 0
  #probing = false
  #timer: NodeJS.Timeout | undefined
  #stopped = false
  readonly #onBack = new Set<() => void>()

  constructor(client: RedisClient, logger: Logger | null) {
    this.#client = client
    this.#logger = logger
    client.on('ready', () => this.#close())
    client.on('error', (err: Error) => {
      if (client.status !== 'ready') this.#open(err.message)
    })
    client.on('close', () => {
      if (this.#state === 'closed') this.#open('connection lost')
    })
    client.on('end', () => this.#open('connection ended'))
  }

  get state(): BreakerState {
    return this.#state
  }

  /** `true` while callers must use their fallback. */
  get isOpen(): boolean {
    return this.#state !== 'closed' || this.#client.status !== 'ready'
  }

  /** Calls `listener` each time Redis is usable again (the first connection too). */
  onBack(listener: () => void): () => void {
    this.#onBack.add(listener)
    return () => this.#onBack.delete(listener)
  }

  /**
   * `command` against Redis, or `fallback` at once while the breaker is open. A command that
   * fails or takes longer than `REDIS_COMMAND_TIMEOUT_MS` opens the breaker (unless Redis
   * answered with an ordinary error) and its caller gets the fallback too.
   */
  run<T>(command: (client: RedisClient) => Promise<T>, fallback: (reason: string) => T | Promise<T>): T | Promise<T> {
    if (this.isOpen) return fallback(`Redis ${this.#state === 'open' ? 'unavailable' : this.#client.status}`)
    let pending: Promise<T>
    try {
      pending = command(this.#client)
    } catch (err) {
      return this.#failed(err, fallback)
    }
    return new Promise<T>((resolve) => {
      let settled = false
      const timer = setTimeout(() => {
        settled = true
        this.#open(`no answer within ${REDIS_COMMAND_TIMEOUT_MS} ms`)
        resolve(fallback('Redis timed out'))
      }, REDIS_COMMAND_TIMEOUT_MS)
      pending.then(
        (value) => {
          if (settled) return
          clearTimeout(timer)
          resolve(value)
        },
        (err: unknown) => {
          if (settled) return
          clearTimeout(timer)
          resolve(this.#failed(err, fallback))
        }
      )
    })
  }

  /** Best effort, for writes nobody waits for: skipped while open; a failure opens the breaker. */
  fire(command: (client: RedisClient) => Promise<unknown>): void {
    if (this.isOpen) return
    try {
      command(this.#client).catch((err: unknown) => {
        if (isUnavailability(err)) this.#open((err as Error).message ?? String(err))
      })
    } catch (err) {
      if (isUnavailability(err)) this.#open(String(err))
    }
  }

  /** Stops probing (the node is shutting down). */
  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
  }

  #failed<T>(err: unknown, fallback: (reason: string) => T | Promise<T>): T | Promise<T> {
    const message = err instanceof Error ? err.message : String(err)
    if (isUnavailability(err)) this.#open(message)
    return fallback(`Redis: ${message}`)
  }

  #open(reason: string): void {
    if (this.#stopped || this.#state === 'open') return
    const wasConnecting = this.#state === 'connecting'
    this.#state = 'open'
    this.#openedAt = Date.now()
    this.#delay = REDIS_PROBE_FIRST_DELAY_MS
    this.#failedProbes = 0
    this.#logger?.warn(
      `Redis unavailable (${reason}): using per-node fallback (this node's own throttle buckets; only WebSocket connections held here) until it answers again`,
      wasConnecting ? { when: 'connecting' } : undefined
    )
    this.#schedule()
  }

  #close(): void {
    if (this.#stopped) return
    clearTimeout(this.#timer)
    const wasOpen = this.#state === 'open'
    this.#state = 'closed'
    if (wasOpen) {
      this.#logger?.info('Redis is back: throttling and WebSocket connections are shared across nodes again', {
        unavailableMs: Date.now() - this.#openedAt,
      })
    }
    for (const listener of this.#onBack) listener()
  }

  #schedule(): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.#probe(), this.#delay)
    this.#timer.unref()
  }

  async #probe(): Promise<void> {
    if (this.#stopped || this.#state !== 'open' || this.#probing) return
    this.#probing = true
    const ok = await this.#ping()
    this.#probing = false
    if (this.#stopped || this.#state !== 'open') return
    if (ok) return this.#close()
    this.#failedProbes++
    if (this.#failedProbes % REDIS_PROBE_RECONNECT_AFTER === 0 && this.#client.status === 'ready') {
      this.#logger?.debug('Redis does not answer on a live connection: reconnecting')
      this.#client.disconnect(true)
    }
    this.#delay = Math.min(this.#delay * 2, REDIS_PROBE_MAX_DELAY_MS)
    this.#schedule()
  }

  #ping(): Promise<boolean> {
    if (this.#client.status !== 'ready') return Promise.resolve(false)
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), REDIS_PROBE_TIMEOUT_MS)
      this.#client.ping().then(
        () => {
          clearTimeout(timer)
          resolve(true)
        },
        () => {
          clearTimeout(timer)
          resolve(false)
        }
      )
    })
  }
}
