import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { startGateway, singleFunctionApi } from '../helpers/gateway.js'
import { http } from '../helpers/http.js'

test('a request whose body is still arriving during a reload finishes on the old snapshot with 200', async (t) => {
  const config = singleFunctionApi({ handler: 'echo.handler', routeKeys: ['POST /x'] })
  const { url, gateway } = await startGateway(t, config)
  const { hostname, port } = new URL(url)
  const body = '{"hello":"world"}'
  const socket = connect({ host: hostname, port: Number(port) })
  t.after(() => socket.destroy())
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
  const response = new Promise<string>((resolve) => {
    let data = ''
    socket.on('data', (chunk) => {
      data += chunk.toString()
      if (data.includes('\r\n\r\n')) resolve(data)
    })
  })
  socket.write(`POST /x HTTP/1.1\r\nHost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`)
  // The request has its snapshot; now the config is reloaded, then the body arrives.
  await new Promise((r) => setTimeout(r, 50))
  assert.deepEqual(await gateway.reload(), { ok: true })
  socket.write(body)
  const head = await response
  assert.match(head, /^HTTP\/1\.1 200 /)
})

test('a handler whose module never finishes loading loses its environment after the init limit, and the gateway keeps serving (provisional)', { timeout: 30_000 }, async (t) => {
  const config = {
    functions: { hang: { handler: 'lambda-init-hang.handler' }, ok: { handler: 'echo.handler' } },
    apis: [
      {
        name: 'init',
        routes: [
          { routeKey: 'GET /hang', target: 'integrations/hang' },
          { routeKey: 'GET /ok', target: 'integrations/ok' },
        ],
        integrations: [
          { integrationId: 'hang', integrationType: 'AWS_PROXY', integrationUri: 'hang', payloadFormatVersion: '2.0', timeoutInMillis: 30000 },
          { integrationId: 'ok', integrationType: 'AWS_PROXY', integrationUri: 'ok', payloadFormatVersion: '2.0' },
        ],
      },
    ],
  }
  const { url, logs } = await startGateway(t, config)
  const hung = await http(url + '/hang')
  assert.equal(hung.status, 500)
  assert.equal(hung.text, '{"message":"Internal Server Error"}')
  assert.ok(logs.some((l) => l.includes('Runtime.InitTimeout')))
  assert.equal((await http(url + '/ok')).status, 200)
})
