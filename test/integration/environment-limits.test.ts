// Execution environments that behave like Lambda's: memory beyond the V8 heap is bounded by
// memorySize, environments are frozen between invocations, callbackWaitsForEmptyEventLoop,
// and a CommonJS handler on exports.default.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { startGateway, singleFunctionApi } from '../helpers/gateway.js'
import { http } from '../helpers/http.js'

const INTERNAL_SERVER_ERROR = '{"message":"Internal Server Error"}'

for (const [name, query] of [
  ['one large Buffer at a time (refused synchronously)', ''],
  ['many small Buffers with ticks between', '?small=1'],
  ['many small Buffers in one synchronous loop (checked as they add up)', '?small=1&sync=1'],
] as const) {
  test(`a function allocating Buffers past its memorySize fails with Runtime.OutOfMemory: ${name}; the next call gets a fresh environment`, async (t) => {
    const { url, logs } = await startGateway(t, singleFunctionApi({ handler: 'mem-hog.handler', routeKeys: ['GET /hog', 'GET /ok'], timeout: 20 }))
    const warm = await http(url + '/ok')
    assert.equal(warm.status, 200)
    const hog = await http(url + '/hog' + query)
    assert.equal(hog.status, 500, hog.text)
    assert.equal(hog.text, INTERNAL_SERVER_ERROR)
    const report = logs.filter((l) => l.startsWith('REPORT')).at(-1) ?? ''
    assert.match(report, /Status: error\tError Type: Runtime\.OutOfMemory/)
    // It held about its memory size when it was stopped, not the 600 MB asked for.
    const used = Number(/Max Memory Used: (\d+) MB/.exec(report)?.[1])
    assert.ok(used >= 100 && used < 600, report)
    const after = await http(url + '/ok')
    assert.equal(after.status, 200)
    // A fresh environment: its REPORT has an Init Duration again.
    assert.match(logs.filter((l) => l.startsWith('REPORT')).at(-1) ?? '', /Init Duration/)
  })
}

test('Max Memory Used counts Buffers outside the V8 heap', async (t) => {
  const { url, logs } = await startGateway(t, {
    functions: { fn: { handler: 'mem-hog.handler', memorySize: 512, timeout: 20 } },
    apis: [{ name: 'a', routes: [{ routeKey: 'GET /hog', target: 'integrations/fn' }], integrations: [{ integrationId: 'fn', integrationType: 'AWS_PROXY', integrationUri: 'fn', payloadFormatVersion: '2.0', timeoutInMillis: 30000 }] }],
  })
  const res = await http(url + '/hog?mb=300')
  assert.equal(res.status, 200, res.text)
  const report = logs.filter((l) => l.startsWith('REPORT')).at(-1) ?? ''
  const used = Number(/Max Memory Used: (\d+) MB/.exec(report)?.[1])
  assert.ok(used >= 300 && used <= 512, report)
})

for (const [kind, query] of [['', ''], [' (unref\'ed)', '?unref=1']] as const) {
test(`an environment is frozen between invocations: a busy setInterval${kind} left by the handler does not run`, async (t) => {
  const { url } = await startGateway(t, singleFunctionApi({ handler: 'busy-timer.handler' }))
  const first = await http(url + query)
  assert.equal(first.status, 200)
  assert.equal(first.text, '0')
  const wallStart = process.hrtime.bigint()
  const cpuStart = process.cpuUsage()
  await sleep(2000)
  const cpu = process.cpuUsage(cpuStart)
  const wallUs = Number(process.hrtime.bigint() - wallStart) / 1000
  // Unfrozen, the timer keeps a core busy (about 100% of wall time).
  assert.ok(cpu.user + cpu.system < 0.3 * wallUs, `CPU ${cpu.user + cpu.system} us over ${wallUs} us`)
  // A timer due during the freeze may fire once after the thaw, not hundreds of times.
  const second = await http(url)
  assert.equal(second.status, 200)
  assert.ok(Number(second.text) < 5, `ticks while frozen: ${second.text}`)
})
}

test('callbackWaitsForEmptyEventLoop: true (default) sends the callback result once the event loop is empty; false sends it at once', async (t) => {
  const { url } = await startGateway(t, singleFunctionApi({ handler: 'callback-wait.handler', payloadFormatVersion: '1.0' }))
  const waits = await http(url + '/w')
  assert.equal(waits.status, 200)
  assert.equal(waits.text, 'after')
  const noWait = await http(url + '/w?nowait=1')
  assert.equal(noWait.status, 200)
  assert.equal(noWait.text, 'before')
})

test('callbackWaitsForEmptyEventLoop with nothing pending: warm invocations in a row are answered by the same environment', async (t) => {
  const { url, logs } = await startGateway(t, singleFunctionApi({ handler: 'callback-wait.handler', payloadFormatVersion: '1.0' }))
  // Each warm invocation starts inside the previous one's wait for an empty event loop.
  for (let i = 0; i < 4; i++) {
    const res = await http(url + '/w?idle=1')
    assert.equal(res.status, 200, `invocation ${i}: ${res.text}\n${logs.join('\n')}`)
    assert.equal(res.text, 'idle')
  }
  assert.equal(logs.filter((l) => l.startsWith('REPORT') && l.includes('Init Duration')).length, 1, logs.join('\n'))
})

for (const file of ['cjs-default.js', 'cjs-default.cjs']) {
  test(`a CommonJS handler on exports.default (${file}) is found as FILE.default`, async (t) => {
    const { url } = await startGateway(t, singleFunctionApi({ handler: file.replace(/\.c?js$/, '') + '.default' }))
    const res = await http(url + '/x')
    assert.equal(res.status, 200, res.text)
    assert.equal(res.text, 'cjs default /x')
  })
}
