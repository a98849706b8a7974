// The web console's server side (issue 14) through real sockets: a real gateway with its admin
// listener, an undici server-sent events client as the console's live list, and real requests
// to the data plane. Pins: nothing is recorded while no console listens; a recorded request
// carries its Lambda event and raw result, authorizer decision, function log lines and
// access-log line; secrets are masked everywhere; replay sends the original secrets; the access
// token beyond loopback; OpenAPI export; the last reload's problems with file and line.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { singleFunctionApi, startGateway } from '../helpers/gateway.js'
import { http } from '../helpers/http.js'
import { openSse, type SseClient } from '../helpers/sse-client.js'
import { generateSigningKey, signToken, startOidcServer } from '../helpers/oidc-server.js'
import { handlersDir } from '../helpers/paths.js'
import { MASKED_VALUE, MAX_INSPECTED_REQUESTS, MAX_JOURNAL_BYTES } from '../../src/observability/index.js'
import { CONSOLE_TOKEN_HEADER, MAX_BATCH_BYTES, MAX_UNSENT_EVENT_BYTES } from '../../src/console/index.js'
import { startUpstream } from '../helpers/upstream.js'

/** The console API takes JSON bodies only (a cross-site form cannot send this type without a preflight). */
const JSON_TYPE = { 'content-type': 'application/json' }

const SECRET_TOKEN = 'Bearer secret-token-value-1234'
const SECRET_COOKIE = 'session=cookie-secret-5678; theme=dark'

function consoleConfig(issuer: string, accessLogFile: string): object {
  return {
    functions: { echo: { handler: 'echo.handler' }, chatty: { handler: 'lambda-console.handler' }, logger: { handler: 'log-event.handler' } },
    apis: [
      {
        name: 'console-api',
        apiId: 'consoleapi1',
        routes: [
          { routeKey: 'GET /echo', target: 'integrations/echo' },
          { routeKey: 'POST /echo', target: 'integrations/echo' },
          { routeKey: 'GET /chatty', target: 'integrations/chatty' },
          { routeKey: 'GET /logged', target: 'integrations/logger' },
          { routeKey: 'GET /private', target: 'integrations/echo', authorizationType: 'JWT', authorizerId: 'jwt' },
        ],
        integrations: [
          { integrationId: 'echo', integrationType: 'AWS_PROXY', integrationUri: 'echo', payloadFormatVersion: '2.0' },
          { integrationId: 'chatty', integrationType: 'AWS_PROXY', integrationUri: 'chatty', payloadFormatVersion: '2.0' },
          { integrationId: 'logger', integrationType: 'AWS_PROXY', integrationUri: 'logger', payloadFormatVersion: '2.0' },
        ],
        authorizers: [
          { authorizerId: 'jwt', name: 'dev-jwt', authorizerType: 'JWT', identitySource: '$request.header.Authorization', jwtConfiguration: { issuer, audience: ['console-tests'] } },
        ],
        stages: [{ stageName: '$default', accessLogSettings: { format: '$context.requestId $context.routeKey $context.status', destination: accessLogFile } }],
      },
    ],
  }
}

async function setUp(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-console-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const key = await generateSigningKey('RS256')
  const oidc = await startOidcServer(t, { keys: [key] })
  const started = await startGateway(t, consoleConfig(oidc.issuer, join(dir, 'access.log')), { admin: {} })
  const admin = started.gateway.adminUrl
  return { ...started, admin, oidc, key, dir }
}

async function watch(t: TestContext, admin: string): Promise<SseClient> {
  const sse = await openSse(t, `${admin}/console/api/events`)
  await sse.next((e) => e.event === 'hello')
  return sse
}

