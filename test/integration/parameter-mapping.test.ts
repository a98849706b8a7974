// Parameter mapping for HTTP APIs (spec 4.3, 16.3), end to end: every request goes through a
// real gateway to a real upstream (HTTP_PROXY) and to the echo Lambda in payload 2.0 and 1.0,
// with the same requestParameters / responseParameters on all three integrations, so each rule
// is checked on what the backend actually received. The last tests run `gatehouse validate`.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '../../src/index.js'
import { startGateway } from '../helpers/gateway.js'
import { http, type HttpOptions, type HttpResult } from '../helpers/http.js'
import { rawRequest } from '../helpers/raw-http.js'
import { echoHandler, startUpstream, type EchoBody, type Upstream, type UpstreamHandler } from '../helpers/upstream.js'
import { spawnCli, WAIT_MS } from '../helpers/cli.js'

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

const API_ID = 'mapping001'
const REQUEST_ID = /^[A-Za-z0-9_-]{15}=$/
const RESERVED = (name: string): string =>
  `Invalid mapping expression specified: Validation Result: warnings : [], errors : [Operations on header ${name} are restricted]`

interface EventV2 {
  readonly rawPath: string
  readonly rawQueryString: string
  readonly headers: Record<string, string>
  readonly queryStringParameters?: Record<string, string>
  readonly pathParameters?: Record<string, string>
  readonly requestContext: { readonly http: { readonly path: string }; readonly requestId: string; readonly stage: string }
  readonly body?: string
}

interface EventV1 {
  readonly path: string
  readonly headers: Record<string, string>
  readonly multiValueHeaders: Record<string, string[]>
  readonly queryStringParameters: Record<string, string> | null
  readonly multiValueQueryStringParameters: Record<string, string[]> | null
  readonly requestContext: { readonly path: string; readonly requestId: string; readonly stage: string }
  readonly body: string | null
}

type Kind = 'http' | 'v2' | 'v1'
const KINDS: readonly Kind[] = ['http', 'v2', 'v1']

interface MappedApi {
  readonly url: string
  readonly upstream: Upstream
}

interface MappedApiOptions {
  readonly requestParameters?: Record<string, string>
  readonly responseParameters?: Record<string, Record<string, string>>
  readonly stages?: readonly object[]
  readonly upstream?: UpstreamHandler
  /** `scripted` makes both Lambda integrations return what the request body says. */
  readonly lambda?: 'echo' | 'scripted'
}

/**
 * One API, three routes with the same mappings: `ANY /http/{id}` → HTTP_PROXY to
 * `{upstream}/backend/{id}`, `ANY /v2/{id}` → echo (payload 2.0), `ANY /v1/{id}` → echo-v1
 * (payload 1.0).
 */
async function mappedApi(t: TestContext, options: MappedApiOptions = {}): Promise<MappedApi> {
  const upstream = await startUpstream(t, options.upstream ?? echoHandler)
  const params = {
    ...(options.requestParameters !== undefined ? { requestParameters: options.requestParameters } : {}),
    ...(options.responseParameters !== undefined ? { responseParameters: options.responseParameters } : {}),
  }
  const scripted = options.lambda === 'scripted'
  const config = {
    functions: scripted ? { scripted: { handler: 'scripted.handler' } } : { echo: { handler: 'echo.handler' }, echoV1: { handler: 'echo-v1.handler' } },
    apis: [
      {
        name: 'mapping-api',
        apiId: API_ID,
        routes: [
          { routeKey: 'ANY /http/{id}', target: 'integrations/http' },
          { routeKey: 'ANY /v2/{id}', target: 'integrations/v2' },
          { routeKey: 'ANY /v1/{id}', target: 'integrations/v1' },
        ],
        integrations: [
          {
            integrationId: 'http',
            integrationType: 'HTTP_PROXY',
            integrationUri: `${upstream.origin}/backend/{id}`,
            integrationMethod: 'ANY',
            payloadFormatVersion: '1.0',
            ...params,
          },
          { integrationId: 'v2', integrationType: 'AWS_PROXY', integrationUri: scripted ? 'scripted' : 'echo', payloadFormatVersion: '2.0', ...params },
          { integrationId: 'v1', integrationType: 'AWS_PROXY', integrationUri: scripted ? 'scripted' : 'echoV1', payloadFormatVersion: '1.0', ...params },
        ],
        ...(options.stages !== undefined ? { stages: options.stages } : {}),
      },
    ],
  }
  const { url } = await startGateway(t, config)
  return { url: url.replace(/\/$/, ''), upstream }
}

async function ok(url: string, options: HttpOptions = {}): Promise<HttpResult> {
  const res = await http(url, options)
  assert.equal(res.status, 200, `${url} answered ${res.status}: ${res.text}`)
  return res
}

/** What the upstream received, as its echo reported it; header names lower-cased. */
async function viaHttp(url: string, options: HttpOptions = {}): Promise<{ url: string; headers: Array<[string, string]>; res: HttpResult }> {
  const res = await ok(url, options)
  const echo = res.json<EchoBody>()
  return { url: echo.url, headers: echo.headers.map(([n, v]) => [n.toLowerCase(), v]), res }
}

