// examples/sam, examples/serverless and examples/cdk served as shipped: real sockets, real
// clients (undici for HTTP, ws for WebSocket), a local OpenID Connect issuer for the JWT
// authorizer. Each example's README describes what these tests call.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { derivedApiId } from '../../src/sources/cloudformation/index.js'
import { startGateway } from '../helpers/gateway.js'
import { http } from '../helpers/http.js'
import { generateSigningKey, signToken, startOidcServer } from '../helpers/oidc-server.js'
import { repoRoot } from '../helpers/paths.js'
import { nextMessage, openWs, refused, wsUrl } from '../helpers/ws-client.js'
import { spawnCli } from '../helpers/cli.js'

const example = (...parts: string[]): string => join(repoRoot, 'examples', ...parts)
/** Without a content type an HTTP API hands the body to Lambda base64-encoded. */
const JSON_BODY = { 'content-type': 'application/json' }
const hostOf = (logicalId: string): string => `${derivedApiId(logicalId)}.execute-api.localhost`

test('examples/sam: HTTP API with a JWT authorizer, scopes and CORS; WebSocket API through AWS::ApiGatewayV2', async (t) => {
  const key = await generateSigningKey('RS256')
  const oidc = await startOidcServer(t, { keys: [key] })
  const { url } = await startGateway(t, example('sam', 'template.yaml'), { source: { parameterOverrides: { Issuer: oidc.issuer } } })
  const notes = { host: hostOf('NotesApi') }
  const exp = Math.floor(Date.now() / 1000) + 300

  await t.test('GET /health has Authorizer: NONE', async () => {
    const res = await http(`${url}/health`, { headers: notes })
    assert.equal(res.status, 200)
    assert.equal(res.text, 'ok')
  })

  await t.test('the default JWT authorizer: 401 without a token, the claims reach the handler with one', async () => {
    assert.equal((await http(`${url}/notes`, { headers: notes })).status, 401)
    const token = await signToken(key, { iss: oidc.issuer, aud: 'notes-api', sub: 'ada', exp })
    const res = await http(`${url}/notes`, { headers: { ...notes, authorization: `Bearer ${token}` } })
    assert.equal(res.status, 200, res.text)
    assert.deepEqual(res.json(), { notes: [], app: 'gatehouse-sam-example' })
  })

  await t.test('POST /notes needs the notes/write scope', async () => {
    const reader = await signToken(key, { iss: oidc.issuer, aud: 'notes-api', sub: 'ada', exp })
    const denied = await http(`${url}/notes`, { method: 'POST', headers: { ...notes, ...JSON_BODY, authorization: `Bearer ${reader}` }, body: '{"text":"x"}' })
    assert.equal(denied.status, 403)
    const writer = await signToken(key, { iss: oidc.issuer, aud: 'notes-api', sub: 'ada', scope: 'notes/write', exp })
    const created = await http(`${url}/notes`, { method: 'POST', headers: { ...notes, ...JSON_BODY, authorization: `Bearer ${writer}` }, body: '{"text":"buy milk"}' })
    assert.equal(created.status, 201, created.text)
    assert.deepEqual(created.json(), { id: 1, author: 'ada', text: 'buy milk' })
    const list = await http(`${url}/notes`, { headers: { ...notes, authorization: `Bearer ${writer}` } })
    assert.deepEqual(list.json(), { notes: [{ id: 1, author: 'ada', text: 'buy milk' }], app: 'gatehouse-sam-example' })
  })

  await t.test('CORS preflight from CorsConfiguration (no authorizer on OPTIONS)', async () => {
    const res = await http(`${url}/notes`, {
      method: 'OPTIONS',
      headers: { ...notes, origin: 'https://notes.example.com', 'access-control-request-method': 'POST' },
    })
    assert.equal(res.status, 204)
    assert.equal(res.headers['access-control-allow-origin'], 'https://notes.example.com')
    assert.equal(res.headers['access-control-max-age'], '300')
  })

  await t.test('WebSocket: $connect refuses a client without a name; echo is a two-way route', async () => {
    const echoHost = hostOf('EchoApi')
    const denied = await refused(wsUrl(url, '/live'), { headers: { host: echoHost } })
    assert.equal(denied.status, 401)
    const ws = await openWs(t, wsUrl(url, '/live?name=ada'), { headers: { host: echoHost } })
    const reply = nextMessage(ws)
    ws.send(JSON.stringify({ action: 'echo', message: 'hello' }))
    const got = JSON.parse(await reply) as { echo: string; connectionId: string }
    assert.equal(got.echo, 'hello')
    assert.match(got.connectionId, /^[A-Za-z0-9_=-]+$/)
  })
})

