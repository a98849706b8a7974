// Mapping templates of WebSocket non-proxy integrations (spec 10.5, 10.6): MOCK routes
// (request template → statusCode → integration response → reply), template selection by
// `templateSelectionExpression` with its `$default` fallback, `/regex/` and `$default`
// integration responses, MOCK on `$connect` (its status decides the upgrade), HTTP (non-proxy)
// routes against a real upstream (test/helpers/upstream.ts), and the config errors of
// templates. Then the 32 KB frame limit (spec 10.2: a bigger frame closes with 1009, while a
// bigger message sent in smaller fragments is fine) and the fragmentation of outgoing
// messages over 32 KB (spec 11.3), checked on the raw socket under the `ws` client.
//
// Templates are VTL (test/unit/mapping-template.test.ts covers the language); here, the
// reference forms `$input.body`, `$input.json('$.x')`, `$input.path('$.x')`, `$context.*`,
// `$stageVariables.*`, also as `${...}` and `$!{...}`, and directives over real sockets.
//
// Provisional (spec [UNCONFIRMED]): a refused `$connect` carries the rendered integration
// response as its body; a MOCK whose request template gives no statusCode answers 200
// (MOCK_DEFAULT_STATUS).
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import type { Socket } from 'node:net'
import WebSocket from 'ws'
import { createGateway } from '../../src/index.js'
import { MOCK_DEFAULT_STATUS } from '../../src/websocket/mock-integration.js'
import { MAX_FRAME_BYTES } from '../../src/websocket/frame-limit.js'
import { rejectsConfig, startGateway, type StartedGateway } from '../helpers/gateway.js'
import { connectClient, refused, waitFor, wsUrl as httpToWs, type WsClient } from '../helpers/ws-client.js'
import { handlersDir } from '../helpers/paths.js'
import { captureLog } from '../helpers/log-capture.js'
import { startUpstream, type RecordedRequest, type UpstreamHandler } from '../helpers/upstream.js'

type Json = Record<string, unknown>

const KIB = 1024

// --- the client ------------------------------------------------------------------------------

type Client = WsClient

function wsUrl(g: StartedGateway, path: string): string {
  return httpToWs(g.url, path)
}

function connect(t: TestContext, url: string): Promise<Client> {
  return connectClient(t, url)
}

// --- configs ---------------------------------------------------------------------------------

interface RouteSpec {
  readonly routeKey: string
  readonly integration: string
  readonly twoWay?: boolean
}

function wsConfig(o: { routes: readonly RouteSpec[]; integrations: readonly object[]; stages?: readonly object[] }): Json {
  return {
    functions: { who: { handler: 'ws-connections.whoami' } },
    apis: [
      {
        name: 'ws-templates',
        apiId: 'wstmpl0001',
        protocolType: 'WEBSOCKET',
        routeSelectionExpression: '$request.body.action',
        routes: [
          { routeKey: 'whoami', target: 'integrations/who', routeResponseSelectionExpression: '$default' },
          ...o.routes.map((r) => ({
            routeKey: r.routeKey,
            target: `integrations/${r.integration}`,
            ...(r.twoWay === true ? { routeResponseSelectionExpression: '$default' } : {}),
          })),
        ],
        integrations: [{ integrationId: 'who', integrationType: 'AWS_PROXY', integrationUri: 'who' }, ...o.integrations],
        stages: o.stages ?? [{ stageName: 'dev', stageVariables: { v: 'x1' } }],
      },
    ],
  }
}

function mock(integrationId: string, requestTemplates: Record<string, string>, responses: Array<[string, string]>, extra: Json = {}): Json {
  return {
    integrationId,
    integrationType: 'MOCK',
    requestTemplates,
    integrationResponses: responses.map(([integrationResponseKey, template]) => ({ integrationResponseKey, responseTemplates: { $default: template } })),
    ...extra,
  }
}

/** Renders every reference form; `$input` of the reply is the rendered request template. */
const ECHO = mock(
  'echo',
  { $default: `{"statusCode": 200, "msg": $input.json('$.text'), "obj": $input.json('$.obj'), "conn": "$context.connectionId"}` },
  [
    [
      '/2\\d\\d/',
      '{"you": "$context.connectionId", "formal": "${context.connectionId}", "said": "$input.path(\'$.msg\')", ' +
        '"deep": $input.json(\'$.obj.a\'), "second": "$input.path(\'$.obj.list[1]\')", "missing": $input.json(\'$.obj.nope\'), ' +
        '"stage": "$stageVariables.v", "stageFormal": "${stageVariables.v}", "quiet": "$!{stageVariables.unset}", ' +
        '"route": "$context.routeKey", "event": "$context.eventType", "stageName": "$context.stage", "api": "$context.apiId", ' +
        '"messageId": "$context.messageId", "requestId": "$context.requestId", "extendedRequestId": "$context.extendedRequestId", ' +
        '"connectedAt": "$context.connectedAt", "sourceIp": "$context.identity.sourceIp", "domainName": "$context.domainName", "request": $input.body}',
    ],
  ]
)

