// Mutual TLS on custom domain names end to end (spec 7.3, 3.2 `authentication`, 3.3, 5.2, 9.3):
// real TLS handshakes on the gateway's HTTPS listener with certificates made in the test
// (test/helpers/test-ca.ts, plus a few issued here with `openssl ca` for exact subjects, serials
// and dates), with three real clients (undici, node:https, curl).
//
// Provisional choices (spec [UNCONFIRMED], 15.11): a missing or invalid client certificate
// completes the handshake and is answered over HTTP with 403 {"message":"Forbidden"}
// (MUTUAL_TLS_FAILURE_RESPONSE); `serialNumber` is colon-separated lower-case hex (the spec's
// proposal where captures conflict).
//
// The shared gateway serves four custom domains from one listener and one server certificate
// (SANs for all of them and 127.0.0.1):
//   secure.example.com   mTLS, truststore = intermediate + root of CA 1
//   open.example.com     no mTLS
//   partial.example.com  mTLS, truststore = CA 1's intermediate only (an incomplete chain)
//   other.example.com    mTLS, truststore = CA 2 (intermediate + root)
// Each maps `(none)` to a payload 2.0 echo API (`mtlsapiv20`, access-logged), `v1` to a payload
// 1.0 echo API, and `authz` to an API whose `GET /whoami` has a payload 1.0 Lambda authorizer.
//
// undici sends the Host header as SNI (whatever `connect.servername` says), so the cases where
// SNI and Host differ use node:https (explicit `servername`, `''` for none) or raw TLS sockets.
import { after, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { connect as tlsConnect } from 'node:tls'
import { promisify } from 'node:util'
import { Agent, buildConnector, request } from 'undici'
import { createGateway, type Gateway } from '../../src/index.js'
import { spawnCli, WAIT_MS } from '../helpers/cli.js'
import { echoApiYaml } from '../helpers/config-builders.js'
import { startGateway } from '../helpers/gateway.js'
import { httpsRequestOnce } from '../helpers/https-client.js'
import { handlersDir } from '../helpers/paths.js'
import { createTestPki, type Pem, type TestPki } from '../helpers/test-ca.js'

const execFileAsync = promisify(execFile)

const ACCOUNT_ID = '111122223333'
const V2_API = 'mtlsapiv20'
const V1_API = 'mtlsapiv10'
const AUTHZ_API = 'mtlsauthz1'
const SECURE = 'secure.example.com'
const OPEN = 'open.example.com'
const PARTIAL = 'partial.example.com'
const OTHER = 'other.example.com'
const FORBIDDEN = '{"message":"Forbidden"}'
const REQUEST_ID = /^[A-Za-z0-9_-]{15}=$/
/** Bounded polling: attempts × POLL_MS, never a timing assertion. */
const POLL_ATTEMPTS = 200
const POLL_MS = 50

/** OpenSSL's `notBefore` text form, day padded with a space (spec 7.3). */
const OPENSSL_TIME = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 1-3]\d \d{2}:\d{2}:\d{2} \d{4} GMT$/

/** Every clientCert variable, each quoted, so a line is a JSON object of strings. */
const ACCESS_LOG_FORMAT =
  '{"requestId":"$context.requestId","domainName":"$context.domainName","basePathMatched":"$context.customDomain.basePathMatched",' +
  '"subjectDN":"$context.identity.clientCert.subjectDN","issuerDN":"$context.identity.clientCert.issuerDN",' +
  '"serialNumber":"$context.identity.clientCert.serialNumber","notBefore":"$context.identity.clientCert.validity.notBefore",' +
  '"notAfter":"$context.identity.clientCert.validity.notAfter"}'

/** A payload 1.0 authorizer's Allow policy. */
const ALLOW_POLICY = {
  principalId: 'mtls-client',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }] },
}

type Json = Record<string, unknown>

interface ClientCert {
  readonly clientCertPem: string
  readonly subjectDN: string
  readonly issuerDN: string
  readonly serialNumber: string
  readonly validity: { readonly notBefore: string; readonly notAfter: string }
}

// --- certificates issued here: exact subject, serial, dates and extensions ---------------------

interface CustomCertOptions {
  readonly label: string
  /** `-subj` text, e.g. `/C=US/O=Example Corp/CN=My Client`. */
  readonly subject: string
  /** Hex, e.g. `0A0B0C0D0E0F1011`. */
  readonly serial: string
  /** YYYYMMDDHHMMSSZ */
  readonly startdate: string
  readonly enddate: string
  readonly ca: boolean
}

let customCounter = 0

/**
 * A certificate signed by `issuer` with `openssl ca` (the only OpenSSL 3.0 command that sets
 * both dates), keeping subject attributes other than CN (test-ca's policy keeps only CN).
 */
