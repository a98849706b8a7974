import { test } from 'node:test'
import assert from 'node:assert/strict'
import { signerFor, toSmithy, type Draft, type SignAs, type SigningDefaults, type SmithyRequest } from '../helpers/sigv4-signer.js'
import { SIGV4_REASONS, verifySigV4, type SigV4Options, type SigV4Request, type SigV4Result } from '../../src/auth/sigv4.js'
import type { IamCredential } from '../../src/model/index.js'

// SigV4 verification for AWS_IAM routes (spec 5.3). Requests are signed with the official AWS
// signer (@smithy/signature-v4, as the AWS SDK for JavaScript v3 uses it) and then verified in
// the form they would arrive in: percent-encoded path and query, header pairs as Node's
// rawHeaders gives them. Time is injected; nothing here reads the clock.

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

const REGION = 'eu-west-1'
const HOST = 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com'
const NOW = Date.UTC(2024, 4, 24, 12, 0, 0)
const MINUTE = 60_000

const USER: IamCredential = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  accountId: '123456789012',
  userArn: 'arn:aws:iam::123456789012:user/division/alice',
}
const SESSION: IamCredential = {
  accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
  accountId: '123456789012',
  userArn: 'arn:aws:sts::123456789012:assumed-role/Deployer/ci-run-42',
  sessionToken: 'FwoGZXIvYXdzEBYaDHqa0AP+/session//token==',
}
const ROOT: IamCredential = {
  accessKeyId: 'AKIAROOTEXAMPLE00001',
  secretAccessKey: 'rootSecretKeyEXAMPLEKEY0000000000000000',
  accountId: '210987654321',
  userArn: 'arn:aws:iam::210987654321:root',
}
const TABLE = new Map([USER, SESSION, ROOT].map((c) => [c.accessKeyId, c]))

function options(overrides: Partial<SigV4Options> = {}): SigV4Options {
  return { region: REGION, now: NOW, credentials: (id) => TABLE.get(id), ...overrides }
}

const DEFAULTS: SigningDefaults = { credential: USER, region: REGION, host: HOST }

/** Signs with the Authorization header and returns the request as the gateway would see it. */
async function signed(draft: Draft = {}, as: SignAs = {}): Promise<SigV4Request> {
  const request = await signerFor(as, DEFAULTS).sign(toSmithy(draft, HOST), {
    signingDate: new Date(as.date ?? NOW),
    ...(as.unsignableHeaders === undefined ? {} : { unsignableHeaders: as.unsignableHeaders }),
  })
  return onTheWire(request, draft.body)
}

/** Presigns (query-string form) and returns the request as the gateway would see it. */
async function presigned(draft: Draft = {}, as: SignAs = {}, expiresIn = 900): Promise<SigV4Request> {
  const request = await signerFor(as, DEFAULTS).presign(toSmithy(draft, HOST), { signingDate: new Date(as.date ?? NOW), expiresIn })
  return onTheWire(request, draft.body)
}

function onTheWire(request: SmithyRequest, body: string | undefined): SigV4Request {
  return {
    method: request.method,
    rawPath: request.path,
    rawQueryString: buildQuery(request.query ?? {}),
    headers: Object.entries(request.headers),
    body: Buffer.from(body ?? '', 'utf8'),
  }
}

/** Percent-encoding as the SDK's HTTP handler applies it (encodeURIComponent plus !'()*). */
function escape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

function buildQuery(query: NonNullable<SmithyRequest['query']>): string {
  const parts: string[] = []
  for (const [name, value] of Object.entries(query)) {
    if (Array.isArray(value)) for (const v of value) parts.push(`${escape(name)}=${escape(v)}`)
    else if (typeof value === 'string') parts.push(`${escape(name)}=${escape(value)}`)
    else parts.push(escape(name))
  }
  return parts.join('&')
}

