// The operation table matches spec 12.2 row for row, and paths match as the SDKs send them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { matchOperation, operationTable } from '../../../src/sources/control-plane/operations.js'
import { page } from '../../../src/sources/control-plane/context.js'
import { matchLambda } from '../../../src/sources/control-plane/lambda.js'

const SPEC = '/work/shared/spec/aws-apigateway-v2.md'

test('every operation of spec 12.2 is in the table with its method and path', { skip: !safeExists(SPEC) && 'the shared spec is not on this machine' }, () => {
  const text = readFileSync(SPEC, 'utf8')
  const section = text.slice(text.indexOf('### 12.2'), text.indexOf('### 12.3'))
  const rows = [...section.matchAll(/^\| `(\w+)` \| `(\w+)` \| `([^`]+)` \|/gm)].map((m) => ({ name: m[1], method: m[2], path: m[3]?.replace('{resource-arn}', '{resourceArn}') }))
  assert.ok(rows.length > 60)
  const table = operationTable().map(({ name, method, path }) => ({ name, method, path }))
  assert.deepEqual(table, rows)
})

function safeExists(file: string): boolean {
  try {
    readFileSync(file)
    return true
  } catch {
    return false
  }
}

test('72 operations; all but GetModelTemplate and the VPC-link ones are implemented (docs/control-plane.md)', () => {
  const table = operationTable()
  assert.equal(table.length, 72)
  assert.deepEqual(table.filter((o) => !o.implemented).map((o) => o.name), ['GetModelTemplate', 'GetVpcLinks', 'CreateVpcLink', 'DeleteVpcLink', 'GetVpcLink', 'UpdateVpcLink'])
})

test('paths match with decoded segments; unknown methods name the allowed ones', () => {
  const tags = matchOperation('GET', ['v2', 'tags', 'arn:aws:apigateway:us-east-1::/apis/abc'])
  assert.equal(tags.name, 'GetTags')
  assert.deepEqual(tags.name !== undefined && tags.params, { resourceArn: 'arn:aws:apigateway:us-east-1::/apis/abc' })
  const settings = matchOperation('DELETE', ['v2', 'apis', 'a1', 'stages', 'prod', 'routesettings', 'GET /pets'])
  assert.equal(settings.name, 'DeleteRouteSettings')
  const wrong = matchOperation('POST', ['v2', 'apis', 'a1'])
  assert.equal(wrong.name, undefined)
  assert.deepEqual(wrong.name === undefined && wrong.methodsAllowed, ['DELETE', 'GET', 'PATCH', 'PUT'])
  assert.equal(matchOperation('GET', ['v2', 'apis', '']).name, undefined, 'an empty id is no id')
})

test('Lambda paths: names, ARNs and the trailing slash of ListFunctions', () => {
  assert.equal(matchLambda('GET', ['2015-03-31', 'functions', ''])?.name, 'ListFunctions')
  assert.deepEqual(matchLambda('POST', ['2015-03-31', 'functions', 'arn:aws:lambda:us-east-1:123456789012:function:f', 'invocations']), { name: 'Invoke', functionName: 'f', params: {} })
  assert.deepEqual(matchLambda('DELETE', ['2015-03-31', 'functions', 'f', 'policy', 'sid1']), { name: 'RemovePermission', functionName: 'f', params: { statementId: 'sid1' } })
  assert.equal(matchLambda('GET', ['2015-03-31', 'functions', 'f', 'versions']), undefined)
})

test('pages: maxResults defaults to 100 [EMU], nextToken is opaque and checked', () => {
  const items = Array.from({ length: 150 }, (_, i) => ({ i }))
  const first = page(items, new URLSearchParams())
  assert.equal((first['items'] as unknown[]).length, 100)
  const second = page(items, new URLSearchParams({ nextToken: first['nextToken'] as string }))
  assert.equal((second['items'] as unknown[]).length, 50)
  assert.equal(second['nextToken'], undefined)
  assert.throws(() => page(items, new URLSearchParams({ maxResults: '0' })), /maxResults must be an integer between 1 and 500/)
  assert.throws(() => page(items, new URLSearchParams({ nextToken: 'garbage!' })), /Invalid nextToken/)
})