/** Picks a request template by `kind`; the reply is the rendered request template itself. */
const SELECT = mock(
  'select',
  {
    $default: `{"template": "default", "kind": "$input.path('$.kind')"}`,
    greet: `{"template": "greet", "name": $input.json('$.name')}`,
    bye: `{"template": "bye"}`,
  },
  [['$default', '$input.body']],
  { templateSelectionExpression: '${request.body.kind}' }
)

/**
 * The request template chosen by `want` sets the status; the `$default` response is listed
 * first to show that a matching `/regex/` wins wherever it is, and the first matching regex
 * wins (`/50\d/` never renders).
 */
const STATUS = mock(
  'status',
  {
    ok: '{"statusCode": 201}',
    fail: '{"statusCode": 503}',
    teapot: '{"statusCode": 418}',
    none: '{"no": "status"}',
    text: 'not json at all',
    $default: `{"statusCode": $input.json('$.code')}`,
  },
  [
    ['$default', "other:$input.path('$.statusCode')"],
    ['/2\\d\\d/', "2xx:$input.path('$.statusCode')"],
    ['/5\\d\\d/', "5xx:$input.path('$.statusCode')"],
    ['/50\\d/', 'never'],
  ],
  { templateSelectionExpression: '${request.body.want}' }
)

/** Only a 2xx response: other statuses render nothing, and a two-way route then sends nothing. */
const STRICT = mock('strict', { $default: `{"statusCode": $input.json('$.code')}` }, [['/2\\d\\d/', 'strict-ok']])

/** The whole message back (a MOCK answers 200 when the request template has no statusCode). */
const BIG = mock('big', { $default: '$input.body' }, [['$default', '$input.body']])

function mockApi(): Json {
  return wsConfig({
    routes: [
      { routeKey: 'echo', integration: 'echo', twoWay: true },
      { routeKey: 'oneway', integration: 'echo' },
      { routeKey: 'select', integration: 'select', twoWay: true },
      { routeKey: '$default', integration: 'select', twoWay: true },
      { routeKey: 'status', integration: 'status', twoWay: true },
      { routeKey: 'strict', integration: 'strict', twoWay: true },
      { routeKey: 'big', integration: 'big', twoWay: true },
    ],
    integrations: [ECHO, SELECT, STATUS, STRICT, BIG],
  })
}

// --- MOCK routes -----------------------------------------------------------------------------

test('a two-way MOCK route: the reply renders $context, $stageVariables and $input.* of the rendered request template', async (t) => {
  const g = await startGateway(t, mockApi())
  const client = await connect(t, wsUrl(g, '/dev'))
  const id = await client.whoami()

  const obj = { a: { b: [1, 2], c: 'é"' }, list: ['x', 'y'] }
  const reply = await client.sayJson({ action: 'echo', text: 'hello world', obj })
  assert.equal(reply['you'], id, '$context.connectionId is the connection id the Lambda route sees')
  assert.equal(reply['formal'], id, '${context.connectionId}')
  assert.equal(reply['said'], 'hello world', "$input.path('$.msg') of the rendered request template")
  assert.deepEqual(reply['deep'], obj.a, "$input.json('$.obj.a') is JSON")
  assert.equal(reply['second'], 'y', "$input.path('$.obj.list[1]')")
  assert.equal(reply['missing'], null, "$input.json of a missing path is null")
  assert.equal(reply['stage'], 'x1', '$stageVariables.v')
  assert.equal(reply['stageFormal'], 'x1', '${stageVariables.v}')
  assert.equal(reply['quiet'], '', '$!{stageVariables.unset} renders nothing')
  assert.equal(reply['route'], 'echo')
  assert.equal(reply['event'], 'MESSAGE')
  assert.equal(reply['stageName'], 'dev')
  assert.equal(reply['api'], 'wstmpl0001')
  assert.ok(typeof reply['messageId'] === 'string' && reply['messageId'] !== '', '$context.messageId')
  assert.ok(typeof reply['requestId'] === 'string' && reply['requestId'] !== '', '$context.requestId')
  assert.equal(reply['extendedRequestId'], reply['requestId'])
  assert.match(String(reply['connectedAt']), /^\d{13}$/, '$context.connectedAt (epoch ms)')
  assert.equal(reply['sourceIp'], '127.0.0.1')
  assert.equal(reply['domainName'], '127.0.0.1')
  assert.deepEqual(reply['request'], { statusCode: 200, msg: 'hello world', obj, conn: id }, '$input.body is the rendered request template')

  // Each message has its own messageId.
  const again = await client.sayJson({ action: 'echo', text: 'again', obj })
  assert.notEqual(again['messageId'], reply['messageId'])
  assert.equal(again['said'], 'again')
})

