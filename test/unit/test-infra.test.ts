// Proves the test helpers themselves: the upstream server (test/helpers/upstream.ts) and the
// openssl-made PKI (test/helpers/test-ca.ts), so a failing proxy or mTLS test points at the
// gateway rather than at its fixtures.
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { Agent, Pool, request } from 'undici'
import { createTestPki, type TestPki } from '../helpers/test-ca.js'
import { refusedPort, startResettingServer, startUpstream, type EchoBody } from '../helpers/upstream.js'

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1'
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2'

/** The `code` of an error or of its `cause` (undici wraps connect errors). */
function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && !code.startsWith('UND_ERR')) return code
  }
  return undefined
}

describe('upstream helper', () => {
  test('echoes and records a request', async (t) => {
    const upstream = await startUpstream(t)
    const res = await request(`${upstream.origin}/items?x=1`, { method: 'POST', headers: { 'X-Custom': 'A' }, body: 'hello' })
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['x-upstream'], 'yes')
    const echo = (await res.body.json()) as EchoBody
    assert.equal(echo.method, 'POST')
    assert.equal(echo.url, '/items?x=1')
    assert.equal(Buffer.from(echo.bodyBase64, 'base64').toString(), 'hello')
    assert.equal(echo.bodyLength, 5)
    assert.equal(echo.bodySha256, '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824')
    assert.ok(echo.headers.some(([n, v]) => n === 'X-Custom' && v === 'A'), 'header case kept')

    assert.equal(upstream.requests.length, 1)
    const [recorded] = upstream.requests
    assert.equal(recorded?.method, 'POST')
    assert.equal(recorded?.url, '/items?x=1')
    assert.equal(recorded?.headers['x-custom'], 'A')
    assert.equal(recorded?.body.toString(), 'hello')
    assert.equal(recorded?.complete, true)
    assert.equal(recorded?.socketId, 1)
    assert.ok((recorded?.remotePort ?? 0) > 0)
  })

  test('scripted handler and streaming mode', async (t) => {
    const upstream = await startUpstream(
      t,
      async (req, res) => {
        let n = 0
        for await (const chunk of req) n += (chunk as Buffer).length
        res.writeHead(201, { 'x-read': String(n) })
        res.end()
      },
      { streaming: true }
    )
    const res = await request(upstream.url, { method: 'PUT', body: Buffer.alloc(100_000) })
    await res.body.dump()
    assert.equal(res.statusCode, 201)
    assert.equal(res.headers['x-read'], '100000')
    assert.equal(upstream.requests[0]?.body.length, 0, 'streaming mode records no body')
  })

  test('counts keep-alive reuse as one connection', async (t) => {
    const upstream = await startUpstream(t)
    const pool = new Pool(upstream.origin, { connections: 1 })
    t.after(() => pool.close())
    for (let i = 0; i < 2; i++) {
      const res = await pool.request({ path: `/${i}`, method: 'GET' })
      await res.body.dump()
    }
    assert.equal(upstream.requests.length, 2)
    assert.equal(upstream.connections, 1)
    assert.equal(upstream.requests[0]?.socketId, upstream.requests[1]?.socketId)

    // A fresh client is a new connection.
    await (await request(upstream.url)).body.dump()
    assert.equal(upstream.connections, 2)
    assert.equal(upstream.requests[2]?.socketId, 2)
  })

  test('close() ends open keep-alive connections', async (t) => {
    const upstream = await startUpstream(t)
    const pool = new Pool(upstream.origin)
    t.after(() => pool.close())
    await (await pool.request({ path: '/', method: 'GET' })).body.dump()
    assert.equal(upstream.openConnections, 1)
    await upstream.close()
    assert.equal(upstream.openConnections, 0)
  })

  test('refusedPort refuses connections', async () => {
    const port = await refusedPort()
    await assert.rejects(request(`http://127.0.0.1:${port}/`), (err) => errorCode(err) === 'ECONNREFUSED')
  })

  test('startResettingServer resets connections', async (t) => {
    const server = await startResettingServer(t, { when: 'data' })
    await assert.rejects(request(server.url), (err) => errorCode(err) === 'ECONNRESET')
    assert.equal(server.connections, 1)
  })
})

