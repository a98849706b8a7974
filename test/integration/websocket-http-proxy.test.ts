// HTTP_PROXY integrations of WebSocket routes (spec 10.6) against a real upstream
// (test/helpers/upstream.ts): what the backend receives (method, path and query, body,
// mapped headers and query parameters), what the client gets back (two-way routes only), the
// `$connect` outcome decided by the backend's status, `$disconnect` calls, failures and
// timeouts (the "Internal server error" frame), `${stageVariables.x}` in the URI, and the
// config errors of the `requestParameters`, `integrationUri` and `integrationType` fields.
//
// The connection id the backend sees is compared with the one a Lambda `whoami` route
// (test/fixtures/handlers/ws-connections.mjs) reports.
//
// Provisional (spec [UNCONFIRMED]): 500 for an unreachable `$connect` backend; a refused
// upgrade carries the backend's status.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { setTimeout as delay } from 'node:timers/promises'
import { createGateway } from '../../src/index.js'
import { rejectsConfig, startGateway } from '../helpers/gateway.js'
import { handlersDir } from '../helpers/paths.js'
import { connectClient, refused as refusedAt, waitFor, wsUrl, type WsClient } from '../helpers/ws-client.js'
import { refusedPort, startUpstream, type RecordedRequest, type Upstream, type UpstreamHandler } from '../helpers/upstream.js'

type Json = Record<string, unknown>

const INTERNAL_ERROR = /^\{"message": "Internal server error", "connectionId":"([^"]+)", "requestId":"[^"]+"\}$/

// --- the upstream ----------------------------------------------------------------------------

/**
 * Routes by path: `/connect` answers the status the `x-want` header asks for (default 200);
 * `/msg` answers `upstream:` + the body as text/plain; `/oneway` answers `ONEWAY-REPLY`;
 * `/slow` answers `LATE-REPLY` after 1.5 s; anything else 200 with an empty body.
 */
function backend(): { handler: UpstreamHandler; lateAnswered: () => boolean } {
  let late = false
  const handler: UpstreamHandler = async (req: IncomingMessage, res, recorded) => {
    const path = recorded.url.split('?')[0]
    if (path === '/connect') {
      const want = req.headers['x-want']
      const status = typeof want === 'string' ? Number(want) : 200
      const body = status === 200 ? '' : JSON.stringify({ message: 'backend says no' })
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) })
      res.end(body)
      return
    }
    if (path === '/slow') {
      await delay(1_500)
      late = true
      if (!res.destroyed) res.end('LATE-REPLY')
      return
    }
    const text = path === '/oneway' ? 'ONEWAY-REPLY' : path?.startsWith('/msg') === true || path === '/s' ? `upstream:${recorded.body.toString('utf8')}` : ''
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(text)) })
    res.end(text)
  }
  return { handler, lateAnswered: () => late }
}

function requestsTo(up: Upstream, path: string): RecordedRequest[] {
  return up.requests.filter((r) => r.url.split('?')[0] === path)
}

// --- configs ---------------------------------------------------------------------------------

interface RouteSpec {
  readonly routeKey: string
  readonly integration: string
  readonly twoWay?: boolean
}

function wsConfig(o: { routes: readonly RouteSpec[]; integrations: readonly object[]; stages?: readonly object[] }): Json {
  return {
    region: 'eu-west-1',
    accountId: '111122223333',
    functions: { who: { handler: 'ws-connections.whoami' } },
    apis: [
      {
        name: 'ws-http',
        apiId: 'wshttp0001',
        protocolType: 'WEBSOCKET',
        routeSelectionExpression: '$request.body.action',
        routes: o.routes.map((r) => ({
          routeKey: r.routeKey,
          target: `integrations/${r.integration}`,
          ...(r.twoWay === true ? { routeResponseSelectionExpression: '$default' } : {}),
        })),
        integrations: [{ integrationId: 'who', integrationType: 'AWS_PROXY', integrationUri: 'who' }, ...o.integrations],
        stages: o.stages ?? [{ stageName: 'prod' }],
      },
    ],
  }
}

function http(integrationId: string, uri: string, extra: Json = {}): Json {
  return { integrationId, integrationType: 'HTTP_PROXY', integrationMethod: 'POST', integrationUri: uri, ...extra }
}

// --- the client ------------------------------------------------------------------------------

type Client = WsClient

function connect(t: TestContext, url: string, headers: Record<string, string> = {}): Promise<Client> {
  return connectClient(t, url, { headers })
}

function refused(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return refusedAt(url, { headers })
}

// --- the main API ----------------------------------------------------------------------------

