/**
 * @module
 * The Lambda proxy events of WebSocket routes (spec 10.4): `CONNECT` with the upgrade
 * request's headers (original case) and query string, `MESSAGE` with the body, and
 * `DISCONNECT` with the close code and reason. There is no payload-format choice.
 */
import { clfTime } from '../util/index.js'
import type { WebSocketConnectionInfo } from '../model/index.js'

export interface EventBase {
  readonly connection: WebSocketConnectionInfo
  readonly routeKey: string
  readonly requestId: string
  readonly requestTimeEpoch: number
}

function requestContext(b: EventBase, eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT', extra: Record<string, unknown>): Record<string, unknown> {
  const c = b.connection
  return {
    routeKey: b.routeKey,
    ...extra,
    eventType,
    extendedRequestId: b.requestId,
    requestTime: clfTime(b.requestTimeEpoch),
    messageDirection: 'IN',
    stage: c.stageName,
    connectedAt: c.connectedAt,
    requestTimeEpoch: b.requestTimeEpoch,
    identity: { ...(c.apiKey !== null ? { apiKey: c.apiKey } : {}), userAgent: c.userAgent, sourceIp: c.sourceIp },
    requestId: b.requestId,
    domainName: c.domainName,
    connectionId: c.connectionId,
    apiId: c.apiId,
    ...(c.authorizer !== null ? { authorizer: c.authorizer } : {}),
  }
}

export function connectEvent(b: EventBase, stageVariables: Readonly<Record<string, string>> | null): Record<string, unknown> {
  const c = b.connection
  // Null-prototype maps: a header or parameter named `__proto__` is just a name.
  const headers: Record<string, string> = Object.create(null) as Record<string, string>
  const multiValueHeaders: Record<string, string[]> = Object.create(null) as Record<string, string[]>
  for (const [name, value] of c.handshakeHeaders) {
    headers[name] = value
    ;(multiValueHeaders[name] ??= []).push(value)
  }
  const event: Record<string, unknown> = { headers, multiValueHeaders }
  if (c.query.length > 0) {
    const qs: Record<string, string> = Object.create(null) as Record<string, string>
    const mqs: Record<string, string[]> = Object.create(null) as Record<string, string[]>
    for (const [name, value] of c.query) {
      qs[name] = value
      ;(mqs[name] ??= []).push(value)
    }
    event['queryStringParameters'] = qs
    event['multiValueQueryStringParameters'] = mqs
  }
  if (stageVariables !== null) event['stageVariables'] = stageVariables
  event['requestContext'] = requestContext(b, 'CONNECT', {})
  event['isBase64Encoded'] = false
  return event
}

export function messageEvent(b: EventBase, messageId: string, body: string, stageVariables: Readonly<Record<string, string>> | null): Record<string, unknown> {
  return {
    requestContext: requestContext(b, 'MESSAGE', { messageId }),
    body,
    isBase64Encoded: false,
    ...(stageVariables !== null ? { stageVariables } : {}),
  }
}

export function disconnectEvent(b: EventBase, code: number, reason: string, stageVariables: Readonly<Record<string, string>> | null): Record<string, unknown> {
  const host = b.connection.domainName
  return {
    headers: { Host: host, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' },
    multiValueHeaders: { Host: [host], 'x-api-key': [''], 'X-Forwarded-For': [''], 'x-restapi': [''] },
    ...(stageVariables !== null ? { stageVariables } : {}),
    requestContext: requestContext(b, 'DISCONNECT', { disconnectStatusCode: code, disconnectReason: reason }),
    isBase64Encoded: false,
  }
}
