// Custom domain names and API mappings end to end (spec 7.1, 7.2, 7.4, 1.1, 2.2, 9.3): one real
// HTTPS listener serving several domains by SNI, each with its own certificate from a private PKI
// made in the test; Host picking the domain's API mappings (longest whole-segment key, else the
// unkeyed mapping, else 404); the key stripped before route matching; what the Lambda event and
// the access log say; wildcard domains; disableExecuteApiEndpoint (inline and OpenAPI); an
// HTTP_PROXY route behind a mapping key; the config checks; and `gatehouse serve --https-port`.
//
// Provisional values (spec [UNCONFIRMED]) pinned here as the implementation decided them:
// rawPath behind a custom domain (key removed, `/{stage}` added for a named stage; spec 2.2, 15.5),
// 404 {"message":"Not Found"} when no mapping matches (7.2), DISABLED_ENDPOINT_RESPONSE
// 403 {"message":"Forbidden"} (1.1), `-` for an absent $context value, DEFAULT_ROUTE_FORWARDS_STAGE.
import { after, before, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { IncomingHttpHeaders } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import WebSocket from 'ws'
import { ConfigError, createGateway, type ConfigIssue } from '../../src/index.js'
import { S3_TRUSTSTORE_MESSAGE } from '../../src/config/domain-names.js'
import { DISABLED_ENDPOINT_RESPONSE } from '../../src/http/endpoint.js'
import { DEFAULT_ROUTE_FORWARDS_STAGE } from '../../src/integrations/http-proxy/target-url.js'
import { logLine } from '../helpers/access-log.js'
import { spawnCli } from '../helpers/cli.js'
import { echoApiYaml } from '../helpers/config-builders.js'
import { startGateway, type StartedGateway } from '../helpers/gateway.js'
import { http } from '../helpers/http.js'
import { cnOf, httpsRequestOnce } from '../helpers/https-client.js'
import { handlersDir } from '../helpers/paths.js'
import { createTestPki, type Pem, type TestPki } from '../helpers/test-ca.js'
import { startUpstream, type Upstream } from '../helpers/upstream.js'

const NOT_FOUND = '{"message":"Not Found"}'
const FORBIDDEN = '{"message":"Forbidden"}'
const REGION = 'us-east-1'
const executeApiHost = (apiId: string): string => `${apiId}.execute-api.${REGION}.amazonaws.com`

// The APIs of spec 7.2's table.
const API1 = 'api1000001'
const API2 = 'api2000002'
const API3 = 'api3000003'
const API4 = 'api4000004'

// --- the private PKI: one certificate per domain -------------------------------------------------

let pki: TestPki
let apiCert: Pem
let shopCert: Pem
let wildcardCert: Pem

before(async () => {
  pki = await createTestPki()
  ;[apiCert, shopCert, wildcardCert] = await Promise.all([
    pki.server({ commonName: 'api.example.com', dnsNames: ['api.example.com'] }),
    pki.server({ commonName: 'shop.example.org', dnsNames: ['shop.example.org'] }),
    pki.server({ commonName: '*.example.com', dnsNames: ['*.example.com'] }),
  ])
})

after(() => pki.cleanup())

/** A domain entry; the certificate file is the leaf plus the intermediate, as a server sends it. */
function domain(domainName: string, pem: Pem, apiMappings: readonly object[], extra: object = {}): object {
  return { domainName, certificateFile: pem.chainFile, privateKeyFile: pem.keyFile, apiMappings, ...extra }
}

// --- configs -------------------------------------------------------------------------------------

/** An API whose routes all go to echo.mjs (payload 2.0: the event comes back as the body). */
function echoApi(apiId: string, extra: { routeKeys?: readonly string[]; stages?: readonly object[]; disableExecuteApiEndpoint?: boolean } = {}): object {
  return {
    name: apiId,
    apiId,
    routes: (extra.routeKeys ?? ['$default']).map((routeKey) => ({ routeKey, target: 'integrations/echo' })),
    integrations: [{ integrationId: 'echo', integrationType: 'AWS_PROXY', integrationUri: 'echo', payloadFormatVersion: '2.0' }],
    ...(extra.stages !== undefined ? { stages: extra.stages } : {}),
    ...(extra.disableExecuteApiEndpoint !== undefined ? { disableExecuteApiEndpoint: extra.disableExecuteApiEndpoint } : {}),
  }
}

const LOG_FORMAT = '{"requestId":"$context.requestId","basePathMatched":"$context.customDomain.basePathMatched","domainName":"$context.domainName","domainPrefix":"$context.domainPrefix","apiId":"$context.apiId","stage":"$context.stage","status":"$context.status"}'

interface Logs {
  /** API1's `$default` stage (the unkeyed mapping). */
  readonly api1: string
  /** API1's `prod` stage (mapping `prod-api`). */
  readonly api1Prod: string
  /** API2's `$default` stage (mapping `orders/v1/items`). */
  readonly api2: string
}

/**
 * api.example.com: spec 7.2's table in its order (so a first-listed-wins bug shows), plus
 * `prod-api` → API1's named stage `prod`. shop.example.org: no unkeyed mapping, and the longer
 * key listed before the shorter one. *.example.com: everything to API4 (key `''`).
 */
function mappingConfig(logs: Logs): object {
  const logged = (destination: string) => ({ accessLogSettings: { format: LOG_FORMAT, destination } })
  return {
    region: REGION,
    functions: { echo: { handler: 'echo.handler' } },
    domainNames: [
      domain('api.example.com', apiCert, [
        { apiId: API1, stage: '$default' },
        { apiId: API2, stage: '$default', apiMappingKey: 'orders/v1/items' },
        { apiId: API3, stage: '$default', apiMappingKey: 'orders/v2/items' },
        { apiId: API4, stage: '$default', apiMappingKey: 'orders/v2/items/categories' },
        { apiId: API1, stage: 'prod', apiMappingKey: 'prod-api' },
      ]),
      domain('shop.example.org', shopCert, [
        { apiId: API4, stage: '$default', apiMappingKey: 'catalog/v1/books' },
        { apiId: API3, stage: '$default', apiMappingKey: 'catalog' },
        { apiId: API3, stage: '$default', apiMappingKey: 'store' },
      ]),
      domain('*.example.com', wildcardCert, [{ apiId: API4, stage: '$default', apiMappingKey: '' }]),
    ],
    apis: [
      echoApi(API1, { stages: [{ stageName: '$default', ...logged(logs.api1) }, { stageName: 'prod', stageVariables: { tier: 'production' }, ...logged(logs.api1Prod) }] }),
      echoApi(API2, { routeKeys: ['GET /{id}', '$default'], stages: [{ stageName: '$default', ...logged(logs.api2) }] }),
      echoApi(API3),
      echoApi(API4),
    ],
  }
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-custom-domains-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

interface Started extends StartedGateway {
  /** The HTTPS listener's port. */
  readonly httpsPort: number
}

async function startWithHttps(t: TestContext, config: string | object): Promise<Started> {
  const started = await startGateway(t, config, { https: { port: 0 } })
  const match = /^https:\/\/127\.0\.0\.1:(\d+)$/.exec(started.gateway.httpsUrl)
  assert.ok(match !== null, `httpsUrl: ${started.gateway.httpsUrl}`)
  return { ...started, httpsPort: Number(match[1]) }
}

async function startMappings(t: TestContext): Promise<Started & { logFiles: Logs }> {
  const dir = tempDir(t)
  const logFiles: Logs = { api1: join(dir, 'api1.log'), api1Prod: join(dir, 'api1-prod.log'), api2: join(dir, 'api2.log') }
  const started = await startWithHttps(t, mappingConfig(logFiles))
  return { ...started, logFiles }
}

// --- HTTPS requests ------------------------------------------------------------------------------

interface Reply {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly text: string
  /** The CN of the certificate the server presented. */
  readonly peerCN: string | undefined
  json<T = Event>(): T
}

interface Event {
  readonly rawPath: string
  readonly routeKey: string
  readonly pathParameters?: Record<string, string>
  readonly stageVariables?: Record<string, string>
  readonly requestContext: {
    readonly apiId: string
    readonly stage: string
    readonly routeKey: string
    readonly domainName: string
    readonly domainPrefix: string
    readonly http: { readonly method: string; readonly path: string }
  }
}

interface RequestOptions {
  readonly method?: string
  /** SNI name; default the host. */
  readonly servername?: string
  /** Verify the server certificate against the test root for `servername` (default true). */
  readonly verify?: boolean
}

/** One HTTPS request to 127.0.0.1:port with Host `host` and SNI `servername`, on its own connection. */
async function httpsGet(port: number, host: string, path: string, options: RequestOptions = {}): Promise<Reply> {
  const { status, headers, text, peer } = await httpsRequestOnce({
    port,
    path,
    ...(options.method !== undefined ? { method: options.method } : {}),
    servername: options.servername ?? host.replace(/:\d+$/, ''),
    host,
    ca: pki.root.cert,
    verify: options.verify ?? true,
  })
  return { status, headers, text, peerCN: cnOf(peer), json: <T>() => JSON.parse(text) as T }
}

/** A bare TLS handshake with `servername`, verified against the test root: the certificate presented. */
function handshake(port: number, servername: string): Promise<{ cn: string | undefined; authorized: boolean; authorizationError: string | undefined }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername, ca: pki.root.cert, rejectUnauthorized: false }, () => {
      const error: unknown = socket.authorizationError
      const result = { cn: cnOf(socket.getPeerCertificate()), authorized: socket.authorized, authorizationError: error == null ? undefined : String(error) }
      socket.end()
      resolve(result)
    })
    socket.on('error', reject)
  })
}

