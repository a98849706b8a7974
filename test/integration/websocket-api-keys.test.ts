// API keys on the `$connect` route of WebSocket APIs (spec 10.8): `apiKeyRequired: true` with
// the API's `apiKeys` (Gatehouse's stand-in for API keys and usage plans). With the default
// `apiKeySelectionExpression` the key is the `x-api-key` header of the upgrade request; with
// `$context.authorizer.usageIdentifierKey` it is the `usageIdentifierKey` the `$connect`
// Lambda authorizer answers. A missing, unknown, disabled or other-stage key refuses the
// upgrade with 403 (API_KEY_REFUSED_STATUS) and no function runs; the accepted key is
// `requestContext.identity.apiKey` in the CONNECT, MESSAGE and DISCONNECT events. Then the
// config errors of the fields.
//
// The functions (test/fixtures/handlers/ws-apikey.mjs) log each event they get as one
// `WSEVENT {...}` line, read back from the gateway's captured function logs.
//
// Provisional (spec [UNCONFIRMED]): the 403 status and its {"message":"Forbidden"} body.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { createGateway } from '../../src/index.js'
import { API_KEY_REFUSED_STATUS } from '../../src/websocket/handshake.js'
import { rejectsConfig, startGateway, type StartedGateway } from '../helpers/gateway.js'
import { handlersDir } from '../helpers/paths.js'
import { closeAndWait, newWs, nextMessage, opened, refused as refusedAt, waitFor, wsUrl as httpToWs } from '../helpers/ws-client.js'

type Json = Record<string, unknown>

const PROD_KEY = 'prod-key-0123456789abcdef'
const ANY_STAGE_KEY = 'any-stage-key-0123456789'
const DEV_KEY = 'dev-only-key-0123456789ab'
const DISABLED_KEY = 'disabled-key-0123456789ab'
const UNKNOWN_KEY = 'unknown-key-0123456789abc'

interface LoggedEvent {
  readonly eventType: string
  readonly connectionId: string
  readonly identity: Json
  readonly authorizer: Json | null
}

function events(g: StartedGateway): LoggedEvent[] {
  return g.logs.filter((l) => l.includes('WSEVENT ')).map((l) => JSON.parse(l.slice(l.indexOf('WSEVENT ') + 8)) as LoggedEvent)
}

function eventOf(g: StartedGateway, connectionId: string, eventType: string): Promise<LoggedEvent> {
  return waitFor(`a ${eventType} event of ${connectionId}`, () => events(g).find((e) => e.connectionId === connectionId && e.eventType === eventType))
}

// --- the client ------------------------------------------------------------------------------

function wsUrl(g: StartedGateway, path: string): string {
  return httpToWs(g.url, path)
}

async function open(t: TestContext, url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = newWs(t, url, { headers })
  ws.on('error', () => {})
  await opened(ws)
  return ws
}

function refused(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return refusedAt(url, { headers })
}

/** Sends a message to the two-way `$default` route: the reply is the MESSAGE event's connection id and identity. */
async function ask(ws: WebSocket): Promise<{ connectionId: string; identity: Json }> {
  const reply = nextMessage(ws)
  ws.send('{"action":"who"}')
  return JSON.parse(await reply) as { connectionId: string; identity: Json }
}

// --- configs ---------------------------------------------------------------------------------

function wsApi(api: Json, functions: Json = { fn: { handler: 'ws-apikey.handler' } }): Json {
  return {
    functions,
    apis: [
      {
        name: 'ws-keys',
        apiId: 'wskeys0001',
        protocolType: 'WEBSOCKET',
        routeSelectionExpression: '$request.body.action',
        integrations: [{ integrationId: 'fn', integrationType: 'AWS_PROXY', integrationUri: 'fn' }],
        stages: [{ stageName: 'prod' }, { stageName: 'dev' }],
        ...api,
      },
    ],
  }
}

const ROUTES = [
  { routeKey: '$connect', target: 'integrations/fn', apiKeyRequired: true },
  { routeKey: '$disconnect', target: 'integrations/fn' },
  { routeKey: '$default', target: 'integrations/fn', routeResponseSelectionExpression: '$default' },
]

