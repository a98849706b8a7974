// The console's WebSocket and Functions pages over real sockets (issue 14, items 3 and 4): a
// real `ws` client connects, the console lists it with its message counts and log, sends it a
// message through the same operation as @connections, and disconnects it; the Functions page
// counts invocations, cold starts, errors and timeouts of real worker-thread environments.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway } from '../helpers/gateway.js'
import { http } from '../helpers/http.js'
import { openSse } from '../helpers/sse-client.js'
import { connectClient } from '../helpers/ws-client.js'
import { CLOSE_DELETED } from '../../src/websocket/limits.js'
import { MASKED_VALUE } from '../../src/observability/index.js'
import { setTimeout as delay } from 'node:timers/promises'

/** The console API takes JSON bodies only (a cross-site form cannot send this type without a preflight). */
const JSON_TYPE = { 'content-type': 'application/json' }

/** Polls an async probe until it yields a value; fails after `waitMs`. */
async function poll<T>(what: string, probe: () => Promise<T | undefined>, waitMs = 5_000): Promise<T> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await delay(25)
  }
}

function pagesConfig(): object {
  return {
    functions: {
      wsconnect: { handler: 'ws-log.connect' },
      wsecho: { handler: 'ws-log.echo' },
      chatty: { handler: 'lambda-console.handler' },
      boom: { handler: 'ws-log.boom' },
      slow: { handler: 'scripted.handler', timeout: 1 },
    },
    apis: [
      {
        name: 'pages-http',
        apiId: 'pageshttp1',
        routes: [
          { routeKey: 'GET /chatty', target: 'integrations/chatty' },
          { routeKey: 'GET /boom', target: 'integrations/boom' },
          { routeKey: 'POST /slow', target: 'integrations/slow' },
        ],
        integrations: [
          { integrationId: 'chatty', integrationType: 'AWS_PROXY', integrationUri: 'chatty', payloadFormatVersion: '2.0' },
          { integrationId: 'boom', integrationType: 'AWS_PROXY', integrationUri: 'boom', payloadFormatVersion: '2.0' },
          { integrationId: 'slow', integrationType: 'AWS_PROXY', integrationUri: 'slow', payloadFormatVersion: '2.0' },
        ],
      },
      {
        name: 'pages-ws',
        apiId: 'pagesws001',
        protocolType: 'WEBSOCKET',
        routeSelectionExpression: '$request.body.action',
        routes: [
          { routeKey: '$connect', target: 'integrations/connect' },
          { routeKey: '$default', target: 'integrations/echo', routeResponseSelectionExpression: '$default' },
        ],
        integrations: [
          { integrationId: 'connect', integrationType: 'AWS_PROXY', integrationUri: 'wsconnect' },
          { integrationId: 'echo', integrationType: 'AWS_PROXY', integrationUri: 'wsecho' },
        ],
        stages: [{ stageName: 'prod' }],
      },
    ],
  }
}

interface ConsoleConnection {
  connectionId: string
  apiId: string
  stage: string
  connectedAt: number
  sourceIp: string
  messagesIn: number
  messagesOut: number
}

async function connections(admin: string): Promise<{ apis: Array<{ apiId: string; name: string; connections: ConsoleConnection[] }> }> {
  return (await http(`${admin}/console/api/connections`)).json()
}

test('WebSocket page: connections with identity and message counts, the message log, send through @connections and disconnect', async (t: TestContext) => {
  const { gateway, url } = await startGateway(t, pagesConfig(), { admin: {} })
  const admin = gateway.adminUrl
  const sse = await openSse(t, `${admin}/console/api/events`)
  await sse.next((e) => e.event === 'hello')
  const client = await connectClient(t, `${url.replace(/^http/, 'ws')}/prod`, { headers: { 'user-agent': 'console-test' } })
  const c = await poll('the connection listed', async () => (await connections(admin)).apis.find((a) => a.apiId === 'pagesws001')?.connections[0])
  assert.equal(c.stage, 'prod')
  assert.equal(c.sourceIp, '127.0.0.1')
  assert.equal(typeof c.connectedAt, 'number')

  const reply = await client.ask({ action: 'hello' })
  assert.ok(reply !== undefined)
  await sse.record<{ direction: string }>('connection-messages', (m) => m.direction === 'out')
  const detail = (await http(`${admin}/console/api/connections/${c.connectionId}`)).json<{ connection: ConsoleConnection; messages: Array<{ direction: string; data: string }> }>()
  assert.equal(detail.connection.messagesIn, 1)
  assert.equal(detail.connection.messagesOut, 1)
  assert.deepEqual(detail.messages.map((m) => m.direction), ['in', 'out'])
  assert.equal(detail.messages[0]?.data, '{"action":"hello"}')

  const sent = await http(`${admin}/console/api/connections/${c.connectionId}/messages`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ data: 'from the console' }) })
  assert.equal(sent.status, 200)
  assert.equal(await client.nextText(), 'from the console')

  const bad = await http(`${admin}/console/api/connections/${c.connectionId}/messages`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ data: 42 }) })
  assert.equal(bad.status, 400)

  const gone = await http(`${admin}/console/api/connections/${c.connectionId}`, { method: 'DELETE' })
  assert.equal(gone.status, 200)
  const closed = await client.closed
  assert.equal(closed.code, CLOSE_DELETED, 'closed as a DELETE on @connections closes it')
  await poll('the connection gone from the list', async () => ((await connections(admin)).apis.find((a) => a.apiId === 'pagesws001')?.connections.length === 0 ? true : undefined))
  assert.equal((await http(`${admin}/console/api/connections/${c.connectionId}/messages`, { method: 'POST', headers: JSON_TYPE, body: '{"data":"x"}' })).status, 410)
})