/** A request that must reach echo.mjs: 200, and the event it got. */
async function eventOf(port: number, host: string, path: string, options: RequestOptions = {}): Promise<Event> {
  const res = await httpsGet(port, host, path, options)
  assert.equal(res.status, 200, `${host}${path}: ${res.text}`)
  return res.json()
}

function requestIdOf(res: Reply): string {
  const id = res.headers['apigw-requestid']
  assert.equal(typeof id, 'string', 'apigw-requestid header')
  return id as string
}

// --- one listener, several domains by SNI --------------------------------------------------------

test('one HTTPS listener presents each domain its own certificate, chosen by SNI (spec 7.1)', async (t) => {
  const { httpsPort } = await startMappings(t)
  for (const [servername, cn] of [
    ['api.example.com', 'api.example.com'],
    ['shop.example.org', 'shop.example.org'],
    ['a.example.com', '*.example.com'],
    ['API.Example.COM', 'api.example.com'],
  ] as const) {
    const peer = await handshake(httpsPort, servername)
    assert.equal(peer.cn, cn, `SNI ${servername}`)
    assert.equal(peer.authorized, true, `SNI ${servername}: the chain verifies against the test root (${peer.authorizationError ?? ''})`)
  }
})

test('Host picks the domain whose API mappings serve the request', async (t) => {
  const { httpsPort } = await startMappings(t)
  const api = await httpsGet(httpsPort, 'api.example.com', '/customers')
  assert.equal(api.status, 200, api.text)
  assert.equal(api.peerCN, 'api.example.com')
  assert.equal(api.json().requestContext.apiId, API1)

  const shop = await httpsGet(httpsPort, 'shop.example.org', '/store/basket')
  assert.equal(shop.status, 200, shop.text)
  assert.equal(shop.peerCN, 'shop.example.org')
  assert.equal(shop.json().requestContext.apiId, API3)

  const wildcard = await httpsGet(httpsPort, 'a.example.com', '/customers')
  assert.equal(wildcard.status, 200, wildcard.text)
  assert.equal(wildcard.peerCN, '*.example.com')
  assert.equal(wildcard.json().requestContext.apiId, API4)

  // A port in Host is not part of the domain name.
  const withPort = await httpsGet(httpsPort, `api.example.com:${httpsPort}`, '/customers')
  assert.equal(withPort.status, 200, withPort.text)
  assert.equal(withPort.json().requestContext.apiId, API1)
})

