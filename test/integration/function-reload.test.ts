// A change to one function's code (or definition) restarts that function's environments and
// no other function's: a reload keeps the pools of unchanged functions, warm.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGateway } from '../helpers/gateway.js'
import { http } from '../helpers/http.js'
import { eventually } from '../helpers/eventually.js'

const counter = (label: string) => `let n = 0\nexport const handler = async () => ({ statusCode: 200, body: '${label}:' + (++n) })\n`
const pyCounter = (label: string) => `n = 0\n\ndef handler(event, context):\n    global n\n    n += 1\n    return {'statusCode': 200, 'body': '${label}:' + str(n)}\n`

function config(timeoutB = 3): string {
  return JSON.stringify({
    functions: {
      a: { handler: 'a.handler' },
      b: { handler: 'b.handler', timeout: timeoutB },
      py: { runtime: 'python3.11', codeUri: 'python', handler: 'py.handler' },
    },
    apis: [
      {
        name: 'r',
        routes: ['a', 'b', 'py'].map((f) => ({ routeKey: `GET /${f}`, target: `integrations/${f}` })),
        integrations: ['a', 'b', 'py'].map((f) => ({ integrationId: f, integrationType: 'AWS_PROXY', integrationUri: f, payloadFormatVersion: '2.0' })),
      },
    ],
  })
}

test('editing one function\'s module restarts only that function; the others stay warm', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-fn-reload-'))
  let stop: (() => Promise<void>) | undefined
  t.after(async () => {
    await stop?.()
    rmSync(dir, { recursive: true, force: true })
  })
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}')
  writeFileSync(join(dir, 'a.js'), counter('a1'))
  writeFileSync(join(dir, 'b.js'), counter('b'))
  mkdirSync(join(dir, 'python'))
  writeFileSync(join(dir, 'python', 'py.py'), pyCounter('py'))
  writeFileSync(join(dir, 'python', 'words.py'), "WORD = 'one'\n")
  const configFile = join(dir, 'gatehouse.json')
  writeFileSync(configFile, config())
  const { url, gateway } = await startGateway(t, configFile, { watch: true })
  stop = () => gateway.stop()
  const body = async (path: string) => (await http(url + path)).text
  assert.equal(await body('/a'), 'a1:1')
  assert.equal(await body('/b'), 'b:1')
  assert.equal(await body('/py'), 'py:1')
  const temp = join(dir, '.a.tmp')
  writeFileSync(temp, counter('a2'))
  renameSync(temp, join(dir, 'a.js'))
  await eventually(async () => assert.equal(await body('/a'), 'a2:1'), 'the edited function')
  assert.equal(await body('/b'), 'b:2', 'b kept its warm environment')
  assert.equal(await body('/py'), 'py:2', 'the Python function kept its warm environment')
  // A change to one function's definition restarts that one.
  writeFileSync(configFile, config(5))
  await eventually(async () => assert.equal(await body('/b'), 'b:1'), 'b restarted with its new timeout')
  assert.equal(await body('/py'), 'py:3')
  assert.equal(await body('/a'), 'a2:2')
  // Any file of a Python function's code folder (here a module it could import) restarts it.
  writeFileSync(join(dir, 'python', 'words.py'), "WORD = 'two'\n")
  await eventually(async () => assert.equal(await body('/py'), 'py:1'), 'the Python function restarted')
  assert.equal(await body('/a'), 'a2:3')
})
