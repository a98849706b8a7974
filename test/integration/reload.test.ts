import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Logger } from '../../src/index.js'
import { startGateway, type StartedGateway } from '../helpers/gateway.js'
import { http, type HttpResult } from '../helpers/http.js'
import { handlersDir } from '../helpers/paths.js'
import { eventually } from '../helpers/eventually.js'

// Reloading: a changed config or handler file is compiled into a new snapshot that is
// swapped in atomically; a broken edit leaves the running snapshot serving.

/** A handler that answers with `version`; it can wait for a gate file to exist first. */
const appHandler = (version: string): string => `import { existsSync } from 'node:fs'
export const handler = async (event) => {
  const script = event.body ? JSON.parse(event.body) : {}
  while (script.waitFor && !existsSync(script.waitFor)) await new Promise((r) => setTimeout(r, 10))
  return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(version)} }
}
`

const route = (routeKey: string, integration: string): string => `      - routeKey: ${routeKey}
        target: integrations/${integration}
`

interface ConfigParts {
  readonly routes?: string
  readonly functions?: string
  readonly integrations?: string
}

const integration = (id: string, fn: string): string => `      - integrationId: ${id}
        integrationType: AWS_PROXY
        integrationUri: ${fn}
        payloadFormatVersion: "2.0"
`

/** `ANY /app` on the versioned handler and `GET /echo` on the fixture echo handler, plus extras. */
const config = (extra: ConfigParts = {}): string => `functions:
  app:
    handler: app.handler
    timeout: 30
  echo:
    handler: echo.handler
${extra.functions ?? ''}apis:
  - name: reloading
    apiId: reload001
    routes:
${route('ANY /app', 'app')}${route('GET /echo', 'echo')}${extra.routes ?? ''}    integrations:
${integration('app', 'app')}${integration('echo', 'echo')}${extra.integrations ?? ''}`

interface App {
  readonly dir: string
  readonly configFile: string
  readonly started: StartedGateway
  /** Replaces a file the way editors save: write a temporary file, rename it over. */
  replace(name: string, content: string): void
}

