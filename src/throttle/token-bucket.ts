/**
 * @module
 * Token-bucket arithmetic (spec 6.1): a bucket holds at most `burst` tokens, refills at
 * `rate` tokens per second, and each request takes one. Refill is computed when a token is
 * taken, so buckets need no timers. Pure: the caller passes the time.
 */
import type { ThrottleLimits } from '../model/index.js'


/**
 * Refill is added in small steps whenever the bucket is asked, and floating-point error
 * builds up (0.9999999999999999 after ten 10 ms steps at 10/s): a token counts as whole
 * within this tolerance, so the answer does not depend on how often the bucket was asked.
 */
const EPSILON = 1e-9

export class TokenBucket {
  readonly rate: number
  readonly burst: number
  #tokens: number
  #updatedAt: number

  constructor(limits: ThrottleLimits, now: number) {
    this.rate = limits.rateLimit
    this.burst = limits.burstLimit
    // A new bucket starts full, as AWS's do: the first `burst` requests pass at once.
    this.#tokens = limits.burstLimit
    this.#updatedAt = now
  }

  /** Whether a token is available at `now` (milliseconds), after refill; takes nothing. */
  hasToken(now: number): boolean {
    this.#refill(now)
    return this.#tokens >= 1 - EPSILON
  }

  /** Takes one token if there is one. Burst 0 never holds a token (spec 6.1). */
  take(now: number): boolean {
    this.#refill(now)
    if (this.#tokens < 1 - EPSILON) return false
    this.#tokens = Math.max(0, this.#tokens - 1)
    return true
  }

  #refill(now: number): void {
    const elapsed = now - this.#updatedAt
    if (elapsed <= 0) return
    this.#updatedAt = now
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.rate) / 1000)
  }
}
