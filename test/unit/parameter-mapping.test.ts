// Parameter mapping building blocks (spec 4.3): mapping keys, reserved headers (4.3.3), value
// expressions and the JSONPath subset with its 100 KB evaluation limit. Values are evaluated
// against a real RequestContext filled as the pipeline fills it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RequestContext } from '../../src/http/request-context.js'
import { compileRequestParameters, compileResponseParameters, isReservedHeader, RESERVED_HEADER_MESSAGE, INVALID_MAPPING_MESSAGE } from '../../src/integrations/parameter-mapping/index.js'
import { parseMappingKey } from '../../src/integrations/parameter-mapping/keys.js'
import { compileValue, type MappingDirection, type MappingInput } from '../../src/integrations/parameter-mapping/expression.js'
import { evaluateJsonPath, MAPPING_BODY_EVALUATION_LIMIT_BYTES, parseJsonPath } from '../../src/integrations/parameter-mapping/json-path.js'

const AWS_RESERVED = (name: string): string =>
  `Invalid mapping expression specified: Validation Result: warnings : [], errors : [Operations on header ${name} are restricted]`

// ---------------------------------------------------------------------------------------
// Mapping keys
// ---------------------------------------------------------------------------------------

test('parseMappingKey accepts every documented request key: append|overwrite|remove on header.{name} and querystring.{name}, overwrite:path', () => {
  for (const action of ['append', 'overwrite', 'remove'] as const) {
    assert.deepEqual(parseMappingKey(`${action}:header.X-Custom`, 'request'), { ok: true, key: { action, target: 'header', name: 'X-Custom' } })
    assert.deepEqual(parseMappingKey(`${action}:querystring.page`, 'request'), { ok: true, key: { action, target: 'querystring', name: 'page' } })
  }
  assert.deepEqual(parseMappingKey('overwrite:path', 'request'), { ok: true, key: { action: 'overwrite', target: 'path', name: '' } })
  // Query names are free text (they are percent-encoded when sent); dots stay part of the name.
  assert.deepEqual(parseMappingKey('append:querystring.my name', 'request'), { ok: true, key: { action: 'append', target: 'querystring', name: 'my name' } })
  assert.deepEqual(parseMappingKey('overwrite:querystring.a.b', 'request'), { ok: true, key: { action: 'overwrite', target: 'querystring', name: 'a.b' } })
  assert.deepEqual(parseMappingKey("overwrite:header.x_y!#$%&'*+-.^`|~9", 'request'), {
    ok: true,
    key: { action: 'overwrite', target: 'header', name: "x_y!#$%&'*+-.^`|~9" },
  })
})

test('parseMappingKey accepts every documented response key: append|overwrite|remove on header.{name}, overwrite:statuscode', () => {
  for (const action of ['append', 'overwrite', 'remove'] as const) {
    assert.deepEqual(parseMappingKey(`${action}:header.x-out`, 'response'), { ok: true, key: { action, target: 'header', name: 'x-out' } })
  }
  assert.deepEqual(parseMappingKey('overwrite:statuscode', 'response'), { ok: true, key: { action: 'overwrite', target: 'statuscode', name: '' } })
})

const INVALID_REQUEST_KEYS = [
  'overwrite:statuscode', // response only
  'append:path',
  'remove:path',
  'overwrite:path.x',
  'overwrite:header',
  'overwrite:header.',
  'append:querystring',
  'append:querystring.',
  'overwrite:body',
  'overwrite:body.a',
  'set:header.x',
  'header.x',
  'overwrite-header.x',
  'overwrite:header x',
  ':header.x',
  '',
  'overwrite:header.bad name',
  'overwrite:header.x:y',
  'overwrite:header.é',
  'overwrite:header.x\ny',
] as const

const INVALID_RESPONSE_KEYS = [
  'overwrite:path', // request only
  'append:querystring.q',
  'overwrite:querystring.q',
  'remove:querystring.q',
  'append:statuscode',
  'remove:statuscode',
  'overwrite:statuscode.x',
  'overwrite:header',
  'overwrite:header.',
  'overwrite:status',
  'overwrite:header.bad name',
] as const