/** Every value of one header the upstream received, in order. */
const values = (headers: ReadonlyArray<[string, string]>, name: string): string[] => headers.filter(([n]) => n === name).map(([, v]) => v)

async function viaV2(url: string, options: HttpOptions = {}): Promise<{ event: EventV2; res: HttpResult }> {
  const res = await ok(url, options)
  return { event: res.json<EventV2>(), res }
}

async function viaV1(url: string, options: HttpOptions = {}): Promise<{ event: EventV1; res: HttpResult }> {
  const res = await ok(url, options)
  return { event: res.json<EventV1>(), res }
}

/** The header a mapping set, as each kind of backend received it (upstream: all values, in order). */
async function mappedHeader(
  api: MappedApi,
  kind: Kind,
  target: string,
  name: string,
  options: HttpOptions & { readonly stage?: string } = {}
): Promise<{ value: string[]; res: HttpResult }> {
  const url = `${api.url}${options.stage !== undefined ? `/${options.stage}` : ''}/${kind}/${target}`
  if (kind === 'http') {
    const { headers, res } = await viaHttp(url, options)
    return { value: values(headers, name), res }
  }
  if (kind === 'v2') {
    const { event, res } = await viaV2(url, options)
    const v = event.headers[name]
    return { value: v === undefined ? [] : [v], res }
  }
  const { event, res } = await viaV1(url, options)
  return { value: event.multiValueHeaders[name] ?? [], res }
}

// ---------------------------------------------------------------------------------------
// Request headers: overwrite, append, remove
// ---------------------------------------------------------------------------------------

test('overwrite:header.x replaces every value the client sent (and creates the header when absent)', async (t) => {
  const api = await mappedApi(t, { requestParameters: { 'overwrite:header.x-target': 'mapped', 'overwrite:header.x-new': 'created' } })
  const headers = { 'x-target': ['one', 'two'] }
  const http1 = await viaHttp(`${api.url}/http/7`, { headers })
  assert.deepEqual(values(http1.headers, 'x-target'), ['mapped'])
  assert.deepEqual(values(http1.headers, 'x-new'), ['created'])
  const v2 = await viaV2(`${api.url}/v2/7`, { headers })
  assert.equal(v2.event.headers['x-target'], 'mapped')
  assert.equal(v2.event.headers['x-new'], 'created')
  const v1 = await viaV1(`${api.url}/v1/7`, { headers })
  assert.deepEqual(v1.event.multiValueHeaders['x-target'], ['mapped'])
  assert.equal(v1.event.headers['x-target'], 'mapped')
  assert.deepEqual(v1.event.multiValueHeaders['x-new'], ['created'])
})

test('append:header.x keeps the value the client sent and adds the mapped one after it; creates the header when absent', async (t) => {
  const api = await mappedApi(t, { requestParameters: { 'append:header.x-list': 'added', 'append:header.x-fresh': 'only' } })
  const headers = { 'x-list': 'original' }
  const http1 = await viaHttp(`${api.url}/http/7`, { headers })
  // However the proxy frames it (two lines or one joined line), the backend gets both values in order.
  assert.deepEqual(
    values(http1.headers, 'x-list').flatMap((v) => v.split(/,\s*/)),
    ['original', 'added']
  )
  assert.deepEqual(values(http1.headers, 'x-fresh'), ['only'])
  assert.equal(api.upstream.requests.at(-1)?.headers['x-list'], 'original, added')
  const v2 = await viaV2(`${api.url}/v2/7`, { headers })
  assert.equal(v2.event.headers['x-list'], 'original,added')
  assert.equal(v2.event.headers['x-fresh'], 'only')
  const v1 = await viaV1(`${api.url}/v1/7`, { headers })
  assert.deepEqual(v1.event.multiValueHeaders['x-list'], ['original', 'added'])
  assert.equal(v1.event.headers['x-list'], 'added')
  assert.deepEqual(v1.event.multiValueHeaders['x-fresh'], ['only'])
})

test('remove:header.x deletes every value of the header; other headers pass untouched', async (t) => {
  const api = await mappedApi(t, { requestParameters: { 'remove:header.x-secret': "''" } })
  const headers = { 'x-secret': ['s1', 's2'], 'x-keep': 'kept' }
  const http1 = await viaHttp(`${api.url}/http/7`, { headers })
  assert.deepEqual(values(http1.headers, 'x-secret'), [])
  assert.deepEqual(values(http1.headers, 'x-keep'), ['kept'])
  const v2 = await viaV2(`${api.url}/v2/7`, { headers })
  assert.equal(v2.event.headers['x-secret'], undefined)
  assert.equal(v2.event.headers['x-keep'], 'kept')
  const v1 = await viaV1(`${api.url}/v1/7`, { headers })
  assert.equal(v1.event.multiValueHeaders['x-secret'], undefined)
  assert.equal(v1.event.headers['x-secret'], undefined)
  assert.equal(v1.event.headers['x-keep'], 'kept')
})

