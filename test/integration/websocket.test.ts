// WebSocket APIs over real sockets with the `ws` client (spec 10, 14, 16.7): the handshake
// ($connect integration and Lambda authorizer), route selection and replies, the error frames,
// the limits (binary, size, idle, maximum duration, slow readers, ping) and the CONNECT /
// MESSAGE / DISCONNECT events field by field (spec 10.4).
//
// Every function is test/fixtures/handlers/ws-msg-recorder.mjs: it appends each event it gets
// to the file named by WS_EVENTS (one per gateway), which the tests poll, and is scripted by
// handshake headers ($connect, authorizer) or the message body.
//
// Provisional (spec [UNCONFIRMED]): 404 for an unknown stage, 500 for a failing $connect
// function, 1001 for idle / maximum-duration closes, 1008 for a slow reader, a Pong answer to
// a Ping, stageVariables in MESSAGE events, nothing sent for a two-way reply without `body`.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { startGateway, type StartedGateway } from '../helpers/gateway.js'
import { connectClient, refused as refusedAt, waitFor, type WsClient, type WsOptions } from '../helpers/ws-client.js'

type Json = Record<string, unknown>

const WAIT_MS = 5_000
const CLF_TIME = /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/
const ID = /^[A-Za-z0-9_-]+=$/
const ALLOW = JSON.stringify({ effect: 'Allow' })

// --- configs -------------------------------------------------------------------------------

interface RouteSpec {
  readonly routeKey: string
  readonly twoWay?: boolean
  readonly authorizer?: boolean
}

interface ApiOptions {
  readonly apiId: string
  readonly routes: readonly RouteSpec[]
  readonly routeSelectionExpression?: string
  readonly stages?: readonly object[]
  readonly authorizer?: boolean
}

function wsConfig(eventsFile: string, o: ApiOptions): object {
  return {
    region: 'eu-west-1',
    accountId: '111122223333',
    functions: { rec: { handler: 'ws-msg-recorder.handler', environment: { WS_EVENTS: eventsFile } } },
    apis: [
      {
        name: `ws-${o.apiId}`,
        apiId: o.apiId,
        protocolType: 'WEBSOCKET',
        routeSelectionExpression: o.routeSelectionExpression ?? '$request.body.action',
        routes: o.routes.map((r) => ({
          routeKey: r.routeKey,
          target: 'integrations/rec',
          ...(r.twoWay === true ? { routeResponseSelectionExpression: '$default' } : {}),
          ...(r.authorizer === true ? { authorizationType: 'CUSTOM', authorizerId: 'auth' } : {}),
        })),
        integrations: [{ integrationId: 'rec', integrationType: 'AWS_PROXY', integrationUri: 'rec' }],
        ...(o.authorizer === true
          ? {
              authorizers: [
                {
                  authorizerId: 'auth',
                  name: 'auth',
                  authorizerType: 'REQUEST',
                  authorizerUri: 'rec',
                  identitySource: ['route.request.header.Auth', 'route.request.querystring.token'],
                },
              ],
            }
          : {}),
        stages: o.stages ?? [{ stageName: 'prod' }],
      },
    ],
  }
}

interface WsGateway extends StartedGateway {
  readonly wsUrl: string
  readonly eventsFile: string
  events(): Json[]
}

async function startWs(t: TestContext, o: ApiOptions, websocket?: { idleTimeoutMs?: number; maxConnectionDurationMs?: number; maxOutboundBufferBytes?: number }): Promise<WsGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-ws-'))
  const eventsFile = join(dir, 'events.jsonl')
  const g = await startGateway(t, wsConfig(eventsFile, o), websocket !== undefined ? { websocket } : {})
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return {
    ...g,
    wsUrl: g.url.replace(/^http/, 'ws'),
    eventsFile,
    events: () =>
      existsSync(eventsFile)
        ? readFileSync(eventsFile, 'utf8')
            .split('\n')
            .filter((l) => l !== '')
            .map((l) => JSON.parse(l) as Json)
        : [],
  }
}

// --- events --------------------------------------------------------------------------------

