// Public sample projects copied unchanged into test/fixtures/samples/<name>/ (each with its
// licence and a SOURCE.md naming repository, path and commit), served as they stand. Every
// route answers as the sample's handler says.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { loadConfigFile } from '../../src/config/index.js'
import { startGateway } from '../helpers/gateway.js'
import { http } from '../helpers/http.js'
import { fixturesDir } from '../helpers/paths.js'
import { nextMessage, openWs, waitFor, wsUrl } from '../helpers/ws-client.js'
import { SERVERLESS_WEBSOCKET_LOG_FORMAT } from '../../src/sources/stack/serverless.js'

const sample = (...parts: string[]): string => join(fixturesDir, 'samples', ...parts)
const warningsOf = (file: string): string[] => {
  const r = loadConfigFile(file)
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues))
  return r.config.warnings.map((w) => w.message)
}

test('aws-samples/serverless-patterns apigw-http-api-lambda (SAM, ApiGatewayV2 quick create, nodejs24.x)', async (t) => {
  const { url } = await startGateway(t, sample('sam-apigw-http-api-lambda', 'template.yml'))
  const res = await http(`${url}/anything/here?x=1`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'x-forwarded-for': '203.0.113.9' },
    body: 'hello',
  })
  assert.equal(res.status, 200, res.text)
  // The handler echoes parts of the 2.0 event, pretty-printed.
  assert.equal(res.text, JSON.stringify({
    functionName: 'apigw-http-api-lambda-function',
    xForwardedFor: '203.0.113.9, 127.0.0.1', // API Gateway appends the client's address
    contentType: 'text/plain',
    method: 'POST',
    rawPath: '/anything/here',
    queryString: { x: '1' },
    body: 'hello',
  }, null, 2))
  // The quick-create $default route matches OPTIONS too, so a preflight reaches the function
  // (only an unmatched preflight is answered by the gateway); CORS headers decorate its answer.
  const preflight = await http(`${url}/x`, { method: 'OPTIONS', headers: { origin: 'https://a.example', 'access-control-request-method': 'POST' } })
  assert.equal(preflight.status, 200)
  assert.equal((preflight.json() as { method: string }).method, 'OPTIONS')
  assert.equal(preflight.headers['access-control-allow-origin'], '*')
  assert.deepEqual(warningsOf(sample('sam-apigw-http-api-lambda', 'template.yml')), [])
})

test('aws/serverless-application-model http_api_cors (SAM DefinitionBody with an HttpApi event merged in, CORS, InlineCode)', async (t) => {
  const { url } = await startGateway(t, sample('sam-http-api-cors', 'template.yaml'))
  const res = await http(`${url}/some/path`, { headers: { origin: 'https://foo.com' } })
  assert.equal(res.status, 200, res.text)
  // The inline handler returns the whole event: the event merged into the definition is the $default route.
  const event = res.json() as { routeKey: string; rawPath: string; version: string }
  assert.equal(event.routeKey, '$default')
  assert.equal(event.rawPath, '/some/path')
  assert.equal(event.version, '2.0')
  assert.equal(res.headers['access-control-allow-origin'], 'https://foo.com')
  assert.equal(res.headers['access-control-expose-headers'], 'x-amzn-header')
  assert.deepEqual(warningsOf(sample('sam-http-api-cors', 'template.yaml')), [
    `runtime nodejs12.x is deprecated by Lambda; it runs on this host's Node.js ${process.version}`,
  ])
})

test('serverless/examples aws-node-http-api (serverless.yml, httpApi object form)', async (t) => {
  const { url } = await startGateway(t, sample('serverless-aws-node-http-api', 'serverless.yml'))
  const res = await http(`${url}/`)
  assert.equal(res.status, 200, res.text)
  const body = res.json() as { message: string; input: { routeKey: string; requestContext: { stage: string } } }
  assert.equal(body.message, 'Go Serverless v3.0! Your function executed successfully!')
  assert.equal(body.input.routeKey, 'GET /')
  assert.equal(body.input.requestContext.stage, '$default')
  assert.equal((await http(`${url}/other`)).status, 404)
})

