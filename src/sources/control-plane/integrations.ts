/**
 * @module
 * Integrations and (WebSocket) integration responses: defaults and validation of spec 12.3-12.5.
 * AWS service integrations (HTTP `integrationSubtype`, WebSocket `AWS`) are checked in
 * service-integrations.ts.
 */
import { apiOf, child, created, isHttp, noContent, ok, page, rejectMembers, type OpContext, type OpInput, type OpResult } from './context.js'
import { childResponseOperations } from './child-responses.js'
import { badRequest, conflict } from './errors.js'
import { newId } from './ids.js'
import { assign, Members } from './members.js'
import { checkAwsIntegration, checkFirstClassIntegration, isLambdaInvocationArn } from './service-integrations.js'
import type { ApiState, Wire } from './state.js'

/** Spec 13.2/13.3. */
export const MAX_INTEGRATIONS_PER_API = 300
export const HTTP_TIMEOUT_MS = { min: 50, max: 30_000, default: 30_000 } as const
export const WEBSOCKET_TIMEOUT_MS = { min: 50, max: 29_000, default: 29_000 } as const

const HTTP_TYPES = ['AWS_PROXY', 'HTTP_PROXY'] as const
const WEBSOCKET_TYPES = ['AWS', 'AWS_PROXY', 'HTTP', 'HTTP_PROXY', 'MOCK'] as const
const HTTP_ONLY = ['integrationSubtype', 'responseParameters', 'tlsConfig']
const WEBSOCKET_ONLY = ['requestTemplates', 'templateSelectionExpression', 'passthroughBehavior', 'contentHandlingStrategy']
const LAMBDA_URI = /^arn:aws[a-z-]*:(lambda:[^:]*:[^:]*:function:[A-Za-z0-9_-]{1,64}(:[^:]+)?|apigateway:[^:]*:lambda:path\/2015-03-31\/functions\/arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:[A-Za-z0-9_-]{1,64}(:[^:]+)?\/invocations)$/
const STAGE_VARIABLE_URI = /\$\{stageVariables\.[A-Za-z0-9_]+\}/

export function isLambdaUri(uri: string): boolean {
  return LAMBDA_URI.test(uri)
}

