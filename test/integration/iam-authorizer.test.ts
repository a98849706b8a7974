// AWS_IAM routes over real HTTP (spec 3.4, 5.3, 9.3, 14, 16.4). Requests are signed with the
// official AWS signer (@smithy/signature-v4 with @aws-crypto/sha256-js, as the AWS SDK for
// JavaScript v3 uses it) for service execute-api in the gateway's region, and written to the
// socket byte for byte (raw-http), so the gateway sees exactly the signed Host and headers. The
// integration (authz-echo.mjs) returns its event and counts its invocations, so every refusal also
// proves it was never reached.
//
// Provisional (spec [UNCONFIRMED]): the 403 body for refused requests ({"message":"Forbidden"});
// callerId/userId (AWS gives the principal's unique id, a static credential table has none: the
// name from userArn stands in); the default accountId/userArn of a credential that gives none.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { startGateway } from '../helpers/gateway.js'
import { signerFor, toSmithy, type Draft, type SignAs, type SigningDefaults, type SmithyRequest } from '../helpers/sigv4-signer.js'
import { rawRequest, type RawResponse } from '../helpers/raw-http.js'

const API_ID = 'iamapi0001'
const ACCOUNT_ID = '111122223333'
const REGION = 'eu-central-1'
const HOST = `${API_ID}.execute-api.${REGION}.amazonaws.com`
const FORBIDDEN = '{"message":"Forbidden"}'
const MINUTE = 60_000
const WAIT_MS = 10_000

interface Credential {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly accountId?: string
  readonly userArn?: string
  readonly sessionToken?: string
}

const ALICE: Credential = {
  accessKeyId: 'AKIAGATEHOUSEALICE01',
  secretAccessKey: 'aliceSecret/K7MDENG+bPxRfiCYEXAMPLEKEY01',
  accountId: '444455556666',
  userArn: 'arn:aws:iam::444455556666:user/team/alice',
}
const SESSION: Credential = {
  accessKeyId: 'ASIAGATEHOUSESESS001',
  secretAccessKey: 'sessionSecret/Zp9Utk/h3yCo8nvbEXAMPLEKEY',
  accountId: '444455556666',
  userArn: 'arn:aws:sts::444455556666:assumed-role/Deployer/ci-run-7',
  sessionToken: 'FwoGZXIvYXdzEBYaDH+session/token==',
}
/** No accountId or userArn: the gateway's account and a user named after the key stand in. */
const BOB: Credential = { accessKeyId: 'AKIAGATEHOUSEBOB0001', secretAccessKey: 'bobSecret/EXAMPLEKEY0000000000000000000' }

const LOG_FORMAT =
  '{"requestId":"$context.requestId","status":"$context.status","userArn":"$context.identity.userArn",' +
  '"accountId":"$context.identity.accountId","caller":"$context.identity.caller","user":"$context.identity.user"}'

type Json = Record<string, unknown>

// --- the gateway under test ----------------------------------------------------------------

interface IamSettings {
  readonly allowSessionTokens?: boolean
  readonly clockSkewSeconds?: number
}

interface Harness {
  readonly url: string
  integrationCalls(): number
  logLine(res: Response): Promise<Json>
}