// --- API mapping selection (spec 7.2) ------------------------------------------------------------

test("spec 7.2's table: the longest matching key wins, else the mapping without a key", async (t) => {
  const { httpsPort } = await startMappings(t)
  for (const [path, apiId] of [
    ['/orders/v1/items/123', API2],
    ['/orders/v2/items/categories/5', API4],
    ['/customers', API1],
  ] as const) {
    assert.equal((await eventOf(httpsPort, 'api.example.com', path)).requestContext.apiId, apiId, path)
  }
})

test('mapping keys match whole path segments only', async (t) => {
  const { httpsPort } = await startMappings(t)
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    // path, API, rawPath the API sees
    ['/orders/v1/itemsX', API1, '/orders/v1/itemsX'],
    ['/orders/v1/itemsX/123', API1, '/orders/v1/itemsX/123'],
    ['/orders/v1', API1, '/orders/v1'],
    ['/orders', API1, '/orders'],
    ['/orders/v2/items/categoriesX/5', API3, '/categoriesX/5'],
    ['/orders/v2/items/categories', API4, '/'],
    ['/orders/v1/items', API2, '/'],
    ['/orders/v1/items/', API2, '/'],
  ]
  for (const [path, apiId, rawPath] of cases) {
    const event = await eventOf(httpsPort, 'api.example.com', path)
    assert.equal(event.requestContext.apiId, apiId, path)
    assert.equal(event.rawPath, rawPath, path)
  }
})

test('the longest key wins whatever order the mappings are listed in', async (t) => {
  const { httpsPort } = await startMappings(t)
  // shop.example.org lists catalog/v1/books before catalog.
  const books = await eventOf(httpsPort, 'shop.example.org', '/catalog/v1/books/9')
  assert.equal(books.requestContext.apiId, API4)
  assert.equal(books.rawPath, '/9')
  const catalog = await eventOf(httpsPort, 'shop.example.org', '/catalog/v1/bookshelf')
  assert.equal(catalog.requestContext.apiId, API3)
  assert.equal(catalog.rawPath, '/v1/bookshelf')
})

test('a domain without an unkeyed mapping answers 404 {"message":"Not Found"} for a path no key matches', async (t) => {
  const { httpsPort } = await startMappings(t)
  for (const path of ['/', '/customers', '/storefront', '/stor', '/catalogue/v1']) {
    const res = await httpsGet(httpsPort, 'shop.example.org', path)
    assert.equal(res.status, 404, path)
    assert.equal(res.text, NOT_FOUND, path)
  }
  // The keys themselves still serve.
  assert.equal((await eventOf(httpsPort, 'shop.example.org', '/store')).requestContext.apiId, API3)
})

test('the matched key is stripped before route matching: GET /{id} on API2 gets id=123', async (t) => {
  const { httpsPort } = await startMappings(t)
  const event = await eventOf(httpsPort, 'api.example.com', '/orders/v1/items/123')
  assert.equal(event.requestContext.apiId, API2)
  assert.equal(event.routeKey, 'GET /{id}')
  assert.equal(event.requestContext.routeKey, 'GET /{id}')
  assert.deepEqual(event.pathParameters, { id: '123' })
  assert.equal(event.rawPath, '/123')
  assert.equal(event.requestContext.http.path, '/123')

  // Another method misses GET /{id} and falls to API2's $default route.
  const post = await eventOf(httpsPort, 'api.example.com', '/orders/v1/items/123', { method: 'POST' })
  assert.equal(post.routeKey, '$default')
  assert.equal(post.pathParameters, undefined)
  // Two segments below the key: GET /{id} does not match either.
  assert.equal((await eventOf(httpsPort, 'api.example.com', '/orders/v1/items/123/x')).routeKey, '$default')
})

