/**
 * @module
 * AWS Signature Version 4 verification for routes with `authorizationType: AWS_IAM` (spec 5.3).
 * The signature a client sent, in the `Authorization` header or in a presigned query string, is
 * recomputed from the request exactly as the AWS SDK signers build it for a non-S3 service and
 * compared in constant time. Pure: the caller passes the request as it arrived, the time and a
 * credential lookup; node:crypto only. A failure names one fixed reason from `SIGV4_REASONS`.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { IamCredential, IamIdentity } from '../model/index.js'


export interface SigV4Request {
  method: string
  /** path as the client sent it, percent-encoded, without query */
  rawPath: string
  rawQueryString: string
  /** header pairs in arrival order, any case, repeats allowed (Node's req.rawHeaders as [name, value] pairs) */
  headers: ReadonlyArray<readonly [string, string]>
  body: Buffer
}

export interface SigV4Options {
  region: string
  /** default 'execute-api' */
  service?: string
  /** epoch ms, injected */
  now: number
  /** default 5 minutes, AWS's window */
  clockSkewMs?: number
  credentials: (accessKeyId: string) => IamCredential | undefined
  /** default true */
  allowSessionTokens?: boolean
}


/** Why a request was refused; the wording follows AWS's SigV4 error messages where one exists. */
export const SIGV4_REASONS = {
  missingAuthentication: 'Missing Authentication Token',
  malformedAuthorization: 'Incomplete or malformed SigV4 authorization',
  missingDate: "Authorization requires either an 'X-Amz-Date' or a 'Date' header",
  hostNotSigned: "'Host' must be a 'SignedHeader' in the AWS Authorization",
  unknownAccessKey: 'The access key id is not known to this gateway',
  wrongRegion: 'Credential should be scoped to a valid region',
  wrongService: 'Credential should be scoped to correct service',
  scopeDateMismatch: 'Date in Credential scope does not match the date of X-Amz-Date',
  dateOutsideSkew: 'Signature expired or not yet current: request date is outside the clock skew window',
  invalidExpires: 'X-Amz-Expires must be a whole number of seconds of at most one week (604800)',
  presignedExpired: 'Presigned URL has expired',
  securityTokenMissing: 'The credential requires a security token and the request carries none',
  securityTokenMismatch: 'The security token included in the request is invalid',
  securityTokenNotAllowed: 'Security tokens are not accepted by this gateway',
  signatureMismatch: 'The request signature we calculated does not match the signature you provided',
} as const
export type SigV4Reason = (typeof SIGV4_REASONS)[keyof typeof SIGV4_REASONS]

export type SigV4Result = { ok: true; identity: IamIdentity } | { ok: false; reason: SigV4Reason }

export const DEFAULT_SIGV4_SERVICE = 'execute-api'
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60_000
/** The SDK signers refuse longer presigned URLs, and so does AWS. */
export const MAX_PRESIGNED_EXPIRES_S = 7 * 24 * 60 * 60

const ALGORITHM = 'AWS4-HMAC-SHA256'
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD'
const SIGNATURE = /^[0-9a-f]{64}$/
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/

/** What the client claims: everything the signature is checked against. */
interface Claim {
  readonly accessKeyId: string
  readonly scope: { readonly date: string; readonly region: string; readonly service: string }
  readonly signedHeaders: readonly string[]
  readonly signature: string
  /** Request time in the `YYYYMMDDTHHMMSSZ` form the string to sign uses. */
  readonly amzDate: string
  readonly time: number
  /** Presigned URLs only: validity in seconds from `time`. */
  readonly expiresS?: number
  readonly securityToken: string | undefined
}

interface QueryParam {
  /** Percent-decoded, for looking parameters up. */
  readonly name: string
  readonly value: string
  /** Re-encoded the canonical way, for the canonical query string. */
  readonly encoded: readonly [string, string]
}

