// Access logs end to end (spec 9, 3.7, 14): a real gateway writes one line per request that
// reached a stage, with every HTTP API $context variable, for successes and for each failure
// class; destinations (file, none, stdout), log rotation (SIGHUP, reopenLogs) and reloads.
//
// Provisional values (spec [UNCONFIRMED]): `-` for absent values, the error.message texts and the
// REST-style error.responseType names (RESOURCE_NOT_FOUND, THROTTLED, INTEGRATION_FAILURE,
// INTEGRATION_TIMEOUT), the 429 body, and JSON escaping of values; tests asserting them say so.
//
// The 401 case uses a JWT authorizer whose keys are given inline (no discovery).
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { exportJWK, generateKeyPair } from 'jose'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { CONTEXT_VARIABLES } from '../../src/logging/context-variables.js'
import { startGateway, type StartedGateway } from '../helpers/gateway.js'
import { http, type HttpResult } from '../helpers/http.js'
import { handlersDir } from '../helpers/paths.js'
import { spawnCli } from '../helpers/cli.js'

const API_ID = 'logapi0001'
const ACCOUNT_ID = '111122223333'
const DOMAIN = `${API_ID}.execute-api.us-east-1.amazonaws.com`
const USER_AGENT = 'access-log-test/1.0 (+"quoted" \\ backslash)'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const INTEGER = /^\d+$/
const WAIT_MS = 10_000

// --- the format: every variable of the table, plus one JWT claim and one authorizer key ------

const ALL_VARIABLES = [...Object.keys(CONTEXT_VARIABLES), 'authorizer.claims.sub', 'authorizer.tenant']
/** `{"accountId":"$context.accountId",...}`: each value quoted, so every line is a JSON object of strings. */
// $context.error.messageString is JSON text already (the message in quotes): it stands unquoted.
const FULL_FORMAT =
  '{' + ALL_VARIABLES.map((name) => (name === 'error.messageString' ? `"${name}":$context.${name}` : `"${name}":"$context.${name}"`)).join(',') + '}'

/** Variables nothing can set yet (no authorizers, IAM, Cognito, mTLS, custom domains, AWS service integrations). */
// Absent on every line of this file's API, except authorizer.error on a refused request.
const ALWAYS_ABSENT = [
  'authorizer.error', 'authorizer.principalId', 'authorizer.claims.sub', 'authorizer.tenant', 'awsEndpointRequestId2',
  'customDomain.basePathMatched', 'identity.accountId', 'identity.caller', 'identity.cognitoAuthenticationProvider',
  'identity.cognitoAuthenticationType', 'identity.cognitoIdentityId', 'identity.cognitoIdentityPoolId', 'identity.principalOrgId',
  'identity.clientCert.clientCertPem', 'identity.clientCert.subjectDN', 'identity.clientCert.issuerDN',
  'identity.clientCert.serialNumber', 'identity.clientCert.validity.notBefore', 'identity.clientCert.validity.notAfter',
  'identity.user', 'identity.userArn',
]
/** Variables about the integration call, absent when none was made. */
const INTEGRATION_VARIABLES = [
  'integrationErrorMessage', 'integration.error', 'integration.integrationStatus', 'integration.latency', 'integration.requestId',
  'integration.status', 'integrationLatency', 'integrationStatus', 'awsEndpointRequestId',
]
const ERROR_VARIABLES = ['error.message', 'error.messageString', 'error.responseType']

type LogLine = Record<string, string>

// --- files and lines -----------------------------------------------------------------------------

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-access-log-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function linesOf(file: string): string[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '')
}

/** Every line of a JSON-format log, each of which must parse. */
function parsedLines(file: string): LogLine[] {
  return linesOf(file).map((line) => {
    try {
      return JSON.parse(line) as LogLine
    } catch (err) {
      throw new Error(`access-log line is not JSON (${(err as Error).message}): ${line}`)
    }
  })
}

/** Polls until `find` returns something; bounded so that a missing line fails the test. */
async function eventually<T>(find: () => T | undefined, what: string, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = find()
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await delay(20)
  }
}