test(
  'templates see $context.requestTime and $context.requestTimeEpoch',
  async (t) => {
    const g = await startGateway(
      t,
      wsConfig({
        routes: [{ routeKey: '$default', integration: 't', twoWay: true }],
        integrations: [mock('t', { $default: '{"statusCode": 200}' }, [['$default', '$context.requestTimeEpoch|$context.requestTime']])],
      })
    )
    const client = await connect(t, wsUrl(g, '/dev'))
    assert.match(await client.say('x'), /^\d{13}\|\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}$/)
  }
)

test('a one-way MOCK route sends nothing back', async (t) => {
  const g = await startGateway(t, mockApi())
  const client = await connect(t, wsUrl(g, '/dev'))
  client.ws.send(JSON.stringify({ action: 'oneway', text: 'ignored', obj: {} }))
  // The next message the client gets is the answer to the following two-way message.
  const reply = await client.sayJson({ action: 'echo', text: 'after', obj: {} })
  assert.equal(reply['said'], 'after')
  assert.equal(client.frames.length, 1)
})

test('templateSelectionExpression ${request.body.kind} picks the request template; $default otherwise', async (t) => {
  const g = await startGateway(t, mockApi())
  const client = await connect(t, wsUrl(g, '/dev'))
  assert.deepEqual(await client.sayJson({ action: 'select', kind: 'greet', name: { first: 'Ann' } }), { template: 'greet', name: { first: 'Ann' } })
  assert.deepEqual(await client.sayJson({ action: 'select', kind: 'bye' }), { template: 'bye' })
  assert.deepEqual(await client.sayJson({ action: 'select', kind: 'other' }), { template: 'default', kind: 'other' }, 'no template for the key')
  assert.deepEqual(await client.sayJson({ action: 'select', kind: 'GREET' }), { template: 'default', kind: 'GREET' }, 'keys are case-sensitive')
  assert.deepEqual(await client.sayJson({ action: 'select' }), { template: 'default', kind: '' }, 'no kind in the message')
  assert.deepEqual(await client.sayJson({ action: 'select', kind: 7 }), { template: 'default', kind: '7' })
  // A non-JSON message reaches the $default route (same integration): the $default template.
  assert.deepEqual(await client.sayJson('just text'), { template: 'default', kind: '' })
  // An unmatched action reaches the $default route too, and its kind still selects.
  assert.deepEqual(await client.sayJson({ action: 'nope', kind: 'bye' }), { template: 'bye' })
})

test('the status from the request template picks the /2\\d\\d/, /5\\d\\d/ or $default integration response', async (t) => {
  const g = await startGateway(t, mockApi())
  const client = await connect(t, wsUrl(g, '/dev'))
  assert.equal(MOCK_DEFAULT_STATUS, 200)
  const cases: Array<[Json, string]> = [
    [{ want: 'ok' }, '2xx:201'],
    [{ want: 'fail' }, '5xx:503'],
    [{ want: 'teapot' }, 'other:418'],
    [{ code: 299 }, '2xx:299'],
    [{ code: 500 }, '5xx:500'],
    [{ code: 302 }, 'other:302'],
    [{ code: 404 }, 'other:404'],
    // No statusCode in the rendered template: MOCK_DEFAULT_STATUS (200); $input has no statusCode.
    [{ want: 'none' }, '2xx:'],
    [{ want: 'text' }, '2xx:'],
  ]
  for (const [message, expected] of cases) {
    assert.equal(await client.say({ action: 'status', ...message }), expected, JSON.stringify(message))
  }
})

test('a status no integration response matches (and no $default): the two-way route sends nothing', async (t) => {
  const g = await startGateway(t, mockApi())
  const client = await connect(t, wsUrl(g, '/dev'))
  assert.equal(await client.say({ action: 'strict', code: 200 }), 'strict-ok')
  client.ws.send(JSON.stringify({ action: 'strict', code: 404 }))
  client.ws.send(JSON.stringify({ action: 'strict', code: 500 }))
  assert.equal(await client.say({ action: 'strict', code: 204 }), 'strict-ok')
  assert.equal(client.frames.length, 2)
})