async function issueCustom(pki: TestPki, issuer: Pem, o: CustomCertOptions): Promise<Pem> {
  const dir = join(pki.dir, `custom-${++customCounter}-${o.label}`)
  await mkdir(join(dir, 'issued'), { recursive: true })
  const extensions = o.ca
    ? ['basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign']
    : ['basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature', 'extendedKeyUsage = clientAuth']
  const config = [
    '[ req ]', 'distinguished_name = req_dn', '[ req_dn ]',
    '[ ext ]', ...extensions, 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid:always',
    '[ ca ]', 'default_ca = issuer',
    '[ issuer ]', `database = ${join(dir, 'index.txt')}`, `new_certs_dir = ${join(dir, 'issued')}`, `serial = ${join(dir, 'serial')}`,
    'default_md = sha256', 'policy = policy_any', 'unique_subject = no', 'copy_extensions = none', 'email_in_dn = no',
    '[ policy_any ]', 'countryName = optional', 'organizationName = optional', 'commonName = supplied',
  ]
  const cnf = join(dir, 'openssl.cnf')
  await Promise.all([writeFile(cnf, config.join('\n') + '\n'), writeFile(join(dir, 'index.txt'), ''), writeFile(join(dir, 'serial'), `${o.serial}\n`)])
  const [key, csr, crt] = [join(dir, 'cert.key'), join(dir, 'cert.csr'), join(dir, 'cert.crt')]
  await execFileAsync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', o.subject, '-config', cnf, '-batch'])
  await execFileAsync('openssl', ['ca', '-config', cnf, '-batch', '-notext', '-preserveDN', '-cert', issuer.certFile, '-keyfile', issuer.keyFile, '-in', csr, '-out', crt, '-extensions', 'ext', '-startdate', o.startdate, '-enddate', o.enddate])
  const cert = readFileSync(crt, 'utf8')
  const chain = issuer === pki.root ? cert : cert + issuer.cert
  const chainFile = join(dir, 'chain.pem')
  writeFileSync(chainFile, chain)
  return { cert, key: readFileSync(key, 'utf8'), certFile: crt, keyFile: key, chain, chainFile }
}

/** What the gateway must forward for `pem`, computed with node:crypto (spec 7.3's formats). */
function expectedClientCert(pem: Pem, subjectDN: string, issuerDN: string): ClientCert {
  const x509 = new X509Certificate(pem.cert)
  return {
    clientCertPem: pem.cert,
    subjectDN,
    issuerDN,
    serialNumber: colonHex(x509.serialNumber),
    validity: { notBefore: x509.validFrom, notAfter: x509.validTo },
  }
}

function colonHex(hex: string): string {
  const lower = hex.toLowerCase()
  const even = lower.length % 2 === 0 ? lower : `0${lower}`
  return (even.match(/../g) ?? []).join(':')
}

// --- the shared gateway ------------------------------------------------------------------------

interface Shared {
  readonly pki: TestPki
  readonly pki2: TestPki
  readonly gateway: Gateway
  /** `https://127.0.0.1:PORT` */
  readonly httpsUrl: string
  readonly port: number
  readonly accessLog: string
  readonly authzLog: string
  readonly clients: {
    /** CN=Valid Client, issued by CA 1's intermediate. */
    readonly valid: Pem
    /** CN=Root Issued Client, issued by CA 1's root. */
    readonly rootIssued: Pem
    readonly expired: Pem
    /** CN=Other CA Client, issued by CA 2's intermediate. */
    readonly otherCa: Pem
    readonly selfSigned: Pem
    /** C=US,O=Example Corp,CN=My Client, serial 0A0B0C0D0E0F1011, Aug 5 2024 - Aug 5 2120. */
    readonly detailed: Pem
  }
}

let shared: Promise<Shared> | undefined
const cleanups: Array<() => Promise<void> | void> = []
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

function setup(): Promise<Shared> {
  return (shared ??= build())
}

