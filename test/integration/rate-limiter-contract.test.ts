// One contract, two limiters (issue 8): the in-memory buckets and the Redis-shared ones give
// the same answers for the same sequence of requests. Real time, no injected clock (Redis
// uses its own): the cases are built so that refill between calls cannot change an answer
// (rates of 0.001/s), except the refill case, which waits for a whole token.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { InMemoryRateLimiter } from '../../src/throttle/index.js'
import { RedisRateLimiter } from '../../src/throttle/redis-limiter.js'
import { startRedis } from '../helpers/redis-server.js'
import type { RateLimiter, ThrottleLayer } from '../../src/model/index.js'

const SLOW = 0.001
const layer = (key: string, burstLimit: number, rateLimit = SLOW): ThrottleLayer => ({ key, limits: { rateLimit, burstLimit } })
const take = async (l: RateLimiter, layers: readonly ThrottleLayer[]): Promise<boolean> => l.take(layers)

async function limiters(t: TestContext): Promise<Array<{ name: string; limiter: RateLimiter }>> {
  const redis = await startRedis(t)
  const shared = new RedisRateLimiter(redis.url)
  t.after(() => shared.close())
  await shared.ready()
  return [
    { name: 'in-memory', limiter: new InMemoryRateLimiter() },
    { name: 'redis', limiter: shared },
  ]
}

test('both limiters: burst N passes N requests then refuses; keys are independent', async (t) => {
  for (const { name, limiter } of await limiters(t)) {
    const a = [layer(`${name}-a`, 3)]
    const b = [layer(`${name}-b`, 1)]
    assert.deepEqual([await take(limiter, a), await take(limiter, a), await take(limiter, a), await take(limiter, a)], [true, true, true, false], name)
    assert.deepEqual([await take(limiter, b), await take(limiter, b)], [true, false], name)
  }
})

test('both limiters: burst 0 refuses everything', async (t) => {
  for (const { name, limiter } of await limiters(t)) {
    assert.equal(await take(limiter, [layer(`${name}-zero`, 0, 1000)]), false, name)
  }
})

test('both limiters: a request refused by one layer takes nothing from the others', async (t) => {
  for (const { name, limiter } of await limiters(t)) {
    const route = layer(`${name}-route`, 1)
    const account = layer(`${name}-account`, 2)
    assert.equal(await take(limiter, [route, account]), true, name)
    // The route is empty: refused, and the account keeps its last token.
    assert.equal(await take(limiter, [route, account]), false, name)
    assert.equal(await take(limiter, [layer(`${name}-other`, 5), account]), true, name)
    assert.equal(await take(limiter, [layer(`${name}-other2`, 5), account]), false, name)
  }
})

test('both limiters: a bucket whose limits change (a reload) starts afresh and full', async (t) => {
  for (const { name, limiter } of await limiters(t)) {
    assert.equal(await take(limiter, [layer(`${name}-r`, 1)]), true, name)
    assert.equal(await take(limiter, [layer(`${name}-r`, 1)]), false, name)
    assert.equal(await take(limiter, [layer(`${name}-r`, 2)]), true, name)
  }
})

test('both limiters: an empty bucket refills at its rate', async (t) => {
  for (const { name, limiter } of await limiters(t)) {
    const l = [layer(`${name}-refill`, 1, 20)]
    assert.equal(await take(limiter, l), true, name)
    assert.equal(await take(limiter, l), false, name)
    // 20 tokens/s: one whole token after 50 ms; wait well past it.
    await delay(200)
    assert.equal(await take(limiter, l), true, name)
  }
})

test('the Redis limiter is exact under concurrency: 100 concurrent takes on burst 10 give 10 passes', async (t) => {
  const [, redis] = await limiters(t)
  const limiter = (redis as { limiter: RateLimiter }).limiter
  const answers = await Promise.all(Array.from({ length: 100 }, () => take(limiter, [layer('concurrent', 10)])))
  assert.equal(answers.filter(Boolean).length, 10)
})

test('two Redis limiters (two nodes) share one bucket', async (t) => {
  const redis = await startRedis(t)
  const a = new RedisRateLimiter(redis.url)
  const b = new RedisRateLimiter(redis.url)
  t.after(() => Promise.all([a.close(), b.close()]))
  await Promise.all([a.ready(), b.ready()])
  const l = [layer('shared', 4)]
  const answers = [await take(a, l), await take(b, l), await take(a, l), await take(b, l), await take(a, l), await take(b, l)]
  assert.deepEqual(answers, [true, true, true, true, false, false])
})

test('Redis down: each node falls back to its own buckets, nothing throws; back up: shared again', async (t) => {
  const redis = await startRedis(t)
  const limiter = new RedisRateLimiter(redis.url)
  t.after(() => limiter.close())
  await limiter.ready()
  await redis.kill()
  // Per-node fallback (REDIS_UNAVAILABLE_POLICY): burst 2 → two passes, then refused.
  const l = [layer('down', 2)]
  assert.deepEqual([await take(limiter, l), await take(limiter, l), await take(limiter, l)], [true, true, false])
  await redis.restart()
  await limiter.ready()
  // A fresh Redis: the shared bucket starts full again.
  assert.equal(await take(limiter, [layer('after-restart', 1)]), true)
  assert.equal(await take(limiter, [layer('after-restart', 1)]), false)
})