/** Waits for the JSON line of `requestId` in `file`, and checks it is the only one. */
async function lineFor(file: string, requestId: string): Promise<LogLine> {
  const line = await eventually(() => parsedLines(file).find((l) => l['requestId'] === requestId), `the access-log line of ${requestId} in ${file}`)
  assert.equal(parsedLines(file).filter((l) => l['requestId'] === requestId).length, 1, `one line for ${requestId}`)
  return line
}

function requestIdOf(res: HttpResult): string {
  const id = res.headers['apigw-requestid']
  assert.equal(typeof id, 'string', 'apigw-requestid header')
  return id as string
}

// --- the logged API --------------------------------------------------------------------------

/**
 * `logapi0001`: `POST /run` (30 s integration timeout) and `POST /slow` (100 ms) on scripted.mjs
 * with a 1 s function timeout; stage `dev`, and stage `limited` whose routes allow a burst of 1
 * and practically no refill. No `$default` stage, so `/elsewhere` reaches no stage.
 */
const PUBLIC_JWK = { ...(await exportJWK((await generateKeyPair('RS256')).publicKey)), kid: 'k1', alg: 'RS256' }

function loggedApi(destination: string, format = FULL_FORMAT): object {
  const accessLogSettings = { format, destination, destinationArn: `arn:aws:logs:us-east-1:${ACCOUNT_ID}:log-group:gatehouse` }
  return {
    accountId: ACCOUNT_ID,
    functions: { fn: { handler: 'scripted.handler', timeout: 1 } },
    apis: [
      {
        name: 'logged',
        apiId: API_ID,
        authorizers: [
          {
            authorizerId: 'jwt',
            authorizerType: 'JWT',
            identitySource: ['$request.header.Authorization'],
            jwtConfiguration: { issuer: 'https://issuer.invalid', audience: ['logged'] },
            jwks: { keys: [PUBLIC_JWK] },
          },
        ],
        routes: [
          { routeKey: 'POST /run', target: 'integrations/run' },
          { routeKey: 'POST /slow', target: 'integrations/slow' },
          { routeKey: 'POST /secure', target: 'integrations/run', authorizationType: 'JWT', authorizerId: 'jwt' },
        ],
        integrations: [
          { integrationId: 'run', integrationType: 'AWS_PROXY', integrationUri: 'fn', payloadFormatVersion: '2.0' },
          { integrationId: 'slow', integrationType: 'AWS_PROXY', integrationUri: 'fn', payloadFormatVersion: '2.0', timeoutInMillis: 100 },
        ],
        stages: [
          { stageName: 'dev', accessLogSettings },
          { stageName: 'limited', defaultRouteSettings: { throttlingBurstLimit: 1, throttlingRateLimit: 0.01 }, accessLogSettings },
        ],
      },
    ],
  }
}

interface Logged {
  readonly started: StartedGateway
  readonly file: string
  readonly dir: string
}

async function startLogged(t: TestContext, format = FULL_FORMAT): Promise<Logged> {
  const dir = tempDir(t)
  const file = join(dir, 'access.log')
  const started = await startGateway(t, loggedApi(file, format))
  return { started, file, dir }
}

interface Sent {
  readonly res: HttpResult
  readonly requestId: string
  readonly sentAt: number
  readonly answeredAt: number
  readonly requestBytes: number
}

/** A request with the API's execute-api Host and a known User-Agent. */
async function send(url: string, method: string, path: string, script?: object): Promise<Sent> {
  const body = script === undefined ? undefined : JSON.stringify(script)
  const sentAt = Date.now()
  const res = await http(url + path, {
    method,
    headers: {
      host: DOMAIN,
      'user-agent': USER_AGENT,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body } : {}),
  })
  const answeredAt = Date.now()
  return { res, requestId: requestIdOf(res), sentAt, answeredAt, requestBytes: body === undefined ? 0 : Buffer.byteLength(body) }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const pad = (n: number): string => String(n).padStart(2, '0')
/** `dd/MMM/yyyy:HH:mm:ss +0000` (spec 1.3). */
function clf(epochMs: number): string {
  const d = new Date(epochMs)
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
}

interface Expected {
  readonly method: string
  readonly path: string
  readonly stage: string
  readonly routeKey: string
  readonly status: number
  /** Set only for a request its authorizer refused; otherwise authorizer.error is absent. */
  readonly authorizerError?: string
}

