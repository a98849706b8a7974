// Lambda (REQUEST) authorizers over real HTTP (spec 3.4, 5.2, 9.3, 14, 16.4). The authorizer is
// test/fixtures/handlers/authz-scripted.mjs: it appends every event it receives to a file (so
// invocations are counted and events read back) and answers what the request's
// `x-authz-script` header (or its AUTHZ_SCRIPT environment variable) tells it to. The
// integration is authz-echo.mjs, which returns its event and counts its own invocations, so
// every refusal can also prove the integration was never reached.
//
// Provisional (spec [UNCONFIRMED]): the 403 body for denials; the path part of routeArn being the
// request path rather than the route template; payload 1.0 context flattening (values stringified,
// principalId and integrationLatency beside them); caching of deny decisions. Tests and
// assertions relying on them say "(provisional)".
//
// The authorizer's 10 s response limit is tested once, with a function that sleeps 11 s: that
// test alone takes about 10 s.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { startGateway } from '../helpers/gateway.js'
import { http, type HttpResult } from '../helpers/http.js'

const API_ID = 'authzapi01'
const ACCOUNT_ID = '111122223333'
const REGION = 'eu-central-1'
/** `arn:aws:execute-api:{region}:{account}:{apiId}`: every routeArn starts with it. */
const API_ARN = `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:${API_ID}`
const FORBIDDEN = '{"message":"Forbidden"}'
const UNAUTHORIZED = '{"message":"Unauthorized"}'
const INTERNAL_ERROR = '{"message":"Internal Server Error"}'
const WAIT_MS = 10_000

/** Every value quoted, so a line parses whatever is missing. */
const QUOTED_FORMAT =
  '{"requestId":"$context.requestId","status":"$context.status","routeKey":"$context.routeKey",' +
  '"principalId":"$context.authorizer.principalId","error":"$context.authorizer.error","tenant":"$context.authorizer.tenant",' +
  '"errorMessage":"$context.error.message"}'

type Json = Record<string, unknown>

// --- the gateway under test ----------------------------------------------------------------

interface AuthorizerOptions {
  readonly identitySource?: readonly string[]
  readonly payloadVersion?: '1.0' | '2.0'
  readonly simple?: boolean
  readonly ttl?: number
}

interface RouteSpec {
  readonly routeKey: string
  /** `authorizationType: NONE` instead of the Lambda authorizer. */
  readonly open?: boolean
}

interface Options {
  readonly authorizer?: AuthorizerOptions
  readonly integrationVersion?: '1.0' | '2.0'
  readonly routes?: readonly RouteSpec[]
  /** Stage definitions; each gets an access log (QUOTED_FORMAT unless `accessLogFormat`). Omit for the stages below. */
  readonly stages?: readonly Json[]
  readonly accessLogFormat?: string
  /** The authorizer's answer when a request sends no `x-authz-script`. */
  readonly script?: unknown
  readonly authorizerFunction?: { readonly timeout?: number; readonly reservedConcurrency?: number }
}

const DEFAULT_ROUTES: readonly RouteSpec[] = [
  { routeKey: 'GET /items/{id}' },
  { routeKey: 'POST /items/{id}' },
  { routeKey: 'ANY /any' },
  { routeKey: 'GET /a' },
  { routeKey: 'GET /b' },
  { routeKey: 'GET /open', open: true },
]
const DEFAULT_STAGES: readonly Json[] = [{ stageName: 'dev', stageVariables: { env: 'blue' } }, { stageName: 'prod' }]

interface SendOptions {
  readonly method?: string
  readonly headers?: Record<string, string>
  readonly body?: string
  /** Sent as the `x-authz-script` header: what the authorizer answers to this request. */
  readonly script?: unknown
}

