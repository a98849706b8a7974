// The @connections management API (spec 11, 16.8) driven by the real AWS SDK for JavaScript v3
// client (@aws-sdk/client-apigatewaymanagementapi) and by raw requests, against real `ws`
// clients. Connection ids always end in `=`, so every SDK call exercises the `%3D` label
// encoding with the literal `@connections` segment the SDK sends.
//
// Fixtures: ws-connections.mjs (a two-way `whoami` route telling a client its own connection
// id; a `$disconnect` that logs its event) and ws-docs-callback.mjs (the callback exactly as
// AWS's docs write it: a client built from `https://${domainName}/${stage}` with no credentials
// or region of its own, and a broadcast variant).
//
// Provisional (spec [UNCONFIRMED]): close code 1001 for DeleteConnection; non-UTF-8 data
// delivered as a binary frame; the 403 body.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as delay } from 'node:timers/promises'
import WebSocket from 'ws'
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  ForbiddenException,
  GetConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi'
import { startGateway, type StartedGateway } from '../helpers/gateway.js'
import { createGateway } from '../../src/index.js'
import { handlersDir } from '../helpers/paths.js'
import { http } from '../helpers/http.js'
import { newWs, opened, rejection, statusOf, waitFor as waitForWithin, whoamiOf, wsUrl } from '../helpers/ws-client.js'

// Functions inherit the host's environment: without ambient AWS credentials (none on a
// developer machine without ~/.aws, none in CI) the docs' callback must work on what
// Gatehouse itself gives a function, as it does on Lambda.
for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_WEB_IDENTITY_TOKEN_FILE']) {
  delete process.env[name]
}
process.env['AWS_SHARED_CREDENTIALS_FILE'] = '/nonexistent/gatehouse-test/credentials'
process.env['AWS_CONFIG_FILE'] = '/nonexistent/gatehouse-test/config'
// No instance-metadata probe: the credential chain fails fast instead of timing out.
process.env['AWS_EC2_METADATA_DISABLED'] = 'true'

const STAGE = 'prod'
const WAIT_MS = 10_000
const MAX_DATA = 131_072
/** A credential the `iam` tests configure (access key ids are 16+ characters). */
const KEY = { accessKeyId: 'AKIAGATEHOUSECONN001', secretAccessKey: 'connSecret/K7MDENG+bPxRfiCYEXAMPLEKEY' }
/** What a Lambda environment would carry for its execution role. */
const ROLE_ENV = { AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey }
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/

// --- the gateway under test ----------------------------------------------------------------

function wsConfig(options: { iam?: object; functionEnv?: Record<string, string> } = {}): object {
  const env = options.functionEnv === undefined ? {} : { environment: options.functionEnv }
  return {
    ...(options.iam !== undefined ? { iam: options.iam } : {}),
    functions: {
      whoami: { handler: 'ws-connections.whoami' },
      disconnect: { handler: 'ws-connections.disconnect' },
      hello: { handler: 'ws-docs-callback.handler', ...env },
      broadcast: { handler: 'ws-docs-callback.broadcast', ...env },
    },
    apis: [
      {
        name: 'connections',
        apiId: 'connapi001',
        protocolType: 'WEBSOCKET',
        routeSelectionExpression: '$request.body.action',
        routes: [
          { routeKey: '$disconnect', target: 'integrations/disconnect' },
          { routeKey: 'whoami', target: 'integrations/whoami', routeResponseSelectionExpression: '$default' },
          { routeKey: 'hello', target: 'integrations/hello' },
          { routeKey: 'broadcast', target: 'integrations/broadcast' },
        ],
        integrations: ['whoami', 'disconnect', 'hello', 'broadcast'].map((f) => ({ integrationId: f, integrationType: 'AWS_PROXY', integrationUri: f })),
        stages: [{ stageName: STAGE }],
      },
    ],
  }
}

// --- clients ---------------------------------------------------------------------------------

interface Frame {
  readonly data: Buffer
  readonly isBinary: boolean
  readonly text: string
}

interface Client {
  readonly ws: WebSocket
  readonly frames: Frame[]
  closed: { code: number; reason: string } | null
  /** This connection's id, asked through the two-way `whoami` route. */
  readonly id: string
}

function waitFor<T>(what: string, probe: () => T | undefined | null | false): Promise<T> {
  return waitForWithin(what, probe, WAIT_MS, 10)
}

