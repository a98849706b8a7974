// Throttling shared across gateway nodes through a real redis-server (issue 8): a burst spread
// over two nodes is limited to the stage's bucket in total; with Redis gone, each node
// throttles on its own and keeps serving.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startGateway } from '../helpers/gateway.js'
import { http } from '../helpers/http.js'
import { startRedis } from '../helpers/redis-server.js'
import { singleFunctionApi } from '../helpers/gateway.js'

const config = singleFunctionApi({
  handler: 'echo.handler',
  routeKeys: ['GET /limited'],
  stages: [{ stageName: '$default', defaultRouteSettings: { throttlingBurstLimit: 5, throttlingRateLimit: 0.001 } }],
})

test('two nodes on one Redis share the stage bucket: 12 requests alternating between them, 5 pass in total', async (t) => {
  const redis = await startRedis(t)
  const a = await startGateway(t, config, { redis: redis.url })
  const b = await startGateway(t, config, { redis: redis.url })
  const statuses: number[] = []
  for (let i = 0; i < 12; i++) statuses.push((await http(`${(i % 2 === 0 ? a : b).url}/limited`)).status)
  assert.equal(statuses.filter((s) => s === 200).length, 5, statuses.join(','))
  assert.equal(statuses.filter((s) => s === 429).length, 7, statuses.join(','))
})

test('without Redis each node has its own bucket: the same 12 requests give 5 passes per node', async (t) => {
  const a = await startGateway(t, config)
  const b = await startGateway(t, config)
  const statuses: number[] = []
  for (let i = 0; i < 12; i++) statuses.push((await http(`${(i % 2 === 0 ? a : b).url}/limited`)).status)
  assert.equal(statuses.filter((s) => s === 200).length, 10, statuses.join(','))
})

test('Redis killed: the node keeps serving and throttles on its own buckets; Redis restarted: shared again', async (t) => {
  const redis = await startRedis(t)
  const a = await startGateway(t, config, { redis: redis.url })
  assert.equal((await http(`${a.url}/limited`)).status, 200)
  await redis.kill()
  const during: number[] = []
  for (let i = 0; i < 7; i++) during.push((await http(`${a.url}/limited`)).status)
  // The node's own bucket is fresh (burst 5): 5 pass, then 429; never a 5xx.
  assert.deepEqual(during, [200, 200, 200, 200, 200, 429, 429])
  await redis.restart()
  let status = 0
  for (let i = 0; i < 100 && status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 50))
    status = (await http(`${a.url}/limited`)).status
  }
  assert.equal(status, 200, 'a fresh Redis has a full bucket again')
})
