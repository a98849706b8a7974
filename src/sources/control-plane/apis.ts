/**
 * @module
 * APIs: create (with quick create), get, list (with the config file's APIs), update, delete,
 * CORS. Defaults and derived values of spec 12.4.
 */
import { apiOf, created, noContent, ok, page, rejectMembers, type OpContext, type OpInput, type OpResult } from './context.js'
import { badRequest } from './errors.js'
import { isoNow, newId } from './ids.js'
import { createIntegrationIn, isLambdaUri, updateIntegrationIn } from './integrations.js'
import { assign, Members } from './members.js'
import { createRouteIn, updateRouteIn } from './routes.js'
import { createStageIn, DEFAULT_STAGE } from './stages.js'
import type { ApiState, Wire } from './state.js'

/** `[MODEL][EMU]` (spec 12.4): the only route selection expression of HTTP APIs, and its default spelling. */
export const HTTP_ROUTE_SELECTION_EXPRESSION = '$request.method $request.path'
const HTTP_ROUTE_SELECTION_SPELLINGS = [HTTP_ROUTE_SELECTION_EXPRESSION, '${request.method} ${request.path}']
/** `[DOC][EMU]` (spec 12.4). */
export const DEFAULT_API_KEY_SELECTION_EXPRESSION = '$request.header.x-api-key'
/** `[EMU]` (spec 12.5): moto's wording. */
export const INVALID_PROTOCOL_MESSAGE = 'Invalid protocol specified. Must be one of [HTTP, WEBSOCKET]'
/** `[UNCONFIRMED]` (spec 12.4): payload format versions quick create gives its integration. */
export const QUICK_CREATE_PAYLOAD_FORMAT = { lambda: '2.0', http: '1.0' } as const

const HTTP_ONLY = ['corsConfiguration', 'target', 'routeKey', 'credentialsArn']

export function cors(m: Members | undefined): Wire | undefined {
  if (m === undefined) return undefined
  const c: Wire = {}
  assign(c, 'allowCredentials', m.bool('allowCredentials'))
  assign(c, 'allowHeaders', m.strList('allowHeaders'))
  assign(c, 'allowMethods', m.strList('allowMethods'))
  assign(c, 'allowOrigins', m.strList('allowOrigins'))
  assign(c, 'exposeHeaders', m.strList('exposeHeaders'))
  assign(c, 'maxAge', m.int('maxAge', -1, 86400))
  if (c['allowCredentials'] === true && (c['allowOrigins'] as string[] | undefined)?.includes('*') === true) {
    throw badRequest('corsConfiguration.allowOrigins cannot contain "*" when allowCredentials is true')
  }
  return c
}

function applyApiSettings(m: Members, next: Wire, http: boolean): void {
  assign(next, 'name', m.str('name', { maxLength: 128 }))
  assign(next, 'description', m.str('description', { maxLength: 1024 }))
  assign(next, 'version', m.str('version', { maxLength: 64 }))
  assign(next, 'disableSchemaValidation', m.bool('disableSchemaValidation'))
  assign(next, 'disableExecuteApiEndpoint', m.bool('disableExecuteApiEndpoint'))
  assign(next, 'ipAddressType', m.str('ipAddressType', { oneOf: ['ipv4', 'dualstack'] }))
  const expression = m.str('routeSelectionExpression')
  if (expression !== undefined) {
    if (http && !HTTP_ROUTE_SELECTION_SPELLINGS.includes(expression)) throw badRequest(`Invalid routeSelectionExpression specified for an HTTP API: only ${HTTP_ROUTE_SELECTION_EXPRESSION} is supported`)
    next['routeSelectionExpression'] = expression
  }
  const keyExpression = m.str('apiKeySelectionExpression', { oneOf: ['$request.header.x-api-key', '$context.authorizer.usageIdentifierKey'] })
  assign(next, 'apiKeySelectionExpression', keyExpression)
  assign(next, 'corsConfiguration', cors(m.members('corsConfiguration')))
}

export function endpointOf(ctx: OpContext, apiId: string, protocol: unknown): string {
  return `${protocol === 'WEBSOCKET' ? 'wss' : 'https'}://${apiId}.execute-api.${ctx.region}.amazonaws.com`
}