const KEYS = [
  { value: PROD_KEY, name: 'prod', stages: ['prod'] },
  { value: ANY_STAGE_KEY, name: 'any' },
  { value: DEV_KEY, name: 'dev', stages: ['dev'] },
  { value: DISABLED_KEY, name: 'off', enabled: false },
]

// --- x-api-key -------------------------------------------------------------------------------

test('apiKeyRequired on $connect with the x-api-key header: missing, unknown, disabled and other-stage keys get 403; a valid key opens', async (t) => {
  const g = await startGateway(t, wsApi({ routes: ROUTES, apiKeys: KEYS }))
  const prod = wsUrl(g, '/prod')
  const connects = (): number => events(g).filter((e) => e.eventType === 'CONNECT').length

  await t.test('refusals: 403 {"message":"Forbidden"}, and the $connect function does not run', async () => {
    assert.equal(API_KEY_REFUSED_STATUS, 403)
    const cases: Array<[string, Record<string, string>]> = [
      ['no key', {}],
      ['an empty key', { 'x-api-key': '' }],
      ['an unknown key', { 'x-api-key': UNKNOWN_KEY }],
      ['a disabled key', { 'x-api-key': DISABLED_KEY }],
      ["another stage's key (dev on prod)", { 'x-api-key': DEV_KEY }],
      ['a valid key in another case', { 'x-api-key': PROD_KEY.toUpperCase() }],
      ['a prefix of a valid key', { 'x-api-key': PROD_KEY.slice(0, -1) }],
    ]
    for (const [what, headers] of cases) {
      const r = await refused(prod, headers)
      assert.equal(r.status, 403, what)
      assert.deepEqual(JSON.parse(r.body), { message: 'Forbidden' }, what)
    }
    // The prod key on dev is "another stage's key" too.
    assert.equal((await refused(wsUrl(g, '/dev'), { 'x-api-key': PROD_KEY })).status, 403)
    assert.equal(connects(), 0, 'no CONNECT event: the key is checked before the integration')
  })

  await t.test('a valid key opens; CONNECT, MESSAGE and DISCONNECT carry identity.apiKey', async (t) => {
    const ws = await open(t, prod, { 'x-api-key': PROD_KEY, 'User-Agent': 'key-test/1' })
    const reply = await ask(ws)
    assert.equal(reply.identity['apiKey'], PROD_KEY)
    assert.equal(reply.identity['userAgent'], 'key-test/1')
    const connect = await eventOf(g, reply.connectionId, 'CONNECT')
    assert.equal(connect.identity['apiKey'], PROD_KEY)
    await closeAndWait(ws)
    const disconnect = await eventOf(g, reply.connectionId, 'DISCONNECT')
    assert.equal(disconnect.identity['apiKey'], PROD_KEY)
  })

  await t.test('the header name is case-insensitive (X-API-Key)', async (t) => {
    const ws = await open(t, prod, { 'X-API-Key': PROD_KEY })
    assert.equal((await ask(ws)).identity['apiKey'], PROD_KEY)
  })

  await t.test('a key scoped to dev opens dev; a key without stages opens both', async (t) => {
    const dev = await open(t, wsUrl(g, '/dev'), { 'x-api-key': DEV_KEY })
    assert.equal((await ask(dev)).identity['apiKey'], DEV_KEY)
    for (const stage of ['/prod', '/dev']) {
      const ws = await open(t, wsUrl(g, stage), { 'x-api-key': ANY_STAGE_KEY })
      assert.equal((await ask(ws)).identity['apiKey'], ANY_STAGE_KEY, stage)
    }
  })
})

test('apiKeys without apiKeyRequired on $connect: no key is needed, and events carry no identity.apiKey', async (t) => {
  const routes = ROUTES.map((r) => (r.routeKey === '$connect' ? { routeKey: '$connect', target: 'integrations/fn' } : r))
  const g = await startGateway(t, wsApi({ routes, apiKeys: KEYS }))
  const ws = await open(t, wsUrl(g, '/prod'))
  const reply = await ask(ws)
  assert.equal('apiKey' in reply.identity, false)
  // A key sent anyway is not checked (an unknown one does not refuse the upgrade).
  const other = await open(t, wsUrl(g, '/prod'), { 'x-api-key': UNKNOWN_KEY })
  assert.equal(typeof (await ask(other)).connectionId, 'string')
})

