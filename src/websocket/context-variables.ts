/**
 * @module
 * The WebSocket `$context` variables of access logs (spec 10.10), each a function of one
 * logged event (a connect, a message or a disconnect). Variables that do not apply to a
 * self-hosted gateway (Cognito, WAF, IAM caller) render as `-`.
 */
import { clfTime } from '../util/index.js'
import type { WebSocketLogRecord } from '../model/index.js'

export type { WebSocketLogRecord }

type Getter = (r: WebSocketLogRecord) => string | number | undefined
const positive = (n: number): number | undefined => (n < 0 ? undefined : n)
const text = (s: string | null): string | undefined => (s === null || s === '' ? undefined : s)
const none: Getter = () => undefined

const VARIABLES: Readonly<Record<string, Getter>> = {
  apiId: (r) => r.connection.apiId,
  connectedAt: (r) => r.connection.connectedAt,
  connectionId: (r) => r.connection.connectionId,
  domainName: (r) => r.connection.domainName,
  'error.message': (r) => text(r.errorMessage),
  'error.messageString': (r) => (r.errorMessage === null ? undefined : JSON.stringify(r.errorMessage)),
  'error.responseType': (r) => text(r.errorResponseType),
  'error.validationErrorString': none,
  eventType: (r) => r.eventType,
  extendedRequestId: (r) => r.requestId,
  'identity.accountId': none,
  'identity.apiKey': (r) => text(r.connection.apiKey),
  'identity.apiKeyId': none,
  'identity.caller': none,
  'identity.cognitoAuthenticationProvider': none,
  'identity.cognitoAuthenticationType': none,
  'identity.cognitoIdentityId': none,
  'identity.cognitoIdentityPoolId': none,
  'identity.principalOrgId': none,
  'identity.sourceIp': (r) => r.connection.sourceIp,
  'identity.user': none,
  'identity.userAgent': (r) => text(r.connection.userAgent),
  'identity.userArn': none,
  'integration.error': (r) => text(r.integrationError),
  'integration.integrationStatus': (r) => positive(r.integrationStatus),
  'integration.latency': (r) => positive(r.integrationLatency),
  'integration.requestId': none,
  'integration.status': (r) => positive(r.integrationStatus),
  integrationLatency: (r) => positive(r.integrationLatency),
  messageId: (r) => text(r.messageId),
  requestId: (r) => r.requestId,
  requestTime: (r) => clfTime(r.requestTimeEpoch),
  requestTimeEpoch: (r) => r.requestTimeEpoch,
  routeKey: (r) => text(r.routeKey),
  stage: (r) => r.connection.stageName,
  status: (r) => r.status,
}

const AUTHORIZER_PREFIX = 'authorizer.'

export function websocketContextVariable(name: string): Getter | undefined {
  const fixed = VARIABLES[name]
  if (fixed !== undefined) return fixed
  if (/^(authorize|authenticate|waf)\.(error|latency|status)$/.test(name)) return none
  // `$context.authorizer.principalId` and the `$connect` authorizer's context keys (strings).
  if (name.startsWith(AUTHORIZER_PREFIX) && name.length > AUTHORIZER_PREFIX.length) {
    const key = name.slice(AUTHORIZER_PREFIX.length)
    return (r) => {
      const v = r.connection.authorizer?.[key]
      return typeof v === 'string' || typeof v === 'number' ? v : undefined
    }
  }
  return undefined
}