test('examples/serverless: httpApi with a request authorizer and cors: true, websocket events, variables and --stage', async (t) => {
  const { url } = await startGateway(t, example('serverless', 'serverless.yml'), { source: { stage: 'qa' } })
  const api = { host: hostOf('HttpApi') }

  await t.test('GET /hello/{name}: ${file()}, ${self:}, ${sls:stage} resolved into the environment', async () => {
    const res = await http(`${url}/hello/ada`, { headers: { ...api, origin: 'https://anywhere.example' } })
    assert.equal(res.status, 200, res.text)
    assert.deepEqual(res.json(), { message: 'Hello, ada!', stage: 'qa', caller: null })
    assert.equal(res.headers['access-control-allow-origin'], '*')
  })

  await t.test('the request authorizer (simple responses) guards POST /private/greetings', async () => {
    assert.equal((await http(`${url}/private/greetings`, { method: 'POST', headers: api, body: '{}' })).status, 401)
    const wrong = await http(`${url}/private/greetings`, { method: 'POST', headers: { ...api, 'x-api-key': 'nope' }, body: '{}' })
    assert.equal(wrong.status, 403)
    const ok = await http(`${url}/private/greetings`, { method: 'POST', headers: { ...api, ...JSON_BODY, 'x-api-key': 'local-secret' }, body: '{"name":"grace"}' })
    assert.equal(ok.status, 200, ok.text)
    assert.deepEqual(ok.json(), { message: 'Hello, grace!', stage: 'qa', caller: 'key-holder' })
  })

  await t.test('websocket events: the WebSocket API is deployed to the stage; greet answers (routeResponseSelectionExpression)', async () => {
    const ws = await openWs(t, wsUrl(url, '/qa'), { headers: { host: hostOf('WebsocketsApi') } })
    const reply = nextMessage(ws)
    ws.send(JSON.stringify({ action: 'greet', name: 'linus' }))
    assert.equal(await reply, 'Hello, linus! (qa)')
  })
})

test('examples/cdk: the committed cdk.out served with `gatehouse serve cdk.out` (asset code from aws:asset:path)', async (t) => {
  const cli = spawnCli(t, ['serve', 'cdk.out', '--port', '0', '--admin-port', '0'], example('cdk'))
  const [, url] = await cli.waitFor('stdout', /Gatehouse listening on (http:\/\/[\d.]+:\d+)/)
  const greet = await http(`${url}/greet/ada`)
  assert.equal(greet.status, 200, greet.text)
  assert.deepEqual(greet.json(), { message: 'Hello, ada!', route: 'GET /greet/{name}' })
  const post = await http(`${url}/greetings`, { method: 'POST', headers: JSON_BODY, body: '{"name":"grace"}' })
  assert.deepEqual(post.json(), { message: 'Hello, grace!', route: 'POST /greetings' })
  const preflight = await http(`${url}/greetings`, {
    method: 'OPTIONS',
    headers: { origin: 'https://greeter.example.com', 'access-control-request-method': 'POST' },
  })
  assert.equal(preflight.status, 204)
  assert.equal(preflight.headers['access-control-allow-origin'], 'https://greeter.example.com')
})