// --- usageIdentifierKey ----------------------------------------------------------------------

test('apiKeySelectionExpression $context.authorizer.usageIdentifierKey: the key is the Lambda authorizer answer', async (t) => {
  const g = await startGateway(
    t,
    wsApi(
      {
        apiKeySelectionExpression: '$context.authorizer.usageIdentifierKey',
        apiKeys: KEYS,
        routes: ROUTES.map((r) => (r.routeKey === '$connect' ? { ...r, authorizationType: 'CUSTOM', authorizerId: 'auth' } : r)),
        authorizers: [{ authorizerId: 'auth', authorizerType: 'REQUEST', authorizerUri: 'authz', identitySource: ['route.request.querystring.token'] }],
      },
      { fn: { handler: 'ws-apikey.handler' }, authz: { handler: 'ws-apikey.authorizer' } }
    )
  )
  const prod = (query: string): string => wsUrl(g, `/prod?${query}`)

  await t.test("the authorizer's valid usageIdentifierKey opens; events carry it as identity.apiKey, with the authorizer context", async (t) => {
    const ws = await open(t, prod(`token=t1&uik=${PROD_KEY}`))
    const reply = await ask(ws)
    assert.equal(reply.identity['apiKey'], PROD_KEY)
    const connect = await eventOf(g, reply.connectionId, 'CONNECT')
    assert.equal(connect.identity['apiKey'], PROD_KEY)
    assert.equal(connect.authorizer?.['principalId'], 'user-9')
    assert.equal(connect.authorizer?.['plan'], 'gold')
    await closeAndWait(ws)
    assert.equal((await eventOf(g, reply.connectionId, 'DISCONNECT')).identity['apiKey'], PROD_KEY)
  })

  await t.test('an unknown, disabled, other-stage or absent usageIdentifierKey gets 403', async () => {
    for (const query of [`token=t1&uik=${UNKNOWN_KEY}`, `token=t1&uik=${DISABLED_KEY}`, `token=t1&uik=${DEV_KEY}`, 'token=t1']) {
      const r = await refused(prod(query))
      assert.equal(r.status, 403, query)
      assert.deepEqual(JSON.parse(r.body), { message: 'Forbidden' }, query)
    }
  })

  await t.test('the x-api-key header is not looked at: a valid header key without usageIdentifierKey gets 403', async () => {
    assert.equal((await refused(prod('token=t1'), { 'x-api-key': PROD_KEY })).status, 403)
  })

  await t.test('the authorizer runs first: a missing identity source still gets its 401', async () => {
    assert.equal((await refused(prod(`uik=${PROD_KEY}`))).status, 401)
  })

  await t.test('the $connect integration ran for the accepted connection only (the authorizer for all but the 401)', () => {
    assert.equal(events(g).filter((e) => e.eventType === 'CONNECT').length, 1)
    assert.equal(events(g).filter((e) => e.eventType === 'AUTHORIZER').length, 6)
  })
})

test('apiKeySelectionExpression usageIdentifierKey with no authorizer on $connect: every upgrade gets 403', async (t) => {
  const g = await startGateway(t, wsApi({ apiKeySelectionExpression: '$context.authorizer.usageIdentifierKey', apiKeys: KEYS, routes: ROUTES }))
  assert.equal((await refused(wsUrl(g, '/prod'), { 'x-api-key': PROD_KEY })).status, 403)
})

test(
  'mapping templates of a MOCK route see $context.identity.apiKey and $context.authorizer.*',
  async (t) => {
    const g = await startGateway(
      t,
      wsApi(
        {
          apiKeySelectionExpression: '$context.authorizer.usageIdentifierKey',
          apiKeys: KEYS,
          routes: [
            { routeKey: '$connect', target: 'integrations/fn', apiKeyRequired: true, authorizationType: 'CUSTOM', authorizerId: 'auth' },
            { routeKey: '$default', target: 'integrations/m', routeResponseSelectionExpression: '$default' },
          ],
          integrations: [
            { integrationId: 'fn', integrationType: 'AWS_PROXY', integrationUri: 'fn' },
            {
              integrationId: 'm',
              integrationType: 'MOCK',
              requestTemplates: { $default: '{"statusCode": 200}' },
              integrationResponses: [
                {
                  integrationResponseKey: '$default',
                  responseTemplates: { $default: '{"apiKey": "$context.identity.apiKey", "principalId": "$context.authorizer.principalId", "plan": "$context.authorizer.plan"}' },
                },
              ],
            },
          ],
          authorizers: [{ authorizerId: 'auth', authorizerType: 'REQUEST', authorizerUri: 'authz', identitySource: ['route.request.querystring.token'] }],
        },
        { fn: { handler: 'ws-apikey.handler' }, authz: { handler: 'ws-apikey.authorizer' } }
      )
    )
    const ws = await open(t, wsUrl(g, `/prod?token=t1&uik=${PROD_KEY}`))
    const reply = nextMessage(ws)
    ws.send('anything')
    assert.deepEqual(JSON.parse(await reply), { apiKey: PROD_KEY, principalId: 'user-9', plan: 'gold' })
  }
)