async function build(): Promise<Shared> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-mtls-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const [pki, pki2] = await Promise.all([createTestPki(), createTestPki()])
  cleanups.push(() => pki.cleanup(), () => pki2.cleanup())
  const [server, truststore, partialTruststore, otherTruststore, valid, rootIssued, expired, otherCa, selfSigned, detailed] = await Promise.all([
    pki.server({ dnsNames: [SECURE, OPEN, PARTIAL, OTHER], ipAddresses: ['127.0.0.1'] }),
    pki.bundle(pki.intermediate, pki.root),
    pki.bundle(pki.intermediate),
    pki2.bundle(pki2.intermediate, pki2.root),
    pki.client({ commonName: 'Valid Client' }),
    pki.client({ commonName: 'Root Issued Client', issuer: 'root' }),
    pki.client({ commonName: 'Expired Client', expired: true }),
    pki2.client({ commonName: 'Other CA Client' }),
    pki.selfSigned('Self Signed Client'),
    issueCustom(pki, pki.intermediate, {
      label: 'detailed',
      subject: '/C=US/O=Example Corp/CN=My Client',
      serial: '0A0B0C0D0E0F1011',
      startdate: '20240805002821Z',
      enddate: '21200805002821Z',
      ca: false,
    }),
  ])
  const accessLog = join(dir, 'access.log')
  const authzLog = join(dir, 'authorizer.jsonl')
  const mappings = [
    { apiId: V2_API, stage: '$default' },
    { apiId: V1_API, stage: '$default', apiMappingKey: 'v1' },
    { apiId: AUTHZ_API, stage: '$default', apiMappingKey: 'authz' },
  ]
  const domain = (domainName: string, truststoreUri?: string) => ({
    domainName,
    certificateFile: server.chainFile,
    privateKeyFile: server.keyFile,
    ...(truststoreUri !== undefined ? { mutualTlsAuthentication: { truststoreUri } } : {}),
    apiMappings: mappings,
  })
  const lambda = (integrationUri: string, payloadFormatVersion: '1.0' | '2.0') => ({
    integrationId: 'fn',
    integrationType: 'AWS_PROXY',
    integrationUri,
    payloadFormatVersion,
  })
  const config = {
    accountId: ACCOUNT_ID,
    region: 'us-east-1',
    functions: {
      echo: { handler: 'echo.handler' },
      echoV1: { handler: 'echo-v1.handler' },
      authz: { handler: 'authz-scripted.handler', environment: { AUTHZ_LOG: authzLog, AUTHZ_SCRIPT: JSON.stringify({ return: ALLOW_POLICY }) } },
    },
    apis: [
      {
        name: 'mtls-v2',
        apiId: V2_API,
        routes: [{ routeKey: '$default', target: 'integrations/fn' }],
        integrations: [lambda('echo', '2.0')],
        stages: [{ stageName: '$default', accessLogSettings: { format: ACCESS_LOG_FORMAT, destination: accessLog } }],
      },
      {
        name: 'mtls-v1',
        apiId: V1_API,
        routes: [{ routeKey: '$default', target: 'integrations/fn' }],
        integrations: [lambda('echoV1', '1.0')],
      },
      {
        name: 'mtls-authz',
        apiId: AUTHZ_API,
        authorizers: [
          {
            authorizerId: 'authz',
            authorizerType: 'REQUEST',
            authorizerUri: 'authz',
            authorizerPayloadFormatVersion: '1.0',
            identitySource: ['$request.header.Authorization'],
            authorizerResultTtlInSeconds: 0,
          },
        ],
        routes: [{ routeKey: 'GET /whoami', target: 'integrations/fn', authorizationType: 'CUSTOM', authorizerId: 'authz' }],
        integrations: [lambda('echo', '2.0')],
      },
    ],
    domainNames: [domain(SECURE, truststore), domain(OPEN), domain(PARTIAL, partialTruststore), domain(OTHER, otherTruststore)],
  }
  const gateway = createGateway(config, { baseDir: handlersDir, logLevel: 'silent', functionLogs: 'silent', port: 0, host: '127.0.0.1', https: { port: 0 } })
  await gateway.start()
  cleanups.push(() => gateway.stop())
  assert.match(gateway.httpsUrl, /^https:\/\/127\.0\.0\.1:\d+$/)
  return {
    pki,
    pki2,
    gateway,
    httpsUrl: gateway.httpsUrl,
    port: Number(new URL(gateway.httpsUrl).port),
    accessLog,
    authzLog,
    clients: { valid, rootIssued, expired, otherCa, selfSigned, detailed },
  }
}

// --- clients ------------------------------------------------------------------------------------

interface Reply {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly text: string
}

function json(res: Reply): Json {
  assert.equal(res.status, 200, `status (body ${res.text})`)
  return JSON.parse(res.text) as Json
}

function obj(value: unknown, what: string): Json {
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `${what} is an object: ${JSON.stringify(value)}`)
  return value as Json
}

interface UndiciOptions {
  readonly client?: Pem
  /** The Host header, which undici also sends as SNI (it overrides `connect.servername`). */
  readonly host: string
  readonly path?: string
  readonly headers?: Record<string, string>
  /** Default: the shared gateway's. */
  readonly httpsUrl?: string
  /** Default: CA 1's root. */
  readonly ca?: string
}

/** One request on a new connection (a new undici Agent, so no TLS session is resumed). */
async function viaUndici(o: UndiciOptions): Promise<Reply> {
  const s = o.httpsUrl === undefined ? await setup() : undefined
  const agent = new Agent({
    connect: {
      ca: o.ca ?? s?.pki.root.cert,
      ...(o.client !== undefined ? { cert: o.client.chain, key: o.client.key } : {}),
    },
  })
  try {
    const res = await request(`${o.httpsUrl ?? s?.httpsUrl ?? ''}${o.path ?? '/'}`, { dispatcher: agent, headers: { host: o.host, ...(o.headers ?? {}) } })
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() }
  } finally {
    await agent.close()
  }
}

/** The mTLS refusal: exact bytes, JSON content type, and a request id (spec 7.3, 1.2). */
function assertForbidden(res: Reply): void {
  assert.equal(res.status, 403, `status (body ${res.text})`)
  assert.equal(res.text, FORBIDDEN)
  assert.equal(res.headers['content-type'], 'application/json')
  assert.equal(res.headers['content-length'], '23')
  assert.match(String(res.headers['apigw-requestid']), REQUEST_ID)
}

interface NodeHttpsOptions {
  /** SNI; `''` sends none (the client connects to 127.0.0.1 by address). */
  readonly servername: string
  /** The Host header. */
  readonly host: string
  readonly client?: Pem
  readonly path?: string
}

/** One request with node:https on a new connection; SNI and Host chosen independently. */
async function viaNodeHttps(o: NodeHttpsOptions): Promise<Reply> {
  const { pki, port } = await setup()
  const { status, headers, text } = await httpsRequestOnce({
    port,
    path: o.path ?? '/',
    servername: o.servername,
    host: o.host,
    ca: pki.root.cert,
    ...(o.client !== undefined ? { client: o.client } : {}),
  })
  return { status, headers, text }
}