test('MOCK on $connect: statusCode 403 refuses the upgrade with 403, 200 accepts', async (t) => {
  const connectMock = mock('connect', { $default: '{"statusCode": $stageVariables.status}' }, [
    ['/4\\d\\d/', '{"message": "refused on $context.stage", "event": "$context.eventType", "route": "$context.routeKey"}'],
    ['/2\\d\\d/', 'welcome'],
  ])
  const g = await startGateway(
    t,
    wsConfig({
      routes: [
        { routeKey: '$connect', integration: 'connect', twoWay: true },
        { routeKey: 'echo', integration: 'echo', twoWay: true },
      ],
      integrations: [connectMock, ECHO],
      stages: [
        { stageName: 'closed', stageVariables: { status: '403' } },
        { stageName: 'open', stageVariables: { status: '200', v: 'open-v' } },
        { stageName: 'accepted', stageVariables: { status: '202' } },
        { stageName: 'broken', stageVariables: { status: '500' } },
      ],
    })
  )

  const closed = await refused(wsUrl(g, '/closed'))
  assert.equal(closed.status, 403)
  // Provisional: the rendered integration response is the refusal's body.
  assert.deepEqual(JSON.parse(closed.body), { message: 'refused on closed', event: 'CONNECT', route: '$connect' })

  // A 5xx status refuses with that status (no response matches: an empty body).
  const broken = await refused(wsUrl(g, '/broken'))
  assert.equal(broken.status, 500)

  for (const stage of ['open', 'accepted']) {
    const client = await connect(t, wsUrl(g, `/${stage}`))
    // The $connect reply is not sent to the client: the first message is the echo's reply.
    const reply = await client.sayJson({ action: 'echo', text: stage, obj: {} })
    assert.equal(reply['said'], stage)
    assert.equal(reply['stageName'], stage)
    assert.equal(client.frames.length, 1, 'no "welcome" message')
  }
})

// --- HTTP (non-proxy) routes -----------------------------------------------------------------

test('an HTTP (non-proxy) route: the upstream gets the rendered request template (the raw message when none applies); the reply renders its answer', async (t) => {
  // The status the upstream answers comes from the `status` field of the body it receives:
  // 2xx → {"n": 42, "got": <the body as text>}; 4xx → {"error": "bad thing"}; 5xx → text/plain.
  const handler: UpstreamHandler = (_req, res, recorded) => {
    const text = recorded.body.toString('utf8')
    let status = 200
    try {
      const s = (JSON.parse(text) as Json)['status']
      if (typeof s === 'number') status = s
    } catch {
      // not JSON: 200
    }
    const [type, body] =
      status < 400 ? ['application/json', JSON.stringify({ n: 42, got: text })] : status < 500 ? ['application/json', JSON.stringify({ error: 'bad thing' })] : ['text/plain', 'plain failure text']
    res.writeHead(status, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)) })
    res.end(body)
  }
  const up = await startUpstream(t, handler)
  const g = await startGateway(
    t,
    wsConfig({
      routes: [
        { routeKey: '$default', integration: 'h', twoWay: true },
        { routeKey: 'oneway', integration: 'h' },
      ],
      integrations: [
        {
          integrationId: 'h',
          integrationType: 'HTTP',
          integrationMethod: 'PUT',
          integrationUri: `${up.origin}/t?q=1`,
          templateSelectionExpression: '${request.body.kind}',
          requestTemplates: {
            wrap: `{"text": $input.json('$.text'), "cid": "$context.connectionId", "stage": "$stageVariables.v", "route": "$context.routeKey", "status": $input.json('$.status')}`,
          },
          integrationResponses: [
            { integrationResponseKey: '/2\\d\\d/', responseTemplates: { $default: "ok $input.path('$.n') got=$input.path('$.got')" } },
            { integrationResponseKey: '/4\\d\\d/', responseTemplates: { $default: "client error: $input.path('$.error')" } },
            { integrationResponseKey: '$default', responseTemplates: { $default: 'other: $input.body' } },
          ],
        },
      ],
    })
  )
  const client = await connect(t, wsUrl(g, '/dev'))
  const id = await client.whoami()
  const last = (): RecordedRequest => up.requests.at(-1) as RecordedRequest

  await t.test('a template applies: the upstream gets its rendering, the 2xx response renders the reply', async () => {
    const reply = await client.say({ kind: 'wrap', text: 'hi there', status: 201, extra: 'dropped' })
    const expected = `{"text": "hi there", "cid": "${id}", "stage": "x1", "route": "$default", "status": 201}`
    assert.equal(last().body.toString('utf8'), expected)
    assert.equal(last().method, 'PUT')
    assert.equal(last().url, '/t?q=1')
    assert.equal(last().headers['content-type'], 'application/json')
    assert.equal(reply, `ok 42 got=${expected}`)
  })

  await t.test('no template applies: the raw message passes through; a 4xx answer renders the /4\\d\\d/ response', async () => {
    const raw = '{"kind":"other",  "status": 404, "text":"é"}'
    const reply = await client.say(raw)
    assert.equal(last().body.toString('utf8'), raw)
    assert.equal(reply, 'client error: bad thing')
  })

  await t.test('a 5xx answer that is not JSON: the $default response, $input.body is the upstream body', async () => {
    assert.equal(await client.say({ status: 503 }), 'other: plain failure text')
    assert.equal(last().body.toString('utf8'), '{"status":503}')
  })

  await t.test('a non-JSON message passes through', async () => {
    assert.equal(await client.say('plain words'), 'ok 42 got=plain words')
    assert.equal(last().body.toString('utf8'), 'plain words')
  })

  await t.test('a one-way HTTP route calls the upstream and sends nothing back', async () => {
    const before = up.requests.length
    const seen = client.frames.length
    client.ws.send(JSON.stringify({ action: 'oneway', kind: 'wrap', text: 'one-way', status: 200 }))
    const r = await waitFor('the one-way call', () => up.requests[before])
    await waitFor('the one-way body', () => r.complete)
    assert.equal(r.body.toString('utf8'), `{"text": "one-way", "cid": "${id}", "stage": "x1", "route": "oneway", "status": 200}`)
    assert.equal(await client.say('then this'), 'ok 42 got=then this')
    assert.equal(client.frames.length, seen + 1)
  })
})

