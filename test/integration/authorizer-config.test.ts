// Authorizer configuration (spec 5.1, 5.2, 5.3, 12.5, 12.7, 13.2): every mistake is refused at
// load time with the file, line, path and message of what is wrong, so a route that declares an
// authorizer is never served without it. Each case writes a config into a fresh temp dir and
// loads it with loadConfigFile; the issue count must match too, so follow-on issues (a route
// "naming a missing authorizer" when the authorizer merely had a problem of its own) fail the
// case. Then OpenAPI import: securitySchemes become authorizers, operation security becomes the
// route's authorization, and real requests show the imported authorizers are enforced.
//
// Provisional (spec [UNCONFIRMED]): an apiKey scheme with x-amazon-apigateway-authtype awsSigv4
// meaning AWS_IAM; the 403 body of an unsigned request.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ConfigIssue } from '../../src/index.js'
import { loadConfigFile } from '../../src/config/load-config.js'
import type { AuthorizerDefinition, GatehouseConfig } from '../../src/model/index.js'
import { startGateway } from '../helpers/gateway.js'
import { http } from '../helpers/http.js'
import { handlersDir } from '../helpers/paths.js'

// --- cases: a config text and the exact issues it must produce -------------------------------

/** A line of the case's text: the first line containing `text`, or its `nth` occurrence (1-based). */
type At = string | { readonly text: string; readonly nth: number }

interface ExpectedIssue {
  /** File the issue names, relative to the temp dir; default: the config file. */
  readonly file?: string
  /** The line the issue must name; an array lists lines that are all acceptable. */
  readonly at: At | readonly At[]
  readonly path: string
  readonly message: string | RegExp
}

interface Case {
  readonly name: string
  readonly text: string
  /** Extra files written beside the config (JWKS files, OpenAPI documents). */
  readonly files?: Readonly<Record<string, string>>
  /** Text of the file the `at` lines are looked up in, when not the config. */
  readonly linesFrom?: string
  readonly expect: readonly ExpectedIssue[]
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-authz-config-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  for (const handler of ['echo.mjs', 'authz-echo.mjs', 'authz-scripted.mjs']) copyFileSync(join(handlersDir, handler), join(dir, handler))
  return dir
}

function lineOf(text: string, at: At): number {
  const needle = typeof at === 'string' ? at : at.text
  const nth = typeof at === 'string' ? 1 : at.nth
  const hits = text.split('\n').flatMap((l, i) => (l.includes(needle) ? [i + 1] : []))
  if (typeof at === 'string' && hits.length > 1) throw new Error(`test bug: "${needle}" occurs on lines ${hits.join(', ')}`)
  const line = hits[nth - 1]
  if (line === undefined) throw new Error(`test bug: "${needle}" (occurrence ${nth}) is not in the text`)
  return line
}

function render(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `  ${i.file}:${i.line ?? '-'}: ${i.path}: ${i.message}`).join('\n')
}

const matches = (pattern: string | RegExp, value: string): boolean => (typeof pattern === 'string' ? pattern === value : pattern.test(value))

function runCase(t: TestContext, c: Case): void {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'gatehouse.yaml'), c.text)
  for (const [name, content] of Object.entries(c.files ?? {})) writeFileSync(join(dir, name), content)
  const result = loadConfigFile(join(dir, 'gatehouse.yaml'))
  assert.equal(result.ok, false, 'the config must be refused')
  if (result.ok) return
  const { issues } = result
  for (const e of c.expect) {
    const found = issues.filter((i) => i.path === e.path && matches(e.message, i.message))
    assert.equal(found.length, 1, `expected exactly one issue at ${e.path} matching ${String(e.message)}; got:\n${render(issues)}`)
    const issue = found[0] as ConfigIssue
    assert.equal(issue.file, join(dir, e.file ?? 'gatehouse.yaml'), `file of ${issue.path}: ${issue.message}`)
    const text = e.file === undefined ? c.text : (c.files?.[e.file] ?? '')
    const lines = (Array.isArray(e.at) ? (e.at as readonly At[]) : [e.at as At]).map((a) => lineOf(text, a))
    assert.ok(issue.line !== undefined && lines.includes(issue.line), `line of ${issue.path} (${issue.message}) is ${issue.line}, expected ${lines.join(' or ')}`)
  }
  assert.equal(issues.length, c.expect.length, `expected ${c.expect.length} issue(s), got ${issues.length}:\n${render(issues)}`)
}

// Building blocks: each case spells out its API so the line numbers are visible in its text.
const FUNCTIONS = `functions:
  fn:
    handler: echo.handler
  authz:
    handler: echo.handler
`
const INTEGRATIONS = `    integrations:
      - integrationId: fn
        integrationType: AWS_PROXY
        integrationUri: fn
        payloadFormatVersion: "2.0"
`
const OPEN_ROUTE = `      - routeKey: GET /x
        target: integrations/fn
`
/** An API `shop` with the given authorizers and routes blocks (already indented); `head` goes before `functions:`. */
const api = (authorizers: string, routes = OPEN_ROUTE, head = ''): string => `${head}${FUNCTIONS}apis:
  - name: shop
    apiId: shop001
    authorizers:
${authorizers}    routes:
${routes}${INTEGRATIONS}`