/** Reads and checks every integration member; `current` is the stored integration for an update. */
function applyIntegration(api: ApiState, m: Members, current: Wire | undefined): Wire {
  const http = isHttp(api)
  rejectMembers(m.present(http ? WEBSOCKET_ONLY : [...HTTP_ONLY, 'connectionId']), http ? 'HTTP' : 'WEBSOCKET')
  const next: Wire = { ...(current ?? {}) }
  assign(next, 'integrationType', m.str('integrationType', { required: current === undefined, oneOf: http ? HTTP_TYPES : WEBSOCKET_TYPES }))
  const type = next['integrationType'] as string
  assign(next, 'integrationUri', m.str('integrationUri'))
  assign(next, 'integrationMethod', m.str('integrationMethod'))
  assign(next, 'payloadFormatVersion', m.str('payloadFormatVersion', { oneOf: ['1.0', '2.0'] }))
  assign(next, 'connectionType', m.str('connectionType', { oneOf: ['INTERNET', 'VPC_LINK'] }))
  assign(next, 'connectionId', m.str('connectionId'))
  assign(next, 'credentialsArn', m.str('credentialsArn'))
  assign(next, 'description', m.str('description'))
  assign(next, 'integrationSubtype', m.str('integrationSubtype'))
  const limits = http ? HTTP_TIMEOUT_MS : WEBSOCKET_TIMEOUT_MS
  const timeout = m.int('timeoutInMillis', -Infinity, Infinity)
  if (timeout !== undefined && (timeout < limits.min || timeout > limits.max)) throw badRequest(`timeoutInMillis must be between ${limits.min} and ${limits.max} for ${http ? 'HTTP' : 'WebSocket'} APIs`)
  assign(next, 'timeoutInMillis', timeout)
  assign(next, 'requestParameters', m.strMap('requestParameters'))
  const responseParameters = m.obj('responseParameters')
  if (responseParameters !== undefined) {
    for (const [status, mapping] of Object.entries(responseParameters)) {
      const code = Number(status)
      if (!/^\d{3}$/.test(status) || code < 200 || code > 599) throw badRequest(`responseParameters keys must be status codes between 200 and 599, not "${status}"`)
      new Members(responseParameters).strMap(status)
      void mapping
    }
    next['responseParameters'] = responseParameters
  }
  const tls = m.members('tlsConfig')
  if (tls !== undefined) next['tlsConfig'] = { ...(tls.str('serverNameToVerify') !== undefined ? { serverNameToVerify: tls.str('serverNameToVerify') } : {}) }
  assign(next, 'requestTemplates', m.strMap('requestTemplates'))
  assign(next, 'templateSelectionExpression', m.str('templateSelectionExpression'))
  assign(next, 'passthroughBehavior', m.str('passthroughBehavior', { oneOf: ['WHEN_NO_MATCH', 'NEVER', 'WHEN_NO_TEMPLATES'] }))
  assign(next, 'contentHandlingStrategy', m.str('contentHandlingStrategy', { oneOf: ['CONVERT_TO_BINARY', 'CONVERT_TO_TEXT'] }))

  // Defaults (spec 12.4).
  next['connectionType'] ??= 'INTERNET'
  next['timeoutInMillis'] ??= limits.default
  if (!http && type !== 'AWS_PROXY' && type !== 'HTTP_PROXY') next['passthroughBehavior'] ??= 'WHEN_NO_MATCH'
  if (!http && (type === 'HTTP' || type === 'MOCK' || (type === 'AWS' && !isLambdaInvocationArn(String(next['integrationUri'] ?? ''))))) {
    next['integrationResponseSelectionExpression'] ??= '${integration.response.statuscode}'
  }
  if (!http && type === 'HTTP_PROXY') next['integrationMethod'] ??= 'ANY'
  if (!http) next['payloadFormatVersion'] ??= '1.0'

  if (next['connectionType'] === 'VPC_LINK') throw badRequest('connectionType VPC_LINK is not served by Gatehouse (private integrations need a VPC); use INTERNET')
  const uri = next['integrationUri'] as string | undefined
  const firstClass = http && next['integrationSubtype'] !== undefined
  if (firstClass) checkFirstClassIntegration(next)
  if (type !== 'MOCK' && !firstClass && uri === undefined) throw badRequest(`integrationUri is required for integrationType ${type}`)
  if (type === 'AWS_PROXY' && !firstClass && uri !== undefined && !isLambdaUri(uri) && !STAGE_VARIABLE_URI.test(uri)) {
    throw badRequest(`Invalid integrationUri specified for AWS_PROXY: "${uri}" is not a Lambda function ARN or invocation ARN`)
  }
  if ((type === 'HTTP_PROXY' || type === 'HTTP') && uri !== undefined && !/^https?:\/\//.test(uri) && !STAGE_VARIABLE_URI.test(uri)) {
    throw badRequest(`Invalid integrationUri specified for ${type}: "${uri}" is not an http(s) URL`)
  }
  if (http) {
    const pfv = next['payloadFormatVersion']
    if (pfv === undefined) throw badRequest('payloadFormatVersion is required for HTTP API integrations')
    if (type === 'HTTP_PROXY' && pfv !== '1.0') throw badRequest(`payloadFormatVersion must be 1.0 for integrationType ${type}`)
    if (type === 'HTTP_PROXY' && next['integrationMethod'] === undefined) throw badRequest('integrationMethod is required for integrationType HTTP_PROXY')
  }
  if (type === 'AWS') checkAwsIntegration(next)
  return next
}

