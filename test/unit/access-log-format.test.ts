// Access-log format templates (spec 9.1-9.3): parsing ($context.x and ${context.x}), the
// checks a format must pass (known variables, $context.requestId, 3 KB, one line), compiling
// into a renderer, `-` for missing values, JSON escaping, and the console formats of 9.2.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { GatewayResponses } from '../../src/errors/catalog.js'
import { RequestContext } from '../../src/http/request-context.js'
import { compileAccessLogFormat, parseAccessLogFormat } from '../../src/logging/access-log-format.js'
import { CONTEXT_VARIABLES } from '../../src/logging/context-variables.js'
import type { CompiledApi, CompiledRoute, CompiledStage, GatewayResponse } from '../../src/model/index.js'

// 21/Apr/2020:15:08:21 +0000, the docs' sample time.
const SAMPLE_EPOCH = Date.UTC(2020, 3, 21, 15, 8, 21, 123)
const SAMPLE_CLF = '21/Apr/2020:15:08:21 +0000'

interface ContextOptions {
  readonly userAgent?: string
  readonly error?: GatewayResponse
  readonly integrationErrorMessage?: string
  readonly routeKey?: string | null
}

/** A finished request as the data plane leaves it just before logging. */
function finishedRequest(options: ContextOptions = {}): RequestContext {
  const rawHeaders = ['Host', 'abc123.execute-api.us-east-1.amazonaws.com']
  if (options.userAgent !== undefined) rawHeaders.push('User-Agent', options.userAgent)
  const ctx = new RequestContext({
    requestId: 'LV7fzho-PHcEJPw=',
    method: 'GET',
    rawHeaders,
    sourceIp: '192.0.2.10',
    host: 'abc123.execute-api.us-east-1.amazonaws.com',
    localPort: 443,
    scheme: 'https',
  })
  // The arrival time is fixed so that requestTime is predictable.
  Object.defineProperty(ctx, 'requestTimeEpoch', { value: SAMPLE_EPOCH })
  ctx.path = '/dev/pets'
  ctx.api = { apiId: 'abc123' } as unknown as CompiledApi
  ctx.accountId = '111122223333'
  ctx.stage = { stageName: 'dev' } as unknown as CompiledStage
  const routeKey = options.routeKey === undefined ? 'GET /pets' : options.routeKey
  ctx.route = routeKey === null ? null : ({ routeKey } as unknown as CompiledRoute)
  ctx.status = options.error?.statusCode ?? 200
  ctx.responseLength = options.error?.body.length ?? 42
  ctx.responseLatency = 12
  if (options.error !== undefined) ctx.error = options.error
  if (options.integrationErrorMessage !== undefined) ctx.integrationErrorMessage = options.integrationErrorMessage
  return ctx
}

function reasonsOf(format: string): readonly string[] {
  const parsed = parseAccessLogFormat(format)
  assert.equal(parsed.ok, false, `expected ${JSON.stringify(format.slice(0, 80))} to be rejected`)
  return parsed.ok ? [] : parsed.reasons
}

// --- parsing and validation --------------------------------------------------------------------

test('a format with $context.requestId and known variables is accepted', () => {
  assert.equal(parseAccessLogFormat('$context.requestId $context.status').ok, true)
})

test('both $context.name and ${context.name} forms are recognised and render the same value', () => {
  const render = compileAccessLogFormat('[$context.requestId] [${context.requestId}] [${context.identity.sourceIp}]')
  assert.equal(render(finishedRequest()), '[LV7fzho-PHcEJPw=] [LV7fzho-PHcEJPw=] [192.0.2.10]')
})

test('${context.name} can sit directly against other characters', () => {
  const render = compileAccessLogFormat('id=${context.requestId}/${context.stage}${context.status}xyz')
  assert.equal(render(finishedRequest()), 'id=LV7fzho-PHcEJPw=/dev200xyz')
})

test('literal text around variables, including a lone $ and "context" without a dollar, is kept as is', () => {
  const render = compileAccessLogFormat('cost $5 context.status $context.requestId end')
  assert.equal(render(finishedRequest()), 'cost $5 context.status LV7fzho-PHcEJPw= end')
})

test('an unknown variable is rejected with a reason naming it', () => {
  const reasons = reasonsOf('$context.requestId $context.noSuchThing')
  assert.ok(reasons.some((r) => r.includes('$context.noSuchThing')), JSON.stringify(reasons))
})

