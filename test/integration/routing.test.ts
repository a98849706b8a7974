import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { startGateway } from '../helpers/gateway.js'
import { http, type HttpOptions, type HttpResult } from '../helpers/http.js'

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/** The parts of a payload 2.0 event these tests look at. */
interface EventV2 {
  readonly version: string
  readonly routeKey: string
  readonly rawPath: string
  readonly rawQueryString: string
  readonly headers: Record<string, string>
  readonly queryStringParameters?: Record<string, string>
  readonly pathParameters?: Record<string, string>
  readonly stageVariables?: Record<string, string>
  readonly requestContext: {
    readonly apiId: string
    readonly domainName: string
    readonly domainPrefix: string
    readonly http: { readonly method: string; readonly path: string }
    readonly requestId: string
    readonly routeKey: string
    readonly stage: string
    readonly time: string
    readonly timeEpoch: number
  }
}

/** A request id as AWS shapes them: 16 URL-safe base64 characters, the last one `=`. */
const REQUEST_ID = /^[A-Za-z0-9_-]{15}=$/

type RouteSpec = string | readonly [routeKey: string, functionName: 'echo' | 'broken']

/**
 * One HTTP API whose routes target `echo` (returns the 2.0 event) unless a route names
 * `broken` (a function whose init fails: 500), so a status tells which route served a
 * request even when the response has no body (HEAD).
 */
function apiConfig(options: { routes: readonly RouteSpec[]; stages?: readonly object[]; apiId?: string }): object {
  const routes = options.routes.map((r) => (typeof r === 'string' ? ([r, 'echo'] as const) : r))
  const used = [...new Set(routes.map(([, fn]) => fn))]
  const handlers = { echo: 'echo.handler', broken: 'init-error.handler' } as const
  return {
    functions: Object.fromEntries(used.map((fn) => [fn, { handler: handlers[fn] }])),
    apis: [
      {
        name: 'routing-api',
        apiId: options.apiId ?? 'routing001',
        routes: routes.map(([routeKey, fn]) => ({ routeKey, target: `integrations/${fn}` })),
        integrations: used.map((fn) => ({
          integrationId: fn,
          integrationType: 'AWS_PROXY',
          integrationUri: fn,
          payloadFormatVersion: '2.0',
        })),
        ...(options.stages !== undefined ? { stages: options.stages } : {}),
      },
    ],
  }
}

/** Sends a request that an echo route must serve, and returns the event the function saw. */
async function echoEvent(url: string, path: string, options: HttpOptions = {}): Promise<EventV2> {
  const res = await http(url + path, options)
  assert.equal(res.status, 200, `${options.method ?? 'GET'} ${path} answered ${res.status} ${res.text}`)
  const event = res.json<EventV2>()
  assert.equal(event.version, '2.0')
  return event
}

/** A gateway-generated error: exact body, JSON content type, exact length, a request id. */
function assertGatewayError(res: { status: number; headers: Record<string, string | string[] | undefined>; text: string }, status: number, message: string): void {
  const body = JSON.stringify({ message })
  assert.equal(res.status, status, res.text)
  assert.equal(res.text, body)
  assert.equal(res.headers['content-type'], 'application/json')
  assert.equal(res.headers['content-length'], String(Buffer.byteLength(body)))
  assert.match(String(res.headers['apigw-requestid']), REQUEST_ID)
}

function assertNotFound(res: HttpResult): void {
  assertGatewayError(res, 404, 'Not Found')
  assert.equal(res.headers['content-length'], '23')
  assert.equal(res.headers['allow'], undefined)
}

interface RawResponse {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: Buffer
  readonly text: string
}

/**
 * Sends bytes exactly as given over a plain TCP connection (no client-side URL or header
 * normalisation) and reads one response. A request body, if any, is written piece by piece
 * and writing stops as soon as the gateway starts answering; errors after a complete
 * response (the gateway closing on an unread body) are ignored.
 */
