// The Redis circuit breaker (src/redis/breaker.ts) against a real, hung redis-server: SIGSTOP
// keeps its connections open and answers nothing, the worst case for a client. After the
// first command timeout the node answers from its own buckets at once (no request waits
// REDIS_COMMAND_TIMEOUT_MS each), logs once that Redis is unavailable, and after SIGCONT its
// background probe finds Redis again: it logs that Redis is back and the buckets are shared.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { REDIS_COMMAND_TIMEOUT_MS } from '../../src/redis/index.js'
import { singleFunctionApi, startGateway } from '../helpers/gateway.js'
import { http } from '../helpers/http.js'
import { captureLog, redisBack, redisUnavailableLines } from '../helpers/log-capture.js'
import { startRedis } from '../helpers/redis-server.js'

const config = singleFunctionApi({
  handler: 'echo.handler',
  routeKeys: ['GET /limited', 'GET /after'],
  stages: [{ stageName: '$default', defaultRouteSettings: { throttlingBurstLimit: 5, throttlingRateLimit: 0.001 } }],
})

/** 50 requests each waiting the command timeout would take 12.5 s; the breaker answers them at once. */
const REQUESTS = 50
const GENEROUS_TOTAL_MS = 5_000
const BACK_WAIT_MS = 15_000

test('Redis hung (SIGSTOP): requests are answered at once from per-node buckets; SIGCONT: "Redis is back" and buckets shared again', { timeout: 60_000 }, async (t) => {
  const redis = await startRedis(t)
  const logA = captureLog()
  const logB = captureLog()
  const a = await startGateway(t, config, { redis: redis.url, logger: logA.logger })
  const b = await startGateway(t, config, { redis: redis.url, logger: logB.logger })
  assert.equal((await http(`${a.url}/limited`)).status, 200)
  assert.deepEqual(redisUnavailableLines(logA), [])

  redis.pause()
  const started = Date.now()
  const statuses: number[] = []
  for (let i = 0; i < REQUESTS; i++) statuses.push((await http(`${a.url}/limited`)).status)
  const elapsed = Date.now() - started
  assert.ok(elapsed < GENEROUS_TOTAL_MS, `${REQUESTS} requests took ${elapsed} ms (each waiting ${REDIS_COMMAND_TIMEOUT_MS} ms would be ${REQUESTS * REDIS_COMMAND_TIMEOUT_MS} ms)`)
  // REDIS_UNAVAILABLE_POLICY: the node's own, fresh bucket (burst 5); never a 5xx.
  assert.equal(statuses.filter((s) => s === 200).length, 5, statuses.join(','))
  assert.equal(statuses.filter((s) => s === 429).length, REQUESTS - 5, statuses.join(','))
  assert.equal(redisUnavailableLines(logA).length, 1, `logged once:\n${logA.lines.join('\n')}`)
  assert.match(redisUnavailableLines(logA)[0] ?? '', /WARN .*Redis unavailable \(.+\): using per-node fallback/)

  redis.resume()
  await redisBack(logA, 'node A', BACK_WAIT_MS)
  // Node B tripped too if its heartbeat ran into the outage: wait for it as well.
  await redisBack(logB, 'node B', BACK_WAIT_MS, 0)
  assert.match(logA.lines.find((l) => /Redis is back/.test(l)) ?? '', /INFO .*Redis is back: .*unavailableMs=\d+/)

  // Shared again: a fresh route's bucket (burst 5) holds for both nodes together.
  const after: number[] = []
  for (let i = 0; i < 12; i++) after.push((await http(`${(i % 2 === 0 ? a : b).url}/after`)).status)
  assert.equal(after.filter((s) => s === 200).length, 5, after.join(','))
})

test('Redis hung under concurrency: 50 concurrent requests are all answered, none waits more than about one command timeout', { timeout: 30_000 }, async (t) => {
  const redis = await startRedis(t)
  const log = captureLog()
  const a = await startGateway(t, config, { redis: redis.url, logger: log.logger })
  assert.equal((await http(`${a.url}/limited`)).status, 200)
  redis.pause()
  const started = Date.now()
  const statuses = await Promise.all(Array.from({ length: REQUESTS }, () => http(`${a.url}/limited`).then((r) => r.status)))
  const elapsed = Date.now() - started
  assert.ok(elapsed < GENEROUS_TOTAL_MS, `took ${elapsed} ms`)
  assert.ok(statuses.every((s) => s === 200 || s === 429), statuses.join(','))
  // Later requests do not even reach ioredis: answered at once while the breaker is open.
  const one = Date.now()
  assert.equal((await http(`${a.url}/limited`)).status, 429)
  assert.ok(Date.now() - one < REDIS_COMMAND_TIMEOUT_MS, 'an open breaker answers without waiting for Redis')
  redis.resume()
  await redisBack(log, 'the node', BACK_WAIT_MS)
})