interface RawResult {
  readonly status: number
  readonly session: Buffer | undefined
  readonly reused: boolean
}

/** A raw TLS connection sending one `Connection: close` request; can resume `session`. */
function rawTls(o: { port: number; ca: string; servername: string; host: string; client: Pem; session?: Buffer }): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: o.port, servername: o.servername, ca: o.ca, cert: o.client.chain, key: o.client.key, ...(o.session !== undefined ? { session: o.session } : {}) })
    let session: Buffer | undefined
    let data = ''
    socket.setEncoding('utf8')
    socket.on('session', (s: Buffer) => (session = s))
    let reused = false
    socket.on('secureConnect', () => {
      reused = socket.isSessionReused()
      socket.write(`GET / HTTP/1.1\r\nHost: ${o.host}\r\nConnection: close\r\n\r\n`)
    })
    socket.on('data', (chunk: string) => (data += chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(data)
      if (status === null) return reject(new Error(`no HTTP response: ${JSON.stringify(data)}`))
      resolve({ status: Number(status[1]), session, reused })
    })
  })
}

async function waitForLine(file: string, requestId: string): Promise<Record<string, string>> {
  for (let i = 0; i < POLL_ATTEMPTS; i++) {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : []
    const line = lines.map((l) => JSON.parse(l) as Record<string, string>).find((l) => l['requestId'] === requestId)
    if (line !== undefined) return line
    await delay(POLL_MS)
  }
  throw new Error(`no access-log line for ${requestId} in ${file}`)
}

// --- which certificates are accepted ---------------------------------------------------------

test('a client certificate issued by the truststore intermediate (chain up to the root in the truststore) is accepted', async () => {
  const { clients } = await setup()
  const event = json(await viaUndici({ host: SECURE, client: clients.valid, path: '/accepted' }))
  assert.equal(event['rawPath'], '/accepted')
  const rc = obj(event['requestContext'], 'requestContext')
  assert.equal(rc['domainName'], SECURE)
  assert.deepEqual(rc['authentication'], { clientCert: expectedClientCert(clients.valid, 'CN=Valid Client', 'CN=Gatehouse Test Intermediate CA') })
})

test('a client certificate issued directly by the truststore root is accepted', async () => {
  const { clients } = await setup()
  const event = json(await viaUndici({ host: SECURE, client: clients.rootIssued }))
  const rc = obj(event['requestContext'], 'requestContext')
  assert.deepEqual(rc['authentication'], { clientCert: expectedClientCert(clients.rootIssued, 'CN=Root Issued Client', 'CN=Gatehouse Test Root CA') })
})

test('an expired client certificate gets 403 {"message":"Forbidden"} (validity period must be current)', async () => {
  const { clients } = await setup()
  assertForbidden(await viaUndici({ host: SECURE, client: clients.expired }))
})

test('a client certificate from a CA outside the truststore gets 403', async () => {
  const { clients } = await setup()
  assertForbidden(await viaUndici({ host: SECURE, client: clients.otherCa }))
})

test('no client certificate on a mutual TLS domain gets 403', async () => {
  assertForbidden(await viaUndici({ host: SECURE, path: '/no-cert' }))
})

test('a self-signed client certificate not in the truststore gets 403', async () => {
  const { clients } = await setup()
  assertForbidden(await viaUndici({ host: SECURE, client: clients.selfSigned }))
})

test('a truststore holding the issuing intermediate but not its root refuses the client (the whole chain must be in the truststore)', async () => {
  const { clients } = await setup()
  assertForbidden(await viaUndici({ host: PARTIAL, client: clients.valid }))
  // The same client is accepted where the truststore has the whole chain.
  assert.equal((await viaUndici({ host: SECURE, client: clients.valid })).status, 200)
})

test('each domain verifies against its own truststore: CA 2 clients on other.example.com, not CA 1 clients', async () => {
  const { clients } = await setup()
  const event = json(await viaUndici({ host: OTHER, client: clients.otherCa }))
  assert.deepEqual(obj(event['requestContext'], 'requestContext')['authentication'], {
    clientCert: expectedClientCert(clients.otherCa, 'CN=Other CA Client', 'CN=Gatehouse Test Intermediate CA'),
  })
  assertForbidden(await viaUndici({ host: OTHER, client: clients.valid }))
})

// --- real clients ------------------------------------------------------------------------------

test('node:https with a client certificate and key is accepted, and gets 403 without one', async () => {
  const { clients } = await setup()
  const event = json(await viaNodeHttps({ servername: SECURE, host: SECURE, client: clients.valid, path: '/node-https' }))
  assert.equal(event['rawPath'], '/node-https')
  assert.deepEqual(obj(event['requestContext'], 'requestContext')['authentication'], {
    clientCert: expectedClientCert(clients.valid, 'CN=Valid Client', 'CN=Gatehouse Test Intermediate CA'),
  })
  assertForbidden(await viaNodeHttps({ servername: SECURE, host: SECURE, path: '/node-https' }))
})