/** Quick create (spec 12.4): the integration a `target` gets. */
function quickIntegration(target: string, credentialsArn: string | undefined): Wire {
  const lambda = isLambdaUri(target)
  if (!lambda && !/^https?:\/\//.test(target)) throw badRequest(`Invalid target specified "${target}": must be a Lambda function ARN or an http(s) URL`)
  return {
    integrationType: lambda ? 'AWS_PROXY' : 'HTTP_PROXY',
    integrationUri: target,
    payloadFormatVersion: lambda ? QUICK_CREATE_PAYLOAD_FORMAT.lambda : QUICK_CREATE_PAYLOAD_FORMAT.http,
    ...(lambda ? {} : { integrationMethod: 'ANY' }),
    ...(credentialsArn !== undefined ? { credentialsArn } : {}),
  }
}

function managed(api: ApiState): { route: Wire | undefined; integration: Wire | undefined } {
  return {
    route: Object.values(api.routes).find((r) => r['apiGatewayManaged'] === true),
    integration: Object.values(api.integrations).find((i) => i['apiGatewayManaged'] === true),
  }
}

export const apiOperations = {
  CreateApi(ctx: OpContext, { body }: OpInput): OpResult {
    const m = new Members(body)
    const name = m.str('name', { required: true, maxLength: 128 }) as string
    const protocolType = m.str('protocolType', { required: true })
    if (protocolType !== 'HTTP' && protocolType !== 'WEBSOCKET') throw badRequest(INVALID_PROTOCOL_MESSAGE)
    const http = protocolType === 'HTTP'
    if (!http) {
      rejectMembers(m.present(HTTP_ONLY), 'WEBSOCKET')
      m.str('routeSelectionExpression', { required: true })
    }
    const apiId = newId('api', (id) => id in ctx.state.apis || ctx.fileApis.has(id))
    const api: Wire = { apiId, name, protocolType, createdDate: isoNow(ctx.now) }
    applyApiSettings(m, api, http)
    api['apiEndpoint'] = endpointOf(ctx, apiId, protocolType)
    api['apiKeySelectionExpression'] ??= DEFAULT_API_KEY_SELECTION_EXPRESSION
    api['disableExecuteApiEndpoint'] ??= false
    api['routeSelectionExpression'] ??= HTTP_ROUTE_SELECTION_EXPRESSION
    api['tags'] = m.strMap('tags') ?? {}
    const state: ApiState = { api, routes: {}, integrations: {}, authorizers: {}, models: {}, routeResponses: {}, integrationResponses: {}, stages: {}, deployments: {} }
    ctx.state.apis[apiId] = state
    ctx.touched.add(apiId)

    const target = m.str('target')
    const routeKey = m.str('routeKey')
    const credentialsArn = m.str('credentialsArn')
    if (target === undefined && (routeKey !== undefined || credentialsArn !== undefined)) throw badRequest('routeKey and credentialsArn are quick create members: they need target')
    if (target !== undefined) {
      const integration = createIntegrationIn(ctx, state, quickIntegration(target, credentialsArn), { apiGatewayManaged: true })
      createRouteIn(ctx, state, { routeKey: routeKey ?? '$default', target: `integrations/${String(integration['integrationId'])}` }, { apiGatewayManaged: true })
      createStageIn(ctx, state, { stageName: DEFAULT_STAGE, autoDeploy: true }, { apiGatewayManaged: true })
    }
    return created(api)
  },
  GetApi(ctx: OpContext, { params }: OpInput): OpResult {
    const apiId = params['apiId'] as string
    return ok(apiOf(ctx, apiId, false).api)
  },
  GetApis(ctx: OpContext, { query }: OpInput): OpResult {
    const items = [...[...ctx.fileApis.values()].map((f) => f.view().api), ...Object.values(ctx.state.apis).map((a) => a.api)]
    return ok(page(items, query))
  },
  UpdateApi(ctx: OpContext, { params, body }: OpInput): OpResult {
    const api = apiOf(ctx, params['apiId'] as string)
    const m = new Members(body)
    const http = api.api['protocolType'] === 'HTTP'
    if (!http) rejectMembers(m.present(HTTP_ONLY), 'WEBSOCKET')
    const next: Wire = { ...api.api }
    applyApiSettings(m, next, http)
    Object.assign(api.api, next)
    const target = m.str('target')
    const routeKey = m.str('routeKey')
    const credentialsArn = m.str('credentialsArn')
    if (target !== undefined || routeKey !== undefined || credentialsArn !== undefined) {
      const { route, integration } = managed(api)
      if (route === undefined || integration === undefined) throw badRequest('target, routeKey and credentialsArn can only be updated on an API made by quick create')
      if (target !== undefined || credentialsArn !== undefined) {
        const desired = quickIntegration(target ?? (integration['integrationUri'] as string), credentialsArn ?? (integration['credentialsArn'] as string | undefined))
        if (desired['integrationType'] !== integration['integrationType']) {
          // AWS_PROXY and HTTP_PROXY members differ: the managed integration is rebuilt in place.
          for (const k of Object.keys(integration)) if (!['integrationId', 'apiGatewayManaged'].includes(k)) delete integration[k]
        }
        updateIntegrationIn(ctx, api, integration['integrationId'] as string, desired)
      }
      if (routeKey !== undefined) updateRouteIn(ctx, api, route['routeId'] as string, { routeKey }, true)
    }
    ctx.touched.add(params['apiId'] as string)
    return ok(api.api)
  },
  DeleteApi(ctx: OpContext, { params }: OpInput): OpResult {
    apiOf(ctx, params['apiId'] as string)
    delete ctx.state.apis[params['apiId'] as string]
    for (const domain of Object.values(ctx.state.domainNames)) {
      for (const [id, mapping] of Object.entries(domain.apiMappings)) if (mapping['apiId'] === params['apiId']) delete domain.apiMappings[id]
    }
    return noContent
  },
  DeleteCorsConfiguration(ctx: OpContext, { params }: OpInput): OpResult {
    const api = apiOf(ctx, params['apiId'] as string)
    if (api.api['corsConfiguration'] === undefined) throw badRequest(`API ${params['apiId'] as string} has no corsConfiguration`)
    delete api.api['corsConfiguration']
    ctx.touched.add(params['apiId'] as string)
    return noContent
  },
}
