/**
 * @module
 * The Redis URL forms Gatehouse accepts (`--redis`, `redis.url`):
 *
 * - `redis://[[user]:password@]host[:port][/db]` and `rediss://…` (TLS): one server (ioredis's
 *   own URL syntax).
 * - `redis-sentinel://[password@]host1:port1,host2:port2/mastername[?db=N&sentinelPassword=P]`:
 *   Redis Sentinel; the sentinels (port default 26379) name the current master of
 *   `mastername`, and the node follows failovers. `password` authenticates to the master.
 * - `redis-cluster://[password@]host1:port1,host2:port2`: Redis Cluster; the listed nodes (port
 *   default 6379) are the seeds, the rest of the cluster is discovered.
 *
 * A malformed URL is a `RedisUrlError` whose message says what is wrong and shows the form.
 */

export const REDIS_URL_SCHEMES = ['redis', 'rediss', 'redis-sentinel', 'redis-cluster'] as const
/** The same list as a pattern, for the config schema and the CLI. */
export const REDIS_URL_PATTERN = '^(rediss?|redis-sentinel|redis-cluster)://'
export const DEFAULT_SENTINEL_PORT = 26379
export const DEFAULT_REDIS_PORT = 6379

export interface RedisHostPort {
  readonly host: string
  readonly port: number
}

export type RedisTarget =
  | { readonly kind: 'standalone'; readonly url: string }
  | {
      readonly kind: 'sentinel'
      readonly sentinels: readonly RedisHostPort[]
      readonly name: string
      readonly password: string | undefined
      readonly sentinelPassword: string | undefined
      readonly db: number
    }
  | { readonly kind: 'cluster'; readonly nodes: readonly RedisHostPort[]; readonly password: string | undefined }

export class RedisUrlError extends Error {
  override readonly name = 'RedisUrlError'
}

const SENTINEL_FORM = 'redis-sentinel://[password@]host1:port1,host2:port2/mastername[?db=N]'
const CLUSTER_FORM = 'redis-cluster://[password@]host1:port1,host2:port2'

/** Parses a Redis URL in one of the accepted forms; throws `RedisUrlError` with the reason. */
export function parseRedisUrl(url: string): RedisTarget {
  const scheme = /^([a-z-]+):\/\//i.exec(url)?.[1]?.toLowerCase()
  if (scheme === 'redis' || scheme === 'rediss') {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      throw new RedisUrlError(`not a valid ${scheme}:// URL: ${redactRedisUrl(url)}`)
    }
    if (parsed.hostname === '') throw new RedisUrlError(`${scheme}:// URL without a host: ${redactRedisUrl(url)}`)
    return { kind: 'standalone', url }
  }
  if (scheme === 'redis-sentinel') return parseSentinel(url)
  if (scheme === 'redis-cluster') return parseCluster(url)
  throw new RedisUrlError(`must start with redis://, rediss://, redis-sentinel:// or redis-cluster:// (got ${JSON.stringify(redactRedisUrl(url).slice(0, 40))})`)
}

function parseSentinel(url: string): RedisTarget {
  const { password, hosts, path, query } = split(url, 'redis-sentinel://'.length)
  const sentinels = hostList(hosts, DEFAULT_SENTINEL_PORT, SENTINEL_FORM)
  const name = decode(path, SENTINEL_FORM)
  if (name === '' || name.includes('/')) throw new RedisUrlError(`a redis-sentinel URL names the master after the hosts: ${SENTINEL_FORM}`)
  let db = 0
  let sentinelPassword: string | undefined
  for (const [key, value] of query) {
    if (key === 'db') {
      if (!/^\d+$/.test(value)) throw new RedisUrlError(`redis-sentinel URL: db must be a non-negative integer (got ${JSON.stringify(value)})`)
      db = Number(value)
    } else if (key === 'sentinelPassword') {
      sentinelPassword = value
    } else {
      throw new RedisUrlError(`redis-sentinel URL: unknown parameter ${JSON.stringify(key)} (known: db, sentinelPassword)`)
    }
  }
  return { kind: 'sentinel', sentinels, name, password, sentinelPassword, db }
}

function parseCluster(url: string): RedisTarget {
  const { password, hosts, path, query } = split(url, 'redis-cluster://'.length)
  if (path !== '') throw new RedisUrlError(`a redis-cluster URL has no path (Redis Cluster has only db 0): ${CLUSTER_FORM}`)
  const [first] = query
  if (first !== undefined) throw new RedisUrlError(`redis-cluster URL: unknown parameter ${JSON.stringify(first[0])}`)
  return { kind: 'cluster', nodes: hostList(hosts, DEFAULT_REDIS_PORT, CLUSTER_FORM), password }
}

function split(url: string, from: number): { password: string | undefined; hosts: string; path: string; query: Array<[string, string]> } {
  let rest = url.slice(from)
  let query: Array<[string, string]> = []
  const q = rest.indexOf('?')
  if (q >= 0) {
    query = [...new URLSearchParams(rest.slice(q + 1)).entries()]
    rest = rest.slice(0, q)
  }
  const slash = rest.indexOf('/')
  const authority = slash >= 0 ? rest.slice(0, slash) : rest
  const path = slash >= 0 ? rest.slice(slash + 1) : ''
  const at = authority.lastIndexOf('@')
  let password: string | undefined
  if (at >= 0) {
    // `password@`, `:password@` or `user:password@` (the user is ignored, as ioredis does without ACLs).
    const credentials = authority.slice(0, at)
    const colon = credentials.indexOf(':')
    password = decode(colon >= 0 ? credentials.slice(colon + 1) : credentials, 'a percent-encoded password')
    if (password === '') password = undefined
  }
  return { password, hosts: authority.slice(at + 1), path, query }
}

function hostList(hosts: string, defaultPort: number, form: string): RedisHostPort[] {
  if (hosts === '') throw new RedisUrlError(`no hosts: ${form}`)
  return hosts.split(',').map((entry) => {
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+)(?::(\d+))?$/.exec(entry)
    if (m === null) throw new RedisUrlError(`${JSON.stringify(entry)} is not host:port: ${form}`)
    const port = m[2] === undefined ? defaultPort : Number(m[2])
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RedisUrlError(`port out of range in ${JSON.stringify(entry)}`)
    const host = (m[1] as string).replace(/^\[(.*)\]$/, '$1')
    return { host, port }
  })
}

function decode(text: string, form: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    throw new RedisUrlError(`bad percent-encoding in ${JSON.stringify(text)}: ${form}`)
  }
}

/** The URL without its password, for logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^([a-z-]+:\/\/)([^@/?]*)@/i, (_all, scheme: string, credentials: string) => {
    const colon = credentials.indexOf(':')
    return `${scheme}${colon >= 0 ? credentials.slice(0, colon + 1) : ''}***@`
  })
}