test('curl with --cert/--key is accepted, and gets 403 without a certificate', async (t) => {
  try {
    await execFileAsync('curl', ['--version'])
  } catch {
    t.skip('curl is not installed')
    return
  }
  const { pki, port, clients } = await setup()
  const curl = async (extra: readonly string[]): Promise<Reply> => {
    const { stdout } = await execFileAsync('curl', [
      '-sS', '-i', '--http1.1',
      '--resolve', `${SECURE}:${port}:127.0.0.1`,
      '--cacert', pki.root.certFile,
      ...extra,
      `https://${SECURE}:${port}/curl`,
    ])
    const split = stdout.indexOf('\r\n\r\n')
    const head = stdout.slice(0, split).split('\r\n')
    const status = /^HTTP\/1\.1 (\d{3})/.exec(head[0] ?? '')
    assert.ok(status !== null, stdout)
    const headers: Record<string, string> = {}
    for (const line of head.slice(1)) {
      const colon = line.indexOf(':')
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
    }
    return { status: Number(status[1]), headers, text: stdout.slice(split + 4) }
  }
  const event = json(await curl(['--cert', clients.valid.chainFile, '--key', clients.valid.keyFile]))
  const rc = obj(event['requestContext'], 'requestContext')
  assert.equal(rc['domainName'], SECURE)
  assert.deepEqual(rc['authentication'], { clientCert: expectedClientCert(clients.valid, 'CN=Valid Client', 'CN=Gatehouse Test Intermediate CA') })
  assertForbidden(await curl([]))
})

// --- forwarded certificate data ----------------------------------------------------------------

const DETAILED: ClientCert = {
  clientCertPem: '', // filled in from the certificate
  subjectDN: 'C=US,O=Example Corp,CN=My Client',
  issuerDN: 'CN=Gatehouse Test Intermediate CA',
  serialNumber: '0a:0b:0c:0d:0e:0f:10:11',
  validity: { notBefore: 'Aug  5 00:28:21 2024 GMT', notAfter: 'Aug  5 00:28:21 2120 GMT' },
}

test('payload 2.0 requestContext.authentication.clientCert: PEM, DNs comma-joined without spaces, colon hex serial, OpenSSL-style dates', async () => {
  const { clients } = await setup()
  const pem = clients.detailed
  // The literals agree with what node:crypto reads from the certificate.
  const x509 = new X509Certificate(pem.cert)
  assert.equal(x509.subject, 'C=US\nO=Example Corp\nCN=My Client')
  assert.equal(x509.serialNumber.toLowerCase(), '0a0b0c0d0e0f1011')
  assert.equal(x509.validFrom, DETAILED.validity.notBefore)
  assert.equal(x509.validTo, DETAILED.validity.notAfter)

  const event = json(await viaUndici({ host: SECURE, client: pem, path: '/detailed' }))
  const rc = obj(event['requestContext'], 'requestContext')
  const clientCert = obj(obj(rc['authentication'], 'authentication')['clientCert'], 'clientCert')
  assert.deepEqual(clientCert, { ...DETAILED, clientCertPem: pem.cert })
  assert.deepEqual(Object.keys(obj(rc['authentication'], 'authentication')), ['clientCert'])
  // PEM with \n line breaks (no \r), as the client sent it.
  assert.match(String(clientCert['clientCertPem']), /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n?$/)
  for (const date of [DETAILED.validity.notBefore, DETAILED.validity.notAfter]) assert.match(date, OPENSSL_TIME)
})

test('payload 1.0 requestContext.identity.clientCert carries the same object', async () => {
  const { clients } = await setup()
  const event = json(await viaUndici({ host: SECURE, client: clients.detailed, path: '/v1/items' }))
  assert.equal(event['version'], '1.0')
  const rc = obj(event['requestContext'], 'requestContext')
  const identity = obj(rc['identity'], 'identity')
  assert.deepEqual(identity['clientCert'], { ...DETAILED, clientCertPem: clients.detailed.cert })
  assert.equal(identity['sourceIp'], '127.0.0.1')
})

test('no authentication member on a domain without mutual TLS (even when the client sent a certificate) or on the plain HTTP listener', async () => {
  const { gateway, clients } = await setup()
  // open.example.com: SNI and Host both name it; the client offers a valid certificate anyway.
  const open = json(await viaUndici({ host: OPEN, client: clients.valid, path: '/open' }))
  const openRc = obj(open['requestContext'], 'requestContext')
  assert.equal(openRc['domainName'], OPEN)
  assert.equal('authentication' in openRc, false, JSON.stringify(openRc))
  const openV1 = json(await viaUndici({ host: OPEN, client: clients.valid, path: '/v1/open' }))
  assert.equal(obj(obj(openV1['requestContext'], 'requestContext')['identity'], 'identity')['clientCert'] ?? null, null)

  // The plain HTTP listener (default execute-api endpoint).
  const res = await request(`${gateway.url}/plain`, { headers: { host: `${V2_API}.execute-api.us-east-1.amazonaws.com` } })
  const plain = JSON.parse(await res.body.text()) as Json
  assert.equal(res.statusCode, 200)
  const plainRc = obj(plain['requestContext'], 'requestContext')
  assert.equal(plainRc['apiId'], V2_API)
  assert.equal('authentication' in plainRc, false, JSON.stringify(plainRc))
})