/** What every line says about the request itself, whatever happened to it (spec 9.3, 1.2, 1.3). */
function assertRequestFacts(line: LogLine, sent: Sent, expected: Expected): void {
  const all = ALL_VARIABLES.filter((name) => !(name in line))
  assert.deepEqual(all, [], 'every variable is a key of the line')
  assert.equal(Object.keys(line).length, ALL_VARIABLES.length)
  for (const [name, value] of Object.entries(line)) assert.equal(typeof value, 'string', `${name} is a string`)

  assert.equal(line['requestId'], sent.requestId, 'requestId is the apigw-requestid header')
  assert.equal(line['extendedRequestId'], sent.requestId, 'extendedRequestId equals requestId')
  assert.match(sent.requestId, /^[A-Za-z0-9_-]{15}=$/)
  assert.equal(line['accountId'], ACCOUNT_ID)
  assert.equal(line['apiId'], API_ID)
  assert.equal(line['stage'], expected.stage)
  assert.equal(line['routeKey'], expected.routeKey)
  assert.equal(line['httpMethod'], expected.method)
  assert.equal(line['path'], expected.path, 'path includes the stage')
  assert.equal(line['protocol'], 'HTTP/1.1')
  assert.equal(line['status'], String(expected.status))
  assert.equal(sent.res.status, expected.status, `client status (${sent.res.text})`)
  assert.equal(line['responseLength'], String(sent.res.body.length), 'responseLength is the body length sent')
  assert.equal(line['domainName'], DOMAIN, 'domainName is the Host without port')
  assert.equal(line['domainPrefix'], API_ID)
  assert.equal(line['identity.sourceIp'], '127.0.0.1')
  assert.equal(line['identity.userAgent'], USER_AGENT, 'userAgent, quotes and backslash included')

  const epoch = line['requestTimeEpoch'] ?? ''
  assert.match(epoch, /^\d{13}$/, 'requestTimeEpoch is epoch milliseconds')
  assert.ok(Number(epoch) >= sent.sentAt - 1 && Number(epoch) <= sent.answeredAt, 'requestTimeEpoch is when the request arrived')
  assert.equal(line['requestTime'], clf(Number(epoch)), 'requestTime is the CLF form of requestTimeEpoch')

  assert.match(line['responseLatency'] ?? '', INTEGER, 'responseLatency is a number of ms')
  assert.match(line['dataProcessed'] ?? '', INTEGER, 'dataProcessed is a number of bytes')
  assert.ok(Number(line['dataProcessed']) >= sent.res.body.length, 'dataProcessed counts at least the response body')
  for (const name of ALWAYS_ABSENT) {
    const expectedValue = name === 'authorizer.error' ? (expected.authorizerError ?? '-') : '-'
    assert.equal(line[name], expectedValue, `${name} is ${expectedValue === '-' ? 'absent' : expectedValue}`)
  }
}

function assertAbsent(line: LogLine, names: readonly string[], what: string): void {
  for (const name of names) assert.equal(line[name], '-', `${what}: ${name} is absent`)
}

function assertGatewayError(line: LogLine, message: string, responseType: string): void {
  assert.equal(line['error.message'], message)
  assert.equal(line['error.messageString'], message, 'messageString is the message as a JSON string')
  assert.equal(line['error.responseType'], responseType)
}

/** Integration variables of a Lambda Invoke that completed (spec 3.7: Lambda answered 200). */
function assertCompletedInvoke(line: LogLine): void {
  assert.equal(line['integrationStatus'], '200', 'integrationStatus is the Lambda service status')
  assert.equal(line['integration.integrationStatus'], '200')
  assert.match(line['integration.requestId'] ?? '', UUID, 'integration.requestId is the Lambda request id')
  assert.equal(line['awsEndpointRequestId'], line['integration.requestId'])
  assert.match(line['integrationLatency'] ?? '', INTEGER)
  assert.equal(line['integration.latency'], line['integrationLatency'])
  assert.ok(Number(line['responseLatency']) >= Number(line['integrationLatency']), 'the integration is part of the whole')
}

