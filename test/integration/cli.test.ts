import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, copyFileSync, cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { http } from '../helpers/http.js'
import { handlersDir, repoRoot } from '../helpers/paths.js'
import { spawnCli, WAIT_MS } from '../helpers/cli.js'

/** Runs a short command to completion. */
async function run(t: TestContext, args: readonly string[], cwd: string) {
  const cli = spawnCli(t, args, cwd)
  const timeout = setTimeout(() => cli.child.kill('SIGKILL'), WAIT_MS)
  const { code, signal } = await cli.exited
  clearTimeout(timeout)
  return { code, signal, stdout: cli.stdout(), stderr: cli.stderr() }
}

/** A handler that waits until the file named in the request body exists, then answers 200. */
const GATED_HANDLER = `import { existsSync } from 'node:fs'
export const handler = async (event) => {
  const { waitFor } = JSON.parse(event.body ?? '{}')
  while (waitFor && !existsSync(waitFor)) await new Promise((r) => setTimeout(r, 10))
  return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'finished' }
}
`

const GOOD_CONFIG = `functions:
  echo:
    handler: echo.handler
  echoV1:
    handler: echo-v1.handler
  gated:
    handler: gated.handler
    timeout: 60
apis:
  - name: cli-app
    apiId: cliapp001
    routes:
      - routeKey: GET /echo
        target: integrations/echo
      - routeKey: ANY /items/{id}
        target: integrations/byStage
      - routeKey: POST /gated
        target: integrations/gated
      - routeKey: $default
    integrations:
      - integrationId: echo
        integrationType: AWS_PROXY
        integrationUri: echo
        payloadFormatVersion: "2.0"
      - integrationId: byStage
        integrationType: AWS_PROXY
        integrationUri: arn:aws:lambda:us-east-1:123456789012:function:\${stageVariables.fn}
        payloadFormatVersion: "1.0"
        timeoutInMillis: 5000
      - integrationId: gated
        integrationType: AWS_PROXY
        integrationUri: gated
        payloadFormatVersion: "2.0"
    stages:
      - stageName: $default
        stageVariables:
          fn: echo
      - stageName: beta
        stageVariables:
          fn: echoV1
`

const BAD_CONFIG = `functions:
  echo:
    handler: echo.handler
  lost:
    handler: nowhere.handler
apis:
  - name: broken
    routes:
      - routeKey: GET /x/
        target: integrations/echo
      - routeKey: GET /y
        target: integrations/missing
    integrations:
      - integrationId: echo
        integrationType: AWS_PROXY
        integrationUri: echo
        payloadFormatVersion: "2.0"
`

function appDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  copyFileSync(join(handlersDir, 'echo.mjs'), join(dir, 'echo.mjs'))
  copyFileSync(join(handlersDir, 'echo-v1.mjs'), join(dir, 'echo-v1.mjs'))
  writeFileSync(join(dir, 'gated.mjs'), GATED_HANDLER)
  writeFileSync(join(dir, 'gatehouse.yaml'), GOOD_CONFIG)
  writeFileSync(join(dir, 'broken.yaml'), BAD_CONFIG)
  return dir
}

const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1

test('--help prints the usage with every command and exits 0; --version prints the version', async (t) => {
  const dir = appDir(t)
  const help = await run(t, ['--help'], dir)
  assert.equal(help.code, 0)
  assert.match(help.stdout, /^Usage: gatehouse <command> \[CONFIG\] \[options\]/)
  for (const command of ['serve [CONFIG]', 'validate [CONFIG]', 'routes [CONFIG]', '--port N', '--host H']) {
    assert.ok(help.stdout.includes(command), `usage mentions ${command}`)
  }
  assert.equal(help.stderr, '')
  const version = await run(t, ['--version'], dir)
  assert.equal(version.code, 0)
  assert.match(version.stdout, /^gatehouse \d+\.\d+\.\d+\n$/)
})

test('an unknown command exits 2 and names the command on stderr', async (t) => {
  const result = await run(t, ['frobnicate'], appDir(t))
  assert.equal(result.code, 2)
  assert.match(result.stderr, /unknown command "frobnicate"/)
  assert.match(result.stderr, /Usage: gatehouse/)
})