test('parseMappingKey refuses every malformed or misplaced request key, naming the key', () => {
  for (const key of INVALID_REQUEST_KEYS) {
    const parsed = parseMappingKey(key, 'request')
    assert.equal(parsed.ok, false, JSON.stringify(key))
    if (!parsed.ok) assert.ok(parsed.reason.includes(`"${key}"`), `${JSON.stringify(key)}: ${parsed.reason}`)
  }
})

test('parseMappingKey refuses every malformed or misplaced response key, naming the key', () => {
  for (const key of INVALID_RESPONSE_KEYS) {
    const parsed = parseMappingKey(key, 'response')
    assert.equal(parsed.ok, false, JSON.stringify(key))
    if (!parsed.ok) assert.ok(parsed.reason.includes(`"${key}"`), `${JSON.stringify(key)}: ${parsed.reason}`)
  }
})

// ---------------------------------------------------------------------------------------
// Reserved headers (spec 4.3.3)
// ---------------------------------------------------------------------------------------

/** The documented list, spelled as the docs spell it; prefixes given with a sample suffix. */
const RESERVED_NAMES = [
  'access-control-allow-origin',
  'Access-Control-Max-Age',
  'access-control-',
  'apigw-requestid',
  'apigw-',
  'Authorization',
  'Connection',
  'Content-Encoding',
  'Content-Length',
  'Content-Location',
  'Forwarded',
  'Keep-Alive',
  'Origin',
  'Proxy-Authenticate',
  'Proxy-Authorization',
  'TE',
  'Trailers',
  'Transfer-Encoding',
  'Upgrade',
  'x-amz-date',
  'X-Amz-Security-Token',
  'x-amz-',
  'x-amzn-trace-id',
  'X-Amzn-RequestId',
  'x-amzn-',
  'X-Forwarded-For',
  'X-Forwarded-Host',
  'X-Forwarded-Proto',
  'Via',
] as const

/** The name as listed, all lower case, all upper case and in alternating case. */
function spellings(name: string): string[] {
  const alternating = [...name].map((c, i) => (i % 2 === 0 ? c.toUpperCase() : c.toLowerCase())).join('')
  return [...new Set([name, name.toLowerCase(), name.toUpperCase(), alternating])]
}

test('every reserved header, in any case, is refused by every action in request mappings with the exact AWS message', () => {
  for (const listed of RESERVED_NAMES) {
    for (const name of spellings(listed)) {
      assert.equal(isReservedHeader(name), true, name)
      for (const action of ['append', 'overwrite', 'remove']) {
        assert.deepEqual(parseMappingKey(`${action}:header.${name}`, 'request'), { ok: false, reason: AWS_RESERVED(name) }, `${action}:header.${name}`)
      }
    }
  }
})

test('every reserved header, in any case, is refused by every action in response mappings with the exact AWS message', () => {
  for (const listed of RESERVED_NAMES) {
    for (const name of spellings(listed)) {
      for (const action of ['append', 'overwrite', 'remove']) {
        assert.deepEqual(parseMappingKey(`${action}:header.${name}`, 'response'), { ok: false, reason: AWS_RESERVED(name) }, `${action}:header.${name}`)
      }
    }
  }
})

test('the reserved-header messages are the AWS BadRequestException wording', () => {
  assert.equal(RESERVED_HEADER_MESSAGE('X-Amz-Date'), AWS_RESERVED('X-Amz-Date'))
  assert.equal(INVALID_MAPPING_MESSAGE('boom'), 'Invalid mapping expression specified: Validation Result: warnings : [], errors : [boom]')
})