function rawRequest(url: string, head: string, body?: () => Iterable<Buffer | string>): Promise<RawResponse> {
  const { hostname, port } = new URL(url)
  return new Promise<RawResponse>((resolve, reject) => {
    const socket: Socket = connect({ host: hostname, port: Number(port) })
    let received = Buffer.alloc(0)
    let settled = false
    const finish = (result: RawResponse | Error): void => {
      if (settled) return
      settled = true
      socket.destroy()
      if (result instanceof Error) reject(result)
      else resolve(result)
    }
    const complete = (): RawResponse | null => {
      const end = received.indexOf('\r\n\r\n')
      if (end < 0) return null
      const [statusLine = '', ...lines] = received.subarray(0, end).toString('latin1').split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of lines) {
        const colon = line.indexOf(':')
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
      }
      const length = Number(headers['content-length'] ?? 'NaN')
      if (!Number.isInteger(length)) return null
      if (received.length < end + 4 + length) return null
      const payload = received.subarray(end + 4, end + 4 + length)
      return { status: Number(statusLine.split(' ')[1]), headers, body: payload, text: payload.toString('utf8') }
    }
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      const res = complete()
      if (res !== null) finish(res)
    })
    socket.on('error', (err) => {
      const res = complete()
      finish(res ?? err)
    })
    socket.on('close', () => {
      const res = complete()
      finish(res ?? new Error(`connection closed without a complete response: ${JSON.stringify(received.toString('latin1').slice(0, 300))}`))
    })
    socket.once('connect', () => {
      socket.write(head)
      if (body === undefined) return
      void (async () => {
        for (const piece of body()) {
          if (settled || received.length > 0 || socket.destroyed) return
          if (!socket.write(piece)) {
            await new Promise<void>((r) => {
              const done = (): void => {
                socket.off('drain', done)
                socket.off('close', done)
                r()
              }
              socket.on('drain', done)
              socket.on('close', done)
            })
          }
        }
      })()
    })
  })
}

function hostOf(url: string): string {
  return new URL(url).host
}

// ---------------------------------------------------------------------------------------
// Stages (spec 2.2, 2.5)
// ---------------------------------------------------------------------------------------

test('with only a $default stage, GET /pets reaches route GET /pets with rawPath /pets and stage $default', async (t) => {
  const { url } = await startGateway(t, apiConfig({ routes: ['GET /pets', '$default'] }))
  const event = await echoEvent(url, '/pets')
  assert.equal(event.routeKey, 'GET /pets')
  assert.equal(event.rawPath, '/pets')
  assert.equal(event.requestContext.routeKey, 'GET /pets')
  assert.equal(event.requestContext.stage, '$default')
  assert.equal(event.requestContext.http.path, '/pets')
  assert.equal(event.requestContext.http.method, 'GET')
})

test('with stages dev and $default, /dev/pets is served by stage dev with rawPath /dev/pets and routeKey GET /pets', async (t) => {
  const { url } = await startGateway(t, apiConfig({ routes: ['GET /pets', '$default'], stages: [{ stageName: '$default' }, { stageName: 'dev' }] }))
  const event = await echoEvent(url, '/dev/pets')
  assert.equal(event.requestContext.stage, 'dev')
  assert.equal(event.routeKey, 'GET /pets')
  assert.equal(event.requestContext.routeKey, 'GET /pets')
  assert.equal(event.rawPath, '/dev/pets')
  assert.equal(event.requestContext.http.path, '/dev/pets')
})

test('with stages dev and $default, /development/pets goes to the $default stage because the stage segment must match exactly', async (t) => {
  const { url } = await startGateway(t, apiConfig({ routes: ['GET /pets', '$default'], stages: [{ stageName: '$default' }, { stageName: 'dev' }] }))
  const event = await echoEvent(url, '/development/pets')
  assert.equal(event.requestContext.stage, '$default')
  assert.equal(event.routeKey, '$default')
  assert.equal(event.rawPath, '/development/pets')
  const root = await echoEvent(url, '/pets')
  assert.equal(root.requestContext.stage, '$default')
  assert.equal(root.routeKey, 'GET /pets')
  assert.equal(root.rawPath, '/pets')
})

test('without a $default stage an unknown first segment is answered 404 {"message":"Not Found"} with apigw-requestid and content-length 23', async (t) => {
  const { url, logs } = await startGateway(t, apiConfig({ routes: ['GET /pets', '$default'], stages: [{ stageName: 'dev' }] }))
  assertNotFound(await http(url + '/prod/pets'))
  assertNotFound(await http(url + '/pets'))
  assertNotFound(await http(url + '/'))
  assert.deepEqual(logs, [], 'no function ran')
  // The named stage itself still works.
  assert.equal((await echoEvent(url, '/dev/pets')).routeKey, 'GET /pets')
})