test('serve with a port that is not an integer in 0-65535 exits 2 without serving', async (t) => {
  const dir = appDir(t)
  for (const port of ['abc', '70000', '3.5']) {
    const result = await run(t, ['serve', 'gatehouse.yaml', '--port', port], dir)
    assert.equal(result.code, 2, `--port ${port}`)
    assert.match(result.stderr, /--port must be an integer between 0 and 65535/)
    assert.doesNotMatch(result.stdout, /listening/i)
  }
})

test('validate on a good config exits 0 and summarises it', async (t) => {
  const result = await run(t, ['validate', 'gatehouse.yaml'], appDir(t))
  assert.equal(result.code, 0, result.stdout + result.stderr)
  assert.match(result.stdout, /gatehouse\.yaml is valid: 1 API\(s\) \(1 HTTP, 0 WebSocket\), 4 route\(s\), 3 function\(s\)/)
})

test('validate and routes read ./gatehouse.yaml when no CONFIG is given', async (t) => {
  const dir = appDir(t)
  const validate = await run(t, ['validate'], dir)
  assert.equal(validate.code, 0, validate.stdout + validate.stderr)
  assert.match(validate.stdout, /^\.\/gatehouse\.yaml is valid: /)
  const routes = await run(t, ['routes'], dir)
  assert.equal(routes.code, 0, routes.stderr)
  assert.match(routes.stdout, /^API cli-app \(cliapp001\)/)
})

test('validate on a bad config prints every problem as file:line: path: message and exits 1', async (t) => {
  const result = await run(t, ['validate', 'broken.yaml'], appDir(t))
  assert.equal(result.code, 1)
  const lines = result.stdout.trimEnd().split('\n')
  const problems = lines.filter((l) => /^\S+:\d+: /.test(l))
  const expected = [
    new RegExp(`^broken\\.yaml:${lineOf(BAD_CONFIG, 'handler: nowhere.handler')}: functions\\.lost\\.handler: handler module not found: tried `),
    new RegExp(`^broken\\.yaml:${lineOf(BAD_CONFIG, 'routeKey: GET /x/')}: apis\\[0\\]\\.routes\\[0\\]\\.routeKey: invalid route key "GET /x/"`),
    new RegExp(`^broken\\.yaml:${lineOf(BAD_CONFIG, 'integrations/missing')}: apis\\[0\\]\\.routes\\[1\\]\\.target: integration "missing" does not exist`),
  ]
  for (const pattern of expected) {
    assert.equal(problems.filter((l) => pattern.test(l)).length, 1, `one line matches ${pattern}:\n${result.stdout}`)
  }
  assert.equal(problems.length, expected.length, result.stdout)
  assert.equal(lines.at(-1), '3 problems found')
})

test('routes prints the route table of each API and stage, with stage variables resolved', async (t) => {
  const result = await run(t, ['routes', 'gatehouse.yaml'], appDir(t))
  assert.equal(result.code, 0, result.stderr)
  const blocks = result.stdout.trim().split(/\n\s*\n/)
  assert.equal(blocks.length, 2, result.stdout)
  const [first, second] = blocks as [string, string]
  assert.match(first, /^API cli-app \(cliapp001\)\s+stage \$default\n/)
  assert.match(second, /^API cli-app \(cliapp001\)\s+stage beta\n/)
  for (const block of blocks) {
    assert.match(block, /\n\s+ROUTE KEY\s+INTEGRATION\n/)
    assert.match(block, /\n\s+GET \/echo\s+AWS_PROXY lambda:echo \(payload 2\.0, timeout 30000 ms\)/)
    assert.match(block, /\n\s+POST \/gated\s+AWS_PROXY lambda:gated/)
    assert.match(block, /\n\s+\$default\s+\(none: answers 404\)/)
  }
  // The stage-variable integration resolves to a different function per stage.
  assert.match(first, /\n\s+ANY \/items\/\{id\}\s+AWS_PROXY lambda:echo \(payload 1\.0, timeout 5000 ms\)/)
  assert.match(second, /\n\s+ANY \/items\/\{id\}\s+AWS_PROXY lambda:echoV1 \(payload 1\.0, timeout 5000 ms\)/)
})