function rcOf(e: Json): Json {
  return e['requestContext'] as Json
}

function eventsOf(g: WsGateway, connectionId: string, eventType?: string): Json[] {
  return g.events().filter((e) => rcOf(e)?.['connectionId'] === connectionId && (eventType === undefined || rcOf(e)['eventType'] === eventType))
}

async function waitForEvent(g: WsGateway, connectionId: string, eventType: string, match: (e: Json) => boolean = () => true): Promise<Json> {
  return waitFor(`a ${eventType} event of ${connectionId}`, () => eventsOf(g, connectionId, eventType).find(match))
}

// --- the client ----------------------------------------------------------------------------

type Client = WsClient

interface ConnectOptions extends WsOptions {
  readonly path?: string
}

/** Opens a connection (fails the test if the upgrade is refused). */
function connect(t: TestContext, g: WsGateway, o: ConnectOptions = {}): Promise<Client> {
  return connectClient(t, `${g.wsUrl}${o.path ?? '/prod'}`, o)
}

/** Attempts a connection that must be refused: the status code and body of the answer. */
function refused(g: WsGateway, o: ConnectOptions = {}): Promise<{ status: number; body: string }> {
  return refusedAt(`${g.wsUrl}${o.path ?? '/prod'}`, o)
}

/** The connection id, asked of a two-way route that answers with its event summary. */
async function idOf(client: Client, action = 'echo'): Promise<string> {
  const reply = await client.ask({ action, id: 'who-am-i' })
  return reply['connectionId'] as string
}

// --- the main API --------------------------------------------------------------------------

const MAIN_ROUTES: readonly RouteSpec[] = [
  { routeKey: '$connect' },
  { routeKey: '$disconnect' },
  { routeKey: '$default', twoWay: true },
  { routeKey: 'echo', twoWay: true },
  { routeKey: 'oneway' },
]
const MAIN_STAGES = [{ stageName: 'prod', stageVariables: { env: 'test', color: 'blue' } }, { stageName: 'bare' }]

function mainApi(t: TestContext): Promise<WsGateway> {
  return startWs(t, { apiId: 'wsmain0001', routes: MAIN_ROUTES, stages: MAIN_STAGES })
}

// --- handshake -----------------------------------------------------------------------------

test('handshake: without a $connect route the connection opens and messages flow', async (t) => {
  const g = await startWs(t, { apiId: 'wsbare0001', routes: [{ routeKey: 'echo', twoWay: true }] })
  const client = await connect(t, g)
  assert.equal(client.isOpen, true)
  const reply = await client.ask({ action: 'echo' })
  assert.equal(reply['routeKey'], 'echo')
  assert.equal(g.events().filter((e) => rcOf(e)['eventType'] === 'CONNECT').length, 0, 'nothing ran for $connect')
})

test('handshake: the $connect function decides (400 refuses, 2xx + Sec-WebSocket-Protocol chooses the subprotocol, a throw is 500)', async (t) => {
  const g = await mainApi(t)

  await t.test('statusCode 400 refuses the upgrade with 400', async () => {
    const answer = await refused(g, { headers: { 'x-connect-script': JSON.stringify({ return: { statusCode: 400, body: 'no thanks' } }) } })
    assert.equal(answer.status, 400)
  })

  await t.test('statusCode 200 with Sec-WebSocket-Protocol: the client gets that protocol', async (st) => {
    const script = { return: { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'chat.v2' } } }
    const client = await connect(st, g, { protocols: ['chat.v1', 'chat.v2'], headers: { 'x-connect-script': JSON.stringify(script) } })
    assert.equal(client.ws.protocol, 'chat.v2')
    const connectEvent = g.events().find((e) => rcOf(e)['eventType'] === 'CONNECT' && (e['headers'] as Json)['Sec-WebSocket-Protocol'] === 'chat.v1,chat.v2')
    assert.ok(connectEvent, 'the $connect function saw the offered protocols')
  })

  await t.test('a $connect function that throws: 500', async () => {
    const answer = await refused(g, { headers: { 'x-connect-script': JSON.stringify({ throw: 'connect exploded' }) } })
    assert.equal(answer.status, 500)
  })

  await t.test('an unknown stage: 404, and $connect never runs', async () => {
    const before = g.events().length
    assert.equal((await refused(g, { path: '/nostage' })).status, 404)
    assert.equal((await refused(g, { path: '/prod/extra' })).status, 404)
    assert.equal(g.events().length, before)
  })
})

