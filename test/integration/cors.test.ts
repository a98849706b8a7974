// CORS for HTTP APIs end to end (spec 8, 16.6): a real gateway with `corsConfiguration` (or
// OpenAPI `x-amazon-apigateway-cors`) in front of real Lambda functions, a real HTTP upstream
// (test/helpers/upstream.ts) and a real OpenID issuer (test/helpers/oidc-server.ts). Every
// request is written byte for byte with rawRequest, and every CORS header is compared by exact
// value: the whole set of `access-control-*` and `vary` headers a response carries must equal
// the expected set, so an extra header fails as surely as a missing one.
//
// Provisional (spec [UNCONFIRMED]): the preflight status PREFLIGHT_STATUS (204), `vary: Origin`
// when a specific origin is echoed, CORS headers on gateway-generated answers
// (CORS_ON_GATEWAY_RESPONSES), and refusing allowCredentials with allowOrigins ["*"].
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CORS_ON_GATEWAY_RESPONSES, PREFLIGHT_STATUS } from '../../src/http/cors.js'
import { CREDENTIALS_WITH_ANY_ORIGIN_MESSAGE } from '../../src/config/cors.js'
import { ConfigError, createGateway, loadConfigObject, type ConfigIssue } from '../../src/index.js'
import { startGateway, type StartedGateway } from '../helpers/gateway.js'
import { rawRequest, type RawResponse } from '../helpers/raw-http.js'
import { startUpstream, type Upstream } from '../helpers/upstream.js'
import { startOidcServer, generateSigningKey, type OidcServer } from '../helpers/oidc-server.js'
import { handlersDir } from '../helpers/paths.js'

const REQUEST_ID = /^[A-Za-z0-9_-]{15}=$/
const NOT_FOUND_BODY = '{"message":"Not Found"}'
const UNAUTHORIZED_BODY = '{"message":"Unauthorized"}'

const APP_ORIGIN = 'https://app.example.com'
const LOCAL_ORIGIN = 'http://localhost:3000'

/** The CORS headers an integration tries to set; all must be dropped with CORS configured. */
const EVIL_CORS_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Origin': 'http://evil',
  'access-control-allow-credentials': 'false',
  'access-control-allow-methods': 'PATCH',
  'access-control-allow-headers': 'x-evil',
  'access-control-expose-headers': 'x-evil',
  'access-control-max-age': '9',
}

// --- requests and assertions ---------------------------------------------------------------------

type Headers = ReadonlyArray<readonly [string, string]>

function request(gw: StartedGateway, method: string, target: string, headers: Headers = []): Promise<RawResponse> {
  const { host } = new URL(gw.url)
  return rawRequest(gw.url, method, target, [['Host', host], ...headers])
}

/** A preflight for `method` from `origin`, optionally asking for `requestHeaders`. */
function preflight(gw: StartedGateway, target: string, origin: string, method: string, requestHeaders?: string): Promise<RawResponse> {
  const headers: Array<readonly [string, string]> = [
    ['Origin', origin],
    ['Access-Control-Request-Method', method],
  ]
  if (requestHeaders !== undefined) headers.push(['Access-Control-Request-Headers', requestHeaders])
  return request(gw, 'OPTIONS', target, headers)
}

/** Every `access-control-*` and `vary` header of the response, each name with its one value. */
function corsHeadersOf(res: RawResponse): Record<string, string> {
  const found: Record<string, string> = {}
  for (const [name, values] of res.headers) {
    if (!name.startsWith('access-control-') && name !== 'vary') continue
    assert.equal(values.length, 1, `${name} sent ${values.length} times: ${JSON.stringify(values)}`)
    found[name] = values[0] as string
  }
  return found
}

function header(res: RawResponse, name: string): string | undefined {
  const values = res.headers.get(name)
  if (values === undefined) return undefined
  assert.equal(values.length, 1, `${name} sent ${values.length} times`)
  return values[0]
}

/** What every automatic preflight answer of the gateway is: 204, no body nor body headers, a request id. */
function assertPreflightFraming(res: RawResponse): void {
  assert.equal(res.status, PREFLIGHT_STATUS)
  assert.equal(res.status, 204)
  assert.equal(res.body.length, 0)
  assert.equal(header(res, 'content-length'), undefined, 'a 204 carries no content-length')
  assert.equal(header(res, 'transfer-encoding'), undefined, 'a 204 carries no body framing')
  assert.equal(header(res, 'content-type'), undefined, 'a 204 has no content to type')
  assert.match(header(res, 'apigw-requestid') ?? '', REQUEST_ID)
}

