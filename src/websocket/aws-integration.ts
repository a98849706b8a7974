/**
 * @module
 * `AWS` (service) integrations of WebSocket routes (spec 10.6): the request template renders
 * the service request (e.g. a DynamoDB `PutItem`), which the gateway signs with SigV4 and
 * sends to the service's endpoint; the integration response for the service's status renders
 * the reply of a two-way route. `action/{Action}` URIs call a JSON-protocol service
 * (`X-Amz-Target`); `path/...` URIs call a REST-style path with `integrationMethod`.
 */
import type { Dispatcher } from 'undici'
import { callService, type AwsCredentials, type AwsService } from '../aws/index.js'
import type { CompiledWebSocketIntegration, RouteOutcome, WebSocketRequestSource } from '../model/index.js'
import { MAX_BACKEND_RESPONSE_BYTES, type CompiledParameter } from './http-integration.js'
import { renderReply, renderRequest, type CompiledTemplates } from './mock-integration.js'

/**
 * A service error (status 400 or more) that no integration response takes answers AWS's
 * `Internal server error` frame, as any integration failure does. `[UNCONFIRMED]`
 */
export const UNHANDLED_SERVICE_ERROR_FAILS = true

export interface WebSocketAwsIntegration {
  readonly dispatcher: Dispatcher
  readonly service: AwsService
  readonly endpoint: URL
  readonly region: string
  readonly target: { readonly kind: 'action'; readonly action: string } | { readonly kind: 'path'; readonly path: string }
  readonly method: string
  /** `null`: none found; each call then fails, naming where credentials are looked for. */
  readonly credentials: AwsCredentials | null
  readonly timeoutInMillis: number
  readonly parameters: readonly CompiledParameter[]
  readonly templates: CompiledTemplates
}

export const NO_CREDENTIALS =
  'no AWS credentials to sign the service call: set awsCredentials in the config, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile in the shared credentials file'

export function awsRouteIntegration(aws: WebSocketAwsIntegration): CompiledWebSocketIntegration {
  return { kind: 'aws', invoke: (_event, source) => invokeAwsRoute(aws, source) }
}

export async function invokeAwsRoute(aws: WebSocketAwsIntegration, source: WebSocketRequestSource): Promise<RouteOutcome> {
  if (aws.credentials === null) return { ok: false, reason: NO_CREDENTIALS, timeout: false }
  const headers: Record<string, string> = {}
  const query: Array<readonly [string, string]> = []
  for (const p of aws.parameters) {
    const value = p.value(source)
    if (value === undefined) continue
    if (p.target === 'header') headers[p.name.toLowerCase()] = value
    else query.push([p.name, value])
  }
  const rendered = renderRequest(aws.templates, source)
  if (!rendered.ok) return { ok: false, reason: rendered.reason, timeout: false }
  // No template for the message: it passes through (passthroughBehavior WHEN_NO_MATCH).
  const body = rendered.output ?? source.body ?? ''
  let path: string
  if (aws.target.kind === 'action') {
    const json = aws.service.json
    if (json === null) return { ok: false, reason: `Bug: action URI for ${aws.service.name} was not validated`, timeout: false }
    headers['content-type'] = `application/x-amz-json-${json.jsonVersion}`
    headers['x-amz-target'] = `${json.targetPrefix}.${aws.target.action}`
    path = '/'
  } else {
    headers['content-type'] ??= 'application/json'
    path = aws.target.path
  }
  const answer = await callService({
    dispatcher: aws.dispatcher,
    endpoint: aws.endpoint,
    method: aws.method,
    path,
    query,
    headers,
    body,
    region: aws.region,
    signingName: aws.service.signingName,
    credentials: aws.credentials,
    timeoutInMillis: aws.timeoutInMillis,
    maxResponseBytes: MAX_BACKEND_RESPONSE_BYTES,
  })
  if (!answer.ok) return { ok: false, reason: answer.reason, timeout: answer.timeout }
  // `${integration.response.statuscode}` selects the integration response (spec 10.5).
  const selector = String(answer.statusCode)
  const taken = aws.templates.responses.some((r) => r.pattern === null || r.pattern.test(selector))
  if (!taken && answer.statusCode >= 400 && UNHANDLED_SERVICE_ERROR_FAILS) {
    return { ok: false, reason: `${aws.service.name} answered ${answer.statusCode}: ${answer.body.slice(0, 512)}`, timeout: false }
  }
  const reply = renderReply(aws.templates, source, selector, answer.body, answer)
  if (!reply.ok) return { ok: false, reason: reply.reason, timeout: false }
  return { ok: true, result: { statusCode: answer.statusCode, headers: answer.headers, body: reply.output } }
}
