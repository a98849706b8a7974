// `--inspect`: the Node.js inspector for functions. Worker-thread environments are targets of
// the gateway process's inspector (as VS Code and Chrome DevTools see them, through the
// NodeWorker domain); a Node.js process environment has its own inspector on PORT+1.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { request } from 'undici'
import { startGateway } from '../helpers/gateway.js'
import { http } from '../helpers/http.js'
import { spawnCli } from '../helpers/cli.js'

function listen(port: number): Promise<import('node:net').Server | undefined> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(undefined))
    s.listen(port, '127.0.0.1', () => resolve(s))
  })
}

/** A port P with P+1 free too (both checked by binding them). */
async function freePortPair(): Promise<number> {
  for (;;) {
    const a = await listen(0)
    const port = (a?.address() as import('node:net').AddressInfo).port
    const b = port < 65534 ? await listen(port + 1) : undefined
    await new Promise((r) => a?.close(r))
    if (b !== undefined) {
      await new Promise((r) => b.close(r))
      return port
    }
  }
}

interface Target {
  type: string
  url: string
  webSocketDebuggerUrl: string
}

test('the gateway\'s inspector shows worker-thread environments; a process environment listens on PORT+1', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-inspect-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'app.mjs'), 'export const handler = async () => ({ statusCode: 200, body: "ok" })\n')
  const port = await freePortPair()
  const config = {
    functions: { worker: { handler: 'app.handler', codeUri: dir }, proc: { handler: 'app.handler', codeUri: dir, isolation: 'process' } },
    apis: [
      {
        name: 'inspect',
        routes: [
          { routeKey: 'GET /worker', target: 'integrations/w' },
          { routeKey: 'GET /proc', target: 'integrations/p' },
        ],
        integrations: [
          { integrationId: 'w', integrationType: 'AWS_PROXY', integrationUri: 'worker', payloadFormatVersion: '2.0' },
          { integrationId: 'p', integrationType: 'AWS_PROXY', integrationUri: 'proc', payloadFormatVersion: '2.0' },
        ],
      },
    ],
  }
  let ws: WebSocket | undefined
  // Registered before the gateway's stop: closing the inspector waits for its sessions to end,
  // and this one is in the same process.
  t.after(() => ws?.terminate())
  const { url } = await startGateway(t, config, { inspect: { port } })
  const gatewayTargets = (await (await request(`http://127.0.0.1:${port}/json/list`)).body.json()) as Target[]
  assert.equal(gatewayTargets.length, 1)
  ws = new WebSocket(gatewayTargets[0]?.webSocketDebuggerUrl ?? '')
  const session = ws
  await new Promise((r) => session.once('open', r))
  const attached = new Promise<{ workerInfo: { url: string } }>((resolve) => {
    session.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as { method?: string; params?: { workerInfo: { url: string } } }
      // (esbuild's own worker thread, which compiles handlers, is a target too.)
      if (m.method === 'NodeWorker.attachedToWorker' && m.params?.workerInfo.url.endsWith('/functions/worker.js') === true) resolve(m.params)
    })
  })
  session.send(JSON.stringify({ id: 1, method: 'NodeWorker.enable', params: { waitForDebuggerOnStart: false } }))
  assert.equal((await http(url + '/worker')).status, 200)
  assert.match((await attached).workerInfo.url, /worker\.js$/, 'the environment\'s worker thread is a debugging target')
  assert.equal((await http(url + '/proc')).status, 200)
  const procTargets = (await (await request(`http://127.0.0.1:${port + 1}/json/list`)).body.json()) as Target[]
  assert.equal(procTargets.length, 1)
  assert.match(procTargets[0]?.url ?? '', /runtimes\/nodejs\/bootstrap\.mjs$/)
  await new Promise((r) => {
    session.once('close', r)
    session.close()
  })
})

test('gatehouse serve --inspect=PORT is parsed; a bad port is refused', async (t) => {
  const cli = spawnCli(t, ['serve', 'x.yaml', '--inspect=notaport'], tmpdir())
  assert.equal((await cli.exited).code, 2)
  assert.match(cli.stderr(), /--inspect=PORT needs a port between 1 and 65534/)
})
