// Python functions in process environments over the Runtime API, with Gatehouse's bootstrap
// (runtimes/python/bootstrap.py) on the machine's python3: payload 1.0 and 2.0, the context
// object and variables, warm reuse, errors in Lambda's shape, the log, init errors, crashes,
// timeouts, memory, layers.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startGateway, type StartedGateway } from '../helpers/gateway.js'
import { fixturesDir } from '../helpers/paths.js'
import { http, type HttpResult } from '../helpers/http.js'

const pythonDir = join(fixturesDir, 'python')
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const INTERNAL_SERVER_ERROR = '{"message":"Internal Server Error"}'

function pythonApi(fn: Record<string, unknown>, payloadFormatVersion: '1.0' | '2.0' = '2.0'): object {
  return {
    functions: { py: { runtime: 'python3.11', codeUri: pythonDir, timeout: 3, ...fn } },
    apis: [
      {
        name: 'py-api',
        apiId: 'pyapi00001',
        routes: [{ routeKey: '$default', target: 'integrations/py' }],
        integrations: [{ integrationId: 'py', integrationType: 'AWS_PROXY', integrationUri: 'py', payloadFormatVersion }],
      },
    ],
  }
}

interface Echo {
  invocations: number
  aws_request_id: string
  function_name: string
  function_version: string
  invoked_function_arn: string
  memory_limit_in_mb: string
  log_group_name: string
  log_stream_name: string
  remaining: number
  cwd: string
  env: Record<string, string | null>
  method: string
  version: string | null
}

/** A process's state letter (T: stopped, Z: ended, not yet reaped), parent and process group from /proc/<pid>/stat; undefined once it is gone. */
function procStat(pid: number): { state: string; ppid: number; pgrp: number } | undefined {
  let raw: string
  try {
    raw = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // The command name, in parentheses, may hold spaces: the fields start after its last ')'.
  const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ')
  return { state: fields[0] as string, ppid: Number(fields[1]), pgrp: Number(fields[2]) }
}

function run(url: string, script: object = {}): Promise<HttpResult> {
  return http(url + '/run', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(script) })
}

async function python(t: TestContext, fn: Record<string, unknown> = {}, format: '1.0' | '2.0' = '2.0'): Promise<StartedGateway> {
  return startGateway(t, pythonApi({ handler: 'scripted.handler', ...fn }, format))
}

test('a Python handler answers payload 2.0 requests, warm: module state persists, each invocation has its own request id', async (t) => {
  const { url } = await python(t)
  const a = await run(url)
  assert.equal(a.status, 200, a.text)
  assert.equal(a.headers['content-type'], 'application/json')
  const b = await run(url)
  const [ea, eb] = [a.json<Echo>(), b.json<Echo>()]
  assert.deepEqual([ea.invocations, eb.invocations], [1, 2])
  assert.match(ea.aws_request_id, UUID)
  assert.notEqual(ea.aws_request_id, eb.aws_request_id)
  assert.equal(ea.method, 'POST')
  assert.equal(ea.version, '2.0')
})

test('payload 1.0 events reach a Python handler', async (t) => {
  const { url } = await python(t, {}, '1.0')
  const res = await run(url)
  assert.equal(res.status, 200, res.text)
  assert.equal(res.json<Echo>().method, 'POST')
  assert.equal(res.json<Echo>().version, '1.0')
})