// --- one line per request, every variable --------------------------------------------------------

test('a successful Lambda request logs one JSON line with every $context variable set as AWS sets it (provisional: - for absent values)', async (t) => {
  const { started, file } = await startLogged(t)
  const sent = await send(started.url, 'POST', '/dev/run', { return: { statusCode: 201, headers: { 'content-type': 'text/plain' }, body: 'created' } })
  assert.equal(sent.res.text, 'created')
  const line = await lineFor(file, sent.requestId)
  assertRequestFacts(line, sent, { method: 'POST', path: '/dev/run', stage: 'dev', routeKey: 'POST /run', status: 201 })
  assertCompletedInvoke(line)
  // Spec 9.3 keeps the documented ambiguity: integration.status is the function's statusCode,
  // integrationStatus the Lambda service's (200).
  assert.equal(line['integration.status'], '201', "integration.status is the function's statusCode")
  assertAbsent(line, [...ERROR_VARIABLES, 'integrationErrorMessage', 'integration.error'], 'success')
  // The Lambda request id is the one the function saw.
  assert.ok(started.logs.some((l) => l.startsWith(`START RequestId: ${line['integration.requestId']}`)), JSON.stringify(started.logs))
})

test("the Lambda request id in the log line is the function's context.awsRequestId", async (t) => {
  const { started, file } = await startLogged(t)
  const sent = await send(started.url, 'POST', '/dev/run', {})
  const line = await lineFor(file, sent.requestId)
  assert.equal(line['integration.requestId'], sent.res.json<{ awsRequestId: string }>().awsRequestId)
  assert.equal(line['integration.status'], '200')
})

test('dataProcessed counts the request and response bodies (provisional)', async (t) => {
  const { started, file } = await startLogged(t)
  const sent = await send(started.url, 'POST', '/dev/run', { return: { statusCode: 200, body: 'x'.repeat(100) }, pad: 'y'.repeat(50) })
  const line = await lineFor(file, sent.requestId)
  assert.equal(line['dataProcessed'], String(sent.requestBytes + 100))
})

test('a request matching no route logs a 404 line with RESOURCE_NOT_FOUND, routeKey - and no integration variables (provisional)', async (t) => {
  const { started, file } = await startLogged(t)
  const sent = await send(started.url, 'GET', '/dev/nothing/here')
  assert.equal(sent.res.text, '{"message":"Not Found"}')
  const line = await lineFor(file, sent.requestId)
  assertRequestFacts(line, sent, { method: 'GET', path: '/dev/nothing/here', stage: 'dev', routeKey: '-', status: 404 })
  assert.equal(line['responseLength'], '23')
  assertGatewayError(line, 'Not Found', 'RESOURCE_NOT_FOUND')
  assertAbsent(line, INTEGRATION_VARIABLES, '404')
})

test('a request that no stage serves is answered 404 and writes no access-log line', async (t) => {
  const { started, file } = await startLogged(t)
  // No stage "elsewhere" and no $default stage; then an API id that does not exist.
  const unserved = await send(started.url, 'GET', '/elsewhere/run')
  assert.equal(unserved.res.status, 404)
  const unknownApi = await http(started.url + '/dev/run', { method: 'POST', headers: { host: 'nosuchapi.execute-api.us-east-1.amazonaws.com' }, body: '{}' })
  assert.equal(unknownApi.status, 404)
  // Lines are written in order: once a later request's line is there, an earlier one would be too.
  const served = await send(started.url, 'GET', '/dev/nothing')
  await lineFor(file, served.requestId)
  const lines = parsedLines(file)
  assert.deepEqual(
    lines.map((l) => l['requestId']),
    [served.requestId],
    'only the request that reached a stage is logged'
  )
})

test('a request refused by its JWT authorizer logs a 401 line with UNAUTHORIZED, authorizer.error and no integration variables (provisional)', async (t) => {
  const { started, file } = await startLogged(t)
  const sent = await send(started.url, 'POST', '/dev/secure', {})
  assert.equal(sent.res.status, 401)
  assert.equal(sent.res.text, '{"message":"Unauthorized"}')
  const line = await lineFor(file, sent.requestId)
  assertRequestFacts(line, sent, {
    method: 'POST',
    path: '/dev/secure',
    stage: 'dev',
    routeKey: 'POST /secure',
    status: 401,
    authorizerError: 'the identity source is missing',
  })
  assert.equal(line['responseLength'], '26')
  assertGatewayError(line, 'Unauthorized', 'UNAUTHORIZED')
  assertAbsent(line, INTEGRATION_VARIABLES, '401')
})