/** The gateway's automatic preflight answer: 204, nothing in the body, exactly `expected` as CORS headers. */
function assertPreflightAnswer(res: RawResponse, expected: Record<string, string>): void {
  assertPreflightFraming(res)
  assert.deepEqual(corsHeadersOf(res), expected)
}

/** A gateway error answer (spec 14) with exact body bytes, length and JSON type. */
function assertGatewayError(res: RawResponse, status: number, body: string): void {
  assert.equal(res.status, status, res.body.toString())
  assert.equal(res.body.toString(), body)
  assert.equal(header(res, 'content-length'), String(Buffer.byteLength(body)))
  assert.equal(header(res, 'content-type'), 'application/json')
  assert.match(header(res, 'apigw-requestid') ?? '', REQUEST_ID)
}

function startLines(gw: StartedGateway): number {
  return gw.logs.filter((l) => l.startsWith('START RequestId:')).length
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cors-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

// --- the APIs under test ---------------------------------------------------------------------------

/** The configuration most tests use: specific origins, credentials, every header kind. */
const MAIN_CORS = {
  allowOrigins: [APP_ORIGIN, LOCAL_ORIGIN],
  allowCredentials: true,
  allowMethods: ['GET', 'POST', 'DELETE'],
  allowHeaders: ['Content-Type', 'X-Api-Key'],
  exposeHeaders: ['x-request-id', 'date'],
  maxAge: 300,
}

/**
 * `corsapi001`:
 *   GET  /lambda            scripted function (answers what the request body scripts)
 *   GET  /http              HTTP_PROXY to a real upstream that sets its own CORS headers
 *   GET  /secret            Lambda REQUEST authorizer (authz-scripted, allows) then echo
 *   OPTIONS /explicit       echo function
 *   ANY  /any/{proxy+}      echo function
 */
function mainApi(options: { cors: object; upstream: Upstream }): object {
  return {
    functions: {
      scripted: { handler: 'scripted.handler' },
      echo: { handler: 'echo.handler' },
      authz: { handler: 'authz-scripted.handler' },
    },
    apis: [
      {
        name: 'cors-api',
        apiId: 'corsapi001',
        corsConfiguration: options.cors,
        authorizers: [
          {
            authorizerId: 'authz',
            authorizerType: 'REQUEST',
            authorizerUri: 'authz',
            authorizerPayloadFormatVersion: '2.0',
            enableSimpleResponses: true,
            identitySource: ['$request.header.Authorization'],
            authorizerResultTtlInSeconds: 0,
          },
        ],
        routes: [
          { routeKey: 'GET /lambda', target: 'integrations/scripted' },
          { routeKey: 'GET /http', target: 'integrations/upstream' },
          { routeKey: 'GET /secret', target: 'integrations/echo', authorizationType: 'CUSTOM', authorizerId: 'authz' },
          { routeKey: 'OPTIONS /explicit', target: 'integrations/echo' },
          { routeKey: 'ANY /any/{proxy+}', target: 'integrations/echo' },
        ],
        integrations: [
          { integrationId: 'scripted', integrationType: 'AWS_PROXY', integrationUri: 'scripted', payloadFormatVersion: '2.0' },
          { integrationId: 'echo', integrationType: 'AWS_PROXY', integrationUri: 'echo', payloadFormatVersion: '2.0' },
          {
            integrationId: 'upstream',
            integrationType: 'HTTP_PROXY',
            integrationMethod: 'ANY',
            integrationUri: options.upstream.url,
            payloadFormatVersion: '1.0',
            timeoutInMillis: 5000,
          },
        ],
      },
    ],
  }
}

/** An upstream answering every request with the evil CORS headers and `x-own: kept`. */
function corsSettingUpstream(t: TestContext): Promise<Upstream> {
  return startUpstream(t, (_req, res) => {
    const body = Buffer.from('from upstream')
    res.writeHead(200, { ...EVIL_CORS_HEADERS, 'content-type': 'text/plain', 'content-length': String(body.length), 'x-own': 'kept' })
    res.end(body)
  })
}

async function mainGateway(t: TestContext, cors: object = MAIN_CORS): Promise<{ gw: StartedGateway; upstream: Upstream }> {
  const upstream = await corsSettingUpstream(t)
  const gw = await startGateway(t, mainApi({ cors, upstream }))
  return { gw, upstream }
}

/** A one-route API (`GET /x` on echo) with the given CORS configuration. */
function tinyApi(cors: object): object {
  return {
    functions: { echo: { handler: 'echo.handler' } },
    apis: [
      {
        name: 'cors-tiny',
        apiId: 'corstiny01',
        corsConfiguration: cors,
        routes: [{ routeKey: 'GET /x', target: 'integrations/echo' }],
        integrations: [{ integrationId: 'echo', integrationType: 'AWS_PROXY', integrationUri: 'echo', payloadFormatVersion: '2.0' }],
      },
    ],
  }
}

/** `ANY /{proxy+}` behind a JWT authorizer, with CORS: the docs' trap (spec 8.2). */
function jwtProxyApi(oidc: OidcServer, cors: object): object {
  return {
    functions: { echo: { handler: 'echo.handler' } },
    apis: [
      {
        name: 'cors-jwt',
        apiId: 'corsjwt001',
        corsConfiguration: cors,
        authorizers: [
          {
            authorizerId: 'jwt',
            authorizerType: 'JWT',
            identitySource: ['$request.header.Authorization'],
            jwtConfiguration: { issuer: oidc.issuer, audience: ['gatehouse-tests'] },
          },
        ],
        routes: [{ routeKey: 'ANY /{proxy+}', target: 'integrations/echo', authorizationType: 'JWT', authorizerId: 'jwt' }],
        integrations: [{ integrationId: 'echo', integrationType: 'AWS_PROXY', integrationUri: 'echo', payloadFormatVersion: '2.0' }],
      },
    ],
  }
}

/** The headers a simple request from an allowed origin gets under MAIN_CORS. */
const mainSimpleHeaders = (origin: string): Record<string, string> => ({
  'access-control-allow-origin': origin,
  'access-control-allow-credentials': 'true',
  'access-control-expose-headers': 'x-request-id,date',
  vary: 'Origin',
})

// --- preflight answered by the gateway ---------------------------------------------------------------

test('a preflight no route matches is answered 204 with an empty body by the gateway; no integration, upstream or authorizer is called', async (t) => {
  const { gw, upstream } = await mainGateway(t)
  /** The parts of the answer every case shares (the configured headers: see the tests below). */
  const assertAnswer = (res: RawResponse, origin: string): void => {
    assertPreflightFraming(res)
    assert.equal(header(res, 'access-control-allow-origin'), origin)
    assert.equal(header(res, 'access-control-allow-credentials'), 'true')
    assert.equal(header(res, 'vary'), 'Origin')
  }

  await t.test('OPTIONS /lambda (only GET /lambda exists): the scripted function is not invoked', async () => {
    assertAnswer(await preflight(gw, '/lambda', APP_ORIGIN, 'POST', 'content-type, x-api-key'), APP_ORIGIN)
  })

  await t.test('OPTIONS /http: the HTTP upstream sees nothing, not even a connection', async () => {
    assertAnswer(await preflight(gw, '/http', APP_ORIGIN, 'GET'), APP_ORIGIN)
    assert.equal(upstream.requests.length, 0)
    assert.equal(upstream.connections, 0)
  })

  await t.test('OPTIONS /secret (GET /secret has a Lambda authorizer), with and without Authorization: the authorizer is not invoked', async () => {
    assertAnswer(await preflight(gw, '/secret', APP_ORIGIN, 'GET'), APP_ORIGIN)
    const withToken = await request(gw, 'OPTIONS', '/secret', [
      ['Origin', APP_ORIGIN],
      ['Access-Control-Request-Method', 'GET'],
      ['Authorization', 'Bearer anything'],
    ])
    assertAnswer(withToken, APP_ORIGIN)
  })

  await t.test('OPTIONS for a path no route knows at all is answered the same way', async () => {
    assertAnswer(await preflight(gw, '/nowhere/at/all', LOCAL_ORIGIN, 'DELETE'), LOCAL_ORIGIN)
  })

  await t.test('no function ran (no START line from the scripted, echo or authorizer function)', () => {
    assert.equal(startLines(gw), 0, gw.logs.join('\n'))
  })

  await t.test('control: the same functions do run for a real GET /secret (authorizer, then echo)', async () => {
    const res = await request(gw, 'GET', '/secret', [['Authorization', 'Bearer anything']])
    assert.equal(res.status, 200, res.body.toString())
    assert.equal(startLines(gw), 2, gw.logs.join('\n'))
  })
})

test('the automatic preflight answer carries exactly the configured headers: allow-origin, allow-methods and allow-headers joined with ",", max-age, credentials, vary: Origin', async (t) => {
  const { gw } = await mainGateway(t)
  const full = {
    'access-control-allow-origin': APP_ORIGIN,
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': 'GET,POST,DELETE',
    'access-control-allow-headers': 'Content-Type,X-Api-Key',
    'access-control-max-age': '300',
    vary: 'Origin',
  }
  assertPreflightAnswer(await preflight(gw, '/lambda', APP_ORIGIN, 'POST', 'content-type, x-api-key'), full)
  assertPreflightAnswer(await preflight(gw, '/http', APP_ORIGIN, 'GET'), full)
  // Methods and requested headers compare case-insensitively; the configured lists are sent as configured.
  assertPreflightAnswer(await preflight(gw, '/lambda', APP_ORIGIN, 'delete', 'X-API-KEY'), full)
  assertPreflightAnswer(await preflight(gw, '/nowhere', LOCAL_ORIGIN, 'GET'), { ...full, 'access-control-allow-origin': LOCAL_ORIGIN })
})

test('allowHeaders ["*"] echoes the requested headers (none requested → no allow-headers); allowOrigins ["*"] → "*" without vary', async (t) => {
  const gw = await startGateway(t, tinyApi({ allowOrigins: ['*'], allowMethods: ['GET', 'PUT'], allowHeaders: ['*'], maxAge: 0 }))
  assertPreflightAnswer(await preflight(gw, '/x', APP_ORIGIN, 'PUT', 'X-Custom-One, Content-Type'), {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET,PUT',
    'access-control-allow-headers': 'x-custom-one,content-type',
    'access-control-max-age': '0',
  })
  assertPreflightAnswer(await preflight(gw, '/x', 'http://anything.test', 'GET'), {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET,PUT',
    'access-control-max-age': '0',
  })
})

test('maxAge -1 sends no access-control-max-age, nor does an unset maxAge; no allow-credentials unless allowCredentials', async (t) => {
  for (const extra of [{ maxAge: -1 }, {}]) {
    const gw = await startGateway(t, tinyApi({ allowOrigins: [APP_ORIGIN], allowMethods: ['GET'], allowHeaders: ['authorization'], ...extra }))
    assertPreflightAnswer(await preflight(gw, '/x', APP_ORIGIN, 'GET', 'Authorization'), {
      'access-control-allow-origin': APP_ORIGIN,
      'access-control-allow-methods': 'GET',
      'access-control-allow-headers': 'authorization',
      vary: 'Origin',
    })
  }
})

test('a preflight whose method, or one of whose requested headers, is not allowed gets 204 without any access-control-allow-* header', async (t) => {
  const { gw } = await mainGateway(t)
  // CorsPolicy.preflight() answers a refusal with no CORS header at all; that is what is pinned.
  assertPreflightAnswer(await preflight(gw, '/lambda', APP_ORIGIN, 'PUT'), {})
  assertPreflightAnswer(await preflight(gw, '/lambda', APP_ORIGIN, 'GET', 'content-type, x-other'), {})
  assert.equal(startLines(gw), 0)
})

// --- origin rules --------------------------------------------------------------------------------------

test('origin rules: exact origins match case-insensitively and are echoed as sent; scheme://* matches that scheme only; others get no CORS headers', async (t) => {
  const gw = await startGateway(t, tinyApi({ allowOrigins: ['HTTPS://App.Example.com', 'http://localhost:3000', 'https://*'], allowMethods: ['GET'] }))
  /** Both a preflight and a simple GET from `origin`: allow-origin `echoed` (and vary), or no CORS header. */
  const check = async (origin: string, allowed: boolean): Promise<void> => {
    const pre = await preflight(gw, '/x', origin, 'GET')
    assert.equal(pre.status, 204)
    assert.equal(pre.body.length, 0)
    const simple = await request(gw, 'GET', '/x', [['Origin', origin]])
    assert.equal(simple.status, 200)
    if (allowed) {
      assert.equal(header(pre, 'access-control-allow-origin'), origin, `preflight from ${origin}`)
      assert.equal(header(pre, 'vary'), 'Origin')
      assert.equal(header(pre, 'access-control-allow-credentials'), undefined, 'allowCredentials is not set')
      assert.deepEqual(corsHeadersOf(simple), { 'access-control-allow-origin': origin, vary: 'Origin' }, `GET from ${origin}`)
    } else {
      assert.deepEqual(corsHeadersOf(pre), {}, `preflight from ${origin}`)
      assert.deepEqual(corsHeadersOf(simple), {}, `GET from ${origin}`)
    }
  }

  /** Subtests: their names, and the origins each checks in turn, with whether each is allowed. */
  const cases: ReadonlyArray<readonly [string, ReadonlyArray<readonly [string, boolean]>]> = [
    [
      'an exact entry matches whatever the case of scheme and host; the request origin is echoed byte for byte',
      [['https://app.example.com', true], ['HTTPS://APP.EXAMPLE.COM', true]],
    ],
    ['https://* matches any https origin, with or without a port', [['https://anything.test', true], ['https://other.test:8443', true]]],
    [
      'https://* does not match an http origin: 204 without any access-control-* header',
      [['http://anything.test', false], ['http://app.example.com', false]],
    ],
    [
      'an exact http entry does not match another port, nor the origin "null"',
      [['http://localhost:3000', true], ['http://localhost:3001', false], ['null', false]],
    ],
  ]
  for (const [name, origins] of cases) {
    await t.test(name, async () => {
      for (const [origin, allowed] of origins) await check(origin, allowed)
    })
  }

  await t.test('allowOrigins ["*"] sends "*" and no vary', async (t) => {
    const any = await startGateway(t, tinyApi({ allowOrigins: ['*'], allowMethods: ['GET'] }))
    const pre = await preflight(any, '/x', 'http://whatever.test', 'GET')
    assert.equal(pre.status, 204)
    assert.equal(header(pre, 'access-control-allow-origin'), '*')
    assert.equal(header(pre, 'vary'), undefined)
  })
})

test('a disallowed origin gets 204 with no access-control-* headers at all on its preflight', async (t) => {
  const { gw } = await mainGateway(t)
  assertPreflightAnswer(await preflight(gw, '/lambda', 'https://evil.example.com', 'GET'), {})
  assertPreflightAnswer(await preflight(gw, '/lambda', 'https://evil.example.com', 'PUT', 'x-other'), {})
  assert.equal(startLines(gw), 0)
})

// --- what is not a preflight, and routes that win ----------------------------------------------------

test('OPTIONS without Access-Control-Request-Method (or without Origin) is not a preflight: 404 when no route matches', async (t) => {
  const { gw } = await mainGateway(t)

  await t.test('Origin but no Access-Control-Request-Method: 404 Not Found, with the simple-request CORS headers', async () => {
    const res = await request(gw, 'OPTIONS', '/lambda', [['Origin', APP_ORIGIN]])
    assertGatewayError(res, 404, NOT_FOUND_BODY)
    assert.equal(CORS_ON_GATEWAY_RESPONSES, true)
    assert.deepEqual(corsHeadersOf(res), mainSimpleHeaders(APP_ORIGIN))
  })

  await t.test('Access-Control-Request-Method but no Origin: 404 Not Found, no CORS headers', async () => {
    const res = await request(gw, 'OPTIONS', '/lambda', [['Access-Control-Request-Method', 'GET']])
    assertGatewayError(res, 404, NOT_FOUND_BODY)
    assert.deepEqual(corsHeadersOf(res), {})
  })
  assert.equal(startLines(gw), 0)
})

test('a preflight matching an explicit OPTIONS route or ANY /{proxy+} goes to that route, with the configured CORS headers added', async (t) => {
  const { gw } = await mainGateway(t)
  interface Event {
    routeKey: string
    requestContext: { http: { method: string; path: string } }
    headers: Record<string, string>
  }

  for (const [target, routeKey] of [
    ['/explicit', 'OPTIONS /explicit'],
    ['/any/deep/path', 'ANY /any/{proxy+}'],
  ] as const) {
    await t.test(`${target} → ${routeKey}`, async () => {
      const res = await preflight(gw, target, APP_ORIGIN, 'POST', 'content-type')
      assert.equal(res.status, 200, res.body.toString())
      const event = JSON.parse(res.body.toString()) as Event
      assert.equal(event.routeKey, routeKey)
      assert.equal(event.requestContext.http.method, 'OPTIONS')
      assert.equal(event.requestContext.http.path, target)
      assert.equal(event.headers['access-control-request-method'], 'POST')
      assert.equal(event.headers['origin'], APP_ORIGIN)
      assert.equal(header(res, 'content-type'), 'application/json')
      assert.equal(header(res, 'content-length'), String(res.body.length))
      // The configured headers a response gets (spec 8.2); whether a routed preflight also gets
      // allow-methods/allow-headers/max-age is not specified, so only these are pinned.
      const cors = corsHeadersOf(res)
      assert.equal(cors['access-control-allow-origin'], APP_ORIGIN)
      assert.equal(cors['access-control-allow-credentials'], 'true')
      assert.equal(cors['vary'], 'Origin')
    })
  }
  assert.equal(startLines(gw), 2, 'the echo function ran once per routed preflight')
})

test('ANY /{proxy+} with a JWT authorizer: a preflight is routed to the authorizer, 401 {"message":"Unauthorized"} with the CORS headers added', async (t) => {
  const oidc = await startOidcServer(t, { keys: [await generateSigningKey('RS256')] })
  const gw = await startGateway(t, jwtProxyApi(oidc, { allowOrigins: [APP_ORIGIN], allowMethods: ['GET', 'POST'], allowHeaders: ['authorization'], maxAge: 60, exposeHeaders: ['x-trace'] }))
  const simple = { 'access-control-allow-origin': APP_ORIGIN, 'access-control-expose-headers': 'x-trace', vary: 'Origin' }

  await t.test('preflight OPTIONS /orders → 401 from the authorizer, not the automatic 204', async () => {
    const res = await preflight(gw, '/orders', APP_ORIGIN, 'POST', 'authorization')
    assertGatewayError(res, 401, UNAUTHORIZED_BODY)
    assert.equal(header(res, 'content-length'), '26')
    assert.equal(header(res, 'www-authenticate'), 'Bearer')
    const cors = corsHeadersOf(res)
    assert.equal(cors['access-control-allow-origin'], APP_ORIGIN)
    assert.equal(cors['vary'], 'Origin')
  })

  await t.test('a simple GET without a token: 401 with exactly the simple-request CORS headers (gateway responses carry them)', async () => {
    const res = await request(gw, 'GET', '/orders', [['Origin', APP_ORIGIN]])
    assertGatewayError(res, 401, UNAUTHORIZED_BODY)
    assert.deepEqual(corsHeadersOf(res), simple)
  })

  await t.test('the same 401 without Origin has no CORS headers', async () => {
    const res = await request(gw, 'GET', '/orders')
    assertGatewayError(res, 401, UNAUTHORIZED_BODY)
    assert.deepEqual(corsHeadersOf(res), {})
  })
  assert.equal(startLines(gw), 0, 'the integration never ran')
})

// --- simple (non-preflight) requests ----------------------------------------------------------------

test('simple requests: the configured headers replace the integration\'s CORS headers, only for an allowed Origin', async (t) => {
  const { gw, upstream } = await mainGateway(t)
  const lambdaScript = JSON.stringify({
    return: { statusCode: 200, headers: { ...EVIL_CORS_HEADERS, 'content-type': 'text/plain', 'x-own': 'kept' }, body: 'from lambda' },
  })
  // GET with a body: the scripted function reads its script from it.
  const callLambda = (headers: Headers): Promise<RawResponse> => {
    const { host } = new URL(gw.url)
    const body = Buffer.from(lambdaScript)
    return rawRequest(gw.url, 'GET', '/lambda', [['Host', host], ['Content-Length', String(body.length)], ...headers], body)
  }
  const callHttp = (headers: Headers): Promise<RawResponse> => request(gw, 'GET', '/http', headers)

  for (const [label, call, body] of [
    ['Lambda integration', callLambda, 'from lambda'],
    ['HTTP_PROXY integration', callHttp, 'from upstream'],
  ] as const) {
    await t.test(`${label}, allowed Origin: allow-origin, allow-credentials, expose-headers and vary only; the integration's own dropped`, async () => {
      const res = await call([['Origin', APP_ORIGIN]])
      assert.equal(res.status, 200, res.body.toString())
      assert.equal(res.body.toString(), body)
      assert.equal(header(res, 'x-own'), 'kept', 'other integration headers pass')
      assert.deepEqual(corsHeadersOf(res), mainSimpleHeaders(APP_ORIGIN))
    })

    await t.test(`${label}, no Origin: no access-control-* header at all, not even the integration's`, async () => {
      const res = await call([])
      assert.equal(res.status, 200, res.body.toString())
      assert.equal(res.body.toString(), body)
      assert.equal(header(res, 'x-own'), 'kept')
      assert.deepEqual(corsHeadersOf(res), {})
    })

    await t.test(`${label}, disallowed Origin: no access-control-* header at all`, async () => {
      const res = await call([['Origin', 'http://evil']])
      assert.equal(res.status, 200, res.body.toString())
      assert.equal(header(res, 'x-own'), 'kept')
      assert.deepEqual(corsHeadersOf(res), {})
    })
  }
  assert.equal(upstream.requests.length, 3)
})

test('simple requests without allowCredentials or exposeHeaders get only allow-origin (and vary for an echoed origin)', async (t) => {
  const gw = await startGateway(t, tinyApi({ allowOrigins: ['*'], allowMethods: ['GET'], allowHeaders: ['x-a'], maxAge: 10 }))
  const res = await request(gw, 'GET', '/x', [['Origin', APP_ORIGIN]])
  assert.equal(res.status, 200)
  assert.deepEqual(corsHeadersOf(res), { 'access-control-allow-origin': '*' })
})

test('gateway-generated responses carry the CORS headers too: 404 for no route', async (t) => {
  assert.equal(CORS_ON_GATEWAY_RESPONSES, true)
  const { gw } = await mainGateway(t)
  const res = await request(gw, 'GET', '/no/such/route', [['Origin', LOCAL_ORIGIN]])
  assertGatewayError(res, 404, NOT_FOUND_BODY)
  assert.equal(header(res, 'content-length'), '23')
  assert.deepEqual(corsHeadersOf(res), mainSimpleHeaders(LOCAL_ORIGIN))
  const without = await request(gw, 'GET', '/no/such/route')
  assertGatewayError(without, 404, NOT_FOUND_BODY)
  assert.deepEqual(corsHeadersOf(without), {})
})

test(
  'vary: Origin is added to an echoed origin even when the integration sends its own vary',
  {},
  async (t) => {
    const { gw } = await mainGateway(t)
    const script = JSON.stringify({ return: { statusCode: 200, headers: { vary: 'Accept-Encoding' }, body: 'x' } })
    const { host } = new URL(gw.url)
    const res = await rawRequest(gw.url, 'GET', '/lambda', [['Host', host], ['Origin', APP_ORIGIN], ['Content-Length', String(script.length)]], Buffer.from(script))
    assert.equal(res.status, 200)
    assert.equal(header(res, 'access-control-allow-origin'), APP_ORIGIN)
    // One combined vary header or two: either way the response varies on both.
    const vary = (res.headers.get('vary') ?? []).flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase())
    assert.deepEqual(vary.sort(), ['accept-encoding', 'origin'])
  }
)