test('requestContext.domainName is the custom domain and domainPrefix its first label', async (t) => {
  const { httpsPort } = await startMappings(t)
  for (const [host, path, prefix] of [
    ['api.example.com', '/orders/v1/items/1', 'api'],
    ['shop.example.org', '/store/1', 'shop'],
    ['a.example.com', '/x', 'a'],
  ] as const) {
    const event = await eventOf(httpsPort, host, path)
    assert.equal(event.requestContext.domainName, host, host)
    assert.equal(event.requestContext.domainPrefix, prefix, host)
  }
})

test('rawPath: the key removed, /{stage} prefixed for a named stage and nothing for $default (spec 2.2, provisional)', async (t) => {
  const { httpsPort } = await startMappings(t)
  const named = await eventOf(httpsPort, 'api.example.com', '/prod-api/reports/7')
  assert.equal(named.requestContext.apiId, API1)
  assert.equal(named.requestContext.stage, 'prod')
  assert.equal(named.rawPath, '/prod/reports/7')
  assert.equal(named.requestContext.http.path, '/prod/reports/7')
  assert.equal((await eventOf(httpsPort, 'api.example.com', '/prod-api')).rawPath, '/prod')

  const unnamed = await eventOf(httpsPort, 'api.example.com', '/orders/v2/items/42')
  assert.equal(unnamed.requestContext.apiId, API3)
  assert.equal(unnamed.requestContext.stage, '$default')
  assert.equal(unnamed.rawPath, '/42')
})

test('mappings to two stages of one API: each serves its own stage, and no stage is chosen from the path', async (t) => {
  const { httpsPort } = await startMappings(t)
  const prod = await eventOf(httpsPort, 'api.example.com', '/prod-api/x')
  assert.equal(prod.requestContext.apiId, API1)
  assert.equal(prod.requestContext.stage, 'prod')
  assert.deepEqual(prod.stageVariables, { tier: 'production' })

  const byDefault = await eventOf(httpsPort, 'api.example.com', '/x')
  assert.equal(byDefault.requestContext.apiId, API1)
  assert.equal(byDefault.requestContext.stage, '$default')
  assert.equal(byDefault.stageVariables, undefined)

  // Behind a custom domain the mapping names the stage: /prod/... is a path of the unkeyed mapping's stage.
  const notSelected = await eventOf(httpsPort, 'api.example.com', '/prod/x')
  assert.equal(notSelected.requestContext.stage, '$default')
  assert.equal(notSelected.rawPath, '/prod/x')
})

test('$context.customDomain.basePathMatched is the matched key, and - for the unkeyed mapping', async (t) => {
  const { httpsPort, logFiles: logs } = await startMappings(t)
  const keyed = await httpsGet(httpsPort, 'api.example.com', '/orders/v1/items/123')
  assert.equal(keyed.status, 200)
  assert.deepEqual(await logLine(logs.api2, requestIdOf(keyed)), {
    requestId: requestIdOf(keyed),
    basePathMatched: 'orders/v1/items',
    domainName: 'api.example.com',
    domainPrefix: 'api',
    apiId: API2,
    stage: '$default',
    status: '200',
  })

  const unkeyed = await httpsGet(httpsPort, 'api.example.com', '/customers')
  assert.equal(unkeyed.status, 200)
  const line = await logLine(logs.api1, requestIdOf(unkeyed))
  assert.equal(line['basePathMatched'], '-')
  assert.equal(line['domainName'], 'api.example.com')

  const named = await httpsGet(httpsPort, 'api.example.com', '/prod-api/x')
  assert.equal(named.status, 200)
  const prodLine = await logLine(logs.api1Prod, requestIdOf(named))
  assert.equal(prodLine['basePathMatched'], 'prod-api')
  assert.equal(prodLine['stage'], 'prod')
})

// --- wildcard domains (spec 7.1) -----------------------------------------------------------------

test('*.example.com serves a.example.com but neither example.com nor a.b.example.com', async (t) => {
  const { httpsPort } = await startMappings(t)
  const served = await eventOf(httpsPort, 'a.example.com', '/anything')
  assert.equal(served.requestContext.apiId, API4)
  assert.equal(served.rawPath, '/anything')
  assert.equal((await eventOf(httpsPort, 'B.Example.Com', '/x')).requestContext.apiId, API4, 'host names are case-insensitive')

  for (const host of ['example.com', 'a.b.example.com']) {
    // The wildcard certificate is not presented for them (it would not match either).
    const peer = await handshake(httpsPort, host)
    assert.notEqual(peer.cn, '*.example.com', `SNI ${host}`)
    const res = await httpsGet(httpsPort, host, '/anything', { verify: false })
    assert.equal(res.status, 404, host)
    assert.equal(res.text, NOT_FOUND, host)
  }
})

test('an exact domain name wins over a wildcard covering it', async (t) => {
  const { httpsPort } = await startMappings(t)
  const res = await httpsGet(httpsPort, 'api.example.com', '/anything')
  assert.equal(res.status, 200, res.text)
  assert.equal(res.peerCN, 'api.example.com')
  assert.equal(res.json().requestContext.apiId, API1)
})

// --- disableExecuteApiEndpoint (spec 1.1, 7.4) ---------------------------------------------------

const LOCKED = 'locked0001'
const OPEN = 'open000001'

function lockedConfig(apis: readonly object[], mappings: readonly object[]): object {
  return { region: REGION, functions: { echo: { handler: 'echo.handler' } }, domainNames: [domain('api.example.com', apiCert, mappings)], apis }
}

