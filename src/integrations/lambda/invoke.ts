/**
 * @module
 * The Lambda proxy integration step: build the event in the integration's payload format,
 * invoke the function's pool, and turn the outcome into a reply (spec 3.5-3.7). Function
 * errors, malformed results and rejected invocations are 500 `Internal Server Error`; the
 * integration timeout is 503 `Service Unavailable`. The reason is kept on the request
 * context (`$context.integrationErrorMessage`) and never sent to the client.
 */
import { GatewayResponses } from '../../errors/index.js'
import type { Reply, RequestContext } from '../../model/index.js'
import { localReply } from '../../errors/index.js'
import type { CompiledIntegration, CompiledRoute, CompiledStage, FunctionInvoker, InvokeResult, PayloadFormatVersion, RequestTrace } from '../../model/index.js'
import { FUNCTION_TIMEOUT_ERROR_TYPE } from '../../model/index.js'
import { buildEventV1 } from './event-v1.js'
import { eventV2Json } from './event-v2.js'
import { LAMBDA_MAX_REQUEST_BYTES, LAMBDA_MAX_RESPONSE_BYTES } from './limits.js'
import { interpretV1, interpretV2 } from './response.js'
import { integrationHeaders } from './request-parts.js'
import type { IntegrationRequestParts, MappingInput, RequestParameterMapping, ResponseParameterMapping } from '../parameter-mapping/index.js'
import { mapResponse } from '../response-mapping.js'

/**
 * What the client gets when the function's own `timeout` ends the invocation before the
 * integration timeout. Real HTTP APIs answer 500, as for any function error (spec 3.7,
 * `[OBS]` for Node and Deno runtimes); only the integration's `timeoutInMillis` gives 503.
 */
export const FUNCTION_TIMEOUT_RESPONSE = GatewayResponses.INTEGRATION_FAILURE

/** Lambda's answer to an Invoke it throttles (`TooManyRequestsException`). */
const LAMBDA_THROTTLED_STATUS = 429

/** A Lambda proxy integration of one stage: its function and how to call it. */
export interface LambdaProxySettings {
  readonly integrationId: string
  readonly timeoutInMillis: number
  /** `requestParameters`, or `null` without any. */
  readonly requestMapping: RequestParameterMapping | null
  /** `responseParameters`, or `null` without any. */
  readonly responseMapping: ResponseParameterMapping | null
  readonly pool: FunctionInvoker
  readonly payloadFormatVersion: PayloadFormatVersion
}

/** The `AWS_PROXY` integration as the snapshot holds it: the body is always read whole. */
export function lambdaProxyIntegration(settings: LambdaProxySettings): CompiledIntegration {
  return {
    integrationId: settings.integrationId,
    integrationType: 'AWS_PROXY',
    streamsRequestBody: false,
    invoke: ({ ctx, route, stage, apiId }) => invokeLambdaIntegration({ ctx, integration: settings, route, stage, apiId, accountId: ctx.accountId }),
  }
}

export interface LambdaInvocationTarget {
  readonly ctx: RequestContext
  readonly integration: LambdaProxySettings
  readonly route: CompiledRoute
  readonly stage: CompiledStage
  readonly apiId: string
  readonly accountId: string
}