// --- OpenAPI x-amazon-apigateway-cors -------------------------------------------------------------------

/** An OpenAPI document with `x-amazon-apigateway-cors` at its root and `GET /things` on the scripted function. */
async function openApiGateway(t: TestContext): Promise<StartedGateway> {
  const dir = tempDir(t)
  const file = join(dir, 'cors-api.yaml')
  writeFileSync(
    file,
    `openapi: 3.0.1
info:
  title: cors-openapi
  version: "1"
x-amazon-apigateway-cors:
  allowOrigins:
    - https://app.example.com
  allowCredentials: true
  allowMethods:
    - GET
    - POST
  allowHeaders:
    - content-type
  exposeHeaders:
    - x-trace
  maxAge: 600
paths:
  /things:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        uri: scripted
        payloadFormatVersion: "2.0"
`
  )
  return startGateway(t, { functions: { scripted: { handler: 'scripted.handler' } }, apis: [{ openapi: file }] })
}

test('OpenAPI x-amazon-apigateway-cors at the document root configures CORS the same way', async (t) => {
  const gw = await openApiGateway(t)

  await t.test('preflight OPTIONS /things → 204 from the gateway, origin echoed, function not invoked; other origins get nothing', async () => {
    const res = await preflight(gw, '/things', APP_ORIGIN, 'POST', 'Content-Type')
    assert.equal(res.status, 204)
    assert.equal(res.body.length, 0)
    assert.equal(header(res, 'content-length'), undefined)
    assert.match(header(res, 'apigw-requestid') ?? '', REQUEST_ID)
    assert.equal(header(res, 'access-control-allow-origin'), APP_ORIGIN)
    assert.equal(header(res, 'access-control-allow-credentials'), 'true')
    assert.equal(header(res, 'vary'), 'Origin')
    assertPreflightAnswer(await preflight(gw, '/things', 'https://other.example.com', 'POST'), {})
    assert.equal(startLines(gw), 0)
  })

  await t.test('simple GET /things: the integration\'s CORS headers are replaced by the configured ones', async () => {
    const script = JSON.stringify({ return: { statusCode: 200, headers: EVIL_CORS_HEADERS, body: 'ok' } })
    const { host } = new URL(gw.url)
    const res = await rawRequest(gw.url, 'GET', '/things', [['Host', host], ['Origin', APP_ORIGIN], ['Content-Length', String(script.length)]], Buffer.from(script))
    assert.equal(res.status, 200, res.body.toString())
    assert.equal(res.body.toString(), 'ok')
    assert.deepEqual(corsHeadersOf(res), {
      'access-control-allow-origin': APP_ORIGIN,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'x-trace',
      vary: 'Origin',
    })
    const without = await rawRequest(gw.url, 'GET', '/things', [['Host', host], ['Content-Length', String(script.length)]], Buffer.from(script))
    assert.equal(without.status, 200)
    assert.deepEqual(corsHeadersOf(without), {})
  })

  await t.test('no route: 404 with the CORS headers', async () => {
    const res = await request(gw, 'GET', '/nothing', [['Origin', APP_ORIGIN]])
    assertGatewayError(res, 404, NOT_FOUND_BODY)
    assert.deepEqual(corsHeadersOf(res), {
      'access-control-allow-origin': APP_ORIGIN,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'x-trace',
      vary: 'Origin',
    })
  })
})

