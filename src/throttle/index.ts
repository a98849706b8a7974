/**
 * @module
 * Throttling: token buckets, the layered limiter and its in-memory implementation.
 */
export { TokenBucket } from './token-bucket.js'
export { InMemoryRateLimiter, systemClock, MAX_BUCKETS, type Clock } from './limiter.js'

/** Account-level default: 10,000 requests per second, burst 5,000 (spec 6.1, 13.1). */
export const DEFAULT_ACCOUNT_THROTTLE = Object.freeze({ rateLimit: 10_000, burstLimit: 5_000 })
export { REDIS_STARTUP_WAIT_MS, RedisRateLimiter } from './redis-limiter.js'