interface Response {
  readonly status: number
  readonly text: string
  readonly headers: RawResponse['headers']
  json(): Json
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-iam-authz-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function linesOf(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : []
}

async function iamGateway(t: TestContext, settings: IamSettings = {}): Promise<Harness> {
  const dir = tempDir(t)
  const appLog = join(dir, 'integration.jsonl')
  const accessLog = join(dir, 'access.log')
  const iam = (routeKey: string, target = 'app') => ({ routeKey, target: `integrations/${target}`, authorizationType: 'AWS_IAM' })
  const config = {
    accountId: ACCOUNT_ID,
    region: REGION,
    iam: { credentials: [ALICE, SESSION, BOB], ...settings },
    functions: { app: { handler: 'authz-echo.handler', environment: { APP_LOG: appLog } } },
    apis: [
      {
        name: 'iam-api',
        apiId: API_ID,
        routes: [
          iam('GET /items'),
          iam('POST /items'),
          iam('GET /items/{id}'),
          iam('GET /v1/items', 'appv1'),
          { routeKey: 'GET /open', target: 'integrations/app' },
        ],
        integrations: [
          { integrationId: 'app', integrationType: 'AWS_PROXY', integrationUri: 'app', payloadFormatVersion: '2.0' },
          { integrationId: 'appv1', integrationType: 'AWS_PROXY', integrationUri: 'app', payloadFormatVersion: '1.0' },
        ],
        stages: [{ stageName: 'prod', accessLogSettings: { format: LOG_FORMAT, destination: accessLog } }],
      },
    ],
  }
  const { url } = await startGateway(t, config)
  return {
    url,
    integrationCalls: () => linesOf(appLog).length,
    logLine: async (res) => {
      const requestId = res.headers.get('apigw-requestid')?.[0]
      assert.equal(typeof requestId, 'string', 'apigw-requestid header')
      const deadline = Date.now() + WAIT_MS
      for (;;) {
        const line = linesOf(accessLog)
          .map((l) => JSON.parse(l) as Json)
          .find((l) => l['requestId'] === requestId)
        if (line !== undefined) return line
        if (Date.now() > deadline) throw new Error(`no access-log line for ${String(requestId)}`)
        await delay(20)
      }
    },
  }
}

// --- signing -----------------------------------------------------------------------------------

/** A request as it goes on the wire. */
interface Wire {
  readonly method: string
  readonly target: string
  readonly headers: Array<[string, string]>
  readonly body?: Buffer
}

const DEFAULTS: SigningDefaults = { credential: ALICE, region: REGION, host: HOST }
const signer = (as: SignAs) => signerFor(as, DEFAULTS)
const smithy = (draft: Draft) => toSmithy(draft, HOST)

/** Percent-encoding as the SDK's HTTP handler applies it (encodeURIComponent plus !'()*). */
function escape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

function queryString(query: NonNullable<SmithyRequest['query']>): string {
  const parts: string[] = []
  for (const [name, value] of Object.entries(query)) {
    if (Array.isArray(value)) for (const v of value) parts.push(`${escape(name)}=${escape(v)}`)
    else if (typeof value === 'string') parts.push(`${escape(name)}=${escape(value)}`)
    else parts.push(escape(name))
  }
  return parts.join('&')
}

function onTheWire(request: SmithyRequest, body: string | undefined): Wire {
  const query = queryString(request.query ?? {})
  const headers = Object.entries(request.headers).map(([n, v]): [string, string] => [n, v])
  if (body !== undefined) headers.push(['content-length', String(Buffer.byteLength(body))])
  return {
    method: request.method,
    target: request.path + (query === '' ? '' : `?${query}`),
    headers,
    ...(body === undefined ? {} : { body: Buffer.from(body) }),
  }
}

/** Signed with the Authorization header, exactly as the SDK would send it. */
async function signed(draft: Draft = {}, as: SignAs = {}): Promise<Wire> {
  const request = await signer(as).sign(smithy(draft), { signingDate: new Date(as.date ?? Date.now()) })
  return onTheWire(request, draft.body)
}

/** A presigned URL (signature in the query string); only Host is sent as a header. */
async function presigned(draft: Draft = {}, as: SignAs = {}, expiresIn = 300): Promise<Wire> {
  const request = await signer(as).presign(smithy(draft), { signingDate: new Date(as.date ?? Date.now()), expiresIn })
  return onTheWire(request, draft.body)
}

async function send(url: string, wire: Wire): Promise<Response> {
  const res = await rawRequest(url, wire.method, wire.target, wire.headers, wire.body)
  const text = res.body.toString('utf8')
  return { status: res.status, text, headers: res.headers, json: () => JSON.parse(text) as Json }
}

function header(wire: Wire, name: string): string {
  const found = wire.headers.find(([n]) => n.toLowerCase() === name)
  assert.ok(found, `the signed request has a ${name} header`)
  return found[1]
}

const withHeader = (wire: Wire, name: string, value: string): Wire => ({
  ...wire,
  headers: [...wire.headers.filter(([n]) => n.toLowerCase() !== name), [name, value]],
})
const withoutHeader = (wire: Wire, name: string): Wire => ({ ...wire, headers: wire.headers.filter(([n]) => n.toLowerCase() !== name) })

// --- assertions --------------------------------------------------------------------------------

function assertOk(res: Response): Json {
  assert.equal(res.status, 200, `status (body ${res.text})`)
  return res.json()
}

function assertForbidden(res: Response, what: string): void {
  assert.equal(res.status, 403, `${what}: status (body ${res.text})`)
  assert.equal(res.text, FORBIDDEN, what)
  assert.equal(res.headers.get('content-type')?.[0], 'application/json', what)
}

function obj(value: unknown, what: string): Json {
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `${what} is an object: ${JSON.stringify(value)}`)
  return value as Json
}