test('header mapping keys are case-insensitive: remove:header.X-Secret removes x-secret', async (t) => {
  const api = await mappedApi(t, { requestParameters: { 'remove:header.X-Secret': '', 'overwrite:header.X-Upper': 'v' } })
  for (const kind of KINDS) {
    assert.deepEqual((await mappedHeader(api, kind, '7', 'x-secret', { headers: { 'x-secret': 's' } })).value, [], kind)
    assert.deepEqual((await mappedHeader(api, kind, '7', 'x-upper', { headers: { 'X-UPPER': 'client' } })).value, ['v'], kind)
  }
})

// ---------------------------------------------------------------------------------------
// Query strings: overwrite, append, remove
// ---------------------------------------------------------------------------------------

test('overwrite:querystring.q replaces every repeat of q with one percent-encoded mapped value', async (t) => {
  const api = await mappedApi(t, { requestParameters: { 'overwrite:querystring.q': 'a b&c=é/?' } })
  const query = '?q=1&keep=a%2Fb&q=2'
  const http1 = await viaHttp(`${api.url}/http/7${query}`)
  assert.equal(http1.url, '/backend/7?keep=a%2Fb&q=a%20b%26c%3D%C3%A9%2F%3F')
  const v2 = await viaV2(`${api.url}/v2/7${query}`)
  assert.equal(v2.event.rawQueryString, 'keep=a%2Fb&q=a%20b%26c%3D%C3%A9%2F%3F')
  assert.deepEqual(v2.event.queryStringParameters, { keep: 'a/b', q: 'a b&c=é/?' })
  const v1 = await viaV1(`${api.url}/v1/7${query}`)
  assert.deepEqual(v1.event.multiValueQueryStringParameters, { keep: ['a/b'], q: ['a b&c=é/?'] })
  assert.deepEqual(v1.event.queryStringParameters, { keep: 'a/b', q: 'a b&c=é/?' })
})

test('overwrite:querystring.q creates q when the client sent no query string', async (t) => {
  const api = await mappedApi(t, { requestParameters: { 'overwrite:querystring.q': 'x' } })
  assert.equal((await viaHttp(`${api.url}/http/7`)).url, '/backend/7?q=x')
  const v2 = await viaV2(`${api.url}/v2/7`)
  assert.equal(v2.event.rawQueryString, 'q=x')
  assert.deepEqual(v2.event.queryStringParameters, { q: 'x' })
  assert.deepEqual((await viaV1(`${api.url}/v1/7`)).event.multiValueQueryStringParameters, { q: ['x'] })
})

test('append:querystring.q keeps the repeats the client sent and adds the mapped value as another repeat', async (t) => {
  const api = await mappedApi(t, { requestParameters: { 'append:querystring.q': 'three 3' } })
  const query = '?q=1&q=2'
  assert.equal((await viaHttp(`${api.url}/http/7${query}`)).url, '/backend/7?q=1&q=2&q=three%203')
  const v2 = await viaV2(`${api.url}/v2/7${query}`)
  assert.equal(v2.event.rawQueryString, 'q=1&q=2&q=three%203')
  assert.deepEqual(v2.event.queryStringParameters, { q: '1,2,three 3' })
  const v1 = await viaV1(`${api.url}/v1/7${query}`)
  assert.deepEqual(v1.event.multiValueQueryStringParameters, { q: ['1', '2', 'three 3'] })
  assert.deepEqual(v1.event.queryStringParameters, { q: 'three 3' })
})

test('remove:querystring.{name} removes every repeat, matching the decoded name (my name = my%20name = my+name)', async (t) => {
  const api = await mappedApi(t, { requestParameters: { 'remove:querystring.q': '', 'remove:querystring.my name': '' } })
  const query = '?q=1&other=x%20y&q=2&my%20name=a&my+name=b&Q=upper'
  assert.equal((await viaHttp(`${api.url}/http/7${query}`)).url, '/backend/7?other=x%20y&Q=upper')
  const v2 = await viaV2(`${api.url}/v2/7${query}`)
  assert.equal(v2.event.rawQueryString, 'other=x%20y&Q=upper')
  assert.deepEqual(v2.event.queryStringParameters, { other: 'x y', Q: 'upper' })
  const v1 = await viaV1(`${api.url}/v1/7${query}`)
  assert.deepEqual(v1.event.multiValueQueryStringParameters, { other: ['x y'], Q: ['upper'] })
})

test('removing the only query parameter leaves no query string at all', async (t) => {
  const api = await mappedApi(t, { requestParameters: { 'remove:querystring.q': '' } })
  assert.equal((await viaHttp(`${api.url}/http/7?q=1`)).url, '/backend/7')
  const v2 = await viaV2(`${api.url}/v2/7?q=1`)
  assert.equal(v2.event.rawQueryString, '')
  assert.equal(v2.event.queryStringParameters, undefined)
  const v1 = await viaV1(`${api.url}/v1/7?q=1`)
  assert.equal(v1.event.queryStringParameters, null)
  assert.equal(v1.event.multiValueQueryStringParameters, null)
})