const JWT_OK = `      - authorizerId: jwt1
        authorizerType: JWT
        identitySource: [$request.header.Authorization]
        jwtConfiguration:
          issuer: https://issuer.example.com
          audience: [shop-api]
`
const LAMBDA_OK = `      - authorizerId: lam1
        authorizerType: REQUEST
        authorizerUri: authz
        authorizerPayloadFormatVersion: "2.0"
        identitySource: [$request.header.X-Token]
`
const IAM_HEAD = `iam:
  credentials:
    - accessKeyId: AKIAGATEHOUSEALICE01
      secretAccessKey: secret
`
/** A route `GET /x` with the given authorization lines (indented 8). */
const route = (lines: string): string => `      - routeKey: GET /x
        target: integrations/fn
${lines}`

const AUTHZ = (i: number) => `apis[0].authorizers[${i}]`
const ROUTE = (i: number) => `apis[0].routes[${i}]`

test('a config with JWT, Lambda and IAM authorization loads, normalised', (t) => {
  const dir = tempDir(t)
  const text = api(
    JWT_OK +
      LAMBDA_OK +
      `      - authorizerId: lam2
        authorizerType: REQUEST
        authorizerUri: authz
        authorizerPayloadFormatVersion: 1.0
        authorizerResultTtlInSeconds: 60
        identitySource: "$request.header.X-Token, $request.querystring.tenant, $context.routeKey, $stageVariables.env"
`,
    route(`        authorizationType: JWT
        authorizerId: jwt1
        authorizationScopes: [shop.read]
`) +
      `      - routeKey: GET /y
        target: integrations/fn
        authorizationType: CUSTOM
        authorizerId: lam2
      - routeKey: GET /z
        target: integrations/fn
        authorizationType: AWS_IAM
      - routeKey: GET /open
        target: integrations/fn
`,
    IAM_HEAD
  )
  writeFileSync(join(dir, 'gatehouse.yaml'), text)
  const result = loadConfigFile(join(dir, 'gatehouse.yaml'))
  assert.ok(result.ok, result.ok ? '' : render(result.issues))
  const shop = result.config.apis[0]
  assert.ok(shop !== undefined)
  const jwt = shop.authorizers.get('jwt1')
  assert.ok(jwt?.authorizerType === 'JWT')
  assert.equal(jwt.issuer, 'https://issuer.example.com')
  assert.deepEqual(jwt.audience, ['shop-api'])
  assert.equal(jwt.identitySource.expression, '$request.header.Authorization')
  assert.deepEqual(jwt.jwks, { kind: 'discovery' })
  const plain = shop.authorizers.get('lam1')
  assert.ok(plain?.authorizerType === 'REQUEST')
  assert.equal(plain.resultTtlSeconds, 0, 'no TTL given: no caching (provisional default)')
  assert.equal(plain.enableSimpleResponses, false, 'enableSimpleResponses defaults to false')
  const lam = shop.authorizers.get('lam2')
  assert.ok(lam?.authorizerType === 'REQUEST')
  assert.equal(lam.payloadFormatVersion, '1.0', 'a YAML number 1.0 is payload version "1.0"')
  assert.equal(lam.resultTtlSeconds, 60)
  assert.equal(lam.enableSimpleResponses, false)
  assert.deepEqual(
    lam.identitySources.map((s) => [s.kind, s.expression]),
    [
      ['header', '$request.header.X-Token'],
      ['querystring', '$request.querystring.tenant'],
      ['context', '$context.routeKey'],
      ['stageVariable', '$stageVariables.env'],
    ]
  )
  assert.deepEqual(
    shop.routes.map((r) => [r.routeKey, r.authorizationType, r.authorizerId, r.authorizationScopes]),
    [
      ['GET /x', 'JWT', 'jwt1', ['shop.read']],
      ['GET /y', 'CUSTOM', 'lam2', []],
      ['GET /z', 'AWS_IAM', null, []],
      ['GET /open', 'NONE', null, []],
    ]
  )
  assert.equal(result.config.iam?.credentials.get('AKIAGATEHOUSEALICE01')?.accountId, result.config.accountId)
})

const JWT_ROUTE = route(`        authorizationType: JWT
        authorizerId: jwt1
`)
const CUSTOM_ROUTE = (id: string) =>
  route(`        authorizationType: CUSTOM
        authorizerId: ${id}
`)