const requestContext = (event: Json): Json => obj(event['requestContext'], 'requestContext')

// --- accepted requests -------------------------------------------------------------------------

test('a signed GET is served and the 2.0 event carries requestContext.authorizer.iam (callerId/userId provisional)', async (t) => {
  const gw = await iamGateway(t)
  const event = assertOk(await send(gw.url, await signed()))
  assert.deepEqual(requestContext(event)['authorizer'], {
    iam: {
      accessKey: ALICE.accessKeyId,
      accountId: '444455556666',
      callerId: 'alice',
      cognitoIdentity: null,
      principalOrgId: null,
      userArn: 'arn:aws:iam::444455556666:user/team/alice',
      userId: 'alice',
    },
  })
  assert.equal(gw.integrationCalls(), 1)
})

test('a credential without accountId and userArn is the gateway account and a user named after the key (provisional)', async (t) => {
  const gw = await iamGateway(t)
  const event = assertOk(await send(gw.url, await signed({}, { credential: BOB })))
  const iam = obj(obj(requestContext(event)['authorizer'], 'authorizer')['iam'], 'iam')
  assert.equal(iam['accessKey'], BOB.accessKeyId)
  assert.equal(iam['accountId'], ACCOUNT_ID)
  assert.equal(iam['userArn'], `arn:aws:iam::${ACCOUNT_ID}:user/${BOB.accessKeyId}`)
})

test('a payload 1.0 integration gets the caller in requestContext.identity', async (t) => {
  const gw = await iamGateway(t)
  const wire = await signed({ path: '/prod/v1/items', headers: { 'user-agent': 'sdk-test/1.0' } })
  const event = assertOk(await send(gw.url, wire))
  assert.equal(event['version'], '1.0')
  assert.deepEqual(requestContext(event)['identity'], {
    accessKey: ALICE.accessKeyId,
    accountId: '444455556666',
    caller: 'alice',
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp: '127.0.0.1',
    user: 'alice',
    userAgent: 'sdk-test/1.0',
    userArn: 'arn:aws:iam::444455556666:user/team/alice',
  })
})

test('a signed POST with a body is served and the body reaches the integration', async (t) => {
  const gw = await iamGateway(t)
  const body = JSON.stringify({ order: 42, note: 'ünïcödé' })
  const event = assertOk(await send(gw.url, await signed({ method: 'POST', body, headers: { 'content-type': 'application/json' } })))
  assert.equal(event['body'], body)
  assert.equal(obj(requestContext(event)['http'], 'http')['method'], 'POST')
})

test('a signed request with a query string (repeats, spaces, reserved characters, empty values) is served', async (t) => {
  const gw = await iamGateway(t)
  const query = { b: '2', a: ['1', '0'], sp: 'hello world', t: '~x', sym: "a+b=c&d/e!'()*", e: '' }
  const event = assertOk(await send(gw.url, await signed({ query })))
  assert.deepEqual(event['queryStringParameters'], { b: '2', a: '1,0', sp: 'hello world', t: '~x', sym: "a+b=c&d/e!'()*", e: '' })
})

test('a signed request whose path has percent-encoded characters is served', async (t) => {
  const gw = await iamGateway(t)
  const event = assertOk(await send(gw.url, await signed({ path: '/prod/items/caf%C3%A9%20au%20lait' })))
  assert.deepEqual(event['pathParameters'], { id: 'café au lait' })
})

test('headers added after signing are ignored; a request signed within the clock-skew window is served', async (t) => {
  const gw = await iamGateway(t)
  assertOk(await send(gw.url, withHeader(await signed(), 'x-added-later', 'fine')))
  assertOk(await send(gw.url, await signed({}, { date: Date.now() - 2 * MINUTE })))
  assertOk(await send(gw.url, await signed({}, { date: Date.now() + 2 * MINUTE })))
})