test('an unknown variable in the braced form is rejected with a reason naming it', () => {
  const reasons = reasonsOf('$context.requestId ${context.identity.nope}')
  assert.ok(reasons.some((r) => r.includes('identity.nope')), JSON.stringify(reasons))
})

test('a known name run together with other letters is a different, unknown variable', () => {
  const reasons = reasonsOf('$context.requestId $context.statusCode')
  assert.ok(reasons.some((r) => r.includes('$context.statusCode')), JSON.stringify(reasons))
})

test('a format without $context.requestId is rejected with a reason saying it must contain it', () => {
  const reasons = reasonsOf('$context.status $context.httpMethod')
  assert.ok(reasons.some((r) => r.includes('$context.requestId')), JSON.stringify(reasons))
  const plain = reasonsOf('no variables at all')
  assert.ok(plain.some((r) => r.includes('$context.requestId')), JSON.stringify(plain))
})

test('a format of exactly 3 KB is accepted and one byte more is rejected with a size reason', () => {
  const base = '$context.requestId '
  const exact = base + 'x'.repeat(3 * 1024 - base.length)
  assert.equal(Buffer.byteLength(exact), 3072)
  assert.equal(parseAccessLogFormat(exact).ok, true)
  const reasons = reasonsOf(exact + 'x')
  assert.ok(reasons.some((r) => /3072|3 ?KB|bytes|long/i.test(r)), JSON.stringify(reasons))
})

test('a multi-line format (LF, CRLF or CR) is rejected with a single-line reason', () => {
  for (const format of ['$context.requestId\n$context.status', '$context.requestId\r\n', 'a\r$context.requestId']) {
    const reasons = reasonsOf(format)
    assert.ok(reasons.some((r) => /line/i.test(r)), `${JSON.stringify(format)}: ${JSON.stringify(reasons)}`)
  }
})

test('every problem of a format is reported, not only the first', () => {
  const reasons = reasonsOf('$context.bogus\n' + 'y'.repeat(3100))
  assert.ok(reasons.some((r) => r.includes('$context.bogus')), JSON.stringify(reasons))
  assert.ok(reasons.some((r) => /line/i.test(r)), JSON.stringify(reasons))
  assert.ok(reasons.some((r) => r.includes('$context.requestId')), JSON.stringify(reasons))
  assert.ok(reasons.length >= 4, JSON.stringify(reasons))
})

test('compiling an invalid format throws with its reasons', () => {
  assert.throws(() => compileAccessLogFormat('$context.status $context.bogus'), /\$context\.bogus/)
})

test('the variable table holds every HTTP API $context variable of spec 9.3', () => {
  const spec = [
    'accountId', 'apiId', 'authorizer.error', 'authorizer.principalId', 'awsEndpointRequestId', 'awsEndpointRequestId2',
    'customDomain.basePathMatched', 'dataProcessed', 'domainName', 'domainPrefix', 'error.message', 'error.messageString',
    'error.responseType', 'extendedRequestId', 'httpMethod', 'identity.accountId', 'identity.caller',
    'identity.cognitoAuthenticationProvider', 'identity.cognitoAuthenticationType', 'identity.cognitoIdentityId',
    'identity.cognitoIdentityPoolId', 'identity.principalOrgId', 'identity.clientCert.clientCertPem',
    'identity.clientCert.subjectDN', 'identity.clientCert.issuerDN', 'identity.clientCert.serialNumber',
    'identity.clientCert.validity.notBefore', 'identity.clientCert.validity.notAfter', 'identity.sourceIp', 'identity.user',
    'identity.userAgent', 'identity.userArn', 'integration.error', 'integration.integrationStatus', 'integration.latency',
    'integration.requestId', 'integration.status', 'integrationErrorMessage', 'integrationLatency', 'integrationStatus', 'path',
    'protocol', 'requestId', 'requestTime', 'requestTimeEpoch', 'responseLatency', 'responseLength', 'routeKey', 'stage', 'status',
  ]
  const missing = spec.filter((name) => !(name in CONTEXT_VARIABLES))
  assert.deepEqual(missing, [])
  for (const name of spec) assert.equal(parseAccessLogFormat(`$context.requestId $context.${name}`).ok, true, name)
})

test('JWT claims and Lambda-authorizer context keys are accepted and render - while no authorizer runs', () => {
  // Authorizers are not implemented yet, so nothing can set them.
  const render = compileAccessLogFormat('$context.requestId $context.authorizer.claims.sub ${context.authorizer.tenant}')
  assert.equal(render(finishedRequest()), 'LV7fzho-PHcEJPw= - -')
})

