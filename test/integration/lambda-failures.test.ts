// Lambda invocation failures and what the client sees (spec 3.7, 13.2, 14): function errors,
// the function's own timeout, the integration timeout, environments that die (an exception
// in a timer, process.exit, an endless loop, a failing init), and Lambda's 6 MB request limit.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGateway, singleFunctionApi, type StartedGateway } from '../helpers/gateway.js'
import { http, type HttpResult } from '../helpers/http.js'

const INTERNAL_SERVER_ERROR = '{"message":"Internal Server Error"}'
const SERVICE_UNAVAILABLE = '{"message":"Service Unavailable"}'
const API_REQUEST_ID = /^[A-Za-z0-9_-]{15}=$/

function run(url: string, script: object): Promise<HttpResult> {
  return http(url + '/run', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(script) })
}

function assertGatewayError(res: HttpResult, status: number, body: string, what: string): void {
  assert.equal(res.status, status, `${what}: status (body ${res.text})`)
  assert.equal(res.text, body, `${what}: body`)
  assert.equal(res.headers['content-type'], 'application/json', `${what}: content-type`)
  assert.equal(res.headers['content-length'], String(Buffer.byteLength(body)), `${what}: content-length`)
  assert.match(String(res.headers['apigw-requestid']), API_REQUEST_ID, `${what}: apigw-requestid`)
}

const assertInternalServerError = (res: HttpResult, what: string) => assertGatewayError(res, 500, INTERNAL_SERVER_ERROR, what)

interface ScriptedResult {
  invocations: number
  awsRequestId: string
}

/** A successful plain invocation of scripted.mjs; returns its invocation counter. */
async function succeeds(url: string, what: string): Promise<ScriptedResult> {
  const res = await run(url, {})
  assert.equal(res.status, 200, `${what}: the next request must succeed (got ${res.status} ${res.text})`)
  return res.json<ScriptedResult>()
}

function scripted(t: TestContext, options: { timeout?: number; timeoutInMillis?: number } = {}): Promise<StartedGateway> {
  return startGateway(t, singleFunctionApi({ handler: 'scripted.handler', timeout: options.timeout ?? 1, ...options }))
}

// --- function errors ---------------------------------------------------------------------------

test('a handler that throws is 500 Internal Server Error and the error is logged as an Invoke Error', async (t) => {
  const { url, logs } = await scripted(t)
  await succeeds(url, 'warm-up')
  assertInternalServerError(await run(url, { throw: 'boom from the handler' }), 'throw')
  const line = logs.find((l) => l.includes('Invoke Error'))
  assert.ok(line !== undefined, `no Invoke Error line in ${JSON.stringify(logs)}`)
  assert.ok(line.includes('boom from the handler'))
  assert.ok(line.includes('"errorType":"Error"'))
  assert.match(line, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\t[0-9a-f-]{36}\tERROR\tInvoke Error /)
  // A function error does not cost the environment: the next invocation is warm.
  assert.equal((await succeeds(url, 'after throw')).invocations, 3)
})

test('a handler whose promise rejects is 500 Internal Server Error and the rejection is logged', async (t) => {
  const { url, logs } = await scripted(t)
  assertInternalServerError(await run(url, { reject: 'rejected on purpose' }), 'reject')
  const line = logs.find((l) => l.includes('Invoke Error'))
  assert.ok(line !== undefined && line.includes('rejected on purpose') && line.includes('"errorType":"TypeError"'), JSON.stringify(logs))
  assert.equal((await succeeds(url, 'after reject')).invocations, 2)
})

test('a callback-style handler that passes an error to the callback is 500 Internal Server Error', async (t) => {
  const { url, logs } = await startGateway(t, singleFunctionApi({ handler: 'lambda-callback-error.handler' }))
  assertInternalServerError(await http(url + '/'), 'callback(error)')
  assert.ok(logs.some((l) => l.includes('Invoke Error') && l.includes('callback reported failure')), JSON.stringify(logs))
})

// --- timeouts ------------------------------------------------------------------------------------

test('a function that runs past its own timeout is 500 Internal Server Error with a "Task timed out after 1.00 seconds" log line', async (t) => {
  const { url, logs } = await scripted(t, { timeout: 1 })
  const res = await run(url, { sleepMs: 2500 })
  assertInternalServerError(res, 'function timeout')
  assert.ok(logs.some((l) => /Task timed out after 1\.00 seconds/.test(l)), JSON.stringify(logs))
  // The timed-out environment is gone; the next request gets a fresh one.
  assert.equal((await succeeds(url, 'after function timeout')).invocations, 1)
})

test('an integration timeout shorter than the function timeout is 503 Service Unavailable (content-length 33)', async (t) => {
  const { url } = await scripted(t, { timeout: 1, timeoutInMillis: 200 })
  const res = await run(url, { sleepMs: 700 })
  assertGatewayError(res, 503, SERVICE_UNAVAILABLE, 'integration timeout')
  assert.equal(res.headers['content-length'], '33')
})

test('the minimum integration timeout (50 ms) is honoured with 503 Service Unavailable', async (t) => {
  const { url } = await scripted(t, { timeout: 1, timeoutInMillis: 50 })
  assertGatewayError(await run(url, { sleepMs: 600 }), 503, SERVICE_UNAVAILABLE, 'integration timeout 50 ms')
})

