import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RESERVED_CONTEXT_KEYS, decide, parseAuthorizerResponse, routeArn, wildcardMatch, type AuthorizerResponseMode } from '../../src/auth/authorizer-response.js'

// Lambda authorizer results (spec 5.2): parsing into a cacheable form, deciding per route ARN,
// the wildcard matcher, and building the route ARN. Rows marked provisional follow an
// [UNCONFIRMED] choice documented in src/auth/authorizer-response.ts.

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

const SIMPLE: AuthorizerResponseMode = { payloadFormatVersion: '2.0', enableSimpleResponses: true }
const POLICY_V2: AuthorizerResponseMode = { payloadFormatVersion: '2.0', enableSimpleResponses: false }
const POLICY_V1: AuthorizerResponseMode = { payloadFormatVersion: '1.0', enableSimpleResponses: false }

const ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/pets/42'

/** A policy response with the given statements (as the Lambda would return them). */
const policy = (statement: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  principalId: 'user-1',
  policyDocument: { Version: '2012-10-17', Statement: statement },
  ...extra,
})
const allow = (Resource: unknown, Action: unknown = 'execute-api:Invoke') => ({ Effect: 'Allow', Action, Resource })
const deny = (Resource: unknown, Action: unknown = 'execute-api:Invoke') => ({ Effect: 'Deny', Action, Resource })

/** parse + decide, returning just the decision kind. */
function kindOf(result: unknown, mode: AuthorizerResponseMode = POLICY_V2, arn = ARN): string {
  return decide(parseAuthorizerResponse(result, mode), arn).kind
}

/** Asserts the result is invalid and its reason mentions `fragment`. */
function assertInvalid(result: unknown, mode: AuthorizerResponseMode, fragment: string): void {
  const parsed = parseAuthorizerResponse(result, mode)
  assert.equal(parsed.kind, 'invalid', JSON.stringify(result))
  assert.ok(parsed.kind === 'invalid' && parsed.reason.includes(fragment), parsed.kind === 'invalid' ? parsed.reason : '')
}

// ---------------------------------------------------------------------------------------
// Non-object results
// ---------------------------------------------------------------------------------------

for (const result of [null, undefined, 'Allow', 42, true, [], [{ isAuthorized: true }]]) {
  for (const mode of [SIMPLE, POLICY_V2, POLICY_V1]) {
    test(`a result of ${JSON.stringify(result) ?? 'undefined'} is invalid (payload ${mode.payloadFormatVersion}, simple=${mode.enableSimpleResponses})`, () => {
      assertInvalid(result, mode, 'not a JSON object')
    })
  }
}

// ---------------------------------------------------------------------------------------
// Simple responses (payload 2.0, enableSimpleResponses)
// ---------------------------------------------------------------------------------------

for (const [name, result, expected] of [
  ['isAuthorized true → allow', { isAuthorized: true }, 'allow'],
  ['isAuthorized false → deny', { isAuthorized: false }, 'deny'],
  ['missing isAuthorized → invalid', {}, 'invalid'],
  ['string "true" → invalid', { isAuthorized: 'true' }, 'invalid'],
  ['number 1 → invalid', { isAuthorized: 1 }, 'invalid'],
  ['null → invalid', { isAuthorized: null }, 'invalid'],
  ['a policy response where a simple one is expected → invalid', policy(allow('*')), 'invalid'],
] as const) {
  test(`simple response: ${name}`, () => {
    assert.equal(kindOf(result, SIMPLE), expected)
  })
}

test('simple response: the decision ignores the route ARN and carries the context unchanged', () => {
  const context = { stringKey: 'value', numberKey: 1, booleanKey: true, arrayKey: ['value1', 'value2'], mapKey: { value1: 'value2' } }
  const parsed = parseAuthorizerResponse({ isAuthorized: true, context }, SIMPLE)
  for (const arn of [ARN, 'arn:aws:execute-api:eu-west-1:1:other/prod/POST/x']) {
    assert.deepEqual(decide(parsed, arn), { kind: 'allow', principalId: undefined, context })
  }
  assert.deepEqual(decide(parseAuthorizerResponse({ isAuthorized: false, context }, SIMPLE), ARN), {
    kind: 'deny',
    principalId: undefined,
    context,
  })
})