test('$context.identity.clientCert.* in an access-log line', async () => {
  const { accessLog, clients } = await setup()
  const res = await viaUndici({ host: SECURE, client: clients.detailed, path: '/logged' })
  assert.equal(res.status, 200, res.text)
  const line = await waitForLine(accessLog, String(res.headers['apigw-requestid']))
  assert.deepEqual(line, {
    requestId: res.headers['apigw-requestid'],
    domainName: SECURE,
    basePathMatched: '-',
    subjectDN: DETAILED.subjectDN,
    issuerDN: DETAILED.issuerDN,
    serialNumber: DETAILED.serialNumber,
    notBefore: DETAILED.validity.notBefore,
    notAfter: DETAILED.validity.notAfter,
  })
  // On a domain without mutual TLS the variables are absent.
  const open = await viaUndici({ host: OPEN, client: clients.detailed, path: '/logged' })
  const openLine = await waitForLine(accessLog, String(open.headers['apigw-requestid']))
  assert.equal(openLine['domainName'], OPEN)
  for (const name of ['subjectDN', 'issuerDN', 'serialNumber', 'notBefore', 'notAfter']) assert.equal(openLine[name], '-', name)
})

test('a payload 1.0 Lambda REQUEST authorizer sees requestContext.identity.clientCert', async () => {
  const { authzLog, clients } = await setup()
  const res = await viaUndici({ host: SECURE, client: clients.detailed, path: '/authz/whoami', headers: { authorization: 'token-mtls' } })
  assert.equal(res.status, 200, res.text)
  // Only this test calls the authorizer (the file's tests run one after another).
  const calls = readFileSync(authzLog, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Json)
  assert.equal(calls.length, 1, 'the authorizer was invoked once')
  const call = calls[0] as Json
  assert.equal(call['version'], '1.0')
  assert.equal(call['type'], 'REQUEST')
  const identity = obj(obj(call['requestContext'], 'requestContext')['identity'], 'identity')
  assert.deepEqual(identity['clientCert'], { ...DETAILED, clientCertPem: clients.detailed.cert })
})

// --- the certificate must be verified for the domain the Host names ---------------------------

test('SNI naming another domain (without mTLS, or with another truststore) and Host naming the mTLS domain gets 403: the certificate must be verified for the Host domain', async () => {
  const { clients } = await setup()
  // The control: SNI and Host both name the mTLS domain.
  assert.equal((await viaNodeHttps({ servername: SECURE, host: SECURE, client: clients.valid })).status, 200)
  assertForbidden(await viaNodeHttps({ servername: OPEN, host: SECURE, client: clients.valid }))
  // SNI of another mTLS domain, whose truststore (CA 2) does not verify the CA 1 client.
  assertForbidden(await viaNodeHttps({ servername: OTHER, host: SECURE, client: clients.valid }))
  // A CA 2 client verified by other.example.com's truststore must not borrow that verification
  // for secure.example.com (whose truststore is CA 1's).
  assert.equal((await viaNodeHttps({ servername: OTHER, host: OTHER, client: clients.otherCa })).status, 200)
  assertForbidden(await viaNodeHttps({ servername: OTHER, host: SECURE, client: clients.otherCa }))
})

test('no SNI at all (connecting by IP address) and Host naming the mTLS domain gets 403', async () => {
  const { clients } = await setup()
  assertForbidden(await viaNodeHttps({ servername: '', host: SECURE, client: clients.valid }))
})

test('SNI of the mTLS domain with Host naming a domain without mutual TLS is served without client certificate data', async () => {
  const { clients } = await setup()
  const event = json(await viaNodeHttps({ servername: SECURE, host: OPEN, client: clients.valid }))
  const rc = obj(event['requestContext'], 'requestContext')
  assert.equal(rc['domainName'], OPEN)
  assert.equal('authentication' in rc, false, JSON.stringify(rc))
})

test(
  'a TLS session resumed under the SNI of another mTLS domain does not carry over the first domain verification',
  async () => {
    const { pki, port, clients } = await setup()
    // CA 1's client on secure.example.com: verified, and the client keeps the session.
    const first = await rawTls({ port, ca: pki.root.cert, servername: SECURE, host: SECURE, client: clients.valid })
    assert.equal(first.status, 200)
    // other.example.com trusts only CA 2: a full handshake there is refused...
    assert.equal((await rawTls({ port, ca: pki.root.cert, servername: OTHER, host: OTHER, client: clients.valid })).status, 403)
    // ...and so must be a resumption of the secure.example.com session (if sessions are resumable at all).
    if (first.session === undefined) return
    const resumed = await rawTls({ port, ca: pki.root.cert, servername: OTHER, host: OTHER, client: clients.valid, session: first.session })
    assert.equal(resumed.status, 403, `session reused: ${resumed.reused}`)
  }
)

// --- truststore warnings (gatehouse validate) ---------------------------------------------------

async function runCli(t: TestContext, args: readonly string[], cwd: string) {
  const cli = spawnCli(t, args, cwd)
  const timeout = setTimeout(() => cli.child.kill('SIGKILL'), WAIT_MS)
  const { code } = await cli.exited
  clearTimeout(timeout)
  return { code, stdout: cli.stdout(), stderr: cli.stderr() }
}

