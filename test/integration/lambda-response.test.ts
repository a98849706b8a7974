// How Lambda results become HTTP responses (spec 3.5, 3.6, 3.7, 13.2, 14). scripted.mjs
// returns whatever the request body's "return" member holds.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, singleFunctionApi } from '../helpers/gateway.js'
import { http, type HttpResult } from '../helpers/http.js'
import { Client } from 'undici'

const INTERNAL_SERVER_ERROR = '{"message":"Internal Server Error"}'

async function scriptedGateway(t: TestContext, payloadFormatVersion: '1.0' | '2.0' = '2.0'): Promise<string> {
  const { url } = await startGateway(t, singleFunctionApi({ handler: 'scripted.handler', payloadFormatVersion }))
  return url
}

/** Makes the function return `value` as its result. */
function returning(url: string, value: unknown, method = 'POST'): Promise<HttpResult> {
  return http(url + '/r', { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ return: value }) })
}

function assertInternalServerError(res: HttpResult, what: string): void {
  assert.equal(res.status, 500, `${what}: status`)
  assert.equal(res.text, INTERNAL_SERVER_ERROR, `${what}: body`)
  assert.equal(res.headers['content-type'], 'application/json', `${what}: content-type`)
  assert.equal(res.headers['content-length'], '35', `${what}: content-length`)
  assert.match(String(res.headers['apigw-requestid']), /^[A-Za-z0-9_-]{15}=$/, `${what}: apigw-requestid`)
}

function bytes(n: number): Buffer {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + 7) & 0xff
  return b
}

// --- payload 2.0: inferred responses -------------------------------------------------------

test('2.0: a string result is sent as the body without JSON quotes, 200, content-type application/json', async (t) => {
  const url = await scriptedGateway(t)
  const res = await returning(url, 'Hello from Lambda!')
  assert.equal(res.status, 200)
  assert.equal(res.text, 'Hello from Lambda!')
  assert.equal(res.headers['content-type'], 'application/json')
  assert.equal(res.headers['content-length'], String(Buffer.byteLength('Hello from Lambda!')))
})

test('2.0: an object result without statusCode is sent as its JSON text with status 200', async (t) => {
  const url = await scriptedGateway(t)
  const value = { message: 'Hello from Lambda!', nested: { n: 1, list: [true, null] }, headers: { 'x-ignored': 'yes' } }
  const res = await returning(url, value)
  assert.equal(res.status, 200)
  assert.equal(res.headers['content-type'], 'application/json')
  assert.deepEqual(res.json(), value)
  // Members that would matter in a structured response are just data here.
  assert.equal(res.headers['x-ignored'], undefined)
})

test('2.0: number, boolean and array results are sent as their JSON text with status 200 (provisional)', async (t) => {
  const url = await scriptedGateway(t)
  for (const [value, text] of [[42, '42'], [-1.5, '-1.5'], [true, 'true'], [[1, 'a', null], '[1,"a",null]']] as const) {
    const res = await returning(url, value)
    assert.equal(res.status, 200, text)
    assert.equal(res.text, text)
    assert.equal(res.headers['content-type'], 'application/json', text)
  }
})

test('2.0: a null result is 200 with an empty body (provisional)', async (t) => {
  const url = await scriptedGateway(t)
  const res = await returning(url, null)
  assert.equal(res.status, 200)
  assert.equal(res.text, '')
  assert.equal(res.headers['content-length'], '0')
})

// --- payload 2.0: structured responses ----------------------------------------------------

test('2.0: a structured response sets the status, headers (numbers and booleans stringified) and body', async (t) => {
  const url = await scriptedGateway(t)
  const res = await returning(url, {
    statusCode: 201,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-count': 42, 'x-ratio': 0.5, 'x-flag': true, 'x-off': false, 'X-Mixed-Case': 'v' },
    body: 'créé',
  })
  assert.equal(res.status, 201)
  assert.equal(res.text, 'créé')
  assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8')
  assert.equal(res.headers['content-length'], String(Buffer.byteLength('créé')))
  assert.equal(res.headers['x-count'], '42')
  assert.equal(res.headers['x-ratio'], '0.5')
  assert.equal(res.headers['x-flag'], 'true')
  assert.equal(res.headers['x-off'], 'false')
  assert.equal(res.headers['x-mixed-case'], 'v')
  assert.match(String(res.headers['apigw-requestid']), /^[A-Za-z0-9_-]{15}=$/)
})