/** Every source a message route may map (spec 10.6). */
const MESSAGE_PARAMETERS = {
  'integration.request.header.connectionId': 'context.connectionId',
  'integration.request.header.x-route-key': 'context.routeKey',
  'integration.request.header.x-event-type': 'context.eventType',
  'integration.request.header.x-message-id': 'context.messageId',
  'integration.request.header.x-source-ip': 'context.identity.sourceIp',
  'integration.request.querystring.action': 'route.request.body.action',
  'integration.request.querystring.nested': 'route.request.body.user.name',
  'integration.request.header.x-stage-name': 'stageVariables.name',
  'integration.request.header.x-literal': "'literal'",
  // Handshake-only sources: absent on a message route.
  'integration.request.header.x-client': 'route.request.header.X-Client',
  'integration.request.querystring.token': 'route.request.querystring.token',
}

const CONNECT_PARAMETERS = {
  'integration.request.header.connectionId': 'context.connectionId',
  'integration.request.header.x-event-type': 'context.eventType',
  'integration.request.header.x-route-key': 'context.routeKey',
  'integration.request.header.x-message-id': 'context.messageId',
  'integration.request.header.x-client': 'route.request.header.X-Client',
  'integration.request.header.x-want': 'route.request.header.X-Want',
  'integration.request.querystring.token': 'route.request.querystring.token',
}

const DISCONNECT_PARAMETERS = {
  'integration.request.header.connectionId': 'context.connectionId',
  'integration.request.header.x-event-type': 'context.eventType',
  'integration.request.querystring.rk': 'context.routeKey',
}

async function mainApi(t: TestContext): Promise<{ url: string; up: Upstream; lateAnswered: () => boolean }> {
  const { handler, lateAnswered } = backend()
  const up = await startUpstream(t, handler)
  const down = await refusedPort()
  const g = await startGateway(
    t,
    wsConfig({
      routes: [
        { routeKey: '$connect', integration: 'connect' },
        { routeKey: '$disconnect', integration: 'disconnect' },
        { routeKey: '$default', integration: 'msg', twoWay: true },
        { routeKey: 'whoami', integration: 'who', twoWay: true },
        { routeKey: 'oneway', integration: 'oneway' },
        { routeKey: 'down', integration: 'down', twoWay: true },
        { routeKey: 'slow', integration: 'slow', twoWay: true },
      ],
      integrations: [
        http('connect', `${up.origin}/connect`, { integrationMethod: 'GET', requestParameters: CONNECT_PARAMETERS }),
        http('disconnect', `${up.origin}/disconnect`, { requestParameters: DISCONNECT_PARAMETERS }),
        http('msg', `${up.origin}/msg?x=1`, { requestParameters: MESSAGE_PARAMETERS }),
        http('oneway', `${up.origin}/oneway`),
        http('down', `http://127.0.0.1:${down}/down`),
        http('slow', `${up.origin}/slow`, { timeoutInMillis: 200 }),
      ],
      stages: [{ stageName: 'prod', stageVariables: { name: 'prod-name' } }],
    })
  )
  return { url: g.url, up, lateAnswered }
}

test('a two-way $default HTTP_PROXY route: the upstream gets the exact body by POST with mapped parameters, the client its answer', async (t) => {
  const { url, up } = await mainApi(t)
  const client = await connect(t, wsUrl(url, '/prod'))
  const id = await client.whoami()

  const message = '{"action":"chat","user":{"name":"ann","age":3},"text":"héllo  wörld"}'
  const before = requestsTo(up, '/msg').length
  const reply = await client.say(message)
  assert.equal(reply, `upstream:${message}`)

  const got = requestsTo(up, '/msg')
  assert.equal(got.length, before + 1)
  const r = got.at(-1) as RecordedRequest
  assert.equal(r.method, 'POST')
  assert.equal(r.url, '/msg?x=1&action=chat&nested=ann')
  assert.equal(r.body.toString('utf8'), message)
  assert.ok(r.complete)
  assert.equal(r.headers['content-type'], 'application/json')
  assert.equal(r.headers['connectionid'], id)
  assert.equal(r.headers['x-route-key'], '$default')
  assert.equal(r.headers['x-event-type'], 'MESSAGE')
  assert.equal(r.headers['x-source-ip'], '127.0.0.1')
  assert.equal(r.headers['x-stage-name'], 'prod-name')
  assert.equal(r.headers['x-literal'], 'literal')
  const firstMessageId = r.headers['x-message-id']
  assert.equal(typeof firstMessageId, 'string')
  assert.notEqual(firstMessageId, '')

  // Another message: another messageId, same connection.
  const second = '{"action":"chat","user":{"name":"bob"}}'
  assert.equal(await client.say(second), `upstream:${second}`)
  const r2 = requestsTo(up, '/msg').at(-1) as RecordedRequest
  assert.equal(r2.url, '/msg?x=1&action=chat&nested=bob')
  assert.equal(r2.headers['connectionid'], id)
  assert.notEqual(r2.headers['x-message-id'], firstMessageId)

  // A body that is not JSON: the body mappings have nothing to read, the rest still holds.
  assert.equal(await client.say('plain text'), 'upstream:plain text')
  const r3 = requestsTo(up, '/msg').at(-1) as RecordedRequest
  assert.equal(r3.url, '/msg?x=1')
  assert.equal(r3.body.toString('utf8'), 'plain text')
  assert.equal(r3.headers['x-literal'], 'literal')
})