test('a throttled request logs a 429 line with THROTTLED and no integration variables (provisional)', async (t) => {
  const { started, file } = await startLogged(t)
  const first = await send(started.url, 'POST', '/limited/run', {})
  assert.equal(first.res.status, 200, first.res.text)
  const sent = await send(started.url, 'POST', '/limited/run', {})
  assert.equal(sent.res.text, '{"message":"Too Many Requests"}')
  const line = await lineFor(file, sent.requestId)
  assertRequestFacts(line, sent, { method: 'POST', path: '/limited/run', stage: 'limited', routeKey: 'POST /run', status: 429 })
  assert.equal(line['responseLength'], '31')
  assertGatewayError(line, 'Too Many Requests', 'THROTTLED')
  assertAbsent(line, INTEGRATION_VARIABLES, '429')
  // The request before it, which got the token, is logged as a success.
  const firstLine = await lineFor(file, first.requestId)
  assert.equal(firstLine['status'], '200')
  assert.equal(firstLine['error.responseType'], '-')
})

test("a function that throws logs a 500 line with INTEGRATION_FAILURE, integrationStatus 200 and the function's own error message (provisional)", async (t) => {
  const { started, file } = await startLogged(t)
  const message = 'kaboom: the "widget" store said \\ no'
  const sent = await send(started.url, 'POST', '/dev/run', { throw: message })
  assert.equal(sent.res.text, '{"message":"Internal Server Error"}')
  const line = await lineFor(file, sent.requestId)
  assertRequestFacts(line, sent, { method: 'POST', path: '/dev/run', stage: 'dev', routeKey: 'POST /run', status: 500 })
  assert.equal(line['responseLength'], '35')
  assertGatewayError(line, 'Internal Server Error', 'INTEGRATION_FAILURE')
  assertCompletedInvoke(line)
  assert.ok(line['integrationErrorMessage']?.includes(message), `integrationErrorMessage: ${line['integrationErrorMessage']}`)
  assert.equal(line['integration.error'], line['integrationErrorMessage'])
  assert.equal(line['integration.status'], '-', 'the function returned no statusCode')
})

test('a function that runs past its own timeout logs a 500 line with INTEGRATION_FAILURE, integrationStatus 200 and the timeout message (provisional)', async (t) => {
  const { started, file } = await startLogged(t)
  const sent = await send(started.url, 'POST', '/dev/run', { sleepMs: 1500 })
  assert.equal(sent.res.text, '{"message":"Internal Server Error"}')
  const line = await lineFor(file, sent.requestId)
  assertRequestFacts(line, sent, { method: 'POST', path: '/dev/run', stage: 'dev', routeKey: 'POST /run', status: 500 })
  assertGatewayError(line, 'Internal Server Error', 'INTEGRATION_FAILURE')
  assertCompletedInvoke(line)
  assert.match(line['integrationErrorMessage'] ?? '', /Task timed out after 1\.00 seconds/)
  assert.equal(line['integration.error'], line['integrationErrorMessage'])
  assert.equal(line['integration.status'], '-')
})

test('an integration timeout logs a 503 line with INTEGRATION_TIMEOUT, an error message and the integration latency (provisional)', async (t) => {
  const { started, file } = await startLogged(t)
  const sent = await send(started.url, 'POST', '/dev/slow', { sleepMs: 600 })
  assert.equal(sent.res.text, '{"message":"Service Unavailable"}')
  const line = await lineFor(file, sent.requestId)
  assertRequestFacts(line, sent, { method: 'POST', path: '/dev/slow', stage: 'dev', routeKey: 'POST /slow', status: 503 })
  assert.equal(line['responseLength'], '33')
  assertGatewayError(line, 'Service Unavailable', 'INTEGRATION_TIMEOUT')
  assert.notEqual(line['integrationErrorMessage'], '-', 'integrationErrorMessage explains the timeout')
  assert.equal(line['integration.error'], line['integrationErrorMessage'])
  assert.match(line['integrationLatency'] ?? '', INTEGER)
  assert.equal(line['integration.latency'], line['integrationLatency'])
  // The function never answered: there is no status of its own. (What AWS puts in
  // integrationStatus and integration.requestId when Lambda does not answer in time is not
  // documented, so they are not asserted.)
  assert.equal(line['integration.status'], '-')
})