// ---------------------------------------------------------------------------------------
// overwrite:path
// ---------------------------------------------------------------------------------------

test('overwrite:path: the upstream gets the mapped path (query kept); Lambda rawPath/path is mapped, requestContext path stays the original', async (t) => {
  const api = await mappedApi(t, { requestParameters: { 'overwrite:path': '/mapped/${request.path.id}/end' } })
  const http1 = await viaHttp(`${api.url}/http/a%20b?x=1`)
  assert.equal(http1.url, '/mapped/a%20b/end?x=1')
  const v2 = await viaV2(`${api.url}/v2/a%20b?x=1`)
  assert.equal(v2.event.rawPath, '/mapped/a b/end')
  assert.equal(v2.event.requestContext.http.path, '/v2/a b')
  assert.equal(v2.event.rawQueryString, 'x=1')
  const v1 = await viaV1(`${api.url}/v1/a%20b?x=1`)
  assert.equal(v1.event.path, '/mapped/a b/end')
  assert.equal(v1.event.requestContext.path, '/v1/a b')
})

test('overwrite:path with a literal path ignores the integration URI path', async (t) => {
  const api = await mappedApi(t, { requestParameters: { 'overwrite:path': '/literal/path' } })
  assert.equal((await viaHttp(`${api.url}/http/7`)).url, '/literal/path')
  const v2 = await viaV2(`${api.url}/v2/7`)
  assert.equal(v2.event.rawPath, '/literal/path')
  assert.equal(v2.event.requestContext.http.path, '/v2/7')
})

// ---------------------------------------------------------------------------------------
// Value sources
// ---------------------------------------------------------------------------------------

test('$request.header.{name} is case-insensitive and joins repeated headers with ","', async (t) => {
  const api = await mappedApi(t, { requestParameters: { 'overwrite:header.copied': '$request.header.X-SOURCE' } })
  for (const kind of KINDS) {
    const res = await rawRequest(api.url, 'GET', `/${kind}/7`, [
      ['Host', 'api.example.com'],
      ['X-Source', 'first'],
      ['x-source', 'second'],
    ])
    assert.equal(res.status, 200, `${kind}: ${res.body.toString()}`)
    const body = JSON.parse(res.body.toString()) as EchoBody & EventV2 & EventV1
    if (kind === 'http') assert.deepEqual(values(body.headers.map(([n, v]) => [n.toLowerCase(), v]), 'copied'), ['first,second'])
    else if (kind === 'v2') assert.equal(body.headers['copied'], 'first,second')
    else assert.deepEqual(body.multiValueHeaders['copied'], ['first,second'])
  }
})

test('$request.querystring.{name} is the decoded value, case-sensitive, repeats joined with ","', async (t) => {
  const api = await mappedApi(t, { requestParameters: { 'overwrite:header.from-q': '$request.querystring.q', 'overwrite:header.from-sp': '$request.querystring.sp' } })
  for (const kind of KINDS) {
    const query = '?q=1&Q=upper&q=two%20words&sp=a+b%2Bc'
    assert.deepEqual((await mappedHeader(api, kind, `7${query}`, 'from-q')).value, ['1,two words'], kind)
    assert.deepEqual((await mappedHeader(api, kind, `7${query}`, 'from-sp')).value, ['a b+c'], kind)
  }
})

test('$request.path is the path without the stage; $context.stage and $stageVariables.v follow the stage ($default and named stage dev)', async (t) => {
  const api = await mappedApi(t, {
    requestParameters: {
      'overwrite:header.x-path': '$request.path',
      'overwrite:header.x-stage': '$context.stage',
      'overwrite:header.x-var': '$stageVariables.v',
    },
    stages: [
      { stageName: '$default', stageVariables: { v: 'default-value' } },
      { stageName: 'dev', stageVariables: { v: 'dev-value' } },
    ],
  })
  for (const kind of KINDS) {
    const def = await mappedHeader(api, kind, '7', 'x-path')
    assert.deepEqual(def.value, [`/${kind}/7`], kind)
    assert.deepEqual((await mappedHeader(api, kind, '7', 'x-stage')).value, ['$default'], kind)
    assert.deepEqual((await mappedHeader(api, kind, '7', 'x-var')).value, ['default-value'], kind)
    assert.deepEqual((await mappedHeader(api, kind, '7', 'x-path', { stage: 'dev' })).value, [`/${kind}/7`], `${kind} in dev`)
    assert.deepEqual((await mappedHeader(api, kind, '7', 'x-stage', { stage: 'dev' })).value, ['dev'], `${kind} in dev`)
    assert.deepEqual((await mappedHeader(api, kind, '7', 'x-var', { stage: 'dev' })).value, ['dev-value'], `${kind} in dev`)
  }
})