// --- the $connect Lambda authorizer --------------------------------------------------------

test('authorizer on $connect: missing identity source 401 (not invoked), Deny 403, Allow opens with requestContext.authorizer, Unauthorized 401', async (t) => {
  const g = await startWs(t, {
    apiId: 'wsauth0001',
    authorizer: true,
    routes: [{ routeKey: '$connect', authorizer: true }, { routeKey: 'echo', twoWay: true }, { routeKey: '$disconnect' }],
  })
  const authorizerCalls = () => g.events().filter((e) => e['type'] === 'REQUEST')

  await t.test('a missing header or query identity source: 401 without invoking the authorizer', async () => {
    assert.equal((await refused(g, { path: '/prod?token=t1' })).status, 401)
    assert.equal((await refused(g, { path: '/prod', headers: { Auth: 'secret' } })).status, 401)
    assert.equal((await refused(g, { path: '/prod?token=', headers: { Auth: 'secret' } })).status, 401)
    assert.equal(authorizerCalls().length, 0)
    assert.equal(g.events().length, 0, 'nor the $connect function')
  })

  await t.test('a Deny policy: 403, the $connect function is not invoked', async () => {
    const answer = await refused(g, { path: '/prod?token=t2', headers: { Auth: 'secret', 'x-authz-script': JSON.stringify({ effect: 'Deny' }) } })
    assert.equal(answer.status, 403)
    const calls = authorizerCalls()
    assert.equal(calls.length, 1)
    const call = calls[0] as Json
    assert.equal(call['methodArn'], 'arn:aws:execute-api:eu-west-1:111122223333:wsauth0001/prod/$connect')
    assert.deepEqual(call['queryStringParameters'], { token: 't2' })
    assert.equal((call['headers'] as Json)['Auth'], 'secret')
    assert.equal(rcOf(call)['routeKey'], '$connect')
    assert.equal(rcOf(call)['eventType'], 'CONNECT')
    assert.equal(g.events().filter((e) => rcOf(e)?.['eventType'] === 'CONNECT' && e['type'] === undefined).length, 0)
  })

  await t.test('Allow: the connection opens and later MESSAGE events carry principalId and stringified context', async (st) => {
    const client = await connect(st, g, { path: '/prod?token=t3', headers: { Auth: 'secret', 'x-authz-script': ALLOW } })
    const id = await idOf(client)
    const message = await waitForEvent(g, id, 'MESSAGE')
    assert.deepEqual(rcOf(message)['authorizer'], { principalId: 'user-7', tenant: 'acme', num: '1', flag: 'true' })
    client.ws.close(1000)
    const disconnect = await waitForEvent(g, id, 'DISCONNECT')
    assert.deepEqual(rcOf(disconnect)['authorizer'], { principalId: 'user-7', tenant: 'acme', num: '1', flag: 'true' })
  })

  await t.test("an authorizer that throws Error('Unauthorized'): 401", async () => {
    const answer = await refused(g, { path: '/prod?token=t4', headers: { Auth: 'secret', 'x-authz-script': JSON.stringify({ throw: 'Unauthorized' }) } })
    assert.equal(answer.status, 401)
  })
})

// --- messages ------------------------------------------------------------------------------

