// Payload format 1.0 request events on HTTP APIs (spec 3.3, 3.4, 1.2, 1.3). Requests are
// written on a raw socket so header case and repeated headers are exactly what the test
// says; echo-v1.mjs returns the event it received.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { echo as rawEcho, type Echo as RawEcho } from '../helpers/raw-http.js'
import { startGateway, singleFunctionApi } from '../helpers/gateway.js'

const API_ID = 'testapi001'
const API_HOST = `${API_ID}.execute-api.us-east-1.amazonaws.com`
const REQUEST_ID = /^[A-Za-z0-9_-]{15}=$/
const CLF_TIME = /^\d{2}\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/

interface EventV1 {
  version: string
  resource: string
  path: string
  httpMethod: string
  headers: Record<string, string>
  multiValueHeaders: Record<string, string[]>
  queryStringParameters: Record<string, string> | null
  multiValueQueryStringParameters: Record<string, string[]> | null
  requestContext: Record<string, unknown> & {
    identity: Record<string, unknown>
    requestId: string
    extendedRequestId: string
    requestTime: string
    requestTimeEpoch: number
  }
  pathParameters: Record<string, string> | null
  stageVariables: Record<string, string> | null
  body: string | null
  isBase64Encoded: boolean
}

type Echo = RawEcho<EventV1>
const echo = (...args: Parameters<typeof rawEcho>): Promise<Echo> => rawEcho<EventV1>(...args)

async function echoGateway(t: TestContext, options: { routeKeys?: readonly string[]; stages?: readonly object[] } = {}): Promise<string> {
  const { url } = await startGateway(
    t,
    singleFunctionApi({
      handler: 'echo-v1.handler',
      apiId: API_ID,
      payloadFormatVersion: '1.0',
      routeKeys: options.routeKeys ?? ['$default'],
      ...(options.stages !== undefined ? { stages: options.stages } : {}),
    })
  )
  return url
}

function clf(epochMillis: number): string {
  const d = new Date(epochMillis)
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  const p = (n: number) => String(n).padStart(2, '0')
  return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
}

const IDENTITY_KEYS = [
  'accessKey', 'accountId', 'caller', 'cognitoAuthenticationProvider', 'cognitoAuthenticationType', 'cognitoIdentityId',
  'cognitoIdentityPoolId', 'principalOrgId', 'sourceIp', 'user', 'userAgent', 'userArn',
]