test('compileRequestParameters / compileResponseParameters report a reserved header as an issue with the AWS message and build no mapping', () => {
  const request = compileRequestParameters({ 'overwrite:header.x-fine': 'a', 'append:header.Via': 'proxy' })
  assert.equal(request.mapping, null)
  assert.deepEqual(
    request.issues.map((i) => i.reason),
    [AWS_RESERVED('Via')]
  )
  const response = compileResponseParameters({ '200': { 'overwrite:header.x-fine': 'a' }, '500': { 'remove:header.X-Amzn-ErrorType': '' } })
  assert.equal(response.mapping, null)
  assert.deepEqual(
    response.issues.map((i) => i.reason),
    [AWS_RESERVED('X-Amzn-ErrorType')]
  )
  // Even a mapping being deleted ("" value) may not name a reserved header.
  assert.deepEqual(
    compileRequestParameters({ 'overwrite:header.Origin': '' }).issues.map((i) => i.reason),
    [AWS_RESERVED('Origin')]
  )
})

test('headers that only look like reserved ones are allowed (exact names are not prefixes; prefixes need their dash)', () => {
  for (const name of ['x-amzfoo', 'x-am', 'apigw', 'apigwx', 'access-control', 'authorizationx', 'x-authorization', 'origin-x', 'te-x', 'via2', 'x-forwarded-port', 'x-forwarded', 'content-type', 'x-amazon-foo']) {
    assert.equal(isReservedHeader(name), false, name)
    assert.equal(parseMappingKey(`overwrite:header.${name}`, 'request').ok, true, name)
    assert.equal(parseMappingKey(`overwrite:header.${name}`, 'response').ok, true, name)
  }
})

// ---------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------

/** A request as the pipeline leaves it before the integration: POST /dev/items/42?... */
function input(options: { body?: string | Buffer; response?: MappingInput['response']; rawHeaders?: string[] } = {}): MappingInput {
  const ctx = new RequestContext({
    requestId: 'Ab1Cd2Ef3Gh4Ij5=',
    method: 'POST',
    rawHeaders: options.rawHeaders ?? ['Host', 'api.example.com', 'X-Token', 'first', 'User-Agent', 'ua/1', 'x-token', 'second', 'Content-Type', 'application/json'],
    sourceIp: '203.0.113.9',
    host: 'api.example.com',
    localPort: 443,
    scheme: 'https',
  })
  ctx.path = '/dev/items/item 42'
  ctx.rawPathname = '/dev/items/item%2042'
  ctx.stagePath = '/items/item 42'
  ctx.rawQueryString = 'q=1&q=two%20words&Q=upper&plus=a+b'
  ctx.pathParameters = { id: 'item 42' }
  if (options.body !== undefined) ctx.body = Buffer.from(options.body)
  return { ctx, stageVariables: { env: 'dev', url: 'example.com' }, response: options.response ?? null }
}

function evaluate(value: string, direction: MappingDirection = 'request', at: MappingInput = input()): string {
  const compiled = compileValue(value, direction)
  assert.ok(compiled.ok, `${value}: ${compiled.ok ? '' : compiled.reason}`)
  return compiled.evaluate(at)
}

function refused(value: string, direction: MappingDirection = 'request'): string {
  const compiled = compileValue(value, direction)
  assert.equal(compiled.ok, false, `${value} should be refused (${direction})`)
  return compiled.ok ? '' : compiled.reason
}

test('compileValue: a whole-value variable reads its source ($request.header/querystring/path, $context, $stageVariables)', () => {
  assert.equal(evaluate('$request.header.x-token'), 'first,second')
  assert.equal(evaluate('$request.header.X-TOKEN'), 'first,second')
  assert.equal(evaluate('$request.header.user-agent'), 'ua/1')
  assert.equal(evaluate('$request.querystring.q'), '1,two words')
  assert.equal(evaluate('$request.querystring.Q'), 'upper')
  assert.equal(evaluate('$request.querystring.plus'), 'a b')
  assert.equal(evaluate('$request.path'), '/items/item 42')
  assert.equal(evaluate('$request.path.id'), 'item 42')
  assert.equal(evaluate('$context.requestId'), 'Ab1Cd2Ef3Gh4Ij5=')
  assert.equal(evaluate('$context.httpMethod'), 'POST')
  assert.equal(evaluate('$context.identity.sourceIp'), '203.0.113.9')
  assert.equal(evaluate('$context.path'), '/dev/items/item 42')
  assert.equal(evaluate('$stageVariables.env'), 'dev')
})

