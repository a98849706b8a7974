// WebSocket access logs (spec 10.10): one line per connect, message and disconnect, with the
// WebSocket $context variables, written to a file by a real gateway and read back.
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import WebSocket from 'ws'
import { startGateway } from '../helpers/gateway.js'
import { nextMessage, openWs } from '../helpers/ws-client.js'

const FORMAT =
  '{"requestId":"$context.requestId","extendedRequestId":"$context.extendedRequestId","eventType":"$context.eventType",' +
  '"routeKey":"$context.routeKey","status":"$context.status","connectionId":"$context.connectionId","messageId":"$context.messageId",' +
  '"error":"$context.error.message","responseType":"$context.error.responseType","integrationStatus":"$context.integration.status",' +
  '"latency":"$context.integrationLatency","sourceIp":"$context.identity.sourceIp","userAgent":"$context.identity.userAgent",' +
  '"stage":"$context.stage","apiId":"$context.apiId","connectedAt":"$context.connectedAt","caller":"$context.identity.caller"}'

async function gatewayWithLog(t: TestContext) {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-ws-log-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'access.log')
  const fn = (handler: string) => ({ handler: `ws-log.${handler}` })
  const gw = await startGateway(t, {
    functions: { connect: fn('connect'), echo: fn('echo'), boom: fn('boom') },
    apis: [
      {
        name: 'wslog',
        apiId: 'wslog00001',
        protocolType: 'WEBSOCKET',
        routeSelectionExpression: '$request.body.action',
        routes: [
          { routeKey: '$connect', target: 'integrations/connect' },
          { routeKey: 'echo', target: 'integrations/echo', routeResponseSelectionExpression: '$default' },
          { routeKey: 'boom', target: 'integrations/boom' },
        ],
        integrations: ['connect', 'echo', 'boom'].map((id) => ({ integrationId: id, integrationType: 'AWS_PROXY', integrationUri: id })),
        stages: [{ stageName: 'dev', accessLogSettings: { format: FORMAT, destination: file } }],
      },
    ],
  })
  return { gw, file, url: gw.url.replace(/^http/, 'ws') + '/dev' }
}

async function lines(file: string, count: number): Promise<Record<string, string>[]> {
  for (let i = 0; i < 500; i++) {
    const text = await readFile(file, 'utf8').catch(() => '')
    const parsed = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, string>)
    if (parsed.length >= count) return parsed
    await delay(20)
  }
  throw new Error(`fewer than ${count} access-log lines in ${file}`)
}

function open(t: TestContext, url: string): Promise<WebSocket> {
  return openWs(t, url, { headers: { 'user-agent': 'log-test/1.0' } })
}

const next = nextMessage

test('a connection logs its connect, each message (routed, unrouted, failed) and its disconnect, with the WebSocket variables', async (t) => {
  const { file, url } = await gatewayWithLog(t)
  const ws = await open(t, url)
  ws.send('{"action":"echo"}')
  const echoed = JSON.parse(await next(ws)) as { requestId: string; messageId: string }
  ws.send('{"action":"nowhere"}')
  const forbidden = JSON.parse(await next(ws)) as { requestId: string; connectionId: string }
  ws.send('{"action":"boom"}')
  const failed = JSON.parse((await next(ws)).replace('"message": ', '"message":')) as { requestId: string }
  ws.close(1000)
  const [connect, message, unrouted, failure, disconnect] = await lines(file, 5)
  const id = forbidden.connectionId

  assert.equal(connect?.['eventType'], 'CONNECT')
  assert.equal(connect?.['routeKey'], '$connect')
  assert.equal(connect?.['status'], '200')
  assert.equal(connect?.['connectionId'], id)
  assert.equal(connect?.['messageId'], '-')
  assert.equal(connect?.['integrationStatus'], '200')
  assert.equal(connect?.['userAgent'], 'log-test/1.0')
  assert.equal(connect?.['sourceIp'], '127.0.0.1')
  assert.equal(connect?.['stage'], 'dev')
  assert.equal(connect?.['apiId'], 'wslog00001')
  assert.match(connect?.['connectedAt'] ?? '', /^\d{13}$/)
  assert.equal(connect?.['caller'], '-', 'IAM caller does not apply: rendered as -')
  assert.equal(connect?.['requestId'], connect?.['extendedRequestId'])

  assert.deepEqual(
    { ...message, latency: undefined, sourceIp: undefined, userAgent: undefined, connectedAt: undefined },
    {
      requestId: echoed.requestId,
      extendedRequestId: echoed.requestId,
      eventType: 'MESSAGE',
      routeKey: 'echo',
      status: '200',
      connectionId: id,
      messageId: echoed.messageId,
      error: '-',
      responseType: '-',
      integrationStatus: '201',
      latency: undefined,
      sourceIp: undefined,
      userAgent: undefined,
      stage: 'dev',
      apiId: 'wslog00001',
      connectedAt: undefined,
      caller: '-',
    }
  )
  assert.match(message?.['latency'] ?? '', /^\d+$/)
  assert.equal(message?.['connectedAt'], connect?.['connectedAt'], 'connectedAt is the same for every event of a connection')

  assert.equal(unrouted?.['requestId'], forbidden.requestId)
  assert.equal(unrouted?.['status'], '403')
  assert.equal(unrouted?.['routeKey'], '-')
  assert.equal(unrouted?.['error'], 'Forbidden')
  assert.equal(unrouted?.['latency'], '-', 'no integration ran')

  assert.equal(failure?.['requestId'], failed.requestId)
  assert.equal(failure?.['status'], '500')
  assert.equal(failure?.['routeKey'], 'boom')
  assert.equal(failure?.['error'], 'Internal server error')
  assert.equal(failure?.['responseType'], 'INTEGRATION_FAILURE')

  assert.equal(disconnect?.['eventType'], 'DISCONNECT')
  assert.equal(disconnect?.['routeKey'], '$disconnect')
  assert.equal(disconnect?.['connectionId'], id)
  assert.equal(disconnect?.['status'], '200')
})

test('a $connect the integration refuses is logged with its status; the client gets no connection', async (t) => {
  const { file, url } = await gatewayWithLog(t)
  const ws = new WebSocket(`${url}?refuse=1`)
  t.after(() => ws.terminate())
  const status = await new Promise<number>((resolve) => {
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.once('error', () => undefined)
  })
  assert.equal(status, 403)
  const [line] = await lines(file, 1)
  assert.equal(line?.['eventType'], 'CONNECT')
  assert.equal(line?.['status'], '403')
  assert.equal(line?.['integrationStatus'], '403')
  assert.notEqual(line?.['error'], '-')
})

test('a WebSocket access-log format is checked against the WebSocket variables: an HTTP-only variable is refused', async (t) => {
  const { createGateway, ConfigError } = await import('../../src/index.js')
  const gw = createGateway(
    {
      apis: [
        {
          name: 'bad',
          protocolType: 'WEBSOCKET',
          routeSelectionExpression: '$request.body.action',
          routes: [],
          stages: [{ stageName: 'dev', accessLogSettings: { format: '$context.requestId $context.httpMethod' } }],
        },
      ],
    },
    { port: 0, logLevel: 'silent' }
  )
  t.after(() => gw.stop())
  await assert.rejects(gw.start(), (err: unknown) => err instanceof ConfigError && /unknown variable \$context\.httpMethod/.test(err.message))
})