test('nothing is recorded while no console listens; the console URL is the admin listener\'s /console/', async (t) => {
  const { gateway, url, admin } = await setUp(t)
  assert.equal(gateway.consoleUrl, `${admin}/console/`)
  assert.equal((await http(`${url}/echo`)).status, 200)
  const list = (await http(`${admin}/console/api/requests`)).json<{ requests: unknown[] }>()
  assert.deepEqual(list.requests, [])
  const page = await http(`${admin}/console/`)
  assert.equal(page.status, 200)
  assert.match(page.text, /<script type="importmap">/)
  for (const vendor of ['preact.mjs', 'hooks.mjs', 'htm.mjs', 'htm-preact.mjs']) {
    const res = await http(`${admin}/console/vendor/${vendor}`)
    assert.equal(res.status, 200, vendor)
    assert.match(String(res.headers['content-type']), /javascript/)
  }
})

test('a watched request streams its summary and keeps its event, raw result, function logs and access-log line, secrets masked', async (t) => {
  const { url, admin } = await setUp(t)
  const sse = await watch(t, admin)
  const sent = await http(`${url}/echo?x=1`, { headers: { authorization: SECRET_TOKEN, cookie: SECRET_COOKIE, 'x-plain': 'visible' } })
  assert.equal(sent.status, 200)
  const requestId = String(sent.headers['apigw-requestid'])
  const summary = await sse.record<Record<string, unknown>>('requests', (r) => r['id'] === requestId)
  assert.equal(summary['method'], 'GET')
  assert.equal(summary['path'], '/echo')
  assert.equal(summary['query'], 'x=1')
  assert.equal(summary['routeKey'], 'GET /echo')
  assert.equal(summary['stage'], '$default')
  assert.equal(summary['status'], 200)
  assert.equal(summary['error'], null)

  const detail = await http(`${admin}/console/api/requests/${requestId}`)
  assert.equal(detail.status, 200)
  for (const secret of ['secret-token-value-1234', 'cookie-secret-5678']) assert.ok(!detail.text.includes(secret), `${secret} is masked`)
  const d = detail.json<Record<string, any>>()
  assert.deepEqual(d['requestHeaders'].find(([n]: [string]) => n === 'authorization'), ['authorization', MASKED_VALUE])
  assert.deepEqual(d['requestHeaders'].find(([n]: [string]) => n === 'x-plain'), ['x-plain', 'visible'])
  const lambdaEvent = JSON.parse(d['lambda'].event)
  assert.equal(lambdaEvent.routeKey, 'GET /echo')
  assert.equal(lambdaEvent.headers.authorization, MASKED_VALUE)
  assert.equal(lambdaEvent.headers['x-plain'], 'visible')
  assert.equal(d['lambda'].outcome, 'ok')
  assert.equal(JSON.parse(d['lambda'].result).statusCode, 200)
  assert.equal(d['integration'].type, 'AWS_PROXY')
  assert.match(d['accessLogLine'], new RegExp(`^${requestId} GET /echo 200$`))

  const chatty = await http(`${url}/chatty`)
  const awsRequestId = chatty.text
  const chattyId = String(chatty.headers['apigw-requestid'])
  await sse.record<string>('function-logs', (l) => l.startsWith(`REPORT RequestId: ${awsRequestId}`))
  const logs = (await http(`${admin}/console/api/requests/${chattyId}`)).json<{ functionLogs: string[] }>().functionLogs
  assert.ok(logs.some((l) => l.startsWith(`START RequestId: ${awsRequestId}`)))
  assert.ok(logs.some((l) => l.includes('\tINFO\tinfo line')))
  assert.ok(logs.some((l) => l.startsWith(`REPORT RequestId: ${awsRequestId}`)))
})