test('messages: route selection, $default, replies of two-way routes only, the Internal server error frame', async (t) => {
  const g = await mainApi(t)
  const client = await connect(t, g)
  const id = await idOf(client)

  await t.test('JSON with "action" goes to the matching route', async () => {
    const reply = await client.ask({ action: 'echo', n: 1 })
    assert.equal(reply['routeKey'], 'echo')
    assert.equal(reply['body'], '{"action":"echo","n":1}')
  })

  await t.test('an unmatched action goes to $default', async () => {
    const reply = await client.ask({ action: 'nosuchroute' })
    assert.equal(reply['routeKey'], '$default')
  })

  await t.test('JSON without the selection path goes to $default', async () => {
    const reply = await client.ask({ other: 1 })
    assert.equal(reply['routeKey'], '$default')
  })

  await t.test('a message that is not JSON goes to $default, body untouched', async () => {
    const reply = await client.ask('hello, not json {')
    assert.equal(reply['routeKey'], '$default')
    assert.equal(reply['body'], 'hello, not json {')
  })

  await t.test("a two-way route sends the function's body back as one text frame", async () => {
    client.ws.send(JSON.stringify({ action: 'echo', reply: 'plain text reply ✓' }))
    const frame = await client.next()
    assert.deepEqual(frame, { text: 'plain text reply ✓', binary: false })
  })

  await t.test('a route without a route response delivers nothing', async () => {
    const before = eventsOf(g, id, 'MESSAGE').length
    client.ws.send(JSON.stringify({ action: 'oneway', reply: 'must not arrive' }))
    await waitFor('the one-way route to run', () => eventsOf(g, id, 'MESSAGE').length > before)
    assert.equal(await client.say({ action: 'echo', reply: 'second' }), 'second')
    assert.equal(await client.say({ action: 'echo', reply: 'third' }), 'third')
    assert.equal(client.unread, 0)
  })

  await t.test('a two-way reply without body sends nothing (provisional)', async () => {
    const before = eventsOf(g, id, 'MESSAGE').length
    client.ws.send(JSON.stringify({ action: 'echo', noBody: true }))
    await waitFor('the route to run', () => eventsOf(g, id, 'MESSAGE').length > before)
    assert.equal(await client.say({ action: 'echo', reply: 'after' }), 'after')
    assert.equal(client.unread, 0)
  })

  for (const action of ['echo', 'oneway']) {
    await t.test(`a function error on the ${action === 'echo' ? 'two-way' : 'one-way'} route: the Internal server error frame, byte for byte`, async () => {
      const marker = `boom-${action}`
      client.ws.send(JSON.stringify({ action, throw: marker }))
      const frame = await client.next()
      const event = await waitForEvent(g, id, 'MESSAGE', (e) => typeof e['body'] === 'string' && e['body'].includes(marker))
      const requestId = rcOf(event)['requestId'] as string
      assert.equal(frame.binary, false)
      assert.equal(frame.text, `{"message": "Internal server error", "connectionId":"${id}", "requestId":"${requestId}"}`)
      assert.equal(client.isOpen, true)
    })
  }

  // Every frame is accounted for: nothing extra arrived (one-way replies included).
  assert.equal(await client.say({ action: 'echo', reply: 'last' }), 'last')
  assert.equal(client.unread, 0)
})

test('messages: nested selection expression, and the Forbidden frame without $default (connection stays open)', async (t) => {
  const g = await startWs(t, {
    apiId: 'wsnest0001',
    routeSelectionExpression: '${request.body.service}/${request.body.action}',
    routes: [{ routeKey: 'chat/join', twoWay: true }],
  })
  const client = await connect(t, g)

  const reply = await client.ask({ service: 'chat', action: 'join', data: { room: 'room1234' } })
  assert.equal(reply['routeKey'], 'chat/join')
  const id = reply['connectionId'] as string
  assert.match(id, ID)

  const forbidden = /^\{"message": "Forbidden", "connectionId":"([^"]+)", "requestId":"([^"]+)"\}$/
  for (const message of [JSON.stringify({ service: 'chat', action: 'leave' }), JSON.stringify({ action: 'join' }), 'not json']) {
    client.ws.send(message)
    const frame = await client.next()
    assert.equal(frame.binary, false)
    const m = forbidden.exec(frame.text)
    assert.ok(m, `a Forbidden frame for ${message}: ${frame.text}`)
    assert.equal(m[1], id)
    assert.match(m[2] as string, ID)
    assert.equal(client.isOpen, true)
  }
  const again = await client.ask({ service: 'chat', action: 'join' })
  assert.equal(again['routeKey'], 'chat/join')
  assert.equal(g.events().length, 2, 'the unmatched messages invoked nothing')
})

