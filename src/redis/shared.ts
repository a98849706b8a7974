/**
 * @module
 * One node's Redis: the request-path connection and its circuit breaker, shared by the throttle
 * limiter and the WebSocket connection directory, plus subscriber connections on demand.
 */
import type { Logger } from '../logging/index.js'
import { RedisBreaker } from './breaker.js'
import { closeRedisClient, createRedisClient, type RedisClient } from './connection.js'
import { parseRedisUrl, redactRedisUrl, type RedisTarget } from './url.js'

export class SharedRedis {
  readonly target: RedisTarget
  /** The URL without its password, for logs. */
  readonly displayUrl: string
  readonly client: RedisClient
  readonly breaker: RedisBreaker
  readonly #subscribers = new Set<RedisClient>()

  /** Throws `RedisUrlError` for a malformed URL. */
  constructor(url: string, logger: Logger | null = null) {
    this.target = parseRedisUrl(url)
    this.displayUrl = redactRedisUrl(url)
    this.client = createRedisClient(this.target, 'commands')
    this.breaker = new RedisBreaker(this.client, logger)
  }

  /** A new pub/sub connection to the same Redis (closed with this object, or with `closeRedisClient`). */
  subscriber(): RedisClient {
    const client = createRedisClient(this.target, 'subscriber')
    this.#subscribers.add(client)
    return client
  }

  /** Waits until Redis is usable, at most `timeoutMs`; `false` when it was not by then. */
  async ready(timeoutMs: number): Promise<boolean> {
    if (!this.breaker.isOpen) return true
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer)
        off()
        resolve(ok)
      }
      const timer = setTimeout(() => done(false), timeoutMs)
      const off = this.breaker.onBack(() => done(true))
    })
  }

  async close(): Promise<void> {
    this.breaker.stop()
    closeRedisClient(this.client)
    for (const s of this.#subscribers) closeRedisClient(s)
    this.#subscribers.clear()
  }
}