test('a request for exactly /dev is routed on stage dev with route path / (provisional)', async (t) => {
  const { url } = await startGateway(t, apiConfig({ routes: ['GET /', 'GET /{proxy+}'], stages: [{ stageName: 'dev' }] }))
  const event = await echoEvent(url, '/dev')
  assert.equal(event.requestContext.stage, 'dev')
  assert.equal(event.routeKey, 'GET /')
  assert.equal(event.rawPath, '/dev')
  assert.equal(event.pathParameters, undefined)
  const slash = await echoEvent(url, '/dev/')
  assert.equal(slash.requestContext.stage, 'dev')
  assert.equal(slash.routeKey, 'GET /')
})

test('a payload 1.0 event carries the stage segment in path for a named stage and not for $default', async (t) => {
  const config = {
    functions: { echo: { handler: 'echo-v1.handler' } },
    apis: [
      {
        name: 'v1-api',
        apiId: 'routingv1',
        routes: [{ routeKey: 'GET /pets', target: 'integrations/echo' }],
        integrations: [{ integrationId: 'echo', integrationType: 'AWS_PROXY', integrationUri: 'echo', payloadFormatVersion: '1.0' }],
        stages: [{ stageName: '$default' }, { stageName: 'dev' }],
      },
    ],
  }
  const { url } = await startGateway(t, config)
  type EventV1 = { version: string; path: string; requestContext: { stage: string; path: string } }
  const dev = await http(url + '/dev/pets')
  assert.equal(dev.status, 200, dev.text)
  const devEvent = dev.json<EventV1>()
  assert.equal(devEvent.version, '1.0')
  assert.equal(devEvent.path, '/dev/pets')
  assert.equal(devEvent.requestContext.stage, 'dev')
  const root = await http(url + '/pets')
  assert.equal(root.status, 200, root.text)
  assert.equal(root.json<EventV1>().path, '/pets')
  assert.equal(root.json<EventV1>().requestContext.stage, '$default')
})

test('stage variables of the serving stage reach the event as stageVariables', async (t) => {
  const { url } = await startGateway(
    t,
    apiConfig({
      routes: ['GET /pets'],
      stages: [
        { stageName: '$default', stageVariables: { color: 'blue', backend: 'example.com/v1' } },
        { stageName: 'dev', stageVariables: { color: 'red' } },
      ],
    })
  )
  assert.deepEqual((await echoEvent(url, '/pets')).stageVariables, { color: 'blue', backend: 'example.com/v1' })
  assert.deepEqual((await echoEvent(url, '/dev/pets')).stageVariables, { color: 'red' })
})

test('a stage without stage variables produces an event without a stageVariables key', async (t) => {
  const { url } = await startGateway(
    t,
    apiConfig({ routes: ['GET /pets'], stages: [{ stageName: '$default' }, { stageName: 'dev', stageVariables: { color: 'red' } }] })
  )
  const res = await http(url + '/pets')
  assert.equal(res.status, 200)
  assert.ok(!('stageVariables' in res.json<object>()), res.text)
  assert.ok(!res.text.includes('"stageVariables"'), res.text)
  assert.deepEqual((await echoEvent(url, '/dev/pets')).stageVariables, { color: 'red' })
})

// ---------------------------------------------------------------------------------------
// Route precedence (spec 2.3)
// ---------------------------------------------------------------------------------------