for (const [name, context, expected] of [
  ['absent', undefined, 'allow'],
  ['null (provisional: treated as absent)', null, 'allow'],
  ['empty object', {}, 'allow'],
  ['nested values (2.0 keeps JSON types)', { a: [1, { b: null }], c: { d: 'e' } }, 'allow'],
  ['an array', ['a'], 'invalid'],
  ['a string', 'ctx', 'invalid'],
  ['a number', 7, 'invalid'],
] as const) {
  test(`simple response: context ${name} → ${expected}`, () => {
    const result = context === undefined ? { isAuthorized: true } : { isAuthorized: true, context }
    assert.equal(kindOf(result, SIMPLE), expected)
  })
}

test('simple response: a null context is reported as undefined', () => {
  assert.deepEqual(parseAuthorizerResponse({ isAuthorized: true, context: null }, SIMPLE), {
    kind: 'simple',
    isAuthorized: true,
    context: undefined,
  })
})

// ---------------------------------------------------------------------------------------
// Reserved context key
// ---------------------------------------------------------------------------------------

test('claims is the reserved context key', () => {
  assert.deepEqual([...RESERVED_CONTEXT_KEYS], ['claims'])
})

for (const [label, result, mode] of [
  ['simple 2.0', { isAuthorized: true, context: { claims: 'x' } }, SIMPLE],
  ['policy 2.0 (provisional)', policy(allow('*'), { context: { claims: { sub: 'a' } } }), POLICY_V2],
  ['policy 1.0', policy(allow('*'), { context: { claims: 'x' } }), POLICY_V1],
] as const) {
  test(`context key "claims" is rejected (${label})`, () => {
    assertInvalid(result, mode, '"claims" is reserved')
  })
}

test('context keys that merely contain "claims" are fine', () => {
  assert.equal(kindOf({ isAuthorized: true, context: { myclaims: 1, Claims: 2 } }, SIMPLE), 'allow')
})

// ---------------------------------------------------------------------------------------
// Payload 1.0: policy only, REST-style context values
// ---------------------------------------------------------------------------------------

test('payload 1.0: a simple response is invalid (policy only), even with enableSimpleResponses', () => {
  assertInvalid({ isAuthorized: true }, POLICY_V1, 'policyDocument')
  assertInvalid({ isAuthorized: true }, { payloadFormatVersion: '1.0', enableSimpleResponses: true }, 'policyDocument')
})

test('payload 1.0: a policy response is evaluated like 2.0', () => {
  assert.equal(kindOf(policy(allow(ARN)), POLICY_V1), 'allow')
  assert.equal(kindOf(policy(deny(ARN)), POLICY_V1), 'deny')
})

for (const [name, value, expected] of [
  ['string', 'v', 'allow'],
  ['number', 1.5, 'allow'],
  ['boolean', false, 'allow'],
  ['empty string', '', 'allow'],
  ['null (provisional)', null, 'invalid'],
  ['array (provisional)', ['a'], 'invalid'],
  ['object (provisional)', { a: 1 }, 'invalid'],
] as const) {
  test(`payload 1.0: a context value that is ${name} → ${expected}`, () => {
    assert.equal(kindOf(policy(allow('*'), { context: { key: value } }), POLICY_V1), expected)
  })
}

test('payload 2.0 policy responses keep any JSON context value', () => {
  const context = { arrayKey: [1, 2], mapKey: { a: { b: true } }, nullKey: null }
  assert.deepEqual(decide(parseAuthorizerResponse(policy(allow('*'), { context }), POLICY_V2), ARN), {
    kind: 'allow',
    principalId: 'user-1',
    context,
  })
})

// ---------------------------------------------------------------------------------------
// Policy responses: shape
// ---------------------------------------------------------------------------------------