const cases: Case[] = [
  // --- JWT authorizers ---
  {
    name: 'a JWT authorizer without an issuer is refused at jwtConfiguration, and its route adds no follow-on issue',
    text: api(
      `      - authorizerId: jwt1
        authorizerType: JWT
        identitySource: [$request.header.Authorization]
        jwtConfiguration:
          audience: [shop-api]
`,
      JWT_ROUTE
    ),
    expect: [{ at: 'jwtConfiguration:', path: `${AUTHZ(0)}.jwtConfiguration`, message: 'jwtConfiguration.issuer is required for JWT authorizers' }],
  },
  {
    name: 'a JWT authorizer without jwtConfiguration at all is refused at the authorizer',
    text: api(
      `      - authorizerId: jwt1
        authorizerType: JWT
        identitySource: [$request.header.Authorization]
`,
      JWT_ROUTE
    ),
    expect: [{ at: '- authorizerId: jwt1', path: `${AUTHZ(0)}.jwtConfiguration`, message: 'jwtConfiguration.issuer is required for JWT authorizers' }],
  },
  {
    name: 'a JWT authorizer without an identity source is refused',
    text: api(
      `      - authorizerId: jwt1
        authorizerType: JWT
        jwtConfiguration:
          issuer: https://issuer.example.com
`,
      JWT_ROUTE
    ),
    expect: [{ at: '- authorizerId: jwt1', path: `${AUTHZ(0)}.identitySource`, message: /^a JWT authorizer needs exactly one identity source/ }],
  },
  {
    name: 'a JWT authorizer with two identity sources is refused',
    text: api(
      `      - authorizerId: jwt1
        authorizerType: JWT
        identitySource: [$request.header.Authorization, $request.querystring.token]
        jwtConfiguration:
          issuer: https://issuer.example.com
`,
      JWT_ROUTE
    ),
    expect: [{ at: 'identitySource:', path: `${AUTHZ(0)}.identitySource`, message: /^a JWT authorizer needs exactly one identity source/ }],
  },
  {
    name: 'a JWT authorizer whose identity source is a $context variable is refused',
    text: api(
      `      - authorizerId: jwt1
        authorizerType: JWT
        identitySource: [$context.routeKey]
        jwtConfiguration:
          issuer: https://issuer.example.com
`,
      JWT_ROUTE
    ),
    expect: [{ at: 'identitySource:', path: `${AUTHZ(0)}.identitySource`, message: /must be a \$request\.header or \$request\.querystring value/ }],
  },
  {
    name: 'a JWT authorizer whose identity source is a stage variable is refused',
    text: api(
      `      - authorizerId: jwt1
        authorizerType: JWT
        identitySource: $stageVariables.token
        jwtConfiguration:
          issuer: https://issuer.example.com
`,
      JWT_ROUTE
    ),
    expect: [{ at: 'identitySource:', path: `${AUTHZ(0)}.identitySource`, message: /must be a \$request\.header or \$request\.querystring value/ }],
  },
  {
    name: 'REQUEST-only fields on a JWT authorizer are refused at each field',
    text: api(
      `      - authorizerId: jwt1
        authorizerType: JWT
        identitySource: [$request.header.Authorization]
        jwtConfiguration:
          issuer: https://issuer.example.com
        authorizerUri: authz
        authorizerResultTtlInSeconds: 300
`,
      JWT_ROUTE
    ),
    expect: [
      { at: 'authorizerUri: authz', path: `${AUTHZ(0)}.authorizerUri`, message: 'authorizerUri applies to REQUEST authorizers only' },
      { at: 'authorizerResultTtlInSeconds:', path: `${AUTHZ(0)}.authorizerResultTtlInSeconds`, message: 'authorizerResultTtlInSeconds applies to REQUEST authorizers only' },
    ],
  },
  {
    name: 'jwks with both uri and keys is refused at jwks',
    text: api(
      `      - authorizerId: jwt1
        authorizerType: JWT
        identitySource: [$request.header.Authorization]
        jwtConfiguration:
          issuer: https://issuer.example.com
        jwks:
          uri: https://issuer.example.com/keys
          keys: []
`,
      JWT_ROUTE
    ),
    expect: [{ at: 'jwks:', path: `${AUTHZ(0)}.jwks`, message: 'jwks takes exactly one of uri, file or keys' }],
  },
  {
    name: 'a jwks.file that does not exist is refused at file',
    text: api(
      `      - authorizerId: jwt1
        authorizerType: JWT
        identitySource: [$request.header.Authorization]
        jwtConfiguration:
          issuer: https://issuer.example.com
        jwks:
          file: keys/missing.json
`,
      JWT_ROUTE
    ),
    expect: [{ at: 'file: keys/missing.json', path: `${AUTHZ(0)}.jwks.file`, message: /^JWKS file not found: .*keys\/missing\.json$/ }],
  },
  {
    name: 'a jwks.file that is not a JWKS (no keys array) is refused at file',
    text: api(
      `      - authorizerId: jwt1
        authorizerType: JWT
        identitySource: [$request.header.Authorization]
        jwtConfiguration:
          issuer: https://issuer.example.com
        jwks:
          file: jwks.json
`,
      JWT_ROUTE
    ),
    files: { 'jwks.json': '{"kid":"k1","kty":"RSA"}' },
    expect: [{ at: 'file: jwks.json', path: `${AUTHZ(0)}.jwks.file`, message: /^JWKS file .*jwks\.json is not a JWKS: / }],
  },
  {
    name: 'a jwks.file that is not JSON is refused at file',
    text: api(
      `      - authorizerId: jwt1
        authorizerType: JWT
        identitySource: [$request.header.Authorization]
        jwtConfiguration:
          issuer: https://issuer.example.com
        jwks:
          file: jwks.json
`,
      JWT_ROUTE
    ),
    files: { 'jwks.json': '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n' },
    expect: [{ at: 'file: jwks.json', path: `${AUTHZ(0)}.jwks.file`, message: /^JWKS file .*jwks\.json is not a JWKS: / }],
  },
  // --- REQUEST (Lambda) authorizers ---
  {
    name: 'a REQUEST authorizer without authorizerUri is refused',
    text: api(
      `      - authorizerId: lam1
        authorizerType: REQUEST
        authorizerPayloadFormatVersion: "2.0"
        identitySource: [$request.header.X-Token]
`,
      CUSTOM_ROUTE('lam1')
    ),
    expect: [{ at: '- authorizerId: lam1', path: `${AUTHZ(0)}.authorizerUri`, message: /^authorizerUri is required for REQUEST authorizers/ }],
  },
  {
    name: 'a REQUEST authorizer without a payload format version is refused',
    text: api(
      `      - authorizerId: lam1
        authorizerType: REQUEST
        authorizerUri: authz
        identitySource: [$request.header.X-Token]
`,
      CUSTOM_ROUTE('lam1')
    ),
    expect: [{ at: '- authorizerId: lam1', path: `${AUTHZ(0)}.authorizerPayloadFormatVersion`, message: /^authorizerPayloadFormatVersion is required for REQUEST authorizers: "1.0" or "2.0"/ }],
  },
  {
    name: 'a REQUEST authorizer with payload format version "3.0" is refused at the field',
    text: api(
      `      - authorizerId: lam1
        authorizerType: REQUEST
        authorizerUri: authz
        authorizerPayloadFormatVersion: "3.0"
`,
      CUSTOM_ROUTE('lam1')
    ),
    expect: [{ at: 'authorizerPayloadFormatVersion:', path: `${AUTHZ(0)}.authorizerPayloadFormatVersion`, message: /"1.0" or "2.0"/ }],
  },
  {
    name: 'enableSimpleResponses with payload format 1.0 is refused at enableSimpleResponses',
    text: api(
      `      - authorizerId: lam1
        authorizerType: REQUEST
        authorizerUri: authz
        authorizerPayloadFormatVersion: "1.0"
        enableSimpleResponses: true
`,
      CUSTOM_ROUTE('lam1')
    ),
    expect: [{ at: 'enableSimpleResponses:', path: `${AUTHZ(0)}.enableSimpleResponses`, message: 'enableSimpleResponses requires authorizerPayloadFormatVersion "2.0"' }],
  },
  {
    name: 'caching (authorizerResultTtlInSeconds > 0) without identity sources is refused',
    text: api(
      `      - authorizerId: lam1
        authorizerType: REQUEST
        authorizerUri: authz
        authorizerPayloadFormatVersion: "2.0"
        authorizerResultTtlInSeconds: 300
      - authorizerId: lam2
        authorizerType: REQUEST
        authorizerUri: authz
        authorizerPayloadFormatVersion: "2.0"
        authorizerResultTtlInSeconds: 5
        identitySource: []
`,
      CUSTOM_ROUTE('lam1')
    ),
    expect: [
      { at: 'authorizerResultTtlInSeconds: 300', path: `${AUTHZ(0)}.authorizerResultTtlInSeconds`, message: /^caching \(authorizerResultTtlInSeconds > 0\) needs at least one identity source/ },
      { at: 'authorizerResultTtlInSeconds: 5', path: `${AUTHZ(1)}.authorizerResultTtlInSeconds`, message: /^caching \(authorizerResultTtlInSeconds > 0\) needs at least one identity source/ },
    ],
  },
  {
    name: 'a TTL over 3600 seconds is refused',
    text: api(
      `      - authorizerId: lam1
        authorizerType: REQUEST
        authorizerUri: authz
        authorizerPayloadFormatVersion: "2.0"
        authorizerResultTtlInSeconds: 3601
        identitySource: [$request.header.X-Token]
`
    ),
    expect: [{ at: 'authorizerResultTtlInSeconds: 3601', path: `${AUTHZ(0)}.authorizerResultTtlInSeconds`, message: /3600/ }],
  },
  {
    name: 'identity sources of an unknown form are refused, each by name',
    text: api(
      `      - authorizerId: lam1
        authorizerType: REQUEST
        authorizerUri: authz
        authorizerPayloadFormatVersion: "2.0"
        identitySource:
          - $request.body.token
          - method.request.header.Authorization
          - $context.noSuchVariable
          - $request.header.X-Token
`,
      CUSTOM_ROUTE('lam1')
    ),
    expect: [
      { at: ['identitySource:', '$request.body.token'], path: `${AUTHZ(0)}.identitySource`, message: /"\$request\.body\.token" must be \$request\.header\.NAME, \$request\.querystring\.NAME, \$context\.VARIABLE or \$stageVariables\.NAME/ },
      { at: ['identitySource:', 'method.request.header'], path: `${AUTHZ(0)}.identitySource`, message: /"method\.request\.header\.Authorization" must be/ },
      { at: ['identitySource:', 'noSuchVariable'], path: `${AUTHZ(0)}.identitySource`, message: /"\$context\.noSuchVariable" names an unknown \$context variable/ },
    ],
  },
  {
    name: 'an authorizerUri naming an undefined function is refused at authorizerUri',
    text: api(
      `      - authorizerId: lam1
        authorizerType: REQUEST
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:nope/invocations
        authorizerPayloadFormatVersion: "2.0"
`,
      CUSTOM_ROUTE('lam1')
    ),
    expect: [{ at: 'authorizerUri:', path: `${AUTHZ(0)}.authorizerUri`, message: 'function "nope" is not defined under functions (defined: fn, authz)' }],
  },
  {
    name: 'JWT-only fields on a REQUEST authorizer are refused',
    text: api(
      `      - authorizerId: lam1
        authorizerType: REQUEST
        authorizerUri: authz
        authorizerPayloadFormatVersion: "2.0"
        jwtConfiguration:
          issuer: https://issuer.example.com
`,
      CUSTOM_ROUTE('lam1')
    ),
    expect: [{ at: 'jwtConfiguration:', path: `${AUTHZ(0)}.jwtConfiguration`, message: 'jwtConfiguration applies to JWT authorizers only' }],
  },
  // --- the API's authorizers ---
  {
    name: 'an authorizerId used twice is refused at the second one',
    text: api(LAMBDA_OK + LAMBDA_OK.replace('X-Token', 'X-Other'), CUSTOM_ROUTE('lam1')),
    expect: [{ at: { text: '- authorizerId: lam1', nth: 2 }, path: `${AUTHZ(1)}.authorizerId`, message: 'authorizerId "lam1" is used twice' }],
  },
  {
    name: 'more than 10 authorizers in one API are refused',
    text: api(Array.from({ length: 11 }, (_, i) => LAMBDA_OK.replace('lam1', `lam${i}`)).join(''), CUSTOM_ROUTE('lam3')),
    expect: [{ at: ['authorizers:', '- name: shop'], path: 'apis[0].authorizers', message: 'an HTTP API has at most 10 authorizers' }],
  },
  // --- routes ---
  {
    name: 'a route with authorizationType JWT naming a REQUEST authorizer is refused at authorizerId',
    text: api(JWT_OK + LAMBDA_OK, route(`        authorizationType: JWT
        authorizerId: lam1
`)),
    expect: [{ at: { text: 'authorizerId: lam1', nth: 2 }, path: `${ROUTE(0)}.authorizerId`, message: 'authorizationType JWT needs a JWT authorizer; "lam1" is REQUEST' }],
  },
  {
    name: 'a route with authorizationType CUSTOM naming a JWT authorizer is refused at authorizerId',
    text: api(JWT_OK + LAMBDA_OK, CUSTOM_ROUTE('jwt1')),
    expect: [{ at: { text: 'authorizerId: jwt1', nth: 2 }, path: `${ROUTE(0)}.authorizerId`, message: 'authorizationType CUSTOM needs a REQUEST authorizer; "jwt1" is JWT' }],
  },
  {
    name: 'a CUSTOM route without an authorizerId is refused',
    text: api(LAMBDA_OK, route(`        authorizationType: CUSTOM
`)),
    expect: [{ at: ['- routeKey: GET /x', 'authorizationType: CUSTOM'], path: `${ROUTE(0)}.authorizerId`, message: 'authorizationType CUSTOM needs an authorizerId' }],
  },
  {
    name: 'a CUSTOM route naming an authorizer that does not exist is refused',
    text: api(LAMBDA_OK, CUSTOM_ROUTE('nope')),
    expect: [{ at: 'authorizerId: nope', path: `${ROUTE(0)}.authorizerId`, message: 'authorizer "nope" does not exist in this API' }],
  },
  {
    name: 'an authorizerId on a NONE route (explicit or by default) is refused',
    text: api(
      LAMBDA_OK,
      route(`        authorizationType: NONE
        authorizerId: lam1
`) +
        `      - routeKey: GET /y
        target: integrations/fn
        authorizerId: lam1
`
    ),
    expect: [
      { at: { text: 'authorizerId: lam1', nth: 2 }, path: `${ROUTE(0)}.authorizerId`, message: 'authorizerId cannot be used with authorizationType NONE' },
      { at: { text: 'authorizerId: lam1', nth: 3 }, path: `${ROUTE(1)}.authorizerId`, message: 'authorizerId cannot be used with authorizationType NONE' },
    ],
  },
  {
    name: 'an authorizerId on an AWS_IAM route is refused',
    text: api(
      LAMBDA_OK,
      route(`        authorizationType: AWS_IAM
        authorizerId: lam1
`),
      IAM_HEAD
    ),
    expect: [{ at: { text: 'authorizerId: lam1', nth: 2 }, path: `${ROUTE(0)}.authorizerId`, message: 'authorizerId cannot be used with authorizationType AWS_IAM' }],
  },
  {
    name: 'authorizationScopes on a CUSTOM route are refused',
    text: api(
      LAMBDA_OK,
      route(`        authorizationType: CUSTOM
        authorizerId: lam1
        authorizationScopes: [shop.read]
`)
    ),
    expect: [{ at: 'authorizationScopes:', path: `${ROUTE(0)}.authorizationScopes`, message: 'authorizationScopes apply to JWT authorization only' }],
  },
  {
    name: 'more than 10 authorizationScopes on a JWT route are refused',
    text: api(
      JWT_OK,
      route(`        authorizationType: JWT
        authorizerId: jwt1
        authorizationScopes: [s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11]
`)
    ),
    expect: [{ at: 'authorizationScopes:', path: `${ROUTE(0)}.authorizationScopes`, message: 'a route has at most 10 authorization scopes' }],
  },
  {
    name: 'an AWS_IAM route without top-level iam credentials is refused',
    text: api(LAMBDA_OK, route(`        authorizationType: AWS_IAM
`)),
    expect: [{ at: 'authorizationType: AWS_IAM', path: `${ROUTE(0)}.authorizationType`, message: /^AWS_IAM routes need iam\.credentials at the top of the config/ }],
  },
  {
    name: 'an iam credential with a too-short access key id or a malformed accountId is refused at the field',
    text: api(
      LAMBDA_OK,
      OPEN_ROUTE,
      `iam:
  credentials:
    - accessKeyId: AKIA123
      secretAccessKey: secret
      accountId: "12345"
`
    ),
    expect: [
      { at: 'accessKeyId: AKIA123', path: 'iam.credentials[0].accessKeyId', message: /.+/ },
      { at: 'accountId: "12345"', path: 'iam.credentials[0].accountId', message: /.+/ },
    ],
  },
]