test('handshake sources: route.request.header / querystring reach a $connect HTTP_PROXY integration, not a message route', async (t) => {
  const { url, up } = await mainApi(t)
  const client = await connect(t, wsUrl(url, '/prod?token=tok%20en&other=1'), { 'X-Client': 'client-7' })
  const id = await client.whoami()

  const c = await waitFor('the $connect request', () => requestsTo(up, '/connect').find((r) => r.headers['connectionid'] === id))
  assert.equal(c.method, 'GET')
  assert.equal(c.url, '/connect?token=tok%20en')
  assert.equal(c.headers['x-client'], 'client-7')
  assert.equal(c.headers['x-event-type'], 'CONNECT')
  assert.equal(c.headers['x-route-key'], '$connect')
  assert.equal(c.headers['x-message-id'], undefined, 'no messageId on $connect')
  assert.equal(c.headers['x-want'], undefined, 'an absent handshake header maps to nothing')
  assert.equal(c.body.length, 0)

  const message = '{"action":"chat"}'
  assert.equal(await client.say(message), `upstream:${message}`)
  const m = requestsTo(up, '/msg').at(-1) as RecordedRequest
  assert.equal(m.headers['connectionid'], id)
  assert.equal(m.headers['x-client'], undefined, 'route.request.header is $connect only')
  assert.equal(m.url, '/msg?x=1&action=chat', 'route.request.querystring is $connect only')
})

test('a one-way HTTP_PROXY route calls the upstream and sends the client nothing', async (t) => {
  const { url, up } = await mainApi(t)
  const client = await connect(t, wsUrl(url, '/prod'))
  await client.whoami()

  const message = '{"action":"oneway","n":1}'
  client.ws.send(message)
  const r = await waitFor('the one-way request', () => requestsTo(up, '/oneway')[0])
  assert.equal(r.method, 'POST')
  assert.equal(r.body.toString('utf8'), message)
  // Two round trips after the upstream answered: the one-way answer would have arrived first.
  await client.whoami()
  const chat = '{"action":"chat"}'
  assert.equal(await client.say(chat), `upstream:${chat}`)
  assert.equal(client.frames.length, 3)
  assert.ok(!client.frames.some((f) => f.text.includes('ONEWAY-REPLY')))
})

test('$connect via HTTP_PROXY: upstream 200 opens the connection, 401 refuses the upgrade with 401', async (t) => {
  const { url, up } = await mainApi(t)
  const client = await connect(t, wsUrl(url, '/prod'), { 'X-Want': '200' })
  await client.whoami()

  const before = requestsTo(up, '/connect').length
  const no = await refused(wsUrl(url, '/prod'), { 'X-Want': '401' })
  assert.equal(no.status, 401)
  assert.equal(requestsTo(up, '/connect').length, before + 1)
  assert.equal(requestsTo(up, '/connect').at(-1)?.headers['x-want'], '401')

  const forbidden = await refused(wsUrl(url, '/prod'), { 'X-Want': '403' })
  assert.equal(forbidden.status, 403)
})

test('$connect via HTTP_PROXY to an unreachable upstream refuses the upgrade with 500', async (t) => {
  const port = await refusedPort()
  const g = await startGateway(
    t,
    wsConfig({
      routes: [
        { routeKey: '$connect', integration: 'connect' },
        { routeKey: 'whoami', integration: 'who', twoWay: true },
      ],
      integrations: [http('connect', `http://127.0.0.1:${port}/connect`)],
    })
  )
  const no = await refused(wsUrl(g.url, '/prod'))
  assert.equal(no.status, 500)
})

test('a message route whose upstream is down, or slower than timeoutInMillis, gets the Internal server error frame', async (t) => {
  const { url, up, lateAnswered } = await mainApi(t)
  const client = await connect(t, wsUrl(url, '/prod'))
  const id = await client.whoami()

  const down = await client.say({ action: 'down' })
  assert.match(down, INTERNAL_ERROR)
  assert.equal(INTERNAL_ERROR.exec(down)?.[1], id)

  const slow = await client.say({ action: 'slow' })
  assert.match(slow, INTERNAL_ERROR)
  assert.equal(INTERNAL_ERROR.exec(slow)?.[1], id)
  assert.equal(requestsTo(up, '/slow').length, 1)

  // The connection stays usable, and the late answer never reaches the client.
  const chat = '{"action":"chat"}'
  assert.equal(await client.say(chat), `upstream:${chat}`)
  await waitFor('the slow upstream to finish', () => lateAnswered())
  await client.whoami()
  assert.ok(!client.frames.some((f) => f.text.includes('LATE-REPLY')))
})

