// Redis URL forms (src/redis/url.ts): standalone, Sentinel, Cluster; clear errors; redaction.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseRedisUrl, redactRedisUrl, RedisUrlError } from '../../src/redis/index.js'

test('redis:// and rediss:// pass through to ioredis', () => {
  assert.deepEqual(parseRedisUrl('redis://127.0.0.1:6379'), { kind: 'standalone', url: 'redis://127.0.0.1:6379' })
  assert.equal(parseRedisUrl('rediss://:pw@example.com:6380/2').kind, 'standalone')
})

test('redis-sentinel://: hosts, default port, master name, password, db', () => {
  assert.deepEqual(parseRedisUrl('redis-sentinel://s3cr%40t@10.0.0.1:26380,10.0.0.2/mymaster?db=3'), {
    kind: 'sentinel',
    sentinels: [{ host: '10.0.0.1', port: 26380 }, { host: '10.0.0.2', port: 26379 }],
    name: 'mymaster',
    password: 's3cr@t',
    sentinelPassword: undefined,
    db: 3,
  })
})

test('redis-cluster://: seed nodes, default port', () => {
  assert.deepEqual(parseRedisUrl('redis-cluster://a:7000,[::1]:7001,b'), {
    kind: 'cluster',
    nodes: [{ host: 'a', port: 7000 }, { host: '::1', port: 7001 }, { host: 'b', port: 6379 }],
    password: undefined,
  })
})

test('malformed URLs are RedisUrlErrors that say what is wrong', () => {
  const cases: Array<[string, RegExp]> = [
    ['http://x', /must start with redis:\/\//],
    ['redis-sentinel://h:26379', /names the master/],
    ['redis-sentinel://h:99999/m', /port out of range/],
    ['redis-sentinel://h/m?db=x', /db must be/],
    ['redis-sentinel://h/m?foo=1', /unknown parameter "foo"/],
    ['redis-cluster://', /no hosts/],
    ['redis-cluster://a:1/0', /no path/],
  ]
  for (const [url, message] of cases) assert.throws(() => parseRedisUrl(url), (err: unknown) => err instanceof RedisUrlError && message.test(err.message), url)
})

test('passwords are redacted for logs', () => {
  assert.equal(redactRedisUrl('redis://:pw@h:1'), 'redis://:***@h:1')
  assert.equal(redactRedisUrl('redis-sentinel://pw@h:1/m'), 'redis-sentinel://***@h:1/m')
  assert.equal(redactRedisUrl('redis://h:1'), 'redis://h:1')
})
