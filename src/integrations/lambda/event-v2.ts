/**
 * @module
 * Builds the payload format 2.0 event (spec 3.2) as JSON text. Absent things are omitted
 * (`cookies`, `queryStringParameters`, `pathParameters`, `stageVariables`, `body`), headers
 * are lower-cased and repeats joined with `,`, and the `cookie` header moves to `cookies`.
 */
import { clfTime, jsonString } from '../../util/index.js'
import type { RequestContext } from '../../model/index.js'
import type { AuthorizerResult } from '../../model/index.js'
import { encodeRequestBody } from './body-encoding.js'
import { cookiesOf, integrationHeaders, queryParameters } from './request-parts.js'
import type { IntegrationRequestParts } from '../parameter-mapping/index.js'

export interface EventV2Input {
  readonly ctx: RequestContext
  readonly accountId: string
  readonly apiId: string
  readonly stageName: string
  readonly routeKey: string
  readonly stageVariables: Readonly<Record<string, string>> | null
  /** Headers, query and path after request parameter mapping, when the integration has one. */
  readonly mapped?: IntegrationRequestParts
}

export function buildEventV2(input: EventV2Input): Record<string, unknown> {
  return build(input, null)
}

/**
 * Header values at least this long are quoted by util's `jsonString` rather than by
 * `JSON.stringify`, whose per-character escaping loop costs about twice `jsonString`'s check of
 * the value (an 840-character `authorization` header: 18,500 against 8,500 instructions,
 * callgrind, see docs/benchmarks.md). Shorter values are not worth the extra calls.
 */
export const LONG_HEADER_VALUE = 128

/**
 * The payload 2.0 event as JSON text: exactly `JSON.stringify(buildEventV2(input))`. When a
 * header value is long (a bearer token), the headers member is written by `headersJson`.
 */
export function eventV2Json(input: EventV2Input): string {
  const long = { found: false }
  const event = build(input, long)
  if (!long.found) return JSON.stringify(event)
  const headers = event['headers'] as Record<string, string>
  event['headers'] = 0
  const text = JSON.stringify(event)
  // The first `"headers":` is the member itself: only strings come before it (`version`,
  // `routeKey`, `rawPath`, `rawQueryString`, `cookies`), in which every `"` is escaped.
  const at = text.indexOf(HEADERS_PLACEHOLDER) + HEADERS_PLACEHOLDER.length - 1
  return text.slice(0, at) + headersJson(headers) + text.slice(at + 1)
}

const HEADERS_PLACEHOLDER = '"headers":0'

/** `JSON.stringify(headers)` for string values, quoting long plain values without the escaping loop. */
function headersJson(headers: Readonly<Record<string, string>>): string {
  let text = '{'
  // Object.keys lists names in JSON.stringify's order (integer-like names first).
  for (const name of Object.keys(headers)) {
    const value = headers[name] as string
    text +=
      (text.length > 1 ? ',' : '') +
      JSON.stringify(name) +
      ':' +
      (value.length >= LONG_HEADER_VALUE ? jsonString(value) : JSON.stringify(value))
  }
  return text + '}'
}

/** The event; `long`, when given, learns whether a header value is at least LONG_HEADER_VALUE long. */
function build({ ctx, accountId, apiId, stageName, routeKey, stageVariables, mapped }: EventV2Input, long: { found: boolean } | null): Record<string, unknown> {
  const pairs = mapped?.headers ?? integrationHeaders(ctx)
  const rawQueryString = mapped?.rawQueryString ?? ctx.rawQueryString
  const path = mapped?.path ?? ctx.path
  const headers: Record<string, string> = {}
  let contentType: string | undefined
  for (const [name, value] of pairs) {
    if (name === 'cookie') continue
    if (name === 'content-type') contentType ??= value
    const prev = headers[name]
    headers[name] = prev === undefined ? value : `${prev},${value}`
    if (long !== null && value.length >= LONG_HEADER_VALUE) long.found = true
  }
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString,
  }
  const cookies = cookiesOf(pairs)
  if (cookies.length > 0) event['cookies'] = cookies
  event['headers'] = headers
  const query = queryParameters(rawQueryString)
  if (query.length > 0) {
    const qs: Record<string, string> = {}
    for (const [name, value] of query) {
      const prev = qs[name]
      qs[name] = prev === undefined ? value : `${prev},${value}`
    }
    event['queryStringParameters'] = qs
  }
  if (ctx.pathParameters !== null) event['pathParameters'] = ctx.pathParameters
  if (stageVariables !== null) event['stageVariables'] = stageVariables
  const authorizer = authorizerV2(ctx.authorizer)
  event['requestContext'] = {
    accountId,
    apiId,
    // Only through a mutual TLS custom domain (spec 3.2, 7.3).
    ...(ctx.clientCert !== null ? { authentication: { clientCert: ctx.clientCert } } : {}),
    ...(authorizer !== undefined ? { authorizer } : {}),
    domainName: ctx.domainName,
    domainPrefix: ctx.domainPrefix,
    http: {
      method: ctx.method,
      // The request as the client sent it; a mapped path only changes `rawPath`.
      path: ctx.path,
      protocol: ctx.protocol,
      sourceIp: ctx.sourceIp,
      userAgent: headers['user-agent'] ?? '',
    },
    requestId: ctx.requestId,
    routeKey,
    stage: stageName,
    time: clfTime(ctx.requestTimeEpoch),
    timeEpoch: ctx.requestTimeEpoch,
  }
  if (ctx.body.length > 0) {
    const encoded = encodeRequestBody(ctx.body, contentType)
    event['body'] = encoded.body
    event['isBase64Encoded'] = encoded.isBase64Encoded
  } else {
    event['isBase64Encoded'] = false
  }
  return event
}

/** `requestContext.authorizer` of payload 2.0 (spec 3.4); absent without an authorizer. */
function authorizerV2(result: AuthorizerResult | null): Record<string, unknown> | undefined {
  if (result === null) return undefined
  switch (result.kind) {
    case 'jwt':
      return { jwt: { claims: result.claims, scopes: result.scopes } }
    case 'lambda':
      return { lambda: result.context }
    case 'iam': {
      const id = result.identity
      return {
        iam: {
          accessKey: id.accessKey,
          accountId: id.accountId,
          callerId: id.caller,
          cognitoIdentity: null,
          principalOrgId: null,
          userArn: id.userArn,
          userId: id.user,
        },
      }
    }
  }
}