// --- config errors ---------------------------------------------------------------------------

function oneIntegration(integration: Json): Json {
  return wsConfig({ routes: [{ routeKey: '$default', integration: 'x', twoWay: true }], integrations: [integration] })
}

test('config errors: directives, response keys, templates on proxy integrations, bad references and selection expressions', async (t) => {
  // The baseline is valid, and so is an escaped \#if.
  const ok = createGateway(oneIntegration(mock('x', { $default: '{"statusCode": 200, "note": "\\#if is text"}' }, [['$default', 'ok']])), {
    baseDir: handlersDir,
    logLevel: 'silent',
    port: 0,
    host: '127.0.0.1',
  })
  await ok.start()
  await ok.stop()

  await t.test('a VTL syntax error in a request template names the template line', async (t) => {
    await rejectsConfig(
      t,
      oneIntegration(mock('x', { $default: 'line one\n#if($input.path(\'$.a\')yes#end' }, [['$default', 'ok']])),
      /VTL syntax error at template line 2/,
      /requestTemplates/
    )
  })
  await t.test('a directive API Gateway does not run (#include) in a response template', async (t) => {
    await rejectsConfig(t, oneIntegration(mock('x', { $default: '{}' }, [['$default', '#set($x = 1)\n#include("a.vm")']])), /#include is not a directive API Gateway runs .*template line 2/, /integrationResponses/)
  })
  await t.test('an unclosed #foreach in an HTTP integration template', async (t) => {
    await rejectsConfig(
      t,
      oneIntegration({ integrationId: 'x', integrationType: 'HTTP', integrationUri: 'http://127.0.0.1:9/x', requestTemplates: { $default: '#foreach($i in $input.path(\'$\'))$i' } }),
      /VTL syntax error/,
      /requestTemplates/
    )
  })
  await t.test('an integrationResponseKey that is neither $default nor /regex/', async (t) => {
    await rejectsConfig(t, oneIntegration(mock('x', { $default: '{}' }, [['200', 'ok']])), /integrationResponseKey "200" must be \$default or a \/regex\//, /integrationResponses/)
  })
  await t.test('an integrationResponseKey that is not a valid regex (/[/)', async (t) => {
    await rejectsConfig(t, oneIntegration(mock('x', { $default: '{}' }, [['/[/', 'ok']])), /integrationResponseKey "\/\[\/" must be/)
  })
  await t.test('requestTemplates on an AWS_PROXY integration', async (t) => {
    await rejectsConfig(
      t,
      oneIntegration({ integrationId: 'x', integrationType: 'AWS_PROXY', integrationUri: 'who', requestTemplates: { $default: '{}' } }),
      /requestTemplates apply to MOCK, HTTP and AWS integrations only/,
      /requestTemplates/
    )
  })
  await t.test('integrationResponses and templateSelectionExpression on an AWS_PROXY integration', async (t) => {
    await rejectsConfig(
      t,
      oneIntegration({ integrationId: 'x', integrationType: 'AWS_PROXY', integrationUri: 'who', integrationResponses: [{ integrationResponseKey: '$default' }] }),
      /integrationResponses apply to MOCK, HTTP and AWS integrations only/
    )
    await rejectsConfig(
      t,
      oneIntegration({ integrationId: 'x', integrationType: 'AWS_PROXY', integrationUri: 'who', templateSelectionExpression: '${request.body.kind}' }),
      /templateSelectionExpression apply to MOCK, HTTP and AWS integrations only/
    )
  })
  await t.test("a JSONPath that does not start with $ ($input.json('a.b'))", async (t) => {
    await rejectsConfig(t, oneIntegration(mock('x', { $default: "$input.json('a.b')" }, [['$default', 'ok']])), /JSONPath "a\.b" must start with \$/)
  })
  await t.test('a templateSelectionExpression on something other than the body (${request.header.kind})', async (t) => {
    await rejectsConfig(
      t,
      oneIntegration(mock('x', { $default: '{}' }, [['$default', 'ok']], { templateSelectionExpression: '${request.header.kind}' })),
      /can only use \$\{request\.body\.<JSONPath>\} and literals/,
      /templateSelectionExpression/
    )
  })
  await t.test(
    'a templateSelectionExpression on something other than the body ($request.header.kind, unbraced)',
    async (t) => {
      await rejectsConfig(
        t,
        oneIntegration(mock('x', { $default: '{}' }, [['$default', 'ok']], { templateSelectionExpression: '$request.header.kind' })),
        /can only use \$\{request\.body\.<JSONPath>\} and literals/,
        /templateSelectionExpression/
      )
    }
  )
  await t.test('integrationUri on a MOCK integration', async (t) => {
    await rejectsConfig(t, oneIntegration(mock('x', { $default: '{}' }, [['$default', 'ok']], { integrationUri: 'http://127.0.0.1:9/' })), /integrationUri does not apply to MOCK/)
  })
})

// --- frames ----------------------------------------------------------------------------------

/** `{"action":"big","pad":"…"}` of exactly `bytes` UTF-8 bytes; `unit` repeats in the pad (1 or 2 bytes). */
function messageOf(bytes: number, unit = 'a'): string {
  const head = '{"action":"big","pad":"'
  const tail = '"}'
  let room = bytes - Buffer.byteLength(head + tail)
  const unitBytes = Buffer.byteLength(unit)
  let pad = unit.repeat(Math.floor(room / unitBytes))
  room -= Buffer.byteLength(pad)
  pad += 'a'.repeat(room)
  const text = head + pad + tail
  assert.equal(Buffer.byteLength(text), bytes)
  return text
}

interface RawFrame {
  readonly fin: boolean
  readonly opcode: number
  readonly length: number
}

/**
 * The data frames the server sends from now on, parsed off the client's raw socket (server
 * frames are unmasked): the `ws` client parses the same bytes and reassembles fragments.
 */
function rawFrames(ws: WebSocket): RawFrame[] {
  const frames: RawFrame[] = []
  const socket = (ws as unknown as { _socket: Socket })._socket
  let buf = Buffer.alloc(0)
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk])
    for (;;) {
      if (buf.length < 2) return
      const b0 = buf[0] ?? 0
      const b1 = buf[1] ?? 0
      let length = b1 & 0x7f
      let at = 2
      if (length === 126) {
        if (buf.length < 4) return
        length = buf.readUInt16BE(2)
        at = 4
      } else if (length === 127) {
        if (buf.length < 10) return
        length = Number(buf.readBigUInt64BE(2))
        at = 10
      }
      if ((b1 & 0x80) !== 0) at += 4
      if (buf.length < at + length) return
      const opcode = b0 & 0x0f
      if (opcode < 8) frames.push({ fin: (b0 & 0x80) !== 0, opcode, length })
      buf = buf.subarray(at + length)
    }
  })
  return frames
}