interface Harness {
  readonly url: string
  send(path: string, options?: SendOptions): Promise<HttpResult>
  /** Events the authorizer function received, oldest first. */
  authorizerEvents(): Json[]
  authorizerCalls(): number
  integrationCalls(): number
  /** The access-log line of a response (waits for it). */
  logLine(res: HttpResult, stageName?: string): Promise<Json>
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-lambda-authz-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function linesOf(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : []
}

const logFileName = (stageName: string): string => `access-${stageName.replace(/\W/g, '_')}.log`

async function authzGateway(t: TestContext, options: Options = {}): Promise<Harness> {
  const dir = tempDir(t)
  const authzLog = join(dir, 'authorizer.jsonl')
  const appLog = join(dir, 'integration.jsonl')
  const a = options.authorizer ?? {}
  const version = a.payloadVersion ?? '2.0'
  const authorizer: Json = {
    authorizerId: 'authz',
    authorizerType: 'REQUEST',
    authorizerUri: 'authz',
    authorizerPayloadFormatVersion: version,
    identitySource: a.identitySource ?? ['$request.header.Authorization'],
    authorizerResultTtlInSeconds: a.ttl ?? 0,
  }
  if (version === '2.0') authorizer['enableSimpleResponses'] = a.simple ?? true
  const stages = (options.stages ?? DEFAULT_STAGES).map((s) => ({
    ...s,
    accessLogSettings: { format: options.accessLogFormat ?? QUOTED_FORMAT, destination: join(dir, logFileName(String(s['stageName']))) },
  }))
  const fn = options.authorizerFunction ?? {}
  const config = {
    accountId: ACCOUNT_ID,
    region: REGION,
    functions: {
      authz: {
        handler: 'authz-scripted.handler',
        environment: { AUTHZ_LOG: authzLog, ...(options.script !== undefined ? { AUTHZ_SCRIPT: JSON.stringify(options.script) } : {}) },
        ...(fn.timeout !== undefined ? { timeout: fn.timeout } : {}),
        ...(fn.reservedConcurrency !== undefined ? { reservedConcurrency: fn.reservedConcurrency } : {}),
      },
      app: { handler: 'authz-echo.handler', environment: { APP_LOG: appLog } },
    },
    apis: [
      {
        name: 'authz-api',
        apiId: API_ID,
        authorizers: [authorizer],
        routes: (options.routes ?? DEFAULT_ROUTES).map((r) => ({
          routeKey: r.routeKey,
          target: 'integrations/app',
          ...(r.open === true ? {} : { authorizationType: 'CUSTOM', authorizerId: 'authz' }),
        })),
        integrations: [
          { integrationId: 'app', integrationType: 'AWS_PROXY', integrationUri: 'app', payloadFormatVersion: options.integrationVersion ?? '2.0' },
        ],
        stages,
      },
    ],
  }
  const { url } = await startGateway(t, config)
  return {
    url,
    send: (path, o = {}) =>
      http(url + path, {
        method: o.method ?? 'GET',
        headers: { ...(o.headers ?? {}), ...(o.script !== undefined ? { 'x-authz-script': JSON.stringify(o.script) } : {}) },
        ...(o.body !== undefined ? { body: o.body } : {}),
      }),
    authorizerEvents: () => linesOf(authzLog).map((l) => JSON.parse(l) as Json),
    authorizerCalls: () => linesOf(authzLog).length,
    integrationCalls: () => linesOf(appLog).length,
    logLine: async (res, stageName = 'dev') => {
      const requestId = res.headers['apigw-requestid']
      assert.equal(typeof requestId, 'string', 'apigw-requestid header')
      const file = join(dir, logFileName(stageName))
      const deadline = Date.now() + WAIT_MS
      for (;;) {
        const line = linesOf(file)
          .map((l) => JSON.parse(l) as Json)
          .find((l) => l['requestId'] === requestId)
        if (line !== undefined) return line
        if (Date.now() > deadline) throw new Error(`no access-log line for ${String(requestId)} in ${file}`)
        await delay(20)
      }
    },
  }
}

// --- assertion helpers ---------------------------------------------------------------------

function assertGatewayError(res: HttpResult, status: number, body: string): void {
  assert.equal(res.status, status, `status (body ${res.text})`)
  assert.equal(res.text, body)
  assert.equal(res.headers['content-type'], 'application/json')
  assert.equal(res.headers['content-length'], String(Buffer.byteLength(body)))
}

function assertOk(res: HttpResult): Json {
  assert.equal(res.status, 200, `status (body ${res.text})`)
  return res.json<Json>()
}

function obj(value: unknown, what: string): Json {
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `${what} is an object: ${JSON.stringify(value)}`)
  return value as Json
}

function only<T>(items: readonly T[], what: string): T {
  assert.equal(items.length, 1, `exactly one ${what}, got ${items.length}`)
  return items[0] as T
}

/** A policy response: `execute-api:Invoke` statements (Action defaults), principalId and optional context. */
function policy(statements: ReadonlyArray<{ Effect: 'Allow' | 'Deny'; Resource: string | string[]; Action?: string | string[] }>, extra: Json = {}): Json {
  return {
    principalId: 'user-1',
    policyDocument: { Version: '2012-10-17', Statement: statements.map((s) => ({ Action: 'execute-api:Invoke', ...s })) },
    ...extra,
  }
}
const ret = (value: unknown) => ({ return: value })
const ALLOW = ret({ isAuthorized: true })
const AUTH = { Authorization: 'token-alice' }

// --- the authorizer's input ------------------------------------------------------------------