async function startApp(t: TestContext, watch: boolean, logger?: Logger): Promise<App> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-reload-'))
  let started: StartedGateway | undefined
  // Registered first, so it runs first: stop the gateway (and its watcher), then remove the files.
  t.after(async () => {
    await started?.gateway.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n')
  copyFileSync(join(handlersDir, 'echo.mjs'), join(dir, 'echo.mjs'))
  writeFileSync(join(dir, 'app.js'), appHandler('v1'))
  const configFile = join(dir, 'gatehouse.yaml')
  writeFileSync(configFile, config())
  started = await startGateway(t, configFile, logger !== undefined ? { watch, logger } : { watch })
  let counter = 0
  return {
    dir,
    configFile,
    started,
    replace(name, content) {
      const temp = join(dir, `.${name}.${++counter}.tmp`)
      writeFileSync(temp, content)
      renameSync(temp, join(dir, name))
    },
  }
}

async function expectBody(url: string, body: string): Promise<HttpResult> {
  const res = await http(url)
  assert.equal(res.status, 200, `${url}: ${res.status} ${res.text}`)
  assert.equal(res.text, body)
  return res
}

async function expectStatus(url: string, status: number): Promise<HttpResult> {
  const res = await http(url)
  assert.equal(res.status, status, `${url}: ${res.status} ${res.text}`)
  return res
}

test('editing a handler file while watching makes the next requests run the new code', async (t) => {
  const app = await startApp(t, true)
  const { url } = app.started
  await expectBody(url + '/app', 'v1')
  // Edited in place (truncate and write), as some editors and tools do.
  writeFileSync(join(app.dir, 'app.js'), appHandler('v2'))
  await eventually(() => expectBody(url + '/app', 'v2'), 'the edited handler to be served')
  // A second edit, saved editor-style (write a new file and rename it over the old one).
  app.replace('app.js', appHandler('v3'))
  await eventually(() => expectBody(url + '/app', 'v3'), 'the replaced handler to be served')
  // The other function kept working throughout.
  await expectStatus(url + '/echo', 200)
})

test('editing gatehouse.yaml to add a route while watching serves the new route', async (t) => {
  const app = await startApp(t, true)
  const { url, gateway } = app.started
  await expectStatus(url + '/added', 404)
  app.replace('gatehouse.yaml', config({ routes: route('GET /added', 'echo') }))
  const res = await eventually(() => expectStatus(url + '/added', 200), 'the added route to be served')
  assert.equal(res.json<{ routeKey: string }>().routeKey, 'GET /added')
  assert.ok(gateway.config.apis[0]?.routes.some((r) => r.routeKey === 'GET /added'))
  await expectBody(url + '/app', 'v1')
})

test('a broken config edit keeps the old config serving, and fixing it reloads again', async (t) => {
  const app = await startApp(t, true)
  const { url, gateway } = app.started
  const before = gateway.config

  // Break it: a bad route key beside a new good route.
  app.replace('gatehouse.yaml', config({ routes: route('GET /broken/', 'echo') + route('GET /fixed', 'echo') }))
  const result = await gateway.reload()
  assert.equal(result.ok, false)
  assert.ok(!result.ok)
  assert.ok(result.issues.length >= 1)
  const issue = result.issues.find((i) => i.path === 'apis[0].routes[2].routeKey')
  assert.ok(issue !== undefined, JSON.stringify(result.issues))
  assert.equal(issue.file, app.configFile)
  assert.match(issue.message, /One or more path parts appear to be invalid/)

  // Still the old snapshot: same config object, old routes answer, the new one does not exist.
  assert.equal(gateway.config, before)
  await expectBody(url + '/app', 'v1')
  await expectStatus(url + '/echo', 200)
  await expectStatus(url + '/fixed', 404)

  // Fix it: the watcher reloads without being asked.
  app.replace('gatehouse.yaml', config({ routes: route('GET /fixed', 'echo') }))
  await eventually(() => expectStatus(url + '/fixed', 200), 'the fixed config to be served')
  assert.notEqual(gateway.config, before)
  await expectBody(url + '/app', 'v1')
})

test('a config naming a missing handler keeps the old config serving, and creating the file reloads it', async (t) => {
  const gatewayLog: string[] = []
  const record = (message: string) => void gatewayLog.push(message)
  const app = await startApp(t, true, { debug: record, info: record, warn: record, error: record })
  const { url, gateway } = app.started
  app.replace(
    'gatehouse.yaml',
    config({
      functions: '  late:\n    handler: late.handler\n',
      routes: route('GET /late', 'late'),
      integrations: integration('late', 'late'),
    })
  )
  // Let the watcher's own reload of this edit happen (and fail) first, so that only the
  // creation of late.js below can make the next reload succeed.
  await eventually(async () => assert.ok(gatewayLog.some((m) => m.startsWith('Reload failed'))), 'the watcher to try the broken config')
  const result = await gateway.reload()
  assert.ok(!result.ok, 'the reload must fail while late.js is missing')
  assert.ok(result.issues.some((i) => i.path === 'functions.late.handler' && /handler module not found/.test(i.message)), JSON.stringify(result.issues))
  await expectStatus(url + '/late', 404)
  await expectBody(url + '/app', 'v1')
  // Creating the missing module is a change to a file the broken config names: it reloads.
  app.replace('late.js', appHandler('late'))
  await eventually(() => expectBody(url + '/late', 'late'), 'the config to reload once late.js exists', 5_000)
})

test('a handler edit with a syntax error is named at reload with its file and line; the rest of the config reloads and keeps serving', async (t) => {
  const gatewayLog: string[] = []
  const record = (message: string) => void gatewayLog.push(message)
  const app = await startApp(t, false, { debug: record, info: record, warn: record, error: record })
  const { url, gateway } = app.started
  await expectBody(url + '/app', 'v1')
  // Break app.js (line 3) and add a route in the same reload.
  app.replace('app.js', 'export const handler = async () => {\n  return {\n    statusCode: 200,, body: "v2" }\n}\n')
  app.replace('gatehouse.yaml', config({ routes: route('GET /more', 'echo') }))
  const result = await gateway.reload()
  assert.ok(result.ok, JSON.stringify(result))
  const broken = result.brokenHandlers ?? []
  assert.equal(broken.length, 1, JSON.stringify(broken))
  const issue = broken[0]
  assert.ok(issue !== undefined)
  assert.equal(issue.file, join(app.dir, 'app.js'))
  assert.equal(issue.line, 3)
  assert.equal(issue.path, 'functions.app.handler')
  assert.match(issue.message, /^handler module cannot be loaded: SyntaxError: /)
  assert.ok(gatewayLog.some((m) => /Function app cannot be loaded/.test(m)), gatewayLog.join('\n'))
  assert.ok(gatewayLog.some((m) => m.includes(`${join(app.dir, 'app.js')}:3`)), gatewayLog.join('\n'))
  // Everything else reloaded: the new route and the other function serve.
  await expectStatus(url + '/more', 200)
  await expectStatus(url + '/echo', 200)
  // The broken function answers with an error, not a hang.
  const res = await http(url + '/app')
  assert.equal(res.status, 500)
  // Fixing it clears the problem.
  app.replace('app.js', appHandler('v3'))
  assert.deepEqual(await gateway.reload(), { ok: true })
  await eventually(() => expectBody(url + '/app', 'v3'), 'the fixed handler')
})

test('a request in flight during a reload finishes on the old snapshot with 200', async (t) => {
  const app = await startApp(t, false)
  const { url, gateway, logs } = app.started
  const gate = join(app.dir, 'gate')
  let answered = false
  const inFlight = http(url + '/app', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ waitFor: gate }),
  }).then((res) => {
    answered = true
    return res
  })
  // The invocation has started once its START line is logged.
  await eventually(async () => assert.ok(logs.some((l) => l.startsWith('START RequestId:'))), 'the invocation to start')

  app.replace('app.js', appHandler('v2'))
  app.replace('gatehouse.yaml', config({ routes: route('GET /added', 'echo') }))
  assert.deepEqual(await gateway.reload(), { ok: true })
  assert.equal(answered, false, 'the request is still waiting on its gate')
  // New requests already run on the new snapshot (its new route exists)...
  await expectStatus(url + '/added', 200)
  await expectBody(url + '/app', 'v2')
  assert.equal(answered, false)
  // ...while the one in flight completes on the old one.
  writeFileSync(gate, '')
  const res = await inFlight
  assert.equal(res.status, 200)
  assert.equal(res.text, 'v1')
})

test('gateway.reload() without watch applies handler and config edits only when called', async (t) => {
  const app = await startApp(t, false)
  const { url, gateway } = app.started
  // Warm the function's environment first: it has loaded v1 and is reused while warm.
  await expectBody(url + '/app', 'v1')
  app.replace('app.js', appHandler('v2'))
  app.replace('gatehouse.yaml', config({ routes: route('GET /added', 'app') }))
  // Without a watcher nothing changes by itself.
  await expectBody(url + '/app', 'v1')
  await expectStatus(url + '/added', 404)

  assert.deepEqual(await gateway.reload(), { ok: true })
  await expectBody(url + '/app', 'v2')
  await expectBody(url + '/added', 'v2')

  // A failed reload without watch also keeps serving.
  app.replace('gatehouse.yaml', 'apis: nope\n')
  const failed = await gateway.reload()
  assert.equal(failed.ok, false)
  await expectBody(url + '/added', 'v2')
})
