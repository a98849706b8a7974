import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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

test('a handler whose module never finishes loading: its init is retried within the invocation after the 10 s limit, the function timeout ends it, and the gateway keeps serving', { timeout: 60_000 }, async (t) => {
  const config = {
    functions: { hang: { handler: 'lambda-init-hang.handler', timeout: 2 }, ok: { handler: 'echo.handler' } },
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
  assert.ok(logs.some((l) => /^INIT_REPORT Init Duration: 10000\.00 ms\tPhase: init\tStatus: timeout$/.test(l)), JSON.stringify(logs))
  assert.ok(logs.some((l) => / Task timed out after 2\.00 seconds$/.test(l)), JSON.stringify(logs))
  assert.ok(logs.some((l) => /^REPORT RequestId: .*\tStatus: timeout$/.test(l) && !l.includes('Init Duration')), JSON.stringify(logs))
  assert.equal((await http(url + '/ok')).status, 200)
})

test("an init past the 10 s limit is retried within the first invocation, in a fresh environment, as Lambda's suppressed init: one that is quicker the second time serves", { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-slow-init-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  // Slow on its first load only (a marker file tells the second), as a cold cache is.
  writeFileSync(
    join(dir, 'slow.mjs'),
    `import { existsSync, writeFileSync } from 'node:fs'
const marker = new URL('./loaded-once', import.meta.url)
const first = !existsSync(marker)
if (first) { writeFileSync(marker, ''); await new Promise((r) => setTimeout(r, 11_000)) }
let invocations = 0
export const handler = async () => ({ statusCode: 200, body: JSON.stringify({ invocations: ++invocations, pid: process.pid }) })
`
  )
  const config = {
    functions: { slow: { handler: 'slow.handler', timeout: 20 } },
    apis: [{ name: 'slow', routes: [{ routeKey: 'GET /slow', target: 'integrations/slow' }], integrations: [{ integrationId: 'slow', integrationType: 'AWS_PROXY', integrationUri: 'slow', payloadFormatVersion: '2.0' }] }],
  }
  const { url, logs } = await startGateway(t, config, { baseDir: dir })
  const res = await http(url + '/slow')
  assert.equal(res.status, 200, res.text)
  assert.deepEqual(res.json<{ invocations: number }>().invocations, 1, 'the handler ran once, in the retried environment')
  const initReport = logs.findIndex((l) => /^INIT_REPORT Init Duration: 10000\.00 ms\tPhase: init\tStatus: timeout$/.test(l))
  const start = logs.findIndex((l) => l.startsWith('START RequestId: '))
  assert.ok(initReport >= 0 && start > initReport, JSON.stringify(logs))
  const report = logs.find((l) => l.startsWith('REPORT RequestId: ')) ?? ''
  assert.doesNotMatch(report, /Init Duration|Status:/, 'the retried init is part of the Duration')
  // Warm now: the same environment serves the next invocation.
  assert.equal((await http(url + '/slow')).json<{ invocations: number }>().invocations, 2)
})