test('disableExecuteApiEndpoint: the default endpoint answers 403 {"message":"Forbidden"} on every stage while the custom domain serves', async (t) => {
  assert.equal(DISABLED_ENDPOINT_RESPONSE.statusCode, 403)
  assert.equal(DISABLED_ENDPOINT_RESPONSE.body.toString(), FORBIDDEN)
  const config = lockedConfig(
    [echoApi(LOCKED, { disableExecuteApiEndpoint: true, stages: [{ stageName: '$default' }, { stageName: 'dev' }] })],
    [{ apiId: LOCKED, stage: '$default' }, { apiId: LOCKED, stage: 'dev', apiMappingKey: 'dev' }]
  )
  const { url, httpsPort } = await startWithHttps(t, config)

  // The only API, at the root of the plain listener, and by its execute-api host name.
  for (const [path, headers] of [
    ['/x', {}],
    ['/', {}],
    ['/dev/x', {}],
    ['/x', { host: executeApiHost(LOCKED) }],
    ['/dev/x', { host: executeApiHost(LOCKED) }],
  ] as const) {
    const res = await http(url + path, { headers })
    assert.equal(res.status, 403, `${headers.host ?? 'root'} ${path}`)
    assert.equal(res.text, FORBIDDEN, `${headers.host ?? 'root'} ${path}`)
  }
  // The execute-api name on the HTTPS listener is still the default endpoint, not a custom domain.
  const overHttps = await httpsGet(httpsPort, executeApiHost(LOCKED), '/x', { servername: 'api.example.com' })
  assert.equal(overHttps.status, 403)
  assert.equal(overHttps.text, FORBIDDEN)

  const custom = await eventOf(httpsPort, 'api.example.com', '/x')
  assert.equal(custom.requestContext.apiId, LOCKED)
  assert.equal(custom.requestContext.stage, '$default')
  assert.equal((await eventOf(httpsPort, 'api.example.com', '/dev/x')).requestContext.stage, 'dev')
})

test('disableExecuteApiEndpoint on one API leaves another API\'s default endpoint working', async (t) => {
  const config = lockedConfig(
    [echoApi(LOCKED, { disableExecuteApiEndpoint: true }), echoApi(OPEN, { disableExecuteApiEndpoint: false })],
    [{ apiId: LOCKED, stage: '$default', apiMappingKey: 'locked' }, { apiId: OPEN, stage: '$default', apiMappingKey: 'open' }]
  )
  const { url, httpsPort } = await startWithHttps(t, config)
  const locked = await http(url + '/x', { headers: { host: executeApiHost(LOCKED) } })
  assert.equal(locked.status, 403)
  assert.equal(locked.text, FORBIDDEN)
  const open = await http(url + '/x', { headers: { host: executeApiHost(OPEN) } })
  assert.equal(open.status, 200, open.text)
  assert.equal(open.json<Event>().requestContext.apiId, OPEN)
  // Both through the custom domain.
  assert.equal((await eventOf(httpsPort, 'api.example.com', '/locked/x')).requestContext.apiId, LOCKED)
  assert.equal((await eventOf(httpsPort, 'api.example.com', '/open/x')).requestContext.apiId, OPEN)
})

test('x-amazon-apigateway-endpoint-configuration: { disableExecuteApiEndpoint: true } in OpenAPI disables the default endpoint', async (t) => {
  const dir = tempDir(t)
  copyFileSync(join(handlersDir, 'echo.mjs'), join(dir, 'echo.mjs'))
  writeFileSync(
    join(dir, 'locked.yaml'),
    `openapi: 3.0.1
info:
  title: locked-openapi
  version: "1"
x-amazon-apigateway-endpoint-configuration:
  disableExecuteApiEndpoint: true
paths:
  /$default:
    x-amazon-apigateway-any-method:
      isDefaultRoute: true
      x-amazon-apigateway-integration:
        type: aws_proxy
        uri: echo
        payloadFormatVersion: "2.0"
`
  )
  writeFileSync(
    join(dir, 'gatehouse.yaml'),
    `region: ${REGION}
functions:
  echo:
    handler: echo.handler
domainNames:
  - domainName: api.example.com
    certificateFile: ${apiCert.chainFile}
    privateKeyFile: ${apiCert.keyFile}
    apiMappings:
      - apiId: ${LOCKED}
        stage: $default
apis:
  - openapi: locked.yaml
    apiId: ${LOCKED}
`
  )
  const { gateway, url, httpsPort } = await startWithHttps(t, join(dir, 'gatehouse.yaml'))
  assert.equal(gateway.config.apis[0]?.disableExecuteApiEndpoint, true)
  for (const headers of [{}, { host: executeApiHost(LOCKED) }]) {
    const res = await http(url + '/pets', { headers })
    assert.equal(res.status, 403)
    assert.equal(res.text, FORBIDDEN)
  }
  const custom = await eventOf(httpsPort, 'api.example.com', '/pets')
  assert.equal(custom.requestContext.apiId, LOCKED)
  assert.equal(custom.rawPath, '/pets')
})

// --- HTTP_PROXY behind a mapping key -------------------------------------------------------------

const PROXY_ID = 'proxyapi01'

/**
 * api.example.com mapping each `[key, stage]` to one API whose `$default` route is an HTTP_PROXY
 * to `{upstream}/base` (ANY, payload 1.0); `extra` is added to the config, `stages` to the API.
 */