test('the documented precedence example (spec 2.3 table) is reproduced over HTTP', async (t) => {
  const { url } = await startGateway(
    t,
    apiConfig({ routes: ['GET /pets/dog/1', 'GET /pets/dog/{id}', 'GET /pets/{proxy+}', 'ANY /{proxy+}', '$default'] })
  )
  await t.test('GET /pets/dog/1 selects GET /pets/dog/1 (a literal beats a variable)', async () => {
    const event = await echoEvent(url, '/pets/dog/1')
    assert.equal(event.routeKey, 'GET /pets/dog/1')
    assert.equal(event.pathParameters, undefined)
  })
  await t.test('GET /pets/dog/2 selects GET /pets/dog/{id} with id "2"', async () => {
    const event = await echoEvent(url, '/pets/dog/2')
    assert.equal(event.routeKey, 'GET /pets/dog/{id}')
    assert.deepEqual(event.pathParameters, { id: '2' })
  })
  await t.test('GET /pets/cat/1 selects GET /pets/{proxy+} with proxy "cat/1"', async () => {
    const event = await echoEvent(url, '/pets/cat/1')
    assert.equal(event.routeKey, 'GET /pets/{proxy+}')
    assert.deepEqual(event.pathParameters, { proxy: 'cat/1' })
  })
  await t.test('POST /test/5 selects ANY /{proxy+} (greedy routes outrank $default)', async () => {
    const event = await echoEvent(url, '/test/5', { method: 'POST' })
    assert.equal(event.routeKey, 'ANY /{proxy+}')
    assert.equal(event.requestContext.http.method, 'POST')
    assert.deepEqual(event.pathParameters, { proxy: 'test/5' })
  })
})

test('a path that exists only for another method is answered 404 Not Found, never 405', async (t) => {
  const { url, logs } = await startGateway(t, apiConfig({ routes: ['GET /pets', 'POST /pets/{id}'] }))
  assertNotFound(await http(url + '/pets', { method: 'POST', body: '{}' }))
  assertNotFound(await http(url + '/pets', { method: 'DELETE' }))
  assertNotFound(await http(url + '/pets/1'))
  assertNotFound(await http(url + '/elsewhere'))
  assert.deepEqual(logs, [], 'no function ran')
  assert.equal((await echoEvent(url, '/pets')).routeKey, 'GET /pets')
})

test('the $default route catches unmatched paths and methods', async (t) => {
  const { url } = await startGateway(t, apiConfig({ routes: ['GET /pets/{id}', '$default'] }))
  const other = await echoEvent(url, '/other/thing')
  assert.equal(other.routeKey, '$default')
  assert.equal(other.requestContext.routeKey, '$default')
  assert.equal(other.rawPath, '/other/thing')
  assert.equal(other.pathParameters, undefined)
  const wrongMethod = await echoEvent(url, '/pets/1', { method: 'DELETE' })
  assert.equal(wrongMethod.routeKey, '$default')
  assert.equal(wrongMethod.requestContext.http.method, 'DELETE')
  assert.equal((await echoEvent(url, '/pets/1')).routeKey, 'GET /pets/{id}')
})

test('a greedy route outranks the $default route', async (t) => {
  const { url } = await startGateway(t, apiConfig({ routes: ['$default', 'ANY /{proxy+}'] }))
  const event = await echoEvent(url, '/x/y', { method: 'PUT', body: 'data' })
  assert.equal(event.routeKey, 'ANY /{proxy+}')
  assert.deepEqual(event.pathParameters, { proxy: 'x/y' })
})

test('a greedy route needs at least one segment: /pets is not served by GET /pets/{proxy+} (provisional)', async (t) => {
  const { url } = await startGateway(t, apiConfig({ routes: ['GET /pets/{proxy+}', 'ANY /{proxy+}', '$default'] }))
  const bare = await echoEvent(url, '/pets')
  assert.equal(bare.routeKey, 'ANY /{proxy+}')
  assert.deepEqual(bare.pathParameters, { proxy: 'pets' })
  const root = await echoEvent(url, '/')
  assert.equal(root.routeKey, '$default', 'ANY /{proxy+} does not match /')
  assert.equal((await echoEvent(url, '/pets/1')).routeKey, 'GET /pets/{proxy+}')
})

test('a greedy route alone does not serve its bare prefix: GET /pets is 404 when only GET /pets/{proxy+} exists (provisional)', async (t) => {
  const { url } = await startGateway(t, apiConfig({ routes: ['GET /pets/{proxy+}'] }))
  assertNotFound(await http(url + '/pets'))
  assertNotFound(await http(url + '/pets/'))
  assert.deepEqual((await echoEvent(url, '/pets/a/b')).pathParameters, { proxy: 'a/b' })
})

// ---------------------------------------------------------------------------------------
// Trailing slashes, encoding, query strings (spec 2.4)
// ---------------------------------------------------------------------------------------