export function verifySigV4(req: SigV4Request, options: SigV4Options): SigV4Result {
  const headers = groupHeaders(req.headers)
  const query = parseQuery(req.rawQueryString)
  const authorization = headers.get('authorization')
  const presigned = query.some((p) => p.name === 'X-Amz-Algorithm' || p.name === 'X-Amz-Signature')
  if (authorization === undefined && !presigned) return fail('missingAuthentication')
  // Two mechanisms at once would leave it open which one was meant: AWS refuses such requests.
  if (authorization !== undefined && presigned) return fail('malformedAuthorization')
  const claim = authorization !== undefined ? headerClaim(authorization, headers) : presignedClaim(query)
  if (typeof claim === 'string') return fail(claim)

  if (!claim.signedHeaders.includes('host')) return fail('hostNotSigned')
  if (claim.scope.region !== options.region) return fail('wrongRegion')
  if (claim.scope.service !== (options.service ?? DEFAULT_SIGV4_SERVICE)) return fail('wrongService')
  if (claim.scope.date !== claim.amzDate.slice(0, 8)) return fail('scopeDateMismatch')
  const skew = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS
  // The skew window allows for clocks that disagree; a presigned URL then lasts until its expiry.
  if (claim.time - skew > options.now) return fail('dateOutsideSkew')
  if (claim.expiresS === undefined) {
    if (options.now - claim.time > skew) return fail('dateOutsideSkew')
  } else if (options.now > claim.time + claim.expiresS * 1000) {
    return fail('presignedExpired')
  }

  const credential = options.credentials(claim.accessKeyId)
  if (credential === undefined) return fail('unknownAccessKey')
  const tokenProblem = checkSecurityToken(claim.securityToken, credential, options.allowSessionTokens ?? true)
  if (tokenProblem !== undefined) return fail(tokenProblem)

  // Only UNSIGNED-PAYLOAD replaces the body's hash: a declared hash is never trusted, so a body
  // changed under an unchanged x-amz-content-sha256 header fails as a signature mismatch.
  const declaredPayload =
    headers.get('x-amz-content-sha256')?.join(',') ??
    (claim.expiresS === undefined ? undefined : query.find((p) => p.name === 'X-Amz-Content-Sha256')?.value)
  const payloadHash = declaredPayload === UNSIGNED_PAYLOAD ? UNSIGNED_PAYLOAD : sha256(req.body).toString('hex')
  const canonicalQuery = query
    .filter((p) => claim.expiresS === undefined || p.name.toLowerCase() !== 'x-amz-signature')
    .map((p) => p.encoded)
    .sort(([n1, v1], [n2, v2]) => compare(n1, n2) || compare(v1, v2))
    .map(([n, v]) => `${n}=${v}`)
    .join('&')
  const canonicalRequest = [
    req.method,
    canonicalPath(req.rawPath),
    canonicalQuery,
    ...claim.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(headers.get(name) ?? [])}`),
    '',
    claim.signedHeaders.join(';'),
    payloadHash,
  ].join('\n')
  const { date, region, service } = claim.scope
  const scope = `${date}/${region}/${service}/aws4_request`
  const stringToSign = [ALGORITHM, claim.amzDate, scope, sha256(canonicalRequest).toString('hex')].join('\n')
  let key = hmac(`AWS4${credential.secretAccessKey}`, date)
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part)
  const expected = hmac(key, stringToSign)
  if (!timingSafeEqual(expected, Buffer.from(claim.signature, 'hex'))) return fail('signatureMismatch')

  const id = principalId(credential)
  return {
    ok: true,
    identity: { accessKey: claim.accessKeyId, accountId: credential.accountId, userArn: credential.userArn, caller: id, user: id },
  }
}

function fail(reason: Problem): SigV4Result {
  return { ok: false, reason: SIGV4_REASONS[reason] }
}

type Problem = keyof typeof SIGV4_REASONS
type ClaimOrProblem = Claim | Problem

/** `AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b, Signature=hex` */
function headerClaim(authorization: readonly string[], headers: ReadonlyMap<string, readonly string[]>): ClaimOrProblem {
  const [value, ...others] = authorization
  const match = /^AWS4-HMAC-SHA256 +(.*)$/.exec(value ?? '')
  if (others.length > 0 || match === null) return 'malformedAuthorization'
  const fields = new Map<string, string>()
  for (const field of (match[1] ?? '').split(',')) {
    const eq = field.indexOf('=')
    const name = field.slice(0, eq).trim()
    if (eq === -1 || fields.has(name)) return 'malformedAuthorization'
    fields.set(name, field.slice(eq + 1).trim())
  }
  if (fields.size !== 3) return 'malformedAuthorization'

  const amzDate = headers.get('x-amz-date')
  const httpDate = headers.get('date')
  let time: number | undefined
  if (amzDate !== undefined) {
    time = amzDate.length === 1 ? parseAmzDate(amzDate[0] ?? '') : undefined
  } else if (httpDate !== undefined) {
    // Only when X-Amz-Date is absent, as AWS documents; the string to sign takes the same
    // instant in the basic ISO 8601 form. [UNCONFIRMED]
    const parsed = httpDate.length === 1 ? Date.parse(httpDate[0] ?? '') : Number.NaN
    time = Number.isNaN(parsed) ? undefined : parsed
  } else {
    return 'missingDate'
  }
  if (time === undefined) return 'malformedAuthorization'
  const token = headers.get('x-amz-security-token')?.join(',')
  return claimFrom(fields.get('Credential'), fields.get('SignedHeaders'), fields.get('Signature'), time, undefined, token)
}

/** `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`, `X-Amz-Signature`. */
function presignedClaim(query: readonly QueryParam[]): ClaimOrProblem {
  const names = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token']
  const [algorithm, credential, date, expires, signedHeaders, signature, token] = names.map((name) => {
    const values = query.filter((p) => p.name === name)
    return values.length > 1 ? null : values[0]?.value
  })
  if ([algorithm, credential, date, expires, signedHeaders, signature, token].includes(null)) return 'malformedAuthorization'
  if (algorithm !== ALGORITHM || typeof expires !== 'string' || typeof date !== 'string') return 'malformedAuthorization'
  const expiresS = /^\d{1,7}$/.test(expires) ? Number(expires) : Number.POSITIVE_INFINITY
  if (expiresS > MAX_PRESIGNED_EXPIRES_S) return 'invalidExpires'
  const time = parseAmzDate(date)
  if (time === undefined) return 'malformedAuthorization'
  return claimFrom(credential ?? undefined, signedHeaders ?? undefined, signature ?? undefined, time, expiresS, token ?? undefined)
}

function claimFrom(
  credential: string | undefined,
  signedHeaderList: string | undefined,
  signature: string | undefined,
  time: number,
  expiresS: number | undefined,
  securityToken: string | undefined,
): ClaimOrProblem {
  const parts = credential?.split('/') ?? []
  const [accessKeyId, date, region, service, terminator] = parts
  // Splitting '' gives [''], which fails the name test: a missing or empty list is malformed.
  const signedHeaders = (signedHeaderList ?? '').split(';')
  if (
    parts.length !== 5 || !accessKeyId || !region || !service || terminator !== 'aws4_request' ||
    date === undefined || !/^\d{8}$/.test(date) ||
    !signedHeaders.every((h) => HEADER_NAME.test(h)) || new Set(signedHeaders).size !== signedHeaders.length ||
    signature === undefined || !SIGNATURE.test(signature)
  ) {
    return 'malformedAuthorization'
  }
  return {
    accessKeyId,
    scope: { date, region, service },
    // Signers list them sorted; sorting here makes any other order simply fail to match.
    signedHeaders: [...signedHeaders].sort(compare),
    signature,
    amzDate: formatAmzDate(time),
    time,
    ...(expiresS === undefined ? {} : { expiresS }),
    securityToken,
  }
}

function checkSecurityToken(token: string | undefined, credential: IamCredential, allowed: boolean): Problem | undefined {
  if (!allowed && (token !== undefined || credential.sessionToken !== undefined)) return 'securityTokenNotAllowed'
  if (credential.sessionToken === undefined) return token === undefined ? undefined : 'securityTokenMismatch'
  if (token === undefined) return 'securityTokenMissing'
  // Digests have equal lengths, so the comparison reveals neither content nor length.
  return timingSafeEqual(sha256(token), sha256(credential.sessionToken)) ? undefined : 'securityTokenMismatch'
}

/** Lower-cased header name → values in arrival order. */
function groupHeaders(pairs: SigV4Request['headers']): Map<string, string[]> {
  const grouped = new Map<string, string[]>()
  for (const [name, value] of pairs) {
    const key = name.toLowerCase()
    const values = grouped.get(key)
    if (values === undefined) grouped.set(key, [value])
    else values.push(value)
  }
  return grouped
}

/** Each value trimmed with runs of spaces collapsed; repeated headers joined with ','. */
function canonicalHeaderValue(values: readonly string[]): string {
  return values.map((v) => v.replace(/[ \t]+/g, ' ').replace(/^ | $/g, '')).join(',')
}

/**
 * Dot segments resolved and empty segments dropped as the SDK signers do, then the path as sent
 * (already percent-encoded) encoded once more: non-S3 services sign a double-encoded path.
 */
function canonicalPath(rawPath: string): string {
  const segments: string[] = []
  for (const segment of rawPath.split('/')) {
    if (segment === '..') segments.pop()
    else if (segment !== '' && segment !== '.') segments.push(segment)
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : ''
  const path = `${rawPath.startsWith('/') ? '/' : ''}${segments.join('/')}${trailing}`
  return uriEncode(Buffer.from(path, 'utf8'), true)
}

/**
 * Pairs split on '&' and the first '=' (`a` alone is `a=`), decoded to bytes and re-encoded, so
 * `%7e`, `~` and `%7E` all canonicalise to `~`. A '+' stays a literal plus, as RFC 3986 has it
 * (the SDKs always send `%20`). [UNCONFIRMED]
 */
function parseQuery(raw: string): QueryParam[] {
  const params: QueryParam[] = []
  for (const pair of raw.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const name = percentDecode(eq === -1 ? pair : pair.slice(0, eq))
    const value = percentDecode(eq === -1 ? '' : pair.slice(eq + 1))
    params.push({ name: name.toString('utf8'), value: value.toString('utf8'), encoded: [uriEncode(name), uriEncode(value)] })
  }
  return params
}

/** Valid `%XX` escapes become bytes; anything else, including a stray '%', is kept as UTF-8. */
function percentDecode(text: string): Buffer {
  const pieces = text.split(/(%[0-9A-Fa-f]{2})/)
  return Buffer.concat(pieces.map((piece, i) => (i % 2 === 1 ? Buffer.of(parseInt(piece.slice(1), 16)) : Buffer.from(piece, 'utf8'))))
}

/** RFC 3986 unreserved characters stay, every other byte becomes `%XX` (upper-case hex). */
const ENCODED_BYTES = Array.from({ length: 256 }, (_, byte) => {
  const char = String.fromCharCode(byte)
  return /[A-Za-z0-9_.~-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
})

function uriEncode(bytes: Buffer, keepSlash = false): string {
  let out = ''
  for (const byte of bytes) out += keepSlash && byte === 0x2f ? '/' : (ENCODED_BYTES[byte] ?? '')
  return out
}

function parseAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(value)
  if (m === null) return undefined
  const time = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`)
  // The round trip rejects dates such as 20240230 that Date.parse would roll over.
  return Number.isNaN(time) || formatAmzDate(time) !== value ? undefined : time
}

function formatAmzDate(time: number): string {
  return new Date(time).toISOString().replace(/\.\d{3}/, '').replace(/[-:]/g, '')
}

/** The principal name from an IAM or STS ARN; see `IamIdentity.caller`. */
function principalId(credential: IamCredential): string {
  const resource = /^arn:[^:]*:(?:iam|sts):[^:]*:[^:]*:(.+)$/.exec(credential.userArn)?.[1]
  if (resource === undefined) return credential.userArn
  if (resource === 'root') return credential.accountId
  const [kind, ...rest] = resource.split('/')
  if (kind === 'assumed-role' && rest.length >= 2) return rest.join(':')
  return rest.at(-1) ?? resource
}

/** Code-unit order, which is byte order for the ASCII of encoded names and values. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function sha256(data: string | Buffer): Buffer {
  return createHash('sha256').update(data).digest()
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest()
}