test('serverless/examples aws-node-serve-dynamic-html-via-http-endpoint (plugin named in a warning, callback handler)', async (t) => {
  const file = sample('serverless-dynamic-html', 'serverless.yml')
  const { url } = await startGateway(t, file)
  const res = await http(`${url}/landing-page?name=Ada`)
  assert.equal(res.status, 200, res.text)
  assert.equal(res.headers['content-type'], 'text/html')
  assert.match(res.text, /<h1>Landing Page<\/h1>\s*<p>Hey Ada!<\/p>/)
  assert.match((await http(`${url}/landing-page`)).text, /<p>Hey Unknown!<\/p>/)
  assert.deepEqual(warningsOf(file), [
    'plugins are not run: serverless-esbuild (would bundle handlers with esbuild; Gatehouse runs the handler files as they are)',
  ])
})

test('aws-samples/serverless-patterns apigw-http-api-lambda-ts-cdk (cdk.out, NodejsFunction asset)', async (t) => {
  const { url } = await startGateway(t, sample('cdk-apigw-http-api-lambda-ts', 'cdk.out'))
  const res = await http(`${url}/`)
  assert.equal(res.status, 200, res.text)
  assert.equal(res.text, 'Hello World!')
  assert.equal((await http(`${url}/`, { method: 'POST' })).status, 404)
})

test('aws-samples/serverless-patterns apigw-http-api-cognito-lambda-cdk (cdk.out, JWT authorizer on /protected)', async (t) => {
  const dir = sample('cdk-apigw-http-api-cognito-lambda', 'cdk.out')
  const { url } = await startGateway(t, dir)
  const open = await http(`${url}/unprotected`)
  assert.equal(open.status, 200, open.text)
  assert.equal(open.text, 'Hello Unprotected Space!')
  const none = await http(`${url}/protected`)
  assert.equal(none.status, 401)
  assert.equal(none.text, '{"message":"Unauthorized"}')
  const forged = await http(`${url}/protected`, { headers: { authorization: 'Bearer not.a.jwt' } })
  assert.equal(forged.status, 401)
  const warnings = warningsOf(dir)
  assert.ok(warnings.some((w) => w.startsWith('resources not served locally, ignored: AWS::Cognito::UserPool')), warnings.join('\n'))
})

test('serverless/serverless test/fixtures/programmatic/websocket (websocket events, two-way route, logs.websocket, callback handlers)', async (t) => {
  const file = sample('serverless-framework-websocket', 'serverless.yml')
  const { url, logs } = await startGateway(t, file)
  // The WebSocket API is deployed to the service's stage (default dev).
  const ws = await openWs(t, wsUrl(url, '/dev'))
  const hello = nextMessage(ws)
  ws.send(JSON.stringify({ action: 'hello', name: 'Ada' }))
  assert.equal(await hello, 'Hello, Ada')
  // $default (minimal) answers 200 with no body and no route response: nothing comes back, and
  // its console output shows what it was given.
  ws.send('not json')
  await waitFor('the $default handler to log the body', () => logs.some((l) => l.includes('Event body') && l.includes('not json')))
  assert.ok(logs.some((l) => l.includes('Event type') && l.includes('CONNECT')), 'the $connect invocation was logged')
  const r = loadConfigFile(file)
  assert.ok(r.ok)
  assert.equal(r.config.websocketApis[0]?.stages[0]?.accessLog?.format, SERVERLESS_WEBSOCKET_LOG_FORMAT)
  assert.deepEqual(warningsOf(file), [`runtime nodejs16.x is deprecated by Lambda; it runs on this host's Node.js ${process.version}`])
})

test('aws-samples/serverless-patterns cognito-httpapi (SAM JWT authorizer fed by a nested stack\'s Outputs)', async (t) => {
  const file = sample('sam-cognito-httpapi', 'template.yaml')
  const r = loadConfigFile(file)
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues))
  const authorizer = r.config.apis[0]?.authorizers.get('OAuth2Authorizer')
  assert.ok(authorizer !== undefined && authorizer.authorizerType === 'JWT')
  // auth.yaml's Issuer output: !Sub https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}
  assert.match(authorizer.issuer, /^https:\/\/cognito-idp\.us-east-1\.amazonaws\.com\/\S+$/)
  assert.equal(authorizer.audience.length, 1)
  assert.deepEqual(r.config.apis[0]?.routes.map((route) => [route.routeKey, route.authorizationScopes]), [['GET /', ['email']]])
  assert.ok(r.config.sourceFiles.includes(sample('sam-cognito-httpapi', 'auth.yaml')))
  const { url } = await startGateway(t, file)
  const res = await http(`${url}/`)
  assert.equal(res.status, 401)
  assert.equal(res.text, '{"message":"Unauthorized"}')
})