test('2.0: a structured response can carry any status, including 4xx and 5xx, without a body', async (t) => {
  const url = await scriptedGateway(t)
  for (const statusCode of [202, 301, 404, 418, 503]) {
    const res = await returning(url, { statusCode, headers: { location: '/elsewhere' } })
    assert.equal(res.status, statusCode)
    assert.equal(res.text, '')
  }
})

test('2.0: each element of cookies becomes its own Set-Cookie header', async (t) => {
  const url = await scriptedGateway(t)
  const cookies = ['session=abc; Path=/; HttpOnly', 'theme=dark; Max-Age=3600', 'lang=en']
  const res = await returning(url, { statusCode: 200, cookies, body: 'ok' })
  assert.equal(res.status, 200)
  assert.deepEqual(res.headers['set-cookie'], cookies)
})

test('2.0: isBase64Encoded true sends the decoded bytes exactly', async (t) => {
  const url = await scriptedGateway(t)
  const payload = bytes(2048)
  const res = await returning(url, { statusCode: 200, headers: { 'content-type': 'image/png' }, isBase64Encoded: true, body: payload.toString('base64') })
  assert.equal(res.status, 200)
  assert.equal(res.headers['content-type'], 'image/png')
  assert.equal(res.headers['content-length'], '2048')
  assert.ok(res.body.equals(payload), 'the response bytes differ from the decoded body')
})

test('2.0: isBase64Encoded false sends the body string as UTF-8 even when it looks like base64', async (t) => {
  const url = await scriptedGateway(t)
  const res = await returning(url, { statusCode: 200, isBase64Encoded: false, body: 'aGVsbG8=' })
  assert.equal(res.text, 'aGVsbG8=')
})

test('2.0: a structured response without content-type gets none added (provisional)', async (t) => {
  const url = await scriptedGateway(t)
  const res = await returning(url, { statusCode: 200, body: 'plain' })
  assert.equal(res.status, 200)
  assert.equal(res.text, 'plain')
  assert.equal(res.headers['content-type'], undefined)
})

test('2.0: a malformed structured response (statusCode a string, headers not an object, body not a string, invalid base64) is 500 Internal Server Error', async (t) => {
  const url = await scriptedGateway(t)
  const malformed: ReadonlyArray<readonly [string, unknown]> = [
    ['statusCode as a string', { statusCode: '200', body: 'x' }],
    ['statusCode not an integer', { statusCode: 200.5, body: 'x' }],
    ['headers a string', { statusCode: 200, headers: 'content-type: text/plain', body: 'x' }],
    ['headers an array', { statusCode: 200, headers: [['a', 'b']], body: 'x' }],
    ['body a number', { statusCode: 200, body: 42 }],
    ['body an object', { statusCode: 200, body: { a: 1 } }],
    ['body not valid base64', { statusCode: 200, isBase64Encoded: true, body: 'this is *not* base64!' }],
  ]
  for (const [what, value] of malformed) assertInternalServerError(await returning(url, value), what)
  // The environment is fine afterwards.
  const ok = await returning(url, { statusCode: 200, body: 'fine' })
  assert.equal(ok.text, 'fine')
})

test('2.0: a statusCode outside 100-599 (99, 600) or null is 500 Internal Server Error (provisional)', async (t) => {
  const url = await scriptedGateway(t)
  for (const statusCode of [99, 600, 0, 1000, null]) assertInternalServerError(await returning(url, { statusCode, body: 'x' }), `statusCode ${statusCode}`)
})

test('2.0: an informational statusCode (1xx) cannot be a final response and is 500 Internal Server Error (provisional)', async (t) => {
  const url = await scriptedGateway(t)
  const outcomes: string[] = []
  for (const statusCode of [100, 101, 103]) {
    // A fresh connection per attempt, with short timeouts: a broken answer must fail the test, not hang it.
    const client = new Client(url, { headersTimeout: 3000, bodyTimeout: 3000 })
    try {
      const res = await client.request({
        path: '/r',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ return: { statusCode, body: 'x' } }),
      })
      outcomes.push(`${statusCode} -> ${res.statusCode} ${await res.body.text()}`)
    } catch (err) {
      outcomes.push(`${statusCode} -> no usable response (${(err as Error & { code?: string }).code ?? (err as Error).message})`)
    } finally {
      await client.destroy()
    }
  }
  assert.deepEqual(outcomes, [100, 101, 103].map((s) => `${s} -> 500 ${INTERNAL_SERVER_ERROR}`))
})