function proxyMappingConfig(
  upstream: Upstream,
  mappings: ReadonlyArray<readonly [string, string]>,
  options: { extra?: object; stages?: readonly object[] } = {}
): object {
  return {
    ...options.extra,
    domainNames: [domain('api.example.com', apiCert, mappings.map(([apiMappingKey, stage]) => ({ apiId: PROXY_ID, stage, apiMappingKey })))],
    apis: [
      {
        name: 'proxy',
        apiId: PROXY_ID,
        routes: [{ routeKey: '$default', target: 'integrations/up' }],
        integrations: [{ integrationId: 'up', integrationType: 'HTTP_PROXY', integrationMethod: 'ANY', integrationUri: `${upstream.origin}/base`, payloadFormatVersion: '1.0' }],
        ...(options.stages !== undefined ? { stages: options.stages } : {}),
      },
    ],
  }
}

/** `path` on api.example.com, which must answer 200: the reply, how many requests the backend got meanwhile, and the first one's target. */
async function proxiedVia(upstream: Upstream, httpsPort: number, path: string): Promise<{ res: Reply; received: number; target: string | undefined }> {
  const before = upstream.requests.length
  const res = await httpsGet(httpsPort, 'api.example.com', path)
  assert.equal(res.status, 200, `${path}: ${res.text}`)
  return { res, received: upstream.requests.length - before, target: upstream.requests[before]?.url }
}

test('HTTP_PROXY $default route behind mapping key "api": the backend gets the path without the key', async (t) => {
  assert.equal(DEFAULT_ROUTE_FORWARDS_STAGE, false)
  const upstream = await startUpstream(t)
  const config = proxyMappingConfig(
    upstream,
    [
      ['api', '$default'],
      ['api-dev', 'dev'],
    ],
    { extra: { region: REGION }, stages: [{ stageName: '$default' }, { stageName: 'dev' }] }
  )
  const { url, httpsPort } = await startWithHttps(t, config)
  // The key alone forwards what the root of the default endpoint forwards.
  const root = await http(url + '/')
  assert.equal(root.status, 200, root.text)
  const rootTarget = upstream.requests[0]?.url
  assert.ok(rootTarget !== undefined && rootTarget.startsWith('/base'), rootTarget)
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['/api/store/checkout?x=1', '/base/store/checkout?x=1'],
    ['/api/a/b%20c', '/base/a/b%20c'],
    ['/api', rootTarget],
    // A named stage: neither the key nor /dev reaches the backend (DEFAULT_ROUTE_FORWARDS_STAGE).
    ['/api-dev/store/checkout', '/base/store/checkout'],
  ]
  for (const [path, expected] of cases) {
    const { res, received, target } = await proxiedVia(upstream, httpsPort, path)
    assert.equal(res.headers['x-upstream'], 'yes')
    assert.equal(received, 1)
    assert.equal(target, expected, path)
  }
})

test(
  'HTTP_PROXY behind a mapping key: an encoded %2F in the key part (a separator, spec 2.4) does not cost the backend a segment',
  async (t) => {
    const upstream = await startUpstream(t)
    const config = proxyMappingConfig(upstream, [
      ['api', '$default'],
      ['orders/v1', '$default'],
    ])
    const { httpsPort } = await startWithHttps(t, config)
    // The key is matched on the decoded path (api | store | checkout); the backend must get
    // what follows it, not the raw path minus as many raw `/`-segments.
    for (const [path, expected] of [
      ['/api%2Fstore/checkout', '/base/store/checkout'],
      ['/orders%2Fv1/x/y', '/base/x/y'],
    ] as const) {
      const { target } = await proxiedVia(upstream, httpsPort, path)
      assert.equal(target, expected, path)
    }
  }
)

// --- config errors -------------------------------------------------------------------------------

/** Starts a gateway on `config` and returns the issues of the ConfigError its start rejects with. */
async function startIssues(config: object): Promise<readonly ConfigIssue[]> {
  const gateway = createGateway(config, { baseDir: handlersDir, logLevel: 'silent', functionLogs: 'silent', port: 0, host: '127.0.0.1', https: { port: 0 } })
  let issues: readonly ConfigIssue[] = []
  await assert.rejects(gateway.start(), (err: unknown) => {
    assert.ok(err instanceof ConfigError, `a ConfigError, not ${String(err)}`)
    issues = err.issues
    return true
  })
  await gateway.stop()
  return issues
}

/** The issues as `path: message`, for whole-list comparisons. */
const described = (issues: readonly ConfigIssue[]): string[] => issues.map((i) => `${i.path}: ${i.message}`)

/** A valid one-domain config with `overrides` on the domain (mappings by default: (none) → API1). */
function errorConfig(overrides: object = {}, extraDomains: readonly object[] = []): object {
  return {
    functions: { echo: { handler: 'echo.handler' } },
    domainNames: [{ ...(domain('api.example.com', apiCert, [{ apiId: API1, stage: '$default' }]) as Record<string, unknown>), ...overrides }, ...extraDomains],
    apis: [echoApi(API1, { stages: [{ stageName: '$default' }, { stageName: 'prod' }] })],
  }
}

