/**
 * @module
 * The WebSocket `$context` variables that request parameters and mapping templates read
 * (spec 10.10), each a function of the event a route handles.
 */
import type { WebSocketRequestSource } from '../model/index.js'
import { clfTime } from '../util/index.js'

/** WebSocket `$context` variables a parameter may read (spec 10.10). */
export const CONTEXT_VARIABLES: Readonly<Record<string, (s: WebSocketRequestSource) => string | undefined>> = {
  apiId: (s) => s.connection.apiId,
  connectionId: (s) => s.connection.connectionId,
  connectedAt: (s) => String(s.connection.connectedAt),
  domainName: (s) => s.connection.domainName,
  eventType: (s) => s.eventType,
  extendedRequestId: (s) => s.requestId,
  messageId: (s) => s.messageId ?? undefined,
  requestId: (s) => s.requestId,
  routeKey: (s) => s.routeKey,
  stage: (s) => s.connection.stageName,
  'identity.sourceIp': (s) => s.connection.sourceIp,
  'identity.userAgent': (s) => s.connection.userAgent,
  'identity.apiKey': (s) => s.connection.apiKey ?? undefined,
  requestTimeEpoch: (s) => (s.requestTimeEpoch === undefined ? undefined : String(s.requestTimeEpoch)),
  requestTime: (s) => (s.requestTimeEpoch === undefined ? undefined : clfTime(s.requestTimeEpoch)),
}

/** A WebSocket `$context` variable for a request, or `undefined`. */
export function contextValue(source: WebSocketRequestSource, name: string): string | undefined {
  const fixed = CONTEXT_VARIABLES[name]
  if (fixed !== undefined) return fixed(source)
  // `$context.authorizer.principalId` and the `$connect` authorizer's context (strings).
  if (name.startsWith('authorizer.')) {
    const v = source.connection.authorizer?.[name.slice(11)]
    return v === undefined || v === null ? undefined : String(v)
  }
  return undefined
}