test('2.0: a header the gateway cannot send (newline in the value, space in the name) is 500 Internal Server Error (provisional)', async (t) => {
  const url = await scriptedGateway(t)
  assertInternalServerError(await returning(url, { statusCode: 200, headers: { 'x-bad': 'a\r\nx-injected: 1' }, body: 'x' }), 'newline in a header value')
  assertInternalServerError(await returning(url, { statusCode: 200, headers: { 'bad name': 'v' }, body: 'x' }), 'space in a header name')
})

test('2.0: multiValueHeaders in a structured response are ignored (provisional)', async (t) => {
  const url = await scriptedGateway(t)
  const res = await returning(url, { statusCode: 200, multiValueHeaders: { 'x-mv': ['a', 'b'] }, body: 'x' })
  assert.equal(res.status, 200)
  assert.equal(res.text, 'x')
  assert.equal(res.headers['x-mv'], undefined)
})

// --- payload 1.0 ------------------------------------------------------------------------------

test('1.0: a result without statusCode is 500 (no inference)', async (t) => {
  const url = await scriptedGateway(t, '1.0')
  for (const value of [{ body: 'x' }, 'Hello from Lambda!', { message: 'hi' }, 42, null]) {
    assertInternalServerError(await returning(url, value), `1.0 result ${JSON.stringify(value)}`)
  }
})

test('1.0: a structured response sets status, headers and body', async (t) => {
  const url = await scriptedGateway(t, '1.0')
  const res = await returning(url, { statusCode: 202, headers: { 'content-type': 'text/plain', 'x-n': 7 }, body: 'accepted' })
  assert.equal(res.status, 202)
  assert.equal(res.text, 'accepted')
  assert.equal(res.headers['content-type'], 'text/plain')
  assert.equal(res.headers['x-n'], '7')
})

test('1.0: multiValueHeaders win over headers for the same name and other names are merged', async (t) => {
  const url = await scriptedGateway(t, '1.0')
  const res = await returning(url, {
    statusCode: 200,
    headers: { 'x-both': 'from-headers', 'x-single-only': 'single', 'content-type': 'text/plain' },
    multiValueHeaders: { 'x-both': ['mv1', 'mv2'], 'x-multi-only': ['m'], 'set-cookie': ['a=1', 'b=2'] },
    body: 'merged',
  })
  assert.equal(res.status, 200)
  assert.equal(res.text, 'merged')
  assert.deepEqual(res.headers['x-both'], ['mv1', 'mv2'])
  assert.equal(res.headers['x-single-only'], 'single')
  assert.equal(res.headers['x-multi-only'], 'm')
  assert.equal(res.headers['content-type'], 'text/plain')
  assert.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2'])
})

test('1.0: cookies has no meaning and sets no Set-Cookie header; multiValueHeaders carries several', async (t) => {
  const url = await scriptedGateway(t, '1.0')
  const ignored = await returning(url, { statusCode: 200, cookies: ['a=1'], body: 'x' })
  assert.equal(ignored.status, 200)
  assert.equal(ignored.headers['set-cookie'], undefined)
  const multi = await returning(url, { statusCode: 200, multiValueHeaders: { 'Set-Cookie': ['a=1; Path=/', 'b=2'] }, body: 'x' })
  assert.deepEqual(multi.headers['set-cookie'], ['a=1; Path=/', 'b=2'])
})

test('1.0: isBase64Encoded true sends the decoded bytes exactly', async (t) => {
  const url = await scriptedGateway(t, '1.0')
  const payload = bytes(300)
  const res = await returning(url, { statusCode: 200, isBase64Encoded: true, body: payload.toString('base64') })
  assert.equal(res.status, 200)
  assert.ok(res.body.equals(payload))
})

// --- limits and methods -----------------------------------------------------------------------

test('a function response over 6 MB is 500 Internal Server Error', async (t) => {
  const url = await scriptedGateway(t)
  const res = await http(url + '/big', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ returnBytes: 6.5 * 1024 * 1024 }) })
  assertInternalServerError(res, 'response over 6 MB')
})

test('a function response just under 6 MB is delivered whole', async (t) => {
  const url = await scriptedGateway(t)
  const size = 6 * 1024 * 1024 - 1024
  const res = await http(url + '/big', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ returnBytes: size }) })
  assert.equal(res.status, 200)
  assert.equal(res.body.length, size)
})

test('a HEAD request gets the status and headers but no body', async (t) => {
  const url = await scriptedGateway(t)
  const res = await http(url + '/head', { method: 'HEAD' })
  assert.equal(res.status, 200)
  assert.equal(res.body.length, 0)
  assert.equal(res.headers['content-type'], 'application/json')
  assert.match(String(res.headers['apigw-requestid']), /^[A-Za-z0-9_-]{15}=$/)
})