async function connect(t: TestContext, gw: StartedGateway, userAgent?: string): Promise<Client> {
  const ws = newWs(t, wsUrl(gw.url, `/${STAGE}`), userAgent === undefined ? {} : { headers: { 'User-Agent': userAgent } })
  const frames: Frame[] = []
  const state: { closed: Client['closed'] } = { closed: null }
  ws.on('message', (data: Buffer, isBinary: boolean) => frames.push({ data, isBinary, text: data.toString('utf8') }))
  ws.on('close', (code: number, reason: Buffer) => (state.closed = { code, reason: reason.toString('utf8') }))
  await opened(ws)
  const id = await whoamiOf(ws, frames, (f) => f.text, 'the whoami answer', WAIT_MS, 10)
  return {
    ws,
    frames,
    id,
    get closed() {
      return state.closed
    },
  }
}

function frameWith(client: Client, text: string): Promise<Frame> {
  return waitFor(`a frame "${text.slice(0, 40)}"`, () => client.frames.find((f) => f.text === text))
}

/** The SDK client as an application builds it; `paths` records each request's method and path. */
function sdkClient(t: TestContext, gw: StartedGateway, credentials: { accessKeyId: string; secretAccessKey: string } = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' }) {
  // A copy: the SDK marks the credentials object it is given (`$source`).
  const client = new ApiGatewayManagementApiClient({ endpoint: gw.url + '/' + STAGE, region: 'us-east-1', credentials: { ...credentials } })
  const paths: string[] = []
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { method?: string; path?: string }
      paths.push(`${request.method ?? ''} ${request.path ?? ''}`)
      return next(args)
    },
    { step: 'finalizeRequest', name: 'recordPath' }
  )
  t.after(() => client.destroy())
  return { client, paths }
}

function disconnectEventOf(gw: StartedGateway, connectionId: string): Promise<{ connectionId: string; disconnectStatusCode: number; disconnectReason: string }> {
  return waitFor(`$disconnect of ${connectionId}`, () => {
    const line = gw.logs.find((l) => l.includes('DISCONNECT ') && l.includes(JSON.stringify(connectionId)))
    return line === undefined ? undefined : (JSON.parse(line.slice(line.indexOf('DISCONNECT ') + 11)) as { connectionId: string; disconnectStatusCode: number; disconnectReason: string })
  })
}

// --- PostToConnection ------------------------------------------------------------------------