for (const c of cases) test(c.name, (t) => runCase(t, c))

// --- OpenAPI import ------------------------------------------------------------------------

const ISSUER = 'https://login.example.com/tenant-1'
const SECURED_OPENAPI = `openapi: 3.0.1
info:
  title: secured
  version: "1"
components:
  securitySchemes:
    oidc:
      type: openIdConnect
      openIdConnectUrl: ${ISSUER}/.well-known/openid-configuration
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: $request.header.Authorization
        jwtConfiguration:
          audience: [orders-api]
    lam:
      type: apiKey
      name: X-Api-Token
      in: header
      x-amazon-apigateway-authorizer:
        type: request
        authorizerUri: arn:aws:apigateway:\${AWS::Region}:lambda:path/2015-03-31/functions/arn:aws:lambda:\${AWS::Region}:\${AWS::AccountId}:function:authz/invocations
        authorizerPayloadFormatVersion: "2.0"
        authorizerResultTtlInSeconds: 300
        enableSimpleResponses: true
        identitySource: $request.header.X-Api-Token, $request.querystring.tenant
    sigv4:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: awsSigv4
paths:
  /orders:
    get:
      security:
        - oidc: [orders.read, orders.admin]
      x-amazon-apigateway-integration:
        $ref: "#/components/x-amazon-apigateway-integrations/app"
  /reports:
    get:
      security:
        - lam: []
      x-amazon-apigateway-integration:
        $ref: "#/components/x-amazon-apigateway-integrations/app"
  /admin:
    post:
      security:
        - sigv4: []
      x-amazon-apigateway-integration:
        $ref: "#/components/x-amazon-apigateway-integrations/app"
  /health:
    get:
      x-amazon-apigateway-integration:
        $ref: "#/components/x-amazon-apigateway-integrations/app"
`
const SHARED_INTEGRATION = `  x-amazon-apigateway-integrations:
    app:
      type: aws_proxy
      uri: fn
      payloadFormatVersion: "2.0"
`
/** The document with the shared integration appended under components. */
const withIntegration = (doc: string): string => doc.replace('components:\n', `components:\n${SHARED_INTEGRATION}`)