// --- config errors ---------------------------------------------------------------------------

test('config errors: apiKeyRequired off $connect or without keys, short keys, unknown stages, API keys on HTTP APIs', async (t) => {
  // The baseline is valid.
  const ok = createGateway(wsApi({ routes: ROUTES, apiKeys: KEYS }), { baseDir: handlersDir, logLevel: 'silent', port: 0, host: '127.0.0.1' })
  await ok.start()
  await ok.stop()

  await t.test('apiKeyRequired on a route other than $connect', async (t) => {
    const routes = [...ROUTES, { routeKey: 'send', target: 'integrations/fn', apiKeyRequired: true }]
    await rejectsConfig(t, wsApi({ routes, apiKeys: KEYS }), /API keys are checked on the \$connect route only/, /apiKeyRequired/)
  })
  await t.test('apiKeyRequired with no apiKeys', async (t) => {
    await rejectsConfig(t, wsApi({ routes: ROUTES }), /requires an API key \(apiKeyRequired\) but the API lists no apiKeys/)
  })
  await t.test('apiKeyRequired with disabled keys only', async (t) => {
    await rejectsConfig(t, wsApi({ routes: ROUTES, apiKeys: [{ value: DISABLED_KEY, enabled: false }] }), /lists no apiKeys/)
  })
  await t.test('a key shorter than 20 characters (19 refused, 20 accepted)', async (t) => {
    await rejectsConfig(t, wsApi({ routes: ROUTES, apiKeys: [{ value: 'k'.repeat(19) }] }), /fewer than 20 characters/, /apiKeys\[0\]\.value/)
    const twenty = createGateway(wsApi({ routes: ROUTES, apiKeys: [{ value: 'k'.repeat(20) }] }), { baseDir: handlersDir, logLevel: 'silent', port: 0, host: '127.0.0.1' })
    await twenty.start()
    await twenty.stop()
  })
  await t.test('a key naming a stage the API does not have', async (t) => {
    await rejectsConfig(t, wsApi({ routes: ROUTES, apiKeys: [{ value: PROD_KEY, name: 'k', stages: ['staging'] }] }), /names stage "staging", which this API does not have/)
  })
  await t.test('apiKeys on an HTTP API', async (t) => {
    const config = {
      functions: { fn: { handler: 'ws-apikey.handler' } },
      apis: [
        {
          name: 'http-keys',
          routes: [{ routeKey: 'GET /x', target: 'integrations/fn' }],
          integrations: [{ integrationId: 'fn', integrationType: 'AWS_PROXY', integrationUri: 'fn', payloadFormatVersion: '2.0' }],
          apiKeys: [{ value: PROD_KEY }],
        },
      ],
    }
    await rejectsConfig(t, config, /API keys apply to WebSocket APIs only/, /apiKeys/)
  })
  await t.test('apiKeyRequired on an HTTP API route', async (t) => {
    const config = {
      functions: { fn: { handler: 'ws-apikey.handler' } },
      apis: [
        {
          name: 'http-keys',
          routes: [{ routeKey: 'GET /x', target: 'integrations/fn', apiKeyRequired: true }],
          integrations: [{ integrationId: 'fn', integrationType: 'AWS_PROXY', integrationUri: 'fn', payloadFormatVersion: '2.0' }],
        },
      ],
    }
    await rejectsConfig(t, config, /API keys are not supported for HTTP APIs/, /apiKeyRequired/)
  })
})