test('a policy is normalised: single statement, Action and Resource become lists', () => {
  assert.deepEqual(parseAuthorizerResponse(policy(allow(ARN)), POLICY_V2), {
    kind: 'policy',
    principalId: 'user-1',
    statements: [{ effect: 'Allow', actions: ['execute-api:Invoke'], resources: [ARN] }],
    context: undefined,
  })
  const list = parseAuthorizerResponse(policy([deny(['a', 'b'], ['execute-api:Invoke', 'execute-api:*'])]), POLICY_V2)
  assert.ok(list.kind === 'policy')
  assert.deepEqual(list.statements, [{ effect: 'Deny', actions: ['execute-api:Invoke', 'execute-api:*'], resources: ['a', 'b'] }])
})

for (const [name, result, fragment] of [
  ['missing policyDocument', { principalId: 'u' }, 'policyDocument is missing'],
  ['policyDocument a string', { policyDocument: '{"Statement":[]}' }, 'policyDocument is missing'],
  ['missing Statement', { policyDocument: { Version: '2012-10-17' } }, 'Statement'],
  ['Statement a string', policy('Allow'), 'Statement'],
  ['Statement entry not an object', policy(['Allow']), 'Statement[0]'],
  ['Version not a string', { policyDocument: { Version: 2012, Statement: [] } }, 'Version'],
  ['principalId a number (provisional)', policy(allow('*'), { principalId: 7 }), 'principalId'],
  ['lowercase effect "allow" (provisional)', policy({ Effect: 'allow', Action: 'execute-api:Invoke', Resource: '*' }), 'Effect'],
  ['uppercase effect "DENY" (provisional)', policy({ Effect: 'DENY', Action: 'execute-api:Invoke', Resource: '*' }), 'Effect'],
  ['missing Effect', policy({ Action: 'execute-api:Invoke', Resource: '*' }), 'Effect'],
  ['missing Action', policy({ Effect: 'Allow', Resource: '*' }), 'Action'],
  ['empty Action list', policy(allow('*', [])), 'Action'],
  ['non-string in Action list', policy(allow('*', ['execute-api:Invoke', 1])), 'Action'],
  ['missing Resource', policy({ Effect: 'Allow', Action: 'execute-api:Invoke' }), 'Resource'],
  ['empty Resource list', policy(allow([])), 'Resource'],
  ['Resource an object', policy(allow({ arn: ARN })), 'Resource'],
  ['NotAction (provisional)', policy({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }), 'NotAction'],
  ['NotResource (provisional)', policy({ Effect: 'Deny', Action: 'execute-api:Invoke', NotResource: ARN }), 'NotResource'],
  ['Condition (provisional)', policy({ ...allow('*'), Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }), 'Condition'],
  ['Principal (provisional)', policy({ ...allow('*'), Principal: '*' }), 'Principal'],
  ['an invalid statement after a valid one', policy([allow('*'), { Effect: 'Allow' }]), 'Statement[1]'],
] as const) {
  test(`policy response: ${name} → invalid`, () => {
    assertInvalid(result, POLICY_V2, fragment)
  })
}

test('policy response: Version and principalId may be missing, Sid is ignored', () => {
  const result = { policyDocument: { Statement: { Sid: 'one', ...allow(ARN) } } }
  assert.deepEqual(decide(parseAuthorizerResponse(result, POLICY_V2), ARN), { kind: 'allow', principalId: undefined, context: undefined })
})

test('policy response: an empty statement list parses and denies', () => {
  assert.equal(parseAuthorizerResponse(policy([]), POLICY_V2).kind, 'policy')
  assert.equal(kindOf(policy([])), 'deny')
})

test('policy response: a simple-response shape without policyDocument is invalid in policy mode', () => {
  assertInvalid({ isAuthorized: true }, POLICY_V2, 'policyDocument')
})

test('policy response: principalId and context reach the decision on deny as well as allow', () => {
  const context = { tenant: 't1' }
  assert.deepEqual(decide(parseAuthorizerResponse(policy(deny('*'), { context }), POLICY_V2), ARN), {
    kind: 'deny',
    principalId: 'user-1',
    context,
  })
})

// ---------------------------------------------------------------------------------------
// Policy responses: evaluation
// ---------------------------------------------------------------------------------------

const BASE = 'arn:aws:execute-api:us-east-1:123456789012:abcdef123'