const OPENAPI_CONFIG = `accountId: "111122223333"
region: eu-central-1
iam:
  credentials:
    - accessKeyId: AKIAGATEHOUSEALICE01
      secretAccessKey: secret
functions:
  fn:
    handler: authz-echo.handler
  authz:
    handler: authz-scripted.handler
apis:
  - openapi: api.yaml
`

function writeOpenApi(t: TestContext, doc: string, config = OPENAPI_CONFIG): string {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'api.yaml'), doc)
  writeFileSync(join(dir, 'gatehouse.yaml'), config)
  return dir
}

function loaded(dir: string): GatehouseConfig {
  const result = loadConfigFile(join(dir, 'gatehouse.yaml'))
  assert.ok(result.ok, result.ok ? '' : render(result.issues))
  return result.config
}

function authorizerOf(config: GatehouseConfig, id: string): AuthorizerDefinition {
  const found = config.apis[0]?.authorizers.get(id)
  assert.ok(found !== undefined, `authorizer ${id} was imported`)
  return found
}

test('OpenAPI securitySchemes become authorizers: jwt (issuer from openIdConnectUrl, comma identitySource), request, and awsSigv4 as AWS_IAM (provisional)', (t) => {
  const config = loaded(writeOpenApi(t, withIntegration(SECURED_OPENAPI)))
  const shop = config.apis[0]
  assert.ok(shop !== undefined)
  assert.deepEqual([...shop.authorizers.keys()].sort(), ['lam', 'oidc'], 'the awsSigv4 scheme is not an authorizer')

  const jwt = authorizerOf(config, 'oidc')
  assert.ok(jwt.authorizerType === 'JWT')
  assert.equal(jwt.issuer, ISSUER, 'issuer = openIdConnectUrl without /.well-known/openid-configuration')
  assert.deepEqual(jwt.audience, ['orders-api'])
  assert.equal(jwt.identitySource.expression, '$request.header.Authorization')

  const lam = authorizerOf(config, 'lam')
  assert.ok(lam.authorizerType === 'REQUEST')
  assert.equal(lam.authorizerUri, 'arn:aws:apigateway:eu-central-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-central-1:111122223333:function:authz/invocations')
  assert.equal(lam.payloadFormatVersion, '2.0')
  assert.equal(lam.enableSimpleResponses, true)
  assert.equal(lam.resultTtlSeconds, 300)
  assert.deepEqual(lam.identitySources.map((s) => s.expression), ['$request.header.X-Api-Token', '$request.querystring.tenant'])

  assert.deepEqual(
    shop.routes.map((r) => [r.routeKey, r.authorizationType, r.authorizerId, r.authorizationScopes]).sort(),
    [
      ['GET /health', 'NONE', null, []],
      ['GET /orders', 'JWT', 'oidc', ['orders.read', 'orders.admin']],
      ['GET /reports', 'CUSTOM', 'lam', []],
      ['POST /admin', 'AWS_IAM', null, []],
    ]
  )
})