test('routes on a bad config exits 1 and prints the problems to stderr', async (t) => {
  const result = await run(t, ['routes', 'broken.yaml'], appDir(t))
  assert.equal(result.code, 1)
  assert.equal(result.stdout, '')
  assert.match(result.stderr, /^broken\.yaml:\d+: apis\[0\]\.routes\[0\]\.routeKey: /m)
})

test('serve on a broken config exits 1 and prints the problems to stderr', async (t) => {
  const result = await run(t, ['serve', 'broken.yaml', '--port', '0'], appDir(t))
  assert.equal(result.code, 1)
  assert.doesNotMatch(result.stdout, /listening/i)
  assert.match(result.stderr, new RegExp(`^broken\\.yaml:${lineOf(BAD_CONFIG, 'routeKey: GET /x/')}: apis\\[0\\]\\.routes\\[0\\]\\.routeKey: invalid route key`, 'm'))
  assert.match(result.stderr, /^broken\.yaml:\d+: functions\.lost\.handler: handler module not found/m)
  assert.match(result.stderr, /^broken\.yaml:\d+: apis\[0\]\.routes\[1\]\.target: /m)
  assert.match(result.stderr, /3 problem\(s\); not serving/)
})

test('serve --port 0 prints the URL once ready and answers requests on it', async (t) => {
  const cli = spawnCli(t, ['serve', 'gatehouse.yaml', '--port', '0'], appDir(t))
  const [, url, port] = await cli.waitFor('stdout', /(http:\/\/127\.0\.0\.1:(\d+))/)
  assert.ok(url !== undefined && Number(port) > 0)
  const echo = await http(url + '/echo')
  assert.equal(echo.status, 200)
  assert.equal(echo.json<{ routeKey: string }>().routeKey, 'GET /echo')
  const beta = await http(url + '/beta/items/9')
  assert.equal(beta.status, 200)
  assert.equal(beta.json<{ version: string; resource: string }>().version, '1.0', 'the beta stage resolves fn to the 1.0 echo')
  const missing = await http(url + '/nowhere')
  assert.equal(missing.status, 404)
  assert.equal(missing.text, '{"message":"Not Found"}')
  // Function logs go to stdout with START/END/REPORT lines.
  await cli.waitFor('stdout', /^REPORT RequestId: /m)
  cli.child.kill('SIGTERM')
  assert.deepEqual(await cli.exited, { code: 0, signal: null })
})

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`serve exits 0 on ${signal} after letting a request in flight finish with 200`, async (t) => {
    const dir = appDir(t)
    const cli = spawnCli(t, ['serve', 'gatehouse.yaml', '--port', '0'], dir)
    const [, url] = await cli.waitFor('stdout', /(http:\/\/127\.0\.0\.1:\d+)/)
    assert.ok(url !== undefined)
    const gate = join(dir, 'gate')
    const inFlight = http(url + '/gated', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ waitFor: gate }),
    })
    // In flight once the invocation has started.
    await cli.waitFor('stdout', /^START RequestId: /m)
    cli.child.kill(signal)
    // The gateway has seen the signal and is draining; only now let the handler finish.
    await cli.waitFor('stderr', new RegExp(`Received ${signal}; finishing requests in flight`))
    writeFileSync(gate, '')
    const res = await inFlight
    assert.equal(res.status, 200)
    assert.equal(res.text, 'finished')
    assert.deepEqual(await cli.exited, { code: 0, signal: null })
    assert.match(cli.stderr(), /Stopped/)
  })
}

/** A copy of examples/chat (a WebSocket-only config) in a temp dir. */
function chatDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-chat-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  cpSync(join(repoRoot, 'examples', 'chat'), dir, { recursive: true })
  // Its handlers import the SDK: resolve packages as from the repository.
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir')
  return dir
}

test('validate counts WebSocket APIs and their routes (the chat example is 1 API, not 0)', async (t) => {
  const result = await run(t, ['validate', 'gatehouse.yaml'], chatDir(t))
  assert.equal(result.code, 0, result.stdout + result.stderr)
  assert.match(result.stdout, /gatehouse\.yaml is valid: 1 API\(s\) \(0 HTTP, 1 WebSocket\), 4 route\(s\), 4 function\(s\)/)
})