for (const [name, statement, expected] of [
  // Action
  ['exact Action', allow(ARN), 'allow'],
  ['Action case-insensitive', allow(ARN, 'EXECUTE-API:invoke'), 'allow'],
  ['Action execute-api:*', allow(ARN, 'execute-api:*'), 'allow'],
  ['Action *', allow(ARN, '*'), 'allow'],
  ['Action execute-api:Inv*', allow(ARN, 'execute-api:Inv*'), 'allow'],
  ['Action execute-api:Invok?', allow(ARN, 'execute-api:Invok?'), 'allow'],
  ['Action *:Invoke', allow(ARN, '*:Invoke'), 'allow'],
  ['Action list with one match', allow(ARN, ['s3:GetObject', 'execute-api:Invoke']), 'allow'],
  ['other action only', allow(ARN, 'execute-api:ManageConnections'), 'deny'],
  ['other service', allow(ARN, 'lambda:Invoke'), 'deny'],
  ['Action without service prefix', allow(ARN, 'Invoke'), 'deny'],
  ['Action with trailing text', allow(ARN, 'execute-api:InvokeX'), 'deny'],
  ['Deny of another action does not deny Invoke', [allow(ARN), deny(ARN, 'execute-api:InvalidateCache')], 'allow'],
  // Resource
  ['Resource *', allow('*'), 'allow'],
  ['Resource stage wildcard', allow(`${BASE}/*`), 'allow'],
  ['Resource any stage, GET, any path', allow(`${BASE}/*/GET/*`), 'allow'],
  ['Resource wrong method', allow(`${BASE}/test/POST/*`), 'deny'],
  ['Resource * spans / and :', allow('arn:aws:execute-api:*/pets/42'), 'allow'],
  ['Resource * in the middle of a segment', allow(`${BASE}/test/GET/pe*/42`), 'allow'],
  ['Resource ? for one character', allow(`${BASE}/test/GET/pets/4?`), 'allow'],
  ['Resource ? at the end needs exactly one more character', allow(`${BASE}/test/GET/pets/42?`), 'deny'],
  ['Resource ? is not optional', allow(`${BASE}/test/GET/pets/?42`), 'deny'],
  ['Resource region and account wildcards', allow('arn:aws:execute-api:*:*:abcdef123/test/GET/pets/42'), 'allow'],
  ['Resource list with one match', allow([`${BASE}/prod/*`, `${BASE}/test/*`]), 'allow'],
  ['Resource prefix only (no trailing *)', allow(`${BASE}/test/GET/pets`), 'deny'],
  ['Resource is case-sensitive', allow(`${BASE}/test/get/pets/42`), 'deny'],
  ['Resource other API', allow('arn:aws:execute-api:us-east-1:123456789012:zzz/*'), 'deny'],
  ['Resource empty string', allow(''), 'deny'],
  // Combining statements
  ['explicit Deny beats Allow (Deny second)', [allow('*'), deny(ARN)], 'deny'],
  ['explicit Deny beats Allow (Deny first)', [deny(`${BASE}/*/GET/pets/*`), allow(ARN)], 'deny'],
  ['explicit Deny in the same statement list via wildcard action', [allow(ARN), deny('*', '*')], 'deny'],
  ['Deny on another route does not block', [allow('*'), deny(`${BASE}/test/DELETE/*`)], 'allow'],
  ['Deny-only policy matching → deny', deny(ARN), 'deny'],
  ['Deny-only policy not matching → deny (no Allow)', deny(`${BASE}/prod/*`), 'deny'],
  ['no statement matches → deny', [allow(`${BASE}/prod/*`), allow(ARN, 's3:*')], 'deny'],
  ['Allow split across statements', [allow(`${BASE}/prod/*`), allow(`${BASE}/test/GET/*`)], 'allow'],
] as const) {
  test(`policy evaluation: ${name} → ${expected}`, () => {
    assert.equal(kindOf(policy(statement)), expected)
  })
}

test('a parsed (cacheable) policy is re-evaluated per route ARN', () => {
  const parsed = parseAuthorizerResponse(policy([allow(`${BASE}/test/GET/*`), deny(`${BASE}/test/GET/admin*`)]), POLICY_V2)
  assert.equal(decide(parsed, `${BASE}/test/GET/pets`).kind, 'allow')
  assert.equal(decide(parsed, `${BASE}/test/POST/pets`).kind, 'deny')
  assert.equal(decide(parsed, `${BASE}/test/GET/admin/users`).kind, 'deny')
  assert.equal(decide(parsed, `${BASE}/test/GET/pets`).kind, 'allow')
})