test('the imported authorizers are enforced on real requests', async (t) => {
  const dir = writeOpenApi(t, withIntegration(SECURED_OPENAPI))
  const { url } = await startGateway(t, join(dir, 'gatehouse.yaml'))

  const noToken = await http(`${url}/orders`)
  assert.equal(noToken.status, 401, noToken.text)
  assert.equal(noToken.text, '{"message":"Unauthorized"}')
  const garbage = await http(`${url}/orders`, { headers: { authorization: 'Bearer not-a-jwt' } })
  assert.equal(garbage.status, 401, garbage.text)
  assert.equal(garbage.text, '{"message":"Unauthorized"}')

  const noIdentity = await http(`${url}/reports?tenant=acme`)
  assert.equal(noIdentity.status, 401, noIdentity.text)
  assert.equal(noIdentity.text, '{"message":"Unauthorized"}')
  // The imported Lambda authorizer runs and decides (authz-scripted answers per request).
  const denied = await http(`${url}/reports?tenant=acme`, {
    headers: { 'x-api-token': 't1', 'x-authz-script': JSON.stringify({ return: { isAuthorized: false } }) },
  })
  assert.equal(denied.status, 403, denied.text)
  const allowed = await http(`${url}/reports?tenant=acme`, {
    headers: { 'x-api-token': 't2', 'x-authz-script': JSON.stringify({ return: { isAuthorized: true, context: { via: 'openapi' } } }) },
  })
  assert.equal(allowed.status, 200, allowed.text)
  const event = allowed.json<{ requestContext: { authorizer?: unknown } }>()
  assert.deepEqual(event.requestContext.authorizer, { lambda: { via: 'openapi' } })

  const unsigned = await http(`${url}/admin`, { method: 'POST', body: '{}' })
  assert.equal(unsigned.status, 403, unsigned.text)
  assert.equal(unsigned.text, '{"message":"Forbidden"}', '(provisional body)')

  const open = await http(`${url}/health`)
  assert.equal(open.status, 200, open.text)
})