test('GET /hello/ is routed to GET /hello', async (t) => {
  const { url } = await startGateway(t, apiConfig({ routes: ['GET /hello'] }))
  assert.equal((await echoEvent(url, '/hello/')).routeKey, 'GET /hello')
  assert.equal((await echoEvent(url, '/hello')).routeKey, 'GET /hello')
})

test('rawPath and requestContext.http.path keep the trailing slash of /hello/ (provisional)', async (t) => {
  const { url } = await startGateway(t, apiConfig({ routes: ['GET /hello', 'ANY /{proxy+}'] }))
  const event = await echoEvent(url, '/hello/')
  assert.equal(event.rawPath, '/hello/')
  assert.equal(event.requestContext.http.path, '/hello/')
  const greedy = await echoEvent(url, '/thing/')
  assert.equal(greedy.rawPath, '/thing/')
  assert.deepEqual(greedy.pathParameters, { proxy: 'thing' })
})

test('/a%2Fb is delivered decoded in rawPath and routed as two segments, while rawQueryString stays encoded', async (t) => {
  const { url } = await startGateway(t, apiConfig({ routes: ['GET /a/b', 'GET /{single}', 'GET /{x}/{y}/{z}'] }))
  const event = await echoEvent(url, '/a%2Fb?q=x%20y%2Fz&r=%40')
  assert.equal(event.routeKey, 'GET /a/b')
  assert.equal(event.rawPath, '/a/b')
  assert.equal(event.requestContext.http.path, '/a/b')
  assert.equal(event.rawQueryString, 'q=x%20y%2Fz&r=%40')
  assert.deepEqual(event.queryStringParameters, { q: 'x y/z', r: '@' })
  const params = await echoEvent(url, '/RSC/%40id%2Fassets')
  assert.equal(params.routeKey, 'GET /{x}/{y}/{z}')
  assert.equal(params.rawPath, '/RSC/@id/assets')
  assert.deepEqual(params.pathParameters, { x: 'RSC', y: '@id', z: 'assets' })
})

test('repeated query names are joined with a comma in payload 2.0: ?a=1&a=2 gives "a":"1,2"', async (t) => {
  const { url } = await startGateway(t, apiConfig({ routes: ['GET /pets'] }))
  const event = await echoEvent(url, '/pets?a=1&b=x&a=2')
  assert.deepEqual(event.queryStringParameters, { a: '1,2', b: 'x' })
  assert.equal(event.rawQueryString, 'a=1&b=x&a=2')
})

test('a malformed percent-encoding in the path is answered 400 {"message":"Bad Request"} (provisional)', async (t) => {
  const { url, logs } = await startGateway(t, apiConfig({ routes: ['$default'] }))
  for (const path of ['/%zz', '/pets/%', '/%C3%28', '/a%2']) {
    const res = await rawRequest(url, `GET ${path} HTTP/1.1\r\nHost: ${hostOf(url)}\r\n\r\n`)
    assertGatewayError(res, 400, 'Bad Request')
    assert.equal(res.headers['content-length'], '25')
  }
  assert.deepEqual(logs, [], 'no function ran')
  assert.equal((await echoEvent(url, '/%41')).rawPath, '/A')
})

test('requests the HTTP parser refuses (bad chunk size, unknown Transfer-Encoding, CONNECT, no Host) get 400 {"message":"Bad Request"} with an apigw-requestid, not a closed socket or Node\'s bare 400', async (t) => {
  const { url, logs } = await startGateway(t, apiConfig({ routes: ['$default'] }))
  const host = hostOf(url)
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['a malformed chunk size', `POST /pets HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`],
    ['Transfer-Encoding: xchunked', `POST /pets HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: xchunked\r\n\r\n`],
    ['CONNECT', `CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n`],
    ['an HTTP/1.1 request without Host', 'GET /pets HTTP/1.1\r\n\r\n'],
  ]
  for (const [name, head] of cases) {
    const res = await rawRequest(url, head)
    assert.equal(res.status, 400, name)
    assertGatewayError(res, 400, 'Bad Request')
  }
  assert.deepEqual(logs, [], 'no function ran')
  // The gateway keeps serving.
  assert.equal((await echoEvent(url, '/after')).rawPath, '/after')
})