test('the context object and the variables Lambda sets; the working directory is the code folder', async (t) => {
  const { url } = await python(t, { memorySize: 256, environment: { GREETING: 'hi' } })
  const e = (await run(url)).json<Echo>()
  assert.equal(e.function_name, 'py')
  assert.equal(e.function_version, '$LATEST')
  assert.equal(e.invoked_function_arn, 'arn:aws:lambda:us-east-1:123456789012:function:py')
  assert.equal(e.memory_limit_in_mb, '256', 'a string, as in AWS\'s Python runtime')
  assert.equal(e.log_group_name, '/aws/lambda/py')
  assert.match(e.log_stream_name, /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/)
  assert.ok(e.remaining > 0 && e.remaining <= 3000, String(e.remaining))
  assert.equal(e.cwd, pythonDir)
  assert.match(e.env['AWS_LAMBDA_RUNTIME_API'] ?? '', /^127\.0\.0\.1:\d+$/)
  assert.equal(e.env['_HANDLER'], 'scripted.handler')
  assert.equal(e.env['LAMBDA_TASK_ROOT'], pythonDir)
  assert.equal(e.env['AWS_LAMBDA_FUNCTION_NAME'], 'py')
  assert.equal(e.env['AWS_LAMBDA_FUNCTION_VERSION'], '$LATEST')
  assert.equal(e.env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'], '256')
  assert.equal(e.env['AWS_REGION'], 'us-east-1')
  assert.equal(e.env['AWS_EXECUTION_ENV'], 'AWS_Lambda_python3.11')
  assert.equal(e.env['TZ'], ':UTC')
  assert.ok((e.env['AWS_ACCESS_KEY_ID'] ?? '').length > 0, 'credentials are set as for Node.js environments')
  assert.match(e.env['_X_AMZN_TRACE_ID'] ?? '', /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/)
  assert.equal(e.env['GREETING'], 'hi')
})

test("the context's names are read from os.environ per invocation, as AWS's runtime reads them: a variable the function changes shows in the next context", async (t) => {
  const { url } = await python(t)
  const first = (await run(url, { setenv: { AWS_LAMBDA_FUNCTION_NAME: 'renamed-é', AWS_LAMBDA_FUNCTION_VERSION: '7' } })).json<Echo>()
  assert.deepEqual([first.function_name, first.function_version], ['py', '$LATEST'], 'the context of this invocation was made before the change')
  const second = (await run(url)).json<Echo>()
  assert.deepEqual([second.function_name, second.function_version, second.memory_limit_in_mb], ['renamed-é', '7', '128'])
})

test('the bootstrap speaks the Runtime API over the socket pair it is handed; the handler sees neither its variable nor its descriptor', async (t) => {
  const { url } = await python(t)
  for (let i = 0; i < 2; i++) {
    const res = await run(url, { channel: true })
    assert.equal(res.status, 200)
    // AF_UNIX: the socket pair, not a TCP connection to AWS_LAMBDA_RUNTIME_API (still set, above).
    assert.deepEqual(res.json(), { family: 'AF_UNIX', variable: null, childHasFd3: false })
  }
})

test('print and logging go to the function log between START and END; REPORT has Init Duration on the cold start only', async (t) => {
  const { url, logs } = await python(t)
  const first = (await run(url, { print: ['printed line'], log: 'a warning' })).json<Echo>()
  const second = (await run(url)).json<Echo>()
  const start = logs.indexOf(`START RequestId: ${first.aws_request_id} Version: $LATEST`)
  const end = logs.indexOf(`END RequestId: ${first.aws_request_id}`)
  assert.ok(start >= 0 && end > start, JSON.stringify(logs))
  const between = logs.slice(start + 1, end)
  assert.ok(between.includes('printed line'), JSON.stringify(logs))
  const warning = between.find((l) => l.startsWith('[WARNING]'))
  assert.match(warning ?? '', new RegExp(`^\\[WARNING\\]\\t\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z\\t${first.aws_request_id}\\ta warning$`))
  const report1 = logs.find((l) => l.startsWith(`REPORT RequestId: ${first.aws_request_id}\t`)) ?? ''
  const report2 = logs.find((l) => l.startsWith(`REPORT RequestId: ${second.aws_request_id}\t`)) ?? ''
  assert.match(report1, /\tMemory Size: 128 MB\tMax Memory Used: [1-9]\d* MB\tInit Duration: \d+\.\d{2} ms$/)
  assert.doesNotMatch(report2, /Init Duration/)
})

test('an exception answers 500 and is logged in Lambda\'s [ERROR] format; the environment stays warm', async (t) => {
  const { url, logs } = await python(t)
  const res = await run(url, { raise: 'bad input' })
  assert.equal(res.status, 500)
  assert.equal(res.text, INTERNAL_SERVER_ERROR)
  const error = logs.find((l) => l.startsWith('[ERROR] ValueError: bad input'))
  assert.ok(error !== undefined, JSON.stringify(logs))
  assert.match(error, /\rTraceback \(most recent call last\):\r {2}File ".*scripted\.py", line \d+, in handler/)
  assert.equal((await run(url)).json<Echo>().invocations, 2, 'the same environment serves the next request')
})

test('the error a function returns has Lambda\'s shape {errorMessage, errorType, requestId, stackTrace} (direct invoke through the pool)', async (t) => {
  const { FunctionPool } = await import('../../src/functions/index.js')
  const { loadConfigObject } = await import('../../src/config/index.js')
  const loaded = loadConfigObject(pythonApi({ handler: 'scripted.handler' }), pythonDir)
  assert.ok(loaded.ok)
  const fn = loaded.config.functions.get('py')
  assert.ok(fn !== undefined)
  const pool = new FunctionPool(fn, { onLog: null, region: 'us-east-1', baseDir: pythonDir })
  t.after(() => pool.destroy())
  const ok = await pool.invoke(JSON.stringify({ body: JSON.stringify({ return: { a: [1, 2.5, 'x', null] } }) }), 3000)
  assert.deepEqual(ok.status === 'ok' ? JSON.parse(ok.payload) : ok, { a: [1, 2.5, 'x', null] })
  const failed = await pool.invoke(JSON.stringify({ body: JSON.stringify({ raise: 'nope' }) }), 3000)
  assert.equal(failed.status, 'function-error')
  if (failed.status !== 'function-error') return
  assert.equal(failed.error.errorType, 'ValueError')
  assert.equal(failed.error.errorMessage, 'nope')
  assert.match(failed.error.trace[0] ?? '', /^ {2}File ".*scripted\.py", line \d+, in handler\n/)
  assert.ok(!failed.error.trace.some((l) => l.includes('bootstrap.py')), 'the runtime\'s own frames are left out')
})

test('a module that fails to import: Runtime.ImportModuleError in the log, 500, and the gateway keeps serving', async (t) => {
  const { url, logs } = await python(t, { handler: 'import_error.handler' })
  const res = await run(url)
  assert.equal(res.status, 500)
  assert.equal(res.text, INTERNAL_SERVER_ERROR)
  assert.ok(logs.some((l) => l.includes("[ERROR] Runtime.ImportModuleError: Unable to import module 'import_error': No module named 'not_a_module_anywhere'")), JSON.stringify(logs))
  assert.ok(logs.some((l) => /^INIT_REPORT Init Duration: \d+\.\d{2} ms\tPhase: init\tStatus: error\tError Type: Runtime.ImportModuleError$/.test(l)), JSON.stringify(logs))
  assert.equal((await run(url)).status, 500, 'every invocation tries a new environment and fails the same way')
})

test('an exception raised while the module loads is an init error with its own type; a missing handler function is Runtime.HandlerNotFound', async (t) => {
  const a = await python(t, { handler: 'raises_at_import.handler' })
  assert.equal((await run(a.url)).status, 500)
  assert.ok(a.logs.some((l) => l.startsWith('[ERROR] RuntimeError: configuration missing')), JSON.stringify(a.logs))
  const b = await python(t, { handler: 'scripted.nothing_here' })
  assert.equal((await run(b.url)).status, 500)
  assert.ok(b.logs.some((l) => l.startsWith("[ERROR] Runtime.HandlerNotFound: Handler 'nothing_here' missing on module 'scripted'")), JSON.stringify(b.logs))
})

test('a handler that exits the process loses only that environment: 500, then a fresh environment serves', async (t) => {
  const { url, logs } = await python(t)
  await run(url)
  const res = await run(url, { exit: 3 })
  assert.equal(res.status, 500)
  assert.equal(res.text, INTERNAL_SERVER_ERROR)
  assert.ok(logs.some((l) => /^REPORT .*\tStatus: error\tError Type: Runtime.ExitError$/.test(l)), JSON.stringify(logs))
  assert.equal((await run(url)).json<Echo>().invocations, 1, 'a new environment')
})

test('the timeout ends the process: "Task timed out after 1.00 seconds", and the next invocation gets a new environment', async (t) => {
  const { url, logs } = await python(t, { timeout: 1 })
  await run(url)
  const res = await run(url, { sleep: 30 })
  assert.equal(res.status, 500)
  assert.ok(logs.some((l) => /^\d{4}-.*Z [0-9a-f-]{36} Task timed out after 1\.00 seconds$/.test(l)), JSON.stringify(logs))
  assert.equal((await run(url)).json<Echo>().invocations, 1)
})

test('memorySize bounds the process (RLIMIT_DATA): allocating past it fails with MemoryError, within it works', async (t) => {
  const { url, logs } = await python(t, { memorySize: 128 })
  assert.equal((await run(url, { allocate_mb: 32 })).status, 200)
  const res = await run(url, { allocate_mb: 512 })
  assert.equal(res.status, 500)
  assert.ok(logs.some((l) => l.startsWith('[ERROR] MemoryError')), JSON.stringify(logs))
})

test('handlers in packages (path/module.function) import from layers\' python folders', async (t) => {
  const { url } = await startGateway(t, pythonApi({ handler: 'pkg/nested.handler', layers: [join(fixturesDir, 'python-layer')] }))
  const res = await run(url)
  assert.equal(res.status, 200, res.text)
  assert.equal(res.text, 'hello from a layer')
})

test('a missing interpreter is an init error naming it; the gateway keeps serving', async (t) => {
  const { url, logs } = await python(t, { interpreter: '/nonexistent/python3' })
  const res = await run(url)
  assert.equal(res.status, 500)
  assert.ok(logs.some((l) => l.includes('Runtime.InvalidEntrypoint') || l.includes('/nonexistent/python3')), JSON.stringify(logs))
})

test('a Python Lambda authorizer (payload 2.0, simple responses) allows and denies; its context reaches the integration', async (t) => {
  const config = {
    functions: {
      authz: { runtime: 'python3.11', codeUri: pythonDir, handler: 'authorizer.handler' },
      app: { runtime: 'python3.12', codeUri: pythonDir, handler: 'scripted.handler' },
    },
    apis: [
      {
        name: 'authz',
        apiId: 'pyauthz001',
        routes: [{ routeKey: 'POST /run', target: 'integrations/app', authorizationType: 'CUSTOM', authorizerId: 'py' }],
        integrations: [{ integrationId: 'app', integrationType: 'AWS_PROXY', integrationUri: 'app', payloadFormatVersion: '2.0' }],
        authorizers: [
          {
            authorizerId: 'py',
            authorizerType: 'REQUEST',
            authorizerUri: 'authz',
            authorizerPayloadFormatVersion: '2.0',
            enableSimpleResponses: true,
            identitySource: ['$request.header.Authorization'],
            authorizerResultTtlInSeconds: 0,
          },
        ],
      },
    ],
  }
  const { url } = await startGateway(t, config)
  const denied = await http(url + '/run', { method: 'POST', headers: { authorization: 'wrong' }, body: '{}' })
  assert.equal(denied.status, 403)
  assert.equal(denied.text, '{"message":"Forbidden"}')
  const allowed = await http(url + '/run', { method: 'POST', headers: { authorization: 'let-me-in' }, body: '{}' })
  assert.equal(allowed.status, 200, allowed.text)
  assert.equal(allowed.json<Echo>().env['AWS_EXECUTION_ENV'], 'AWS_Lambda_python3.12')
})

test('Python WebSocket routes: $connect, a two-way route, and @connections from boto3 where it is installed', async (t) => {
  const { execFileSync } = await import('node:child_process')
  const { connectClient } = await import('../helpers/ws-client.js')
  // Debian's python3-boto3 is for the system interpreter (see .ci/run).
  let interpreter: string | undefined
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(candidate, ['-c', 'import boto3'], { stdio: 'ignore' })
      interpreter = candidate
      break
    } catch {
      // not this one
    }
  }
  assert.ok(interpreter !== undefined, 'boto3 must be installed for a python3 (apt-get install python3-boto3)')
  const config = {
    functions: { ws: { runtime: 'python3.11', codeUri: pythonDir, handler: 'ws.handler', interpreter, timeout: 10 } },
    apis: [
      {
        name: 'pyws',
        apiId: 'pyws000001',
        protocolType: 'WEBSOCKET',
        routeSelectionExpression: '$request.body.action',
        routes: [
          { routeKey: '$connect', target: 'integrations/ws' },
          { routeKey: 'echo', target: 'integrations/ws', routeResponseSelectionExpression: '$default' },
          { routeKey: 'push', target: 'integrations/ws' },
        ],
        integrations: [{ integrationId: 'ws', integrationType: 'AWS_PROXY', integrationUri: 'ws' }],
        stages: [{ stageName: 'prod' }],
      },
    ],
  }
  const { url } = await startGateway(t, config)
  const client = await connectClient(t, `${url.replace(/^http/, 'ws')}/prod`)
  const reply = await client.ask({ action: 'echo', n: 1 })
  assert.equal(reply['route'], 'echo')
  assert.equal(reply['echo'], '{"action":"echo","n":1}')
  client.ws.send(JSON.stringify({ action: 'push' }))
  assert.deepEqual(JSON.parse(await client.nextText()), { pushed: true })
})