describe('test PKI', () => {
  let pki: TestPki
  before(async () => {
    pki = await createTestPki()
  })
  after(() => pki.cleanup())

  test('HTTPS upstream with an intermediate-issued cert is trusted via the root only', async (t) => {
    const server = await pki.server()
    const upstream = await startUpstream(t, undefined, { tls: { key: server.key, cert: server.chain } })
    assert.match(upstream.origin, /^https:\/\/127\.0\.0\.1:\d+$/)

    const trusting = new Agent({ connect: { ca: pki.root.cert } })
    const untrusting = new Agent()
    t.after(() => Promise.all([trusting.close(), untrusting.close()]))

    const res = await request(`${upstream.origin}/secure`, { dispatcher: trusting })
    assert.equal(res.statusCode, 200)
    assert.equal(((await res.body.json()) as EchoBody).url, '/secure')
    assert.equal(upstream.requests[0]?.tls?.authorized, false, 'no client certificate was asked for')

    await assert.rejects(request(upstream.url, { dispatcher: untrusting }), (err) => errorCode(err) === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY')

    // Without the intermediate in what the server sends, the root alone cannot verify the leaf.
    const leafOnly = await startUpstream(t, undefined, { tls: { key: server.key, cert: server.cert } })
    await assert.rejects(request(leafOnly.url, { dispatcher: trusting }), (err) => errorCode(err) === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')
  })

  test('a server cert for another name fails hostname verification', async (t) => {
    const server = await pki.server({ dnsNames: ['wrong.example'] })
    const upstream = await startUpstream(t, undefined, { tls: { key: server.key, cert: server.chain } })
    const agent = new Agent({ connect: { ca: pki.root.cert } })
    t.after(() => agent.close())
    await assert.rejects(request(upstream.url, { dispatcher: agent }), (err) => errorCode(err) === 'ERR_TLS_CERT_ALTNAME_INVALID')
  })

  test('client certificates authenticate to a mutual-TLS upstream', async (t) => {
    const server = await pki.server()
    const upstream = await startUpstream(t, undefined, {
      // rejectUnauthorized: false lets the handshake finish so the recorded request says why a certificate failed.
      tls: { key: server.key, cert: server.chain, ca: pki.root.cert, requestCert: true, rejectUnauthorized: false },
    })
    const [good, expired] = await Promise.all([pki.client({ commonName: 'good-client' }), pki.client({ commonName: 'old-client', expired: true })])
    for (const client of [good, expired]) {
      const agent = new Agent({ connect: { ca: pki.root.cert, cert: client.chain, key: client.key } })
      t.after(() => agent.close())
      await (await request(upstream.url, { dispatcher: agent })).body.dump()
    }
    assert.deepEqual(upstream.requests[0]?.tls, { servername: false, authorized: true, authorizationError: undefined })
    assert.deepEqual(upstream.requests[1]?.tls, { servername: false, authorized: false, authorizationError: 'CERT_HAS_EXPIRED' })
  })

  test('certificate structure', async () => {
    const root = new X509Certificate(pki.root.cert)
    const intermediate = new X509Certificate(pki.intermediate.cert)
    assert.equal(root.ca, true)
    assert.equal(intermediate.ca, true)
    assert.equal(intermediate.issuer, root.subject)
    assert.ok(intermediate.checkIssued(root) && intermediate.verify(root.publicKey))

    const server = new X509Certificate((await pki.server()).cert)
    assert.equal(server.ca, false)
    assert.ok(server.checkIssued(intermediate))
    assert.deepEqual(server.keyUsage, [SERVER_AUTH])
    assert.equal(server.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1')

    const [expiredPem, validPem, rootIssuedPem, selfSignedPem] = await Promise.all([
      pki.client({ commonName: 'old-client', expired: true }),
      pki.client({ commonName: 'client/1', notAfterDays: 2 }),
      pki.client({ commonName: 'root-client', issuer: 'root' }),
      pki.selfSigned('stranger'),
    ])
    const expired = new X509Certificate(expiredPem.cert)
    assert.ok(new Date(expired.validTo).getTime() < Date.now(), `validTo ${expired.validTo} is in the past`)
    assert.deepEqual(expired.keyUsage, [CLIENT_AUTH])
    assert.ok(expired.checkIssued(intermediate))

    const valid = new X509Certificate(validPem.cert)
    assert.equal(valid.subject, 'CN=client/1')
    const days = (new Date(valid.validTo).getTime() - Date.now()) / 86_400_000
    assert.ok(days > 1.9 && days <= 2, `valid for ${days} days`)
    assert.equal(validPem.chain, validPem.cert + pki.intermediate.cert, 'chain is leaf + intermediate')

    const rootIssued = new X509Certificate(rootIssuedPem.cert)
    assert.ok(rootIssued.checkIssued(root))
    assert.equal(rootIssuedPem.chain, rootIssuedPem.cert)

    const selfSigned = new X509Certificate(selfSignedPem.cert)
    assert.equal(selfSigned.issuer, selfSigned.subject)
    assert.ok(!selfSigned.checkIssued(root) && !selfSigned.checkIssued(intermediate))

    const bundle = await pki.bundle(pki.intermediate, pki.root)
    const { readFile } = await import('node:fs/promises')
    assert.equal(await readFile(bundle, 'utf8'), pki.intermediate.cert + pki.root.cert)
  })
})