// ---------------------------------------------------------------------------------------
// HEAD (spec 2.3: its own method)
// ---------------------------------------------------------------------------------------

test('HEAD is served by a HEAD route, not by the GET route on the same path (provisional)', async (t) => {
  const { url } = await startGateway(t, apiConfig({ routes: [['GET /pets', 'broken'], 'HEAD /pets', ['ANY /pets', 'broken']] }))
  const res = await http(url + '/pets', { method: 'HEAD' })
  assert.equal(res.status, 200)
  assert.equal(res.body.length, 0)
  assert.match(String(res.headers['apigw-requestid']), REQUEST_ID)
})

test('HEAD is served by ANY on the path when only GET and ANY exist (provisional)', async (t) => {
  const { url } = await startGateway(t, apiConfig({ routes: [['GET /pets', 'broken'], 'ANY /pets', ['$default', 'broken']] }))
  assert.equal((await http(url + '/pets', { method: 'HEAD' })).status, 200)
  // The GET route really is the broken one: GET does not reach ANY.
  assert.equal((await http(url + '/pets')).status, 500)
})

test('HEAD is served by a greedy ANY route rather than by a GET route on the same path (provisional)', async (t) => {
  const { url } = await startGateway(t, apiConfig({ routes: [['GET /pets', 'broken'], ['GET /{proxy+}', 'broken'], 'ANY /{proxy+}'] }))
  assert.equal((await http(url + '/pets', { method: 'HEAD' })).status, 200)
  assert.equal((await http(url + '/a/b', { method: 'HEAD' })).status, 200)
})

test('HEAD falls to the $default route when only a GET route exists on the path (provisional)', async (t) => {
  const { url } = await startGateway(t, apiConfig({ routes: [['GET /pets', 'broken'], '$default'] }))
  assert.equal((await http(url + '/pets', { method: 'HEAD' })).status, 200)
})

test('HEAD on a path with only a GET route and no catch-all is answered 404 (provisional)', async (t) => {
  const { url, logs } = await startGateway(t, apiConfig({ routes: ['GET /pets'] }))
  const res = await http(url + '/pets', { method: 'HEAD' })
  assert.equal(res.status, 404)
  assert.equal(res.body.length, 0)
  assert.equal(res.headers['content-type'], 'application/json')
  assert.equal(res.headers['content-length'], '23')
  assert.match(String(res.headers['apigw-requestid']), REQUEST_ID)
  assert.deepEqual(logs, [], 'no function ran')
})

// ---------------------------------------------------------------------------------------
// API selection and domain names (spec 0.3, 1.1)
// ---------------------------------------------------------------------------------------

function twoApis(): object {
  const api = (apiId: string, routeKey: string) => ({
    name: `api-${apiId}`,
    apiId,
    routes: [{ routeKey, target: 'integrations/echo' }],
    integrations: [{ integrationId: 'echo', integrationType: 'AWS_PROXY', integrationUri: 'echo', payloadFormatVersion: '2.0' }],
  })
  return { functions: { echo: { handler: 'echo.handler' } }, apis: [api('aaa111', 'GET /pets'), api('bbb222', '$default')] }
}

test('the API is selected by a Host header {apiId}.execute-api.{anything} when one config holds two APIs', async (t) => {
  const { url } = await startGateway(t, twoApis())
  const a = await echoEvent(url, '/pets', { headers: { host: 'aaa111.execute-api.anything' } })
  assert.equal(a.requestContext.apiId, 'aaa111')
  assert.equal(a.routeKey, 'GET /pets')
  const b = await echoEvent(url, '/pets', { headers: { host: 'bbb222.execute-api.us-east-1.amazonaws.com' } })
  assert.equal(b.requestContext.apiId, 'bbb222')
  assert.equal(b.routeKey, '$default')
  // API aaa111 has no route for /other: its own 404, not API bbb222's $default.
  assertNotFound(await http(url + '/other', { headers: { host: 'aaa111.execute-api.anything' } }))
})

test('a Host naming an unknown apiId is answered 404 Not Found', async (t) => {
  const { url, logs } = await startGateway(t, twoApis())
  assertNotFound(await http(url + '/pets', { headers: { host: 'zzz999.execute-api.anything' } }))
  assert.deepEqual(logs, [], 'no function ran')
})