test('frames: exactly 32 KiB is accepted, 32 KiB + 1 closes with 1009; a bigger message in small fragments is fine', async (t) => {
  const g = await startGateway(t, mockApi())
  assert.equal(MAX_FRAME_BYTES, 32 * KIB)

  await t.test('a single frame of exactly 32 KiB', async (t) => {
    const client = await connect(t, wsUrl(g, '/dev'))
    const message = messageOf(32 * KIB)
    assert.equal(await client.say(message), message)
  })

  await t.test('a single frame of 32 KiB + 1 byte closes with 1009', async (t) => {
    const client = await connect(t, wsUrl(g, '/dev'))
    client.ws.send(messageOf(32 * KIB + 1))
    assert.equal((await client.waitClosed()).code, 1009)
    assert.equal(client.frames.length, 0)
  })

  await t.test('the limit counts bytes, not characters (32 KiB + 1 bytes of mostly é)', async (t) => {
    const client = await connect(t, wsUrl(g, '/dev'))
    const message = messageOf(32 * KIB + 1, 'é')
    assert.ok(message.length < 32 * KIB)
    client.ws.send(message)
    assert.equal((await client.waitClosed()).code, 1009)
  })

  await t.test('100 KB in four fragments of at most 32 KiB is one message, answered in full', async (t) => {
    const client = await connect(t, wsUrl(g, '/dev'))
    const message = Buffer.from(messageOf(100 * 1000, 'é'))
    const frames = rawFrames(client.ws)
    for (let at = 0; at < message.length; at += 32 * KIB) {
      client.ws.send(message.subarray(at, at + 32 * KIB), { binary: false, fin: at + 32 * KIB >= message.length })
    }
    assert.equal(await client.nextText(), message.toString('utf8'))
    // The reply (100 KB) came back in 32 KiB frames too.
    assert.deepEqual(
      frames.map((f) => [f.opcode, f.fin, f.length]),
      [
        [1, false, 32 * KIB],
        [0, false, 32 * KIB],
        [0, false, 32 * KIB],
        [0, true, message.length - 3 * 32 * KIB],
      ]
    )
  })

  await t.test('a fragmented message with one fragment over 32 KiB closes with 1009', async (t) => {
    const client = await connect(t, wsUrl(g, '/dev'))
    const message = Buffer.from(messageOf(40 * KIB))
    client.ws.send(message.subarray(0, 1000), { binary: false, fin: false })
    client.ws.send(message.subarray(1000), { binary: false, fin: true })
    assert.equal((await client.waitClosed()).code, 1009)
  })
})

