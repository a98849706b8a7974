// JWT authorizers end to end (spec 3.4, 5.1, 9.3, 14, 16.4; issue 4): a real gateway in front of
// echo functions, and a real OpenID issuer on loopback (test/helpers/oidc-server.ts) whose
// discovery document and JWKS the gateway fetches over HTTP. Keys are generated per test run;
// tokens are signed with jose, or written by hand for `alg: none` and HMAC/RSA confusion.
//
// Provisional (spec [UNCONFIRMED], named "(provisional)"): every `error_description` text except
// the audience one (the texts come from JWT_ERROR_DESCRIPTIONS, the one table to correct), the
// bare `Bearer` challenge for a missing token, the 403's `www-authenticate`, ES256/PS256 support,
// any-case `Bearer`, array `aud`, payload 1.0 `authorizer`, 401 for an unreachable/slow/oversized
// JWKS, the token length limit, and `$context.authorizer.error` texts.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac, randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import type { JWTPayload } from 'jose'
import { INSUFFICIENT_SCOPE_CHALLENGE, JWT_ERROR_DESCRIPTIONS, MAX_TOKEN_LENGTH, REQUIRE_EXP_CLAIM } from '../../src/auth/jwt/jwt-authorizer.js'
import { MAX_JWKS_BYTES } from '../../src/auth/jwt/jwks-provider.js'
import { startGateway, type StartedGateway } from '../helpers/gateway.js'
import { http, type HttpResult } from '../helpers/http.js'
import { generateSigningKey, signToken, startOidcServer, type OidcServer, type SigningKey } from '../helpers/oidc-server.js'

const API_ID = 'jwtapi0001'
const AUDIENCE = 'gatehouse-tests'
const OTHER_AUDIENCE = 'gatehouse-admin'
const WAIT_MS = 10_000

/** The one documented `www-authenticate` value (spec 5.1, `[DOC]` verbatim). */
const AUDIENCE_CHALLENGE = 'Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"'
const UNAUTHORIZED_BODY = '{"message":"Unauthorized"}'
const FORBIDDEN_BODY = '{"message":"Forbidden"}'

/** The AWS-shaped challenge for a given (provisional) description. */
const invalidToken = (description: string): string => `Bearer scope="" error="invalid_token" error_description="${description}"`

// --- tokens ------------------------------------------------------------------------------------

const nowSeconds = (): number => Math.floor(Date.now() / 1000)

/**
 * Claims of a good token for `issuer`; `overrides` replace them, and an override of
 * `undefined` removes the claim.
 */
function claimsFor(issuer: string, overrides: Record<string, unknown> = {}): JWTPayload {
  const now = nowSeconds()
  const claims: Record<string, unknown> = { iss: issuer, aud: AUDIENCE, sub: 'user-1', iat: now - 5, exp: now + 600, ...overrides }
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name]
  return claims as JWTPayload
}

const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url')