test('secrets a function logs are masked in the live feed, the log tail and the request detail', async (t) => {
  const { url, admin } = await setUp(t)
  const sse = await watch(t, admin)
  const sent = await http(`${url}/logged`, { headers: { authorization: SECRET_TOKEN, cookie: SECRET_COOKIE } })
  assert.equal(sent.status, 200)
  const awsRequestId = sent.text
  await sse.record<string>('function-logs', (l) => l.startsWith(`REPORT RequestId: ${awsRequestId}`))
  const secrets = ['secret-token-value-1234', 'cookie-secret-5678']
  const streamed = sse.records<string>('function-logs').filter((l) => l.includes(awsRequestId))
  const tail = (await http(`${admin}/console/api/functions`)).json<{ tail: string[] }>().tail.filter((l) => l.includes(awsRequestId))
  const detail = (await http(`${admin}/console/api/requests/${String(sent.headers['apigw-requestid'])}`)).json<{ functionLogs: string[] }>().functionLogs
  for (const [where, lines] of [['live feed', streamed], ['log tail', tail], ['request detail', detail]] as const) {
    const logged = lines.find((l) => l.includes('authorization was'))
    assert.ok(logged !== undefined, `${where}: the handler's line is there`)
    assert.ok(logged.endsWith(`authorization was ${MASKED_VALUE}`), `${where}: ${logged}`)
    assert.ok(lines.some((l) => l.includes('"routeKey":"GET /logged"') && l.includes(MASKED_VALUE)), `${where}: the logged event, masked`)
    for (const line of lines) for (const secret of secrets) assert.ok(!line.includes(secret), `${where}: ${secret} is masked in ${line}`)
  }
})

test('gateway answers carry $context.error values; the JWT authorizer\'s failed check and claims are recorded', async (t) => {
  const { url, admin, oidc, key } = await setUp(t)
  const sse = await watch(t, admin)
  const missing = await http(`${url}/nowhere`)
  const notFound = await sse.record<{ id: string; error: unknown }>('requests', (r) => r.id === missing.headers['apigw-requestid'])
  assert.deepEqual(notFound.error, { responseType: 'RESOURCE_NOT_FOUND', message: 'Not Found' })

  const now = Math.floor(Date.now() / 1000)
  const wrongAudience = await signToken(key, { iss: oidc.issuer, aud: 'someone-else', sub: 'alice', iat: now, exp: now + 600 })
  const refused = await http(`${url}/private`, { headers: { authorization: `Bearer ${wrongAudience}` } })
  assert.equal(refused.status, 401)
  const refusedDetail = (await http(`${admin}/console/api/requests/${String(refused.headers['apigw-requestid'])}`)).json<Record<string, any>>()
  assert.equal(refusedDetail['authorizer'].type, 'JWT')
  assert.equal(refusedDetail['authorizer'].response.authorized, false)
  assert.equal(refusedDetail['authorizer'].response.failedCheck, 'the token does not have a valid audience')
  assert.equal(refusedDetail['authorizer'].input.claims.sub, 'alice')
  assert.equal(refusedDetail['authorizerError'], 'the token does not have a valid audience')

  const good = await signToken(key, { iss: oidc.issuer, aud: 'console-tests', sub: 'bob', iat: now, exp: now + 600 })
  const allowed = await http(`${url}/private`, { headers: { authorization: `Bearer ${good}` } })
  assert.equal(allowed.status, 200)
  const allowedDetail = await http(`${admin}/console/api/requests/${String(allowed.headers['apigw-requestid'])}`)
  assert.ok(!allowedDetail.text.includes(good), 'the token is masked')
  assert.equal(allowedDetail.json<Record<string, any>>()['authorizer'].response.claims.sub, 'bob')
})