// --- limits --------------------------------------------------------------------------------

test('limits: binary frame 1003, a 129 KB message (single or fragmented) 1009, ping answered with pong', async (t) => {
  const g = await mainApi(t)

  await t.test('a binary frame closes with 1003', async (st) => {
    const client = await connect(st, g)
    client.ws.send(Buffer.from([1, 2, 3, 4]), { binary: true })
    const close = await client.waitClosed()
    assert.equal(close.code, 1003)
  })

  await t.test('a 129 KB message in one frame closes with 1009', async (st) => {
    const client = await connect(st, g)
    client.ws.send(JSON.stringify({ action: 'echo', pad: 'x'.repeat(129 * 1024) }))
    const close = await client.waitClosed()
    assert.equal(close.code, 1009)
  })

  await t.test('a 129 KB message in 16 KB fragments closes with 1009', async (st) => {
    const client = await connect(st, g)
    const chunk = 'y'.repeat(16 * 1024)
    for (let i = 0; i < 8; i++) client.ws.send(chunk, { fin: false })
    client.ws.send('z'.repeat(1024 + 1), { fin: true })
    const close = await client.waitClosed()
    assert.equal(close.code, 1009)
  })

  await t.test('a 128 KB message in fragments is accepted', async (st) => {
    const client = await connect(st, g)
    const prefix = '{"action":"echo","reply":"ok","pad":"'
    const total = 128 * 1024
    const message = prefix + 'p'.repeat(total - prefix.length - 2) + '"}'
    assert.equal(Buffer.byteLength(message), total)
    for (let i = 0; i < message.length; i += 30 * 1024) client.ws.send(message.slice(i, i + 30 * 1024), { fin: i + 30 * 1024 >= message.length })
    assert.deepEqual(await client.next(), { text: 'ok', binary: false })
  })

  await t.test('a 33 KB single frame closes with 1009 (spec 10.2)', async (st) => {
    const client = await connect(st, g)
    client.ws.send(JSON.stringify({ action: 'echo', pad: 'x'.repeat(33 * 1024) }))
    const close = await client.waitClosed(1_000)
    assert.equal(close.code, 1009)
  })

  await t.test('a ping gets a pong', async (st) => {
    const client = await connect(st, g)
    const pong = once(client.ws, 'pong')
    client.ws.ping(Buffer.from('are-you-there'))
    const [data] = (await Promise.race([pong, delay(WAIT_MS).then(() => assert.fail('no pong'))])) as [Buffer]
    assert.equal(data.toString(), 'are-you-there')
    assert.equal(client.isOpen, true)
  })
})

/**
 * Opens a connection to an API with a `$connect` route and finds its id in the CONNECT event
 * by a unique header, without a message (the timers under test start at the upgrade).
 */
let markers = 0
async function connectTimed(t: TestContext, g: WsGateway): Promise<{ client: Client; id: string }> {
  const marker = `m-${process.pid}-${++markers}`
  const client = await connect(t, g, { headers: { 'x-test-marker': marker } })
  const event = await waitFor('the CONNECT event', () => g.events().find((e) => rcOf(e)['eventType'] === 'CONNECT' && (e['headers'] as Json)['x-test-marker'] === marker))
  return { client, id: rcOf(event)['connectionId'] as string }
}

const TIMED_ROUTES: readonly RouteSpec[] = [{ routeKey: '$connect' }, { routeKey: '$disconnect' }, { routeKey: 'quiet' }]

