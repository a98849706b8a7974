/**
 * @module
 * The throttling layers of a request (spec 6.1): its route's bucket (a `routeSettings` entry,
 * else the stage's `defaultRouteSettings`) and the account's bucket. A request passes only
 * when every layer has a token, and then takes one from each, so a request refused by one
 * layer costs the others nothing.
 *
 * `RateLimiter` is the seam for a shared store across gateway nodes (Redis, later): the same
 * keys and semantics, answered asynchronously.
 */
import { TokenBucket } from './token-bucket.js'
import { BoundedMap } from '../util/index.js'
import type { RateLimiter, ThrottleLayer } from '../model/index.js'



export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/**
 * Most buckets kept in memory. Keys come from the config (stages × routes, plus the account),
 * so real configs stay far below this; the bound only matters across many reloads that change
 * limits, when the oldest buckets are dropped.
 */
export const MAX_BUCKETS = 100_000

export class InMemoryRateLimiter implements RateLimiter {
  readonly #clock: Clock
  readonly #buckets: BoundedMap<string, TokenBucket>

  constructor(options: { clock?: Clock; maxBuckets?: number } = {}) {
    this.#clock = options.clock ?? systemClock
    this.#buckets = new BoundedMap(options.maxBuckets ?? MAX_BUCKETS)
  }

  take(layers: readonly ThrottleLayer[]): boolean {
    const now = this.#clock.now()
    if (layers.length === 1) return this.#bucket(layers[0] as ThrottleLayer, now).take(now)
    // Two passes over the layers rather than an array of buckets: no allocation per request.
    for (const layer of layers) if (!this.#bucket(layer, now).hasToken(now)) return false
    for (const layer of layers) this.#bucket(layer, now).take(now)
    return true
  }

  get size(): number {
    return this.#buckets.size
  }

  #bucket(layer: ThrottleLayer, now: number): TokenBucket {
    let bucket = this.#buckets.get(layer.key)
    // A reload that changes a layer's limits starts that layer afresh.
    if (bucket === undefined || bucket.rate !== layer.limits.rateLimit || bucket.burst !== layer.limits.burstLimit) {
      bucket = new TokenBucket(layer.limits, now)
      this.#buckets.set(layer.key, bucket)
    }
    return bucket
  }
}
