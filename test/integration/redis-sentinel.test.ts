// Redis Sentinel with real processes: one master, one replica and one `redis-server --sentinel`
// (quorum 1, small down-after and failover timeouts). Two gateway nodes use
// `redis-sentinel://…/mymaster` and share a bucket; the master is killed; after the failover
// both nodes log that Redis is back and share buckets through the new master.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { test } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { closeRedisClient, createRedisClient, SENTINEL_QUESTION_TIMEOUT_MS } from '../../src/redis/index.js'
import { singleFunctionApi, startGateway } from '../helpers/gateway.js'
import { http } from '../helpers/http.js'
import { captureLog, redisBack } from '../helpers/log-capture.js'
import { startRedis } from '../helpers/redis-server.js'
import { startSentinel } from '../helpers/redis-sentinel.js'

const config = singleFunctionApi({
  handler: 'echo.handler',
  routeKeys: ['GET /before', 'GET /after'],
  stages: [{ stageName: '$default', defaultRouteSettings: { throttlingBurstLimit: 5, throttlingRateLimit: 0.001 } }],
})
const FAILOVER_WAIT_MS = 30_000

async function alternate(urls: readonly string[], path: string, n: number): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 0; i < n; i++) statuses.push((await http(`${urls[i % urls.length] as string}${path}`)).status)
  return statuses
}

test('Sentinel failover: nodes on redis-sentinel:// follow the new master and share buckets again', { timeout: 90_000 }, async (t) => {
  const master = await startRedis(t)
  const replica = await startRedis(t, { replicaOf: master.port })
  const sentinel = await startSentinel(t, { masterPort: master.port, downAfterMs: 1000, failoverTimeoutMs: 3000 })
  await sentinel.waitFor(new RegExp(`\\+slave slave 127\\.0\\.0\\.1:${replica.port}`), 15_000)
  const url = `redis-sentinel://127.0.0.1:${sentinel.port}/${sentinel.name}`
  const logA = captureLog()
  const logB = captureLog()
  const a = await startGateway(t, config, { redis: url, logger: logA.logger })
  const b = await startGateway(t, config, { redis: url, logger: logB.logger })
  const before = await alternate([a.url, b.url], '/before', 12)
  assert.equal(before.filter((s) => s === 200).length, 5, `${before.join(',')}\n${[...logA.lines, ...logB.lines].join('\n')}`)

  await master.kill()
  await sentinel.waitFor(new RegExp(`\\+switch-master ${sentinel.name} 127\\.0\\.0\\.1 ${master.port} 127\\.0\\.0\\.1 ${replica.port}`), FAILOVER_WAIT_MS)
  // Requests during the failover are answered (per-node buckets), never a 5xx.
  assert.ok((await alternate([a.url, b.url], '/before', 4)).every((s) => s === 200 || s === 429))
  await redisBack(logA, 'node A', FAILOVER_WAIT_MS)
  await redisBack(logB, 'node B', FAILOVER_WAIT_MS)

  const after = await alternate([a.url, b.url], '/after', 12)
  assert.equal(after.filter((s) => s === 200).length, 5, `${after.join(',')}\n${[...logA.lines, ...logB.lines].join('\n')}`)
})

// ioredis ends a Sentinel client for good when +switch-master arrives while the client asks a
// sentinel for the master (src/redis/connection.ts); the failover test above hits that now and
// then. Here the client is ended at will: it must connect again by itself.
test('a Sentinel client that ioredis ends connects again (a subscriber with its subscriptions); closeRedisClient ends it for good', { timeout: 30_000 }, async (t) => {
  const master = await startRedis(t)
  const sentinel = await startSentinel(t, { masterPort: master.port })
  const url = `redis-sentinel://127.0.0.1:${sentinel.port}/${sentinel.name}`
  const client = createRedisClient(url, 'commands')
  const subscriber = createRedisClient(url, 'subscriber')
  t.after(() => {
    closeRedisClient(client)
    closeRedisClient(subscriber)
  })
  for (const c of [client, subscriber]) c.on('error', () => undefined)
  const messages: string[] = []
  subscriber.on('message', (_channel: string, message: string) => messages.push(message))
  await Promise.all([once(client, 'ready'), subscriber.subscribe('ch')])

  for (const c of [client, subscriber]) {
    const ended = once(c, 'end')
    c.disconnect()
    await ended
  }
  await once(client, 'ready')
  assert.equal(await client.ping(), 'PONG')
  // The subscriber is back once a message published on its channel reaches it.
  while ((await client.publish('ch', 'back')) === 0) await delay(20)
  while (messages.length === 0) await delay(20)
  assert.deepEqual(messages, ['back'])

  const closed = once(client, 'end')
  closeRedisClient(client)
  await closed
  assert.equal(client.status, 'end')
})

// A sentinel that accepts connections and never answers (a hung process) is given up after
// SENTINEL_QUESTION_TIMEOUT_MS, and the next sentinel of the URL names the master.
test('a sentinel that never answers is passed over for the next one in the URL', { timeout: 30_000 }, async (t) => {
  const master = await startRedis(t)
  const sentinel = await startSentinel(t, { masterPort: master.port })
  const held = new Set<Socket>()
  let asked = 0
  const silent = createServer((socket) => {
    asked++
    held.add(socket)
    socket.on('close', () => held.delete(socket))
  })
  silent.listen(0, '127.0.0.1')
  await once(silent, 'listening')
  t.after(() => {
    for (const socket of held) socket.destroy()
    silent.close()
  })
  const silentPort = (silent.address() as AddressInfo).port
  const client = createRedisClient(`redis-sentinel://127.0.0.1:${silentPort},127.0.0.1:${sentinel.port}/${sentinel.name}`, 'commands')
  t.after(() => closeRedisClient(client))
  client.on('error', () => undefined)
  const started = Date.now()
  await once(client, 'ready')
  assert.ok(asked >= 1, 'the silent sentinel, first in the URL, was asked first')
  assert.ok(Date.now() - started >= SENTINEL_QUESTION_TIMEOUT_MS, 'and given up after SENTINEL_QUESTION_TIMEOUT_MS')
  assert.equal(await client.ping(), 'PONG')
})