test('$request.path.{name} is the decoded value the route captured', async (t) => {
  const api = await mappedApi(t, { requestParameters: { 'overwrite:header.x-id': '$request.path.id', 'overwrite:querystring.id': '$request.path.id' } })
  for (const kind of KINDS) {
    assert.deepEqual((await mappedHeader(api, kind, 'item%2042', 'x-id')).value, ['item 42'], kind)
  }
  assert.equal((await viaHttp(`${api.url}/http/item%2042`)).url, '/backend/item%2042?id=item%2042')
  assert.deepEqual((await viaV2(`${api.url}/v2/item%2042`)).event.queryStringParameters, { id: 'item 42' })
})

test('$request.body.a.b[0] reads the JSON body; $request.body is the whole body; the body itself is forwarded unchanged', async (t) => {
  const api = await mappedApi(t, {
    requestParameters: {
      'overwrite:header.x-first': '$request.body.a.b[0]',
      'overwrite:header.x-number': '$request.body.a.b[1]',
      'overwrite:header.x-object': '$request.body.a',
      'overwrite:header.x-quoted': "$request.body.a['odd key']",
      'overwrite:header.x-whole': '$request.body',
    },
  })
  const body = '{"a":{"b":["first",2],"odd key":"odd"}}'
  const options: HttpOptions = { method: 'POST', headers: { 'content-type': 'application/json' }, body }
  for (const kind of KINDS) {
    assert.deepEqual((await mappedHeader(api, kind, '7', 'x-first', options)).value, ['first'], kind)
    assert.deepEqual((await mappedHeader(api, kind, '7', 'x-number', options)).value, ['2'], kind)
    assert.deepEqual((await mappedHeader(api, kind, '7', 'x-object', options)).value, ['{"b":["first",2],"odd key":"odd"}'], kind)
    assert.deepEqual((await mappedHeader(api, kind, '7', 'x-quoted', options)).value, ['odd'], kind)
    assert.deepEqual((await mappedHeader(api, kind, '7', 'x-whole', options)).value, [body], kind)
  }
  const http1 = await ok(`${api.url}/http/7`, options)
  assert.equal(Buffer.from(http1.json<EchoBody>().bodyBase64, 'base64').toString(), body)
  assert.equal((await viaV2(`${api.url}/v2/7`, options)).event.body, body)
  assert.equal((await viaV1(`${api.url}/v1/7`, options)).event.body, body)
})

test('$request.body.{path} sees only the first 100 KB of the body: a field beyond the cut maps to an empty value', async (t) => {
  const api = await mappedApi(t, { requestParameters: { 'overwrite:header.x-late': '$request.body.late' } })
  const body = (padding: number) => `{"pad":"${'x'.repeat(padding)}","late":"v"}`
  const small: HttpOptions = { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(10) }
  const large: HttpOptions = { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(110 * 1024) }
  for (const kind of KINDS) {
    assert.deepEqual((await mappedHeader(api, kind, '7', 'x-late', small)).value, ['v'], kind)
    assert.deepEqual((await mappedHeader(api, kind, '7', 'x-late', large)).value, [''], kind)
  }
  // The body itself still reaches the backend whole.
  const echoed = (await ok(`${api.url}/http/7`, large)).json<EchoBody>()
  assert.equal(echoed.bodyLength, Buffer.byteLength(large.body as string))
})

test('$context.requestId is the request id the client gets in apigw-requestid', async (t) => {
  const api = await mappedApi(t, { requestParameters: { 'overwrite:header.x-rid': '$context.requestId', 'overwrite:querystring.rid': '${context.requestId}' } })
  for (const kind of KINDS) {
    const { value, res } = await mappedHeader(api, kind, '7', 'x-rid')
    const id = res.headers['apigw-requestid']
    assert.ok(typeof id === 'string' && REQUEST_ID.test(id), `${kind}: apigw-requestid ${String(id)}`)
    assert.deepEqual(value, [id], kind)
  }
  const v2 = await viaV2(`${api.url}/v2/7`)
  assert.equal(v2.event.queryStringParameters?.['rid'], v2.res.headers['apigw-requestid'])
  assert.equal(v2.event.requestContext.requestId, v2.res.headers['apigw-requestid'])
})

test('literal values, and ${...} mixes of literals and variables', async (t) => {
  const api = await mappedApi(t, {
    requestParameters: {
      'overwrite:header.x-literal': 'plain text, no variables',
      'overwrite:header.x-mix': '${request.header.a}-${context.stage}',
      'overwrite:header.x-sentence': 'Bearer ${request.querystring.token} for ${request.path.id} on ${stageVariables.v}',
    },
    stages: [{ stageName: 'dev', stageVariables: { v: 'dev-var' } }],
  })
  for (const kind of KINDS) {
    const target = '42?token=t0k'
    const options = { headers: { a: 'A' }, stage: 'dev' }
    assert.deepEqual((await mappedHeader(api, kind, target, 'x-literal', options)).value, ['plain text, no variables'], kind)
    assert.deepEqual((await mappedHeader(api, kind, target, 'x-mix', options)).value, ['A-dev'], kind)
    assert.deepEqual((await mappedHeader(api, kind, target, 'x-sentence', options)).value, ['Bearer t0k for 42 on dev-var'], kind)
  }
})

