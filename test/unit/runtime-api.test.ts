// The Lambda Runtime API (2018-06-01) a process environment serves on loopback, called with
// undici as a runtime client calls it: headers of /next, the answers to response, error and
// init error, Lambda's payload limit, unknown and stale request ids.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { RuntimeApiServer, MAX_RUNTIME_PAYLOAD_BYTES, type RuntimeInvocation } from '../../src/functions/runtime-api/index.js'
import { recordingRuntimeApi, type Seen } from '../helpers/runtime-api.js'

async function serve(t: TestContext): Promise<{ api: RuntimeApiServer; base: string; seen: Seen }> {
  const { api, seen } = await recordingRuntimeApi(t)
  return { api, base: `http://${api.address}/2018-06-01/runtime`, seen }
}

const invocation = (id: string, extra: Partial<RuntimeInvocation> = {}): RuntimeInvocation => ({
  awsRequestId: id,
  event: '{"a":1}',
  deadlineMs: 1_900_000_000_000,
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn',
  traceId: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0',
  ...extra,
})

test('/next long-polls until an invocation is delivered, with the Lambda-Runtime-* headers', async (t) => {
  const { api, base, seen } = await serve(t)
  assert.match(api.address, /^127\.0\.0\.1:\d+$/)
  const next = request(`${base}/invocation/next`)
  await new Promise((r) => setTimeout(r, 20))
  api.deliver(invocation('id-1'))
  const res = await next
  assert.equal(res.statusCode, 200)
  assert.equal(await res.body.text(), '{"a":1}')
  assert.equal(res.headers['lambda-runtime-aws-request-id'], 'id-1')
  assert.equal(res.headers['lambda-runtime-deadline-ms'], '1900000000000')
  assert.equal(res.headers['lambda-runtime-invoked-function-arn'], 'arn:aws:lambda:us-east-1:123456789012:function:fn')
  assert.equal(res.headers['lambda-runtime-trace-id'], 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0')
  assert.equal(res.headers['content-type'], 'application/json')
  assert.equal(res.headers['lambda-runtime-client-context'], undefined, 'only sent when the invocation has one')
  assert.equal(seen.ready, 1)
})

test('an invocation delivered before /next is handed out at /next; client context and identity are passed', async (t) => {
  const { api, base } = await serve(t)
  api.deliver(invocation('id-2', { clientContext: '{"custom":{"k":"v"}}', cognitoIdentity: '{"cognitoIdentityId":"x"}' }))
  const res = await request(`${base}/invocation/next`)
  assert.equal(res.headers['lambda-runtime-aws-request-id'], 'id-2')
  assert.equal(res.headers['lambda-runtime-client-context'], '{"custom":{"k":"v"}}')
  assert.equal(res.headers['lambda-runtime-cognito-identity'], '{"cognitoIdentityId":"x"}')
  await res.body.text()
})

test('a response is accepted with 202 {"status":"OK"}; a second response for the same id gets 400 InvalidRequestID', async (t) => {
  const { api, base, seen } = await serve(t)
  api.deliver(invocation('id-3'))
  await (await request(`${base}/invocation/next`)).body.text()
  const ok = await request(`${base}/invocation/id-3/response`, { method: 'POST', body: '"done"' })
  assert.equal(ok.statusCode, 202)
  assert.equal(await ok.body.text(), '{"status":"OK"}')
  assert.deepEqual(seen.responses, [['id-3', '"done"']])
  const again = await request(`${base}/invocation/id-3/response`, { method: 'POST', body: '"again"' })
  assert.equal(again.statusCode, 400)
  assert.equal(await again.body.text(), '{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}')
  const unknown = await request(`${base}/invocation/nope/error`, { method: 'POST', body: '{}' })
  assert.equal(unknown.statusCode, 400)
  assert.equal(await unknown.body.text(), '{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}')
  assert.equal(seen.responses.length, 1)
})

test('an answer for an abandoned (timed-out) invocation is stale: 400', async (t) => {
  const { api, base } = await serve(t)
  api.deliver(invocation('id-4'))
  await (await request(`${base}/invocation/next`)).body.text()
  api.abandon('id-4')
  const res = await request(`${base}/invocation/id-4/response`, { method: 'POST', body: '1' })
  assert.equal(res.statusCode, 400)
  await res.body.text()
})

test('a response over 6 MB + 100 bytes gets 413 RequestEntityTooLarge and fails the invocation with Function.ResponseSizeTooLarge', async (t) => {
  const { api, base, seen } = await serve(t)
  api.deliver(invocation('id-5'))
  await (await request(`${base}/invocation/next`)).body.text()
  const big = '"' + 'x'.repeat(MAX_RUNTIME_PAYLOAD_BYTES) + '"'
  const res = await request(`${base}/invocation/id-5/response`, { method: 'POST', body: big })
  assert.equal(res.statusCode, 413)
  assert.equal(await res.body.text(), '{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}')
  assert.equal(seen.responses.length, 0)
  assert.equal(seen.errors[0]?.[1].errorType, 'Function.ResponseSizeTooLarge')
  assert.equal(seen.errors[0]?.[1].errorMessage, `Response payload size (${big.length} bytes) exceeded maximum allowed payload size (6291556 bytes).`)
})

test('a response of exactly the limit is accepted', async (t) => {
  const { api, base, seen } = await serve(t)
  api.deliver(invocation('id-5b'))
  await (await request(`${base}/invocation/next`)).body.text()
  const body = '"' + 'x'.repeat(MAX_RUNTIME_PAYLOAD_BYTES - 2) + '"'
  const res = await request(`${base}/invocation/id-5b/response`, { method: 'POST', body })
  assert.equal(res.statusCode, 202)
  await res.body.text()
  assert.equal(seen.responses[0]?.[1].length, MAX_RUNTIME_PAYLOAD_BYTES)
})

test('an invocation error carries the body\'s errorType, errorMessage and stackTrace; without a JSON body the Lambda-Runtime-Function-Error-Type header names it', async (t) => {
  const { api, base, seen } = await serve(t)
  api.deliver(invocation('id-6'))
  await (await request(`${base}/invocation/next`)).body.text()
  const res = await request(`${base}/invocation/id-6/error`, {
    method: 'POST',
    headers: { 'Lambda-Runtime-Function-Error-Type': 'Runtime.Custom' },
    body: JSON.stringify({ errorMessage: 'boom', errorType: 'ValueError', stackTrace: ['  File "app.py", line 2'] }),
  })
  assert.equal(res.statusCode, 202)
  assert.equal(await res.body.text(), '{"status":"OK"}')
  assert.deepEqual(seen.errors[0], ['id-6', { errorType: 'ValueError', errorMessage: 'boom', trace: ['  File "app.py", line 2'] }])
  api.deliver(invocation('id-7'))
  await (await request(`${base}/invocation/next`)).body.text()
  await (await request(`${base}/invocation/id-7/error`, { method: 'POST', headers: { 'Lambda-Runtime-Function-Error-Type': 'Runtime.Crashed' }, body: 'not json' })).body.text()
  assert.deepEqual(seen.errors[1], ['id-7', { errorType: 'Runtime.Crashed', errorMessage: 'not json', trace: [] }])
  api.deliver(invocation('id-8'))
  await (await request(`${base}/invocation/next`)).body.text()
  await (await request(`${base}/invocation/id-8/error`, { method: 'POST' })).body.text()
  assert.equal(seen.errors[2]?.[1].errorType, 'Unhandled')
})

test('init/error is accepted before the first /next and refused (403 InvalidStateTransition) after it', async (t) => {
  const { api, base, seen } = await serve(t)
  const res = await request(`${base}/init/error`, {
    method: 'POST',
    headers: { 'Lambda-Runtime-Function-Error-Type': 'Runtime.ImportModuleError' },
    body: JSON.stringify({ errorMessage: "Unable to import module 'app'", errorType: 'Runtime.ImportModuleError', stackTrace: [] }),
  })
  assert.equal(res.statusCode, 202)
  await res.body.text()
  assert.deepEqual(seen.initErrors, [{ errorType: 'Runtime.ImportModuleError', errorMessage: "Unable to import module 'app'", trace: [] }])
  api.deliver(invocation('id-9'))
  await (await request(`${base}/invocation/next`)).body.text()
  const late = await request(`${base}/init/error`, { method: 'POST', body: '{}' })
  assert.equal(late.statusCode, 403)
  const body = (await late.body.json()) as { errorType: string; errorMessage: string }
  assert.equal(body.errorType, 'InvalidStateTransition')
  assert.match(body.errorMessage, /^State transition from Invoking to InitError failed for runtime\. Error: /)
})

test('/next while an invocation waits for its answer is refused (403); unknown paths get 404', async (t) => {
  const { api, base } = await serve(t)
  api.deliver(invocation('id-10'))
  await (await request(`${base}/invocation/next`)).body.text()
  const res = await request(`${base}/invocation/next`)
  assert.equal(res.statusCode, 403)
  assert.equal(((await res.body.json()) as { errorType: string }).errorType, 'InvalidStateTransition')
  const missing = await request(`http://${api.address}/2018-06-01/runtime/other`)
  assert.equal(missing.statusCode, 404)
  assert.equal(await missing.body.text(), '404 page not found\n')
})

/** Writes `requests` in one write on a new connection; resolves with what came back once `until` matches it. */
async function pipelined(address: string, requests: string, until: RegExp): Promise<string> {
  const { connect } = await import('node:net')
  const [host, port] = address.split(':') as [string, string]
  const socket = connect(Number(port), host)
  let seen = ''
  return new Promise((resolve, reject) => {
    socket.on('error', reject)
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1')
      if (until.test(seen)) {
        socket.destroy()
        resolve(seen)
      }
    })
    socket.write(requests)
  })
}