test('a response over Lambda\'s 6 MB limit fails the invocation (500) and keeps the environment', async (t) => {
  const { url } = await python(t)
  const res = await run(url, { return_bytes: 7 * 1024 * 1024 })
  assert.equal(res.status, 500)
  assert.equal(res.text, INTERNAL_SERVER_ERROR)
  assert.equal((await run(url)).json<Echo>().invocations, 2, 'the runtime got 413 and carried on')
})

for (const [name, options] of [
  ['its output read (START/END/REPORT)', {}],
  ['nobody reading its output', { functionLogs: 'silent' as const }],
] as const) {
  test(`an idle Python environment is frozen (SIGSTOP) until its next event, ${name}; frozen again after it`, { skip: process.platform !== 'linux' && 'reads /proc' }, async (t) => {
    const { waitFor } = await import('../helpers/ws-client.js')
    const { url } = await startGateway(t, pythonApi({ handler: 'scripted.handler' }), options)
    for (let i = 0; i < 3; i++) {
      const res = await run(url, { pid: true })
      assert.equal(res.status, 200, res.text)
      const { pid } = res.json<{ pid: number }>()
      // Its response and its next /next come in one write; it is frozen once idle in /next.
      await waitFor(`runtime ${pid} frozen while idle`, () => procStat(pid)?.state === 'T')
      // Not the gateway's own child (runtime-parent.ts): its stops and continues send the
      // gateway no SIGCHLD. Its own process group, so a freeze reaches what it starts.
      const stat = procStat(pid)
      assert.notEqual(stat?.ppid, process.pid, 'its parent is not the gateway')
      assert.equal(stat?.pgrp, pid, 'it leads its own process group')
    }
  })
}