test('an @connections POST of 100 KB arrives as one message, sent as 32 KiB frames', async (t) => {
  const g = await startGateway(t, mockApi())
  const client = await connect(t, wsUrl(g, '/dev'))
  const id = (await client.sayJson({ action: 'echo', text: 'id', obj: {} }))['you'] as string
  const frames = rawFrames(client.ws)
  // One ASCII byte first so that the 32 KiB cuts fall inside two-byte characters.
  const body = 'x' + 'é'.repeat(50_000)
  const bytes = Buffer.byteLength(body)
  assert.equal(bytes, 100_001)
  const res = await fetch(`${g.url}/dev/@connections/${encodeURIComponent(id)}`, { method: 'POST', body })
  assert.equal(res.status, 200)
  assert.equal(await client.nextText(), body, 'ws reassembles the fragments into the whole message')
  assert.equal(client.frames.length, 2)
  await waitFor('all frames', () => frames.some((f) => f.fin))
  assert.deepEqual(
    frames.map((f) => [f.opcode, f.fin, f.length]),
    [
      [1, false, 32 * KIB],
      [0, false, 32 * KIB],
      [0, false, 32 * KIB],
      [0, true, bytes - 3 * 32 * KIB],
    ]
  )
})

// --- VTL directives over real sockets ----------------------------------------------------------

test('directives in MOCK templates: #set, #if/#else and #foreach render the reply; $connect sees $input.params()', async (t) => {
  const log = captureLog()
  const loop = `#set($items = $input.path('$.items'))
{"statusCode": #if($items.size() > 0)200#{else}404#end, "names": [#foreach($i in $items)"$util.escapeJavaScript($i.name)"#if($foreach.hasNext),#end#end]}`
  const g = await startGateway(
    t,
    wsConfig({
      routes: [
        { routeKey: '$connect', integration: 'connect' },
        { routeKey: 'list', integration: 'list', twoWay: true },
        { routeKey: 'cap', integration: 'cap', twoWay: true },
      ],
      integrations: [
        // $connect: the query string decides; its value comes back in the refusal body.
        mock('connect', { $default: `#if($input.params('ticket') == 'ok'){"statusCode": 200}#else{"statusCode": 403}#end` }, [
          ['/2\\d\\d/', 'welcome'],
          ['$default', "#set($t = $input.params().querystring.get('ticket'))no ticket: [$t] from $input.params('User-Agent')"],
        ]),
        mock('list', { $default: loop }, [
          ['/2\\d\\d/', "#foreach($n in $input.path('$.names'))$n#if($foreach.hasNext)+#end#end"],
          ['$default', 'empty'],
        ]),
        mock('cap', { $default: "#foreach($i in $input.path('$.items'))x#end" }, [['$default', 'rendered']]),
      ],
    }),
    { logger: log.logger }
  )
  const denied = await refused(wsUrl(g, '/dev?ticket=bad'), { headers: { 'user-agent': 'vtl-test' } })
  assert.deepEqual(denied, { status: 403, body: 'no ticket: [bad] from vtl-test' })

  const client = await connect(t, wsUrl(g, '/dev?ticket=ok'))
  assert.equal(await client.say({ action: 'list', items: [{ name: 'a"b' }, { name: 'c' }] }), 'a"b+c')
  assert.equal(await client.say({ action: 'list', items: [] }), 'empty')
  // 1,000 iterations render; 1,001 are a render error: AWS's "Internal server error" frame.
  assert.equal(await client.say({ action: 'cap', items: Array.from({ length: 1000 }, () => 0) }), 'rendered')
  const frame = JSON.parse(await client.say({ action: 'cap', items: Array.from({ length: 1001 }, () => 0) })) as Json
  assert.equal(frame['message'], 'Internal server error')
  assert.equal(frame['connectionId'], await client.whoami())
  // The render error is logged as a warning, with the route.
  const warning = log.lines.find((l) => l.includes('WebSocket route integration failed'))
  assert.ok(warning !== undefined, log.lines.join('\n'))
  assert.match(warning, / routeKey=cap /)
  assert.match(warning, /request template: #foreach over 1001 items/)
})

test('directives in HTTP (non-proxy) templates: the request template builds the backend body, the response template the reply', async (t) => {
  const upstream = await startUpstream(t, (_req, res, recorded) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ got: JSON.parse(recorded.body.toString('utf8')) as unknown, items: [1, 2, 3] }))
  })
  const g = await startGateway(
    t,
    wsConfig({
      routes: [{ routeKey: 'sum', integration: 'h', twoWay: true }],
      integrations: [
        {
          integrationId: 'h',
          integrationType: 'HTTP',
          integrationUri: `${upstream.origin}/sum`,
          requestTemplates: { $default: "#set($v = $input.path('$.v'))#set($w = $v * 2){\"doubled\": $w, \"conn\": \"$context.connectionId\"}" },
          integrationResponses: [
            { integrationResponseKey: '/2\\d\\d/', responseTemplates: { $default: "#set($total = 0)#foreach($i in $input.path('$.items'))#set($total = $total + $i)#end$input.path('$.got.doubled')/$total" } },
          ],
        },
      ],
    })
  )
  const client = await connect(t, wsUrl(g, '/dev'))
  assert.equal(await client.say({ action: 'sum', v: 21 }), '42/6')
  const seen = upstream.requests.at(-1) as RecordedRequest
  assert.deepEqual(JSON.parse(seen.body.toString('utf8')), { doubled: 42, conn: await client.whoami() })
})

