/**
 * @module
 * The first-class integration step (spec 4.5): evaluates the subtype's `requestParameters`
 * against the request, builds the service request, signs it with SigV4 and sends it to the
 * service's endpoint (`awsEndpoints`, `AWS_ENDPOINT_URL_*`, or AWS's). The service's status
 * and body are the reply (with its `Content-Type`), service errors included `[UNCONFIRMED]`;
 * `responseParameters` can reshape them. The gateway's own failures use the catalogue:
 * unreachable 503, timeout 503 `INTEGRATION_TIMEOUT`, anything else 500.
 */
import type { Dispatcher } from 'undici'
import { callService, type AwsCredentials } from '../../aws/index.js'
import { GatewayResponses, localReply } from '../../errors/index.js'
import { MAX_RESPONSE_BODY_BYTES } from '../../model/index.js'
import type { CompiledIntegration, IntegrationCall, Reply } from '../../model/index.js'
import type { ValueEvaluator } from '../parameter-mapping/expression.js'
import type { MappingInput, ResponseParameterMapping } from '../parameter-mapping/index.js'
import { mapResponse } from '../response-mapping.js'
import { describeUpstreamFailure, HTTP_PROXY_FAILURE_RESPONSES } from '../http-proxy/failures.js'
import type { Subtype } from './subtypes.js'

export interface AwsServiceSettings {
  readonly integrationId: string
  readonly subtype: Subtype
  readonly timeoutInMillis: number
  readonly parameters: ReadonlyArray<{ readonly name: string; readonly evaluate: ValueEvaluator }>
  readonly responseMapping: ResponseParameterMapping | null
  readonly dispatcher: Dispatcher
  readonly region: string
  readonly signingName: string
  /** The endpoint for a region, with the request's host prefix (`sync-`) where AWS's endpoints use one. */
  readonly endpoint: (region: string, hostPrefix: string) => URL
  /** `null`: none found; each call then answers 500 and says so in the log. */
  readonly credentials: AwsCredentials | null
}

export const NO_AWS_CREDENTIALS =
  'No AWS credentials to sign the service call: set awsCredentials in the config, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile in the shared credentials file'

export function awsServiceIntegration(settings: AwsServiceSettings): CompiledIntegration {
  return {
    integrationId: settings.integrationId,
    integrationType: 'AWS_PROXY',
    // `$request.body` parameters need the whole body; the service request is built in memory anyway.
    streamsRequestBody: false,
    invoke: (call) => invokeAwsService(settings, call),
  }
}

async function invokeAwsService(settings: AwsServiceSettings, { ctx, stage }: IntegrationCall): Promise<Reply> {
  const input: MappingInput = { ctx, stageVariables: stage.stageVariables, response: null }
  const values: Record<string, string> = {}
  for (const p of settings.parameters) {
    const value = p.evaluate(input)
    // A parameter whose source is absent is left out (a required one then fails at the service).
    if (value !== '') values[p.name] = value
  }
  if (settings.credentials === null) {
    ctx.integrationErrorMessage = NO_AWS_CREDENTIALS
    return localReply(GatewayResponses.INTEGRATION_FAILURE)
  }
  const built = settings.subtype.build(values)
  if (!built.ok) {
    ctx.integrationErrorMessage = `${settings.subtype.subtype}: ${built.reason}`
    return localReply(GatewayResponses.INTEGRATION_FAILURE)
  }
  const region = values['Region'] ?? settings.region
  const endpoint = settings.endpoint(region, built.request.hostPrefix)
  const started = performance.now()
  const answer = await callService({
    dispatcher: settings.dispatcher,
    endpoint,
    method: built.request.method,
    path: built.request.path,
    query: built.request.query,
    headers: built.request.headers,
    body: built.request.body,
    region,
    signingName: settings.signingName,
    credentials: settings.credentials,
    timeoutInMillis: settings.timeoutInMillis,
    maxResponseBytes: MAX_RESPONSE_BODY_BYTES,
  })
  ctx.integrationLatency = Math.round(performance.now() - started)
  if (!answer.ok) {
    if (answer.timeout) {
      ctx.integrationErrorMessage = `${settings.subtype.subtype}: the service did not answer within the integration timeout of ${settings.timeoutInMillis} ms`
      return localReply(GatewayResponses.INTEGRATION_TIMEOUT)
    }
    if (answer.tooLarge === true) {
      ctx.integrationErrorMessage = `${settings.subtype.subtype}: ${answer.reason}`
      return localReply(GatewayResponses.INTEGRATION_FAILURE)
    }
    const failure = describeUpstreamFailure(answer.cause, endpoint.origin)
    ctx.integrationErrorMessage = `${settings.subtype.subtype}: ${failure.message}`
    return localReply(HTTP_PROXY_FAILURE_RESPONSES[failure.kind])
  }
  ctx.integrationStatus = answer.statusCode
  ctx.integrationServiceStatus = answer.statusCode
  let statusCode = answer.statusCode
  let headers: Array<readonly [string, string]> = answer.headers.filter(([n]) => n.toLowerCase() === 'content-type')
  const body = Buffer.from(answer.body, 'utf8')
  const mapping = settings.responseMapping
  if (mapping !== null && mapping.appliesTo(statusCode)) {
    const mapped = mapResponse(ctx, mapping, { ...input, response: { headers, body } }, statusCode, headers)
    if (mapped === null) return localReply(GatewayResponses.INTEGRATION_FAILURE)
    statusCode = mapped.statusCode
    headers = mapped.headers
  }
  return { statusCode, headers, body, error: null }
}