test('$disconnect via HTTP_PROXY is called, without a body, after the client closes', async (t) => {
  const { url, up } = await mainApi(t)
  const client = await connect(t, wsUrl(url, '/prod'))
  const id = await client.whoami()
  assert.equal(requestsTo(up, '/disconnect').length, 0)

  await client.close()
  const d = await waitFor('the $disconnect request', () => requestsTo(up, '/disconnect').find((r) => r.headers['connectionid'] === id))
  assert.equal(d.method, 'POST')
  assert.equal(d.url, '/disconnect?rk=%24disconnect')
  assert.equal(d.headers['x-event-type'], 'DISCONNECT')
  await waitFor('the $disconnect body to end', () => d.complete)
  assert.equal(d.body.length, 0)
  assert.equal(d.headers['content-type'], undefined)
})

test('${stageVariables.port} in integrationUri picks each stage\'s upstream', async (t) => {
  const a = await startUpstream(t, backend().handler)
  const b = await startUpstream(t, backend().handler)
  const g = await startGateway(
    t,
    wsConfig({
      routes: [{ routeKey: '$default', integration: 'staged', twoWay: true }],
      integrations: [
        http('staged', 'http://127.0.0.1:${stageVariables.port}/s', {
          requestParameters: { 'integration.request.header.x-stage-name': 'stageVariables.name' },
        }),
      ],
      stages: [
        { stageName: 'alpha', stageVariables: { port: String(a.port), name: 'A' } },
        { stageName: 'beta', stageVariables: { port: String(b.port), name: 'B' } },
      ],
    })
  )
  const ca = await connect(t, wsUrl(g.url, '/alpha'))
  const cb = await connect(t, wsUrl(g.url, '/beta'))
  assert.equal(await ca.say('to-alpha'), 'upstream:to-alpha')
  assert.equal(await cb.say('to-beta'), 'upstream:to-beta')
  assert.deepEqual(
    a.requests.map((r) => [r.url, r.body.toString('utf8'), r.headers['x-stage-name']]),
    [['/s', 'to-alpha', 'A']]
  )
  assert.deepEqual(
    b.requests.map((r) => [r.url, r.body.toString('utf8'), r.headers['x-stage-name']]),
    [['/s', 'to-beta', 'B']]
  )
})

// --- config errors ---------------------------------------------------------------------------

function oneIntegration(integration: Json): Json {
  return wsConfig({ routes: [{ routeKey: '$default', integration: 'x', twoWay: true }], integrations: [integration] })
}

test('config errors: requestParameters keys, sources, non-http URIs, and MOCK-only fields on a proxy', async (t) => {
  // The baseline is valid.
  const ok = createGateway(oneIntegration(http('x', 'http://127.0.0.1:9/ok', { requestParameters: { 'integration.request.header.a': "'b'" } })), {
    baseDir: handlersDir,
    logLevel: 'silent',
    port: 0,
    host: '127.0.0.1',
  })
  await ok.start()
  await ok.stop()

  await t.test('an invalid key (integration.request.path.x)', async (t) => {
    await rejectsConfig(
      t,
      oneIntegration(http('x', 'http://127.0.0.1:9/x', { requestParameters: { 'integration.request.path.x': 'context.connectionId' } })),
      /integration\.request\.header\.NAME or integration\.request\.querystring\.NAME/,
      /requestParameters.*integration\.request\.path\.x/
    )
  })
  await t.test('an invalid source (foo.bar)', async (t) => {
    await rejectsConfig(
      t,
      oneIntegration(http('x', 'http://127.0.0.1:9/x', { requestParameters: { 'integration.request.header.y': 'foo.bar' } })),
      /"foo\.bar" is not a source/,
      /requestParameters/
    )
  })
  await t.test('an unknown context variable (context.nope)', async (t) => {
    await rejectsConfig(
      t,
      oneIntegration(http('x', 'http://127.0.0.1:9/x', { requestParameters: { 'integration.request.header.y': 'context.nope' } })),
      /"context\.nope" is not a source/
    )
  })
  await t.test('an integrationUri that is not http(s)', async (t) => {
    await rejectsConfig(t, oneIntegration(http('x', 'ftp://127.0.0.1/x')), /not a valid HTTP_PROXY URI/, /integrationUri/)
  })
  await t.test('requestTemplates on an HTTP_PROXY integration (they belong to MOCK and HTTP integrations)', async (t) => {
    await rejectsConfig(t, oneIntegration(http('x', 'http://127.0.0.1:9/x', { requestTemplates: { $default: '{}' } })), /apply to MOCK, HTTP and AWS integrations only/, /requestTemplates/)
  })
})