/** A token written by hand: header and payload as given, signature bytes as given. */
function handmadeToken(header: object, payload: object, sign: (input: string) => string): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`
  return `${input}.${sign(input)}`
}

// --- the API under test ----------------------------------------------------------------------------

interface ApiOptions {
  readonly issuer: string
  /** Gatehouse's `jwks` (uri, file or keys) on every authorizer; discovery without it. */
  readonly jwks?: object
  readonly accessLog?: { readonly format: string; readonly destination: string }
}

/**
 * `jwtapi0001`, all routes on echo functions:
 *   GET /open        no authorization
 *   GET /claims      JWT `main` (header Authorization, audiences gatehouse-tests and gatehouse-admin)
 *   GET /scoped      JWT `main`, authorizationScopes orders:read, orders:write
 *   GET /v1          JWT `main`, payload 1.0
 *   GET /v1/scoped   JWT `main`, payload 1.0, authorizationScopes orders:read
 *   GET /lenient     JWT `lenient` (same issuer, clockSkewSeconds 120)
 *   GET /query       JWT `query` (identity source $request.querystring.token)
 */
function jwtApi(options: ApiOptions): object {
  const authorizer = (authorizerId: string, extra: object = {}): object => ({
    authorizerId,
    authorizerType: 'JWT',
    identitySource: ['$request.header.Authorization'],
    jwtConfiguration: { issuer: options.issuer, audience: [AUDIENCE, OTHER_AUDIENCE] },
    ...(options.jwks !== undefined ? { jwks: options.jwks } : {}),
    ...extra,
  })
  const jwtRoute = (routeKey: string, authorizerId: string, target: string, scopes?: string[]): object => ({
    routeKey,
    target: `integrations/${target}`,
    authorizationType: 'JWT',
    authorizerId,
    ...(scopes !== undefined ? { authorizationScopes: scopes } : {}),
  })
  return {
    functions: { echo: { handler: 'echo.handler' }, echov1: { handler: 'echo-v1.handler' } },
    apis: [
      {
        name: 'jwt-api',
        apiId: API_ID,
        authorizers: [
          authorizer('main'),
          authorizer('lenient', { clockSkewSeconds: 120 }),
          authorizer('query', { identitySource: ['$request.querystring.token'] }),
        ],
        routes: [
          { routeKey: 'GET /open', target: 'integrations/v2' },
          jwtRoute('GET /claims', 'main', 'v2'),
          jwtRoute('GET /scoped', 'main', 'v2', ['orders:read', 'orders:write']),
          jwtRoute('GET /v1', 'main', 'v1'),
          jwtRoute('GET /v1/scoped', 'main', 'v1', ['orders:read']),
          jwtRoute('GET /lenient', 'lenient', 'v2'),
          jwtRoute('GET /query', 'query', 'v2'),
        ],
        integrations: [
          { integrationId: 'v2', integrationType: 'AWS_PROXY', integrationUri: 'echo', payloadFormatVersion: '2.0' },
          { integrationId: 'v1', integrationType: 'AWS_PROXY', integrationUri: 'echov1', payloadFormatVersion: '1.0' },
        ],
        ...(options.accessLog !== undefined ? { stages: [{ stageName: '$default', accessLogSettings: options.accessLog }] } : {}),
      },
    ],
  }
}

interface JwtEventV2 {
  requestContext: { authorizer?: { jwt?: { claims: Record<string, string>; scopes: string[] | null } } }
}
interface JwtEventV1 {
  requestContext: { authorizer: { claims: Record<string, string> | null; scopes: string[] | null } }
}

// --- requests and assertions -----------------------------------------------------------------------

function get(gw: StartedGateway, path: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return http(gw.url + path, { headers })
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })

/** A 200 from the echo function; its event. */
function eventOf<E>(res: HttpResult): E {
  assert.equal(res.status, 200, `expected 200, got ${res.status} ${String(res.headers['www-authenticate'] ?? '')} ${res.text}`)
  return res.json<E>()
}

function jwtOf(res: HttpResult): { claims: Record<string, string>; scopes: string[] | null } {
  const jwt = eventOf<JwtEventV2>(res).requestContext.authorizer?.jwt
  assert.ok(jwt !== undefined, 'requestContext.authorizer.jwt is present')
  return jwt
}

/** The gateway's own error response (spec 14): exact body bytes, length, JSON type, request id. */
function assertGatewayError(res: HttpResult, status: number, body: string): void {
  assert.equal(res.status, status, `status (www-authenticate: ${String(res.headers['www-authenticate'])}, body ${res.text})`)
  assert.equal(res.text, body)
  assert.equal(res.headers['content-length'], String(Buffer.byteLength(body)))
  assert.equal(res.headers['content-type'], 'application/json')
  const requestId = res.headers['apigw-requestid']
  assert.ok(typeof requestId === 'string' && requestId.length > 0, 'apigw-requestid header')
  assert.equal(res.headers['x-amzn-errortype'], undefined, 'no REST-style x-amzn-ErrorType')
}

/** 401 `{"message":"Unauthorized"}` (26 bytes) with exactly this `www-authenticate` value. */
function assertUnauthorized(res: HttpResult, challenge: string): void {
  assertGatewayError(res, 401, UNAUTHORIZED_BODY)
  assert.equal(res.headers['content-length'], '26')
  assert.equal(res.headers['www-authenticate'], challenge)
}

function startLines(gw: StartedGateway): string[] {
  return gw.logs.filter((l) => l.startsWith('START RequestId:'))
}

/** Polls until `find` returns something; bounded so that a missing thing fails the test. */
async function eventually<T>(find: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_MS
  for (;;) {
    const found = find()
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await delay(20)
  }
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-jwt-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

interface Setup {
  readonly oidc: OidcServer
  readonly gw: StartedGateway
  readonly rsa: SigningKey
}

/** An issuer publishing one RS256 key (plus `extra`), and a gateway discovering it. */
async function setup(t: TestContext, options: { extra?: readonly SigningKey[]; jwks?: (oidc: OidcServer) => object; accessLog?: ApiOptions['accessLog'] } = {}): Promise<Setup> {
  const rsa = await generateSigningKey('RS256')
  const oidc = await startOidcServer(t, { keys: [rsa, ...(options.extra ?? [])] })
  const gw = await startGateway(
    t,
    jwtApi({
      issuer: oidc.issuer,
      ...(options.jwks !== undefined ? { jwks: options.jwks(oidc) } : {}),
      ...(options.accessLog !== undefined ? { accessLog: options.accessLog } : {}),
    })
  )
  return { oidc, gw, rsa }
}

// --- accepted tokens ---------------------------------------------------------------------------------

test('valid tokens reach the function with claims and scopes rendered as API Gateway renders them', async (t) => {
  const es = await generateSigningKey('ES256')
  const ps = await generateSigningKey('PS256')
  const { oidc, gw, rsa } = await setup(t, { extra: [es, ps] })
  const good = (overrides: Record<string, unknown> = {}): JWTPayload => claimsFor(oidc.issuer, overrides)

  await t.test('a valid RS256 token is accepted and its claims are rendered as strings: numbers and booleans stringified, arrays as "[a b]", null omitted, objects as compact JSON', async () => {
    const claims = good({
      email_verified: true,
      disabled: false,
      'custom:level': 3,
      ratio: 1.5,
      'cognito:groups': ['admin', 'poweruser'],
      mixed: [1, true, 'x'],
      nothing: null,
      address: { street: 'Main St', zip: '12345', geo: { lat: 1.5 } },
      empty: '',
    })
    const jwt = jwtOf(await get(gw, '/claims', bearer(await signToken(rsa, claims))))
    assert.deepEqual(jwt.claims, {
      iss: oidc.issuer,
      aud: AUDIENCE,
      sub: 'user-1',
      iat: String(claims.iat),
      exp: String(claims.exp),
      email_verified: 'true',
      disabled: 'false',
      'custom:level': '3',
      ratio: '1.5',
      'cognito:groups': '[admin poweruser]',
      mixed: '[1 true x]',
      address: '{"street":"Main St","zip":"12345","geo":{"lat":1.5}}',
      empty: '',
    })
    assert.equal(jwt.scopes, null)
  })

  await t.test('a valid ES256 token is accepted (provisional: ECDSA support is unconfirmed)', async () => {
    const jwt = jwtOf(await get(gw, '/claims', bearer(await signToken(es, good({ sub: 'ec-user' })))))
    assert.equal(jwt.claims['sub'], 'ec-user')
  })

  await t.test('a valid PS256 token is accepted (provisional: RSA-PSS support is unconfirmed)', async () => {
    const jwt = jwtOf(await get(gw, '/claims', bearer(await signToken(ps, good({ sub: 'pss-user' })))))
    assert.equal(jwt.claims['sub'], 'pss-user')
  })

  await t.test('a route without authorizationScopes gets scopes null even when the token carries a scope claim', async () => {
    const jwt = jwtOf(await get(gw, '/claims', bearer(await signToken(rsa, good({ scope: 'openid orders:read' })))))
    assert.equal(jwt.scopes, null)
    assert.equal(jwt.claims['scope'], 'openid orders:read')
  })

  await t.test('a route with authorizationScopes gets the full space-split scope claim, not the intersection, and the raw scope stays in claims', async () => {
    const jwt = jwtOf(await get(gw, '/scoped', bearer(await signToken(rsa, good({ scope: 'openid orders:read profile' })))))
    assert.deepEqual(jwt.scopes, ['openid', 'orders:read', 'profile'])
    assert.equal(jwt.claims['scope'], 'openid orders:read profile')
  })

  await t.test('an scp array claim satisfies the route scopes and is given in full as the scopes', async () => {
    const jwt = jwtOf(await get(gw, '/scoped', bearer(await signToken(rsa, good({ scp: ['profile', 'orders:write'] })))))
    assert.deepEqual(jwt.scopes, ['profile', 'orders:write'])
    assert.equal(jwt.claims['scp'], '[profile orders:write]')
  })

  await t.test('a token already verified (and cached) is still checked against each route\'s scopes', async () => {
    const token = await signToken(rsa, good({ scope: 'profile' }))
    jwtOf(await get(gw, '/claims', bearer(token)))
    assertGatewayError(await get(gw, '/scoped', bearer(token)), 403, FORBIDDEN_BODY)
    const scoped = await signToken(rsa, good({ scope: 'orders:write' }))
    assert.deepEqual(jwtOf(await get(gw, '/scoped', bearer(scoped))).scopes, ['orders:write'])
    assert.equal(jwtOf(await get(gw, '/claims', bearer(scoped))).scopes, null)
  })

  await t.test('payload 1.0 events carry requestContext.authorizer {claims, scopes} (provisional)', async () => {
    const token = await signToken(rsa, good({ scope: 'orders:read email', n: 7 }))
    const plain = eventOf<JwtEventV1>(await get(gw, '/v1', bearer(token))).requestContext.authorizer
    assert.deepEqual(plain.claims, { ...renderedBasics(oidc.issuer, token), scope: 'orders:read email', n: '7' })
    assert.equal(plain.scopes, null)
    const scoped = eventOf<JwtEventV1>(await get(gw, '/v1/scoped', bearer(token))).requestContext.authorizer
    assert.deepEqual(scoped.scopes, ['orders:read', 'email'])
  })

  await t.test('a route without authorization still gets no authorizer in its 2.0 event', async () => {
    const event = eventOf<JwtEventV2>(await get(gw, '/open'))
    assert.equal(event.requestContext.authorizer, undefined)
  })

  await t.test('the Bearer prefix is stripped in any case (provisional) and a bare token is accepted', async () => {
    const token = await signToken(rsa, good())
    for (const value of [`Bearer ${token}`, `bearer ${token}`, `BEARER ${token}`, token]) {
      const jwt = jwtOf(await get(gw, '/claims', { authorization: value }))
      assert.equal(jwt.claims['sub'], 'user-1', value.slice(0, 10))
    }
  })

  await t.test('a JWT authorizer can take its token from a query string parameter', async () => {
    const token = await signToken(rsa, good({ sub: 'query-user' }))
    const jwt = jwtOf(await get(gw, `/query?token=${token}`))
    assert.equal(jwt.claims['sub'], 'query-user')
    // The Authorization header means nothing to this authorizer.
    assertUnauthorized(await get(gw, '/query', bearer(token)), 'Bearer')
  })

  await t.test('without aud, a client_id that is a configured audience is accepted', async () => {
    const jwt = jwtOf(await get(gw, '/claims', bearer(await signToken(rsa, good({ aud: undefined, client_id: OTHER_AUDIENCE })))))
    assert.equal(jwt.claims['client_id'], OTHER_AUDIENCE)
    assert.equal(jwt.claims['aud'], undefined)
  })

  await t.test('when aud is present and matches, a foreign client_id is ignored', async () => {
    const jwt = jwtOf(await get(gw, '/claims', bearer(await signToken(rsa, good({ client_id: 'some-other-client' })))))
    assert.equal(jwt.claims['aud'], AUDIENCE)
  })

  await t.test('an array aud is accepted when any element is a configured audience, and rendered "[a b]" (provisional)', async () => {
    const jwt = jwtOf(await get(gw, '/claims', bearer(await signToken(rsa, good({ aud: ['someone-else', OTHER_AUDIENCE] })))))
    assert.equal(jwt.claims['aud'], `[someone-else ${OTHER_AUDIENCE}]`)
  })

  await t.test('clockSkewSeconds gives exp, nbf and iat that much leeway, and no more', async () => {
    const now = nowSeconds()
    const early = await signToken(rsa, good({ nbf: now + 60, iat: now + 60 }))
    const late = await signToken(rsa, good({ iat: now - 600, exp: now - 60 }))
    jwtOf(await get(gw, '/lenient', bearer(early)))
    jwtOf(await get(gw, '/lenient', bearer(late)))
    // The same tokens without leeway (authorizer `main`, clockSkewSeconds 0).
    assertUnauthorized(await get(gw, '/claims', bearer(early)), invalidToken(JWT_ERROR_DESCRIPTIONS.notYetValid))
    assertUnauthorized(await get(gw, '/claims', bearer(late)), invalidToken(JWT_ERROR_DESCRIPTIONS.expired))
    // Beyond the leeway.
    const tooLate = await signToken(rsa, good({ iat: now - 600, exp: now - 180 }))
    assertUnauthorized(await get(gw, '/lenient', bearer(tooLate)), invalidToken(JWT_ERROR_DESCRIPTIONS.expired))
  })

  await t.test('a validly signed token just under the length limit is accepted', async () => {
    const token = await signToken(rsa, good({ pad: 'p'.repeat(5_400) }))
    assert.ok(token.length < MAX_TOKEN_LENGTH && token.length > MAX_TOKEN_LENGTH - 1_000, `token length ${token.length}`)
    jwtOf(await get(gw, '/claims', bearer(token)))
  })
})

/** The claims every `claimsFor` token has, rendered, read back from the token itself. */
function renderedBasics(issuer: string, token: string): Record<string, string> {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iat: number; exp: number }
  return { iss: issuer, aud: AUDIENCE, sub: 'user-1', iat: String(payload.iat), exp: String(payload.exp) }
}

// --- refusals: spec 5.1's failure table ------------------------------------------------------------------

test('every row of the JWT failure table is refused with the documented response, and the function is never invoked', async (t) => {
  const { oidc, gw, rsa } = await setup(t)
  const good = (overrides: Record<string, unknown> = {}): JWTPayload => claimsFor(oidc.issuer, overrides)
  const now = nowSeconds()

  await t.test('a request without an Authorization header is 401 with `www-authenticate: Bearer` (provisional challenge) and AWS\'s exact 26-byte body', async () => {
    assertUnauthorized(await get(gw, '/claims'), 'Bearer')
  })

  await t.test('an empty or blank Authorization header counts as missing (provisional challenge)', async () => {
    assertUnauthorized(await get(gw, '/claims', { authorization: '' }), 'Bearer')
    assertUnauthorized(await get(gw, '/claims', { authorization: '   ' }), 'Bearer')
  })

  await t.test('a query-string identity source that is absent is 401 with `www-authenticate: Bearer` (provisional challenge)', async () => {
    assertUnauthorized(await get(gw, '/query'), 'Bearer')
    assertUnauthorized(await get(gw, '/query?token='), 'Bearer')
  })

  await t.test('a token that is not a JWT is 401 invalid_token (provisional description)', async () => {
    const malformed = invalidToken(JWT_ERROR_DESCRIPTIONS.malformed)
    for (const value of ['Bearer not-a-jwt', 'Bearer a.b.c', 'Bearer a.b', `Bearer ${b64url('{"alg":"RS256"')}.e30.c2ln`, 'Basic dXNlcjpwYXNz']) {
      assertUnauthorized(await get(gw, '/claims', { authorization: value }), malformed)
    }
    // A well-formed header over a payload that is not JSON: undecodable too (spec 5.1 step 2).
    const undecodable = await get(gw, '/claims', bearer(`${b64url(JSON.stringify({ alg: 'RS256', kid: rsa.kid }))}.${b64url('not json')}.c2ln`))
    assertGatewayError(undecodable, 401, UNAUTHORIZED_BODY)
    assert.match(String(undecodable.headers['www-authenticate']), /^Bearer scope="" error="invalid_token" error_description="[^"]+"$/)
    // A bare "Bearer" with nothing after it is no token either.
    assertGatewayError(await get(gw, '/claims', { authorization: 'Bearer' }), 401, UNAUTHORIZED_BODY)
  })

  await t.test('a token from another issuer is 401 (provisional description); the match is exact, trailing slash included', async () => {
    const challenge = invalidToken(JWT_ERROR_DESCRIPTIONS.issuer)
    assertUnauthorized(await get(gw, '/claims', bearer(await signToken(rsa, good({ iss: 'https://issuer.example.com' })))), challenge)
    assertUnauthorized(await get(gw, '/claims', bearer(await signToken(rsa, good({ iss: `${oidc.issuer}/` })))), challenge)
    assertUnauthorized(await get(gw, '/claims', bearer(await signToken(rsa, good({ iss: undefined })))), challenge)
  })

  await t.test('an audience mismatch is 401 with the documented www-authenticate value, byte for byte', async () => {
    const res = await get(gw, '/claims', bearer(await signToken(rsa, good({ aud: 'someone-else' }))))
    assertUnauthorized(res, AUDIENCE_CHALLENGE)
    assert.equal(
      res.headers['www-authenticate'],
      'Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"'
    )
  })

  await t.test('client_id decides only when aud is absent: a foreign client_id, or none, or a matching client_id beside a foreign aud, is an audience mismatch', async () => {
    assertUnauthorized(await get(gw, '/claims', bearer(await signToken(rsa, good({ aud: undefined, client_id: 'stranger' })))), AUDIENCE_CHALLENGE)
    assertUnauthorized(await get(gw, '/claims', bearer(await signToken(rsa, good({ aud: undefined })))), AUDIENCE_CHALLENGE)
    assertUnauthorized(await get(gw, '/claims', bearer(await signToken(rsa, good({ aud: 'stranger', client_id: AUDIENCE })))), AUDIENCE_CHALLENGE)
  })

  await t.test('an array aud with no configured audience in it is an audience mismatch (provisional)', async () => {
    assertUnauthorized(await get(gw, '/claims', bearer(await signToken(rsa, good({ aud: ['a', 'b'] })))), AUDIENCE_CHALLENGE)
  })

  await t.test('a token signed by another key under the published kid is 401 (provisional description)', async () => {
    const impostor = await generateSigningKey('RS256', rsa.kid)
    const res = await get(gw, '/claims', bearer(await signToken(impostor, good())))
    assertUnauthorized(res, invalidToken(JWT_ERROR_DESCRIPTIONS.signature))
  })

  await t.test('a token whose signature bytes were tampered with is 401 (provisional description)', async () => {
    const [h, p, s] = (await signToken(rsa, good())).split('.') as [string, string, string]
    const flipped = Buffer.from(s, 'base64url')
    flipped[0] = (flipped[0] ?? 0) ^ 0xff
    const forgedPayload = b64url(JSON.stringify({ ...good(), sub: 'admin' }))
    assertUnauthorized(await get(gw, '/claims', bearer(`${h}.${p}.${b64url(flipped)}`)), invalidToken(JWT_ERROR_DESCRIPTIONS.signature))
    assertUnauthorized(await get(gw, '/claims', bearer(`${h}.${forgedPayload}.${s}`)), invalidToken(JWT_ERROR_DESCRIPTIONS.signature))
  })

  await t.test('a token whose kid is not in the JWKS is 401 (provisional description)', async () => {
    const stranger = await generateSigningKey('RS256', 'not-published')
    assertUnauthorized(await get(gw, '/claims', bearer(await signToken(stranger, good()))), invalidToken(JWT_ERROR_DESCRIPTIONS.unknownKey))
  })

  await t.test('an unsigned token (alg none) is 401 (provisional description)', async () => {
    for (const alg of ['none', 'None', 'NONE']) {
      const token = handmadeToken({ alg, typ: 'JWT', kid: rsa.kid }, good(), () => '')
      assertUnauthorized(await get(gw, '/claims', bearer(token)), invalidToken(JWT_ERROR_DESCRIPTIONS.algorithm(alg)))
    }
  })

  await t.test('an HS256 token keyed with the issuer\'s public key (HMAC/RSA confusion) is 401 (provisional description)', async () => {
    const secrets = [rsa.publicPem, JSON.stringify(rsa.publicJwk), Buffer.from(rsa.publicJwk.n ?? '', 'base64url')]
    for (const secret of secrets) {
      const token = handmadeToken({ alg: 'HS256', typ: 'JWT', kid: rsa.kid }, good(), (input) => createHmac('sha256', secret).update(input).digest('base64url'))
      assertUnauthorized(await get(gw, '/claims', bearer(token)), invalidToken(JWT_ERROR_DESCRIPTIONS.algorithm('HS256')))
    }
  })

  await t.test('an expired token is 401 (provisional description)', async () => {
    const token = await signToken(rsa, good({ iat: now - 3_600, exp: now - 60 }))
    assertUnauthorized(await get(gw, '/claims', bearer(token)), invalidToken(JWT_ERROR_DESCRIPTIONS.expired))
  })

  await t.test('a token without an exp claim is 401 (REQUIRE_EXP_CLAIM; provisional description), not accepted forever', async () => {
    assert.equal(REQUIRE_EXP_CLAIM, true)
    const claims = good()
    delete claims['exp']
    const token = await signToken(rsa, claims)
    assert.equal('exp' in JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')), false)
    assertUnauthorized(await get(gw, '/claims', bearer(token)), invalidToken(JWT_ERROR_DESCRIPTIONS.missingExpiry))
  })

  await t.test('a token whose nbf is in the future is 401 (provisional description)', async () => {
    const token = await signToken(rsa, good({ nbf: now + 60 }))
    assertUnauthorized(await get(gw, '/claims', bearer(token)), invalidToken(JWT_ERROR_DESCRIPTIONS.notYetValid))
  })

  await t.test('a token whose iat is in the future is 401 (provisional description)', async () => {
    const token = await signToken(rsa, good({ iat: now + 60 }))
    assertUnauthorized(await get(gw, '/claims', bearer(token)), invalidToken(JWT_ERROR_DESCRIPTIONS.issuedInFuture))
  })

  await t.test('a validly signed token longer than the length limit is 401 (provisional limit and description)', async () => {
    const token = await signToken(rsa, good({ pad: 'p'.repeat(6_500) }))
    assert.ok(token.length > MAX_TOKEN_LENGTH && token.length < 9_800, `token length ${token.length}`)
    assertUnauthorized(await get(gw, '/claims', bearer(token)), invalidToken(JWT_ERROR_DESCRIPTIONS.tooLong))
  })

  await t.test('an invalid token on a scoped route is 401, not 403', async () => {
    const token = await signToken(rsa, good({ exp: now - 60, scope: 'orders:read' }))
    assertUnauthorized(await get(gw, '/scoped', bearer(token)), invalidToken(JWT_ERROR_DESCRIPTIONS.expired))
  })

  await t.test('a valid token with none of the route\'s scopes is 403 {"message":"Forbidden"} (23 bytes)', async () => {
    for (const extra of [{}, { scope: 'openid profile' }, { scp: ['orders:delete'] }, { scope: '' }]) {
      const res = await get(gw, '/scoped', bearer(await signToken(rsa, good(extra))))
      assertGatewayError(res, 403, FORBIDDEN_BODY)
      assert.equal(res.headers['content-length'], '23')
    }
  })

  await t.test('the 403 carries an insufficient_scope www-authenticate challenge (provisional)', async () => {
    const res = await get(gw, '/scoped', bearer(await signToken(rsa, good({ scope: 'profile' }))))
    assert.equal(res.status, 403)
    assert.equal(res.headers['www-authenticate'], INSUFFICIENT_SCOPE_CHALLENGE)
  })

  await t.test('none of the refused requests invoked the function; a valid token then does', async () => {
    // Function log lines are delivered asynchronously: give any stray START line time to arrive.
    await delay(100)
    assert.deepEqual(startLines(gw), [], 'no START line after refusals only')
    jwtOf(await get(gw, '/claims', bearer(await signToken(rsa, good()))))
    await eventually(() => (startLines(gw).length === 1 ? true : undefined), 'the START line of the one accepted request')
  })
})

// --- keys: discovery, caching, rotation, limits ---------------------------------------------------

test('a token without a kid header is 401 and does not invoke the function: the kid must match a key of the JWKS', async (t) => {
  // Kept apart from the failure table so that its no-START check does not depend on this row.
  const { oidc, gw, rsa } = await setup(t)
  const res = await get(gw, '/claims', bearer(await signToken(rsa, claimsFor(oidc.issuer), { kid: null })))
  assertGatewayError(res, 401, UNAUTHORIZED_BODY)
  assert.match(String(res.headers['www-authenticate']), /^Bearer scope="" error="invalid_token" error_description="[^"]+"$/)
  await delay(100)
  assert.deepEqual(startLines(gw), [])
})

test('keys are discovered once through the issuer\'s openid-configuration, concurrent first requests share the fetch, and a repeated token causes no refetch', async (t) => {
  const { oidc, gw, rsa } = await setup(t)
  assert.deepEqual({ ...oidc.counts }, { discovery: 0, jwks: 0, other: 0 }, 'nothing fetched before the first token')
  const token = await signToken(rsa, claimsFor(oidc.issuer))
  // Concurrent first requests share one discovery and one JWKS fetch.
  const first = await Promise.all(Array.from({ length: 8 }, () => get(gw, '/claims', bearer(token))))
  for (const res of first) jwtOf(res)
  assert.deepEqual({ ...oidc.counts }, { discovery: 1, jwks: 1, other: 0 })
  for (let i = 0; i < 5; i++) jwtOf(await get(gw, '/claims', bearer(token)))
  assert.deepEqual({ ...oidc.counts }, { discovery: 1, jwks: 1, other: 0 })
  // Other tokens from the same key use the cached JWKS too.
  for (let i = 0; i < 3; i++) jwtOf(await get(gw, '/claims', bearer(await signToken(rsa, claimsFor(oidc.issuer, { sub: `u${i}` })))))
  assert.deepEqual({ ...oidc.counts }, { discovery: 1, jwks: 1, other: 0 })
})

test('a verified token is not served from the cache past its exp', async (t) => {
  const { oidc, gw, rsa } = await setup(t)
  // exp at a whole second at least 500 ms away, so the first request lands well before it.
  const nowMs = Date.now()
  const exp = Math.floor(nowMs / 1000) + (1000 - (nowMs % 1000) >= 500 ? 1 : 2)
  const token = await signToken(rsa, claimsFor(oidc.issuer, { iat: exp - 60, exp }))
  jwtOf(await get(gw, '/claims', bearer(token)))
  jwtOf(await get(gw, '/claims', bearer(token)))
  await eventually(() => (Date.now() >= exp * 1000 + 20 ? true : undefined), 'the token to expire')
  assertUnauthorized(await get(gw, '/claims', bearer(token)), invalidToken(JWT_ERROR_DESCRIPTIONS.expired))
})

test('after the issuer rotates its key, a token with the new kid is accepted after exactly one JWKS refetch', async (t) => {
  const { oidc, gw, rsa } = await setup(t)
  jwtOf(await get(gw, '/claims', bearer(await signToken(rsa, claimsFor(oidc.issuer)))))
  assert.equal(oidc.counts.jwks, 1)

  const next = await oidc.rotate('RS256')
  const jwt = jwtOf(await get(gw, '/claims', bearer(await signToken(next, claimsFor(oidc.issuer, { sub: 'after-rotation' })))))
  assert.equal(jwt.claims['sub'], 'after-rotation')
  assert.equal(oidc.counts.jwks, 2, 'one refetch for the new kid')
  jwtOf(await get(gw, '/claims', bearer(await signToken(next, claimsFor(oidc.issuer, { sub: 'again' })))))
  assert.equal(oidc.counts.jwks, 2, 'the refetched keys are cached')

  // The retired key is gone from the refetched JWKS: a fresh token signed with it is refused,
  // and (within the cooldown) without another fetch.
  const retired = await signToken(rsa, claimsFor(oidc.issuer, { sub: 'retired-key' }))
  assertUnauthorized(await get(gw, '/claims', bearer(retired)), invalidToken(JWT_ERROR_DESCRIPTIONS.unknownKey))
  assert.equal(oidc.counts.jwks, 2)
})

test('a flood of tokens with unknown kids causes at most one JWKS refetch within the cooldown', async (t) => {
  const { oidc, gw, rsa } = await setup(t)
  jwtOf(await get(gw, '/claims', bearer(await signToken(rsa, claimsFor(oidc.issuer)))))
  assert.equal(oidc.counts.jwks, 1)
  const forger = await generateSigningKey('RS256')
  const tokens = await Promise.all(Array.from({ length: 25 }, () => signToken(forger, claimsFor(oidc.issuer), { kid: randomUUID() })))
  // Concurrently, then one by one.
  const concurrent = await Promise.all(tokens.slice(0, 15).map((token) => get(gw, '/claims', bearer(token))))
  for (const res of concurrent) assertUnauthorized(res, invalidToken(JWT_ERROR_DESCRIPTIONS.unknownKey))
  for (const token of tokens.slice(15)) assertUnauthorized(await get(gw, '/claims', bearer(token)), invalidToken(JWT_ERROR_DESCRIPTIONS.unknownKey))
  assert.equal(oidc.counts.jwks, 2, 'one refetch for the whole flood')
  assert.ok(oidc.counts.discovery <= 2, `discovery fetched ${oidc.counts.discovery} times`)
  // Known keys keep working.
  jwtOf(await get(gw, '/claims', bearer(await signToken(rsa, claimsFor(oidc.issuer, { sub: 'still-fine' })))))
  assert.equal(oidc.counts.jwks, 2)
})

test('a JWKS endpoint slower than 1.5 s, in its headers or its body, gets 401 (provisional) while the gateway keeps serving, and a later fast answer is used', async (t) => {
  // Two issuers and gateways side by side, so the two 1.5 s timeouts run at the same time.
  const headers = await setup(t)
  const body = await setup(t)
  headers.oidc.switches.jwksDelayMs = 1_800
  body.oidc.switches.jwksBodyDelayMs = 1_800
  const headersToken = await signToken(headers.rsa, claimsFor(headers.oidc.issuer))
  const bodyToken = await signToken(body.rsa, claimsFor(body.oidc.issuer))
  const slow = Promise.all([get(headers.gw, '/claims', bearer(headersToken)), get(body.gw, '/claims', bearer(bodyToken))])
  // While the JWKS fetches hang, other requests are served.
  assert.equal((await get(headers.gw, '/open')).status, 200)
  assert.equal((await get(body.gw, '/open')).status, 200)
  const [slowHeaders, slowBody] = await slow
  assertGatewayError(slowHeaders, 401, UNAUTHORIZED_BODY)
  assertGatewayError(slowBody, 401, UNAUTHORIZED_BODY)
  assert.equal(headers.oidc.counts.jwks, 1)
  assert.equal(body.oidc.counts.jwks, 1)

  headers.oidc.switches.jwksDelayMs = 0
  jwtOf(await get(headers.gw, '/claims', bearer(headersToken)))
  assert.equal(headers.oidc.counts.jwks, 2, 'the failed fetch was not cached')
  body.oidc.switches.jwksBodyDelayMs = 0
  jwtOf(await get(body.gw, '/claims', bearer(bodyToken)))
  assert.equal(body.oidc.counts.jwks, 2, 'the failed fetch was not cached')

  // Both are the same failure (keys unavailable), not a fault of the token.
  assert.equal(slowHeaders.headers['www-authenticate'], invalidToken(JWT_ERROR_DESCRIPTIONS.keysUnavailable), 'JWKS headers too slow')
  assert.equal(slowBody.headers['www-authenticate'], invalidToken(JWT_ERROR_DESCRIPTIONS.keysUnavailable), 'JWKS body too slow')
})

test(`a JWKS larger than ${MAX_JWKS_BYTES} bytes gets 401 (provisional), declared or streamed; exactly ${MAX_JWKS_BYTES} bytes is accepted`, async (t) => {
  const { oidc, gw, rsa } = await setup(t)
  const token = await signToken(rsa, claimsFor(oidc.issuer))
  const refused = invalidToken(JWT_ERROR_DESCRIPTIONS.keysUnavailable)

  oidc.switches.jwksSize = MAX_JWKS_BYTES + 1
  assertUnauthorized(await get(gw, '/claims', bearer(token)), refused)
  oidc.switches.jwksChunked = true
  assertUnauthorized(await get(gw, '/claims', bearer(token)), refused)
  oidc.switches.jwksSize = 400_000
  assertUnauthorized(await get(gw, '/claims', bearer(token)), refused)
  assert.equal(oidc.counts.jwks, 3)

  // Streamed, so the byte counting is what admits it.
  oidc.switches.jwksSize = MAX_JWKS_BYTES
  jwtOf(await get(gw, '/claims', bearer(token)))
  assert.equal(oidc.counts.jwks, 4)
})

test('a discovery document without jwks_uri gets 401 (provisional) and no JWKS request', async (t) => {
  const { oidc, gw, rsa } = await setup(t)
  oidc.switches.omitJwksUri = true
  const token = await signToken(rsa, claimsFor(oidc.issuer))
  assertUnauthorized(await get(gw, '/claims', bearer(token)), invalidToken(JWT_ERROR_DESCRIPTIONS.keysUnavailable))
  assert.equal(oidc.counts.discovery, 1)
  assert.equal(oidc.counts.jwks, 0)
  assert.deepEqual(startLines(gw), [])
})

test('an issuer that cannot be reached gets 401 (provisional) without invoking the function, and the gateway keeps serving', async (t) => {
  const { oidc, gw, rsa } = await setup(t)
  await oidc.close()
  const res = await get(gw, '/claims', bearer(await signToken(rsa, claimsFor(oidc.issuer))))
  assertUnauthorized(res, invalidToken(JWT_ERROR_DESCRIPTIONS.keysUnavailable))
  assert.equal((await get(gw, '/open')).status, 200)
  await eventually(() => (startLines(gw).length > 0 ? true : undefined), 'the START line of /open')
  await delay(100)
  assert.equal(startLines(gw).length, 1, 'only /open invoked the function')
})

// --- JWKS without discovery (air-gapped CI) -------------------------------------------------------

test('jwks.uri fetches the given JWKS without any discovery request', async (t) => {
  const { oidc, gw, rsa } = await setup(t, { jwks: (o) => ({ uri: o.jwksUri }) })
  jwtOf(await get(gw, '/claims', bearer(await signToken(rsa, claimsFor(oidc.issuer)))))
  assert.deepEqual({ ...oidc.counts }, { discovery: 0, jwks: 1, other: 0 })
})

test('jwks.file reads the keys from a file: no request reaches the issuer, and an unknown kid triggers none', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'jwks.json')
  let published: unknown
  const { oidc, gw, rsa } = await setup(t, {
    jwks: (o) => {
      published = o.jwks()
      writeFileSync(file, JSON.stringify(published))
      return { file }
    },
  })
  assert.ok(existsSync(file) && published !== undefined)
  jwtOf(await get(gw, '/claims', bearer(await signToken(rsa, claimsFor(oidc.issuer)))))
  const stranger = await generateSigningKey('RS256')
  assertUnauthorized(await get(gw, '/claims', bearer(await signToken(stranger, claimsFor(oidc.issuer)))), invalidToken(JWT_ERROR_DESCRIPTIONS.unknownKey))
  assert.deepEqual({ ...oidc.counts }, { discovery: 0, jwks: 0, other: 0 })
})

test('jwks.keys takes the keys inline: no request reaches the issuer, an unknown kid triggers none, and an HMAC key in the set does not admit HS256', async (t) => {
  const es = await generateSigningKey('ES256')
  // An HMAC key in the key set must not make HS256 acceptable: the algorithm allow-list decides.
  const secret = Buffer.from('a shared secret no issuer should publish, 32+ bytes long')
  const oct = { kty: 'oct', kid: 'hmac-key', alg: 'HS256', use: 'sig', k: b64url(secret) }
  const { oidc, gw, rsa } = await setup(t, { extra: [es], jwks: (o) => ({ keys: [...o.jwks().keys, oct] }) })
  jwtOf(await get(gw, '/claims', bearer(await signToken(rsa, claimsFor(oidc.issuer)))))
  jwtOf(await get(gw, '/claims', bearer(await signToken(es, claimsFor(oidc.issuer)))))
  const hs = handmadeToken({ alg: 'HS256', typ: 'JWT', kid: 'hmac-key' }, claimsFor(oidc.issuer), (input) => createHmac('sha256', secret).update(input).digest('base64url'))
  assertUnauthorized(await get(gw, '/claims', bearer(hs)), invalidToken(JWT_ERROR_DESCRIPTIONS.algorithm('HS256')))
  const stranger = await generateSigningKey('RS256')
  assertUnauthorized(await get(gw, '/claims', bearer(await signToken(stranger, claimsFor(oidc.issuer)))), invalidToken(JWT_ERROR_DESCRIPTIONS.unknownKey))
  assert.deepEqual({ ...oidc.counts }, { discovery: 0, jwks: 0, other: 0 })
})

// --- access log ------------------------------------------------------------------------------------

test('$context.authorizer.claims.sub and $context.authorizer.error reach the access log', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'access.log')
  const format = '{"requestId":"$context.requestId","status":"$context.status","sub":"$context.authorizer.claims.sub","iss":"$context.authorizer.claims.iss","error":"$context.authorizer.error"}'
  const { oidc, gw, rsa } = await setup(t, { accessLog: { format, destination: file } })
  const lineFor = async (res: HttpResult): Promise<Record<string, string>> => {
    const id = res.headers['apigw-requestid']
    assert.equal(typeof id, 'string')
    return eventually(() => {
      const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : []
      return lines.map((l) => JSON.parse(l) as Record<string, string>).find((l) => l['requestId'] === id)
    }, `the access-log line of ${String(id)}`)
  }

  const ok = await get(gw, '/claims', bearer(await signToken(rsa, claimsFor(oidc.issuer, { sub: 'logged-user' }))))
  assert.equal(ok.status, 200)
  const okLine = await lineFor(ok)
  assert.equal(okLine['status'], '200')
  assert.equal(okLine['sub'], 'logged-user')
  assert.equal(okLine['iss'], oidc.issuer)
  assert.equal(okLine['error'], '-', 'no authorizer error on success (provisional "-" for absent values)')

  const wrongAud = await get(gw, '/claims', bearer(await signToken(rsa, claimsFor(oidc.issuer, { aud: 'someone-else', sub: 'not-logged' }))))
  assertUnauthorized(wrongAud, AUDIENCE_CHALLENGE)
  const audLine = await lineFor(wrongAud)
  assert.equal(audLine['status'], '401')
  assert.equal(audLine['sub'], '-', 'claims of a refused token are not exposed')
  assert.equal(audLine['error'], 'the token does not have a valid audience', 'authorizer.error is the failure description (provisional)')

  const missing = await get(gw, '/claims')
  const missingLine = await lineFor(missing)
  assert.equal(missingLine['status'], '401')
  assert.notEqual(missingLine['error'], '-', 'a missing token sets authorizer.error (provisional text)')

  const forbidden = await get(gw, '/scoped', bearer(await signToken(rsa, claimsFor(oidc.issuer, { scope: 'profile' }))))
  const forbiddenLine = await lineFor(forbidden)
  assert.equal(forbiddenLine['status'], '403')
  assert.notEqual(forbiddenLine['error'], '-', 'a scope refusal sets authorizer.error (provisional text)')
})