test('routes lists WebSocket routes per stage (the chat example prints its table, not nothing)', async (t) => {
  const result = await run(t, ['routes', 'gatehouse.yaml'], chatDir(t))
  assert.equal(result.code, 0, result.stderr)
  const blocks = result.stdout.trim().split(/\n\s*\n/)
  assert.equal(blocks.length, 1, result.stdout)
  const [block] = blocks as [string]
  assert.match(block, /^WebSocket API chat \(chat000001\)\s+stage prod\s+route selection \$request\.body\.action\n/)
  assert.match(block, /\n\s+\$connect\s+AWS_PROXY lambda:onconnect \(timeout \d+ ms\)/)
  assert.match(block, /\n\s+\$disconnect\s+AWS_PROXY lambda:ondisconnect/)
  assert.match(block, /\n\s+sendmessage\s+AWS_PROXY lambda:sendmessage/)
  assert.match(block, /\n\s+\$default\s+AWS_PROXY lambda:usage/)
})

test('the reload log counts WebSocket APIs (apis=1 websocketApis=1 on the chat example, not apis=0)', async (t) => {
  const dir = chatDir(t)
  const cli = spawnCli(t, ['serve', 'gatehouse.yaml', '--port', '0', '--host', '127.0.0.1'], dir)
  await cli.waitFor('stdout', /listening/i)
  appendFileSync(join(dir, 'gatehouse.yaml'), '\n# touched\n')
  const [line] = await cli.waitFor('stderr', /Configuration reloaded.*\n/)
  assert.match(line ?? '', /apis[=:]\s*1\b/)
  assert.match(line ?? '', /httpApis[=:]\s*0\b/)
  assert.match(line ?? '', /websocketApis[=:]\s*1\b/)
})

test('validate loads handler modules: a syntax error or a failing import is a problem at the handler file and line, and exits 1', async (t) => {
  const dir = appDir(t)
  writeFileSync(join(dir, 'gated.mjs'), 'export const handler = async () => {\n  return { statusCode: 200 \n}\nconst broken = ;\n')
  writeFileSync(join(dir, 'echo-v1.mjs'), "import { nothing } from 'node:fs'\nexport const handler = async () => ({})\n")
  const result = await run(t, ['validate', 'gatehouse.yaml'], dir)
  assert.equal(result.code, 1, result.stdout)
  assert.match(result.stdout, /^gated\.mjs:4: functions\.gated\.handler: handler module cannot be loaded: SyntaxError: Unexpected token ';'$/m)
  assert.match(result.stdout, /^echo-v1\.mjs:1: functions\.echoV1\.handler: handler module cannot be loaded: SyntaxError: .*does not provide an export named 'nothing'$/m)
  assert.match(result.stdout, /2 problems found\n$/)
})

test('validate loads each handler with its function\'s environment: top-level code reading a variable only that environment sets passes; without it, the throw is reported at its line', async (t) => {
  const dir = appDir(t)
  writeFileSync(join(dir, 'needs-env.mjs'), "if (process.env.TABLE_NAME === undefined) {\n  throw new Error('TABLE_NAME is not set')\n}\nexport const handler = async () => ({ statusCode: 200 })\n")
  const yaml = (env: string) => `functions:
  table:
    handler: needs-env.handler
${env}apis:
  - name: env-app
    routes:
      - routeKey: GET /t
        target: integrations/t
    integrations:
      - integrationId: t
        integrationType: AWS_PROXY
        integrationUri: table
        payloadFormatVersion: "2.0"
`
  writeFileSync(join(dir, 'with-env.yaml'), yaml('    environment:\n      TABLE_NAME: orders\n'))
  writeFileSync(join(dir, 'without-env.yaml'), yaml(''))
  const good = await run(t, ['validate', 'with-env.yaml'], dir)
  assert.equal(good.code, 0, good.stdout + good.stderr)
  const bad = await run(t, ['validate', 'without-env.yaml'], dir)
  assert.equal(bad.code, 1, bad.stdout)
  assert.match(bad.stdout, /^needs-env\.mjs:2: functions\.table\.handler: handler module cannot be loaded: Error: TABLE_NAME is not set$/m)
})