export async function invokeLambdaIntegration(t: LambdaInvocationTarget): Promise<Reply> {
  const { ctx, integration } = t
  const mappingInput: MappingInput = { ctx, stageVariables: t.stage.stageVariables, response: null }
  const base = {
    ctx,
    accountId: t.accountId,
    apiId: t.apiId,
    stageName: t.stage.stageName,
    routeKey: t.route.routeKey,
    stageVariables: t.stage.stageVariables,
    ...(integration.requestMapping !== null ? { mapped: mappedRequest(integration.requestMapping, mappingInput) } : {}),
  }
  const event =
    integration.payloadFormatVersion === '2.0' ? eventV2Json(base) : JSON.stringify(buildEventV1({ ...base, resourcePath: t.route.resourcePath }))
  if (event.length > LAMBDA_MAX_REQUEST_BYTES / 3 && Buffer.byteLength(event) > LAMBDA_MAX_REQUEST_BYTES) {
    return failure(ctx, `Request must be smaller than ${LAMBDA_MAX_REQUEST_BYTES} bytes for the InvokeFunction operation`)
  }
  const started = performance.now()
  const result = await integration.pool.invoke(event, integration.timeoutInMillis)
  ctx.integrationLatency = Math.round(performance.now() - started)
  if (ctx.trace !== null) ctx.trace.lambda = tracedInvocation(event, result)
  if (result.status === 'ok' || result.status === 'function-error') {
    // The Invoke call itself completed: Lambda answered 200 even for a function error.
    ctx.integrationServiceStatus = 200
    ctx.integrationRequestId = result.awsRequestId
  } else if (result.status === 'rejected') {
    ctx.integrationServiceStatus = LAMBDA_THROTTLED_STATUS
  }
  switch (result.status) {
    case 'integration-timeout':
      ctx.integrationErrorMessage = `The Lambda function did not answer within the integration timeout of ${integration.timeoutInMillis} ms`
      return localReply(GatewayResponses.INTEGRATION_TIMEOUT)
    case 'rejected':
      return failure(ctx, `${result.errorType}: ${result.errorMessage}`)
    case 'function-error':
      ctx.integrationErrorMessage = `The Lambda function returned an error: ${result.error.errorType}: ${result.error.errorMessage}`
      return localReply(
        result.error.errorType === FUNCTION_TIMEOUT_ERROR_TYPE ? FUNCTION_TIMEOUT_RESPONSE : GatewayResponses.INTEGRATION_FAILURE
      )
    case 'ok': {
      if (result.payload.length > LAMBDA_MAX_RESPONSE_BYTES / 3 && Buffer.byteLength(result.payload) > LAMBDA_MAX_RESPONSE_BYTES) {
        return failure(ctx, `Response payload size exceeded maximum allowed payload size (${LAMBDA_MAX_RESPONSE_BYTES} bytes).`)
      }
      const interpreted = integration.payloadFormatVersion === '2.0' ? interpretV2(result.payload) : interpretV1(result.payload)
      if (!interpreted.ok) return failure(ctx, interpreted.reason)
      const response = interpreted.response
      ctx.integrationStatus = response.statusCode
      const mapping = integration.responseMapping
      if (mapping === null || !mapping.appliesTo(response.statusCode)) return { ...response, error: null }
      const source = { headers: response.headers, body: response.body }
      const mapped = mapResponse(ctx, mapping, { ...mappingInput, response: source }, response.statusCode, response.headers)
      if (mapped === null) return localReply(GatewayResponses.INTEGRATION_FAILURE)
      return { statusCode: mapped.statusCode, headers: mapped.headers, body: response.body, error: null }
    }
  }
}

/** The headers, query and path the function sees after request parameter mapping. */
function mappedRequest(mapping: RequestParameterMapping, input: MappingInput): IntegrationRequestParts {
  const parts: IntegrationRequestParts = { headers: integrationHeaders(input.ctx), rawQueryString: input.ctx.rawQueryString, path: null }
  mapping.apply(input, parts)
  const trace = input.ctx.trace
  if (trace !== null) trace.requestMapping = { headers: [...parts.headers].map(([n, v]) => [n, v] as const), rawQueryString: parts.rawQueryString, path: parts.path }
  return parts
}

/** The raw outcome of an Invoke as the console shows it. */
function tracedInvocation(event: string, result: InvokeResult): NonNullable<RequestTrace['lambda']> {
  switch (result.status) {
    case 'ok':
      return { event, result: result.payload, outcome: 'ok' }
    case 'function-error':
      return { event, result: JSON.stringify(result.error), outcome: 'function error' }
    case 'rejected':
      return { event, result: JSON.stringify({ errorType: result.errorType, errorMessage: result.errorMessage }), outcome: 'rejected' }
    case 'integration-timeout':
      return { event, result: null, outcome: 'integration timeout' }
  }
}

function failure(ctx: RequestContext, message: string): Reply {
  ctx.integrationErrorMessage = message
  return localReply(GatewayResponses.INTEGRATION_FAILURE)
}
