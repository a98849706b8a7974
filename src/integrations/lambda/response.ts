/**
 * @module
 * Interprets a Lambda result as an HTTP response, for both payload formats (spec 3.5,
 * 3.6). A malformed result is reported with a reason (it becomes a 500 with that reason
 * in `$context.integrationErrorMessage`), never thrown.
 */
import { isObject } from '../../util/index.js'

export interface LambdaHttpResponse {
  readonly statusCode: number
  /** Header pairs in order; `Set-Cookie` may repeat. */
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body: Buffer
}

export type Interpretation = { ok: true; response: LambdaHttpResponse } | { ok: false; reason: string }

/**
 * Response headers the gateway owns: framing is recomputed from the body actually sent, and
 * `apigw-requestid` is always the gateway's (spec 4.4).
 */
const GATEWAY_OWNED_HEADERS: ReadonlySet<string> = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'apigw-requestid'])

const EMPTY = Buffer.alloc(0)
const INFERRED_HEADERS: ReadonlyArray<readonly [string, string]> = Object.freeze([['content-type', 'application/json'] as const])
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

type Json = Record<string, unknown>
const isScalar = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'

/** Payload format 2.0: a structured response if it has `statusCode`, else an inferred 200. */
export function interpretV2(payload: string): Interpretation {
  const result = parsePayload(payload)
  if (result === NOT_JSON) return { ok: false, reason: NOT_JSON_REASON }
  if (isObject(result) && 'statusCode' in result) {
    const status = checkStatus(result)
    if (typeof status === 'string') return { ok: false, reason: status }
    const headers: Array<readonly [string, string]> = []
    const bad = addSingleHeaders(result['headers'], headers)
    if (bad !== undefined) return { ok: false, reason: bad }
    const cookies = result['cookies']
    if (cookies !== undefined && cookies !== null) {
      if (!Array.isArray(cookies) || !cookies.every((c) => typeof c === 'string')) {
        return { ok: false, reason: 'cookies must be an array of strings' }
      }
      for (const c of cookies) headers.push(['set-cookie', c])
    }
    const body = decodeBody(result)
    if (typeof body === 'string') return { ok: false, reason: body }
    return { ok: true, response: { statusCode: status, headers, body } }
  }
  // Inferred response: the output is the body, as JSON; a string result is sent unquoted.
  let body: Buffer
  if (typeof result === 'string') body = Buffer.from(result)
  else if (result === null) body = EMPTY
  else body = Buffer.from(payload)
  return { ok: true, response: { statusCode: 200, headers: INFERRED_HEADERS, body } }
}

/** Payload format 1.0: `statusCode` is required; `multiValueHeaders` win over `headers`. */
export function interpretV1(payload: string): Interpretation {
  const result = parsePayload(payload)
  if (result === NOT_JSON) return { ok: false, reason: NOT_JSON_REASON }
  if (!isObject(result) || !('statusCode' in result)) {
    return { ok: false, reason: 'Malformed Lambda proxy response: statusCode is required for payload format 1.0' }
  }
  const status = checkStatus(result)
  if (typeof status === 'string') return { ok: false, reason: status }
  const single: Array<readonly [string, string]> = []
  const bad = addSingleHeaders(result['headers'], single)
  if (bad !== undefined) return { ok: false, reason: bad }
  const multi: Array<readonly [string, string]> = []
  const mvh = result['multiValueHeaders']
  if (mvh !== undefined && mvh !== null) {
    if (!isObject(mvh)) return { ok: false, reason: 'multiValueHeaders must be an object' }
    for (const [name, values] of Object.entries(mvh)) {
      if (!Array.isArray(values) || !values.every(isScalar)) {
        return { ok: false, reason: `multiValueHeaders.${name} must be an array of strings` }
      }
      if (GATEWAY_OWNED_HEADERS.has(name.toLowerCase())) continue
      for (const v of values) multi.push([name, String(v)])
    }
  }
  const multiNames = new Set(multi.map(([n]) => n.toLowerCase()))
  const headers = [...single.filter(([n]) => !multiNames.has(n.toLowerCase())), ...multi]
  const body = decodeBody(result)
  if (typeof body === 'string') return { ok: false, reason: body }
  return { ok: true, response: { statusCode: status, headers, body } }
}

const NOT_JSON = Symbol('not JSON')
const NOT_JSON_REASON = 'The Lambda function returned a payload that is not JSON'

function parsePayload(payload: string): unknown {
  try {
    return JSON.parse(payload) as unknown
  } catch {
    return NOT_JSON
  }
}

function checkStatus(result: Json): number | string {
  const status = result['statusCode']
  // A 1xx status cannot be a final response, so it is as malformed as 600 [UNCONFIRMED].
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
    return `Malformed Lambda proxy response: statusCode must be an integer between 200 and 599, got ${JSON.stringify(status)}`
  }
  return status
}

function addSingleHeaders(value: unknown, into: Array<readonly [string, string]>): string | undefined {
  if (value === undefined || value === null) return undefined
  if (!isObject(value)) return 'Malformed Lambda proxy response: headers must be an object'
  for (const [name, v] of Object.entries(value)) {
    if (!isScalar(v)) return `Malformed Lambda proxy response: header ${name} must be a string, number or boolean`
    if (GATEWAY_OWNED_HEADERS.has(name.toLowerCase())) continue
    into.push([name, String(v)])
  }
  return undefined
}

function decodeBody(result: Json): Buffer | string {
  const body = result['body']
  const base64 = result['isBase64Encoded']
  if (base64 !== undefined && base64 !== null && typeof base64 !== 'boolean') {
    return 'Malformed Lambda proxy response: isBase64Encoded must be a boolean'
  }
  if (body === undefined || body === null) return EMPTY
  if (typeof body !== 'string') return 'Malformed Lambda proxy response: body must be a string'
  if (base64 !== true) return Buffer.from(body)
  const compact = body.replace(/\s+/g, '')
  if (compact.length % 4 === 1 || !BASE64.test(compact.replace(/-/g, '+').replace(/_/g, '/'))) {
    return 'Malformed Lambda proxy response: body is not valid base64'
  }
  return Buffer.from(compact, 'base64')
}