test('a GET on a named stage produces the REST-style 1.0 event with version "1.0"', async (t) => {
  const url = await echoGateway(t, { routeKeys: ['GET /items/{id}'], stages: [{ stageName: 'dev', stageVariables: { color: 'blue' } }] })
  const { event, response, sentAt, answeredAt } = await echo(url, 'GET', '/dev/items/42?view=full', [
    ['Host', API_HOST],
    ['User-Agent', 'curl/7.58.0'],
    ['Accept', '*/*'],
  ])
  assert.deepEqual(Object.keys(event).sort(), [
    'body', 'headers', 'httpMethod', 'isBase64Encoded', 'multiValueHeaders', 'multiValueQueryStringParameters', 'path', 'pathParameters',
    'queryStringParameters', 'requestContext', 'resource', 'stageVariables', 'version',
  ])
  assert.equal(event.version, '1.0')
  assert.equal(event.resource, '/items/{id}')
  assert.equal(event.path, '/dev/items/42')
  assert.equal(event.httpMethod, 'GET')
  assert.deepEqual(event.pathParameters, { id: '42' })
  assert.deepEqual(event.stageVariables, { color: 'blue' })
  assert.deepEqual(event.queryStringParameters, { view: 'full' })
  assert.deepEqual(event.multiValueQueryStringParameters, { view: ['full'] })
  assert.equal(event.body, null)
  assert.equal(event.isBase64Encoded, false)
  assert.equal(event.headers['host'], API_HOST)
  assert.equal(event.headers['user-agent'], 'curl/7.58.0')
  assert.deepEqual(event.multiValueHeaders['accept'], ['*/*'])

  const rc = event.requestContext
  assert.deepEqual(Object.keys(rc).sort(), [
    'accountId', 'apiId', 'authorizer', 'domainName', 'domainPrefix', 'extendedRequestId', 'httpMethod', 'identity', 'path', 'protocol',
    'requestId', 'requestTime', 'requestTimeEpoch', 'resourceId', 'resourcePath', 'stage',
  ])
  assert.match(rc.requestId, REQUEST_ID)
  assert.deepEqual(response.headers.get('apigw-requestid'), [rc.requestId])
  assert.match(rc.requestTime, CLF_TIME)
  assert.equal(rc.requestTime, clf(rc.requestTimeEpoch))
  assert.ok(rc.requestTimeEpoch >= sentAt - 1000 && rc.requestTimeEpoch <= answeredAt + 1000)
  assert.deepEqual(Object.keys(rc.identity).sort(), IDENTITY_KEYS)
  assert.deepEqual(rc, {
    accountId: '123456789012',
    apiId: API_ID,
    authorizer: { claims: null, scopes: null },
    domainName: API_HOST,
    domainPrefix: API_ID,
    extendedRequestId: rc.requestId,
    httpMethod: 'GET',
    identity: {
      accessKey: null,
      accountId: null,
      caller: null,
      cognitoAuthenticationProvider: null,
      cognitoAuthenticationType: null,
      cognitoIdentityId: null,
      cognitoIdentityPoolId: null,
      principalOrgId: null,
      sourceIp: '127.0.0.1',
      user: null,
      userAgent: 'curl/7.58.0',
      userArn: null,
    },
    path: '/dev/items/42',
    protocol: 'HTTP/1.1',
    requestId: rc.requestId,
    requestTime: rc.requestTime,
    requestTimeEpoch: rc.requestTimeEpoch,
    resourceId: null,
    resourcePath: '/items/{id}',
    stage: 'dev',
  })
})

test('extendedRequestId equals requestId, and requestTimeEpoch is in milliseconds', async (t) => {
  const url = await echoGateway(t)
  const { event, response } = await echo(url, 'GET', '/', [['Host', API_HOST]])
  const rc = event.requestContext
  assert.equal(rc.extendedRequestId, rc.requestId)
  assert.deepEqual(response.headers.get('apigw-requestid'), [rc.requestId])
  assert.ok(Number.isInteger(rc.requestTimeEpoch) && rc.requestTimeEpoch > 1e12, `requestTimeEpoch ${rc.requestTimeEpoch} is not in ms`)
})

test('pathParameters, stageVariables, body and both query maps are null when absent', async (t) => {
  const url = await echoGateway(t)
  const { event } = await echo(url, 'GET', '/anything', [['Host', API_HOST]])
  assert.equal(event.pathParameters, null)
  assert.equal(event.stageVariables, null)
  assert.equal(event.body, null)
  assert.equal(event.queryStringParameters, null)
  assert.equal(event.multiValueQueryStringParameters, null)
  assert.equal(event.isBase64Encoded, false)
  assert.equal(event.requestContext['stage'], '$default')
  assert.equal(event.path, '/anything')
})

test('multiValueHeaders lists every value of a repeated header under its lower-case name', async (t) => {
  const url = await echoGateway(t)
  const { event } = await echo(url, 'GET', '/', [
    ['Host', API_HOST],
    ['X-Multi', 'first'],
    ['x-multi', 'second'],
    ['X-Single', 'Only One'],
  ])
  assert.deepEqual(event.multiValueHeaders['x-multi'], ['first', 'second'])
  assert.deepEqual(event.multiValueHeaders['x-single'], ['Only One'])
  assert.deepEqual(event.multiValueHeaders['host'], [API_HOST])
  for (const name of [...Object.keys(event.headers), ...Object.keys(event.multiValueHeaders)]) {
    assert.equal(name, name.toLowerCase(), `header name ${name} is not lower case`)
  }
  assert.deepEqual(Object.keys(event.headers).sort(), Object.keys(event.multiValueHeaders).sort())
})