test('a presigned URL is served; an expired one is 403', async (t) => {
  const gw = await iamGateway(t)
  const wire = await presigned({ query: { q: 'x' } })
  assert.match(wire.target, /X-Amz-Signature=[0-9a-f]{64}/)
  const event = assertOk(await send(gw.url, wire))
  const iam = obj(obj(requestContext(event)['authorizer'], 'authorizer')['iam'], 'iam')
  assert.equal(iam['accessKey'], ALICE.accessKeyId)
  // Signed 20 minutes ago, valid for 5: expired.
  assertForbidden(await send(gw.url, await presigned({}, { date: Date.now() - 20 * MINUTE }, 300)), 'expired presigned URL')
  assert.equal(gw.integrationCalls(), 1)
})

test('$context.identity.* of the caller appear in the access log', async (t) => {
  const gw = await iamGateway(t)
  const res = await send(gw.url, await signed())
  assertOk(res)
  const line = await gw.logLine(res)
  assert.equal(line['userArn'], 'arn:aws:iam::444455556666:user/team/alice')
  assert.equal(line['accountId'], '444455556666')
  assert.equal(line['caller'], 'alice', '(provisional)')
  assert.equal(line['user'], 'alice', '(provisional)')
  const refused = await send(gw.url, { method: 'GET', target: '/prod/items', headers: [['host', HOST]] })
  assertForbidden(refused, 'unsigned')
  const refusedLine = await gw.logLine(refused)
  assert.equal(refusedLine['status'], '403')
  assert.equal(refusedLine['userArn'], '-', 'no caller for a refused request')
})

// --- refused requests ----------------------------------------------------------------------------

test('an unsigned request to an AWS_IAM route is 403 {"message":"Forbidden"} (provisional body) and the integration is not invoked', async (t) => {
  const gw = await iamGateway(t)
  assertForbidden(await send(gw.url, { method: 'GET', target: '/prod/items', headers: [['host', HOST]] }), 'no Authorization')
  assertForbidden(await send(gw.url, { method: 'GET', target: '/prod/items', headers: [['host', HOST], ['authorization', 'Bearer abc.def.ghi']] }), 'a bearer token')
  assert.equal(gw.integrationCalls(), 0)
  // The open route on the same API needs no signature.
  assertOk(await send(gw.url, { method: 'GET', target: '/prod/open', headers: [['host', HOST]] }))
})

test('tampering with anything signed is 403: body, path, query, method, a signed header, the date, the signature', async (t) => {
  const gw = await iamGateway(t)
  const post = await signed({ method: 'POST', body: '{"amount":100}', headers: { 'content-type': 'application/json' } })
  assertOk(await send(gw.url, post))
  assertForbidden(await send(gw.url, { ...post, body: Buffer.from('{"amount":999}') }), 'body changed (same length)')
  assertForbidden(await send(gw.url, { ...post, body: Buffer.from(''), headers: withHeader(post, 'content-length', '0').headers }), 'body removed')

  const item = await signed({ path: '/prod/items/1' })
  assertOk(await send(gw.url, item))
  assertForbidden(await send(gw.url, { ...item, target: '/prod/items/2' }), 'path changed')

  const queried = await signed({ query: { a: '1' } })
  assertOk(await send(gw.url, queried))
  assertForbidden(await send(gw.url, { ...queried, target: '/prod/items?a=2' }), 'query value changed')
  assertForbidden(await send(gw.url, { ...queried, target: '/prod/items?a=1&b=2' }), 'query parameter added')
  assertForbidden(await send(gw.url, { ...queried, target: '/prod/items' }), 'query removed')

  const posted = await signed({ method: 'POST' })
  assertForbidden(await send(gw.url, { ...posted, method: 'GET' }), 'method changed')

  const custom = await signed({ headers: { 'x-tenant': 'acme' } })
  assert.match(header(custom, 'authorization'), /SignedHeaders=[^,]*x-tenant/)
  assertOk(await send(gw.url, custom))
  assertForbidden(await send(gw.url, withHeader(custom, 'x-tenant', 'evil')), 'signed header changed')
  assertForbidden(await send(gw.url, withoutHeader(custom, 'x-tenant')), 'signed header removed')

  const plain = await signed()
  const date = header(plain, 'x-amz-date')
  const later = date.replace(/(\d\d)Z$/, (_, s: string) => `${String((Number(s) + 1) % 60).padStart(2, '0')}Z`)
  assertForbidden(await send(gw.url, withHeader(plain, 'x-amz-date', later)), 'X-Amz-Date changed')
  const auth = header(plain, 'authorization')
  const flipped = auth.replace(/Signature=([0-9a-f])/, (_, c: string) => `Signature=${c === '0' ? '1' : '0'}`)
  assertForbidden(await send(gw.url, withHeader(plain, 'authorization', flipped)), 'signature changed')
  assertForbidden(await send(gw.url, withoutHeader(plain, 'x-amz-date')), 'X-Amz-Date removed')
  assert.equal(gw.integrationCalls(), 4, 'only the untampered requests reached the integration')
})