test('a payload 2.0 authorizer gets a REQUEST event: routeArn, identity values in configuration order, the request, and no body (routeArn path provisional)', async (t) => {
  const gw = await authzGateway(t, {
    authorizer: { identitySource: ['$request.querystring.tenant', '$request.header.X-User', '$stageVariables.env', '$context.routeKey'] },
  })
  const res = await gw.send('/dev/items/42?tenant=acme&x=1', {
    method: 'POST',
    headers: { 'x-user': 'alice', cookie: 'c1=v1; c2=v2', 'content-type': 'text/plain' },
    body: 'the body',
    script: ALLOW,
  })
  const integrationEvent = assertOk(res)
  assert.equal(integrationEvent['body'], 'the body', 'the integration still gets the body')

  const event = only(gw.authorizerEvents(), 'authorizer invocation')
  assert.equal(event['version'], '2.0')
  assert.equal(event['type'], 'REQUEST')
  // (provisional) the request path, not the route template /items/{id}, as REST does.
  assert.equal(event['routeArn'], `${API_ARN}/dev/POST/items/42`)
  assert.deepEqual(event['identitySource'], ['acme', 'alice', 'blue', 'POST /items/{id}'])
  assert.equal('body' in event, false, 'no body')
  assert.equal('isBase64Encoded' in event, false, 'no isBase64Encoded')
  assert.equal(event['routeKey'], 'POST /items/{id}')
  assert.equal(event['rawPath'], '/dev/items/42')
  assert.equal(event['rawQueryString'], 'tenant=acme&x=1')
  assert.deepEqual(event['cookies'], ['c1=v1', 'c2=v2'])
  const headers = obj(event['headers'], 'headers')
  assert.equal(headers['x-user'], 'alice')
  assert.equal(headers['content-type'], 'text/plain')
  assert.deepEqual(event['queryStringParameters'], { tenant: 'acme', x: '1' })
  assert.deepEqual(event['pathParameters'], { id: '42' })
  assert.deepEqual(event['stageVariables'], { env: 'blue' })
  const rc = obj(event['requestContext'], 'requestContext')
  assert.equal(rc['accountId'], ACCOUNT_ID)
  assert.equal(rc['apiId'], API_ID)
  assert.equal(rc['stage'], 'dev')
  assert.equal(rc['routeKey'], 'POST /items/{id}')
  assert.equal('authorizer' in rc, false, 'no authorizer result yet')
  assert.deepEqual(obj(rc['http'], 'http')['method'], 'POST')
  assert.equal(obj(rc['http'], 'http')['path'], '/dev/items/42')
  // The same request id the client and the integration see.
  assert.equal(rc['requestId'], res.headers['apigw-requestid'])
  assert.equal(obj(integrationEvent['requestContext'], 'integration requestContext')['requestId'], rc['requestId'])
})

test('routeArn carries the request method for ANY routes and the $default stage name', async (t) => {
  const gw = await authzGateway(t, { routes: [{ routeKey: 'ANY /any/{proxy+}' }], stages: [{ stageName: '$default' }] })
  assertOk(await gw.send('/any/x/y', { method: 'DELETE', headers: AUTH, script: ALLOW }))
  const event = only(gw.authorizerEvents(), 'authorizer invocation')
  assert.equal(event['routeArn'], `${API_ARN}/$default/DELETE/any/x/y`)
  assert.equal(event['routeKey'], 'ANY /any/{proxy+}')
})

test('a payload 1.0 authorizer gets methodArn, identity values joined with "," in identitySource and authorizationToken, and the REST request context subset', async (t) => {
  const gw = await authzGateway(t, {
    authorizer: { payloadVersion: '1.0', identitySource: ['$request.header.X-User', '$request.querystring.tenant'] },
  })
  const arn = `${API_ARN}/dev/POST/items/42`
  assertOk(
    await gw.send('/dev/items/42?tenant=acme', {
      method: 'POST',
      headers: { 'x-user': 'alice' },
      body: 'secret body',
      script: ret(policy([{ Effect: 'Allow', Resource: arn }])),
    })
  )
  const event = only(gw.authorizerEvents(), 'authorizer invocation')
  assert.deepEqual(Object.keys(event).sort(), [
    'authorizationToken', 'headers', 'httpMethod', 'identitySource', 'methodArn', 'path', 'pathParameters',
    'queryStringParameters', 'requestContext', 'resource', 'stageVariables', 'type', 'version',
  ])
  assert.equal(event['version'], '1.0')
  assert.equal(event['type'], 'REQUEST')
  assert.equal(event['methodArn'], arn)
  assert.equal(event['identitySource'], 'alice,acme')
  assert.equal(event['authorizationToken'], 'alice,acme')
  assert.equal(event['resource'], '/items/{id}')
  assert.equal(event['httpMethod'], 'POST')
  assert.equal(obj(event['headers'], 'headers')['x-user'], 'alice')
  assert.deepEqual(event['queryStringParameters'], { tenant: 'acme' })
  assert.deepEqual(event['pathParameters'], { id: '42' })
  assert.deepEqual(event['stageVariables'], { env: 'blue' })
  const rc = obj(event['requestContext'], 'requestContext')
  assert.deepEqual(Object.keys(rc).sort(), ['accountId', 'apiId', 'httpMethod', 'identity', 'path', 'requestId', 'resourceId', 'resourcePath', 'stage'])
  assert.equal(rc['accountId'], ACCOUNT_ID)
  assert.equal(rc['apiId'], API_ID)
  assert.equal(rc['stage'], 'dev')
  assert.equal(rc['httpMethod'], 'POST')
  assert.equal(rc['resourcePath'], '/items/{id}')
  const identity = obj(rc['identity'], 'identity')
  assert.deepEqual(Object.keys(identity).sort(), ['apiKey', 'clientCert', 'sourceIp'])
  assert.equal(identity['sourceIp'], '127.0.0.1')
})

// --- decisions ---------------------------------------------------------------------------------

