// Lambda execution environments behind the gateway: warm reuse, START/END/REPORT lines,
// concurrency (reserved and unreserved), handler module styles, the context object, the
// environment variables and the console log format.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, singleFunctionApi, type StartedGateway } from '../helpers/gateway.js'
import { handlersDir } from '../helpers/paths.js'
import { http, type HttpResult } from '../helpers/http.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const ISO_TIME = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z'
const INTERNAL_SERVER_ERROR = '{"message":"Internal Server Error"}'

interface ScriptedResult {
  invocations: number
  awsRequestId: string
  functionName: string
}

function run(url: string, script: object): Promise<HttpResult> {
  return http(url + '/run', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(script) })
}

async function runOk(url: string, script: object = {}): Promise<ScriptedResult> {
  const res = await run(url, script)
  assert.equal(res.status, 200, res.text)
  return res.json<ScriptedResult>()
}

function scripted(t: TestContext, options: { reservedConcurrency?: number } = {}): Promise<StartedGateway> {
  return startGateway(t, singleFunctionApi({ handler: 'scripted.handler', timeout: 2, ...options }))
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

test('an environment is reused warm: module state persists across sequential requests', async (t) => {
  const { url } = await scripted(t)
  const results = [await runOk(url), await runOk(url), await runOk(url)]
  assert.deepEqual(results.map((r) => r.invocations), [1, 2, 3])
  for (const r of results) assert.match(r.awsRequestId, UUID)
  assert.equal(new Set(results.map((r) => r.awsRequestId)).size, 3, 'each invocation has its own awsRequestId')
})

test('each invocation logs START, END and REPORT with its Lambda request id; Init Duration only on the first REPORT of an environment', async (t) => {
  const { url, logs } = await scripted(t)
  const ids: string[] = []
  for (let i = 0; i < 3; i++) ids.push((await runOk(url, { log: [`request ${i}`] })).awsRequestId)
  const starts = logs.filter((l) => l.startsWith('START '))
  const ends = logs.filter((l) => l.startsWith('END '))
  const reports = logs.filter((l) => l.startsWith('REPORT '))
  assert.equal(starts.length, 3, JSON.stringify(logs))
  assert.equal(ends.length, 3)
  assert.equal(reports.length, 3)
  ids.forEach((id, i) => {
    assert.match(id, UUID)
    const start = logs.indexOf(`START RequestId: ${id} Version: $LATEST`)
    const end = logs.indexOf(`END RequestId: ${id}`)
    const report = logs.findIndex((l) => l.startsWith(`REPORT RequestId: ${id}\t`))
    const own = logs.findIndex((l) => l.endsWith(`\t${id}\tINFO\trequest ${i}`))
    assert.ok(start >= 0 && end >= 0 && report >= 0 && own >= 0, `missing lines for ${id} in ${JSON.stringify(logs)}`)
    assert.ok(start < own && own < end && end < report, `lines for ${id} out of order`)
    const line = logs[report] ?? ''
    assert.match(
      line,
      new RegExp(`^REPORT RequestId: ${escape(id)}\\tDuration: \\d+\\.\\d{2} ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB`)
    )
    if (i === 0) assert.match(line, /\tInit Duration: \d+\.\d{2} ms/, 'the first REPORT of an environment carries Init Duration')
    else assert.ok(!line.includes('Init Duration'), `REPORT ${i + 1} of a warm environment must not carry Init Duration`)
  })
})

test('the Lambda request id is a UUID distinct from the API Gateway request id', async (t) => {
  const { url } = await scripted(t)
  const res = await run(url, {})
  const body = res.json<ScriptedResult>()
  assert.match(body.awsRequestId, UUID)
  assert.match(String(res.headers['apigw-requestid']), /^[A-Za-z0-9_-]{15}=$/)
  assert.notEqual(body.awsRequestId, res.headers['apigw-requestid'])
})

test('reservedConcurrency 1: of two concurrent slow requests one succeeds and the other is throttled with 500', async (t) => {
  const { url, logs } = await scripted(t, { reservedConcurrency: 1 })
  const results = await Promise.all([run(url, { sleepMs: 500 }), run(url, { sleepMs: 500 })])
  const statuses = results.map((r) => r.status).sort()
  assert.deepEqual(statuses, [200, 500])
  const throttled = results.find((r) => r.status === 500)
  assert.equal(throttled?.text, INTERNAL_SERVER_ERROR)
  assert.equal(throttled?.headers['content-length'], '35')
  assert.equal(logs.filter((l) => l.startsWith('START ')).length, 1, 'a throttled invocation never starts')
  // Once the slot is free again the one environment serves, warm.
  assert.equal((await runOk(url)).invocations, 2)
})

test('reservedConcurrency 0 throttles every invocation with 500', async (t) => {
  const { url, logs } = await scripted(t, { reservedConcurrency: 0 })
  const res = await run(url, {})
  assert.equal(res.status, 500)
  assert.equal(res.text, INTERNAL_SERVER_ERROR)
  assert.equal(logs.filter((l) => l.startsWith('START ')).length, 0)
})

test('without reservedConcurrency, concurrent requests get separate environments', async (t) => {
  const { url, logs } = await scripted(t)
  const results = await Promise.all([run(url, { sleepMs: 400 }), run(url, { sleepMs: 400 }), run(url, { sleepMs: 400 })])
  assert.deepEqual(results.map((r) => r.status), [200, 200, 200])
  const bodies = results.map((r) => r.json<ScriptedResult>())
  // Each ran in its own, new environment.
  assert.deepEqual(bodies.map((b) => b.invocations), [1, 1, 1])
  assert.equal(new Set(bodies.map((b) => b.awsRequestId)).size, 3)
  const reports = logs.filter((l) => l.startsWith('REPORT '))
  assert.equal(reports.filter((l) => l.includes('Init Duration')).length, 3, 'three cold starts')
})

test('async ESM (.mjs), callback-style CommonJS (.cjs) and async CommonJS (.js) handlers all work', async (t) => {
  const fn = (handler: string) => ({ handler, timeout: 2 })
  const integration = (id: string) => ({ integrationId: id, integrationType: 'AWS_PROXY', integrationUri: id, payloadFormatVersion: '2.0' })
  const { url } = await startGateway(t, {
    functions: { esm: fn('scripted.handler'), cjsCallback: fn('callback.handler'), cjsJs: fn('context.handler') },
    apis: [
      {
        name: 'styles',
        routes: [
          { routeKey: 'POST /esm', target: 'integrations/esm' },
          { routeKey: 'GET /cjs-callback', target: 'integrations/cjsCallback' },
          { routeKey: 'GET /cjs-js', target: 'integrations/cjsJs' },
        ],
        integrations: [integration('esm'), integration('cjsCallback'), integration('cjsJs')],
      },
    ],
  })
  const esm = await http(url + '/esm', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"return":"from esm"}' })
  assert.equal(esm.status, 200)
  assert.equal(esm.text, 'from esm')
  const callback = await http(url + '/cjs-callback')
  assert.equal(callback.status, 200)
  assert.equal(callback.text, 'callback ok')
  const js = await http(url + '/cjs-js')
  assert.equal(js.status, 200)
  assert.equal(js.json<{ functionName: string }>().functionName, 'cjsJs')
})

test('the context object carries functionName, awsRequestId, invokedFunctionArn, memoryLimitInMB and a decreasing getRemainingTimeInMillis', async (t) => {
  const { url, logs } = await startGateway(t, {
    accountId: '111122223333',
    region: 'eu-west-1',
    functions: { 'orders-fn': { handler: 'lambda-context.handler', timeout: 2, memorySize: 256 } },
    apis: [
      {
        name: 'ctx',
        routes: [{ routeKey: '$default', target: 'integrations/i' }],
        integrations: [{ integrationId: 'i', integrationType: 'AWS_PROXY', integrationUri: 'orders-fn', payloadFormatVersion: '2.0' }],
      },
    ],
  })
  const res = await http(url + '/')
  assert.equal(res.status, 200, res.text)
  const ctx = res.json<Record<string, unknown>>()
  assert.equal(ctx['functionName'], 'orders-fn')
  assert.equal(ctx['functionVersion'], '$LATEST')
  assert.equal(ctx['invokedFunctionArn'], 'arn:aws:lambda:eu-west-1:111122223333:function:orders-fn')
  assert.equal(ctx['memoryLimitInMB'], '256')
  assert.equal(ctx['logGroupName'], '/aws/lambda/orders-fn')
  assert.match(String(ctx['logStreamName']), /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/)
  assert.equal(ctx['callbackWaitsForEmptyEventLoop'], true)
  const id = String(ctx['awsRequestId'])
  assert.match(id, UUID)
  assert.ok(logs.includes(`START RequestId: ${id} Version: $LATEST`), 'awsRequestId is the id of the START line')
  const first = ctx['remainingFirst'] as number
  const second = ctx['remainingSecond'] as number
  assert.ok(Number.isInteger(first) && Number.isInteger(second), 'getRemainingTimeInMillis returns whole milliseconds')
  assert.ok(first > 0 && first <= 2000, `remaining time ${first} must be within the 2 s timeout`)
  assert.ok(second < first, `remaining time must decrease (${first} then ${second})`)
})

test('a function sees its own environment variables plus the Lambda-defined ones', async (t) => {
  const { url } = await startGateway(t, {
    region: 'eu-west-1',
    functions: {
      fn: { handler: 'lambda-context.handler', memorySize: 512, environment: { FIXTURE_GREETING: 'hello', FIXTURE_TABLE: 'orders', FIXTURE_NUMBER: 42 } },
    },
    apis: [
      {
        name: 'env',
        routes: [{ routeKey: '$default', target: 'integrations/i' }],
        integrations: [{ integrationId: 'i', integrationType: 'AWS_PROXY', integrationUri: 'fn', payloadFormatVersion: '2.0' }],
      },
    ],
  })
  const env = (await http(url + '/')).json<{ env: Record<string, string> }>().env
  assert.equal(env['FIXTURE_GREETING'], 'hello')
  assert.equal(env['FIXTURE_TABLE'], 'orders')
  assert.equal(env['FIXTURE_NUMBER'], '42', 'environment values are strings')
  assert.equal(env['AWS_LAMBDA_FUNCTION_NAME'], 'fn')
  assert.equal(env['AWS_LAMBDA_FUNCTION_VERSION'], '$LATEST')
  assert.equal(env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'], '512')
  assert.equal(env['AWS_LAMBDA_LOG_GROUP_NAME'], '/aws/lambda/fn')
  assert.equal(env['AWS_REGION'], 'eu-west-1')
  assert.equal(env['AWS_DEFAULT_REGION'], 'eu-west-1')
  assert.equal(env['_HANDLER'], 'lambda-context.handler')
  assert.match(env['AWS_EXECUTION_ENV'] ?? '', /^AWS_Lambda_nodejs\d+\.x$/)
  assert.equal(env['LAMBDA_TASK_ROOT'], handlersDir)
})

test('environment variables are per function', async (t) => {
  const { url } = await startGateway(t, {
    functions: {
      a: { handler: 'lambda-context.handler', environment: { FIXTURE_ONLY_A: 'a' } },
      b: { handler: 'lambda-context.handler', environment: { FIXTURE_ONLY_B: 'b' } },
    },
    apis: [
      {
        name: 'env',
        routes: [
          { routeKey: 'GET /a', target: 'integrations/a' },
          { routeKey: 'GET /b', target: 'integrations/b' },
        ],
        integrations: ['a', 'b'].map((id) => ({ integrationId: id, integrationType: 'AWS_PROXY', integrationUri: id, payloadFormatVersion: '2.0' })),
      },
    ],
  })
  const a = (await http(url + '/a')).json<{ env: Record<string, string> }>().env
  const b = (await http(url + '/b')).json<{ env: Record<string, string> }>().env
  assert.equal(a['FIXTURE_ONLY_A'], 'a')
  assert.equal(a['FIXTURE_ONLY_B'], undefined)
  assert.equal(b['FIXTURE_ONLY_B'], 'b')
  assert.equal(b['FIXTURE_ONLY_A'], undefined)
  assert.equal(a['AWS_LAMBDA_FUNCTION_NAME'], 'a')
  assert.equal(b['AWS_LAMBDA_FUNCTION_NAME'], 'b')
})

test('console.log output is captured as "<ISO time>\\t<awsRequestId>\\tINFO\\t<text>"', async (t) => {
  const { url, logs } = await scripted(t)
  const { awsRequestId } = await runOk(url, { log: ['hello from the function', 'second line with\ttab'] })
  const pattern = (text: string) => new RegExp(`^${ISO_TIME}\\t${escape(awsRequestId)}\\tINFO\\t${escape(text)}$`)
  assert.ok(logs.some((l) => pattern('hello from the function').test(l)), JSON.stringify(logs))
  assert.ok(logs.some((l) => pattern('second line with\ttab').test(l)), JSON.stringify(logs))
})

test('console methods map to Lambda log levels (INFO, WARN, ERROR, DEBUG) with util.format formatting; init-phase lines carry "undefined" as request id', async (t) => {
  const { url, logs } = await startGateway(t, singleFunctionApi({ handler: 'lambda-console.handler' }))
  const res = await http(url + '/')
  assert.equal(res.status, 200)
  const id = res.text
  assert.match(id, UUID)
  const line = (requestId: string, level: string, text: string) => new RegExp(`^${ISO_TIME}\\t${escape(requestId)}\\t${level}\\t${escape(text)}$`)
  const expected = [
    line('undefined', 'INFO', 'initialising lambda-console'),
    line(id, 'INFO', 'log formatted 42'),
    line(id, 'INFO', 'info line'),
    line(id, 'WARN', 'warn line'),
    line(id, 'ERROR', 'error line'),
    line(id, 'DEBUG', 'debug line'),
    line(id, 'INFO', '{ a: 1 }'),
  ]
  for (const pattern of expected) assert.ok(logs.some((l) => pattern.test(l)), `no line matching ${pattern} in ${JSON.stringify(logs)}`)
  const init = logs.findIndex((l) => l.includes('initialising lambda-console'))
  const start = logs.indexOf(`START RequestId: ${id} Version: $LATEST`)
  assert.ok(init >= 0 && start > init, 'the init-phase line comes before START')
})

test('a synchronous handler that returns a value without calling back has a null result, as in the Node.js runtime (provisional)', async (t) => {
  const { url } = await startGateway(t, singleFunctionApi({ handler: 'lambda-sync.handler' }))
  const res = await http(url + '/')
  assert.equal(res.status, 200)
  assert.equal(res.text, '')
  assert.equal(res.headers['content-type'], 'application/json')
})

test('events and results of any size up to the payload quota cross to the environment byte-exact, with their log lines in order', async (t) => {
  const { url, logs } = await startGateway(t, singleFunctionApi({ handler: 'echo-body.handler', routeKeys: ['POST /echo'] }))
  // Around INLINE_PAYLOAD_BYTES (128 KiB): ASCII under it, multi-byte text that fits only
  // by its UTF-8 length, and payloads far over it that cross through the channel.
  const bodies = ['small', 'a'.repeat(100 * 1024), 'é'.repeat(40 * 1024), '€'.repeat(60 * 1024), 'b'.repeat(1024 * 1024), '😀'.repeat(300 * 1024)]
  for (const body of bodies) {
    const res = await http(url + '/echo', { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body })
    assert.equal(res.status, 200)
    assert.equal(res.text.length, body.length)
    assert.ok(res.text === body, `body of ${body.length} UTF-16 units changed`)
    // The handler's line comes between START and END of its own invocation.
    const end = logs.findLastIndex((l) => l.startsWith('END '))
    const start = logs.findLastIndex((l) => l.startsWith('START '))
    assert.ok(start < end && logs.slice(start, end).some((l) => l.endsWith(`\tINFO\tbody length ${body.length}`)), logs.slice(start).join('\n'))
  }
})

test('function errors, large results and small results back to back on one environment: none is lost or answered for another', async (t) => {
  // Errors and results over the shared-memory size cross through the channel, small results
  // through shared memory; the next invocation must never reach the environment before it
  // has finished signalling the previous one.
  const { url } = await scripted(t, { reservedConcurrency: 1 })
  const scripts = [{ throw: 'boom' }, { returnBytes: 200 * 1024 }, {}, { reject: 'no' }, {}, { returnBytes: 10 }]
  let previous = 0
  for (let i = 0; i < 120; i++) {
    const script = scripts[i % scripts.length] as Record<string, unknown>
    const res = await run(url, script)
    if ('throw' in script || 'reject' in script) {
      assert.equal(res.status, 500, res.text)
      assert.equal(res.text, INTERNAL_SERVER_ERROR)
    } else if ('returnBytes' in script) {
      assert.equal(res.status, 200, res.text)
      assert.equal(res.text.length, script['returnBytes'])
    } else {
      const result = await res.json<ScriptedResult>()
      assert.equal(res.status, 200)
      // One warm environment counts every invocation.
      assert.equal(result.invocations, i + 1, `invocation ${i}`)
      previous = result.invocations
    }
  }
  assert.ok(previous > 100)
})
