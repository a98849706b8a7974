// serverless.yml `websocket` events: route forms, the authorizer forms of the Framework's docs
// (function name, ARN, { name | arn, identitySource }), $connect-only authorizers, the stage
// the WebSocket API is deployed to, and logs.websocket / logs.httpApi access logs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfigFile } from '../../src/config/index.js'
import { SERVERLESS_HTTP_API_LOG_FORMAT, SERVERLESS_WEBSOCKET_LOG_FORMAT } from '../../src/sources/stack/serverless.js'
import { startGateway } from '../helpers/gateway.js'
import { openWs, refused, wsUrl, nextMessage } from '../helpers/ws-client.js'

function service(t: { after(fn: () => void): void }, lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sls-ws-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'src'))
  writeFileSync(join(dir, 'src', 'ws.mjs'), [
    'export const auth = async (event) => ({ principalId: "u", policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: event.headers?.Auth === "ok" || event.queryStringParameters?.token === "ok" ? "Allow" : "Deny", Resource: event.methodArn }] } })',
    'export const connect = async () => ({ statusCode: 200 })',
    'export const hello = async (event) => ({ statusCode: 200, body: `Hello, ${JSON.parse(event.body).name}` })',
    '',
  ].join('\n'))
  const file = join(dir, 'serverless.yml')
  writeFileSync(file, lines.join('\n') + '\n')
  return file
}

const HEAD = ['service: chat', 'provider:', '  name: aws', '  runtime: nodejs20.x']

test('websocket authorizer by function name (default identity source route.request.header.Auth); two-way route; stage', async (t) => {
  const file = service(t, [
    ...HEAD,
    'functions:',
    '  auth: { handler: src/ws.auth }',
    '  connect:',
    '    handler: src/ws.connect',
    '    events:',
    '      - websocket: { route: $connect, authorizer: auth }',
    '  hello:',
    '    handler: src/ws.hello',
    '    events:',
    '      - websocket: { route: hello, routeResponseSelectionExpression: $default }',
  ])
  const r = loadConfigFile(file, { stage: 'beta' })
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues))
  const api = r.config.websocketApis[0]
  assert.ok(api)
  assert.equal(api.name, 'beta-chat-websockets')
  assert.deepEqual(api.stages.map((s) => s.stageName), ['beta'])
  const { url } = await startGateway(t, file, { source: { stage: 'beta' } })
  assert.equal((await refused(wsUrl(url, '/beta'))).status, 401, 'no identity source: 401 without calling the authorizer')
  assert.equal((await refused(wsUrl(url, '/beta'), { headers: { Auth: 'no' } })).status, 403)
  const ws = await openWs(t, wsUrl(url, '/beta'), { headers: { Auth: 'ok' } })
  const reply = nextMessage(ws)
  ws.send(JSON.stringify({ action: 'hello', name: 'ada' }))
  assert.equal(await reply, 'Hello, ada')
})

test('websocket authorizer given as an ARN, or as { arn, identitySource }; a query-string identity source', async (t) => {
  const arn = 'arn:aws:lambda:us-east-1:123456789012:function:chat-dev-auth'
  for (const form of [`authorizer: '${arn}'`, `authorizer: { arn: '${arn}', identitySource: [route.request.querystring.token] }`]) {
    const file = service(t, [
      ...HEAD,
      'functions:',
      '  auth: { handler: src/ws.auth }',
      '  connect:',
      '    handler: src/ws.connect',
      '    events:',
      `      - websocket: { route: $connect, ${form} }`,
    ])
    const r = loadConfigFile(file)
    assert.ok(r.ok, JSON.stringify(!r.ok && r.issues))
    const authorizer = [...(r.config.websocketApis[0]?.authorizers.values() ?? [])][0]
    assert.equal(authorizer?.authorizerUri, arn, form)
  }
})

test('a websocket authorizer on a route other than $connect, or naming no function of the service, is refused at its line', (t) => {
  const file = service(t, [
    ...HEAD,
    'functions:',
    '  hello:',
    '    handler: src/ws.hello',
    '    events:',
    '      - websocket: { route: hello, authorizer: auth }',
    '  connect:',
    '    handler: src/ws.connect',
    '    events:',
    '      - websocket: { route: $connect, authorizer: nobody }',
  ])
  const r = loadConfigFile(file)
  assert.ok(!r.ok)
  assert.deepEqual(r.issues.map((i) => `${i.line ?? '?'} ${i.path}: ${i.message}`), [
    '9 functions.hello.events[0].websocket.authorizer: a websocket authorizer is only allowed on the $connect route',
    '13 functions.connect.events[0].websocket.authorizer: authorizer function "nobody" is not a function of this service',
  ])
})

test('logs.websocket and logs.httpApi: true give the Framework\'s access log formats; { format } its own', (t) => {
  const file = service(t, [
    ...HEAD,
    '  logs:',
    '    httpApi: true',
    "    websocket: { format: '$context.requestId $context.routeKey' }",
    'functions:',
    '  hello:',
    '    handler: src/ws.hello',
    '    events:',
    '      - websocket: hello',
    "      - httpApi: 'GET /hello'",
  ])
  const r = loadConfigFile(file)
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues))
  assert.equal(r.config.apis[0]?.stages[0]?.accessLog?.format, SERVERLESS_HTTP_API_LOG_FORMAT)
  assert.equal(r.config.websocketApis[0]?.stages[0]?.accessLog?.format, '$context.requestId $context.routeKey')
  assert.ok(SERVERLESS_WEBSOCKET_LOG_FORMAT.includes('$context.requestId'))
})