test('compileValue: braced variables mix with literals; several variables in one value', () => {
  assert.equal(evaluate('Bearer ${request.header.x-token} for ${context.requestId}'), 'Bearer first,second for Ab1Cd2Ef3Gh4Ij5=')
  assert.equal(evaluate('${request.path.id}/${request.path.id}'), 'item 42/item 42')
  assert.equal(evaluate('https://${stageVariables.url}${request.path}?q=${request.querystring.Q}'), 'https://example.com/items/item 42?q=upper')
  assert.equal(evaluate('${stageVariables.env}'), 'dev')
  assert.equal(evaluate('[${context.httpMethod}]'), '[POST]')
})

test('compileValue: literals are taken as they are', () => {
  for (const literal of ['plain', 'with spaces, commas; and = signs', '403', "''", 'cost: $5', '100%', '{not a variable}', 'a.b.c']) {
    assert.equal(evaluate(literal), literal)
    assert.equal(evaluate(literal, 'response'), literal)
  }
  assert.equal(evaluate(''), '')
})

test('compileValue: unresolvable variables evaluate to ""', () => {
  assert.equal(evaluate('$request.header.absent'), '')
  assert.equal(evaluate('$request.querystring.absent'), '')
  assert.equal(evaluate('$request.path.absent'), '')
  assert.equal(evaluate('$stageVariables.absent'), '')
  assert.equal(evaluate('$context.authorizer.claims.sub'), '')
  assert.equal(evaluate('$context.integrationErrorMessage'), '')
  assert.equal(evaluate('$request.body.a'), '') // no body
  assert.equal(evaluate('<${request.header.absent}|${stageVariables.absent}>'), '<|>')
  const noVariables = { ...input(), stageVariables: null }
  assert.equal(evaluate('$stageVariables.env', 'request', noVariables), '')
})

test('compileValue: an unknown source is refused', () => {
  for (const value of ['${foo.bar}', '${requestx.header.a}', 'a ${headers.x} b', '${request}', '${context}', '${stageVariables}', '${}']) {
    refused(value)
    refused(value, 'response')
  }
  // Known sources with unknown parts.
  for (const value of ['$request.headers.x', '$request.header.', '$request.querystring.', '$request.method', '${request.cookie.a}', '$stageVariables.bad-name', '$stageVariables.']) {
    refused(value)
  }
  for (const value of ['$response.status', '$response.header.', '$response.headers.x']) refused(value, 'response')
})

test('compileValue: $response.* is refused in request mappings; $request.* in response mappings', () => {
  assert.match(refused('$response.header.x'), /response/)
  assert.match(refused('$response.body.a'), /response/)
  assert.match(refused('$response.body'), /response/)
  assert.match(refused('x-${response.header.x}'), /response/)
  assert.match(refused('$request.header.x', 'response'), /request/)
  assert.match(refused('$request.body', 'response'), /request/)
  assert.match(refused('${request.path}', 'response'), /request/)
})

test('compileValue: $context.{unknown} is refused, known context variables are accepted', () => {
  for (const value of ['$context.unknown', '${context.unknown}', '$context.requestID', '$context.', '$context.identity.nope']) {
    assert.match(refused(value), /context/, value)
    assert.match(refused(value, 'response'), /context/, value)
  }
  for (const value of ['$context.requestId', '$context.stage', '$context.routeKey', '$context.authorizer.claims.sub', '$context.authorizer.anyKey', '$context.integration.status']) {
    assert.equal(compileValue(value, 'request').ok, true, value)
    assert.equal(compileValue(value, 'response').ok, true, value)
  }
})

