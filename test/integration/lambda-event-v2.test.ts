// Payload format 2.0 request events (spec 1.2, 1.3, 3.2, 3.2.1, 16.2). Requests are written
// on a raw socket so header case, repeated headers, several Cookie headers and a missing
// Content-Type are exactly what the test says; echo.mjs returns the event it received.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { echo as rawEcho, type Echo as RawEcho } from '../helpers/raw-http.js'
import { startGateway, singleFunctionApi } from '../helpers/gateway.js'

const API_ID = 'testapi001'
const API_HOST = `${API_ID}.execute-api.us-east-1.amazonaws.com`
const ACCOUNT_ID = '123456789012'
const REQUEST_ID = /^[A-Za-z0-9_-]{15}=$/
const TRACE_ID = /^Root=1-([0-9a-f]{8})-[0-9a-f]{24}$/
const CLF_TIME = /^\d{2}\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/

interface EventV2 {
  version: string
  routeKey: string
  rawPath: string
  rawQueryString: string
  cookies?: string[]
  headers: Record<string, string>
  queryStringParameters?: Record<string, string>
  pathParameters?: Record<string, string>
  stageVariables?: Record<string, string>
  requestContext: {
    accountId: string
    apiId: string
    domainName: string
    domainPrefix: string
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string }
    requestId: string
    routeKey: string
    stage: string
    time: string
    timeEpoch: number
  }
  body?: string
  isBase64Encoded: boolean
}

type Echo = RawEcho<EventV2>
const echo = (...args: Parameters<typeof rawEcho>): Promise<Echo> => rawEcho<EventV2>(...args)

async function echoGateway(t: TestContext, options: { routeKeys?: readonly string[]; stages?: readonly object[] } = {}): Promise<string> {
  const { url } = await startGateway(
    t,
    singleFunctionApi({
      handler: 'echo.handler',
      apiId: API_ID,
      routeKeys: options.routeKeys ?? ['$default'],
      ...(options.stages !== undefined ? { stages: options.stages } : {}),
    })
  )
  return url
}

function portOf(url: string): string {
  return new URL(url).port
}

/** CLF time computed independently of the gateway's formatter. */
function clf(epochMillis: number): string {
  const d = new Date(epochMillis)
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  const p = (n: number) => String(n).padStart(2, '0')
  return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
}

const bareGet: ReadonlyArray<readonly [string, string]> = [
  ['Host', API_HOST],
  ['User-Agent', 'curl/7.58.0'],
  ['Accept', '*/*'],
]

test('a bare GET on $default produces exactly the documented 2.0 event', async (t) => {
  const url = await echoGateway(t)
  const { event, response, sentAt, answeredAt } = await echo(url, 'GET', '/', bareGet)

  assert.deepEqual(Object.keys(event).sort(), ['headers', 'isBase64Encoded', 'rawPath', 'rawQueryString', 'requestContext', 'routeKey', 'version'])
  assert.deepEqual(Object.keys(event.requestContext).sort(), [
    'accountId', 'apiId', 'domainName', 'domainPrefix', 'http', 'requestId', 'routeKey', 'stage', 'time', 'timeEpoch',
  ])

  // The values that differ per request: checked by shape and against each other.
  const { requestId, time, timeEpoch } = event.requestContext
  assert.match(requestId, REQUEST_ID)
  assert.deepEqual(response.headers.get('apigw-requestid'), [requestId])
  assert.ok(Number.isInteger(timeEpoch))
  assert.ok(timeEpoch >= sentAt - 1000 && timeEpoch <= answeredAt + 1000, `timeEpoch ${timeEpoch} is not the time of the request`)
  assert.match(time, CLF_TIME)
  assert.equal(time, clf(timeEpoch))
  const trace = TRACE_ID.exec(event.headers['x-amzn-trace-id'] ?? '')
  assert.ok(trace !== null, `x-amzn-trace-id ${event.headers['x-amzn-trace-id']} is not Root=1-{8 hex}-{24 hex}`)

  assert.deepEqual(event, {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: {
      accept: '*/*',
      'content-length': '0',
      host: API_HOST,
      'user-agent': 'curl/7.58.0',
      'x-amzn-trace-id': event.headers['x-amzn-trace-id'],
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-port': portOf(url),
      'x-forwarded-proto': 'http',
    },
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: API_ID,
      domainName: API_HOST,
      domainPrefix: API_ID,
      http: { method: 'GET', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'curl/7.58.0' },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time,
      timeEpoch,
    },
    isBase64Encoded: false,
  })
})