function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(needle))
  assert.ok(index >= 0, needle)
  return index + 1
}

/** A directory with gatehouse.yaml (one API, one mTLS domain whose truststore is truststore.pem). */
async function validateApp(t: TestContext, truststore: string): Promise<{ dir: string; yaml: string }> {
  const { pki } = await setup()
  const server = await pki.server({ dnsNames: [SECURE] })
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-mtls-validate-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  copyFileSync(join(handlersDir, 'echo.mjs'), join(dir, 'echo.mjs'))
  writeFileSync(join(dir, 'truststore.pem'), truststore)
  const yaml =
    echoApiYaml('validated', 'validated1') +
    `domainNames:
  - domainName: ${SECURE}
    certificateFile: ${server.chainFile}
    privateKeyFile: ${server.keyFile}
    mutualTlsAuthentication:
      truststoreUri: truststore.pem
    apiMappings:
      - apiId: validated1
        stage: $default
`
  writeFileSync(join(dir, 'gatehouse.yaml'), yaml)
  return { dir, yaml }
}

const GARBAGE_BLOCK = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGUgYXQgYWxs\n-----END CERTIFICATE-----\n'

test('validate: a leaf, an expired CA and an unparsable block in the truststore are warnings naming the subject and the problem; exit 0', async (t) => {
  const { pki } = await setup()
  const [leaf, expiredCa] = await Promise.all([
    pki.client({ commonName: 'Leaf In Truststore' }),
    issueCustom(pki, pki.root, { label: 'expired-ca', subject: '/CN=Expired Test CA', serial: '0100', startdate: '20200101000000Z', enddate: '20210101000000Z', ca: true }),
  ])
  const truststore = pki.intermediate.cert + GARBAGE_BLOCK + pki.root.cert + leaf.cert + expiredCa.cert
  const { dir, yaml } = await validateApp(t, truststore)
  const result = await runCli(t, ['validate', 'gatehouse.yaml'], dir)
  assert.equal(result.code, 0, result.stdout + result.stderr)
  const prefix = `warning: gatehouse.yaml:${lineOf(yaml, 'truststoreUri:')}: domainNames[0].mutualTlsAuthentication.truststoreUri: truststore warning: `
  const warnings = result.stdout.split('\n').filter((l) => l.startsWith('warning:'))
  assert.equal(warnings.length, 3, result.stdout)
  for (const w of warnings) assert.ok(w.startsWith(prefix), `${w}\ndoes not start with\n${prefix}`)
  const one = (pattern: RegExp) => assert.equal(warnings.filter((w) => pattern.test(w)).length, 1, `one warning matches ${pattern}:\n${result.stdout}`)
  one(/CN=Leaf In Truststore.* not a CA certificate/)
  one(/CN=Expired Test CA.* expired on Jan  1 00:00:00 2021 GMT/)
  one(/Certificate 2 in the truststore cannot be parsed/)
  // The valid CAs are not mentioned; the config is valid.
  assert.doesNotMatch(result.stdout, /Gatehouse Test (Root|Intermediate) CA/)
  assert.match(result.stdout, /^gatehouse\.yaml is valid: 1 API\(s\) \(1 HTTP, 0 WebSocket\), 1 route\(s\), 1 function\(s\)$/m)
})

test('validate: a truststore file without any certificate is an error; exit 1', async (t) => {
  for (const [name, content] of [
    ['no PEM block at all', 'just some text\n'],
    ['only an unparsable block', GARBAGE_BLOCK],
  ] as const) {
    const { dir, yaml } = await validateApp(t, content)
    const result = await runCli(t, ['validate', 'gatehouse.yaml'], dir)
    assert.equal(result.code, 1, `${name}: ${result.stdout}${result.stderr}`)
    const line = `gatehouse.yaml:${lineOf(yaml, 'truststoreUri:')}: domainNames[0].mutualTlsAuthentication.truststoreUri: the truststore `
    assert.equal(result.stdout.split('\n').filter((l) => l.startsWith(line) && l.includes('cannot be used')).length, 1, `${name}:\n${result.stdout}`)
    assert.match(result.stdout, /^1 problem found$/m, name)
  }
})

// --- hot replacement of the truststore --------------------------------------------------------

interface FileApp {
  readonly dir: string
  readonly truststoreFile: string
  readonly gateway: Gateway
  readonly httpsUrl: string
  /** Replaces the truststore the way editors save (write a temporary file, rename it over). */
  replaceTruststore(pem: string): void
}