test('replay sends the request again with its original secrets; an edited replay changes what is sent', async (t) => {
  const { url, admin } = await setUp(t)
  const sse = await watch(t, admin)
  const first = await http(`${url}/echo`, { method: 'POST', body: 'hello', headers: { authorization: SECRET_TOKEN, 'content-type': 'text/plain' } })
  const id = String(first.headers['apigw-requestid'])
  await sse.record<{ id: string }>('requests', (r) => r.id === id)

  const replayed = (await http(`${admin}/console/api/requests/${id}/replay`, { method: 'POST' })).json<{ status: number; body: string; headers: [string, string][] }>()
  assert.equal(replayed.status, 200)
  const echoed = JSON.parse(replayed.body)
  assert.equal(echoed.body, 'hello')
  assert.equal(echoed.headers.authorization, SECRET_TOKEN, 'the original token, not the mask, is sent')
  const replayId = replayed.headers.find(([n]) => n === 'apigw-requestid')?.[1]
  assert.ok(replayId !== undefined && replayId !== id)
  await sse.record<{ id: string }>('requests', (r) => r.id === replayId)

  const detail = (await http(`${admin}/console/api/requests/${id}`)).json<{ requestHeaders: [string, string][] }>()
  const edited = await http(`${admin}/console/api/requests/${id}/replay`, {
    method: 'POST',
    headers: JSON_TYPE,
    body: JSON.stringify({ method: 'POST', target: '/echo?edited=yes', headers: [...detail.requestHeaders, ['x-edited', '1']], body: 'changed' }),
  })
  const e = JSON.parse(edited.json<{ body: string }>().body)
  assert.equal(e.body, 'changed')
  assert.equal(e.rawQueryString, 'edited=yes')
  assert.equal(e.headers['x-edited'], '1')
  assert.equal(e.headers.authorization, SECRET_TOKEN, 'a header left masked is sent with its original value')

  const bad = await http(`${admin}/console/api/requests/${id}/replay`, { method: 'POST', headers: JSON_TYPE, body: '{"headers": "nope"}' })
  assert.equal(bad.status, 400)
  assert.match(bad.json<{ message: string }>().message, /headers must be a list/)
  assert.equal((await http(`${admin}/console/api/requests/no-such-id/replay`, { method: 'POST' })).status, 404)
})

test('the inspector keeps a bounded number of requests', async (t) => {
  const { url, admin } = await setUp(t)
  const sse = await watch(t, admin)
  const extra = 5
  let lastId = ''
  for (let i = 0; i < MAX_INSPECTED_REQUESTS + extra; i++) lastId = String((await http(`${url}/nowhere-${i}`)).headers['apigw-requestid'])
  await sse.record<{ id: string }>('requests', (r) => r.id === lastId)
  const list = (await http(`${admin}/console/api/requests`)).json<{ requests: Array<{ path: string }> }>().requests
  assert.equal(list.length, MAX_INSPECTED_REQUESTS)
  assert.equal(list[0]?.path, `/nowhere-${extra}`)
})

test('APIs, routes and OpenAPI export; the last reload\'s problems name file and line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-console-reload-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  copyFileSync(join(handlersDir, 'echo.mjs'), join(dir, 'echo.mjs'))
  const file = join(dir, 'gatehouse.yaml')
  const good = `functions:\n  echo:\n    handler: echo.handler\napis:\n  - name: reloadable\n    apiId: reloadapi1\n    routes:\n      - routeKey: GET /pets/{id}\n        target: integrations/echo\n    integrations:\n      - integrationId: echo\n        integrationType: AWS_PROXY\n        integrationUri: echo\n        payloadFormatVersion: "2.0"\n    corsConfiguration:\n      allowOrigins: ["https://example.com"]\n`
  writeFileSync(file, good)
  const { gateway } = await startGateway(t, file, { admin: {} })
  const admin = gateway.adminUrl
  const config = (await http(`${admin}/console/api/config`)).json<Record<string, any>>()
  assert.equal(config['reload'].ok, true)
  const api = config['config'].apis[0]
  assert.equal(api.apiId, 'reloadapi1')
  assert.deepEqual(api.cors.allowOrigins, ['https://example.com'])
  assert.equal(api.routes[0].routeKey, 'GET /pets/{id}')
  assert.equal(api.routes[0].integration.integrationType, 'AWS_PROXY')
  assert.equal(api.routes[0].authorization.type, 'NONE')

  const openapi = await http(`${admin}/console/api/openapi/reloadapi1`)
  assert.equal(openapi.status, 200)
  const doc = openapi.json<Record<string, any>>()
  assert.equal(doc['openapi'], '3.0.1')
  assert.equal(doc['paths']['/pets/{id}'].get['x-amazon-apigateway-integration'].type, 'aws_proxy')
  assert.deepEqual(doc['paths']['/pets/{id}'].get.parameters, [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }])
  assert.deepEqual(doc['x-amazon-apigateway-cors'].allowOrigins, ['https://example.com'])
  assert.equal((await http(`${admin}/console/api/openapi/nope`)).status, 404)

  writeFileSync(file, good.replace('routeKey: GET /pets/{id}', 'routeKey: FETCH /pets/{id}'))
  const result = await gateway.reload()
  assert.equal(result.ok, false)
  const after = (await http(`${admin}/console/api/config`)).json<Record<string, any>>()
  assert.equal(after['reload'].ok, false)
  const issue = after['reload'].issues[0]
  assert.equal(issue.file, file)
  assert.equal(issue.line, 8)
  assert.match(issue.path, /routes\[0\]\.routeKey/)
  assert.equal(after['config'].apis[0].routes[0].routeKey, 'GET /pets/{id}', 'the previous configuration still serves')
})