test('limits: the idle timeout closes with 1001 and fires $disconnect with 1001; data frames keep a connection alive', async (t) => {
  const IDLE_MS = 500
  const g = await startWs(t, { apiId: 'wsidle0001', routes: TIMED_ROUTES }, { idleTimeoutMs: IDLE_MS })

  await t.test('an idle connection is closed with 1001 and $disconnect sees 1001', async (st) => {
    const { client, id } = await connectTimed(st, g)
    const close = await client.waitClosed()
    assert.equal(close.code, 1001)
    const disconnect = await waitForEvent(g, id, 'DISCONNECT')
    assert.equal(rcOf(disconnect)['disconnectStatusCode'], 1001)
    assert.equal(rcOf(disconnect)['routeKey'], '$disconnect')
  })

  await t.test('a client that keeps sending data frames stays open past the idle time', async (st) => {
    const { client, id } = await connectTimed(st, g)
    const started = Date.now()
    for (let i = 0; i < 25; i++) {
      // A one-way route: nothing comes back, only the client's frames count.
      client.ws.send(JSON.stringify({ action: 'quiet', i }))
      await delay(IDLE_MS / 10)
      assert.equal(client.isOpen, true, `still open after ${i + 1} messages`)
    }
    assert.ok(Date.now() - started > IDLE_MS * 2, 'the loop outlasted the idle timeout')
    assert.equal(client.closeInfo, null)
    assert.equal(client.frames.length, 0, 'the gateway sent nothing that could have reset the timer')
    assert.equal(eventsOf(g, id, 'DISCONNECT').length, 0)
  })
})

test('limits: the maximum connection duration closes with 1001', async (t) => {
  const g = await startWs(t, { apiId: 'wsdur00001', routes: TIMED_ROUTES }, { maxConnectionDurationMs: 300 })
  const { client, id } = await connectTimed(t, g)
  // Keep the connection busy: the close comes from the duration, not idleness.
  for (let i = 0; i < 400 && client.closeInfo === null; i++) {
    if (client.isOpen) client.ws.send(JSON.stringify({ action: 'quiet', i }))
    await delay(25)
  }
  const close = await client.waitClosed()
  assert.equal(close.code, 1001)
  const disconnect = await waitForEvent(g, id, 'DISCONNECT')
  assert.equal(rcOf(disconnect)['disconnectStatusCode'], 1001)
})

test('limits: a client that stops reading is cut off (1008 or terminated); the gateway keeps serving others', async (t) => {
  const g = await startWs(t, { apiId: 'wsslow0001', routes: [{ routeKey: 'echo', twoWay: true }] }, { maxOutboundBufferBytes: 64 * 1024 })
  const slow = await connect(t, g)
  const id = await idOf(slow)
  assert.ok(slow.socket !== null)
  slow.socket.pause()

  const url = `${g.url}/prod/@connections/${encodeURIComponent(id)}`
  const data = 'd'.repeat(64 * 1024)
  const statuses: number[] = []
  for (let i = 0; i < 2_000; i++) {
    const res = await fetch(url, { method: 'POST', body: data })
    await res.arrayBuffer()
    statuses.push(res.status)
    if (res.status !== 200) break
  }
  assert.equal(statuses.at(-1), 410, `posting stopped with GoneException after ${statuses.length} posts`)
  assert.ok(statuses.slice(0, -1).every((s) => s === 200))

  slow.socket.resume()
  const close = await slow.waitClosed()
  assert.ok(close.code === 1008 || close.code === 1006, `closed with ${close.code}`)

  const other = await connect(t, g)
  const reply = await other.ask({ action: 'echo', reply: '{"still":"serving"}' })
  assert.deepEqual(reply, { still: 'serving' })
})

// --- events (spec 10.4) --------------------------------------------------------------------