test('passthroughBehavior: WHEN_NO_MATCH passes an untemplated message through; WHEN_NO_TEMPLATES and NEVER fail it once templates exist', async (t) => {
  const pass = (id: string, behavior: string | undefined, templates: Record<string, string>): Json =>
    mock(id, templates, [['$default', '$input.body']], { templateSelectionExpression: '${request.body.kind}', ...(behavior === undefined ? {} : { passthroughBehavior: behavior }) })
  const g = await startGateway(
    t,
    wsConfig({
      routes: [
        { routeKey: 'match', integration: 'match', twoWay: true },
        { routeKey: 'notemplates', integration: 'notemplates', twoWay: true },
        { routeKey: 'notemplates2', integration: 'notemplates2', twoWay: true },
        { routeKey: 'never', integration: 'never', twoWay: true },
      ],
      integrations: [
        pass('match', undefined, { known: '{"templated": true}' }),
        pass('notemplates', 'WHEN_NO_TEMPLATES', {}),
        pass('notemplates2', 'WHEN_NO_TEMPLATES', { known: '{"templated": true}' }),
        pass('never', 'NEVER', { known: '{"templated": true}' }),
      ],
    })
  )
  const client = await connect(t, wsUrl(g, '/dev'))
  // A MOCK's "backend" answer is the rendered request, or the message itself when it passes through.
  assert.deepEqual(await client.sayJson({ action: 'match', kind: 'other' }), { action: 'match', kind: 'other' })
  assert.deepEqual(await client.sayJson({ action: 'match', kind: 'known' }), { templated: true })
  assert.deepEqual(await client.sayJson({ action: 'notemplates', kind: 'other' }), { action: 'notemplates', kind: 'other' })
  assert.equal((await client.sayJson({ action: 'notemplates2', kind: 'other' }))['message'], 'Internal server error')
  assert.equal((await client.sayJson({ action: 'never', kind: 'other' }))['message'], 'Internal server error')
  assert.deepEqual(await client.sayJson({ action: 'never', kind: 'known' }), { templated: true })
})

test("an integration response's templateSelectionExpression picks among its responseTemplates", async (t) => {
  const upstream = await startUpstream(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-kind': 'list' })
    res.end('{"items": [1, 2]}')
  })
  const g = await startGateway(
    t,
    wsConfig({
      routes: [
        { routeKey: 'fmt', integration: 'fmt', twoWay: true },
        { routeKey: 'kind', integration: 'kind', twoWay: true },
      ],
      integrations: [
        {
          ...mock('fmt', { $default: '{"statusCode": 201, "n": 7}' }, []),
          integrationResponses: [
            {
              integrationResponseKey: '$default',
              templateSelectionExpression: '${request.body.format}-${integration.response.statuscode}',
              responseTemplates: { $default: "json:$input.json('$.n')", 'csv-201': "csv,$input.path('$.n')" },
            },
          ],
        },
        {
          integrationId: 'kind',
          integrationType: 'HTTP',
          integrationUri: `${upstream.origin}/k`,
          integrationResponses: [
            {
              integrationResponseKey: '/2\\d\\d/',
              templateSelectionExpression: '${integration.response.header.X-Kind}',
              responseTemplates: { $default: 'other', list: "#foreach($i in $input.path('$.items'))<$i>#end" },
            },
          ],
        },
      ],
    })
  )
  const client = await connect(t, wsUrl(g, '/dev'))
  assert.equal(await client.say({ action: 'fmt', format: 'csv' }), 'csv,7')
  assert.equal(await client.say({ action: 'fmt', format: 'xml' }), 'json:7', 'no template for the key: $default')
  assert.equal(await client.say({ action: 'kind' }), '<1><2>')
  await rejectsConfig(
    t,
    oneIntegration({ ...mock('x', { $default: '{}' }, []), integrationResponses: [{ integrationResponseKey: '$default', templateSelectionExpression: '${request.header.x}', responseTemplates: { $default: 'x' } }] }),
    /can only use \$\{integration\.response\.statuscode\}/,
    /integrationResponses\[0\]\.templateSelectionExpression/
  )
})