test('config: a mapping to an unknown apiId or stage refuses to start', async () => {
  const issues = await startIssues(
    errorConfig({
      apiMappings: [
        { apiId: 'nosuchapi1', stage: '$default' },
        { apiId: API1, stage: 'beta', apiMappingKey: 'beta' },
      ],
    })
  )
  assert.deepEqual(described(issues), [
    `domainNames[0].apiMappings[0].apiId: API "nosuchapi1" does not exist (defined: ${API1})`,
    `domainNames[0].apiMappings[1].stage: API "${API1}" has no stage "beta" (stages: $default, prod)`,
  ])
  for (const issue of issues) {
    assert.equal(issue.file, '<config object>')
    assert.equal(issue.line, undefined)
  }
})

test('config: mapping keys with an empty segment, a leading slash or a space are invalid', async () => {
  const keys = ['a//b', '/a', 'a b', 'a/']
  const issues = await startIssues(errorConfig({ apiMappings: keys.map((apiMappingKey) => ({ apiId: API1, stage: '$default', apiMappingKey })) }))
  assert.deepEqual(
    described(issues),
    keys.map((key, i) => `domainNames[0].apiMappings[${i}].apiMappingKey: "${key}" is not a valid apiMappingKey: letters, digits and $-_.+!*'() in segments separated by single "/"`)
  )
})

test("config: AWS's key characters $-_.+!*'() and multi-level keys are accepted", async (t) => {
  const key = "v1.0/a-b_c+d!e*f'g(h)$i"
  const { httpsPort } = await startWithHttps(t, errorConfig({ apiMappings: [{ apiId: API1, stage: '$default', apiMappingKey: key }] }))
  const event = await eventOf(httpsPort, 'api.example.com', `/${key}/rest`)
  assert.equal(event.rawPath, '/rest')
})

test('config: duplicate mapping keys (and two unkeyed mappings) refuse to start', async () => {
  const issues = await startIssues(
    errorConfig({
      apiMappings: [
        { apiId: API1, stage: '$default', apiMappingKey: 'orders' },
        { apiId: API1, stage: 'prod', apiMappingKey: 'orders' },
        { apiId: API1, stage: '$default' },
        { apiId: API1, stage: 'prod', apiMappingKey: '' },
      ],
    })
  )
  assert.deepEqual(described(issues), [
    'domainNames[0].apiMappings[1].apiMappingKey: apiMappingKey "orders" is used twice',
    'domainNames[0].apiMappings[3].apiMappingKey: two API mappings have no apiMappingKey',
  ])
})

test('config: the same domain name twice (case-insensitively) refuses to start', async () => {
  const issues = await startIssues(errorConfig({}, [domain('API.Example.com', apiCert, [{ apiId: API1, stage: 'prod' }])]))
  assert.deepEqual(described(issues), ['domainNames[1].domainName: domain name "api.example.com" is defined twice'])
})

test('config: invalid domain names refuse to start', async () => {
  for (const name of ['api..example.com', 'api_example.com', '-api.example.com', 'a.*.example.com', 'https://api.example.com', 'api.example.com.']) {
    const issues = await startIssues(errorConfig({ domainName: name }))
    assert.deepEqual(
      described(issues),
      [`domainNames[0].domainName: "${name}" is not a domain name (a wildcard is allowed as the first label: *.example.com)`],
      name
    )
  }
})

test('config: a missing certificate file refuses to start, naming the file', async (t) => {
  const missing = join(tempDir(t), 'missing.pem')
  const issues = await startIssues(errorConfig({ certificateFile: missing }))
  assert.equal(issues.length, 1, described(issues).join('\n'))
  assert.equal(issues[0]?.path, 'domainNames[0].certificateFile')
  assert.match(issues[0]?.message ?? '', new RegExp(`^cannot read the certificate ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOENT`))
})

test('config: a certificate and a private key that do not belong together refuse to start', async () => {
  const issues = await startIssues(errorConfig({ privateKeyFile: shopCert.keyFile }))
  assert.equal(issues.length, 1, described(issues).join('\n'))
  assert.equal(issues[0]?.path, 'domainNames[0].certificateFile')
  assert.match(issues[0]?.message ?? '', /^the certificate and private key cannot be used together: /)
})

test('config: an s3:// truststore refuses to start with S3_TRUSTSTORE_MESSAGE', async () => {
  const issues = await startIssues(errorConfig({ mutualTlsAuthentication: { truststoreUri: 's3://bucket/key' } }))
  assert.deepEqual(issues, [{ file: '<config object>', line: undefined, path: 'domainNames[0].mutualTlsAuthentication.truststoreUri', message: S3_TRUSTSTORE_MESSAGE }])
})

// --- the CLI -------------------------------------------------------------------------------------