test('requestContext.time is CLF time in UTC and timeEpoch is the same instant in milliseconds', async (t) => {
  const url = await echoGateway(t)
  const { event, sentAt, answeredAt } = await echo(url, 'GET', '/clock', bareGet)
  const { time, timeEpoch } = event.requestContext
  assert.equal(typeof timeEpoch, 'number')
  assert.ok(Number.isInteger(timeEpoch), 'timeEpoch is an integer')
  // Milliseconds, not seconds: within a second of the wall clock at the time of the request.
  assert.ok(timeEpoch > 1e12, `timeEpoch ${timeEpoch} is not in milliseconds`)
  assert.ok(timeEpoch >= sentAt - 1000 && timeEpoch <= answeredAt + 1000)
  assert.match(time, CLF_TIME)
  assert.equal(time, clf(timeEpoch))
  const [, seconds] = TRACE_ID.exec(event.headers['x-amzn-trace-id'] ?? '') ?? []
  assert.ok(seconds !== undefined)
  // The trace id's first part is the request time in epoch seconds.
  assert.ok(Math.abs(parseInt(seconds, 16) - Math.floor(timeEpoch / 1000)) <= 1)
})

test('every request gets a different request id and trace id', async (t) => {
  const url = await echoGateway(t)
  const a = await echo(url, 'GET', '/', bareGet)
  const b = await echo(url, 'GET', '/', bareGet)
  assert.notEqual(a.event.requestContext.requestId, b.event.requestContext.requestId)
  assert.notEqual(a.event.headers['x-amzn-trace-id'], b.event.headers['x-amzn-trace-id'])
})

test('cookies, queryStringParameters, pathParameters, stageVariables and body are omitted when absent and rawQueryString is ""', async (t) => {
  const url = await echoGateway(t, { routeKeys: ['$default', 'POST /orders'], stages: [{ stageName: '$default' }, { stageName: 'dev' }] })
  for (const target of ['/', '/orders', '/dev/orders', '/dev/orders?']) {
    const method = target === '/' ? 'GET' : 'POST'
    const { event } = await echo(url, method, target, [['Host', API_HOST], ['Content-Length', '0']])
    for (const key of ['cookies', 'queryStringParameters', 'pathParameters', 'stageVariables', 'body']) {
      assert.ok(!(key in event), `${method} ${target}: "${key}" must be omitted`)
    }
    assert.equal(event.rawQueryString, '', `${method} ${target}`)
    assert.equal(event.isBase64Encoded, false, `${method} ${target}`)
    assert.equal(typeof event.headers, 'object')
  }
})

test('a request with cookies, a query string, path variables, stage variables and a body carries every optional key', async (t) => {
  const url = await echoGateway(t, {
    routeKeys: ['POST /items/{id}'],
    stages: [{ stageName: 'dev', stageVariables: { color: 'blue', table: 'orders-dev' } }],
  })
  const { event } = await echo(
    url,
    'POST',
    '/dev/items/42?a=1&a=2&b=x%20y',
    [['Host', API_HOST], ['Cookie', 'session=abc'], ['Content-Type', 'application/json'], ['Content-Length', '11']],
    Buffer.from('{"ok":true}')
  )
  assert.equal(event.routeKey, 'POST /items/{id}')
  assert.equal(event.rawPath, '/dev/items/42')
  assert.equal(event.requestContext.http.path, '/dev/items/42')
  assert.equal(event.requestContext.stage, 'dev')
  assert.equal(event.requestContext.routeKey, 'POST /items/{id}')
  assert.equal(event.rawQueryString, 'a=1&a=2&b=x%20y')
  assert.deepEqual(event.queryStringParameters, { a: '1,2', b: 'x y' })
  assert.deepEqual(event.cookies, ['session=abc'])
  assert.deepEqual(event.pathParameters, { id: '42' })
  assert.deepEqual(event.stageVariables, { color: 'blue', table: 'orders-dev' })
  assert.equal(event.body, '{"ok":true}')
  assert.equal(event.isBase64Encoded, false)
})