test('beyond loopback the console needs the access token printed at start', async (t) => {
  const { gateway } = await startGateway(t, singleFunctionApi({ handler: 'echo.handler' }), { admin: { host: '0.0.0.0' } })
  const consoleUrl = new URL(gateway.consoleUrl)
  const token = consoleUrl.searchParams.get('token')
  assert.ok(token !== null && token.length >= 20)
  const base = `http://127.0.0.1:${consoleUrl.port}`
  assert.equal((await http(`${base}/console/`)).status, 401)
  assert.equal((await http(`${base}/console/api/requests`)).status, 401)
  assert.equal((await http(`${base}/console/api/requests`, { headers: { [CONSOLE_TOKEN_HEADER]: 'wrong' } })).status, 401)
  assert.equal((await http(`${base}/console/api/requests`, { headers: { [CONSOLE_TOKEN_HEADER]: token } })).status, 200)
  const page = await http(`${base}/console/?token=${token}`)
  assert.equal(page.status, 200)
  const cookie = String(page.headers['set-cookie']).split(';')[0] as string
  assert.equal((await http(`${base}/console/api/config`, { headers: { cookie } })).status, 200)
  // The rest of the admin listener is unchanged.
  assert.equal((await http(`${base}/healthz`)).status, 200)
})

test('the console can be turned off', async (t) => {
  const { gateway } = await startGateway(t, singleFunctionApi({ handler: 'echo.handler' }), { admin: {}, console: false })
  assert.equal(gateway.consoleUrl, '')
  assert.equal((await http(`${gateway.adminUrl}/console/`)).status, 404)
})