test('OpenAPI x-amazon-apigateway-cors: the preflight answer carries exactly the configured headers', async (t) => {
  const gw = await openApiGateway(t)
  assertPreflightAnswer(await preflight(gw, '/things', APP_ORIGIN, 'POST', 'Content-Type'), {
    'access-control-allow-origin': APP_ORIGIN,
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': 'GET,POST',
    'access-control-allow-headers': 'content-type',
    'access-control-max-age': '600',
    vary: 'Origin',
  })
})

// --- configuration errors ---------------------------------------------------------------------------

function corsIssues(cors: object): readonly ConfigIssue[] {
  const result = loadConfigObject(tinyApi(cors), handlersDir)
  assert.equal(result.ok, false, `the CORS configuration ${JSON.stringify(cors)} must be refused`)
  return result.ok ? [] : result.issues
}

function onlyIssue(cors: object): ConfigIssue {
  const issues = corsIssues(cors)
  assert.equal(issues.length, 1, issues.map((i) => `${i.path}: ${i.message}`).join('\n'))
  return issues[0] as ConfigIssue
}

test('allowCredentials with allowOrigins ["*"] is refused with AWS\'s message; createGateway().start() rejects with ConfigError', async () => {
  const issue = onlyIssue({ allowOrigins: ['*'], allowCredentials: true })
  assert.equal(issue.path, 'apis[0].corsConfiguration.allowCredentials')
  assert.equal(issue.message, "allow-credentials is not supported if 'allow-origin' is *")
  assert.equal(CREDENTIALS_WITH_ANY_ORIGIN_MESSAGE, issue.message)

  const gateway = createGateway(tinyApi({ allowOrigins: ['*'], allowCredentials: true }), { baseDir: handlersDir, logLevel: 'silent', functionLogs: 'silent', port: 0 })
  await assert.rejects(gateway.start(), (err: unknown) => {
    assert.ok(err instanceof ConfigError)
    assert.deepEqual(
      err.issues.map((i) => [i.path, i.message]),
      [['apis[0].corsConfiguration.allowCredentials', "allow-credentials is not supported if 'allow-origin' is *"]]
    )
    return true
  })
  await gateway.stop()
})

