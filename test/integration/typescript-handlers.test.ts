// TypeScript handlers for Node.js runtimes: `.ts`, `.mts` and `.cts` compiled on load with
// esbuild, source-mapped stack traces, compile errors named with file and line; the same
// handlers in a process of their own (`isolation: process`, the Runtime API with Gatehouse's
// Node.js bootstrap); and reload when any module a handler imports changes.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGateway, rejectsConfig } from '../helpers/gateway.js'
import { fixturesDir } from '../helpers/paths.js'
import { http, type HttpResult } from '../helpers/http.js'
import { eventually } from '../helpers/eventually.js'

const tsDir = join(fixturesDir, 'typescript')

function api(handler: string, fn: Record<string, unknown> = {}): object {
  return {
    functions: { ts: { handler, codeUri: tsDir, ...fn } },
    apis: [
      {
        name: 'ts',
        apiId: 'tsapi00001',
        routes: [{ routeKey: '$default', target: 'integrations/ts' }],
        integrations: [{ integrationId: 'ts', integrationType: 'AWS_PROXY', integrationUri: 'ts', payloadFormatVersion: '2.0' }],
      },
    ],
  }
}

for (const isolation of ['worker', 'process'] as const) {
  test(`a .ts handler importing a local .ts module answers (${isolation})`, async (t) => {
    const { url } = await startGateway(t, api('greet.handler', { isolation }))
    const res = await http(url + '/ada')
    assert.equal(res.status, 200, res.text)
    assert.equal(res.text, 'hello, ada (from TypeScript)')
  })

  test(`a .cts (CommonJS) callback handler answers (${isolation})`, async (t) => {
    const { url } = await startGateway(t, api('legacy.handler', { isolation }))
    const res = await http(url + '/')
    assert.equal(res.status, 200, res.text)
    assert.equal(res.text, 'hello, cts (from TypeScript)')
  })

  test(`an error thrown in a .mts handler has a stack trace naming the .mts file and line (${isolation})`, async (t) => {
    const { url, logs } = await startGateway(t, api('throws.handler', { isolation }))
    const res = await http(url + '/')
    assert.equal(res.status, 500)
    const line = logs.find((l) => l.includes('typed failure') && l.includes('ERROR'))
    assert.ok(line !== undefined, JSON.stringify(logs))
    assert.match(line, /throws\.mts:6:\d+/, line)
  })
}

test('a .ts handler with a syntax error is a config error naming the file and line', async (t) => {
  await rejectsConfig(t, api('broken.handler'), /handler module cannot be compiled: .*broken\.ts:2: Expected "}" but found ";"/)
})

test('process isolation: the Node.js handler runs in its own process with Lambda\'s variables', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-node-process-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(
    join(dir, 'app.mjs'),
    `export const handler = async (event, context) => ({ statusCode: 200, body: JSON.stringify({ pid: process.pid, api: process.env.AWS_LAMBDA_RUNTIME_API, exec: process.env.AWS_EXECUTION_ENV, fn: context.functionName, id: context.awsRequestId, remaining: context.getRemainingTimeInMillis() }) })\n`
  )
  const { url } = await startGateway(t, { ...api('app.handler', { isolation: 'process', runtime: 'nodejs22.x' }), functions: { ts: { handler: 'app.handler', codeUri: dir, isolation: 'process', runtime: 'nodejs22.x' } } })
  const body = (await http(url + '/')).json<{ pid: number; api: string; exec: string; fn: string; id: string; remaining: number }>()
  assert.notEqual(body.pid, process.pid)
  assert.match(body.api, /^127\.0\.0\.1:\d+$/)
  assert.equal(body.exec, 'AWS_Lambda_nodejs22.x')
  assert.equal(body.fn, 'ts')
  assert.ok(body.remaining > 0)
})

async function expectBody(url: string, body: string): Promise<HttpResult> {
  const res = await http(url)
  assert.equal(res.status, 200, `${res.status} ${res.text}`)
  assert.equal(res.text, body)
  return res
}

async function reloadingApp(t: TestContext, files: Record<string, string>, handler: string, fn: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-import-reload-'))
  let stop: (() => Promise<void>) | undefined
  t.after(async () => {
    await stop?.()
    rmSync(dir, { recursive: true, force: true })
  })
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  const configFile = join(dir, 'gatehouse.json')
  writeFileSync(configFile, JSON.stringify(api(handler, { codeUri: '.', ...fn })))
  const started = await startGateway(t, configFile, { watch: true })
  stop = () => started.gateway.stop()
  let n = 0
  return {
    url: started.url,
    replace(name: string, content: string) {
      const temp = join(dir, `.${name}.${++n}.tmp`)
      writeFileSync(temp, content)
      renameSync(temp, join(dir, name))
    },
  }
}

test('editing a module that a JavaScript handler imports (not the handler file) reloads the function', async (t) => {
  const app = await reloadingApp(
    t,
    { 'package.json': '{"type":"module"}', 'app.js': "import { word } from './words.js'\nexport const handler = async () => ({ statusCode: 200, body: word })\n", 'words.js': "export const word = 'one'\n" },
    'app.handler'
  )
  await expectBody(app.url + '/', 'one')
  app.replace('words.js', "export const word = 'two'\n")
  await eventually(() => expectBody(app.url + '/', 'two'), 'the imported module\'s new value')
})

test('editing a module that a TypeScript handler imports reloads it', async (t) => {
  const app = await reloadingApp(
    t,
    { 'app.ts': "import { word } from './words'\nexport const handler = async (): Promise<object> => ({ statusCode: 200, body: word })\n", 'words.ts': "export const word: string = 'one'\n" },
    'app.handler'
  )
  await expectBody(app.url + '/', 'one')
  app.replace('words.ts', "export const word: string = 'three'\n")
  await eventually(() => expectBody(app.url + '/', 'three'), 'the imported module\'s new value')
})

test('editing a Python handler module reloads it', async (t) => {
  const app = await reloadingApp(t, { 'app.py': "def handler(event, context):\n    return {'statusCode': 200, 'body': 'py-one'}\n" }, 'app.handler', { runtime: 'python3.11' })
  await expectBody(app.url + '/', 'py-one')
  app.replace('app.py', "def handler(event, context):\n    return {'statusCode': 200, 'body': 'py-two'}\n")
  await eventually(() => expectBody(app.url + '/', 'py-two'), 'the edited Python module')
})