export function createIntegrationIn(ctx: OpContext, api: ApiState, body: Wire, extra: Wire = {}): Wire {
  if (Object.keys(api.integrations).length >= MAX_INTEGRATIONS_PER_API) throw badRequest(`Maximum number of integrations (${MAX_INTEGRATIONS_PER_API}) reached for this API`)
  const integrationId = newId('integration', (id) => id in api.integrations)
  const integration = { integrationId, ...applyIntegration(api, new Members(body), undefined), ...extra }
  api.integrations[integrationId] = integration
  api.integrationResponses[integrationId] = {}
  ctx.touched.add(api.api['apiId'] as string)
  return integration
}

export function updateIntegrationIn(ctx: OpContext, api: ApiState, integrationId: string, body: Wire): Wire {
  const current = child(api.integrations, integrationId, 'Integration')
  const next = applyIntegration(api, new Members(body), current)
  api.integrations[integrationId] = next
  ctx.touched.add(api.api['apiId'] as string)
  return next
}

const integrationResponses = childResponseOperations({
  parentType: 'Integration',
  parents: (api) => api.integrations,
  parentIdParam: 'integrationId',
  responses: (api) => api.integrationResponses,
  resourceType: 'IntegrationResponse',
  plural: 'Integration responses',
  read: integrationResponse,
})

export const integrationOperations = {
  CreateIntegration(ctx: OpContext, { params, body }: OpInput): OpResult {
    return created(createIntegrationIn(ctx, apiOf(ctx, params['apiId'] as string), body))
  },
  GetIntegration(ctx: OpContext, { params }: OpInput): OpResult {
    return ok(child(apiOf(ctx, params['apiId'] as string, false).integrations, params['integrationId'] as string, 'Integration'))
  },
  GetIntegrations(ctx: OpContext, { params, query }: OpInput): OpResult {
    return ok(page(Object.values(apiOf(ctx, params['apiId'] as string, false).integrations), query))
  },
  UpdateIntegration(ctx: OpContext, { params, body }: OpInput): OpResult {
    return ok(updateIntegrationIn(ctx, apiOf(ctx, params['apiId'] as string), params['integrationId'] as string, body))
  },
  DeleteIntegration(ctx: OpContext, { params }: OpInput): OpResult {
    const api = apiOf(ctx, params['apiId'] as string)
    const id = params['integrationId'] as string
    const integration = child(api.integrations, id, 'Integration')
    if (integration['apiGatewayManaged'] === true) throw badRequest(`Integration ${id} was created by quick create and cannot be deleted; change it with UpdateApi target`)
    const user = Object.values(api.routes).find((r) => r['target'] === `integrations/${id}`)
    if (user !== undefined) throw conflict(`Integration ${id} is used by route ${String(user['routeKey'])} (${String(user['routeId'])}); change the route's target first`)
    delete api.integrations[id]
    delete api.integrationResponses[id]
    ctx.touched.add(params['apiId'] as string)
    return noContent
  },

  CreateIntegrationResponse: integrationResponses.create,
  GetIntegrationResponse: integrationResponses.get,
  GetIntegrationResponses: integrationResponses.list,
  UpdateIntegrationResponse: integrationResponses.update,
  DeleteIntegrationResponse: integrationResponses.remove,
}


function integrationResponse(m: Members, current: Wire | undefined): Wire {
  const next: Wire = { ...(current ?? {}) }
  assign(next, 'integrationResponseKey', m.str('integrationResponseKey', { required: current === undefined }))
  const key = next['integrationResponseKey'] as string
  if (key !== '$default' && !/^\/.+\/$/.test(key)) throw badRequest(`Invalid integrationResponseKey "${key}": must be $default or a /regex/`)
  assign(next, 'responseTemplates', m.strMap('responseTemplates'))
  assign(next, 'responseParameters', m.strMap('responseParameters'))
  assign(next, 'templateSelectionExpression', m.str('templateSelectionExpression'))
  assign(next, 'contentHandlingStrategy', m.str('contentHandlingStrategy', { oneOf: ['CONVERT_TO_BINARY', 'CONVERT_TO_TEXT'] }))
  return next
}