test('mappings read the original request: append header2 from $request.header.header1 and remove header1 → only header2 arrives', async (t) => {
  const api = await mappedApi(t, {
    requestParameters: {
      'append:header.header2': '$request.header.header1',
      'remove:header.header1': "''",
      // Swaps: each side reads the other's original value, whatever the order.
      'overwrite:header.left': '$request.header.right',
      'overwrite:header.right': '$request.header.left',
    },
  })
  const headers = { header1: 'moved', left: 'L', right: 'R' }
  const http1 = await viaHttp(`${api.url}/http/7`, { headers })
  assert.deepEqual(values(http1.headers, 'header1'), [])
  assert.deepEqual(values(http1.headers, 'header2'), ['moved'])
  assert.deepEqual(values(http1.headers, 'left'), ['R'])
  assert.deepEqual(values(http1.headers, 'right'), ['L'])
  const v2 = await viaV2(`${api.url}/v2/7`, { headers })
  assert.equal(v2.event.headers['header1'], undefined)
  assert.equal(v2.event.headers['header2'], 'moved')
  assert.equal(v2.event.headers['left'], 'R')
  assert.equal(v2.event.headers['right'], 'L')
  const v1 = await viaV1(`${api.url}/v1/7`, { headers })
  assert.equal(v1.event.multiValueHeaders['header1'], undefined)
  assert.deepEqual(v1.event.multiValueHeaders['header2'], ['moved'])
})

test('a mapping whose value is "" is no mapping at all: the header and query parameter pass as the client sent them', async (t) => {
  const api = await mappedApi(t, {
    requestParameters: { 'append:header.header1': '', 'overwrite:querystring.q': '', 'overwrite:header.x-other': 'applied' },
  })
  const http1 = await viaHttp(`${api.url}/http/7?q=client`, { headers: { header1: 'client' } })
  assert.deepEqual(values(http1.headers, 'header1'), ['client'])
  assert.deepEqual(values(http1.headers, 'x-other'), ['applied'])
  assert.equal(http1.url, '/backend/7?q=client')
  const v2 = await viaV2(`${api.url}/v2/7?q=client`, { headers: { header1: 'client' } })
  assert.equal(v2.event.headers['header1'], 'client')
  assert.equal(v2.event.rawQueryString, 'q=client')
  const v1 = await viaV1(`${api.url}/v1/7?q=client`, { headers: { header1: 'client' } })
  assert.deepEqual(v1.event.multiValueHeaders['header1'], ['client'])
})

test('an unresolvable variable evaluates to an empty value', async (t) => {
  const api = await mappedApi(t, {
    requestParameters: {
      'overwrite:header.x-missing': '$request.header.not-sent',
      'overwrite:header.x-mixed': 'pre-${request.querystring.nope}-${stageVariables.nope}-${request.body.a.b}-post',
      'overwrite:querystring.q': '$request.header.not-sent',
    },
  })
  for (const kind of KINDS) {
    const options: HttpOptions = { method: 'POST', body: 'not json' }
    assert.deepEqual((await mappedHeader(api, kind, '7', 'x-missing', options)).value, [''], kind)
    assert.deepEqual((await mappedHeader(api, kind, '7', 'x-mixed', options)).value, ['pre----post'], kind)
  }
  assert.equal((await viaHttp(`${api.url}/http/7?q=1`)).url, '/backend/7?q=')
  assert.equal((await viaV2(`${api.url}/v2/7?q=1`)).event.rawQueryString, 'q=')
})

// ---------------------------------------------------------------------------------------
// Response mapping (keyed by the integration's status)
// ---------------------------------------------------------------------------------------

/** An upstream that answers the status in the `x-status` request header, with a JSON body. */
const statusUpstream: UpstreamHandler = (req, res) => {
  const status = Number(req.headers['x-status'] ?? 200)
  const body = JSON.stringify({ field: 'from-body', nested: { list: [1, 'two'] } })
  res.setHeader('content-type', 'application/json')
  res.setHeader('x-up', ['v1', 'v2'])
  res.setHeader('x-drop', 'gone')
  res.setHeader('content-length', Buffer.byteLength(body))
  res.writeHead(status)
  res.end(body)
}
const UPSTREAM_BODY = '{"field":"from-body","nested":{"list":[1,"two"]}}'

const DOCUMENTED_RESPONSE_MAPPING = {
  '500': { 'overwrite:statuscode': '403', 'append:header.header1': '$context.requestId' },
  '404': { 'overwrite:header.error': '$stageVariables.msg' },
}

test('response mapping (documented example, HTTP): backend 500 → client 403 with header1 = the request id; body passed unchanged', async (t) => {
  const api = await mappedApi(t, { upstream: statusUpstream, responseParameters: DOCUMENTED_RESPONSE_MAPPING, stages: [{ stageName: '$default', stageVariables: { msg: 'not-here' } }] })
  const res = await http(`${api.url}/http/7`, { headers: { 'x-status': '500' } })
  assert.equal(res.status, 403)
  assert.match(String(res.headers['apigw-requestid']), REQUEST_ID)
  assert.equal(res.headers['header1'], res.headers['apigw-requestid'])
  assert.equal(res.headers['content-type'], 'application/json')
  assert.equal(res.headers['x-drop'], 'gone')
  assert.equal(res.text, UPSTREAM_BODY)
  assert.equal(res.headers['error'], undefined)
})