test('a WebSocket function that logs its handshake secrets, at $connect or later, has them masked in the log tail', async (t: TestContext) => {
  const config = {
    functions: { remember: { handler: 'ws-remember.handler' } },
    apis: [
      {
        name: 'masked-ws',
        apiId: 'maskedws01',
        protocolType: 'WEBSOCKET',
        routeSelectionExpression: '$request.body.action',
        routes: [
          { routeKey: '$connect', target: 'integrations/remember' },
          { routeKey: '$default', target: 'integrations/remember', routeResponseSelectionExpression: '$default' },
        ],
        integrations: [{ integrationId: 'remember', integrationType: 'AWS_PROXY', integrationUri: 'remember' }],
        stages: [{ stageName: 'prod' }],
      },
    ],
  }
  const { gateway, url } = await startGateway(t, config, { admin: {} })
  const admin = gateway.adminUrl
  const sse = await openSse(t, `${admin}/console/api/events`)
  await sse.next((e) => e.event === 'hello')
  const token = 'Bearer ws-secret-token-4321'
  const client = await connectClient(t, `${url.replace(/^http/, 'ws')}/prod`, { headers: { authorization: token, cookie: 'session=ws-cookie-8765' } })
  assert.equal(await client.say({ action: 'later' }), 'ok')
  const tail = await poll('the message line in the tail', async () => {
    const lines = (await http(`${admin}/console/api/functions`)).json<{ tail: string[] }>().tail
    return lines.some((l) => l.includes('remembered ')) ? lines : undefined
  })
  const connectLine = tail.find((l) => l.includes('"routeKey":"$connect"'))
  assert.ok(connectLine !== undefined && connectLine.includes(MASKED_VALUE), `the logged $connect event, masked: ${String(connectLine)}`)
  assert.ok(tail.some((l) => l.endsWith(`remembered ${MASKED_VALUE}`)), tail.join('\n'))
  for (const line of tail) for (const secret of ['ws-secret-token-4321', 'ws-cookie-8765']) assert.ok(!line.includes(secret), `${secret} is masked in ${line}`)
})

test('Functions page: invocations, cold starts, warm environments, errors, timeouts and the log tail', async (t: TestContext) => {
  const { gateway, url } = await startGateway(t, pagesConfig(), { admin: {} })
  const admin = gateway.adminUrl
  const sse = await openSse(t, `${admin}/console/api/events`)
  await sse.next((e) => e.event === 'hello')
  assert.equal((await http(`${url}/chatty`)).status, 200)
  assert.equal((await http(`${url}/chatty`)).status, 200)
  assert.equal((await http(`${url}/boom`)).status, 500)
  assert.equal((await http(`${url}/slow`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ sleepMs: 3000 }) })).status, 500)
  await sse.next((e) => e.event === 'function-logs' && sse.records<string>('function-logs').filter((l) => l.startsWith('REPORT')).length >= 4)
  const page = (await http(`${admin}/console/api/functions`)).json<{ functions: Array<Record<string, number | string>>; tail: string[] }>()
  const chatty = page.functions.find((f) => f['name'] === 'chatty')
  assert.ok(chatty !== undefined)
  assert.equal(chatty['handler'], 'lambda-console.handler')
  assert.equal(chatty['invocations'], 2)
  assert.equal(chatty['coldStarts'], 1)
  assert.equal(chatty['errors'], 0)
  assert.equal(chatty['warm'], 1)
  assert.equal(chatty['busy'], 0)
  const boom = page.functions.find((f) => f['name'] === 'boom')
  assert.equal(boom?.['errors'], 1)
  assert.equal(boom?.['timeouts'], 0)
  const slow = page.functions.find((f) => f['name'] === 'slow')
  assert.equal(slow?.['timeouts'], 1)
  assert.equal(slow?.['errors'], 1)
  assert.equal(slow?.['warm'], 0, 'a timed-out environment is not kept')
  assert.ok(page.tail.some((l) => l.includes('\tINFO\tinfo line')))
})