function withHeaders(req: SigV4Request, map: (headers: Array<[string, string]>) => Array<[string, string]>): SigV4Request {
  return { ...req, headers: map(req.headers.map(([n, v]) => [n, v])) }
}

function setHeader(req: SigV4Request, name: string, value: string): SigV4Request {
  return withHeaders(req, (hs) => [...hs.filter(([n]) => n.toLowerCase() !== name), [name, value]])
}

function dropHeader(req: SigV4Request, name: string): SigV4Request {
  return withHeaders(req, (hs) => hs.filter(([n]) => n.toLowerCase() !== name))
}

function header(req: SigV4Request, name: string): string {
  const found = req.headers.find(([n]) => n.toLowerCase() === name)
  assert.ok(found, `request has a ${name} header`)
  return found[1]
}

function assertAccepted(result: SigV4Result): void {
  assert.deepEqual(result.ok ? 'accepted' : result.reason, 'accepted')
}

function assertRejected(result: SigV4Result, reason: string): void {
  assert.equal(result.ok ? 'accepted' : result.reason, reason)
}

// ---------------------------------------------------------------------------------------
// Requests the AWS signer produced are accepted
// ---------------------------------------------------------------------------------------

test('a signed GET with no query string is accepted and names the caller', async () => {
  const result = verifySigV4(await signed(), options())
  assert.deepEqual(result, {
    ok: true,
    identity: {
      accessKey: USER.accessKeyId,
      accountId: '123456789012',
      userArn: 'arn:aws:iam::123456789012:user/division/alice',
      caller: 'alice',
      user: 'alice',
    },
  })
})

