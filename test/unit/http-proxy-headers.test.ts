import { test } from 'node:test'
import assert from 'node:assert/strict'
import { headerName } from '../../src/integrations/http-proxy/header-names.js'
import { returnedResponseHeaders } from '../../src/integrations/http-proxy/headers.js'
import { newRequestId, newTraceId } from '../../src/util/index.js'

const raw = (...parts: string[]): Buffer[] => parts.map((p) => Buffer.from(p, 'latin1'))

test('a raw header name becomes the string toString("latin1").toLowerCase() would give, common or not', () => {
  const names = ['content-type', 'Content-Type', 'CONTENT-LENGTH', 'Date', 'date', 'Set-Cookie', 'x-custom', 'X-Powered-By',
    // Same length as a common name, one byte off (a case fold of a non-letter must not match).
    'content-typf', 'content\rtype', 'content-typE', 'dat\u00c9', 'ETA\u0007', 'vary', 'Vary', '\u00c0ate']
  for (const name of names) assert.equal(headerName(Buffer.from(name, 'latin1')), name.toLowerCase(), JSON.stringify(name))
})

test('backend response headers: lower-case names, repeats kept, hop-by-hop ones and those Connection names dropped', () => {
  const headers = returnedResponseHeaders(raw(
    'Content-Type', 'text/plain', 'Connection', 'keep-alive, X-Hop', 'Keep-Alive', 'timeout=5', 'Set-Cookie', 'a=1',
    'set-cookie', 'b=2', 'X-Hop', 'gone', 'Transfer-Encoding', 'chunked', 'apigw-requestid', 'theirs', 'X-Other', 'kept'
  ))
  assert.deepEqual(headers, [['content-type', 'text/plain'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-other', 'kept']])
})

test('a value that repeats from the previous response is the same string; one changed in place is not taken for it', () => {
  // undici's raw buffers are views of the socket's buffer, which the next response overwrites.
  const shared = Buffer.from('Content-Type\0text/plain', 'latin1')
  const name = shared.subarray(0, 12)
  const value = shared.subarray(13)
  assert.deepEqual(returnedResponseHeaders([name, value]), [['content-type', 'text/plain']])
  assert.deepEqual(returnedResponseHeaders([name, value]), [['content-type', 'text/plain']])
  value.write('text/plaiN', 'latin1')
  assert.deepEqual(returnedResponseHeaders([name, value]), [['content-type', 'text/plaiN']])
  assert.deepEqual(returnedResponseHeaders(raw('content-type', 'text/html; charset=utf-8')), [['content-type', 'text/html; charset=utf-8']])
  assert.deepEqual(returnedResponseHeaders(raw('Date', 'Sun, 06 Dec 2026 02:00:00 GMT', 'date', 'Sun, 06 Dec 2026 02:00:01 GMT')), [
    ['date', 'Sun, 06 Dec 2026 02:00:00 GMT'],
    ['date', 'Sun, 06 Dec 2026 02:00:01 GMT'],
  ])
  const long = 'x'.repeat(300)
  assert.deepEqual(returnedResponseHeaders(raw('server', long)), [['server', long]])
  assert.deepEqual(returnedResponseHeaders(raw('server', 'y' + long.slice(1))), [['server', 'y' + long.slice(1)]])
})

test('request ids and trace roots keep their shape across the random pool', () => {
  const ids = new Set<string>()
  // More than one pool of random bytes (4,092 bytes, 11 per id).
  for (let i = 0; i < 1000; i++) {
    const id = newRequestId()
    assert.match(id, /^[A-Za-z0-9_-]{15}=$/)
    ids.add(id)
  }
  assert.equal(ids.size, 1000)
  const epoch = Date.UTC(2026, 0, 2, 3, 4, 5)
  const seconds = Math.floor(epoch / 1000).toString(16).padStart(8, '0')
  for (let i = 0; i < 400; i++) assert.match(newTraceId(epoch + (i % 3) * 1000), /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/)
  assert.ok(newTraceId(epoch).startsWith(`Root=1-${seconds}-`))
  assert.ok(newTraceId(epoch + 1000).startsWith(`Root=1-${(Math.floor(epoch / 1000) + 1).toString(16).padStart(8, '0')}-`))
})