test('maxAge must be within -1…86400: 86401 and -2 are refused, -1 and 86400 accepted', () => {
  for (const maxAge of [86401, -2]) {
    const issue = onlyIssue({ allowOrigins: [APP_ORIGIN], maxAge })
    assert.equal(issue.path, 'apis[0].corsConfiguration.maxAge', `maxAge ${maxAge}`)
  }
  for (const maxAge of [-1, 86400]) {
    const result = loadConfigObject(tinyApi({ allowOrigins: [APP_ORIGIN], maxAge }), handlersDir)
    assert.equal(result.ok, true, `maxAge ${maxAge} is valid`)
  }
})

test('allowMethods ["FETCH"] is refused: only HTTP methods or *', () => {
  const issue = onlyIssue({ allowOrigins: [APP_ORIGIN], allowMethods: ['GET', 'FETCH'] })
  assert.equal(issue.path, 'apis[0].corsConfiguration.allowMethods')
  assert.match(issue.message, /^"FETCH" is not a method/)
})

test('an origin with a path is refused: origins are scheme://host[:port], scheme://* or *', () => {
  const issue = onlyIssue({ allowOrigins: ['https://app.example.com/path'] })
  assert.equal(issue.path, 'apis[0].corsConfiguration.allowOrigins')
  assert.equal(issue.message, '"https://app.example.com/path" is not an origin: use *, scheme://* or scheme://host[:port]')
  const trailing = onlyIssue({ allowOrigins: ['https://app.example.com/'] })
  assert.equal(trailing.path, 'apis[0].corsConfiguration.allowOrigins')
})