test('response mapping (documented example, HTTP): backend 404 → an error header from $stageVariables.msg, status kept', async (t) => {
  const api = await mappedApi(t, { upstream: statusUpstream, responseParameters: DOCUMENTED_RESPONSE_MAPPING, stages: [{ stageName: '$default', stageVariables: { msg: 'not-here' } }] })
  const res = await http(`${api.url}/http/7`, { headers: { 'x-status': '404' } })
  assert.equal(res.status, 404)
  assert.equal(res.headers['error'], 'not-here')
  assert.equal(res.headers['header1'], undefined)
  assert.equal(res.text, UPSTREAM_BODY)
})

test('response mapping: a backend status without a mapping passes unchanged (status, headers, body)', async (t) => {
  const api = await mappedApi(t, { upstream: statusUpstream, responseParameters: DOCUMENTED_RESPONSE_MAPPING, stages: [{ stageName: '$default', stageVariables: { msg: 'not-here' } }] })
  for (const status of [200, 201, 403, 502]) {
    const res = await http(`${api.url}/http/7`, { headers: { 'x-status': String(status) } })
    assert.equal(res.status, status)
    assert.equal(res.headers['header1'], undefined)
    assert.equal(res.headers['error'], undefined)
    assert.deepEqual(res.headers['x-up'], ['v1', 'v2'])
    assert.equal(res.headers['content-length'], String(Buffer.byteLength(UPSTREAM_BODY)))
    assert.equal(res.text, UPSTREAM_BODY)
  }
})

test('response mapping reads $response.header.{name} (case-insensitive, repeats joined with ",") and $response.body.{path}; remove and overwrite act on backend headers', async (t) => {
  const api = await mappedApi(t, {
    upstream: statusUpstream,
    responseParameters: {
      '200': {
        'overwrite:header.from-header': '$response.header.X-UP',
        'overwrite:header.from-body': '$response.body.field',
        'overwrite:header.from-nested': '$response.body.nested.list[1]',
        'append:header.x-combined': '${response.header.x-drop}/${response.body.nested.list[0]}/${context.stage}',
        'remove:header.x-drop': '',
        'overwrite:header.content-type': 'text/plain',
        'overwrite:header.x-missing': '$response.body.absent',
      },
    },
  })
  const res = await http(`${api.url}/http/7`)
  assert.equal(res.status, 200)
  assert.equal(res.headers['from-header'], 'v1,v2')
  assert.equal(res.headers['from-body'], 'from-body')
  assert.equal(res.headers['from-nested'], 'two')
  assert.equal(res.headers['x-combined'], 'gone/1/$default')
  assert.equal(res.headers['x-drop'], undefined)
  assert.equal(res.headers['content-type'], 'text/plain')
  assert.equal(res.headers['x-missing'], '')
  assert.equal(res.text, UPSTREAM_BODY)
  assert.equal(res.headers['content-length'], String(Buffer.byteLength(UPSTREAM_BODY)))
})

test('response mapping on Lambda integrations (2.0 and 1.0) is keyed by the function statusCode: 500 → 403 + header1 = request id', async (t) => {
  const api = await mappedApi(t, {
    lambda: 'scripted',
    responseParameters: {
      ...DOCUMENTED_RESPONSE_MAPPING,
      '200': { 'overwrite:header.from-header': '$response.header.x-fn', 'overwrite:header.from-body': '$response.body.field' },
    },
    stages: [{ stageName: '$default', stageVariables: { msg: 'no-such-thing' } }],
  })
  const fnBody = '{"field":"fn-field"}'
  const script = (statusCode: number) =>
    JSON.stringify({ return: { statusCode, headers: { 'content-type': 'application/json', 'x-fn': 'fn-header' }, body: fnBody } })
  for (const kind of ['v2', 'v1'] as const) {
    const failed = await http(`${api.url}/${kind}/7`, { method: 'POST', body: script(500) })
    assert.equal(failed.status, 403, kind)
    assert.match(String(failed.headers['apigw-requestid']), REQUEST_ID)
    assert.equal(failed.headers['header1'], failed.headers['apigw-requestid'], kind)
    assert.equal(failed.headers['x-fn'], 'fn-header', kind)
    assert.equal(failed.text, fnBody, kind)

    const missing = await http(`${api.url}/${kind}/7`, { method: 'POST', body: script(404) })
    assert.equal(missing.status, 404, kind)
    assert.equal(missing.headers['error'], 'no-such-thing', kind)
    assert.equal(missing.headers['header1'], undefined, kind)

    const fine = await http(`${api.url}/${kind}/7`, { method: 'POST', body: script(200) })
    assert.equal(fine.status, 200, kind)
    assert.equal(fine.headers['from-header'], 'fn-header', kind)
    assert.equal(fine.headers['from-body'], 'fn-field', kind)
    assert.equal(fine.text, fnBody, kind)

    const unmapped = await http(`${api.url}/${kind}/7`, { method: 'POST', body: script(418) })
    assert.equal(unmapped.status, 418, kind)
    assert.equal(unmapped.headers['header1'], undefined, kind)
    assert.equal(unmapped.headers['error'], undefined, kind)
    assert.equal(unmapped.headers['from-header'], undefined, kind)
    assert.equal(unmapped.text, fnBody, kind)
  }
})

