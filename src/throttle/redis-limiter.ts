/**
 * @module
 * Token buckets shared by every gateway node through Redis (issue 8): the same keys and
 * semantics as the in-memory limiter, decided atomically by one Lua script per request (one
 * round trip), on Redis's clock so that nodes' clocks do not matter.
 *
 * When Redis cannot answer (down, restarting, slower than `REDIS_COMMAND_TIMEOUT_MS`), each
 * node falls back to its own in-memory buckets (`REDIS_UNAVAILABLE_POLICY`): limits then hold
 * per node rather than for all nodes together, and nothing waits for Redis or fails. The
 * node's circuit breaker (src/redis/breaker.ts) makes that fallback immediate after the first
 * timeout, until its background probe finds Redis again.
 */
import type { Redis } from 'ioredis'
import type { Logger } from '../logging/index.js'
import { REDIS_COMMAND_TIMEOUT_MS, SharedRedis } from '../redis/index.js'
import { InMemoryRateLimiter } from './limiter.js'
import type { RateLimiter, ThrottleLayer } from '../model/index.js'

/** What throttling does while Redis is unreachable: each node's own buckets. */
export const REDIS_UNAVAILABLE_POLICY = 'per-node' as const
/** A throttle decision waits this long for Redis before the node decides alone (src/redis). */
export { REDIS_COMMAND_TIMEOUT_MS }
/** How long a starting gateway waits for Redis before serving with per-node buckets. */
export const REDIS_STARTUP_WAIT_MS = 3_000
/** Bucket keys share one hash slot (`{throttle}`), so the script also runs on Redis Cluster. */
export const REDIS_KEY_PREFIX = 'gatehouse:{throttle}:'

/**
 * KEYS: one bucket per layer. ARGV: per layer its rate (tokens/s) and burst.
 * A bucket is a hash {t = tokens, u = updated at (ms), r = rate, b = burst}; a bucket whose
 * limits changed (a reload) starts afresh and full. All layers must hold a token, then each
 * gives one; a refusal changes nothing. Buckets expire once they would be full again.
 */
const TAKE_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local eps = 1e-9
local tokens = {}
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local b = redis.call('HMGET', key, 't', 'u', 'r', 'b')
  local t
  if b[1] == false or tonumber(b[3]) ~= rate or tonumber(b[4]) ~= burst then
    t = burst
  else
    t = tonumber(b[1])
    local elapsed = now - tonumber(b[2])
    if elapsed > 0 then t = math.min(burst, t + elapsed * rate / 1000) end
  end
  if t < 1 - eps then return 0 end
  tokens[i] = t
end
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local t = math.max(0, tokens[i] - 1)
  redis.call('HSET', key, 't', tostring(t), 'u', now, 'r', ARGV[2 * i - 1], 'b', ARGV[2 * i])
  local ttl = 60000
  if rate > 0 then ttl = math.ceil((burst - t) * 1000 / rate) + 1000 end
  redis.call('PEXPIRE', key, ttl)
end
return 1
`

type TakeCommand = (numKeys: number, ...args: Array<string | number>) => Promise<number>

export class RedisRateLimiter implements RateLimiter {
  readonly #redis: SharedRedis
  /** Made from a URL here (closed with the limiter), or the node's shared one (closed by its owner). */
  readonly #owned: boolean
  readonly #fallback = new InMemoryRateLimiter()

  /** `redis`: a URL (this limiter's own connection) or the node's `SharedRedis`. */
  constructor(redis: string | SharedRedis, options: { logger?: Logger } = {}) {
    this.#owned = typeof redis === 'string'
    this.#redis = typeof redis === 'string' ? new SharedRedis(redis, options.logger ?? null) : redis
    // Cluster and standalone clients both take script definitions (EVALSHA, EVAL on NOSCRIPT).
    ;(this.#redis.client as Redis).defineCommand('gatehouseTake', { lua: TAKE_SCRIPT })
  }

  take(layers: readonly ThrottleLayer[]): boolean | Promise<boolean> {
    // While the breaker is open this answers at once from the node's own buckets.
    return this.#redis.breaker.run(
      (client) => {
        const args: Array<string | number> = []
        for (const layer of layers) args.push(REDIS_KEY_PREFIX + layer.key)
        for (const layer of layers) args.push(layer.limits.rateLimit, layer.limits.burstLimit)
        return (client as unknown as { gatehouseTake: TakeCommand }).gatehouseTake(layers.length, ...args).then((ok) => ok === 1)
      },
      () => this.#fallback.take(layers)
    )
  }

  /** Waits until connected, at most `timeoutMs`; `false` when Redis did not answer by then. */
  async ready(timeoutMs = 10_000): Promise<boolean> {
    return this.#redis.ready(timeoutMs)
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#redis.close()
  }
}