// --- rendering ---------------------------------------------------------------------------------

test('values that do not apply to the request render as - (provisional)', () => {
  const render = compileAccessLogFormat(
    '$context.requestId|$context.error.message|$context.error.messageString|$context.error.responseType|$context.integrationErrorMessage|' +
      '$context.integrationLatency|$context.integrationStatus|$context.integration.status|$context.integration.requestId|' +
      '$context.identity.userAgent|$context.identity.user|$context.awsEndpointRequestId2|$context.customDomain.basePathMatched'
  )
  assert.equal(render(finishedRequest()), 'LV7fzho-PHcEJPw=|-|-|-|-|-|-|-|-|-|-|-|-')
})

test('routeKey renders - for a request that matched no route', () => {
  const render = compileAccessLogFormat('$context.requestId $context.routeKey $context.status')
  assert.equal(render(finishedRequest({ routeKey: null, error: GatewayResponses.NOT_FOUND })), 'LV7fzho-PHcEJPw= - 404')
})

test('request facts render as AWS gives them: ids, method, path, protocol, CLF time and epoch ms, domain, source ip', () => {
  const render = compileAccessLogFormat(
    '$context.requestId $context.extendedRequestId $context.httpMethod $context.path $context.protocol [$context.requestTime] ' +
      '$context.requestTimeEpoch $context.domainName $context.domainPrefix $context.identity.sourceIp $context.apiId $context.accountId ' +
      '$context.stage $context.routeKey $context.status $context.responseLength $context.responseLatency $context.identity.userAgent'
  )
  assert.equal(
    render(finishedRequest({ userAgent: 'curl/8.0' })),
    `LV7fzho-PHcEJPw= LV7fzho-PHcEJPw= GET /dev/pets HTTP/1.1 [${SAMPLE_CLF}] ${SAMPLE_EPOCH} ` +
      'abc123.execute-api.us-east-1.amazonaws.com abc123 192.0.2.10 abc123 111122223333 dev GET /pets 200 42 12 curl/8.0'
  )
})

test('error variables carry the gateway message, the quoted message and the response type', () => {
  const render = compileAccessLogFormat('$context.requestId|$context.error.message|$context.error.messageString|$context.error.responseType')
  assert.equal(render(finishedRequest({ error: GatewayResponses.TOO_MANY_REQUESTS })), 'LV7fzho-PHcEJPw=|Too Many Requests|"Too Many Requests"|THROTTLED')
  assert.equal(
    render(finishedRequest({ error: GatewayResponses.INTEGRATION_TIMEOUT })),
    'LV7fzho-PHcEJPw=|Service Unavailable|"Service Unavailable"|INTEGRATION_TIMEOUT'
  )
})

test('in a JSON format, quotes, backslashes and control characters in values are escaped so the line parses (provisional)', () => {
  const nasty = 'say "hi" \\ back\\slash\ttab\nnewline\r\u0001\u001f end'
  const render = compileAccessLogFormat(
    '{"requestId":"$context.requestId","ua":"$context.identity.userAgent","err":"$context.integrationErrorMessage",' +
      '"err2":"$context.integration.error","messageString":$context.error.messageString,"status":$context.status}'
  )
  const line = render(finishedRequest({ userAgent: nasty, integrationErrorMessage: nasty, error: GatewayResponses.INTEGRATION_FAILURE }))
  assert.ok(!/[\n\r]/.test(line), 'one line')
  const parsed = JSON.parse(line) as Record<string, unknown>
  assert.deepEqual(parsed, {
    requestId: 'LV7fzho-PHcEJPw=',
    ua: nasty,
    err: nasty,
    err2: nasty,
    messageString: 'Internal Server Error',
    status: 500,
  })
})

test('a JSON format with leading spaces is still escaped (provisional)', () => {
  const render = compileAccessLogFormat('  { "requestId":"$context.requestId", "ua":"$context.identity.userAgent" }')
  assert.equal((JSON.parse(render(finishedRequest({ userAgent: 'a"b' }))) as { ua: string }).ua, 'a"b')
})

test('non-ASCII values survive in a JSON format', () => {
  const render = compileAccessLogFormat('{"requestId":"$context.requestId","ua":"$context.identity.userAgent"}')
  assert.equal((JSON.parse(render(finishedRequest({ userAgent: 'naïve ☃' }))) as { ua: string }).ua, 'naïve ☃')
})