for (const [how, ending] of [
  ['exits without stopping (process.exit)', 'process.exit(0)\n'],
  ['is killed (SIGKILL: no exit handler runs)', ''],
] as const) {
  test(`a gateway process that ${how} takes its (frozen) runtime processes with it`, async (t) => {
    const { execFileSync, spawn } = await import('node:child_process')
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { pathToFileURL } = await import('node:url')
    const { repoRoot } = await import('../helpers/paths.js')
    const { waitFor } = await import('../helpers/ws-client.js')
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-exit-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(join(dir, 'app.py'), 'import os\n\ndef handler(event, context):\n    return {"statusCode": 200, "body": str(os.getpid())}\n')
    const script = join(dir, 'run.mjs')
    writeFileSync(
      script,
      `import { createGateway } from ${JSON.stringify(pathToFileURL(join(repoRoot, 'build/src/index.js')).href)}\n` +
        `const g = createGateway(${JSON.stringify(pythonApi({ handler: 'app.handler', codeUri: dir }))}, { baseDir: ${JSON.stringify(dir)}, port: 0, host: '127.0.0.1', logLevel: 'silent', functionLogs: 'silent' })\n` +
        `await g.start()\nconst res = await fetch(g.url + '/')\nprocess.stdout.write(await res.text() + '\\n')\n${ending}`
    )
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] })
    t.after(() => child.kill('SIGKILL'))
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    const exited = new Promise((r) => child.once('exit', r))
    await waitFor('the runtime\'s pid', () => out.endsWith('\n'))
    // Nothing stops it but the signal: the runtime is idle (frozen) when the gateway dies.
    if (ending === '') child.kill('SIGKILL')
    await exited
    const pid = Number(out)
    assert.ok(pid > 0, `the runtime's pid, got "${out}"`)
    await waitFor(`runtime process ${pid} to end`, () => {
      try {
        // `ps -p` fails when the process is gone (a zombie still counts: look at its state).
        const state = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)]).toString().trim()
        return state.startsWith('Z')
      } catch {
        return true
      }
    })
  })
}