test('simple responses: isAuthorized true reaches the integration with the context in requestContext.authorizer.lambda, JSON types kept', async (t) => {
  const gw = await authzGateway(t)
  const context = { tenant: 'acme', num: 7, flag: true, list: ['a', 1], map: { k: 'v', n: 2 } }
  const event = assertOk(await gw.send('/dev/a', { headers: AUTH, script: ret({ isAuthorized: true, context }) }))
  assert.deepEqual(obj(event['requestContext'], 'requestContext')['authorizer'], { lambda: context })
  assert.equal(gw.integrationCalls(), 1)
})

test('simple responses: isAuthorized false is 403 {"message":"Forbidden"} (provisional body) and the integration is not invoked', async (t) => {
  const gw = await authzGateway(t)
  assertGatewayError(await gw.send('/dev/a', { headers: AUTH, script: ret({ isAuthorized: false, context: { tenant: 'acme' } }) }), 403, FORBIDDEN)
  assert.equal(gw.authorizerCalls(), 1)
  assert.equal(gw.integrationCalls(), 0)
})

const POLICY_CASES: ReadonlyArray<{
  name: string
  statements: Parameters<typeof policy>[0]
  method: string
  path: string
  status: 200 | 403
}> = [
  { name: 'an Allow for the exact routeArn', statements: [{ Effect: 'Allow', Resource: `${API_ARN}/dev/GET/items/1` }], method: 'GET', path: '/dev/items/1', status: 200 },
  { name: 'an Allow for another path', statements: [{ Effect: 'Allow', Resource: `${API_ARN}/dev/GET/items/2` }], method: 'GET', path: '/dev/items/1', status: 403 },
  { name: 'an Allow for another stage', statements: [{ Effect: 'Allow', Resource: `${API_ARN}/prod/GET/items/1` }], method: 'GET', path: '/dev/items/1', status: 403 },
  { name: 'an Allow for another API', statements: [{ Effect: 'Allow', Resource: `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:otherapi01/dev/GET/items/1` }], method: 'GET', path: '/dev/items/1', status: 403 },
  { name: '* for every GET of the stage', statements: [{ Effect: 'Allow', Resource: `${API_ARN}/dev/GET/*` }], method: 'GET', path: '/dev/items/1', status: 200 },
  { name: '* for every GET of the stage, on a POST', statements: [{ Effect: 'Allow', Resource: `${API_ARN}/dev/GET/*` }], method: 'POST', path: '/dev/items/1', status: 403 },
  { name: '* across stage, method and path', statements: [{ Effect: 'Allow', Resource: `${API_ARN}/*` }], method: 'POST', path: '/dev/items/1', status: 200 },
  { name: 'a bare "*" resource', statements: [{ Effect: 'Allow', Resource: '*' }], method: 'GET', path: '/dev/items/1', status: 200 },
  { name: '* in the middle (any stage and method)', statements: [{ Effect: 'Allow', Resource: `${API_ARN}/*/items/1` }], method: 'POST', path: '/dev/items/1', status: 200 },
  { name: '? for exactly one character', statements: [{ Effect: 'Allow', Resource: `${API_ARN}/dev/GET/items/?` }], method: 'GET', path: '/dev/items/7', status: 200 },
  { name: '? against two characters', statements: [{ Effect: 'Allow', Resource: `${API_ARN}/dev/GET/items/?` }], method: 'GET', path: '/dev/items/77', status: 403 },
  { name: 'an Allow with Action execute-api:*', statements: [{ Effect: 'Allow', Resource: `${API_ARN}/dev/GET/items/1`, Action: 'execute-api:*' }], method: 'GET', path: '/dev/items/1', status: 200 },
  { name: 'an Allow for another action only', statements: [{ Effect: 'Allow', Resource: `${API_ARN}/dev/GET/items/1`, Action: 'execute-api:ManageConnections' }], method: 'GET', path: '/dev/items/1', status: 403 },
  {
    name: 'an explicit Deny beside a matching Allow',
    statements: [{ Effect: 'Allow', Resource: `${API_ARN}/*` }, { Effect: 'Deny', Resource: `${API_ARN}/dev/GET/items/1` }],
    method: 'GET',
    path: '/dev/items/1',
    status: 403,
  },
  {
    name: 'an explicit Deny listed before the Allow',
    statements: [{ Effect: 'Deny', Resource: `${API_ARN}/*/GET/items/*` }, { Effect: 'Allow', Resource: '*' }],
    method: 'GET',
    path: '/dev/items/1',
    status: 403,
  },
  {
    name: 'a Deny for something else beside the Allow',
    statements: [{ Effect: 'Allow', Resource: `${API_ARN}/*` }, { Effect: 'Deny', Resource: `${API_ARN}/dev/GET/items/2` }],
    method: 'GET',
    path: '/dev/items/1',
    status: 200,
  },
  { name: 'a Deny only', statements: [{ Effect: 'Deny', Resource: `${API_ARN}/dev/GET/items/2` }], method: 'GET', path: '/dev/items/1', status: 403 },
  { name: 'no statements', statements: [], method: 'GET', path: '/dev/items/1', status: 403 },
  { name: 'an Allow for the method of an ANY route', statements: [{ Effect: 'Allow', Resource: `${API_ARN}/dev/PATCH/any` }], method: 'PATCH', path: '/dev/any', status: 200 },
  { name: 'an Allow for another method of an ANY route', statements: [{ Effect: 'Allow', Resource: `${API_ARN}/dev/PATCH/any` }], method: 'PUT', path: '/dev/any', status: 403 },
]