// --- the console formats of spec 9.2 -----------------------------------------------------------

const CONSOLE_FORMATS = {
  CLF: '$context.identity.sourceIp - - [$context.requestTime] "$context.httpMethod $context.routeKey $context.protocol" $context.status $context.responseLength $context.requestId',
  JSON: '{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod","routeKey":"$context.routeKey", "status":"$context.status","protocol":"$context.protocol", "responseLength":"$context.responseLength" }',
  XML: '<request id="$context.requestId"> <ip>$context.identity.sourceIp</ip> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <routeKey>$context.routeKey</routeKey> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>',
  CSV: '$context.identity.sourceIp,$context.requestTime,$context.httpMethod,$context.routeKey,$context.protocol,$context.status,$context.responseLength,$context.requestId',
} as const

test('the console CLF format renders a common-log line', () => {
  assert.equal(
    compileAccessLogFormat(CONSOLE_FORMATS.CLF)(finishedRequest()),
    `192.0.2.10 - - [${SAMPLE_CLF}] "GET GET /pets HTTP/1.1" 200 42 LV7fzho-PHcEJPw=`
  )
})

test('the console JSON format renders a line that parses to the expected object', () => {
  const line = compileAccessLogFormat(CONSOLE_FORMATS.JSON)(finishedRequest())
  assert.deepEqual(JSON.parse(line), {
    requestId: 'LV7fzho-PHcEJPw=',
    ip: '192.0.2.10',
    requestTime: SAMPLE_CLF,
    httpMethod: 'GET',
    routeKey: 'GET /pets',
    status: '200',
    protocol: 'HTTP/1.1',
    responseLength: '42',
  })
})

test('the console XML format renders the request element', () => {
  assert.equal(
    compileAccessLogFormat(CONSOLE_FORMATS.XML)(finishedRequest()),
    `<request id="LV7fzho-PHcEJPw="> <ip>192.0.2.10</ip> <requestTime>${SAMPLE_CLF}</requestTime> <httpMethod>GET</httpMethod> ` +
      '<routeKey>GET /pets</routeKey> <status>200</status> <protocol>HTTP/1.1</protocol> <responseLength>42</responseLength> </request>'
  )
})

test('the console CSV format renders eight comma-separated fields', () => {
  const line = compileAccessLogFormat(CONSOLE_FORMATS.CSV)(finishedRequest())
  assert.deepEqual(line.split(','), ['192.0.2.10', SAMPLE_CLF, 'GET', 'GET /pets', 'HTTP/1.1', '200', '42', 'LV7fzho-PHcEJPw='])
})

test('the console formats render a 404 with no matched route using - for the route key', () => {
  const ctx = finishedRequest({ routeKey: null, error: GatewayResponses.NOT_FOUND })
  assert.equal(
    compileAccessLogFormat(CONSOLE_FORMATS.CLF)(ctx),
    `192.0.2.10 - - [${SAMPLE_CLF}] "GET - HTTP/1.1" 404 23 LV7fzho-PHcEJPw=`
  )
  assert.equal((JSON.parse(compileAccessLogFormat(CONSOLE_FORMATS.JSON)(ctx)) as { routeKey: string }).routeKey, '-')
})

test('a compiled format renders each request independently', () => {
  const render = compileAccessLogFormat('$context.requestId $context.status $context.error.responseType')
  assert.equal(render(finishedRequest()), 'LV7fzho-PHcEJPw= 200 -')
  assert.equal(render(finishedRequest({ error: GatewayResponses.NOT_FOUND })), 'LV7fzho-PHcEJPw= 404 RESOURCE_NOT_FOUND')
  assert.equal(render(finishedRequest()), 'LV7fzho-PHcEJPw= 200 -')
})

test('$context.error.messageString is a JSON string used unquoted, and stays valid JSON in a JSON format (provisional)', () => {
  const format = compileAccessLogFormat('{"requestId":"$context.requestId","e":$context.error.messageString}')
  const ctx = new RequestContext({ requestId: 'id1', method: 'GET', rawHeaders: [], sourceIp: '1.2.3.4', host: 'h', localPort: 1, scheme: 'http' })
  ctx.error = GatewayResponses.NOT_FOUND
  assert.deepEqual(JSON.parse(format(ctx)), { requestId: 'id1', e: 'Not Found' })
})