test('PostToConnection with the SDK (literal @connections, id encoded %3D) delivers a text frame; 200 with an empty body', async (t) => {
  const gw = await startGateway(t, wsConfig())
  const a = await connect(t, gw)
  assert.match(a.id, /=/, 'connection ids carry "=" padding, like AWS ids')
  const { client, paths } = sdkClient(t, gw)

  const out = await client.send(new PostToConnectionCommand({ ConnectionId: a.id, Data: 'hello from the SDK' }))
  assert.equal(out.$metadata.httpStatusCode, 200)
  assert.deepEqual(paths, [`POST /${STAGE}/@connections/${a.id.replaceAll('=', '%3D')}`])
  const frame = await frameWith(a, 'hello from the SDK')
  assert.equal(frame.isBinary, false)

  // The same request raw: 200 and nothing in the body.
  const raw = await http(`${gw.url}/${STAGE}/@connections/${encodeURIComponent(a.id)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: 'raw post',
  })
  assert.equal(raw.status, 200)
  assert.equal(raw.text, '')
  assert.ok(raw.headers['x-amzn-requestid'], 'x-amzn-RequestId is sent')
  assert.equal((await frameWith(a, 'raw post')).isBinary, false)
})

test('POST to /{stage}/%40connections/{id} (awscurl style, fully encoded) works too', async (t) => {
  const gw = await startGateway(t, wsConfig())
  const a = await connect(t, gw)
  const raw = await http(`${gw.url}/${STAGE}/%40connections/${encodeURIComponent(a.id)}`, { method: 'POST', body: 'via %40' })
  assert.equal(raw.status, 200)
  assert.equal(raw.text, '')
  await frameWith(a, 'via %40')
  // GET through the encoded form answers too.
  const got = await http(`${gw.url}/${STAGE}/%40connections/${encodeURIComponent(a.id)}`)
  assert.equal(got.status, 200)
})

test('Data of 131073 bytes is PayloadTooLargeException (413); 131072 bytes are delivered', async (t) => {
  const gw = await startGateway(t, wsConfig())
  const a = await connect(t, gw)
  const { client } = sdkClient(t, gw)

  const err = await rejection(client.send(new PostToConnectionCommand({ ConnectionId: a.id, Data: 'x'.repeat(MAX_DATA + 1) })))
  assert.ok(err instanceof PayloadTooLargeException, `expected PayloadTooLargeException, got ${String(err)}`)
  assert.equal(statusOf(err), 413)

  const max = 'y'.repeat(MAX_DATA)
  const out = await client.send(new PostToConnectionCommand({ ConnectionId: a.id, Data: max }))
  assert.equal(out.$metadata.httpStatusCode, 200)
  const frame = await waitFor('the 131072-byte frame', () => a.frames.find((f) => f.data.length === MAX_DATA))
  assert.equal(frame.isBinary, false)
  assert.equal(frame.text, max)
  assert.ok(!a.frames.some((f) => f.data.length === MAX_DATA + 1), 'the oversized data never reached the client')
})

test('UTF-8 data arrives as a text frame, invalid UTF-8 as a binary frame with the same bytes', async (t) => {
  const gw = await startGateway(t, wsConfig())
  const a = await connect(t, gw)
  const { client } = sdkClient(t, gw)

  const utf8 = 'héllo ✓ 😀'
  await client.send(new PostToConnectionCommand({ ConnectionId: a.id, Data: new TextEncoder().encode(utf8) }))
  const text = await frameWith(a, utf8)
  assert.equal(text.isBinary, false)

  const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3])
  await client.send(new PostToConnectionCommand({ ConnectionId: a.id, Data: bytes }))
  const binary = await waitFor('the binary frame', () => a.frames.find((f) => f.isBinary))
  assert.deepEqual(binary.data, bytes)
})

// --- GetConnection ---------------------------------------------------------------------------

test('GetConnection returns connectedAt, lastActiveAt (ISO 8601 on the wire, Dates in the SDK) and identity.sourceIp/userAgent', async (t) => {
  const gw = await startGateway(t, wsConfig())
  const before = Date.now()
  const a = await connect(t, gw, 'gatehouse-test/7.1 (connections)')
  const { client } = sdkClient(t, gw)

  const out = await client.send(new GetConnectionCommand({ ConnectionId: a.id }))
  assert.equal(out.$metadata.httpStatusCode, 200)
  assert.ok(out.ConnectedAt instanceof Date, 'ConnectedAt is a Date')
  assert.ok(out.LastActiveAt instanceof Date, 'LastActiveAt is a Date')
  const connectedAt = out.ConnectedAt.getTime()
  const lastActiveAt = out.LastActiveAt.getTime()
  assert.ok(connectedAt >= before - 1000 && connectedAt <= Date.now(), 'connectedAt is when the client connected')
  assert.ok(lastActiveAt >= connectedAt && lastActiveAt <= Date.now(), 'lastActiveAt is not before connectedAt')
  assert.deepEqual(out.Identity, { SourceIp: '127.0.0.1', UserAgent: 'gatehouse-test/7.1 (connections)' })

  // On the wire: JSON with ISO 8601 timestamps (the SDK parses them; check the text itself).
  const raw = await http(`${gw.url}/${STAGE}/@connections/${encodeURIComponent(a.id)}`)
  assert.equal(raw.status, 200)
  assert.match(String(raw.headers['content-type']), /^application\/json/)
  const body = raw.json<{ connectedAt: unknown; lastActiveAt: unknown; identity: unknown }>()
  assert.equal(typeof body.connectedAt, 'string')
  assert.equal(typeof body.lastActiveAt, 'string')
  assert.match(body.connectedAt as string, ISO_8601)
  assert.match(body.lastActiveAt as string, ISO_8601)
  assert.equal(Date.parse(body.connectedAt as string), connectedAt, 'connectedAt does not change')
  assert.deepEqual(body.identity, { sourceIp: '127.0.0.1', userAgent: 'gatehouse-test/7.1 (connections)' })

  // A later message moves lastActiveAt, never connectedAt.
  await delay(5)
  a.ws.send('{"action":"whoami"}')
  await waitFor('the second whoami answer', () => a.frames.find((f) => f.text.startsWith('{"whoami"')))
  const later = await client.send(new GetConnectionCommand({ ConnectionId: a.id }))
  assert.equal(later.ConnectedAt?.getTime(), connectedAt)
  assert.ok((later.LastActiveAt?.getTime() ?? 0) > lastActiveAt, 'lastActiveAt follows message activity')
})

// --- DeleteConnection and GoneException -------------------------------------------------------

test('DeleteConnection: 204, the client is closed with 1001, $disconnect runs; then the connection is gone (410 GoneException)', async (t) => {
  const gw = await startGateway(t, wsConfig())
  const a = await connect(t, gw)
  const { client } = sdkClient(t, gw)

  const out = await client.send(new DeleteConnectionCommand({ ConnectionId: a.id }))
  assert.equal(out.$metadata.httpStatusCode, 204)
  const closed = await waitFor('the client to be closed', () => a.closed)
  assert.equal(closed.code, 1001)
  const event = await disconnectEventOf(gw, a.id)
  assert.equal(event.disconnectStatusCode, 1001)

  // The SDK raises its own GoneException class.
  const err = await rejection(client.send(new PostToConnectionCommand({ ConnectionId: a.id, Data: 'too late' })))
  assert.ok(err instanceof GoneException, `expected GoneException, got ${String(err)}`)
  assert.equal(statusOf(err), 410)
  assert.ok(await rejection(client.send(new GetConnectionCommand({ ConnectionId: a.id }))) instanceof GoneException, 'GetConnection: GoneException')
  assert.ok(await rejection(client.send(new DeleteConnectionCommand({ ConnectionId: a.id }))) instanceof GoneException, 'DeleteConnection again: GoneException')

  // Raw: 410, x-amzn-ErrorType names the exception, the body is empty (spec 11.3).
  const raw = await http(`${gw.url}/${STAGE}/@connections/${encodeURIComponent(a.id)}`, { method: 'POST', body: 'too late' })
  assert.equal(raw.status, 410)
  assert.equal(raw.headers['x-amzn-errortype'], 'GoneException')
  assert.equal(raw.text, '')
  assert.ok(!a.frames.some((f) => f.text === 'too late'))
})

test('an unknown connection id is GoneException', async (t) => {
  const gw = await startGateway(t, wsConfig())
  await connect(t, gw)
  const { client } = sdkClient(t, gw)
  const err = await rejection(client.send(new PostToConnectionCommand({ ConnectionId: 'Zm9vYmFyYmF6cXU=', Data: 'nobody' })))
  assert.ok(err instanceof GoneException, `expected GoneException, got ${String(err)}`)
  assert.equal(statusOf(err), 410)
  const raw = await http(`${gw.url}/${STAGE}/@connections/${encodeURIComponent('Zm9vYmFyYmF6cXU=')}`)
  assert.equal(raw.status, 410)
  assert.equal(raw.headers['x-amzn-errortype'], 'GoneException')
  assert.equal(raw.text, '')
})

// --- SigV4 -----------------------------------------------------------------------------------

test('without iam credentials, a gateway bound beyond loopback refuses unsigned @connections calls (403 MissingAuthenticationTokenException) unless connectionsApi.allowUnsigned, and says so at start', async (t) => {
  const start = async (config: object) => {
    const log: string[] = []
    const record = (message: string): void => void log.push(message)
    const gateway = createGateway(config, {
      baseDir: handlersDir,
      functionLogs: 'silent',
      logger: { debug: record, info: record, warn: record, error: record },
      port: 0,
      host: '0.0.0.0',
    })
    await gateway.start()
    t.after(() => gateway.stop())
    const url = `http://127.0.0.1:${new URL(gateway.url).port}`
    return { url, log }
  }
  const target = (url: string) => `${url}/${STAGE}/@connections/${encodeURIComponent('Zm9vYmFyYmF6cXU=')}`

  const closed = await start(wsConfig())
  assert.ok(closed.log.some((m) => /@connections refuses every call/.test(m)), closed.log.join('\n'))
  const unsigned = await http(target(closed.url), { method: 'POST', body: 'unsigned' })
  assert.equal(unsigned.status, 403)
  assert.equal(unsigned.headers['x-amzn-errortype'], 'MissingAuthenticationTokenException')
  assert.equal(unsigned.text, '{"message":"Missing Authentication Token"}')
  // A signature there is nothing to verify against is no better.
  const signed = await http(target(closed.url), { method: 'POST', body: 'x', headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00' } })
  assert.equal(signed.status, 403)
  assert.equal(signed.headers['x-amzn-errortype'], 'UnrecognizedClientException')

  const open = await start({ ...wsConfig(), connectionsApi: { allowUnsigned: true } })
  assert.ok(open.log.some((m) => /@connections accepts unsigned calls from any client/.test(m)), open.log.join('\n'))
  const allowed = await http(target(open.url), { method: 'POST', body: 'unsigned' })
  assert.equal(allowed.status, 410, 'reaches the connection lookup: an unknown id is gone')
})

test('with iam credentials configured, a correctly signed SDK request works and a wrong secret is ForbiddenException (403)', async (t) => {
  const gw = await startGateway(t, wsConfig({ iam: { credentials: [KEY] } }))
  const a = await connect(t, gw)

  const good = sdkClient(t, gw, KEY).client
  const out = await good.send(new PostToConnectionCommand({ ConnectionId: a.id, Data: 'signed' }))
  assert.equal(out.$metadata.httpStatusCode, 200)
  await frameWith(a, 'signed')
  assert.equal((await good.send(new GetConnectionCommand({ ConnectionId: a.id }))).$metadata.httpStatusCode, 200)

  const bad = sdkClient(t, gw, { accessKeyId: KEY.accessKeyId, secretAccessKey: 'not-the-secret' }).client
  const err = await rejection(bad.send(new PostToConnectionCommand({ ConnectionId: a.id, Data: 'forged' })))
  assert.ok(err instanceof ForbiddenException, `expected ForbiddenException, got ${String(err)}`)
  assert.equal(statusOf(err), 403)

  const stranger = sdkClient(t, gw, { accessKeyId: 'AKIAGATEHOUSEOTHER01', secretAccessKey: KEY.secretAccessKey }).client
  assert.ok(await rejection(stranger.send(new DeleteConnectionCommand({ ConnectionId: a.id }))) instanceof ForbiddenException, 'unknown access key: ForbiddenException')

  const unsigned = await http(`${gw.url}/${STAGE}/@connections/${encodeURIComponent(a.id)}`, { method: 'POST', body: 'unsigned' })
  assert.equal(unsigned.status, 403)
  assert.equal(unsigned.headers['x-amzn-errortype'], 'ForbiddenException')

  assert.ok(!a.frames.some((f) => f.text === 'forged' || f.text === 'unsigned'), 'refused requests deliver nothing')
  assert.equal(a.closed, null, 'refused requests do not close the connection')
})

test('with iam configured, a function signing with a configured credential reaches the gateway (the signed Host survives the redirect)', async (t) => {
  const gw = await startGateway(t, wsConfig({ iam: { credentials: [KEY] }, functionEnv: ROLE_ENV }))
  const a = await connect(t, gw)
  a.ws.send('{"action":"hello"}')
  await frameWith(a, 'Hello!')
})

// --- inside a function: the docs' callback ----------------------------------------------------

test("AWS's documented callback (client from domainName/stage) posts back to the caller", async (t) => {
  const gw = await startGateway(t, wsConfig({ functionEnv: ROLE_ENV }))
  const a = await connect(t, gw)
  a.ws.send('{"action":"hello"}')
  const frame = await frameWith(a, 'Hello!')
  assert.equal(frame.isBinary, false)
})

test("a function broadcasts to two other connections with the documented client", async (t) => {
  const gw = await startGateway(t, wsConfig({ functionEnv: ROLE_ENV }))
  const [a, b, c] = await Promise.all([connect(t, gw), connect(t, gw), connect(t, gw)])
  a.ws.send(JSON.stringify({ action: 'broadcast', targets: [b.id, c.id], data: 'to everyone else' }))
  await Promise.all([frameWith(b, 'to everyone else'), frameWith(c, 'to everyone else')])
  // The sender was not a target: its next answer arrives with nothing before it.
  a.ws.send('{"action":"whoami"}')
  await waitFor('the sender\'s whoami answer', () => a.frames.find((f) => f.text.startsWith('{"whoami"')))
  assert.ok(!a.frames.some((f) => f.text === 'to everyone else'))
})

test(
  "AWS's documented callback works unchanged: no credentials in the function's environment",
  async (t) => {
    const gw = await startGateway(t, wsConfig())
    const a = await connect(t, gw)
    a.ws.send('{"action":"hello"}')
    // Either the frame arrives or the function logs the error the SDK raised instead.
    const failure = await waitFor('the callback to finish', () => a.frames.some((f) => f.text === 'Hello!') || gw.logs.find((l) => /Error/.test(l)))
    assert.ok(a.frames.some((f) => f.text === 'Hello!'), `no frame; the function logged: ${String(failure).slice(0, 300)}`)
  }
)