test('header names are lower-cased and repeated headers are joined with "," and no space', async (t) => {
  const url = await echoGateway(t)
  const { event } = await echo(url, 'GET', '/', [
    ['Host', API_HOST],
    ['X-Custom-Header', 'Mixed Case Value'],
    ['X-Multi', 'a'],
    ['x-multi', 'b'],
    ['X-MULTI', 'c'],
    ['Accept', 'text/html'],
    ['Accept', 'application/json'],
  ])
  assert.equal(event.headers['x-custom-header'], 'Mixed Case Value')
  assert.equal(event.headers['x-multi'], 'a,b,c')
  assert.equal(event.headers['accept'], 'text/html,application/json')
  for (const name of Object.keys(event.headers)) assert.equal(name, name.toLowerCase(), `header name ${name} is not lower case`)
  assert.ok(!('X-Custom-Header' in event.headers) && !('X-MULTI' in event.headers))
})

test('the cookie header is moved to cookies: every Cookie header split on ";" and trimmed', async (t) => {
  const url = await echoGateway(t)
  const { event } = await echo(url, 'GET', '/', [
    ['Host', API_HOST],
    ['Cookie', 'a=1; b=2'],
    ['X-Between', 'x'],
    ['cookie', 'c=3;d=4 ;  e=5'],
  ])
  assert.deepEqual(event.cookies, ['a=1', 'b=2', 'c=3', 'd=4', 'e=5'])
  assert.ok(!('cookie' in event.headers), 'the cookie header must not stay in headers')
  assert.equal(event.headers['x-between'], 'x')
})

test('the gateway adds host, content-length, x-amzn-trace-id and x-forwarded-for/-port/-proto to the headers', async (t) => {
  const url = await echoGateway(t)
  const body = Buffer.from('héllo wörld')
  const { event } = await echo(
    url,
    'POST',
    '/upload',
    [['Host', API_HOST], ['Content-Type', 'text/plain; charset=utf-8'], ['Content-Length', String(body.length)]],
    body
  )
  assert.equal(event.headers['host'], API_HOST)
  assert.equal(event.headers['content-length'], String(body.length))
  assert.match(event.headers['x-amzn-trace-id'] ?? '', TRACE_ID)
  assert.equal(event.headers['x-forwarded-for'], '127.0.0.1')
  assert.equal(event.requestContext.http.sourceIp, '127.0.0.1')
  // Locally the client connects over plain HTTP to the gateway's own port.
  assert.equal(event.headers['x-forwarded-port'], portOf(url))
  assert.equal(event.headers['x-forwarded-proto'], 'http')
})

test('content-length is "0" for a request without a body', async (t) => {
  const url = await echoGateway(t)
  const get = await echo(url, 'GET', '/', [['Host', API_HOST]])
  assert.equal(get.event.headers['content-length'], '0')
  const del = await echo(url, 'DELETE', '/thing', [['Host', API_HOST], ['Content-Length', '0']])
  assert.equal(del.event.headers['content-length'], '0')
  assert.ok(!('body' in del.event))
})

test('a chunked request body reaches the function whole, with its real content-length and no transfer-encoding (provisional)', async (t) => {
  const url = await echoGateway(t)
  const chunked = Buffer.from('5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n')
  const { event } = await echo(url, 'POST', '/', [['Host', API_HOST], ['Content-Type', 'text/plain'], ['Transfer-Encoding', 'chunked']], chunked)
  assert.equal(event.body, 'hello world')
  assert.equal(event.headers['content-length'], '11')
  assert.ok(!('transfer-encoding' in event.headers))
})

test('a client-sent x-amzn-trace-id is passed on unchanged (provisional)', async (t) => {
  const url = await echoGateway(t)
  const sent = 'Root=1-5e9f0c65-1de4d666d4dd26aced652b6c'
  const { event } = await echo(url, 'GET', '/', [['Host', API_HOST], ['X-Amzn-Trace-Id', sent]])
  assert.equal(event.headers['x-amzn-trace-id'], sent)
})

