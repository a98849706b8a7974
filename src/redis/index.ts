/**
 * @module
 * Redis for scale-out: URL forms (standalone, Sentinel, Cluster), the ioredis connection
 * factory, and the circuit breaker every Redis user in a node shares.
 */
export {
  parseRedisUrl,
  redactRedisUrl,
  RedisUrlError,
  REDIS_URL_PATTERN,
  REDIS_URL_SCHEMES,
  DEFAULT_REDIS_PORT,
  DEFAULT_SENTINEL_PORT,
  type RedisTarget,
  type RedisHostPort,
} from './url.js'
export { createRedisClient, closeRedisClient, REDIS_COMMAND_TIMEOUT_MS, REDIS_RECONNECT_MAX_DELAY_MS, SENTINEL_QUESTION_TIMEOUT_MS, type RedisClient } from './connection.js'
export {
  RedisBreaker,
  REDIS_PROBE_TIMEOUT_MS,
  REDIS_PROBE_FIRST_DELAY_MS,
  REDIS_PROBE_MAX_DELAY_MS,
  REDIS_PROBE_RECONNECT_AFTER,
  type BreakerState,
} from './breaker.js'
export { SharedRedis } from './shared.js'
