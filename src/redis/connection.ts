/**
 * @module
 * ioredis clients for a parsed Redis URL (standalone, Sentinel or Cluster), with the settings
 * every Gatehouse user of Redis needs:
 *
 * - `commands`: the request path's client. Nothing ever waits in it: no offline queue
 *   (`enableOfflineQueue: false`: a command while disconnected fails at once), no retries
 *   (`maxRetriesPerRequest: 0`), a `commandTimeout`. The circuit breaker (breaker.ts) keeps
 *   callers from sending anything at all while Redis is known to be unavailable.
 * - `subscriber`: pub/sub for the WebSocket connection directory. It keeps a queue so that
 *   ioredis re-subscribes by itself after a reconnect; nothing on the request path waits on it.
 *
 * Both reconnect forever, backing off to `REDIS_RECONNECT_MAX_DELAY_MS`, until closed with
 * `closeRedisClient`.
 */
import { createRequire } from 'node:module'
import type { Cluster, Redis, ClusterOptions, RedisOptions } from 'ioredis'
import { parseRedisUrl, type RedisTarget } from './url.js'

/** ioredis, loaded with the first client: a gateway without Redis never pays for loading it at start. */
const require = createRequire(import.meta.url)
const ioredis = (): typeof import('ioredis') => require('ioredis') as typeof import('ioredis')

/** A command on the request path waits this long for Redis before the node decides alone. */
export const REDIS_COMMAND_TIMEOUT_MS = 250
/**
 * A sentinel asked where the master is answers within this long, or the next sentinel is asked.
 * A sentinel that accepts connections but never answers (a hung process, a half-open network
 * path) would otherwise hold the client in `connecting` forever, with the other sentinels unasked.
 */
export const SENTINEL_QUESTION_TIMEOUT_MS = 1_000
/** Reconnection attempts back off (100 ms more each time) up to this delay. */
export const REDIS_RECONNECT_MAX_DELAY_MS = 2_000

export type RedisClient = Redis | Cluster

const backoff = (attempt: number): number => Math.min(attempt * 100, REDIS_RECONNECT_MAX_DELAY_MS)

/** After a failover the old master, if it came back, is a read-only replica: reconnect (and re-resolve). */
const reconnectOnReadOnly = (err: Error): boolean => err.message.startsWith('READONLY')

/** Clients closed with `closeRedisClient`: the only ones that may stay ended. */
const closedOnPurpose = new WeakSet<RedisClient>()

/** Closes a client for good (a Sentinel client that ends any other way is connected again). */
export function closeRedisClient(client: RedisClient): void {
  closedOnPurpose.add(client)
  client.disconnect()
}

/**
 * ioredis (5.x) gives a Sentinel client up for good (status `end`, no further attempt) when its
 * failover detector sees `+switch-master` while the client is asking a sentinel where the
 * master is: the detector's disconnect makes that connection attempt fail as "closed", and a
 * failed attempt ends the client. That is exactly when it happens in practice: the master died,
 * the client is reconnecting, and the sentinels announce the new master. Only our own close may
 * end a client, so one that ends otherwise connects again (through the sentinels again).
 */
function reconnectWhenEnded(client: Redis): void {
  let attempts = 0
  client.on('ready', () => (attempts = 0))
  client.on('end', () => {
    if (closedOnPurpose.has(client)) return
    // Unref'ed: a process on its way out need not wait for this attempt.
    setTimeout(() => {
      if (!closedOnPurpose.has(client) && client.status === 'end') client.connect().catch(() => undefined)
    }, backoff(++attempts)).unref()
  })
}

export function createRedisClient(urlOrTarget: string | RedisTarget, role: 'commands' | 'subscriber'): RedisClient {
  const target = typeof urlOrTarget === 'string' ? parseRedisUrl(urlOrTarget) : urlOrTarget
  const perRole: RedisOptions =
    role === 'commands'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: REDIS_COMMAND_TIMEOUT_MS }
      : { enableOfflineQueue: true, maxRetriesPerRequest: null }
  const common: RedisOptions = { ...perRole, retryStrategy: backoff, reconnectOnError: reconnectOnReadOnly }
  const { Redis, Cluster } = ioredis()
  switch (target.kind) {
    case 'standalone':
      return new Redis(target.url, common)
    case 'sentinel': {
      const client = new Redis({
        ...common,
        sentinels: target.sentinels.map((s) => ({ host: s.host, port: s.port })),
        name: target.name,
        db: target.db,
        ...(target.password !== undefined ? { password: target.password } : {}),
        ...(target.sentinelPassword !== undefined ? { sentinelPassword: target.sentinelPassword } : {}),
        // Sentinels unreachable: try them again, backing off as for the server itself.
        sentinelRetryStrategy: backoff,
        sentinelCommandTimeout: SENTINEL_QUESTION_TIMEOUT_MS,
        // Listen to the sentinels' +switch-master: move to the new master without waiting for
        // the old connection to fail.
        failoverDetector: true,
      })
      reconnectWhenEnded(client)
      return client
    }
    case 'cluster': {
      const { enableOfflineQueue, retryStrategy: _unused, ...nodeOptions } = common
      const options: ClusterOptions = {
        enableOfflineQueue: enableOfflineQueue ?? false,
        clusterRetryStrategy: backoff,
        redisOptions: { ...nodeOptions, ...(target.password !== undefined ? { password: target.password } : {}) },
        // Redirections and cluster-down retries would make a command wait: the breaker and the
        // per-node fallback handle those moments instead.
        ...(role === 'commands' ? { maxRedirections: 4, retryDelayOnClusterDown: 0, retryDelayOnTryAgain: 0, retryDelayOnFailover: 50 } : {}),
      }
      return new Cluster(
        target.nodes.map((n) => ({ host: n.host, port: n.port })),
        options
      )
    }
  }
}