test('each request of a mixed sequence has exactly one line and every line parses', async (t) => {
  const { started, file } = await startLogged(t)
  const sent = [
    await send(started.url, 'POST', '/dev/run', {}),
    await send(started.url, 'GET', '/dev/missing'),
    await send(started.url, 'POST', '/dev/run', { throw: 'line\nbreak "and" quotes' }),
    await send(started.url, 'POST', '/dev/run', { return: { statusCode: 204 } }),
  ]
  const ids = sent.map((s) => s.requestId)
  await eventually(() => (parsedLines(file).length >= ids.length ? true : undefined), `${ids.length} lines`)
  const lines = parsedLines(file)
  assert.deepEqual(lines.map((l) => l['requestId']).sort(), [...ids].sort())
  assert.deepEqual(lines.map((l) => l['status']).sort(), ['200', '204', '404', '500'])
  assert.ok(lines.find((l) => l['status'] === '500')?.['integrationErrorMessage']?.includes('line\nbreak "and" quotes'))
})

// --- destinations ----------------------------------------------------------------------------

const SHORT_FORMAT = '{"requestId":"$context.requestId","status":"$context.status","routeKey":"$context.routeKey"}'

test('a file destination is appended to, never truncated, across gateway restarts', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'access.log')
  writeFileSync(file, 'a line written before the gateway started\n')
  const ids: string[] = []
  for (let run = 0; run < 2; run++) {
    const started = await startGateway(t, loggedApi(file, SHORT_FORMAT))
    const sent = await send(started.url, 'POST', '/dev/run', {})
    ids.push(sent.requestId)
    await eventually(() => (linesOf(file).some((l) => l.includes(sent.requestId)) ? true : undefined), 'the line')
    await started.gateway.stop()
  }
  const lines = linesOf(file)
  assert.equal(lines.length, 3, lines.join('\n'))
  assert.equal(lines[0], 'a line written before the gateway started')
  assert.deepEqual(lines.slice(1).map((l) => (JSON.parse(l) as LogLine)['requestId']), ids)
})

test('a relative file destination is resolved against the config file directory', async (t) => {
  const dir = tempDir(t)
  copyFileSync(join(handlersDir, 'scripted.mjs'), join(dir, 'scripted.mjs'))
  const configFile = join(dir, 'gatehouse.json')
  writeFileSync(configFile, JSON.stringify(loggedApi('logs-here.log', SHORT_FORMAT)))
  const started = await startGateway(t, configFile)
  const sent = await send(started.url, 'POST', '/dev/run', {})
  assert.equal(sent.res.status, 200, sent.res.text)
  await lineFor(join(dir, 'logs-here.log'), sent.requestId)
})

test('destination none writes nothing anywhere: no file, no stdout, no stderr', async (t) => {
  const dir = tempDir(t)
  copyFileSync(join(handlersDir, 'scripted.mjs'), join(dir, 'scripted.mjs'))
  const configFile = join(dir, 'gatehouse.json')
  writeFileSync(configFile, JSON.stringify(loggedApi('none', SHORT_FORMAT)))
  const written: string[] = []
  const stdoutWrite = process.stdout.write
  const stderrWrite = process.stderr.write
  const spy = (original: typeof process.stdout.write) =>
    function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      written.push(String(chunk))
      return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
    } as typeof process.stdout.write
  process.stdout.write = spy(stdoutWrite)
  process.stderr.write = spy(stderrWrite)
  t.after(() => {
    process.stdout.write = stdoutWrite
    process.stderr.write = stderrWrite
  })
  const started = await startGateway(t, configFile)
  const ids: string[] = []
  for (const sent of [await send(started.url, 'POST', '/dev/run', {}), await send(started.url, 'GET', '/dev/missing')]) ids.push(sent.requestId)
  await started.gateway.stop()
  process.stdout.write = stdoutWrite
  process.stderr.write = stderrWrite
  assert.deepEqual(readdirSync(dir).sort(), ['gatehouse.json', 'scripted.mjs'], 'no file named "none" or anything else')
  for (const id of ids) assert.ok(!written.some((w) => w.includes(id)), `${id} written to stdout or stderr`)
})

