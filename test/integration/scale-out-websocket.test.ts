// WebSocket connections across gateway nodes (issue 8), end to end: three `gatehouse serve`
// processes started through the CLI share one real redis-server. Any node answers the
// `@connections` API for a connection held by any other (the real AWS SDK client against
// `{node URL}/dev`); a node killed with SIGKILL stops owning its connections once its heartbeat
// key expires (NODE_HEARTBEAT_TTL_MS, 5 s); with Redis down each node still serves its own
// connections and answers 503 ServiceUnavailableException for others'; with Redis back,
// forwarding works again.
//
// The scenarios run in order on one cluster (subtests share it): the node kill comes before
// the Redis outage so that the outage involves B and C only.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import WebSocket from 'ws'
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi'
import { spawnCli, type Cli } from '../helpers/cli.js'
import { http } from '../helpers/http.js'
import { handlersDir } from '../helpers/paths.js'
import { startRedis } from '../helpers/redis-server.js'
import { newWs, opened, rejection, statusOf, waitFor as waitForWithin, whoamiOf, wsUrl } from '../helpers/ws-client.js'

// No ambient AWS configuration: the SDK gets explicit credentials and must not probe for more.
process.env['AWS_EC2_METADATA_DISABLED'] = 'true'

const STAGE = 'dev'
const WAIT_MS = 10_000
/** How long a killed node may keep its connections: heartbeat TTL (5 s) plus a margin. */
const NODE_GONE_WAIT_MS = 15_000

const CONFIG = `functions:
  whoami:
    handler: ${JSON.stringify(join(handlersDir, 'ws-connections.whoami'))}
apis:
  - name: scale-out-ws
    apiId: scalews001
    protocolType: WEBSOCKET
    routeSelectionExpression: $request.body.action
    routes:
      - routeKey: whoami
        target: integrations/whoami
        routeResponseSelectionExpression: $default
    integrations:
      - integrationId: whoami
        integrationType: AWS_PROXY
        integrationUri: whoami
    stages:
      - stageName: ${STAGE}
`

// --- nodes and clients -------------------------------------------------------------------------

interface Node {
  readonly name: string
  readonly url: string
  readonly cli: Cli
  readonly sdk: ApiGatewayManagementApiClient
}