test('an OpenAPI jwt scheme without issuer or openIdConnectUrl is refused in the OpenAPI document, and its operation is not served', (t) => {
  const doc = withIntegration(`openapi: 3.0.1
info:
  title: secured
  version: "1"
components:
  securitySchemes:
    bare:
      type: oauth2
      flows: {}
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: $request.header.Authorization
        jwtConfiguration:
          audience: [orders-api]
paths:
  /orders:
    get:
      security:
        - bare: []
      x-amazon-apigateway-integration:
        $ref: "#/components/x-amazon-apigateway-integrations/app"
`)
  const dir = writeOpenApi(t, doc)
  const result = loadConfigFile(join(dir, 'gatehouse.yaml'))
  assert.equal(result.ok, false)
  if (result.ok) return
  const issue = result.issues[0]
  assert.equal(result.issues.length, 1, render(result.issues))
  assert.ok(issue !== undefined)
  assert.equal(issue.file, join(dir, 'api.yaml'))
  assert.ok([lineOf(doc, 'x-amazon-apigateway-authorizer:'), lineOf(doc, 'jwtConfiguration:')].includes(issue.line ?? -1), `line ${issue.line}`)
  assert.equal(issue.path, 'components.securitySchemes.bare.x-amazon-apigateway-authorizer.jwtConfiguration')
  assert.equal(issue.message, 'jwtConfiguration.issuer is required for JWT authorizers')
})