test('domainName and domainPrefix are derived from the Host header the client sent', async (t) => {
  const { url } = await startGateway(t, twoApis())
  const a = await echoEvent(url, '/pets', { headers: { host: 'aaa111.execute-api.us-east-1.amazonaws.com' } })
  assert.equal(a.requestContext.domainName, 'aaa111.execute-api.us-east-1.amazonaws.com')
  assert.equal(a.requestContext.domainPrefix, 'aaa111')
  assert.equal(a.headers['host'], 'aaa111.execute-api.us-east-1.amazonaws.com')
  const b = await echoEvent(url, '/x', { headers: { host: 'bbb222.execute-api.localhost' } })
  assert.equal(b.requestContext.domainName, 'bbb222.execute-api.localhost')
  assert.equal(b.requestContext.domainPrefix, 'bbb222')
})

test('with a single API any Host is served, and domainName/domainPrefix follow that Host', async (t) => {
  const { url } = await startGateway(t, apiConfig({ routes: ['$default'] }))
  const event = await echoEvent(url, '/x', { headers: { host: 'shop.example.test' } })
  assert.equal(event.requestContext.domainName, 'shop.example.test')
  assert.equal(event.requestContext.domainPrefix, 'shop')
  assert.equal(event.headers['host'], 'shop.example.test')
})

test('a port in the Host header is not part of domainName or domainPrefix (provisional)', async (t) => {
  const { url } = await startGateway(t, twoApis())
  const event = await echoEvent(url, '/x', { headers: { host: 'bbb222.execute-api.localhost:8443' } })
  assert.equal(event.requestContext.apiId, 'bbb222')
  assert.equal(event.requestContext.domainName, 'bbb222.execute-api.localhost')
  assert.equal(event.requestContext.domainPrefix, 'bbb222')
  assert.equal(event.headers['host'], 'bbb222.execute-api.localhost:8443')
})

// ---------------------------------------------------------------------------------------
// Request ids and times (spec 1.2, 1.3)
// ---------------------------------------------------------------------------------------

test('every request gets its own id: 16 URL-safe base64 characters ending in "=", the same in apigw-requestid and requestContext.requestId', async (t) => {
  const { url } = await startGateway(t, apiConfig({ routes: ['$default'] }))
  const ids = new Set<string>()
  for (let i = 0; i < 20; i++) {
    const res = await http(url + '/id')
    assert.equal(res.status, 200)
    const header = res.headers['apigw-requestid']
    assert.equal(typeof header, 'string')
    const id = String(header)
    assert.match(id, REQUEST_ID)
    // 11 random bytes in URL-safe base64 with its one "=" of padding, like LV7fzho-PHcEJPw=.
    assert.equal(Buffer.from(id.slice(0, -1), 'base64url').toString('base64url') + '=', id)
    assert.equal(Buffer.from(id.slice(0, -1), 'base64url').length, 11)
    assert.equal(res.json<EventV2>().requestContext.requestId, id)
    ids.add(id)
  }
  assert.equal(ids.size, 20)
})

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

function expectedClf(epochMillis: number): string {
  const d = new Date(epochMillis)
  const p = (n: number): string => String(n).padStart(2, '0')
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()] ?? '?'}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
}

test('requestContext.timeEpoch is in milliseconds and requestContext.time is the same instant in CLF format', async (t) => {
  const { url } = await startGateway(t, apiConfig({ routes: ['$default'] }))
  const before = Date.now()
  const event = await echoEvent(url, '/time')
  const after = Date.now()
  const { time, timeEpoch } = event.requestContext
  assert.ok(Number.isInteger(timeEpoch), String(timeEpoch))
  assert.ok(timeEpoch >= before && timeEpoch <= after, `${before} <= ${timeEpoch} <= ${after}`)
  assert.match(time, /^\d{2}\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/)
  assert.equal(time, expectedClf(timeEpoch))
})

// ---------------------------------------------------------------------------------------
// Quotas (spec 13.2, 14)
// ---------------------------------------------------------------------------------------

const HEADER_LIMIT = 10_240