async function startNode(t: TestContext, name: string, configFile: string, cwd: string, redisUrl: string): Promise<Node> {
  const cli = spawnCli(t, ['serve', configFile, '--port', '0', '--no-admin', '--no-watch', '--quiet-functions', '--redis', redisUrl], cwd)
  const [, url] = await cli.waitFor('stdout', /listening on (http:\/\/127\.0\.0\.1:\d+)/)
  // maxAttempts 1: a 503 is an answer to assert on, not something to retry.
  const sdk = new ApiGatewayManagementApiClient({
    endpoint: `${url as string}/${STAGE}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
    maxAttempts: 1,
  })
  t.after(() => sdk.destroy())
  return { name, url: url as string, cli, sdk }
}

interface Client {
  readonly ws: WebSocket
  readonly id: string
  readonly texts: string[]
  readonly node: string
  closed: { code: number; reason: string } | null
}

function waitFor<T>(what: string, probe: () => T | undefined | null | false, ms = WAIT_MS): Promise<T> {
  return waitForWithin(what, probe, ms, 10)
}

/** A `ws` client on `node`, its connection id asked through the two-way `whoami` route. */
async function connect(t: TestContext, node: Node, userAgent = `scale-out-test/${node.name}`): Promise<Client> {
  const ws = newWs(t, wsUrl(node.url, `/${STAGE}`), { headers: { 'User-Agent': userAgent } })
  const texts: string[] = []
  const state: { closed: Client['closed'] } = { closed: null }
  ws.on('message', (data: Buffer) => texts.push(data.toString('utf8')))
  ws.on('close', (code: number, reason: Buffer) => (state.closed = { code, reason: reason.toString('utf8') }))
  ws.on('error', () => undefined)
  await opened(ws)
  const id = await whoamiOf(ws, texts, (s) => s, `the whoami answer on ${node.name}`, WAIT_MS, 10)
  return {
    ws,
    id,
    texts,
    node: node.name,
    get closed() {
      return state.closed
    },
  }
}

function received(client: Client, text: string): Promise<string> {
  return waitFor(`"${text}" on the client of node ${client.node}`, () => client.texts.find((s) => s === text))
}

function post(node: Node, connectionId: string, data: string) {
  return node.sdk.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }))
}

/** A raw POST to `node`'s `@connections` for `connectionId`. */
function rawPost(node: Node, connectionId: string, body: string) {
  return http(`${node.url}/${STAGE}/@connections/${encodeURIComponent(connectionId)}`, { method: 'POST', body })
}

/** Posts through `node` until one is delivered (200), for at most `ms`; returns the last status. */
async function postUntilDelivered(node: Node, client: Client, text: string, ms = WAIT_MS): Promise<number[]> {
  const statuses: number[] = []
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const res = await rawPost(node, client.id, text)
    statuses.push(res.status)
    if (res.status === 200) return statuses
    await delay(100)
  }
  return statuses
}

// --- the scenarios -----------------------------------------------------------------------------

test('three gateway processes on one Redis: @connections works from any node for a connection on any node', { timeout: 60_000 }, async (t) => {
  const redis = await startRedis(t)
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-scale-ws-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const configFile = join(dir, 'gatehouse.yaml')
  writeFileSync(configFile, CONFIG)
  const [a, b, c] = (await Promise.all(['A', 'B', 'C'].map((name) => startNode(t, name, configFile, dir, redis.url)))) as [Node, Node, Node]
  assert.equal(new Set([a.url, b.url, c.url]).size, 3, 'three nodes on three ports')

  await t.test('PostToConnection made to node B reaches a client connected to node A', async () => {
    const onA = await connect(t, a)
    const out = await post(b, onA.id, 'hello from B')
    assert.equal(out.$metadata.httpStatusCode, 200)
    await received(onA, 'hello from B')
  })

  await t.test('GetConnection via node C describes a connection on node A (connectedAt, identity)', async () => {
    const before = Date.now()
    const onA = await connect(t, a, 'scale-out-ua/1.0')
    const after = Date.now()
    const got = await c.sdk.send(new GetConnectionCommand({ ConnectionId: onA.id }))
    assert.equal(got.$metadata.httpStatusCode, 200)
    assert.ok(got.ConnectedAt instanceof Date, `ConnectedAt: ${String(got.ConnectedAt)}`)
    // Both clocks are this machine's; the gateway's timestamp has millisecond precision.
    assert.ok(got.ConnectedAt.getTime() >= before - 1000 && got.ConnectedAt.getTime() <= after + 1000, `${got.ConnectedAt.toISOString()} not within the connect`)
    assert.ok(got.LastActiveAt instanceof Date)
    assert.equal(got.Identity?.SourceIp, '127.0.0.1')
    assert.equal(got.Identity?.UserAgent, 'scale-out-ua/1.0')
  })

  await t.test('DeleteConnection via node B closes the client on node A (1001); a later post via C is GoneException', async () => {
    const onA = await connect(t, a)
    const out = await b.sdk.send(new DeleteConnectionCommand({ ConnectionId: onA.id }))
    assert.equal(out.$metadata.httpStatusCode, 204)
    const closed = await waitFor('the close of the deleted connection', () => onA.closed)
    assert.equal(closed.code, 1001)
    const err = await rejection(post(c, onA.id, 'too late'))
    assert.ok(err instanceof GoneException, `expected GoneException, got ${String(err)}`)
    assert.equal(statusOf(err), 410)
    assert.deepEqual(onA.texts, [])
  })

  await t.test('an unknown connection id is GoneException (410) via every node', async () => {
    for (const node of [a, b, c]) {
      const err = await rejection(post(node, 'Zm9vYmFyYmF6cXV4PQ=', 'nobody'))
      assert.ok(err instanceof GoneException, `node ${node.name}: expected GoneException, got ${String(err)}`)
      assert.equal(statusOf(err), 410)
      const get = await rejection(node.sdk.send(new GetConnectionCommand({ ConnectionId: 'Zm9vYmFyYmF6cXV4PQ=' })))
      assert.ok(get instanceof GoneException, `node ${node.name} GET: expected GoneException, got ${String(get)}`)
    }
  })

  await t.test('node A killed with SIGKILL: its connection answers 410 GoneException from node B once its heartbeat expires', async () => {
    const onA = await connect(t, a)
    await post(b, onA.id, 'still alive')
    await received(onA, 'still alive')
    a.cli.child.kill('SIGKILL')
    assert.equal((await a.cli.exited).signal, 'SIGKILL')
    // Until the heartbeat key expires B forwards and waits (503 after FORWARD_TIMEOUT_MS);
    // afterwards it is 410. No timing is asserted beyond "within the TTL plus a margin".
    const seen: string[] = []
    const deadline = Date.now() + NODE_GONE_WAIT_MS
    let gone = false
    while (!gone && Date.now() < deadline) {
      const err = await rejection(post(b, onA.id, 'to a dead node'))
      seen.push(`${statusOf(err)} ${(err as Error).name}`)
      gone = err instanceof GoneException && statusOf(err) === 410
      if (!gone) await delay(200)
    }
    assert.ok(gone, `never GoneException: ${seen.join(', ')}`)
    for (const s of seen.slice(0, -1)) assert.match(s, /^503 ServiceUnavailableException$/, `before expiry: ${seen.join(', ')}`)
  })

  await t.test('Redis killed: local @connections still work, other nodes\' connections are 503; Redis restarted: forwarding again', async (st) => {
    const onB = await connect(t, b)
    const onC = await connect(t, c)
    // Both registered: forwarding works before the outage.
    await post(b, onC.id, 'before the outage')
    await received(onC, 'before the outage')

    await redis.kill()

    // Local delivery does not need Redis.
    const local = await post(b, onB.id, 'local while Redis is down')
    assert.equal(local.$metadata.httpStatusCode, 200)
    await received(onB, 'local while Redis is down')
    // The same through the raw API on the other owner node.
    assert.equal((await rawPost(c, onC.id, 'local on C')).status, 200)
    await received(onC, 'local on C')

    // A connection held by another node cannot be reached: 503, typed for SDKs.
    const unavailable = await rawPost(b, onC.id, 'to C while Redis is down')
    assert.equal(unavailable.status, 503, unavailable.text)
    assert.equal(unavailable.headers['x-amzn-errortype'], 'ServiceUnavailableException')
    assert.ok(unavailable.headers['x-amzn-requestid'], 'x-amzn-RequestId is sent')
    assert.match((JSON.parse(unavailable.text) as { message: string }).message, /could not be reached/)
    assert.ok(!onC.texts.includes('to C while Redis is down'))

    // A client connecting while Redis is away is accepted; its node registers it when it can.
    const lateOnC = await connect(t, c)

    await redis.restart()

    // The restarted Redis persists nothing (--save '' --appendonly no): every connection key
    // is lost. The directory keeps the set of connections each node holds and registers them
    // all again on every 'ready' (ConnectionDirectory#registerAll), so both the connection
    // registered before the restart (onC) and the one opened while Redis was away (lateOnC)
    // become reachable from other nodes again. Until a node has reconnected and re-registered,
    // a post for its connection answers 503 (this node has no Redis yet) or 410 (the key is
    // not there yet): hence polling.
    const again = await postUntilDelivered(b, onC, 'to C after the restart')
    assert.equal(again.at(-1), 200, `a connection registered before the restart: ${again.join(', ')}`)
    await received(onC, 'to C after the restart')
    for (const s of again) assert.ok(s === 200 || s === 410 || s === 503, `unexpected status while reconnecting: ${again.join(', ')}`)

    await st.test('a connection opened while Redis was down is reachable from another node after the restart', async () => {
      const statuses = await postUntilDelivered(b, lateOnC, 'to the late client')
      assert.equal(statuses.at(-1), 200, statuses.join(', '))
      await received(lateOnC, 'to the late client')
    })

    await st.test('and the other way round: C reaches B\'s connection after the restart', async () => {
      const statuses = await postUntilDelivered(c, onB, 'from C after the restart')
      assert.equal(statuses.at(-1), 200, statuses.join(', '))
      await received(onB, 'from C after the restart')
    })
  })
})