test('gateway.reopenLogs() after renaming the log file writes later lines to a new file at the original path', async (t) => {
  const { started, file, dir } = await startLogged(t, SHORT_FORMAT)
  const before = await send(started.url, 'POST', '/dev/run', {})
  await lineFor(file, before.requestId)
  const rotated = join(dir, 'access.log.1')
  renameSync(file, rotated)
  started.gateway.reopenLogs()
  const after = await send(started.url, 'POST', '/dev/run', {})
  await lineFor(file, after.requestId)
  assert.deepEqual(linesOf(file).map((l) => (JSON.parse(l) as LogLine)['requestId']), [after.requestId])
  assert.deepEqual(linesOf(rotated).map((l) => (JSON.parse(l) as LogLine)['requestId']), [before.requestId])
})

test('gateway.reopenLogs() without rotation keeps appending to the same file', async (t) => {
  const { started, file } = await startLogged(t, SHORT_FORMAT)
  const before = await send(started.url, 'POST', '/dev/run', {})
  await lineFor(file, before.requestId)
  started.gateway.reopenLogs()
  started.gateway.reopenLogs()
  const after = await send(started.url, 'POST', '/dev/run', {})
  await lineFor(file, after.requestId)
  assert.deepEqual(linesOf(file).map((l) => (JSON.parse(l) as LogLine)['requestId']), [before.requestId, after.requestId])
})

// --- reload ----------------------------------------------------------------------------------

test('changing the access-log format in a watched config file applies to subsequent requests', async (t) => {
  const dir = tempDir(t)
  copyFileSync(join(handlersDir, 'scripted.mjs'), join(dir, 'scripted.mjs'))
  const configFile = join(dir, 'gatehouse.json')
  const file = join(dir, 'access.log')
  const formatOf = (version: string) => `{"requestId":"$context.requestId","version":"${version}","method":"$context.httpMethod"}`
  writeFileSync(configFile, JSON.stringify(loggedApi(file, formatOf('v1'))))
  const started = await startGateway(t, configFile, { watch: true })
  const first = await send(started.url, 'POST', '/dev/run', {})
  assert.equal((await lineFor(file, first.requestId))['version'], 'v1')
  // Saved editor-style: a new file renamed over the old one.
  const temp = join(dir, '.gatehouse.json.tmp')
  writeFileSync(temp, JSON.stringify(loggedApi(file, formatOf('v2'))))
  renameSync(temp, configFile)
  const deadline = Date.now() + WAIT_MS
  let version = 'v1'
  while (version !== 'v2') {
    assert.ok(Date.now() < deadline, 'the new format was never applied')
    const sent = await send(started.url, 'POST', '/dev/run', {})
    version = (await lineFor(file, sent.requestId))['version'] ?? ''
    assert.ok(version === 'v1' || version === 'v2', version)
    if (version !== 'v2') await delay(50)
  }
  // Every line, before and after the reload, went to the same file and parses.
  assert.ok(parsedLines(file).every((l) => l['method'] === 'POST'))
})