test('decide passes an invalid parse through unchanged', () => {
  const parsed = parseAuthorizerResponse('nope', POLICY_V2)
  assert.deepEqual(decide(parsed, ARN), parsed)
})

// ---------------------------------------------------------------------------------------
// Wildcard matcher
// ---------------------------------------------------------------------------------------

for (const [pattern, text, expected] of [
  ['', '', true],
  ['', 'a', false],
  ['*', '', true],
  ['*', 'anything/at:all', true],
  ['**', '', true],
  ['a**b', 'ab', true],
  ['a**b', 'axxb', true],
  ['a*', 'a', true],
  ['*a', 'ba', true],
  ['*a', 'ab', false],
  ['?', '', false],
  ['?', 'x', true],
  ['?', 'xy', false],
  ['ab?', 'ab', false],
  ['ab?', 'abc', true],
  ['?*', '', false],
  ['*?', 'x', true],
  ['a*b*c', 'abc', true],
  ['a*b*c', 'aXbYbZc', true],
  ['a*b*c', 'aXbYc', true],
  ['a*b*c', 'acb', false],
  ['*ab', 'aab', true],
  ['*aab', 'aaab', true],
  // Regex metacharacters are literal.
  ['a.c', 'abc', false],
  ['a.c', 'a.c', true],
  ['[ab]', 'a', false],
  ['[ab]', '[ab]', true],
  ['(a|b)', 'a', false],
  ['(a|b)', '(a|b)', true],
  ['a+', 'aa', false],
  ['a+', 'a+', true],
  ['^a$', '^a$', true],
  ['\\d', '\\d', true],
  ['\\d', '1', false],
  ['{1}', '{1}', true],
  ['/pets/{id}', '/pets/42', false],
  // Unicode: `?` is one UTF-16 code unit, like the rest of the matcher.
  ['caf?', 'café', true],
] as const) {
  test(`wildcardMatch(${JSON.stringify(pattern)}, ${JSON.stringify(text)}) is ${expected}`, () => {
    assert.equal(wildcardMatch(pattern, text), expected)
  })
}

test('a pathological pattern against a 10,000-character input completes', () => {
  const text = 'a'.repeat(10_000)
  assert.equal(wildcardMatch('a*a*a*a*a*b', text), false)
  assert.equal(wildcardMatch('a*a*a*a*a*b', `${text}b`), true)
  assert.equal(wildcardMatch('*a*a*a*a*a*a*a*a*a*a*?b', text), false)
  const arn = `${BASE}/test/GET/${'a'.repeat(10_000)}`
  assert.equal(kindOf(policy(allow(`${BASE}/*a*a*a*a*a*b`)), POLICY_V2, arn), 'deny')
})

// ---------------------------------------------------------------------------------------
// Route ARN
// ---------------------------------------------------------------------------------------

const parts = { region: 'us-east-1', accountId: '123456789012', apiId: 'abcdef123', stage: 'test', method: 'GET' }

for (const [path, expected] of [
  ['/request', 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request'],
  ['/pets/42/toys', 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/pets/42/toys'],
  ['/', 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/'],
  ['/dir/', 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/dir/'],
  ['request', 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request'],
  ['', 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/'],
] as const) {
  test(`routeArn for path ${JSON.stringify(path)}`, () => {
    assert.equal(routeArn({ ...parts, path }), expected)
  })
}

test('routeArn keeps the $default stage and the method as given', () => {
  assert.equal(
    routeArn({ ...parts, stage: '$default', method: 'PATCH', path: '/x' }),
    'arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/PATCH/x',
  )
})

test('routeArn output is matched by the documented policy resource shapes', () => {
  const arn = routeArn({ ...parts, path: '/pets/42' })
  assert.equal(arn, ARN)
  assert.equal(kindOf(policy(allow(`${BASE}/test/GET/pets/*`)), POLICY_V2, arn), 'allow')
})
