// eventV2Json must be JSON.stringify(buildEventV2(...)) byte for byte, whichever way it writes
// the headers: long header values (a bearer token) are quoted without JSON.stringify's loop.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RequestContext } from '../../src/http/request-context.js'
import { buildEventV2, eventV2Json, LONG_HEADER_VALUE } from '../../src/integrations/lambda/event-v2.js'

function input(rawHeaders: string[], path = '/items/1') {
  const ctx = new RequestContext({ requestId: 'Ab1Cd2Ef3Gh4Ij5=', method: 'GET', rawHeaders, sourceIp: '203.0.113.9', host: 'api.example.com', localPort: 443, scheme: 'https' })
  ctx.path = path
  ctx.rawPathname = path
  ctx.stagePath = path
  ctx.rawQueryString = 'headers=0&q=%22headers%22:0'
  ctx.pathParameters = { headers: '0' }
  ctx.authorizer = { kind: 'jwt', claims: { sub: 'u1', scope: 'a b' }, scopes: null }
  return { ctx, accountId: '123456789012', apiId: 'api1', stageName: '$default', routeKey: 'GET /items/{id}', stageVariables: { headers: '0' } }
}

const token = 'Bearer eyJhbGciOiJSUzI1NiJ9.' + 'x'.repeat(LONG_HEADER_VALUE) + '.sig_-'

for (const [name, value] of [
  ['a plain long value', token],
  ['a long value with a quote', token + '"'],
  ['a long value with a backslash', token + '\\'],
  ['a long value with a tab', token + '\tend'],
  ['a long value with a control character', token + '\u0001'],
  ['a long value with Latin-1 text', token + 'é ü'],
  ['a long value with a lone surrogate', token + '\ud800'],
  ['a long value with a surrogate pair', token + '😀'],
  ['a value just under the threshold', 'y'.repeat(LONG_HEADER_VALUE - 1)],
  ['a value at the threshold', 'y'.repeat(LONG_HEADER_VALUE)],
] as const) {
  test(`eventV2Json equals JSON.stringify(buildEventV2()) with ${name}`, () => {
    const headers = ['Host', 'api.example.com', 'X-Amzn-Trace-Id', 'Root=1-00000000-000000000000000000000000', '123', 'numeric name', 'Authorization', value, 'x-repeat', 'a', 'X-Repeat', 'b', 'Cookie', 'c=1; d=2', 'User-Agent', 'ua/1']
    const one = input(headers)
    assert.equal(eventV2Json(one), JSON.stringify(buildEventV2(one)))
  })
}

test('eventV2Json puts the headers in place when the path holds "headers":0', () => {
  const headers = ['Host', 'api.example.com', 'X-Amzn-Trace-Id', 'Root=1-00000000-000000000000000000000000', 'Authorization', token]
  const one = input(headers, '/"headers":0/x')
  const text = eventV2Json(one)
  assert.equal(text, JSON.stringify(buildEventV2(one)))
  assert.equal((JSON.parse(text) as { headers: Record<string, string> }).headers['authorization'], token)
})