test('an OpenAPI jwt scheme with two comma-separated identity sources is refused at its identitySource', (t) => {
  const doc = withIntegration(
    SECURED_OPENAPI.replace('identitySource: $request.header.Authorization', 'identitySource: $request.header.Authorization, $request.querystring.token')
  )
  const dir = writeOpenApi(t, doc)
  const result = loadConfigFile(join(dir, 'gatehouse.yaml'))
  assert.equal(result.ok, false)
  if (result.ok) return
  assert.equal(result.issues.length, 1, render(result.issues))
  const issue = result.issues[0] as ConfigIssue
  assert.equal(issue.file, join(dir, 'api.yaml'))
  assert.equal(issue.line, lineOf(doc, 'identitySource: $request.header.Authorization, $request.querystring.token'))
  assert.equal(issue.path, 'components.securitySchemes.oidc.x-amazon-apigateway-authorizer.identitySource')
  assert.match(issue.message, /^a JWT authorizer needs exactly one identity source/)
})

test('an OpenAPI operation with two security requirements is refused at its security', (t) => {
  const doc = withIntegration(SECURED_OPENAPI.replace('        - lam: []\n', '        - lam: []\n        - sigv4: []\n'))
  const dir = writeOpenApi(t, doc)
  const result = loadConfigFile(join(dir, 'gatehouse.yaml'))
  assert.equal(result.ok, false)
  if (result.ok) return
  assert.equal(result.issues.length, 1, render(result.issues))
  const issue = result.issues[0] as ConfigIssue
  assert.equal(issue.file, join(dir, 'api.yaml'))
  assert.equal(issue.line, lineOf(doc, '- lam: []') - 1)
  assert.equal(issue.path, 'paths["/reports"].get.security')
  assert.match(issue.message, /exactly one security scheme/)
})

test('an OpenAPI awsSigv4 operation without top-level iam credentials is refused', (t) => {
  const doc = withIntegration(SECURED_OPENAPI)
  const dir = writeOpenApi(t, doc, OPENAPI_CONFIG.replace(/iam:\n(?: .*\n)+/, ''))
  const result = loadConfigFile(join(dir, 'gatehouse.yaml'))
  assert.equal(result.ok, false)
  if (result.ok) return
  assert.equal(result.issues.length, 1, render(result.issues))
  const issue = result.issues[0] as ConfigIssue
  assert.equal(issue.file, join(dir, 'api.yaml'))
  assert.equal(issue.path, 'paths["/admin"].post.security')
  assert.match(issue.message, /^AWS_IAM routes need iam\.credentials/)
})

test('root-level OpenAPI security is not applied: only operation security protects a route', (t) => {
  const doc = withIntegration(SECURED_OPENAPI.replace('paths:\n', 'security:\n  - oidc: []\npaths:\n'))
  const config = loaded(writeOpenApi(t, doc))
  const health = config.apis[0]?.routes.find((r) => r.routeKey === 'GET /health')
  assert.equal(health?.authorizationType, 'NONE')
  assert.equal(health.authorizerId, null)
  const orders = config.apis[0]?.routes.find((r) => r.routeKey === 'GET /orders')
  assert.equal(orders?.authorizationType, 'JWT', 'operation security still applies')
})
