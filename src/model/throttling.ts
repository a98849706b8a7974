/**
 * @module
 * Throttling as the snapshot holds it (spec 6.1): the layers of bucket a request takes a token
 * from, and the limiter that answers (in memory, or shared through Redis by `throttle/`).
 */
import type { ThrottleLimits } from './config.js'

/** One throttling layer: a bucket key and the limits it is created with. */
export interface ThrottleLayer {
  readonly key: string
  readonly limits: ThrottleLimits
}

export interface RateLimiter {
  /** Takes a token from every layer if all have one; `false` means throttled. */
  take(layers: readonly ThrottleLayer[]): boolean | Promise<boolean>
}