test('a request in flight while a reload moves the log to another file is still logged, and later requests go to the new file', async (t) => {
  const dir = tempDir(t)
  writeFileSync(
    join(dir, 'gated.mjs'),
    `import { existsSync } from 'node:fs'
export const handler = async (event) => {
  const { waitFor } = JSON.parse(event.body ?? '{}')
  while (waitFor && !existsSync(waitFor)) await new Promise((r) => setTimeout(r, 10))
  return { statusCode: 200, body: 'done' }
}
`
  )
  const configOf = (destination: string) => {
    const config = loggedApi(destination, SHORT_FORMAT) as { functions: { fn: { handler: string; timeout: number } } }
    config.functions.fn = { handler: 'gated.handler', timeout: 30 }
    return JSON.stringify(config)
  }
  const configFile = join(dir, 'gatehouse.json')
  const oldFile = join(dir, 'old.log')
  const newFile = join(dir, 'new.log')
  const gate = join(dir, 'gate')
  writeFileSync(configFile, configOf(oldFile))
  const started = await startGateway(t, configFile)
  const inFlight = send(started.url, 'POST', '/dev/run', { waitFor: gate })
  await eventually(() => (started.logs.some((l) => l.startsWith('START RequestId:')) ? true : undefined), 'the invocation to start')
  writeFileSync(configFile, configOf(newFile))
  assert.deepEqual(await started.gateway.reload(), { ok: true })
  writeFileSync(gate, '')
  const sent = await inFlight
  assert.equal(sent.res.status, 200, sent.res.text)
  const later = await send(started.url, 'POST', '/dev/run', {})
  await lineFor(newFile, later.requestId)
  // The in-flight request ran on the old snapshot; its line must not be lost (either file will do).
  await eventually(
    () => ([...linesOf(oldFile), ...linesOf(newFile)].some((l) => l.includes(sent.requestId)) ? true : undefined),
    `the line of the request in flight during the reload (old.log: ${JSON.stringify(linesOf(oldFile))})`,
    3_000
  )
})

// --- the CLI: stdout destination and SIGHUP ---------------------------------------------------


/** A directory with scripted.mjs and a YAML config whose `dev` stage logs with `format` to `destination`. */
function cliApp(t: TestContext, destination: string, format: string): string {
  const dir = tempDir(t)
  copyFileSync(join(handlersDir, 'scripted.mjs'), join(dir, 'scripted.mjs'))
  // JSON is YAML: the same config object serves both loaders.
  writeFileSync(join(dir, 'gatehouse.yaml'), JSON.stringify(loggedApi(destination, format), null, 2))
  return dir
}

test('destination stdout: the CLI prints each access-log line on stdout', async (t) => {
  const dir = cliApp(t, 'stdout', SHORT_FORMAT)
  const cli = spawnCli(t, ['serve', 'gatehouse.yaml', '--port', '0', '--no-admin', '--quiet-functions', '--no-watch'], dir)
  const [, url] = await cli.waitFor('stdout', /Gatehouse listening on (http:\/\/\S+)/)
  const sent = await send(url as string, 'POST', '/dev/run', {})
  assert.equal(sent.res.status, 200, sent.res.text)
  const [line] = await cli.waitFor('stdout', new RegExp(`^\\{"requestId":"${sent.requestId}"[^\\n]*$`, 'm'))
  assert.deepEqual(JSON.parse(line), { requestId: sent.requestId, status: '200', routeKey: 'POST /run' })
  assert.ok(!cli.stderr().includes(sent.requestId), 'not on stderr')
})

test('SIGHUP to the CLI reopens the log file: after a rename, later lines go to a new file at the original path', async (t) => {
  const dir = cliApp(t, 'access.log', SHORT_FORMAT)
  const file = join(dir, 'access.log')
  const rotated = join(dir, 'access.log.1')
  const cli = spawnCli(t, ['serve', 'gatehouse.yaml', '--port', '0', '--no-admin', '--quiet-functions', '--no-watch'], dir)
  const [, url] = await cli.waitFor('stdout', /Gatehouse listening on (http:\/\/\S+)/)
  const before = await send(url as string, 'POST', '/dev/run', {})
  await lineFor(file, before.requestId)
  renameSync(file, rotated)
  cli.child.kill('SIGHUP')
  await cli.waitFor('stderr', /SIGHUP/)
  const after = await send(url as string, 'POST', '/dev/run', {})
  await lineFor(file, after.requestId)
  assert.deepEqual(linesOf(file).map((l) => (JSON.parse(l) as LogLine)['requestId']), [after.requestId])
  assert.deepEqual(linesOf(rotated).map((l) => (JSON.parse(l) as LogLine)['requestId']), [before.requestId])
  // The process is still serving after the signal.
  assert.equal(cli.child.exitCode, null)
})
