/**
 * @module
 * The `$connect` Lambda `REQUEST` authorizer of WebSocket APIs (spec 10.7): identity sources
 * from headers and the query string (missing → 401 without invoking), the REST-shaped event
 * with `methodArn` ending in `$connect`, an IAM policy answer (Deny → 403), the error
 * `Unauthorized` → 401, anything else → 500. Context values reach later events stringified.
 */
import { decide, parseAuthorizerResponse } from '../auth/index.js'
import type { CompiledWebSocketAuthorizer, WebSocketConnectionInfo } from '../model/index.js'
import { connectEvent, type EventBase } from './events.js'

export type ConnectAuthorization =
  | { ok: true; authorizer: Record<string, unknown>; usageIdentifierKey: string | undefined }
  | { ok: false; status: 401 | 403 | 500; reason: string }

/** WebSocket authorizers are not cached (`authorizerResultTtlInSeconds` is HTTP-only, spec 10.7). */
const AUTHORIZER_TIMEOUT_MS = 10_000

export async function authorizeConnect(
  authorizer: CompiledWebSocketAuthorizer,
  base: EventBase & { readonly region: string; readonly accountId: string },
  stageVariables: Readonly<Record<string, string>> | null
): Promise<ConnectAuthorization> {
  const c = base.connection
  const values: string[] = []
  for (const source of authorizer.identitySources) {
    const value = source.kind === 'header' ? headerOf(c, source.name) : c.query.find(([n]) => n === source.name)?.[1]
    if (value === undefined || value === '') return { ok: false, status: 401, reason: `identity source ${source.expression} is missing` }
    values.push(value)
  }
  const methodArn = `arn:aws:execute-api:${base.region}:${base.accountId}:${c.apiId}/${c.stageName}/$connect`
  const { requestContext, ...rest } = connectEvent(base, stageVariables)
  const event = { type: 'REQUEST', methodArn, ...rest, requestContext }
  const result = await authorizer.pool.invoke(JSON.stringify(event), AUTHORIZER_TIMEOUT_MS)
  if (result.status === 'function-error') {
    if (result.error.errorMessage === 'Unauthorized') return { ok: false, status: 401, reason: 'the authorizer answered Unauthorized' }
    return { ok: false, status: 500, reason: `authorizer error: ${result.error.errorType}: ${result.error.errorMessage}` }
  }
  if (result.status !== 'ok') return { ok: false, status: 500, reason: `authorizer ${result.status}` }
  let payload: unknown
  try {
    payload = JSON.parse(result.payload)
  } catch {
    return { ok: false, status: 500, reason: 'the authorizer answered something that is not JSON' }
  }
  const decision = decide(parseAuthorizerResponse(payload, { payloadFormatVersion: '1.0', enableSimpleResponses: false }), methodArn)
  if (decision.kind === 'invalid') return { ok: false, status: 500, reason: decision.reason }
  if (decision.kind === 'deny') return { ok: false, status: 403, reason: 'the authorizer denied $connect' }
  const out: Record<string, unknown> = {}
  if (decision.principalId !== undefined) out['principalId'] = decision.principalId
  // REST-style: context values arrive as strings (spec 10.4, 10.10).
  for (const [k, v] of Object.entries(decision.context ?? {})) out[k] = String(v)
  const key = (payload as Record<string, unknown>)['usageIdentifierKey']
  return { ok: true, authorizer: out, usageIdentifierKey: typeof key === 'string' ? key : undefined }
}

function headerOf(c: WebSocketConnectionInfo, name: string): string | undefined {
  const lower = name.toLowerCase()
  return c.handshakeHeaders.find(([n]) => n.toLowerCase() === lower)?.[1]
}