test('policy responses are evaluated against the routeArn: wildcards * and ?, explicit Deny wins, no matching Allow is 403 (provisional body)', async (t) => {
  const gw = await authzGateway(t, { authorizer: { simple: false } })
  let allowed = 0
  for (const c of POLICY_CASES) {
    const res = await gw.send(c.path, { method: c.method, headers: AUTH, script: ret(policy(c.statements)) })
    if (c.status === 200) {
      allowed++
      assert.equal(res.status, 200, `${c.name}: ${res.text}`)
    } else {
      assert.equal(res.status, 403, `${c.name}: ${res.text}`)
      assert.equal(res.text, FORBIDDEN, c.name)
    }
  }
  assert.equal(gw.authorizerCalls(), POLICY_CASES.length, 'no caching with a TTL of 0')
  assert.equal(gw.integrationCalls(), allowed, 'the integration only ran for allowed requests')
})

test('a payload 2.0 policy response passes its context to requestContext.authorizer.lambda with JSON types', async (t) => {
  const gw = await authzGateway(t, { authorizer: { simple: false } })
  const context = { tenant: 'acme', num: 7, flag: false }
  const res = await gw.send('/dev/a', { headers: AUTH, script: ret(policy([{ Effect: 'Allow', Resource: `${API_ARN}/dev/GET/a` }], { context })) })
  const event = assertOk(res)
  assert.deepEqual(obj(event['requestContext'], 'requestContext')['authorizer'], { lambda: context })
})

test('payload 1.0 integrations get the context flattened into requestContext.authorizer with principalId (provisional)', async (t) => {
  const gw = await authzGateway(t, { authorizer: { payloadVersion: '1.0' }, integrationVersion: '1.0' })
  const context = { tenant: 'acme', num: 7, flag: true }
  const res = await gw.send('/dev/a', { headers: AUTH, script: ret(policy([{ Effect: 'Allow', Resource: `${API_ARN}/dev/GET/a` }], { context })) })
  const event = assertOk(res)
  assert.equal(event['version'], '1.0')
  const authorizer = obj(obj(event['requestContext'], 'requestContext')['authorizer'], 'authorizer')
  assert.equal(authorizer['principalId'], 'user-1')
  assert.equal(authorizer['tenant'], 'acme')
  // REST stringifies non-string context values (spec 3.4) (provisional).
  assert.equal(authorizer['num'], '7')
  assert.equal(authorizer['flag'], 'true')
  assert.equal(typeof authorizer['integrationLatency'], 'number')
  assert.deepEqual(Object.keys(authorizer).sort(), ['flag', 'integrationLatency', 'num', 'principalId', 'tenant'])
})

test('payload 1.0 authorizer events have pathParameters {} for a route without variables, as AWS\'s documented example', async (t) => {
  const gw = await authzGateway(t, { authorizer: { payloadVersion: '1.0' } })
  assertOk(await gw.send('/dev/a', { headers: AUTH, script: ret(policy([{ Effect: 'Allow', Resource: `${API_ARN}/dev/GET/a` }])) }))
  const event = only(gw.authorizerEvents(), 'authorizer invocation')
  assert.deepEqual(event['pathParameters'], {})
})

test('payload 1.0 integrations behind a simple-response authorizer get no principalId (AWS documents none for simple responses), not null', async (t) => {
  const gw = await authzGateway(t, { authorizer: { simple: true }, integrationVersion: '1.0' })
  const event = assertOk(await gw.send('/dev/a', { headers: AUTH, script: ret({ isAuthorized: true, context: { tenant: 'acme' } }) }))
  const authorizer = obj(obj(event['requestContext'], 'requestContext')['authorizer'], 'authorizer')
  assert.equal('principalId' in authorizer, false)
  assert.deepEqual(Object.keys(authorizer).sort(), ['integrationLatency', 'tenant'])
})

// --- $context.authorizer.* in access logs -----------------------------------------------------

test('$context.authorizer.{key} keeps its JSON type and $context.authorizer.principalId is logged', async (t) => {
  const format =
    '{"requestId":"$context.requestId","tenant":"$context.authorizer.tenant","num":$context.authorizer.num,' +
    '"flag":$context.authorizer.flag,"principalId":"$context.authorizer.principalId","error":"$context.authorizer.error"}'
  const gw = await authzGateway(t, { authorizer: { simple: false }, accessLogFormat: format })
  const context = { tenant: 'acme', num: 7, flag: true }
  const res = await gw.send('/dev/a', { headers: AUTH, script: ret(policy([{ Effect: 'Allow', Resource: `${API_ARN}/dev/GET/a` }], { context })) })
  assertOk(res)
  const line = await gw.logLine(res)
  assert.equal(line['tenant'], 'acme')
  assert.equal(line['num'], 7, 'a number stays a number')
  assert.equal(line['flag'], true, 'a boolean stays a boolean')
  assert.equal(line['principalId'], 'user-1')
  assert.equal(line['error'], '-', 'no authorizer error')
})

