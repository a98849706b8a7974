import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, singleFunctionApi } from '../helpers/gateway.js'
import { http } from '../helpers/http.js'

test('a function error is answered 500 {"message":"Internal Server Error"} and the next request still works', async (t) => {
  const { url, logs } = await startGateway(t, singleFunctionApi({ handler: 'scripted.handler' }))
  const failed = await http(url + '/x', { method: 'POST', body: JSON.stringify({ throw: 'boom' }), headers: { 'content-type': 'application/json' } })
  assert.equal(failed.status, 500)
  assert.equal(failed.text, '{"message":"Internal Server Error"}')
  assert.equal(failed.headers['content-type'], 'application/json')
  assert.equal(failed.headers['content-length'], '35')
  assert.match(String(failed.headers['apigw-requestid']), /^[A-Za-z0-9_-]{15}=$/)
  assert.ok(logs.some((l) => l.includes('Invoke Error') && l.includes('boom')))
  const ok = await http(url + '/x')
  assert.equal(ok.status, 200)
  assert.equal(ok.json<{ functionName: string }>().functionName, 'fn')
})

test('a .js CommonJS handler sees the Lambda context and environment variables', async (t) => {
  const { url } = await startGateway(t, singleFunctionApi({ handler: 'context.handler', environment: { GREETING: 'hi' } }))
  const res = await http(url + '/')
  assert.equal(res.status, 200)
  const body = res.json<Record<string, unknown>>()
  assert.equal(body['functionName'], 'fn')
  assert.equal(body['invokedFunctionArn'], 'arn:aws:lambda:us-east-1:123456789012:function:fn')
  assert.deepEqual(body['env'], { AWS_LAMBDA_FUNCTION_NAME: 'fn', AWS_REGION: 'us-east-1', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128', GREETING: 'hi' })
})