test('a Lambda authorizer\'s event, response and cache hit; an HTTP_PROXY exchange and the parameter mapping applied', async (t) => {
  const upstream = await startUpstream(t)
  const config = {
    functions: { authz: { handler: 'authz-scripted.handler' }, echo: { handler: 'authz-echo.handler' } },
    apis: [
      {
        name: 'traced',
        apiId: 'tracedapi1',
        routes: [
          { routeKey: 'GET /guarded', target: 'integrations/echo', authorizationType: 'CUSTOM', authorizerId: 'lambda' },
          { routeKey: 'GET /proxy/{item}', target: 'integrations/backend' },
        ],
        integrations: [
          { integrationId: 'echo', integrationType: 'AWS_PROXY', integrationUri: 'echo', payloadFormatVersion: '2.0' },
          {
            integrationId: 'backend',
            integrationType: 'HTTP_PROXY',
            integrationMethod: 'GET',
            integrationUri: `${upstream.origin}/items/{item}`,
            payloadFormatVersion: '1.0',
            requestParameters: { 'append:header.x-mapped': '$request.path.item' },
          },
        ],
        authorizers: [
          {
            authorizerId: 'lambda', name: 'lambda', authorizerType: 'REQUEST', authorizerUri: 'authz', authorizerPayloadFormatVersion: '2.0',
            enableSimpleResponses: true, identitySource: ['$request.header.x-user'], authorizerResultTtlInSeconds: 300,
          },
        ],
      },
    ],
  }
  const { url, gateway } = await startGateway(t, config, { admin: {} })
  const admin = gateway.adminUrl
  const sse = await watch(t, admin)
  const detailOf = async (res: { headers: Record<string, unknown> }): Promise<Record<string, any>> => {
    const id = String(res.headers['apigw-requestid'])
    await sse.record<{ id: string }>('requests', (r) => r.id === id)
    return (await http(`${admin}/console/api/requests/${id}`)).json()
  }

  const first = await detailOf(await http(`${url}/guarded`, { headers: { 'x-user': 'u1' } }))
  assert.equal(first['status'], 200)
  assert.equal(first['authorizer'].type, 'REQUEST')
  assert.equal(first['authorizer'].cached, false)
  assert.equal(first['authorizer'].input.type, 'REQUEST', 'the authorizer event')
  assert.deepEqual(first['authorizer'].input.identitySource, ['u1'])
  assert.deepEqual(first['authorizer'].response, { kind: 'simple', isAuthorized: true })
  const second = await detailOf(await http(`${url}/guarded`, { headers: { 'x-user': 'u1' } }))
  assert.equal(second['authorizer'].cached, true)

  const proxied = await detailOf(await http(`${url}/proxy/42`, { headers: { authorization: SECRET_TOKEN } }))
  assert.equal(proxied['status'], 200)
  assert.equal(proxied['integration'].type, 'HTTP_PROXY')
  assert.equal(proxied['upstream'].method, 'GET')
  assert.equal(proxied['upstream'].url, `${upstream.origin}/items/42`)
  assert.equal(proxied['upstream'].status, 200)
  assert.ok(proxied['upstream'].headers.some(([n, v]: [string, string]) => n === 'x-mapped' && v === '42'))
  assert.ok(proxied['upstream'].headers.some(([n, v]: [string, string]) => n === 'authorization' && v === MASKED_VALUE), 'the forwarded token is masked')
  assert.ok(proxied['requestMapping'].headers.some(([n, v]: [string, string]) => n === 'x-mapped' && v === '42'))
  assert.equal(proxied['responseBody'], null, 'a streamed backend body is not kept')
})