// --- identity sources --------------------------------------------------------------------------

test('a missing or empty identity source is 401 {"message":"Unauthorized"} without invoking the authorizer or the integration', async (t) => {
  const gw = await authzGateway(t, {
    authorizer: { identitySource: ['$request.header.X-User', '$request.querystring.tenant', '$stageVariables.env'] },
  })
  const cases: ReadonlyArray<{ name: string; path: string; headers: Record<string, string> }> = [
    { name: 'header missing', path: '/dev/a?tenant=acme', headers: {} },
    { name: 'header empty', path: '/dev/a?tenant=acme', headers: { 'x-user': '' } },
    { name: 'query parameter missing', path: '/dev/a', headers: { 'x-user': 'alice' } },
    { name: 'query parameter empty', path: '/dev/a?tenant=', headers: { 'x-user': 'alice' } },
    { name: 'stage variable not defined in the stage', path: '/prod/a?tenant=acme', headers: { 'x-user': 'alice' } },
  ]
  for (const c of cases) {
    const res = await gw.send(c.path, { headers: c.headers, script: ALLOW })
    assert.equal(res.status, 401, `${c.name}: ${res.text}`)
    assertGatewayError(res, 401, UNAUTHORIZED)
  }
  assert.equal(gw.authorizerCalls(), 0, 'the authorizer never ran')
  assert.equal(gw.integrationCalls(), 0, 'the integration never ran')
  // With every source present the same route is served.
  assertOk(await gw.send('/dev/a?tenant=acme', { headers: { 'x-user': 'alice' }, script: ALLOW }))
  assert.equal(gw.authorizerCalls(), 1)
})

test('a $context identity source that has no value for the request is 401 without invoking the authorizer', async (t) => {
  // $context.identity.userArn only has a value on AWS_IAM routes.
  const gw = await authzGateway(t, { authorizer: { identitySource: ['$request.header.Authorization', '$context.identity.userArn'] } })
  assertGatewayError(await gw.send('/dev/a', { headers: AUTH, script: ALLOW }), 401, UNAUTHORIZED)
  assert.equal(gw.authorizerCalls(), 0)
  assert.equal(gw.integrationCalls(), 0)
})

test('header identity sources match the header name case-insensitively', async (t) => {
  const gw = await authzGateway(t, { authorizer: { identitySource: ['$request.header.X-Api-Token'] } })
  assertOk(await gw.send('/dev/a', { headers: { 'X-API-TOKEN': 'abc' }, script: ALLOW }))
  assert.deepEqual(only(gw.authorizerEvents(), 'authorizer invocation')['identitySource'], ['abc'])
})

test('an authorizer without identity sources runs on every request, with an empty identitySource', async (t) => {
  const gw = await authzGateway(t, { authorizer: { identitySource: [] } })
  for (let i = 0; i < 3; i++) assertOk(await gw.send('/dev/a', { script: ALLOW }))
  assert.equal(gw.authorizerCalls(), 3)
  assert.deepEqual(gw.authorizerEvents().map((e) => e['identitySource']), [[], [], []])
})

test('routes with authorizationType NONE never invoke the authorizer', async (t) => {
  const gw = await authzGateway(t)
  assertOk(await gw.send('/dev/open'))
  assert.equal(gw.authorizerCalls(), 0)
  assert.equal(gw.integrationCalls(), 1)
})

// --- caching -----------------------------------------------------------------------------------

test('with authorizerResultTtlInSeconds > 0, requests with the same identity invoke the authorizer once', async (t) => {
  const gw = await authzGateway(t, { authorizer: { ttl: 300 } })
  for (let i = 0; i < 5; i++) {
    const event = assertOk(await gw.send('/dev/a', { headers: AUTH, script: ret({ isAuthorized: true, context: { n: 1 } }) }))
    assert.deepEqual(obj(event['requestContext'], 'requestContext')['authorizer'], { lambda: { n: 1 } }, `request ${i}: the cached context`)
  }
  assert.equal(gw.authorizerCalls(), 1)
  assert.equal(gw.integrationCalls(), 5)
})

test('with a TTL of 0 every request invokes the authorizer', async (t) => {
  const gw = await authzGateway(t, { authorizer: { ttl: 0 } })
  for (let i = 0; i < 3; i++) assertOk(await gw.send('/dev/a', { headers: AUTH, script: ALLOW }))
  assert.equal(gw.authorizerCalls(), 3)
})

