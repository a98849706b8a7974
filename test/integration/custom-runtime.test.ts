// Custom runtimes (provided, provided.al2, provided.al2023): the function's own `bootstrap`
// is started unchanged in its code folder and speaks the Runtime API. A C program compiled
// here with gcc stands for a Go or Rust binary; a shell script with curl is AWS's tutorial
// runtime. Bad bootstraps (missing, not executable, init error, exit) answer 500 and the
// gateway keeps serving.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGateway, type StartedGateway } from '../helpers/gateway.js'
import { fixturesDir } from '../helpers/paths.js'
import { http } from '../helpers/http.js'

const sources = join(fixturesDir, 'custom-runtime')
const INTERNAL_SERVER_ERROR = '{"message":"Internal Server Error"}'

function codeFolder(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-custom-runtime-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function api(dir: string, runtime: string, extra: Record<string, unknown> = {}): object {
  return {
    functions: { custom: { runtime, codeUri: dir, handler: 'function.handler', timeout: 3, ...extra } },
    apis: [
      {
        name: 'custom-api',
        apiId: 'customapi1',
        routes: [{ routeKey: '$default', target: 'integrations/custom' }],
        integrations: [{ integrationId: 'custom', integrationType: 'AWS_PROXY', integrationUri: 'custom', payloadFormatVersion: '2.0' }],
      },
    ],
  }
}

async function serve(t: TestContext, dir: string, runtime = 'provided.al2023', extra: Record<string, unknown> = {}): Promise<StartedGateway> {
  return startGateway(t, api(dir, runtime, extra))
}

test('a compiled C bootstrap (provided.al2023) serves requests warm; its stdout is in the function log', async (t) => {
  const dir = codeFolder(t)
  execFileSync('gcc', ['-O1', '-o', join(dir, 'bootstrap'), join(sources, 'bootstrap.c')])
  const { url, logs } = await serve(t, dir)
  const a = await http(url + '/hello', { method: 'POST', body: 'abc' })
  assert.equal(a.status, 200, a.text)
  assert.equal(a.headers['x-runtime'], 'c')
  assert.match(a.text, /^request [0-9a-f-]{36}, event of \d+ bytes, deadline set, cwd ok$/)
  const b = await http(url + '/again')
  assert.equal(b.status, 200)
  assert.equal(logs.filter((l) => l === 'c bootstrap ready, handler function.handler').length, 1, 'one cold start for both requests')
  const id = /request ([0-9a-f-]{36})/.exec(a.text)?.[1] ?? ''
  const start = logs.indexOf(`START RequestId: ${id} Version: $LATEST`)
  const end = logs.indexOf(`END RequestId: ${id}`)
  assert.ok(start >= 0 && logs.indexOf(`c bootstrap handling ${id}`) > start && end > logs.indexOf(`c bootstrap handling ${id}`), JSON.stringify(logs))
  assert.match(logs.find((l) => l.startsWith(`REPORT RequestId: ${id}\t`)) ?? '', /\tInit Duration: \d+\.\d{2} ms$/)
})

test('an error posted by a custom runtime answers 500 and keeps the environment', async (t) => {
  const dir = codeFolder(t)
  execFileSync('gcc', ['-O1', '-o', join(dir, 'bootstrap'), join(sources, 'bootstrap.c')])
  const { url, logs } = await serve(t, dir, 'provided.al2')
  const res = await http(url + '/fail')
  assert.equal(res.status, 500)
  assert.equal(res.text, INTERNAL_SERVER_ERROR)
  assert.equal((await http(url + '/ok')).status, 200)
  assert.equal(logs.filter((l) => l.startsWith('c bootstrap ready')).length, 1)
})

test('a shell-script bootstrap with curl (provided) answers, in its code folder', async (t) => {
  const dir = codeFolder(t)
  copyFileSync(join(sources, 'bootstrap.sh'), join(dir, 'bootstrap'))
  chmodSync(join(dir, 'bootstrap'), 0o755)
  const { url, logs } = await serve(t, dir, 'provided')
  const res = await http(url + '/x')
  assert.equal(res.status, 200, res.text)
  assert.match(res.text, /^handler function\.handler got \d+ bytes$/)
  assert.ok(logs.includes(`shell bootstrap started in ${dir}`), JSON.stringify(logs))
})

test('no bootstrap in the code folder: Runtime.InvalidEntrypoint in the log, 500, the gateway keeps serving', async (t) => {
  const dir = codeFolder(t)
  const { url, logs } = await serve(t, dir)
  const res = await http(url + '/x')
  assert.equal(res.status, 500)
  assert.equal(res.text, INTERNAL_SERVER_ERROR)
  assert.ok(logs.some((l) => l.includes('Runtime.InvalidEntrypoint') && l.includes(`Couldn't find valid bootstrap(s): [${join(dir, 'bootstrap')}]`)), JSON.stringify(logs))
  assert.equal((await http(url + '/y')).status, 500)
})

test('a bootstrap without its execute bit: Runtime.InvalidEntrypoint naming chmod', async (t) => {
  const dir = codeFolder(t)
  copyFileSync(join(sources, 'bootstrap.sh'), join(dir, 'bootstrap'))
  chmodSync(join(dir, 'bootstrap'), 0o644)
  const { url, logs } = await serve(t, dir)
  assert.equal((await http(url + '/x')).status, 500)
  assert.ok(logs.some((l) => l.includes('Runtime.InvalidEntrypoint') && l.includes('permission denied') && l.includes('chmod +x')), JSON.stringify(logs))
})

test('a runtime that posts /runtime/init/error: its error in the log (INIT_REPORT), 500', async (t) => {
  const dir = codeFolder(t)
  copyFileSync(join(sources, 'init-error.sh'), join(dir, 'bootstrap'))
  chmodSync(join(dir, 'bootstrap'), 0o755)
  const { url, logs } = await serve(t, dir)
  assert.equal((await http(url + '/x')).status, 500)
  assert.ok(logs.some((l) => l.includes('"errorType":"Runtime.ConfigMissing"') && l.includes('DATABASE_URL is not set')), JSON.stringify(logs))
  assert.ok(logs.some((l) => /^INIT_REPORT .*\tStatus: error\tError Type: Runtime.ConfigMissing$/.test(l)), JSON.stringify(logs))
})

for (const [how, script, message] of [
  ['exits before calling /next: Runtime.ExitError with its exit status', 'echo leaving\\nexit 7', 'exit status 7'],
  ['is ended by a signal: Runtime.ExitError naming the signal as Lambda does', 'kill -SEGV $$', 'signal: segmentation fault'],
] as const) {
  test(`a bootstrap that ${how}`, async (t) => {
    const dir = codeFolder(t)
    execFileSync('sh', ['-c', `printf '#!/bin/sh\\n${script}\\n' > "${join(dir, 'bootstrap')}" && chmod +x "${join(dir, 'bootstrap')}"`])
    const { url, logs } = await serve(t, dir)
    assert.equal((await http(url + '/x')).status, 500)
    assert.ok(logs.some((l) => l.includes(`Runtime exited with error: ${message}`)), JSON.stringify(logs))
  })
}

test('a bootstrap from a layer (Lambda\'s /opt/bootstrap) is used when the code folder has none; layers\' bin is on PATH', async (t) => {
  const code = codeFolder(t)
  const layer = codeFolder(t)
  execFileSync('sh', ['-c', `mkdir -p "${layer}/bin" && printf '#!/bin/sh\\necho layer-tool\\n' > "${layer}/bin/layer-tool" && chmod +x "${layer}/bin/layer-tool"`])
  execFileSync('sh', [
    '-c',
    `printf '%s\\n' '#!/bin/sh' 'API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"' 'while true; do' ` +
      `'  ID=$(curl -sS -D - -o /dev/null "$API/invocation/next" | grep -i "^Lambda-Runtime-Aws-Request-Id:" | cut -d: -f2 | tr -d "[:space:]")' ` +
      `'  curl -sS -o /dev/null -X POST "$API/invocation/$ID/response" -d "\\"$(layer-tool)\\""' 'done' > "${layer}/bootstrap" && chmod +x "${layer}/bootstrap"`,
  ])
  const { url } = await serve(t, code, 'provided.al2023', { layers: [layer] })
  const res = await http(url + '/x')
  assert.equal(res.status, 200, res.text)
  assert.equal(res.text, 'layer-tool')
})

test('a runtime that never calls /next: past the 10 s init limit its init is retried within the invocation, the function timeout ends it, with what each started', async (t) => {
  const dir = codeFolder(t)
  // The shell starts a child (sleep, for a number of seconds no one else sleeps) that must end with it.
  const marker = `sleep ${100_000 + Math.floor(Math.random() * 800_000)}`
  execFileSync('sh', ['-c', `printf '#!/bin/sh\\n${marker}\\n' > "${join(dir, 'bootstrap')}" && chmod +x "${join(dir, 'bootstrap')}"`])
  const { url, logs } = await serve(t, dir, 'provided.al2023', { timeout: 2 })
  const res = await http(url + '/x')
  assert.equal(res.status, 500)
  assert.equal(res.text, INTERNAL_SERVER_ERROR)
  assert.ok(logs.some((l) => /^INIT_REPORT Init Duration: 10000\.00 ms\tPhase: init\tStatus: timeout$/.test(l)), JSON.stringify(logs))
  assert.ok(logs.some((l) => / Task timed out after 2\.00 seconds$/.test(l)), JSON.stringify(logs))
  const { waitFor } = await import('../helpers/ws-client.js')
  await waitFor('the hung bootstrap and its sleep to end', () => !execFileSync('ps', ['-eo', 'args']).toString().includes(marker))
})