async function fileApp(t: TestContext, truststore: string, watch: boolean): Promise<FileApp> {
  const { pki } = await setup()
  const server = await pki.server({ dnsNames: [SECURE], ipAddresses: ['127.0.0.1'] })
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-mtls-reload-'))
  let gateway: Gateway | undefined
  // Registered first, so it runs first: stop the gateway (and its watcher), then remove the files.
  t.after(async () => {
    await gateway?.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  copyFileSync(join(handlersDir, 'echo.mjs'), join(dir, 'echo.mjs'))
  const truststoreFile = join(dir, 'truststore.pem')
  writeFileSync(truststoreFile, truststore)
  const configFile = join(dir, 'gatehouse.yaml')
  writeFileSync(
    configFile,
    JSON.stringify({
      functions: { echo: { handler: 'echo.handler' } },
      apis: [
        {
          name: 'reloaded',
          apiId: 'reloaded01',
          routes: [{ routeKey: '$default', target: 'integrations/echo' }],
          integrations: [{ integrationId: 'echo', integrationType: 'AWS_PROXY', integrationUri: 'echo', payloadFormatVersion: '2.0' }],
        },
      ],
      domainNames: [
        {
          domainName: SECURE,
          certificateFile: server.chainFile,
          privateKeyFile: server.keyFile,
          mutualTlsAuthentication: { truststoreUri: 'truststore.pem' },
          apiMappings: [{ apiId: 'reloaded01', stage: '$default' }],
        },
      ],
    })
  )
  const started = await startGateway(t, configFile, { watch, https: { port: 0 } })
  gateway = started.gateway
  let counter = 0
  return {
    dir,
    truststoreFile,
    gateway,
    httpsUrl: gateway.httpsUrl,
    replaceTruststore(pem) {
      const temp = join(dir, `.truststore-${++counter}.tmp`)
      writeFileSync(temp, pem)
      renameSync(temp, truststoreFile)
    },
  }
}

test('a replaced truststore file applies to new handshakes while an established keep-alive connection keeps working', async (t) => {
  const { pki, pki2 } = await setup()
  const [clientA, clientB] = await Promise.all([pki.client({ commonName: 'Client A' }), pki2.client({ commonName: 'Client B' })])
  const app = await fileApp(t, readFileSync(await pki.bundle(pki.intermediate, pki.root), 'utf8'), true)
  const fresh = (client: Pem) => viaUndici({ httpsUrl: app.httpsUrl, ca: pki.root.cert, host: SECURE, client, path: '/fresh' })

  // Client A keeps one connection open: one socket, one request at a time, no session reuse.
  let handshakes = 0
  const connector = buildConnector({ ca: pki.root.cert, servername: SECURE, cert: clientA.chain, key: clientA.key, maxCachedSessions: 0 })
  const keptAlive = new Agent({
    connections: 1,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 60_000,
    connect: (options, callback) => {
      handshakes++
      connector(options, callback)
    },
  })
  t.after(() => keptAlive.close())
  const viaKeptAlive = async (): Promise<Reply> => {
    const res = await request(`${app.httpsUrl}/kept-alive`, { dispatcher: keptAlive, headers: { host: SECURE } })
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() }
  }
  const before = json(await viaKeptAlive())
  assert.equal(obj(obj(obj(before['requestContext'], 'requestContext')['authentication'], 'authentication')['clientCert'], 'clientCert')['subjectDN'], 'CN=Client A')
  assert.equal(handshakes, 1)
  assert.equal((await fresh(clientB)).status, 403, 'CA 2 is not trusted yet')

  app.replaceTruststore(readFileSync(await pki2.bundle(pki2.intermediate, pki2.root), 'utf8'))

  // The watcher reloads; poll with new connections until both clients see the new truststore.
  let a: Reply | undefined
  let b: Reply | undefined
  for (let i = 0; i < POLL_ATTEMPTS; i++) {
    ;[a, b] = await Promise.all([fresh(clientA), fresh(clientB)])
    if (a.status === 403 && b.status === 200) break
    await delay(POLL_MS)
  }
  assert.ok(a !== undefined && b !== undefined)
  assertForbidden(a)
  const bEvent = json(b)
  assert.equal(obj(obj(obj(bEvent['requestContext'], 'requestContext')['authentication'], 'authentication')['clientCert'], 'clientCert')['subjectDN'], 'CN=Client B')

  // The connection client A opened before the change still serves it, with no new handshake.
  const afterwards = json(await viaKeptAlive())
  assert.deepEqual(obj(afterwards['requestContext'], 'requestContext')['authentication'], {
    clientCert: expectedClientCert(clientA, 'CN=Client A', 'CN=Gatehouse Test Intermediate CA'),
  })
  assert.equal(handshakes, 1, 'the keep-alive connection was reused')
})

test('after a truststore replacement, resuming a TLS session from before it does not bypass the new truststore', async (t) => {
  const { pki, pki2 } = await setup()
  const clientA = await pki.client({ commonName: 'Client A' })
  const app = await fileApp(t, readFileSync(await pki.bundle(pki.intermediate, pki.root), 'utf8'), false)
  const port = Number(new URL(app.httpsUrl).port)
  const connect = (session?: Buffer) => rawTls({ port, ca: pki.root.cert, servername: SECURE, host: SECURE, client: clientA, ...(session !== undefined ? { session } : {}) })
  const first = await connect()
  assert.equal(first.status, 200)
  // Before the change a resumption (when the server allows one) is still served.
  const session = first.session
  if (session !== undefined) assert.equal((await connect(session)).status, 200)

  app.replaceTruststore(readFileSync(await pki2.bundle(pki2.intermediate, pki2.root), 'utf8'))
  assert.deepEqual(await app.gateway.reload(), { ok: true })

  // A full handshake is refused now, and so is a resumption of the session the old truststore verified.
  assert.equal((await connect()).status, 403)
  if (session !== undefined) {
    const resumed = await connect(session)
    assert.equal(resumed.status, 403, `session reused: ${resumed.reused}`)
  }
})