// ---------------------------------------------------------------------------------------
// Reserved headers at configuration time
// ---------------------------------------------------------------------------------------

test('a gateway whose config maps a reserved header (request or response) does not start: ConfigError with the AWS wording', async (t) => {
  for (const [params, name] of [
    [{ requestParameters: { 'overwrite:header.X-Amz-Date': 'x' } }, 'X-Amz-Date'],
    [{ requestParameters: { 'remove:header.authorization': '' } }, 'authorization'],
    [{ responseParameters: { '200': { 'append:header.Access-Control-Allow-Origin': '*' } } }, 'Access-Control-Allow-Origin'],
    [{ responseParameters: { '500': { 'overwrite:header.apigw-requestid': 'x' } } }, 'apigw-requestid'],
  ] as const) {
    const config = {
      apis: [
        {
          name: 'reserved',
          apiId: 'reserved01',
          routes: [{ routeKey: '$default', target: 'integrations/http' }],
          integrations: [{ integrationId: 'http', integrationType: 'HTTP_PROXY', integrationUri: 'http://127.0.0.1:9/', integrationMethod: 'ANY', ...params }],
        },
      ],
    }
    await assert.rejects(
      startGateway(t, config),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, String(err))
        assert.deepEqual(
          err.issues.map((i) => i.message),
          [RESERVED(name)]
        )
        return true
      },
      name
    )
  }
})

// ---------------------------------------------------------------------------------------
// gatehouse validate
// ---------------------------------------------------------------------------------------

/** The one HTTP_PROXY integration both configs below share, followed by `mapping` (its parameter mapping, indented). */
const validateYaml = (mapping: string): string => `apis:
  - name: mapped
    routes:
      - routeKey: $default
        target: integrations/backend
    integrations:
      - integrationId: backend
        integrationType: HTTP_PROXY
        integrationUri: http://backend.invalid/
        integrationMethod: ANY
${mapping}`

/**
 * Runs `gatehouse validate` on `yaml`, which must exit 1 with exactly one error, a line
 * `gatehouse.yaml:<line>: <path>: <message>`; returns its parts and the whole output.
 */
async function validateError(t: TestContext, yaml: string): Promise<{ line: number; path: string | undefined; message: string | undefined; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-mapping-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'gatehouse.yaml'), yaml)
  const cli = spawnCli(t, ['validate', 'gatehouse.yaml'], dir)
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), WAIT_MS)
  const { code } = await cli.exited
  clearTimeout(timer)
  const out = cli.stdout() + cli.stderr()
  assert.equal(code, 1, out)
  const lines = out.split('\n').filter((l) => l.startsWith('gatehouse.yaml:'))
  assert.equal(lines.length, 1, out)
  const m = /^gatehouse\.yaml:(\d+): (\S+): (.*)$/.exec(lines[0] as string)
  assert.ok(m !== null, out)
  return { line: Number(m[1]), path: m[2], message: m[3], out }
}

const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1

test('gatehouse validate: overwrite:header.x-amz-date exits 1 naming file:line, the requestParameters path and the AWS wording', async (t) => {
  const yaml = validateYaml(`        requestParameters:
          overwrite:header.x-custom: fine
          overwrite:header.x-amz-date: $context.requestTime
`)
  const { line, path, message, out } = await validateError(t, yaml)
  // The mapping key's line, or the requestParameters line that holds it.
  assert.ok([lineOf(yaml, 'overwrite:header.x-amz-date'), lineOf(yaml, 'requestParameters:')].includes(line), out)
  assert.equal(path, 'apis[0].integrations[0].requestParameters["overwrite:header.x-amz-date"]')
  assert.equal(message, RESERVED('x-amz-date'))
})

test('gatehouse validate: a reserved header in responseParameters names the path down to the status and the mapping key', async (t) => {
  const yaml = validateYaml(`        responseParameters:
          "500":
            overwrite:statuscode: "403"
            append:header.X-Amzn-ErrorType: oops
`)
  const { line, path, message, out } = await validateError(t, yaml)
  assert.ok([lineOf(yaml, 'append:header.X-Amzn-ErrorType'), lineOf(yaml, '"500":'), lineOf(yaml, 'responseParameters:')].includes(line), out)
  assert.equal(path, 'apis[0].integrations[0].responseParameters["500"]["append:header.X-Amzn-ErrorType"]')
  assert.equal(message, RESERVED('X-Amzn-ErrorType'))
})