test('serve --https-port 0 prints the HTTPS listener with its domain names and serves a request on it', async (t) => {
  const dir = tempDir(t)
  copyFileSync(join(handlersDir, 'echo.mjs'), join(dir, 'echo.mjs'))
  // Relative certificate paths resolve against the config file's directory.
  copyFileSync(apiCert.chainFile, join(dir, 'api.pem'))
  copyFileSync(apiCert.keyFile, join(dir, 'api.key'))
  copyFileSync(wildcardCert.chainFile, join(dir, 'wildcard.pem'))
  copyFileSync(wildcardCert.keyFile, join(dir, 'wildcard.key'))
  writeFileSync(
    join(dir, 'gatehouse.yaml'),
    echoApiYaml('cli', 'cliapi0001') +
      `domainNames:
  - domainName: api.example.com
    certificateFile: api.pem
    privateKeyFile: api.key
    apiMappings:
      - apiId: cliapi0001
        stage: $default
        apiMappingKey: v1
  - domainName: "*.example.com"
    certificateFile: wildcard.pem
    privateKeyFile: wildcard.key
    apiMappings:
      - apiId: cliapi0001
        stage: $default
`
  )
  const cli = spawnCli(t, ['serve', 'gatehouse.yaml', '--port', '0', '--https-port', '0', '--no-admin'], dir)
  const [, names, port] = await cli.waitFor('stdout', /^HTTPS \(custom domain names: (.*)\) listening on https:\/\/127\.0\.0\.1:(\d+)$/m)
  assert.equal(names, 'api.example.com, *.example.com')
  const httpsPort = Number(port)
  assert.ok(httpsPort > 0)
  assert.doesNotMatch(cli.stdout(), /Admin listening/)

  const res = await httpsGet(httpsPort, 'api.example.com', '/v1/hello')
  assert.equal(res.status, 200, res.text)
  assert.equal(res.peerCN, 'api.example.com')
  const event = res.json()
  assert.equal(event.requestContext.apiId, 'cliapi0001')
  assert.equal(event.rawPath, '/hello')
  assert.equal(event.requestContext.domainName, 'api.example.com')
  const wildcard = await httpsGet(httpsPort, 'www.example.com', '/v1/hello')
  assert.equal(wildcard.status, 200, wildcard.text)
  assert.equal(wildcard.peerCN, '*.example.com')
  assert.equal(wildcard.json().rawPath, '/v1/hello')

  cli.child.kill('SIGTERM')
  assert.deepEqual(await cli.exited, { code: 0, signal: null })
})

// --- WebSocket APIs on custom domain names (spec 10.1: wss://{domain}/{mappingKey}) --------------

test('a WebSocket API stage mapped to a custom domain is reached at wss://{domain}/{mappingKey} over the HTTPS listener; events name the custom domain; HTTP and WebSocket mappings cannot share a domain', async (t) => {
  const chatCert = await pki.server({ commonName: 'chat.example.org', dnsNames: ['chat.example.org'] })
  const WS_API = 'wsdom00001'
  const config = {
    region: REGION,
    functions: { echo: { handler: 'echo.handler' } },
    domainNames: [
      domain('chat.example.org', chatCert, [
        { apiId: WS_API, stage: 'prod', apiMappingKey: 'chat' },
        { apiId: WS_API, stage: 'beta' },
      ]),
    ],
    apis: [
      {
        name: 'ws-on-domain',
        apiId: WS_API,
        protocolType: 'WEBSOCKET',
        routeSelectionExpression: '$request.body.action',
        routes: [{ routeKey: '$default', target: 'integrations/echo', routeResponseSelectionExpression: '$default' }],
        integrations: [{ integrationId: 'echo', integrationType: 'AWS_PROXY', integrationUri: 'echo' }],
        stages: [{ stageName: 'prod' }, { stageName: 'beta' }],
      },
    ],
  }
  const started = await startWithHttps(t, config)
  const open = async (path: string, host = 'chat.example.org'): Promise<WebSocket> => {
    // `servername` (SNI) passes through to tls.connect.
    const options = { headers: { host }, servername: host, ca: pki.root.cert } as WebSocket.ClientOptions
    const ws = new WebSocket(`wss://127.0.0.1:${started.httpsPort}${path}`, options)
    t.after(() => ws.terminate())
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode ?? '?'}`)))
      ws.once('error', reject)
    })
    return ws
  }
  const ask = async (ws: WebSocket): Promise<Record<string, unknown>> => {
    const reply = new Promise<string>((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString('utf8'))))
    ws.send('{"action":"anything"}')
    return JSON.parse(await reply) as Record<string, unknown>
  }
  const contextOf = (event: Record<string, unknown>) => event['requestContext'] as Record<string, unknown>

  const keyed = contextOf(await ask(await open('/chat')))
  assert.equal(keyed['stage'], 'prod')
  assert.equal(keyed['apiId'], WS_API)
  assert.equal(keyed['domainName'], 'chat.example.org')
  const unkeyed = contextOf(await ask(await open('/')))
  assert.equal(unkeyed['stage'], 'beta')
  assert.equal(unkeyed['domainName'], 'chat.example.org')
  // A key no mapping has is refused like an unknown stage.
  await assert.rejects(open('/nochat'), /upgrade refused with 404/)

  // Mapping one domain to a WebSocket API and an HTTP API is refused (spec 7.1); so is a "/" in a WebSocket key.
  const mixed = {
    ...config,
    domainNames: [domain('chat.example.org', chatCert, [{ apiId: WS_API, stage: 'prod', apiMappingKey: 'a/b' }, { apiId: API1, stage: '$default', apiMappingKey: 'http' }])],
    apis: [...config.apis, echoApi(API1)],
  }
  const gateway = createGateway(mixed, { baseDir: handlersDir, logLevel: 'silent', functionLogs: 'silent', port: 0, host: '127.0.0.1', https: { port: 0 } })
  await assert.rejects(gateway.start(), (err: unknown) => {
    assert.ok(err instanceof ConfigError)
    const messages = err.issues.map((i: ConfigIssue) => i.message)
    assert.ok(messages.some((m) => /cannot share a custom domain name with an HTTP API/.test(m)), messages.join('\n'))
    assert.ok(messages.some((m) => /"a\/b" is not a valid apiMappingKey for a WebSocket API/.test(m)), messages.join('\n'))
    return true
  })
})