test('$connect gets X-Forwarded-For (client chain + client address), X-Forwarded-Port, X-Forwarded-Proto and X-Amzn-Trace-Id as AWS adds them; client-sent port and proto are replaced', async (t) => {
  const g = await mainApi(t)
  const client = await connect(t, g, {
    headers: { 'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-Proto': 'gopher', 'X-Forwarded-Port': '1', 'X-Amzn-Trace-Id': 'Root=1-00000000-000000000000000000000001' },
  })
  const reply = await client.ask({ action: 'echo' })
  const event = await waitForEvent(g, reply['connectionId'] as string, 'CONNECT')
  const headers = event['headers'] as Json
  const multi = event['multiValueHeaders'] as Json
  assert.equal(headers['X-Forwarded-For'], '203.0.113.7, 127.0.0.1')
  assert.equal(headers['X-Forwarded-Port'], new URL(g.url).port)
  assert.equal(headers['X-Forwarded-Proto'], 'http')
  assert.equal(headers['X-Amzn-Trace-Id'], 'Root=1-00000000-000000000000000000000001')
  for (const name of ['X-Forwarded-For', 'X-Forwarded-Port', 'X-Forwarded-Proto', 'X-Amzn-Trace-Id']) assert.deepEqual(multi[name], [headers[name]])
  assert.ok(!('x-forwarded-proto' in headers) && !('x-forwarded-port' in headers), 'the client\'s own copies are not kept')
})