test('compileValue: JSONPath recursive descent (..) and filters (?()) are refused in body paths', () => {
  for (const value of ['$request.body..a', '$request.body.a..b', '${request.body..a}', '$request.body.items[?(@.price > 10)]', '$request.body.a[?(@.b)].c']) {
    assert.match(refused(value), /\.\.|\?\(/, value)
  }
  for (const value of ['$response.body..a', '$response.body.items[?(@.x)]']) assert.match(refused(value, 'response'), /\.\.|\?\(/, value)
  for (const value of ['$request.body.*', '$request.body.a[*]', '$request.body.a[', '$request.body.a[x]']) refused(value)
})

test('compileValue: body variables read the JSON body; whole-body variables pass it as text; readsRequestBody/readsResponseBody say so', () => {
  const at = input({ body: '{"a":{"b":["first",2,true,{"c":null}]},"s":"text","odd key":"odd"}' })
  assert.equal(evaluate('$request.body.a.b[0]', 'request', at), 'first')
  assert.equal(evaluate('$request.body.a.b[1]', 'request', at), '2')
  assert.equal(evaluate('$request.body.a.b[2]', 'request', at), 'true')
  assert.equal(evaluate('$request.body.a.b[3]', 'request', at), '{"c":null}')
  assert.equal(evaluate("$request.body.a['b'][0]", 'request', at), 'first')
  assert.equal(evaluate('$request.body.a["b"][1]', 'request', at), '2')
  assert.equal(evaluate('$request.body.a', 'request', at), '{"b":["first",2,true,{"c":null}]}')
  assert.equal(evaluate('$request.body.s', 'request', at), 'text')
  assert.equal(evaluate('$request.body.a.b[9]', 'request', at), '')
  assert.equal(evaluate('$request.body.s.length', 'request', at), '')
  assert.equal(evaluate('$request.body', 'request', at), '{"a":{"b":["first",2,true,{"c":null}]},"s":"text","odd key":"odd"}')
  assert.equal(evaluate('<${request.body.s}>', 'request', at), '<text>')
  assert.equal(evaluate('$request.body.s', 'request', input({ body: 'not json' })), '')
  assert.equal(evaluate('$request.body', 'request', input({ body: 'not json' })), 'not json')

  const flags = (value: string, direction: MappingDirection) => {
    const c = compileValue(value, direction)
    assert.ok(c.ok)
    return [c.readsRequestBody, c.readsResponseBody]
  }
  assert.deepEqual(flags('$request.body.a', 'request'), [true, false])
  assert.deepEqual(flags('$request.body', 'request'), [true, false])
  assert.deepEqual(flags('x${request.body.a}', 'request'), [true, false])
  assert.deepEqual(flags('$request.header.a', 'request'), [false, false])
  assert.deepEqual(flags('$response.body.a', 'response'), [false, true])
  assert.deepEqual(flags('$response.header.a', 'response'), [false, false])
})

test(
  "compileValue: a bracket step right after body ($request.body['odd key'], $request.body[0]) is accepted like any other step",
  () => {
    assert.equal(evaluate("$request.body['odd key']", 'request', input({ body: '{"odd key":"odd"}' })), 'odd')
    assert.equal(evaluate('$request.body[1]', 'request', input({ body: '["a","b"]' })), 'b')
    const response = { headers: [], body: Buffer.from('{"odd key":"odd"}') }
    assert.equal(evaluate("$response.body['odd key']", 'response', input({ response })), 'odd')
  }
)

test('compileValue: response values read $response.header (case-insensitive, repeats joined with ",") and $response.body', () => {
  const response = {
    headers: [
      ['Content-Type', 'application/json'],
      ['x-up', 'v1'],
      ['X-Up', 'v2'],
    ] as Array<readonly [string, string]>,
    body: Buffer.from('{"field":"f","n":{"list":[1,"two"]}}'),
  }
  const at = input({ response })
  assert.equal(evaluate('$response.header.X-UP', 'response', at), 'v1,v2')
  assert.equal(evaluate('$response.header.content-type', 'response', at), 'application/json')
  assert.equal(evaluate('$response.header.absent', 'response', at), '')
  assert.equal(evaluate('$response.body.field', 'response', at), 'f')
  assert.equal(evaluate('$response.body.n.list[1]', 'response', at), 'two')
  assert.equal(evaluate('$response.body', 'response', at), '{"field":"f","n":{"list":[1,"two"]}}')
  assert.equal(evaluate('${response.body.field}:${context.requestId}:${stageVariables.env}', 'response', at), 'f:Ab1Cd2Ef3Gh4Ij5=:dev')
  // A streamed (unread) body reads as empty.
  assert.equal(evaluate('$response.body.field', 'response', input({ response: { headers: [], body: null } })), '')
})

// ---------------------------------------------------------------------------------------
// JSONPath and the 100 KB evaluation limit
// ---------------------------------------------------------------------------------------

test('parseJsonPath: dotted names, [index] and [\'name\'] steps; "" is the whole body', () => {
  assert.deepEqual(parseJsonPath(''), { ok: true, steps: [] })
  assert.deepEqual(parseJsonPath('.a.b[0]'), { ok: true, steps: ['a', 'b', 0] })
  assert.deepEqual(parseJsonPath("['c d'].e"), { ok: true, steps: ['c d', 'e'] })
  assert.deepEqual(parseJsonPath('["x"][12]'), { ok: true, steps: ['x', 12] })
  for (const bad of ['..a', '.a..b', '.a[?(@.b)]', '.*', '.a[*]', '.a[', '.a[x]', 'a', '.', '.a.']) {
    assert.equal(parseJsonPath(bad).ok, false, bad)
  }
})

test('evaluateJsonPath: strings as they are, other JSON values serialised, absent paths and non-JSON bodies undefined', () => {
  const body = Buffer.from('{"s":"x","n":1.5,"t":false,"o":{"k":[1]},"a":[{"b":"c"}]}')
  assert.equal(evaluateJsonPath(body, ['s']), 'x')
  assert.equal(evaluateJsonPath(body, ['n']), '1.5')
  assert.equal(evaluateJsonPath(body, ['t']), 'false')
  assert.equal(evaluateJsonPath(body, ['o']), '{"k":[1]}')
  assert.equal(evaluateJsonPath(body, ['a', 0, 'b']), 'c')
  assert.equal(evaluateJsonPath(body, []), '{"s":"x","n":1.5,"t":false,"o":{"k":[1]},"a":[{"b":"c"}]}')
  assert.equal(evaluateJsonPath(body, ['missing']), undefined)
  assert.equal(evaluateJsonPath(body, ['a', 1]), undefined)
  assert.equal(evaluateJsonPath(body, ['s', 'length']), undefined)
  assert.equal(evaluateJsonPath(body, ['o', 'toString']), undefined)
  assert.equal(evaluateJsonPath(Buffer.from('not json'), ['a']), undefined)
  assert.equal(evaluateJsonPath(Buffer.alloc(0), ['a']), undefined)
})

/** `{"pad":"xxx…","late":"v"}` exactly `size` bytes long. */
function paddedBody(size: number): Buffer {
  const shell = '{"pad":"","late":"v"}'
  return Buffer.from(`{"pad":"${'x'.repeat(size - shell.length)}","late":"v"}`)
}

test('the JSONPath evaluation limit is 100 KB: a body of exactly the limit is evaluated whole', () => {
  assert.equal(MAPPING_BODY_EVALUATION_LIMIT_BYTES, 100 * 1024)
  const body = paddedBody(MAPPING_BODY_EVALUATION_LIMIT_BYTES)
  assert.equal(body.length, MAPPING_BODY_EVALUATION_LIMIT_BYTES)
  assert.equal(evaluateJsonPath(body, ['late']), 'v')
  assert.equal(evaluate('$request.body.late', 'request', input({ body })), 'v')
})

test('a body over 100 KB is cut before JSONPath evaluation: a field beyond the cut evaluates to ""', () => {
  for (const size of [MAPPING_BODY_EVALUATION_LIMIT_BYTES + 1, MAPPING_BODY_EVALUATION_LIMIT_BYTES + 100, 3 * MAPPING_BODY_EVALUATION_LIMIT_BYTES]) {
    const body = paddedBody(size)
    assert.equal(evaluateJsonPath(body, ['late']), undefined, String(size))
    assert.equal(evaluate('$request.body.late', 'request', input({ body })), '', String(size))
    assert.equal(evaluate('[${request.body.late}]', 'request', input({ body })), '[]', String(size))
    const response = { headers: [], body }
    assert.equal(evaluate('$response.body.late', 'response', input({ response })), '', String(size))
  }
})

test('$request.body without a path is never cut: it passes bodies over 100 KB whole (the documented recipe)', () => {
  const body = paddedBody(2 * MAPPING_BODY_EVALUATION_LIMIT_BYTES)
  assert.equal(evaluate('$request.body', 'request', input({ body })), body.toString())
  assert.equal(evaluate('$response.body', 'response', input({ response: { headers: [], body } })), body.toString())
})

// ---------------------------------------------------------------------------------------
// Whole maps
// ---------------------------------------------------------------------------------------

test('a mapping whose value is "" is deleted; remove: ignores its value; nothing left to apply gives no mapping', () => {
  assert.deepEqual(compileRequestParameters({ 'append:header.header1': '', 'overwrite:querystring.q': '', 'overwrite:path': '' }), { mapping: null, issues: [] })
  const removeOnly = compileRequestParameters({ 'remove:header.header1': "''" })
  assert.deepEqual(removeOnly.issues, [])
  assert.notEqual(removeOnly.mapping, null)
  // A remove's value is never compiled, so even a value that would be refused is fine.
  assert.deepEqual(compileRequestParameters({ 'remove:header.x': '$response.header.x' }).issues, [])
  assert.deepEqual(compileResponseParameters({ '200': {} }), { mapping: null, issues: [] })
  assert.deepEqual(compileResponseParameters({ '200': { 'append:header.h': '' } }), { mapping: null, issues: [] })
})

test('a request mapping evaluates every value against the original request before applying any operation', () => {
  const { mapping, issues } = compileRequestParameters({
    'append:header.header2': '$request.header.header1',
    'remove:header.header1': "''",
    'overwrite:querystring.copy': '$request.querystring.q',
    'remove:querystring.q': '',
  })
  assert.deepEqual(issues, [])
  assert.ok(mapping !== null)
  const at = input({ rawHeaders: ['header1', 'moved', 'other', 'kept'] })
  ;(at.ctx as RequestContext).rawQueryString = 'q=1&q=2&z=9'
  const parts = { headers: [['header1', 'moved'], ['other', 'kept']] as Array<[string, string]>, rawQueryString: 'q=1&q=2&z=9', path: null }
  mapping.apply(at, parts)
  assert.deepEqual(parts.headers, [
    ['other', 'kept'],
    ['header2', 'moved'],
  ])
  assert.equal(parts.rawQueryString, 'z=9&copy=1%2C2')
  assert.equal(parts.path, null)
})

test('response mappings are keyed "200"-"599"; other keys and non-status statuscode literals are refused', () => {
  for (const status of ['199', '600', '2xx', 'default', '20', '0200']) {
    const { mapping, issues } = compileResponseParameters({ [status]: { 'overwrite:header.x': 'y' } })
    assert.equal(mapping, null, status)
    assert.equal(issues.length, 1, status)
  }
  for (const status of ['200', '404', '500', '599']) {
    assert.deepEqual(compileResponseParameters({ [status]: { 'overwrite:header.x': 'y' } }).issues, [], status)
  }
  for (const code of ['abc', '99', '600', '4031']) {
    assert.equal(compileResponseParameters({ '500': { 'overwrite:statuscode': code } }).issues.length, 1, code)
  }
  const { mapping } = compileResponseParameters({ '500': { 'overwrite:statuscode': '403', 'append:header.header1': '$context.requestId' } })
  assert.ok(mapping !== null)
  assert.equal(mapping.appliesTo(500), true)
  assert.equal(mapping.appliesTo(404), false)
  const applied = mapping.apply(input(), 500, [['content-type', 'application/json']])
  assert.deepEqual(applied, {
    ok: true,
    response: {
      statusCode: 403,
      headers: [
        ['content-type', 'application/json'],
        ['header1', 'Ab1Cd2Ef3Gh4Ij5='],
      ],
    },
  })
  assert.deepEqual(mapping.apply(input(), 404, [['a', 'b']]), { ok: true, response: { statusCode: 404, headers: [['a', 'b']] } })
})