test('different identity values are separate cache entries', async (t) => {
  const gw = await authzGateway(t, { authorizer: { ttl: 300, identitySource: ['$request.header.Authorization', '$request.querystring.tenant'] } })
  const sequence: ReadonlyArray<readonly [string, string]> = [
    ['alice', 'acme'],
    ['bob', 'acme'],
    ['alice', 'acme'],
    ['alice', 'other'],
    ['bob', 'acme'],
    ['alice', 'other'],
  ]
  for (const [user, tenant] of sequence) {
    const event = assertOk(await gw.send(`/dev/a?tenant=${tenant}`, { headers: { Authorization: user }, script: ret({ isAuthorized: true, context: { user } }) }))
    assert.deepEqual(obj(event['requestContext'], 'requestContext')['authorizer'], { lambda: { user } }, `${user}/${tenant} gets its own entry`)
  }
  assert.deepEqual(gw.authorizerEvents().map((e) => e['identitySource']), [['alice', 'acme'], ['bob', 'acme'], ['alice', 'other']])
})

test('identity tuples that differ only in where a NUL character falls are separate cache entries', async (t) => {
  const gw = await authzGateway(t, { authorizer: { ttl: 300, identitySource: ['$request.querystring.a', '$request.querystring.b'] } })
  assertOk(await gw.send('/dev/a?a=x%00y&b=z', { script: ret({ isAuthorized: true, context: { caller: 'first' } }) }))
  // ('x', 'y\0z') is another identity than ('x\0y', 'z'): it must get its own decision.
  const res = await gw.send('/dev/a?a=x&b=y%00z', { script: ret({ isAuthorized: false }) })
  assertGatewayError(res, 403, FORBIDDEN)
  assert.equal(gw.authorizerCalls(), 2)
})

test('a cached policy is evaluated again for each routeArn: an Allow for /a alone denies /b from the cache', async (t) => {
  const gw = await authzGateway(t, { authorizer: { ttl: 300, simple: false } })
  const script = ret(policy([{ Effect: 'Allow', Resource: `${API_ARN}/dev/GET/a` }]))
  assertOk(await gw.send('/dev/a', { headers: AUTH, script }))
  assert.equal(gw.authorizerCalls(), 1)
  // A different script would allow everything: it is not consulted, the cached policy decides.
  assertGatewayError(await gw.send('/dev/b', { headers: AUTH, script: ret(policy([{ Effect: 'Allow', Resource: '*' }])) }), 403, FORBIDDEN)
  assertOk(await gw.send('/dev/a', { headers: AUTH }))
  assert.equal(gw.authorizerCalls(), 1, 'both later requests were decided from the cache')
  assert.equal(gw.integrationCalls(), 2)
})

test('a cached simple decision applies to every route of the authorizer', async (t) => {
  const gw = await authzGateway(t, { authorizer: { ttl: 300 } })
  assertOk(await gw.send('/dev/a', { headers: AUTH, script: ALLOW }))
  assertOk(await gw.send('/dev/b', { headers: AUTH, script: ret({ isAuthorized: false }) }))
  assertOk(await gw.send('/dev/items/9', { method: 'POST', headers: AUTH }))
  assert.equal(gw.authorizerCalls(), 1)
})

test('$context.routeKey as an identity source makes the cache per route', async (t) => {
  const gw = await authzGateway(t, { authorizer: { ttl: 300, identitySource: ['$request.header.Authorization', '$context.routeKey'] } })
  for (const path of ['/dev/a', '/dev/b', '/dev/a', '/dev/b']) assertOk(await gw.send(path, { headers: AUTH, script: ALLOW }))
  assert.deepEqual(gw.authorizerEvents().map((e) => e['identitySource']), [['token-alice', 'GET /a'], ['token-alice', 'GET /b']])
})

test('each stage has its own authorizer cache', async (t) => {
  const gw = await authzGateway(t, { authorizer: { ttl: 300 } })
  for (const path of ['/dev/a', '/prod/a', '/dev/a', '/prod/a']) assertOk(await gw.send(path, { headers: AUTH, script: ALLOW }))
  assert.deepEqual(
    gw.authorizerEvents().map((e) => obj(e['requestContext'], 'requestContext')['stage']),
    ['dev', 'prod']
  )
})

test('deny decisions are cached like allow decisions (provisional)', async (t) => {
  const gw = await authzGateway(t, { authorizer: { ttl: 300 } })
  assertGatewayError(await gw.send('/dev/a', { headers: AUTH, script: ret({ isAuthorized: false }) }), 403, FORBIDDEN)
  assertGatewayError(await gw.send('/dev/a', { headers: AUTH, script: ALLOW }), 403, FORBIDDEN)
  assert.equal(gw.authorizerCalls(), 1)
  assert.equal(gw.integrationCalls(), 0)
})

test('a cached decision expires after authorizerResultTtlInSeconds', async (t) => {
  const gw = await authzGateway(t, { authorizer: { ttl: 1 } })
  assertOk(await gw.send('/dev/a', { headers: AUTH, script: ALLOW }))
  assert.equal(gw.authorizerCalls(), 1)
  // Bounded poll: within a few seconds of a 1 s TTL a request must invoke the authorizer again.
  const deadline = Date.now() + 5_000
  while (gw.authorizerCalls() < 2) {
    assert.ok(Date.now() < deadline, 'the cached decision never expired')
    await delay(100)
    assertOk(await gw.send('/dev/a', { headers: AUTH, script: ALLOW }))
  }
  assert.equal(gw.authorizerCalls(), 2)
})