test('events: CONNECT, MESSAGE and DISCONNECT field by field', async (t) => {
  const g = await mainApi(t)
  const client = await connect(t, g, {
    path: '/prod?name=first&multi=1&multi=2',
    headers: { 'User-Agent': 'gatehouse-ws-test/1.0', 'X-Custom-Header': 'Value One' },
  })
  const reply = await client.ask({ action: 'echo', hello: 'world' })
  const id = reply['connectionId'] as string
  assert.match(id, ID)
  const port = new URL(g.url).port

  const connect_ = await waitForEvent(g, id, 'CONNECT')
  const message = await waitForEvent(g, id, 'MESSAGE')
  client.ws.close(4000, 'bye')
  const disconnect = await waitForEvent(g, id, 'DISCONNECT')

  const connectedAt = rcOf(connect_)['connectedAt']
  assert.equal(typeof connectedAt, 'number')

  const commonContext = (e: Json, routeKey: string, eventType: string) => {
    const rc = rcOf(e)
    assert.equal(rc['routeKey'], routeKey)
    assert.equal(rc['eventType'], eventType)
    assert.equal(rc['messageDirection'], 'IN')
    assert.equal(rc['connectionId'], id)
    assert.equal(rc['connectedAt'], connectedAt, 'connectedAt is the same in every event')
    assert.match(rc['requestId'] as string, ID)
    assert.equal(rc['extendedRequestId'], rc['requestId'])
    assert.match(rc['requestTime'] as string, CLF_TIME)
    assert.equal(typeof rc['requestTimeEpoch'], 'number')
    assert.ok((rc['requestTimeEpoch'] as number) >= (connectedAt as number) - 1000)
    assert.equal(rc['stage'], 'prod')
    assert.equal(rc['domainName'], '127.0.0.1')
    assert.equal(rc['apiId'], 'wsmain0001')
    assert.deepEqual(rc['identity'], { userAgent: 'gatehouse-ws-test/1.0', sourceIp: '127.0.0.1' })
    assert.equal(e['isBase64Encoded'], false)
    for (const absent of ['path', 'httpMethod', 'resource', 'pathParameters']) assert.ok(!(absent in e), `no ${absent}`)
    assert.ok(!('authorizer' in rc), 'no authorizer without one')
  }
  const baseKeys = ['routeKey', 'eventType', 'extendedRequestId', 'requestTime', 'messageDirection', 'stage', 'connectedAt', 'requestTimeEpoch', 'identity', 'requestId', 'domainName', 'connectionId', 'apiId']

  await t.test('CONNECT', () => {
    commonContext(connect_, '$connect', 'CONNECT')
    assert.deepEqual(Object.keys(rcOf(connect_)).sort(), [...baseKeys].sort())
    assert.deepEqual(Object.keys(connect_).sort(), ['headers', 'isBase64Encoded', 'multiValueHeaders', 'multiValueQueryStringParameters', 'queryStringParameters', 'requestContext', 'stageVariables'])
    const headers = connect_['headers'] as Json
    const multi = connect_['multiValueHeaders'] as Json
    // Original case, the client's own headers included.
    assert.equal(headers['Host'], `127.0.0.1:${port}`)
    assert.equal(headers['X-Custom-Header'], 'Value One')
    assert.equal(headers['User-Agent'], 'gatehouse-ws-test/1.0')
    assert.equal(headers['Sec-WebSocket-Version'], '13')
    assert.match(headers['Sec-WebSocket-Key'] as string, /^[A-Za-z0-9+/]{22}==$/)
    assert.ok(!('x-custom-header' in headers) && !('host' in headers), 'names are not lower-cased')
    // The headers AWS adds (spec 10.4), in AWS's name case.
    assert.match(headers['X-Amzn-Trace-Id'] as string, /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/)
    assert.equal(headers['X-Forwarded-For'], '127.0.0.1')
    assert.equal(headers['X-Forwarded-Port'], port)
    assert.equal(headers['X-Forwarded-Proto'], 'http')
    assert.deepEqual(Object.keys(multi).sort(), Object.keys(headers).sort())
    for (const [name, value] of Object.entries(headers)) assert.deepEqual(multi[name], [value])
    assert.deepEqual(connect_['queryStringParameters'], { name: 'first', multi: '2' })
    assert.deepEqual(connect_['multiValueQueryStringParameters'], { name: ['first'], multi: ['1', '2'] })
    assert.deepEqual(connect_['stageVariables'], { env: 'test', color: 'blue' })
    assert.ok(!('body' in connect_))
    assert.ok(!('messageId' in rcOf(connect_)))
  })

  await t.test('MESSAGE', () => {
    commonContext(message, 'echo', 'MESSAGE')
    assert.deepEqual(Object.keys(rcOf(message)).sort(), [...baseKeys, 'messageId'].sort())
    assert.match(rcOf(message)['messageId'] as string, ID)
    assert.notEqual(rcOf(message)['messageId'], rcOf(message)['requestId'])
    assert.notEqual(rcOf(message)['requestId'], rcOf(connect_)['requestId'])
    assert.equal(message['body'], '{"action":"echo","hello":"world"}')
    assert.equal(reply['requestId'], rcOf(message)['requestId'])
    assert.equal(reply['messageId'], rcOf(message)['messageId'])
    for (const absent of ['headers', 'multiValueHeaders', 'queryStringParameters', 'multiValueQueryStringParameters']) assert.ok(!(absent in message), `no ${absent}`)
    // stageVariables when the stage defines some (provisional for MESSAGE).
    assert.deepEqual(message['stageVariables'], { env: 'test', color: 'blue' })
    assert.deepEqual(Object.keys(message).sort(), ['body', 'isBase64Encoded', 'requestContext', 'stageVariables'])
  })

  await t.test("DISCONNECT carries the client's close code and reason", () => {
    commonContext(disconnect, '$disconnect', 'DISCONNECT')
    const rc = rcOf(disconnect)
    assert.equal(rc['disconnectStatusCode'], 4000)
    assert.equal(rc['disconnectReason'], 'bye')
    assert.deepEqual(Object.keys(rc).sort(), [...baseKeys, 'disconnectReason', 'disconnectStatusCode'].sort())
    assert.ok(!('messageId' in rc))
    assert.ok(!('body' in disconnect))
    assert.deepEqual(disconnect['headers'], { Host: '127.0.0.1', 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' })
    assert.deepEqual(disconnect['multiValueHeaders'], { Host: ['127.0.0.1'], 'x-api-key': [''], 'X-Forwarded-For': [''], 'x-restapi': [''] })
  })

  await t.test('a stage without variables and a URL without a query: neither field appears', async (st) => {
    const bare = await connect(st, g, { path: '/bare' })
    const bareReply = await bare.ask({ action: 'echo' })
    const bareId = bareReply['connectionId'] as string
    const c = await waitForEvent(g, bareId, 'CONNECT')
    const m = await waitForEvent(g, bareId, 'MESSAGE')
    assert.equal(rcOf(c)['stage'], 'bare')
    for (const absent of ['queryStringParameters', 'multiValueQueryStringParameters', 'stageVariables']) assert.ok(!(absent in c), `CONNECT has no ${absent}`)
    assert.ok(!('stageVariables' in m))
  })
})
