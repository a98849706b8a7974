import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseRouteKey, INVALID_PATH_PARTS } from '../../src/routing/route-key.js'

test('parses $default, literal, variable and greedy route keys', () => {
  assert.deepEqual(parseRouteKey('$default'), { ok: true, value: { kind: 'default', routeKey: '$default' } })
  const r = parseRouteKey('GET /pets/{petId}/toys/{proxy+}')
  assert.ok(r.ok && r.value.kind === 'path')
  assert.equal(r.value.method, 'GET')
  assert.deepEqual(r.value.segments, [
    { kind: 'literal', value: 'pets' },
    { kind: 'variable', name: 'petId' },
    { kind: 'literal', value: 'toys' },
    { kind: 'greedy', name: 'proxy' },
  ])
  const root = parseRouteKey('ANY /')
  assert.ok(root.ok && root.value.kind === 'path' && root.value.segments.length === 0)
})

for (const [key, fragment] of [
  ['GET /x/', INVALID_PATH_PARTS],
  ['GET /x{y}', INVALID_PATH_PARTS],
  ['GET /{eventId}.json', INVALID_PATH_PARTS],
  ['GET /a//b', INVALID_PATH_PARTS],
  ['GET /{proxy+}/x', 'must be the last path part'],
  ['GET /{a}/{a}', 'used twice'],
  ['FETCH /x', 'method "FETCH"'],
  ['get /x', 'method "get"'],
  ['GET  /x', 'exactly one space'],
  ['GET x', 'must start with "/"'],
  ['/x', 'exactly one space'],
] as const) {
  test(`rejects route key ${JSON.stringify(key)}`, () => {
    const r = parseRouteKey(key)
    assert.equal(r.ok, false)
    assert.ok(!r.ok && r.reason.includes(fragment), !r.ok ? r.reason : '')
  })
}