test('the AWS SigV4 test suite get-vanilla requests verify with their published signatures', () => {
  const suite: IamCredential = {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    accountId: '111122223333',
    userArn: 'arn:aws:iam::111122223333:user/example',
  }
  const opts = { region: 'us-east-1', service: 'service', now: Date.UTC(2015, 7, 30, 12, 36), credentials: () => suite }
  const credential = 'Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date'
  const request = (rawQueryString: string, signature: string): SigV4Request => ({
    method: 'GET',
    rawPath: '/',
    rawQueryString,
    headers: [
      ['Host', 'example.amazonaws.com'],
      ['X-Amz-Date', '20150830T123600Z'],
      ['Authorization', `AWS4-HMAC-SHA256 ${credential}, Signature=${signature}`],
    ],
    body: Buffer.alloc(0),
  })
  assertAccepted(verifySigV4(request('', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'), opts))
  assertAccepted(
    verifySigV4(request('Param2=value2&Param1=value1', 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500'), opts),
  )
})

test('a GET whose query has repeated names, reserved characters, spaces and unicode is accepted', async () => {
  const req = await signed({
    query: {
      tag: ['zeta', 'alpha', 'alpha'],
      q: 'hello  world',
      name: 'café ☕ 𝄞',
      symbols: "!*'()~-_.=&/+?#%",
      empty: '',
      'key with space': 'v',
      'ünï': 'ok',
    },
  })
  assertAccepted(verifySigV4(req, options()))
})

test('query parameters are canonicalised whatever order they arrive in', async () => {
  const req = await signed({ query: { b: '2', a: ['2', '1'], c: '3' } })
  const reversed = req.rawQueryString.split('&').reverse().join('&')
  assert.notEqual(reversed, req.rawQueryString)
  assertAccepted(verifySigV4({ ...req, rawQueryString: reversed }, options()))
})

test('lower-case and unnecessary percent escapes in the query canonicalise like their plain forms', async () => {
  const req = await signed({ query: { tilde: '~a', letter: 'A', slash: '/' } })
  assert.equal(req.rawQueryString, 'tilde=~a&letter=A&slash=%2F')
  assertAccepted(verifySigV4({ ...req, rawQueryString: 'tilde=%7ea&letter=%41&slash=%2f' }, options()))
})

test('a POST with a JSON body is accepted', async () => {
  const body = JSON.stringify({ name: 'widget', tags: ['a', 'b'], price: 9.5, note: 'naïve' })
  const req = await signed({ method: 'POST', body, headers: { 'content-type': 'application/json' } })
  assertAccepted(verifySigV4(req, options()))
})

test('paths with encoded spaces, unicode and equals signs are accepted as the client sent them', async () => {
  for (const path of ['/prod/items/a%20b', '/prod/caf%C3%A9/%E2%98%95', '/prod/k=v', '/prod/k%3Dv', '/prod/items/', "/prod/it's~(1)"]) {
    assertAccepted(verifySigV4(await signed({ path }), options()))
  }
})

test('the path is double-encoded: a decoded path does not verify a signature made over the encoded one', async () => {
  const req = await signed({ path: '/prod/a%20b' })
  assertRejected(verifySigV4({ ...req, rawPath: '/prod/a b' }, options()), SIGV4_REASONS.signatureMismatch)
})

test('dot segments and repeated slashes in the path are normalised as the signer does', async () => {
  for (const path of ['/prod/a/./b/../c', '//prod//items', '/prod/items/..', '/prod/a/b/./']) {
    assertAccepted(verifySigV4(await signed({ path }), options()))
  }
})

test('header values are trimmed with runs of spaces collapsed, and names match in any case', async () => {
  const req = await signed({ headers: { 'x-spaced': '  a   b \t c  ', 'x-case': 'Value' } })
  const onWire = withHeaders(req, (hs) =>
    hs.map(([n, v]): [string, string] => (n === 'x-spaced' ? ['X-SPACED', ' a\tb  \t c '] : n === 'x-case' ? ['X-Case', v] : [n, v])),
  )
  assertAccepted(verifySigV4(onWire, options()))
})

test('a header repeated on the wire is canonicalised as its values joined with commas', async () => {
  const req = await signed({ headers: { 'x-multi': 'first,second,third' } })
  const onWire = withHeaders(req, (hs) => [
    ...hs.filter(([n]) => n !== 'x-multi'),
    ['X-Multi', ' first '],
    ['x-multi', 'second'],
    ['X-MULTI', 'third  '],
  ])
  assertAccepted(verifySigV4(onWire, options()))
  const reordered = withHeaders(req, (hs) => [...hs.filter(([n]) => n !== 'x-multi'), ['x-multi', 'second'], ['x-multi', 'first'], ['x-multi', 'third']])
  assertRejected(verifySigV4(reordered, options()), SIGV4_REASONS.signatureMismatch)
})

test('headers outside SignedHeaders may be added or changed without breaking the signature', async () => {
  const req = await signed({ headers: { 'user-agent': 'aws-sdk-js/3' } })
  assert.doesNotMatch(header(req, 'authorization'), /user-agent/)
  const changed = setHeader(setHeader(req, 'user-agent', 'curl/8'), 'x-forwarded-for', '203.0.113.9')
  assertAccepted(verifySigV4(changed, options()))
})

test('a Date header stands in for X-Amz-Date when X-Amz-Date is absent', async () => {
  const req = await signed({}, { unsignableHeaders: new Set(['x-amz-date']) })
  const onWire = setHeader(dropHeader(req, 'x-amz-date'), 'date', new Date(NOW).toUTCString())
  assertAccepted(verifySigV4(onWire, options()))
})

test('UNSIGNED-PAYLOAD in x-amz-content-sha256 leaves the body out of the signature', async () => {
  const req = await signed({ method: 'PUT', body: 'original', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } })
  assertAccepted(verifySigV4(req, options()))
  assertAccepted(verifySigV4({ ...req, body: Buffer.from('anything else') }, options()))
})

test('without UNSIGNED-PAYLOAD the body is hashed even when x-amz-content-sha256 claims a hash', async () => {
  const req = await signed({ method: 'PUT', body: 'original' })
  assert.match(header(req, 'x-amz-content-sha256'), /^[0-9a-f]{64}$/)
  assertRejected(verifySigV4({ ...req, body: Buffer.from('changed') }, options()), SIGV4_REASONS.signatureMismatch)
  const unsigned = setHeader(req, 'x-amz-content-sha256', 'UNSIGNED-PAYLOAD')
  assertRejected(verifySigV4(unsigned, options()), SIGV4_REASONS.signatureMismatch)
})

test('a presigned URL is accepted until it expires', async () => {
  const req = await presigned({ query: { id: '42', tag: ['b', 'a'] } }, {}, 60)
  assert.equal(req.headers.some(([n]) => n.toLowerCase() === 'authorization'), false)
  assert.match(req.rawQueryString, /X-Amz-Signature=[0-9a-f]{64}/)
  assertAccepted(verifySigV4(req, options()))
  assertAccepted(verifySigV4(req, options({ now: NOW + 60_000 })))
  assertRejected(verifySigV4(req, options({ now: NOW + 60_001 })), SIGV4_REASONS.presignedExpired)
})

test('a presigned URL may last up to seven days and no longer', async () => {
  const week = 7 * 24 * 60 * 60
  const req = await presigned({}, {}, week)
  assertAccepted(verifySigV4(req, options({ now: NOW + week * 1000 })))
  const tooLong = { ...req, rawQueryString: req.rawQueryString.replace(`X-Amz-Expires=${week}`, `X-Amz-Expires=${week + 1}`) }
  assertRejected(verifySigV4(tooLong, options()), SIGV4_REASONS.invalidExpires)
  for (const bad of ['-1', '1.5', 'soon', '']) {
    const invalid = { ...req, rawQueryString: req.rawQueryString.replace(`X-Amz-Expires=${week}`, `X-Amz-Expires=${bad}`) }
    assertRejected(verifySigV4(invalid, options()), SIGV4_REASONS.invalidExpires)
  }
})

test('a presigned URL dated beyond the clock skew window is not yet valid', async () => {
  const req = await presigned({}, { date: NOW + 6 * MINUTE })
  assertRejected(verifySigV4(req, options()), SIGV4_REASONS.dateOutsideSkew)
  assertAccepted(verifySigV4(req, options({ now: NOW + MINUTE })))
})

test('a presigned URL whose query was tampered with fails the signature', async () => {
  const req = await presigned({ query: { id: '42' } })
  assertRejected(verifySigV4({ ...req, rawQueryString: req.rawQueryString.replace('id=42', 'id=43') }, options()), SIGV4_REASONS.signatureMismatch)
  assertRejected(verifySigV4({ ...req, rawQueryString: `${req.rawQueryString}&extra=1` }, options()), SIGV4_REASONS.signatureMismatch)
  assertRejected(verifySigV4({ ...req, method: 'DELETE' }, options()), SIGV4_REASONS.signatureMismatch)
})

// ---------------------------------------------------------------------------------------
// Identity
// ---------------------------------------------------------------------------------------

test('the identity of an assumed-role session names the role and session; of a root credential, the account', async () => {
  const session = verifySigV4(await signed({}, { credential: SESSION }), options())
  assert.ok(session.ok)
  assert.deepEqual(session.identity, {
    accessKey: SESSION.accessKeyId,
    accountId: '123456789012',
    userArn: SESSION.userArn,
    caller: 'Deployer:ci-run-42',
    user: 'Deployer:ci-run-42',
  })
  const root = verifySigV4(await signed({}, { credential: ROOT }), options())
  assert.ok(root.ok)
  assert.equal(root.identity.caller, '210987654321')
  assert.equal(root.identity.user, '210987654321')
})

// ---------------------------------------------------------------------------------------
// Session tokens
// ---------------------------------------------------------------------------------------

test('a session token is accepted when it matches the credential, in the header and in a presigned URL', async () => {
  const req = await signed({}, { credential: SESSION })
  assert.equal(header(req, 'x-amz-security-token'), SESSION.sessionToken)
  assertAccepted(verifySigV4(req, options()))
  const url = await presigned({}, { credential: SESSION })
  assert.match(url.rawQueryString, /X-Amz-Security-Token=/)
  assertAccepted(verifySigV4(url, options()))
})

test('a credential that needs a session token rejects requests that carry none', async () => {
  assertRejected(verifySigV4(await signed({}, { credential: SESSION, sessionToken: null }), options()), SIGV4_REASONS.securityTokenMissing)
  assertRejected(verifySigV4(await presigned({}, { credential: SESSION, sessionToken: null }), options()), SIGV4_REASONS.securityTokenMissing)
})

test('a different session token is rejected, and so is any token for a static credential', async () => {
  assertRejected(verifySigV4(await signed({}, { credential: SESSION, sessionToken: 'other-token' }), options()), SIGV4_REASONS.securityTokenMismatch)
  assertRejected(verifySigV4(await signed({}, { credential: SESSION, sessionToken: `${SESSION.sessionToken}x` }), options()), SIGV4_REASONS.securityTokenMismatch)
  assertRejected(verifySigV4(await signed({}, { credential: USER, sessionToken: 'stray' }), options()), SIGV4_REASONS.securityTokenMismatch)
})

test('session tokens are refused outright when allowSessionTokens is false', async () => {
  const noTokens = options({ allowSessionTokens: false })
  assertRejected(verifySigV4(await signed({}, { credential: SESSION }), noTokens), SIGV4_REASONS.securityTokenNotAllowed)
  assertRejected(verifySigV4(await presigned({}, { credential: SESSION }), noTokens), SIGV4_REASONS.securityTokenNotAllowed)
  assertRejected(verifySigV4(await signed({}, { credential: SESSION, sessionToken: null }), noTokens), SIGV4_REASONS.securityTokenNotAllowed)
  assertAccepted(verifySigV4(await signed(), noTokens))
})

// ---------------------------------------------------------------------------------------
// Tampering and wrong keys
// ---------------------------------------------------------------------------------------

test('changing the method, path, query, a signed header or the body fails the signature', async () => {
  const req = await signed({
    method: 'POST',
    path: '/prod/items/1',
    query: { a: '1' },
    headers: { 'x-custom': 'yes' },
    body: '{"n":1}',
  })
  assertAccepted(verifySigV4(req, options()))
  const tampered: Array<[string, SigV4Request]> = [
    ['method', { ...req, method: 'PUT' }],
    ['path', { ...req, rawPath: '/prod/items/2' }],
    ['trailing slash', { ...req, rawPath: '/prod/items/1/' }],
    ['query value', { ...req, rawQueryString: 'a=2' }],
    ['query added', { ...req, rawQueryString: 'a=1&b=2' }],
    ['query removed', { ...req, rawQueryString: '' }],
    ['signed header', setHeader(req, 'x-custom', 'no')],
    ['signed header removed', dropHeader(req, 'x-custom')],
    ['host', setHeader(req, 'host', 'evil.example.com')],
    ['body', { ...req, body: Buffer.from('{"n":2}') }],
    ['signature', setHeader(req, 'authorization', header(req, 'authorization').replace(/Signature=(.)/, (_, c: string) => `Signature=${c === '0' ? '1' : '0'}`))],
  ]
  for (const [what, request] of tampered) {
    assert.equal(verifySigV4(request, options()).ok, false, what)
    assertRejected(verifySigV4(request, options()), SIGV4_REASONS.signatureMismatch)
  }
})

test('a request signed with the wrong secret fails the signature', async () => {
  const req = await signed({}, { secretAccessKey: 'not-the-secret-EXAMPLEKEY' })
  assertRejected(verifySigV4(req, options()), SIGV4_REASONS.signatureMismatch)
})

test('an access key the gateway does not know is rejected', async () => {
  const stranger: IamCredential = { ...USER, accessKeyId: 'AKIAUNKNOWNEXAMPLE00' }
  assertRejected(verifySigV4(await signed({}, { credential: stranger }), options()), SIGV4_REASONS.unknownAccessKey)
})

test('a credential scoped to another region or service is rejected', async () => {
  assertRejected(verifySigV4(await signed({}, { region: 'us-east-1' }), options()), SIGV4_REASONS.wrongRegion)
  assertRejected(verifySigV4(await signed({}, { service: 'lambda' }), options()), SIGV4_REASONS.wrongService)
  assertAccepted(verifySigV4(await signed({}, { service: 'custom' }), options({ service: 'custom' })))
})

// ---------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------

test('a request dated up to five minutes either side of now is accepted, beyond that it is rejected', async () => {
  assertAccepted(verifySigV4(await signed({}, { date: NOW - 5 * MINUTE }), options()))
  assertAccepted(verifySigV4(await signed({}, { date: NOW + 5 * MINUTE }), options()))
  assertRejected(verifySigV4(await signed({}, { date: NOW - 5 * MINUTE - 1000 }), options()), SIGV4_REASONS.dateOutsideSkew)
  assertRejected(verifySigV4(await signed({}, { date: NOW + 5 * MINUTE + 1000 }), options()), SIGV4_REASONS.dateOutsideSkew)
})

test('the clock skew window is configurable', async () => {
  const req = await signed({}, { date: NOW - 2 * MINUTE })
  assertRejected(verifySigV4(req, options({ clockSkewMs: MINUTE })), SIGV4_REASONS.dateOutsideSkew)
  assertAccepted(verifySigV4(req, options({ clockSkewMs: 3 * MINUTE })))
})

test('a credential scope dated another day than X-Amz-Date is rejected', async () => {
  const lateEvening = Date.UTC(2024, 4, 23, 23, 59, 30)
  const req = setHeader(await signed({}, { date: lateEvening }), 'x-amz-date', '20240524T000010Z')
  assertRejected(verifySigV4(req, options({ now: Date.UTC(2024, 4, 24, 0, 0, 0) })), SIGV4_REASONS.scopeDateMismatch)
})

// ---------------------------------------------------------------------------------------
// Missing and malformed authorization
// ---------------------------------------------------------------------------------------

test('a request with neither an Authorization header nor a presigned query is missing authentication', () => {
  const req: SigV4Request = { method: 'GET', rawPath: '/prod/items', rawQueryString: 'a=1', headers: [['Host', HOST]], body: Buffer.alloc(0) }
  assertRejected(verifySigV4(req, options()), SIGV4_REASONS.missingAuthentication)
})

test('host must be among the signed headers', async () => {
  const req = await signed({}, { unsignableHeaders: new Set(['host']) })
  assert.match(header(req, 'authorization'), /SignedHeaders=x-amz-content-sha256;x-amz-date,/)
  assertRejected(verifySigV4(req, options()), SIGV4_REASONS.hostNotSigned)
})

test('malformed Authorization headers are rejected as malformed', async () => {
  const req = await signed()
  const good = header(req, 'authorization')
  const signature = /Signature=([0-9a-f]{64})/.exec(good)?.[1] ?? ''
  const scope = `${USER.accessKeyId}/20240524/${REGION}/execute-api`
  const variants = [
    'Bearer abc',
    'AWS4-HMAC-SHA256',
    good.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512'),
    good.replace('AWS4-HMAC-SHA256', 'aws4-hmac-sha256'),
    good.replace(/, Signature=.*/, ''),
    good.replace('Credential=', 'Cred='),
    `${good}, Signature=${signature}`,
    good.replace(/Credential=[^,]*/, `Credential=${scope}`),
    good.replace(/Credential=[^,]*/, `Credential=${scope}/aws4_request/extra`),
    good.replace(/Credential=[^,]*/, `Credential=${scope}/aws5_request`),
    good.replace(/Credential=[^,]*/, `Credential=${USER.accessKeyId}/2024-05-24/${REGION}/execute-api/aws4_request`),
    good.replace(/Credential=[^,]*/, `Credential=/20240524/${REGION}/execute-api/aws4_request`),
    good.replace(/SignedHeaders=[^,]*/, 'SignedHeaders='),
    good.replace(/SignedHeaders=[^,]*/, 'SignedHeaders=host;;x-amz-date'),
    good.replace(/SignedHeaders=[^,]*/, 'SignedHeaders=host;host;x-amz-date'),
    good.replace(/SignedHeaders=[^,]*/, 'SignedHeaders=Host;x-amz-date'),
    good.replace(signature, signature.toUpperCase()),
    good.replace(signature, signature.slice(1)),
    good.replace(signature, `${signature.slice(1)}g`),
  ]
  for (const variant of variants) {
    assert.equal(verifySigV4(setHeader(req, 'authorization', variant), options()).ok, false, variant)
    assertRejected(verifySigV4(setHeader(req, 'authorization', variant), options()), SIGV4_REASONS.malformedAuthorization)
  }
  const twice = withHeaders(req, (hs) => [...hs, ['Authorization', good]])
  assertRejected(verifySigV4(twice, options()), SIGV4_REASONS.malformedAuthorization)
})

test('Authorization fields may come in any order and with or without spaces after commas', async () => {
  const req = await signed()
  const [credential, signedHeaders, signature] = header(req, 'authorization').replace('AWS4-HMAC-SHA256 ', '').split(', ')
  const reordered = `AWS4-HMAC-SHA256 ${signature},${signedHeaders} ,  ${credential}`
  assertAccepted(verifySigV4(setHeader(req, 'authorization', reordered), options()))
})

test('a request without X-Amz-Date or Date, or with an unreadable one, is rejected', async () => {
  const req = await signed()
  assertRejected(verifySigV4(dropHeader(req, 'x-amz-date'), options()), SIGV4_REASONS.missingDate)
  for (const bad of ['2024-05-24T12:00:00Z', '20240524T120000', '20240230T120000Z', '20240524T250000Z']) {
    assertRejected(verifySigV4(setHeader(req, 'x-amz-date', bad), options()), SIGV4_REASONS.malformedAuthorization)
  }
  const twice = withHeaders(req, (hs) => [...hs, ['X-Amz-Date', header(req, 'x-amz-date')]])
  assertRejected(verifySigV4(twice, options()), SIGV4_REASONS.malformedAuthorization)
  const badHttpDate = setHeader(dropHeader(req, 'x-amz-date'), 'date', 'yesterday')
  assertRejected(verifySigV4(badHttpDate, options()), SIGV4_REASONS.malformedAuthorization)
})

test('presigned queries missing a parameter, repeating one, or naming another algorithm are malformed', async () => {
  const req = await presigned()
  const params = req.rawQueryString.split('&')
  for (const name of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature']) {
    const without = params.filter((p) => !p.startsWith(`${name}=`)).join('&')
    assertRejected(verifySigV4({ ...req, rawQueryString: without }, options()), SIGV4_REASONS.malformedAuthorization)
    const repeated = [...params, params.find((p) => p.startsWith(`${name}=`)) ?? ''].join('&')
    assertRejected(verifySigV4({ ...req, rawQueryString: repeated }, options()), SIGV4_REASONS.malformedAuthorization)
  }
  const otherAlgorithm = req.rawQueryString.replace('X-Amz-Algorithm=AWS4-HMAC-SHA256', 'X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256')
  assertRejected(verifySigV4({ ...req, rawQueryString: otherAlgorithm }, options()), SIGV4_REASONS.malformedAuthorization)
})

test('a request carrying both an Authorization header and a presigned query is malformed', async () => {
  const url = await presigned()
  const both = setHeader(url, 'authorization', header(await signed(), 'authorization'))
  assertRejected(verifySigV4(both, options()), SIGV4_REASONS.malformedAuthorization)
})
