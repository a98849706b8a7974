// A loopback HTTP server that stands in for an AWS service (never for Gatehouse): it checks
// each request's SigV4 signature by signing the same request again with the official AWS
// signer (@smithy/signature-v4, as the AWS SDK v3 does) and comparing, records the exact
// request (method, path, query, headers, body, X-Amz-Target), and answers with what the
// test's handler says the service would answer.
import type { TestContext } from 'node:test'
import { createServer, type IncomingMessage } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { Sha256 } from '@aws-crypto/sha256-js'
import { SignatureV4 } from '@smithy/signature-v4'

export interface StandInCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

export interface ServiceRequest {
  readonly method: string
  readonly path: string
  readonly query: Record<string, string>
  /** Lower-case names. */
  readonly headers: Record<string, string>
  readonly body: string
  /** `X-Amz-Target`, or undefined. */
  readonly target: string | undefined
  /** Why the signature was refused, or `null` when it checked out. */
  readonly signatureProblem: string | null
}

export interface ServiceAnswer {
  readonly status: number
  readonly headers?: Record<string, string>
  readonly body: string
}

export interface StandIn {
  readonly origin: string
  readonly requests: ServiceRequest[]
}

export interface StandInOptions {
  readonly region: string
  /** The signing name the service expects. */
  readonly service: string
  readonly credentials: StandInCredentials
}

/** AWS's answer to a bad signature (JSON protocol services). */
export const BAD_SIGNATURE: ServiceAnswer = {
  status: 403,
  headers: { 'content-type': 'application/x-amz-json-1.0' },
  body: JSON.stringify({ __type: 'com.amazon.coral.service#InvalidSignatureException', message: 'The request signature we calculated does not match the signature you provided.' }),
}

export async function startAwsStandIn(t: TestContext, o: StandInOptions, handle: (req: ServiceRequest) => ServiceAnswer | Promise<ServiceAnswer>): Promise<StandIn> {
  const requests: ServiceRequest[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8')
        const url = new URL(req.url ?? '/', 'http://stand-in')
        const headers: Record<string, string> = {}
        for (let i = 0; i < req.rawHeaders.length; i += 2) headers[(req.rawHeaders[i] as string).toLowerCase()] = req.rawHeaders[i + 1] as string
        const recorded: ServiceRequest = {
          method: req.method ?? '',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers,
          body,
          target: headers['x-amz-target'],
          signatureProblem: await checkSignature(req, url, headers, body, o),
        }
        requests.push(recorded)
        const answer = recorded.signatureProblem === null ? await handle(recorded) : BAD_SIGNATURE
        res.writeHead(answer.status, { 'x-amzn-requestid': `stand-in-${requests.length}`, ...(answer.headers ?? { 'content-type': 'application/x-amz-json-1.0' }) })
        res.end(answer.body)
      })()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => {
    server.closeAllConnections()
    server.close()
  })
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests }
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/

async function checkSignature(req: IncomingMessage, url: URL, headers: Record<string, string>, body: string, o: StandInOptions): Promise<string | null> {
  const auth = AUTHORIZATION.exec(headers['authorization'] ?? '')
  if (auth === null) return `malformed Authorization: ${headers['authorization'] ?? '(none)'}`
  const [, keyId, day, region, service, signed, signature] = auth as unknown as string[]
  if (keyId !== o.credentials.accessKeyId) return `unknown access key ${keyId ?? ''}`
  if (region !== o.region) return `region ${region ?? ''}, expected ${o.region}`
  if (service !== o.service) return `service ${service ?? ''}, expected ${o.service}`
  const amzDate = headers['x-amz-date'] ?? ''
  if (!amzDate.startsWith(day ?? '?')) return 'x-amz-date does not match the credential scope'
  if (o.credentials.sessionToken !== undefined && headers['x-amz-security-token'] !== o.credentials.sessionToken) return 'missing or wrong x-amz-security-token'
  const signedNames = (signed ?? '').split(';')
  if (!signedNames.includes('host')) return 'host is not signed'
  const signedHeaders: Record<string, string> = {}
  for (const name of signedNames) {
    const value = headers[name]
    if (value === undefined) return `signed header ${name} is missing`
    signedHeaders[name] = value
  }
  const query: Record<string, string | string[]> = {}
  for (const [k, v] of url.searchParams) {
    const prev = query[k]
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
  }
  const signer = new SignatureV4({ credentials: o.credentials, region: o.region, service: o.service, sha256: Sha256, applyChecksum: false })
  const date = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`)
  const resigned = await signer.sign(
    { method: req.method ?? 'GET', protocol: 'http:', hostname: (headers['host'] ?? '').replace(/:\d+$/, ''), path: url.pathname, query, headers: signedHeaders, body },
    { signingDate: date }
  )
  const expected = AUTHORIZATION.exec(String(resigned.headers['authorization']))?.[6]
  return expected === signature ? null : `signature mismatch (the AWS signer computes ${expected ?? '?'})`
}