test('an integration timeout does not stop the function: it runs to completion and its environment stays warm', async (t) => {
  const { url, logs } = await scripted(t, { timeout: 1, timeoutInMillis: 100 })
  assertGatewayError(await run(url, { sleepMs: 400 }), 503, SERVICE_UNAVAILABLE, 'integration timeout')
  // Wait for the invocation to finish in the background.
  for (let i = 0; i < 100 && !logs.some((l) => l.startsWith('REPORT ')); i++) await new Promise((r) => setTimeout(r, 50))
  const report = logs.find((l) => l.startsWith('REPORT '))
  assert.ok(report !== undefined, 'the invocation must still complete')
  assert.ok(!report.includes('Status:'), `the invocation must end normally: ${report}`)
  assert.ok(!logs.some((l) => l.includes('Task timed out')))
  assert.equal((await succeeds(url, 'after an integration timeout')).invocations, 2)
})

// --- environments that die -----------------------------------------------------------------------

const crashes: ReadonlyArray<{ name: string; script: object; log: RegExp; timeout: number }> = [
  { name: 'an exception thrown inside a timer', script: { timerThrow: 'boom in a timer' }, log: /boom in a timer/, timeout: 3 },
  { name: 'process.exit', script: { exit: 3 }, log: /Runtime exited with error: exit status 3/, timeout: 3 },
  { name: 'an infinite loop (function timeout 1 s)', script: { loop: true }, log: /Task timed out after 1\.00 seconds/, timeout: 1 },
  // Memory size 128 MB: the allocation fails long before the 3 s timeout.
  { name: 'running out of memory', script: { allocateMb: 1 }, log: /out of memory/i, timeout: 3 },
]

for (const crash of crashes) {
  test(`${crash.name} is 500 and loses only that environment: the next request succeeds in a fresh one`, async (t) => {
    const { url, logs } = await scripted(t, { timeout: crash.timeout })
    assertInternalServerError(await run(url, crash.script), crash.name)
    assert.ok(logs.some((l) => crash.log.test(l)), `no log line matching ${crash.log} in ${JSON.stringify(logs)}`)
    // The dead environment is replaced: the new one starts counting again.
    assert.equal((await succeeds(url, `after ${crash.name}`)).invocations, 1)
    assert.equal((await succeeds(url, `after ${crash.name}, warm`)).invocations, 2)
  })
}

test('an environment that dies leaves the function\'s other warm environments alive', async (t) => {
  const { url } = await scripted(t, { timeout: 1 })
  // Two concurrent invocations leave two warm environments, each with one invocation.
  const warm = await Promise.all([run(url, { sleepMs: 400 }), run(url, { sleepMs: 400 })])
  assert.deepEqual(warm.map((r) => r.status), [200, 200])
  assert.deepEqual(warm.map((r) => r.json<ScriptedResult>().invocations), [1, 1])
  assertInternalServerError(await run(url, { exit: 1 }), 'process.exit')
  // The survivor answers: its counter continues from 1.
  assert.equal((await succeeds(url, 'after one environment died')).invocations, 2)
})

test('a handler whose module fails to initialise is 500 Internal Server Error on every request and the init error is logged', async (t) => {
  const { url, logs } = await startGateway(t, singleFunctionApi({ handler: 'init-error.handler' }))
  assertInternalServerError(await http(url + '/'), 'init error')
  assertInternalServerError(await http(url + '/'), 'init error, again')
  assert.ok(logs.some((l) => l.includes('cannot initialise')), JSON.stringify(logs))
})

test('a handler that is not exported is 500 Internal Server Error and logged as Runtime.HandlerNotFound', async (t) => {
  const { url, logs } = await startGateway(t, singleFunctionApi({ handler: 'echo.notExported' }))
  assertInternalServerError(await http(url + '/'), 'handler not found')
  assert.ok(logs.some((l) => l.includes('Runtime.HandlerNotFound')), JSON.stringify(logs))
})

test('a failed init loses only that environment: the next request initialises a fresh one and succeeds', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-init-once-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const { url, logs } = await startGateway(
    t,
    singleFunctionApi({ handler: 'lambda-init-once.handler', environment: { FIXTURE_INIT_MARKER: join(dir, 'marker') } })
  )
  assertInternalServerError(await http(url + '/'), 'first init')
  assert.ok(logs.some((l) => l.includes('first init fails on purpose')), JSON.stringify(logs))
  const res = await http(url + '/')
  assert.equal(res.status, 200, res.text)
  assert.deepEqual(res.json(), { initialised: true, invocations: 1 })
})

// --- Lambda's request limit ---------------------------------------------------------------------

test('a request body over Lambda\'s 6 MB limit (but under the 10 MB quota) is 500 and the function is not invoked', async (t) => {
  const { url, logs } = await scripted(t)
  const body = 'a'.repeat(7 * 1024 * 1024)
  assertInternalServerError(await http(url + '/big', { method: 'POST', headers: { 'content-type': 'text/plain' }, body }), '7 MB request')
  assert.ok(!logs.some((l) => l.startsWith('START ')), 'the function must not have run')
  // The gateway keeps serving.
  assert.equal((await succeeds(url, 'after a 7 MB request')).invocations, 1)
})

test('a binary request body that exceeds 6 MB once base64-encoded is 500', async (t) => {
  const { url } = await scripted(t)
  // 5 MB of bytes become ~6.7 MB of base64 in the event.
  const body = Buffer.alloc(5 * 1024 * 1024, 0xab)
  assertInternalServerError(await http(url + '/big', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body }), '5 MB binary request')
})