test('request line plus header values over 10,240 bytes are answered 431 {"message":"Request Header Fields Too Large"} (provisional)', async (t) => {
  const { url, logs } = await startGateway(t, apiConfig({ routes: ['$default'] }))
  const big = await http(url + '/x', { headers: { 'x-big': 'a'.repeat(HEADER_LIMIT + 100) } })
  assertGatewayError(big, 431, 'Request Header Fields Too Large')
  assert.equal(big.headers['content-length'], '45')
  const longLine = await http(url + '/x?q=' + 'b'.repeat(HEADER_LIMIT + 100))
  assertGatewayError(longLine, 431, 'Request Header Fields Too Large')
  // Many headers that are small one by one count together.
  const headers: Record<string, string> = {}
  for (let i = 0; i < 30; i++) headers[`x-h${i}`] = 'c'.repeat(400)
  assertGatewayError(await http(url + '/x', { headers }), 431, 'Request Header Fields Too Large')
  // Past the HTTP parser's own header limit too: still AWS's JSON shape, not a bare 431 or a 400.
  const huge = await rawRequest(url, `GET /x HTTP/1.1\r\nHost: ${hostOf(url)}\r\nX-Huge: ${'e'.repeat(100_000)}\r\n\r\n`)
  assertGatewayError(huge, 431, 'Request Header Fields Too Large')
  assert.deepEqual(logs, [], 'no function ran')
  assert.equal((await http(url + '/x', { headers: { 'x-small': 'd'.repeat(8_000) } })).status, 200)
})

test('exactly 10,240 bytes of request line and header values are accepted and 10,241 are not (provisional)', async (t) => {
  const { url } = await startGateway(t, apiConfig({ routes: ['$default'] }))
  const host = hostOf(url)
  // Counted: the request line without its CRLF, plus every header value (names excluded).
  const line = 'GET /x HTTP/1.1'
  const request = (padding: number): string => `${line}\r\nHost: ${host}\r\nX-Pad: ${'p'.repeat(padding)}\r\n\r\n`
  const exact = HEADER_LIMIT - line.length - host.length
  const ok = await rawRequest(url, request(exact))
  assert.equal(ok.status, 200, ok.text)
  assertGatewayError(await rawRequest(url, request(exact + 1)), 431, 'Request Header Fields Too Large')
})

const BODY_LIMIT = 10 * 1024 * 1024

function* pieces(total: number, size: number, frame: (chunk: Buffer) => Buffer | string = (c) => c): Generator<Buffer | string> {
  const block = Buffer.alloc(size, 0x61)
  for (let sent = 0; sent < total; sent += size) yield frame(block.subarray(0, Math.min(size, total - sent)))
}

test('a body over 10 MB with a declared Content-Length is answered 413 {"message":"Request Entity Too Large"} and the gateway keeps serving (provisional)', async (t) => {
  const { url, logs } = await startGateway(t, apiConfig({ routes: ['$default'] }))
  const size = BODY_LIMIT + 1
  const res = await rawRequest(
    url,
    `POST /upload HTTP/1.1\r\nHost: ${hostOf(url)}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${size}\r\n\r\n`,
    () => pieces(size, 256 * 1024)
  )
  assertGatewayError(res, 413, 'Request Entity Too Large')
  assert.equal(res.headers['content-length'], '38')
  assert.deepEqual(logs, [], 'no function ran')
  const after = await echoEvent(url, '/after', { method: 'POST', body: 'small' })
  assert.equal(after.rawPath, '/after')
})

test('a chunked body growing past 10 MB is answered 413 {"message":"Request Entity Too Large"} and the gateway keeps serving (provisional)', async (t) => {
  const { url, logs } = await startGateway(t, apiConfig({ routes: ['$default'] }))
  const size = BODY_LIMIT + 1024 * 1024
  const chunk = (c: Buffer): Buffer => Buffer.concat([Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n')])
  const res = await rawRequest(
    url,
    `POST /upload HTTP/1.1\r\nHost: ${hostOf(url)}\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n`,
    function* () {
      yield* pieces(size, 256 * 1024, chunk)
      yield '0\r\n\r\n'
    }
  )
  assertGatewayError(res, 413, 'Request Entity Too Large')
  assert.equal(res.headers['content-length'], '38')
  assert.deepEqual(logs, [], 'no function ran')
  const after = await echoEvent(url, '/after', { method: 'POST', body: 'small' })
  assert.equal(after.rawPath, '/after')
})