test('a client-sent x-forwarded-for gets the client address appended (provisional)', async (t) => {
  const url = await echoGateway(t)
  const { event } = await echo(url, 'GET', '/', [['Host', API_HOST], ['X-Forwarded-For', '203.0.113.7']])
  assert.equal(event.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1')
  assert.equal(event.requestContext.http.sourceIp, '127.0.0.1')
})

test('requestContext.http.userAgent is "" when the request has no User-Agent (provisional)', async (t) => {
  const url = await echoGateway(t)
  const { event } = await echo(url, 'GET', '/', [['Host', API_HOST]])
  assert.equal(event.requestContext.http.userAgent, '')
  assert.ok(!('user-agent' in event.headers))
})

const PLAIN_TYPES = [
  'text/plain',
  'text/plain; charset=utf-8',
  'text/html',
  'text/csv',
  'text/x-anything-at-all',
  'application/json',
  'application/json; charset=UTF-8',
  'application/xml',
  'application/javascript',
]
const BASE64_TYPES = ['application/x-www-form-urlencoded', 'application/octet-stream', 'image/png', 'multipart/form-data; boundary=xyz', 'application/pdf']

test('textual content types (text/*, application/json, application/xml, application/javascript) deliver the body as a plain string', async (t) => {
  const url = await echoGateway(t)
  const body = Buffer.from('{"text":"héllo ✓ wörld"}')
  for (const type of PLAIN_TYPES) {
    const { event } = await echo(url, 'POST', '/', [['Host', API_HOST], ['Content-Type', type], ['Content-Length', String(body.length)]], body)
    assert.equal(event.isBase64Encoded, false, type)
    assert.equal(event.body, body.toString('utf8'), type)
  }
})

test('form posts, octet-stream, images and other types deliver the body base64-encoded', async (t) => {
  const url = await echoGateway(t)
  const body = Buffer.from('a=1&b=h%C3%A9llo')
  for (const type of BASE64_TYPES) {
    const { event } = await echo(url, 'POST', '/', [['Host', API_HOST], ['Content-Type', type], ['Content-Length', String(body.length)]], body)
    assert.equal(event.isBase64Encoded, true, type)
    assert.equal(event.body, body.toString('base64'), type)
  }
})

test('a body without a Content-Type header is delivered base64-encoded', async (t) => {
  const url = await echoGateway(t)
  const body = Buffer.from('just some text')
  const { event } = await echo(url, 'PUT', '/', [['Host', API_HOST], ['Content-Length', String(body.length)]], body)
  assert.ok(!('content-type' in event.headers))
  assert.equal(event.isBase64Encoded, true)
  assert.equal(event.body, body.toString('base64'))
})

test('structured-suffix types such as application/vnd.api+json are delivered base64-encoded (provisional)', async (t) => {
  const url = await echoGateway(t)
  const body = Buffer.from('{"data":[]}')
  for (const type of ['application/vnd.api+json', 'application/ld+json']) {
    const { event } = await echo(url, 'POST', '/', [['Host', API_HOST], ['Content-Type', type], ['Content-Length', String(body.length)]], body)
    assert.equal(event.isBase64Encoded, true, type)
    assert.equal(event.body, body.toString('base64'), type)
  }
})

test('binary request bytes round-trip exactly through base64', async (t) => {
  const url = await echoGateway(t)
  const body = Buffer.alloc(1024)
  for (let i = 0; i < body.length; i++) body[i] = (i * 7 + (i >> 8)) & 0xff
  const { event } = await echo(url, 'POST', '/', [['Host', API_HOST], ['Content-Type', 'image/png'], ['Content-Length', String(body.length)]], body)
  assert.equal(event.isBase64Encoded, true)
  assert.ok(Buffer.from(event.body ?? '', 'base64').equals(body), 'decoded body differs from the bytes sent')
  assert.equal(event.headers['content-length'], '1024')
})

test('a greedy path variable captures the rest of the path, slashes included, decoded', async (t) => {
  const url = await echoGateway(t, { routeKeys: ['GET /files/{proxy+}', 'GET /users/{userId}/posts/{postId}'] })
  const greedy = await echo(url, 'GET', '/files/hello/world/report.txt', [['Host', API_HOST]])
  assert.equal(greedy.event.routeKey, 'GET /files/{proxy+}')
  assert.deepEqual(greedy.event.pathParameters, { proxy: 'hello/world/report.txt' })
  const encoded = await echo(url, 'GET', '/files/a%20b/c', [['Host', API_HOST]])
  assert.deepEqual(encoded.event.pathParameters, { proxy: 'a b/c' })
  assert.equal(encoded.event.rawPath, '/files/a b/c')
  const two = await echo(url, 'GET', '/users/u-1/posts/p%2B2', [['Host', API_HOST]])
  assert.deepEqual(two.event.pathParameters, { userId: 'u-1', postId: 'p+2' })
})

test('query parameters are decoded and repeated names joined with ","; rawQueryString stays encoded', async (t) => {
  const url = await echoGateway(t)
  const { event } = await echo(url, 'GET', '/search?q=caf%C3%A9&tag=a&tag=b&tag=c&empty=', [['Host', API_HOST]])
  assert.equal(event.rawQueryString, 'q=caf%C3%A9&tag=a&tag=b&tag=c&empty=')
  assert.deepEqual(event.queryStringParameters, { q: 'café', tag: 'a,b,c', empty: '' })
})
