// Cluster mode: the control plane's state lives in Redis (a redis-server of the test's own). A
// change made through any node is served by every node; a node started later loads it; writes
// through two nodes at once lose nothing.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CreateApiCommand, CreateRouteCommand, GetRoutesCommand } from '@aws-sdk/client-apigatewayv2'
import { CreateFunctionCommand } from '@aws-sdk/client-lambda'
import { startRedis } from '../../helpers/redis-server.js'
import { http } from '../../helpers/http.js'
import { apiHost, ECHO_HANDLER, startControlPlane, zipOf } from '../../helpers/control-plane.js'

test('a change made through one node is live on every node, and a node started later loads it', async (t) => {
  const redis = await startRedis(t)
  const a = await startControlPlane(t, { gateway: { redis: redis.url } })
  const b = await startControlPlane(t, { gateway: { redis: redis.url } })
  await a.lambda.send(new CreateFunctionCommand({ FunctionName: 'shared', Runtime: 'nodejs20.x', Role: 'r', Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.mjs': ECHO_HANDLER }) } }))
  const { ApiId } = await a.apigw.send(new CreateApiCommand({ Name: 'clustered', ProtocolType: 'HTTP', Target: 'arn:aws:lambda:us-east-1:123456789012:function:shared', RouteKey: 'GET /shared' }))
  const host = { host: apiHost(ApiId as string) }
  assert.equal((await http(`${a.url}/shared`, { headers: host })).status, 200)
  // Node B has its own state folder: the code reaches it through Redis too.
  const deadline = Date.now() + 10_000
  while ((await http(`${b.url}/shared`, { headers: host })).status !== 200) {
    assert.ok(Date.now() < deadline, 'node B serves the route')
    await new Promise((r) => setTimeout(r, 50))
  }
  assert.equal((await http(`${b.url}/shared`, { headers: host })).json<{ routeKey: string }>().routeKey, 'GET /shared')

  // Writes through both nodes at once: compare-and-set and replay, nothing lost.
  await Promise.all([
    ...[0, 1, 2, 3, 4].map((i) => a.apigw.send(new CreateRouteCommand({ ApiId, RouteKey: `GET /a/${i}` }))),
    ...[0, 1, 2, 3, 4].map((i) => b.apigw.send(new CreateRouteCommand({ ApiId, RouteKey: `GET /b/${i}` }))),
  ])
  const c = await startControlPlane(t, { gateway: { redis: redis.url } })
  const routes = await c.apigw.send(new GetRoutesCommand({ ApiId }))
  assert.equal(routes.Items?.length, 11)
  const res = await http(`${c.url}/shared`, { headers: host })
  assert.equal(res.status, 200)
})

test('a node whose Redis does not answer at start still starts, without control-plane APIs, and writes wait for Redis', async (t) => {
  const redis = await startRedis(t)
  await redis.kill()
  const node = await startControlPlane(t, { gateway: { redis: redis.url } })
  const listed = await http(`${node.gateway.adminUrl}/v2/apis`)
  assert.equal(listed.status, 200)
  assert.deepEqual(listed.json(), { items: [] })
  const pending = node.apigw.send(new CreateApiCommand({ Name: 'after-outage', ProtocolType: 'HTTP' }))
  await redis.restart()
  const created = await pending
  assert.ok(created.ApiId)
  const later = await startControlPlane(t, { gateway: { redis: redis.url } })
  assert.deepEqual((await http(`${later.gateway.adminUrl}/v2/apis`)).json<{ items: { name: string }[] }>().items.map((a) => a.name), ['after-outage'])
})