test('a reclaimed Python environment leaves no process behind (runtime, parent shell, watcher), and the gateway serves on', { skip: process.platform !== 'linux' && 'reads /proc' }, async (t) => {
  const { readdirSync } = await import('node:fs')
  const { waitFor } = await import('../helpers/ws-client.js')
  const { url, gateway } = await startGateway(t, pythonApi({ handler: 'scripted.handler' }), { environments: { idleTimeoutMs: 200 } })
  const res = await run(url, { pid: true })
  assert.equal(res.status, 200, res.text)
  const runtime = res.json<{ pid: number }>().pid
  // Its parent, and whatever that parent started besides it (the watcher, where there is a parent shell).
  const parent = procStat(runtime)?.ppid as number
  const family = [runtime, ...(parent === process.pid ? [] : [parent, ...readdirSync('/proc').filter((n) => /^\d+$/.test(n) && procStat(Number(n))?.ppid === parent).map(Number)])]
  assert.ok(family.length === 1 || family.length >= 3, `runtime, shell and watcher: ${JSON.stringify(family)}`)
  await waitFor('the idle environment to be reclaimed', () => gateway.environments.alive === 0)
  await waitFor(`processes ${JSON.stringify(family)} to end`, () => family.every((pid) => (procStat(pid)?.state ?? 'Z') === 'Z'))
  assert.equal((await run(url)).status, 200, 'a cold start after the reclaim')
})