test('authorizer failures are not cached: the next request with the same identity invokes the authorizer again', async (t) => {
  const gw = await authzGateway(t, { authorizer: { ttl: 300 } })
  assertGatewayError(await gw.send('/dev/a', { headers: AUTH, script: { throw: 'boom' } }), 500, INTERNAL_ERROR)
  assertGatewayError(await gw.send('/dev/a', { headers: AUTH, script: ret({ isAuthorized: 'yes' }) }), 500, INTERNAL_ERROR)
  assertOk(await gw.send('/dev/a', { headers: AUTH, script: ALLOW }))
  assertOk(await gw.send('/dev/a', { headers: AUTH, script: { throw: 'not called: cached' } }))
  assert.equal(gw.authorizerCalls(), 3)
  assert.equal(gw.integrationCalls(), 2)
})

// --- failures -------------------------------------------------------------------------------

const FAILURES: ReadonlyArray<{ name: string; simple: boolean; payloadVersion?: '1.0' | '2.0'; script: unknown }> = [
  { name: 'the function throws', simple: true, script: { throw: 'authorizer exploded' } },
  { name: 'the result is a string, not a JSON object', simple: true, script: ret('allow') },
  { name: 'the result is an array', simple: true, script: ret([{ isAuthorized: true }]) },
  { name: 'the result is null', simple: true, script: ret(null) },
  { name: 'isAuthorized is "yes"', simple: true, script: ret({ isAuthorized: 'yes' }) },
  { name: 'isAuthorized is "true" (a string)', simple: true, script: ret({ isAuthorized: 'true' }) },
  { name: 'isAuthorized is missing', simple: true, script: ret({ context: { a: 1 } }) },
  { name: 'the context uses the reserved key "claims" (provisional for payload 2.0)', simple: true, script: ret({ isAuthorized: true, context: { claims: 'x' } }) },
  { name: 'the context is not an object', simple: true, script: ret({ isAuthorized: true, context: 'ctx' }) },
  { name: 'a simple response where a policy is expected', simple: false, script: ret({ isAuthorized: true }) },
  { name: 'a policy without a policyDocument', simple: false, script: ret({ principalId: 'u' }) },
  { name: 'a policy statement without Effect', simple: false, script: ret({ principalId: 'u', policyDocument: { Statement: [{ Action: 'execute-api:Invoke', Resource: '*' }] } }) },
  {
    name: 'a payload 1.0 policy whose context uses the reserved key "claims"',
    simple: false,
    payloadVersion: '1.0',
    script: ret(policy([{ Effect: 'Allow', Resource: '*' }], { context: { claims: 'x' } })),
  },
]

for (const f of FAILURES) {
  test(`an authorizer failure is 500 {"message":"Internal Server Error"} with $context.authorizer.error set: ${f.name}`, async (t) => {
    const gw = await authzGateway(t, { authorizer: { simple: f.simple, payloadVersion: f.payloadVersion ?? '2.0' } })
    const res = await gw.send('/dev/a', { headers: AUTH, script: f.script })
    assertGatewayError(res, 500, INTERNAL_ERROR)
    assert.equal(gw.authorizerCalls(), 1)
    assert.equal(gw.integrationCalls(), 0, 'the integration never ran')
    const line = await gw.logLine(res)
    assert.equal(line['status'], '500')
    assert.equal(typeof line['error'], 'string')
    assert.notEqual(line['error'], '-', '$context.authorizer.error is set')
    assert.notEqual(line['error'], '', '$context.authorizer.error is not empty')
  })
}

test('an authorizer that exceeds its own function timeout is 500 and the integration is not invoked', async (t) => {
  const gw = await authzGateway(t, { authorizerFunction: { timeout: 1 } })
  const res = await gw.send('/dev/a', { headers: AUTH, script: { sleepMs: 2_500, return: { isAuthorized: true } } })
  assertGatewayError(res, 500, INTERNAL_ERROR)
  assert.equal(gw.integrationCalls(), 0)
  assert.notEqual((await gw.logLine(res))['error'], '-')
})

test('an authorizer function that Lambda refuses to run (reserved concurrency 0) is 500, not a grant', async (t) => {
  const gw = await authzGateway(t, { authorizerFunction: { reservedConcurrency: 0 } })
  const res = await gw.send('/dev/a', { headers: AUTH, script: ALLOW })
  assertGatewayError(res, 500, INTERNAL_ERROR)
  assert.equal(gw.integrationCalls(), 0)
  assert.notEqual((await gw.logLine(res))['error'], '-')
})

test('an authorizer that answers after the 10 s authorizer limit is 500 even though its function timeout is longer', async (t) => {
  const gw = await authzGateway(t, { authorizerFunction: { timeout: 30 } })
  // Sleeping 11 s then allowing: only the 10 s authorizer limit turns this into a 500.
  const res = await gw.send('/dev/a', { headers: AUTH, script: { sleepMs: 11_000, return: { isAuthorized: true } } })
  assertGatewayError(res, 500, INTERNAL_ERROR)
  assert.equal(gw.integrationCalls(), 0)
  assert.notEqual((await gw.logLine(res))['error'], '-')
})