const PATH = '/2018-06-01/runtime'
const postResponse = (id: string, body: string): string => `POST ${PATH}/invocation/${id}/response HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`
const getNext = `GET ${PATH}/invocation/next HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`

test('a response and the next /next pipelined in one write: 202, then /next waits (not 403) and gets the next event', async (t) => {
  const { api, seen } = await serve(t)
  api.deliver(invocation('id-p1'))
  const first = await pipelined(api.address, getNext, /"a":1\}$/)
  assert.match(first, /^HTTP\/1\.1 200 /)
  const both = pipelined(api.address, postResponse('id-p1', '{"ok":true}') + getNext, /id-p2[^]*\r\n\r\n\{"a":1\}$/)
  // The held /next is served once the response is in: the runtime then waits (it may be frozen).
  for (let i = 0; i < 100 && !api.waiting; i++) await new Promise((r) => setTimeout(r, 5))
  assert.equal(api.waiting, true)
  assert.deepEqual(seen.responses, [['id-p1', '{"ok":true}']])
  assert.equal(seen.waiting, 1)
  api.deliver(invocation('id-p2'))
  const text = await both
  assert.match(text, /^HTTP\/1\.1 202 Accepted\r\n[^]*\r\n\r\n\{"status":"OK"\}HTTP\/1\.1 200 OK\r\n/)
  assert.match(text, /\r\nlambda-runtime-aws-request-id: id-p2\r\n/i)
})

test('a /next pipelined behind a response for an unknown id: 400, then 403 (the current event still has no answer)', async (t) => {
  const { api } = await serve(t)
  api.deliver(invocation('id-p3'))
  await pipelined(api.address, getNext, /"a":1\}$/)
  const text = await pipelined(api.address, postResponse('other', '{}') + getNext, /InvalidStateTransition"\}$/)
  assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n[^]*InvalidRequestID"\}HTTP\/1\.1 403 Forbidden\r\n/)
})