test('a console client that stops reading holds bounded gateway memory, then is told how many records it missed', async (t) => {
  const { url, admin } = await setUp(t)
  // A raw socket that sends the request and stops reading: the server's writes pile up.
  const { connect } = await import('node:net')
  const { port } = new URL(admin)
  const socket = connect(Number(port), '127.0.0.1')
  t.after(() => socket.destroy())
  socket.pause()
  socket.on('error', () => undefined)
  socket.write(`GET /console/api/events HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`)
  const watcher = await watch(t, admin)
  interface Listing { consoleClients: number; consoleStreams: Array<{ unsentBytes: number; droppedRecords: number }>; liveFeedBytes: number }
  const listing = async (): Promise<Listing> => (await http(`${admin}/console/api/requests`)).json<Listing>()
  for (let i = 0; (await listing()).consoleClients !== 2; i++) {
    assert.ok(i < 200, 'both console clients subscribe')
    await new Promise((r) => setTimeout(r, 10))
  }
  // Requests with a long path (about 9 KB each in the feed) until the stalled client has
  // missed some: first the kernel's socket buffers fill, then the bytes waiting in the
  // gateway reach the bound, then the live feed drops what it has not read.
  const long = 'x'.repeat(9_000)
  const wrote = MAX_UNSENT_EVENT_BYTES + MAX_BATCH_BYTES + 64 * 1024
  let missed = 0
  // Sixteen at a time: the kernel's buffers on loopback hold tens of megabytes.
  for (let round = 0; round < 2_000 && missed === 0; round++) {
    const sent = await Promise.all(Array.from({ length: 16 }, (_, j) => http(`${url}/${long}-${round}-${j}`)))
    for (const res of sent) {
      assert.equal(res.status, 404)
      await watcher.record<{ id: string }>('requests', (r) => r.id === res.headers['apigw-requestid'])
    }
    if (round % 4 === 3) {
      const now = await listing()
      for (const stream of now.consoleStreams) assert.ok(stream.unsentBytes <= wrote, `${stream.unsentBytes} bytes wait for a client: at most ${wrote}`)
      assert.ok(now.liveFeedBytes <= MAX_JOURNAL_BYTES + 16 * 1024, `the live feed holds ${now.liveFeedBytes} bytes: at most about ${MAX_JOURNAL_BYTES}`)
      missed = Math.max(...now.consoleStreams.map((s) => s.droppedRecords))
    }
  }
  assert.ok(missed > 0, 'the stalled client missed records rather than the gateway holding them')
  assert.equal((await listing()).consoleClients, 2, 'a slow client stays connected')
  assert.ok(watcher.events.every((e) => e.event !== 'dropped'), 'the client that kept up missed nothing')

  // It reads again: the drop marker comes first, then the live requests.
  let text = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => (text += chunk))
  socket.resume()
  const marker = /event: dropped\ndata: \{"dropped":(\d+)\}/
  for (let i = 0; !marker.test(text); i++) {
    assert.ok(i < 1000, 'the drop marker arrives')
    await new Promise((r) => setTimeout(r, 10))
  }
  assert.ok(Number(marker.exec(text)?.[1]) >= missed)
  const after = await http(`${url}/after-the-stall`)
  const afterId = String(after.headers['apigw-requestid'])
  for (let i = 0; !text.includes(afterId); i++) {
    assert.ok(i < 1000, 'live requests flow again after the marker')
    await new Promise((r) => setTimeout(r, 10))
  }
})

test('iam secrets never appear in the console\'s view of the configuration', async (t) => {
  const secret = 'consoleSecret/Zp9Utk/h3yCo8nvbEXAMPLEKEY'
  const sessionToken = 'FwoGZXIvYXdzEBYaDH+console/token=='
  const config = {
    ...(singleFunctionApi({ handler: 'echo.handler' }) as Record<string, unknown>),
    iam: { credentials: [{ accessKeyId: 'AKIACONSOLE000000001', secretAccessKey: secret, accountId: '444455556666', userArn: 'arn:aws:iam::444455556666:user/alice', sessionToken }] },
  }
  const { gateway } = await startGateway(t, config, { admin: {} })
  const view = await http(`${gateway.adminUrl}/console/api/config`)
  assert.equal(view.status, 200)
  assert.ok(view.text.includes('AKIACONSOLE000000001'))
  assert.ok(!view.text.includes(secret), 'the secret key is masked')
  assert.ok(!view.text.includes('console/token'), 'the session token is left out')
  assert.ok(view.text.includes(MASKED_VALUE))
})

test('on loopback the console refuses other host names and cross-site writes', async (t) => {
  const { url, admin } = await setUp(t)
  const rebound = await http(`${admin}/console/api/requests`, { headers: { host: 'attacker.example:80' } })
  assert.equal(rebound.status, 403)
  assert.equal((await http(`${admin}/console/api/requests`, { headers: { host: `localhost:${new URL(admin).port}` } })).status, 200)
  const crossSite = await http(`${admin}/console/api/send`, { method: 'POST', headers: { ...JSON_TYPE, origin: 'https://attacker.example' }, body: '{"target":"/echo"}' })
  assert.equal(crossSite.status, 403)
  const plainForm = await http(`${admin}/console/api/send`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"target":"/echo"}' })
  assert.equal(plainForm.status, 415)
  const sameOrigin = await http(`${admin}/console/api/send`, { method: 'POST', headers: { ...JSON_TYPE, origin: admin }, body: '{"target":"/echo"}' })
  assert.equal(sameOrigin.status, 200)
  assert.equal(sameOrigin.json<{ status: number }>().status, 200)
  void url
})