test('headers keeps the last value of a repeated header (provisional)', async (t) => {
  const url = await echoGateway(t)
  const { event } = await echo(url, 'GET', '/', [['Host', API_HOST], ['X-Multi', 'first'], ['X-Multi', 'second']])
  assert.equal(event.headers['x-multi'], 'second')
})

test('multiValueQueryStringParameters lists every value, decoded', async (t) => {
  const url = await echoGateway(t)
  const { event } = await echo(url, 'GET', '/search?tag=a&tag=b%20c&q=caf%C3%A9', [['Host', API_HOST]])
  assert.deepEqual(event.multiValueQueryStringParameters, { tag: ['a', 'b c'], q: ['café'] })
  assert.equal(event.queryStringParameters?.['q'], 'café')
})

test('queryStringParameters keeps the last value of a repeated name (provisional)', async (t) => {
  const url = await echoGateway(t)
  const { event } = await echo(url, 'GET', '/search?tag=a&tag=b&tag=c', [['Host', API_HOST]])
  assert.deepEqual(event.queryStringParameters, { tag: 'c' })
})

test('the cookie header stays in headers in payload 1.0', async (t) => {
  const url = await echoGateway(t)
  const { event } = await echo(url, 'GET', '/', [['Host', API_HOST], ['Cookie', 'a=1; b=2']])
  assert.equal(event.headers['cookie'], 'a=1; b=2')
  assert.deepEqual(event.multiValueHeaders['cookie'], ['a=1; b=2'])
  assert.ok(!('cookies' in event))
})

test('a JSON request body is a plain string with isBase64Encoded false', async (t) => {
  const url = await echoGateway(t)
  const body = Buffer.from('{"name":"wörld"}')
  const { event } = await echo(url, 'POST', '/', [['Host', API_HOST], ['Content-Type', 'application/json'], ['Content-Length', String(body.length)]], body)
  assert.equal(event.body, '{"name":"wörld"}')
  assert.equal(event.isBase64Encoded, false)
  assert.equal(event.httpMethod, 'POST')
})

test('a binary request body is base64-encoded as in payload 2.0 (provisional)', async (t) => {
  const url = await echoGateway(t)
  const body = Buffer.from([0, 1, 2, 253, 254, 255, 10, 13])
  const { event } = await echo(url, 'POST', '/', [['Host', API_HOST], ['Content-Type', 'application/octet-stream'], ['Content-Length', String(body.length)]], body)
  assert.equal(event.isBase64Encoded, true)
  assert.ok(Buffer.from(event.body ?? '', 'base64').equals(body))
})

test('resource and resourcePath of the $default route are the request path (provisional)', async (t) => {
  const url = await echoGateway(t)
  const { event } = await echo(url, 'GET', '/some/path', [['Host', API_HOST]])
  assert.equal(event.resource, '/some/path')
  assert.equal(event.requestContext['resourcePath'], '/some/path')
  assert.equal(event.path, '/some/path')
})

test('a greedy route gives its template as resource and the captured rest of the path as the parameter', async (t) => {
  const url = await echoGateway(t, { routeKeys: ['ANY /files/{proxy+}'] })
  const { event } = await echo(url, 'PUT', '/files/a/b/c', [['Host', API_HOST], ['Content-Length', '0']])
  assert.equal(event.resource, '/files/{proxy+}')
  assert.equal(event.requestContext['resourcePath'], '/files/{proxy+}')
  assert.deepEqual(event.pathParameters, { proxy: 'a/b/c' })
  assert.equal(event.httpMethod, 'PUT')
  assert.equal(event.requestContext['httpMethod'], 'PUT')
})
