/**
 * @module
 * AWS Signature Version 4 for the requests the gateway sends to AWS services (non-S3 rules,
 * as the AWS SDK signers build them): the path's segments are encoded once more in the
 * canonical request, the query is sorted, every header given is signed, and the payload hash
 * is SHA-256 of the body. Pure: the time is a parameter.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
import { createHash, createHmac } from 'node:crypto'

export interface AwsCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string | undefined
}

/** The parts of an HTTP request to an AWS service that every stage (build, sign, send) shares. */
export interface ServiceRequestLine {
  readonly method: string
  /** The path as sent on the wire (percent-encoded), starting with `/`. */
  readonly path: string
  /** `[name, value]` pairs, not encoded. */
  readonly query: ReadonlyArray<readonly [string, string]>
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>
}

/** `host`, `x-amz-date` and `x-amz-security-token` are added to `headers` when signing. */
export interface RequestToSign extends ServiceRequestLine {
  /** Host, with `:port` when not the scheme's default. */
  readonly host: string
  readonly body: Buffer
}

export interface SigningScope {
  readonly region: string
  /** The signing name (`dynamodb`, `sqs`, `states`, ...). */
  readonly service: string
  /** Epoch ms. */
  readonly now: number
}

/** The headers to send: the request's own plus `host`, `x-amz-date`, the token and `authorization`. */
export function signRequest(request: RequestToSign, credentials: AwsCredentials, scope: SigningScope): Record<string, string> {
  const amzDate = new Date(scope.now).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
  const day = amzDate.slice(0, 8)
  const headers: Record<string, string> = { ...request.headers, host: request.host, 'x-amz-date': amzDate }
  if (credentials.sessionToken !== undefined) headers['x-amz-security-token'] = credentials.sessionToken
  const names = Object.keys(headers).map((n) => n.toLowerCase()).sort()
  const canonicalHeaders = names.map((n) => `${n}:${String(headers[n]).trim().replace(/\s+/g, ' ')}\n`).join('')
  const signedHeaders = names.join(';')
  const canonicalQuery = request.query
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
  const canonicalPath = request.path === '' ? '/' : request.path.split('/').map((s) => rfc3986(s)).join('/')
  const canonical = [request.method.toUpperCase(), canonicalPath, canonicalQuery, canonicalHeaders, signedHeaders, sha256(request.body)].join('\n')
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, credentialScope, sha256(Buffer.from(canonical))].join('\n')
  let key = hmac(`AWS4${credentials.secretAccessKey}`, day)
  key = hmac(key, scope.region)
  key = hmac(key, scope.service)
  key = hmac(key, 'aws4_request')
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex')
  headers['authorization'] = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`
  return headers
}

/** RFC 3986 encoding: everything but `A-Za-z0-9-._~`. */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest()
}