test('a request whose X-Amz-Date is outside the 5-minute skew window is 403', async (t) => {
  const gw = await iamGateway(t)
  assertForbidden(await send(gw.url, await signed({}, { date: Date.now() - 10 * MINUTE })), 'signed 10 minutes ago')
  assertForbidden(await send(gw.url, await signed({}, { date: Date.now() + 10 * MINUTE })), 'signed 10 minutes ahead')
  assertForbidden(await send(gw.url, await signed({}, { date: Date.now() - 24 * 60 * MINUTE })), 'signed a day ago')
  assert.equal(gw.integrationCalls(), 0)
})

test('iam.clockSkewSeconds narrows the window', async (t) => {
  const gw = await iamGateway(t, { clockSkewSeconds: 60 })
  assertForbidden(await send(gw.url, await signed({}, { date: Date.now() - 2 * MINUTE })), 'signed 2 minutes ago with a 60 s window')
  assertOk(await send(gw.url, await signed()))
})

test('a wrong secret, an unknown access key, another region or another service is 403', async (t) => {
  const gw = await iamGateway(t)
  assertForbidden(await send(gw.url, await signed({}, { secretAccessKey: 'not-the-secret' })), 'wrong secret')
  assertForbidden(
    await send(gw.url, await signed({}, { credential: { accessKeyId: 'AKIAUNKNOWNKEY000001', secretAccessKey: 'whatever' } })),
    'unknown access key'
  )
  assertForbidden(await send(gw.url, await signed({}, { region: 'us-east-1' })), 'signed for us-east-1')
  assertForbidden(await send(gw.url, await signed({}, { service: 'apigateway' })), 'signed for service apigateway')
  assertForbidden(await send(gw.url, await presigned({}, { secretAccessKey: 'not-the-secret' })), 'presigned with a wrong secret')
  assert.equal(gw.integrationCalls(), 0)
})

test('session credentials: the matching X-Amz-Security-Token is accepted; a missing or different one is 403', async (t) => {
  const gw = await iamGateway(t)
  const ok = await signed({}, { credential: SESSION })
  assert.equal(header(ok, 'x-amz-security-token'), SESSION.sessionToken)
  const event = assertOk(await send(gw.url, ok))
  const iam = obj(obj(requestContext(event)['authorizer'], 'authorizer')['iam'], 'iam')
  assert.equal(iam['userArn'], SESSION.userArn)
  assert.equal(iam['callerId'], 'Deployer:ci-run-7', '(provisional) role:session for an assumed role')
  assertOk(await send(gw.url, await presigned({}, { credential: SESSION })))

  assertForbidden(await send(gw.url, await signed({}, { credential: SESSION, sessionToken: null })), 'no token')
  assertForbidden(await send(gw.url, await signed({}, { credential: SESSION, sessionToken: 'another-token' })), 'another token')
  assertForbidden(await send(gw.url, withHeader(ok, 'x-amz-security-token', 'another-token')), 'token swapped after signing')
  // A long-term key never carries a token.
  assertForbidden(await send(gw.url, await signed({}, { credential: ALICE, sessionToken: 'some-token' })), 'a token with a long-term key')
  assert.equal(gw.integrationCalls(), 2)
})

test('with allowSessionTokens false, requests carrying a security token are 403 and long-term keys still work', async (t) => {
  const gw = await iamGateway(t, { allowSessionTokens: false })
  assertForbidden(await send(gw.url, await signed({}, { credential: SESSION })), 'session credential with its token')
  assertForbidden(await send(gw.url, await signed({}, { credential: ALICE, sessionToken: 'some-token' })), 'long-term key with a token')
  assertOk(await send(gw.url, await signed({}, { credential: ALICE })))
  assert.equal(gw.integrationCalls(), 1)
})
