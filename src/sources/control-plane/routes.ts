/**
 * @module
 * Routes and (WebSocket) route responses: route key syntax, target and authorizer references
 * (spec 12.5), defaults (spec 12.4).
 */
import { parseRouteKey } from '../../routing/index.js'
import { apiOf, child, created, isHttp, noContent, ok, page, rejectMembers, type OpContext, type OpInput, type OpResult } from './context.js'
import { childResponseOperations } from './child-responses.js'
import { badRequest, conflict } from './errors.js'
import { newId } from './ids.js'
import { assign, Members } from './members.js'
import type { ApiState, Wire } from './state.js'

/** Spec 13.2/13.3. */
export const MAX_ROUTES_PER_API = 300
export const MAX_SCOPES_PER_ROUTE = 10

const AUTHORIZATION_TYPES_HTTP = ['NONE', 'AWS_IAM', 'CUSTOM', 'JWT'] as const
const AUTHORIZATION_TYPES_WEBSOCKET = ['NONE', 'AWS_IAM', 'CUSTOM'] as const
const WEBSOCKET_ONLY = ['modelSelectionExpression', 'requestModels', 'routeResponseSelectionExpression']

function applyRoute(api: ApiState, m: Members, current: Wire | undefined): Wire {
  const http = isHttp(api)
  rejectMembers(m.present(http ? WEBSOCKET_ONLY : ['authorizationScopes']), http ? 'HTTP' : 'WEBSOCKET')
  const next: Wire = { ...(current ?? {}) }
  const routeKey = m.str('routeKey', { required: current === undefined })
  if (routeKey !== undefined && current?.['apiGatewayManaged'] === true && routeKey !== current['routeKey']) {
    throw badRequest('The route key of a route created by quick create can only be changed with UpdateApi routeKey')
  }
  if (routeKey !== undefined) {
    if (http) {
      const parsed = parseRouteKey(routeKey)
      if (!parsed.ok) throw badRequest(`Invalid routeKey "${routeKey}": ${parsed.reason}`)
    } else if (routeKey.trim() === '') throw badRequest('routeKey must not be empty')
    const clash = Object.values(api.routes).find((r) => r['routeKey'] === routeKey && r['routeId'] !== current?.['routeId'])
    if (clash !== undefined) throw conflict(`Route with key '${routeKey}' already exists`)
    next['routeKey'] = routeKey
  }
  const target = m.str('target')
  // An empty target detaches the route from its integration.
  if (target === '') delete next['target']
  else if (target !== undefined) {
    const id = /^integrations\/([A-Za-z0-9]+)$/.exec(target)?.[1]
    if (id === undefined || api.integrations[id] === undefined) throw badRequest(`Invalid target specified "${target}": must be integrations/{integrationId} of an integration of this API`)
    next['target'] = target
  }
  assign(next, 'authorizationType', m.str('authorizationType', { oneOf: http ? AUTHORIZATION_TYPES_HTTP : AUTHORIZATION_TYPES_WEBSOCKET }))
  assign(next, 'authorizerId', m.str('authorizerId'))
  assign(next, 'authorizationScopes', m.strList('authorizationScopes', { maxItems: MAX_SCOPES_PER_ROUTE }))
  assign(next, 'apiKeyRequired', m.bool('apiKeyRequired'))
  assign(next, 'operationName', m.str('operationName'))
  assign(next, 'modelSelectionExpression', m.str('modelSelectionExpression'))
  assign(next, 'requestModels', m.strMap('requestModels'))
  assign(next, 'routeResponseSelectionExpression', m.str('routeResponseSelectionExpression'))
  const requestParameters = m.obj('requestParameters')
  if (requestParameters !== undefined) {
    const checked: Wire = {}
    for (const key of Object.keys(requestParameters)) {
      const required = new Members(requestParameters).members(key, { required: true })?.bool('required')
      checked[key] = { required: required ?? false }
    }
    next['requestParameters'] = checked
  }
  next['authorizationType'] ??= 'NONE'
  next['apiKeyRequired'] ??= false
  if (next['apiKeyRequired'] === true && http) throw badRequest('apiKeyRequired is supported only for WebSocket APIs')

  // An authorizer must match the authorization type (spec 12.5).
  const type = next['authorizationType']
  if (type === 'JWT' || type === 'CUSTOM') {
    const authorizerId = next['authorizerId'] as string | undefined
    if (authorizerId === undefined) throw badRequest(`authorizerId is required when authorizationType is ${String(type)}`)
    const authorizer = api.authorizers[authorizerId]
    if (authorizer === undefined) throw badRequest(`Invalid authorizerId specified: ${authorizerId} is not an authorizer of this API`)
    const expected = type === 'JWT' ? 'JWT' : 'REQUEST'
    if (authorizer['authorizerType'] !== expected) throw badRequest(`authorizationType ${String(type)} needs an authorizer of type ${expected}; ${authorizerId} is ${String(authorizer['authorizerType'])}`)
    if (!http && next['routeKey'] !== '$connect') throw badRequest('A WebSocket authorizer can only be attached to the $connect route')
  } else {
    // AWS drops the authorizer when the type no longer uses one.
    delete next['authorizerId']
    if (type !== 'JWT') delete next['authorizationScopes']
  }
  if (next['authorizationScopes'] !== undefined && type !== 'JWT') throw badRequest('authorizationScopes are supported only with authorizationType JWT')
  return next
}

export function createRouteIn(ctx: OpContext, api: ApiState, body: Wire, extra: Wire = {}): Wire {
  if (Object.keys(api.routes).length >= MAX_ROUTES_PER_API) throw badRequest(`Maximum number of routes (${MAX_ROUTES_PER_API}) reached for this API`)
  const routeId = newId('route', (id) => id in api.routes)
  const route = { routeId, ...applyRoute(api, new Members(body), undefined), ...extra }
  api.routes[routeId] = route
  api.routeResponses[routeId] = {}
  ctx.touched.add(api.api['apiId'] as string)
  return route
}

export function updateRouteIn(ctx: OpContext, api: ApiState, routeId: string, body: Wire, quickCreate = false): Wire {
  const current = child(api.routes, routeId, 'Route')
  const next = applyRoute(api, new Members(body), quickCreate ? { ...current, apiGatewayManaged: false } : current)
  if (quickCreate) next['apiGatewayManaged'] = true
  api.routes[routeId] = next
  ctx.touched.add(api.api['apiId'] as string)
  return next
}

const routeResponses = childResponseOperations({
  parentType: 'Route',
  parents: (api) => api.routes,
  parentIdParam: 'routeId',
  responses: (api) => api.routeResponses,
  resourceType: 'RouteResponse',
  plural: 'Route responses',
  read: routeResponse,
})

export const routeOperations = {
  CreateRoute(ctx: OpContext, { params, body }: OpInput): OpResult {
    return created(createRouteIn(ctx, apiOf(ctx, params['apiId'] as string), body))
  },
  GetRoute(ctx: OpContext, { params }: OpInput): OpResult {
    return ok(child(apiOf(ctx, params['apiId'] as string, false).routes, params['routeId'] as string, 'Route'))
  },
  GetRoutes(ctx: OpContext, { params, query }: OpInput): OpResult {
    return ok(page(Object.values(apiOf(ctx, params['apiId'] as string, false).routes), query))
  },
  UpdateRoute(ctx: OpContext, { params, body }: OpInput): OpResult {
    return ok(updateRouteIn(ctx, apiOf(ctx, params['apiId'] as string), params['routeId'] as string, body))
  },
  DeleteRoute(ctx: OpContext, { params }: OpInput): OpResult {
    const api = apiOf(ctx, params['apiId'] as string)
    const id = params['routeId'] as string
    const route = child(api.routes, id, 'Route')
    if (route['apiGatewayManaged'] === true) throw badRequest(`Route ${id} was created by quick create and cannot be deleted`)
    delete api.routes[id]
    delete api.routeResponses[id]
    ctx.touched.add(params['apiId'] as string)
    return noContent
  },
  DeleteRouteRequestParameter(ctx: OpContext, { params }: OpInput): OpResult {
    const api = apiOf(ctx, params['apiId'] as string)
    const route = child(api.routes, params['routeId'] as string, 'Route')
    const key = params['requestParameterKey'] as string
    const parameters = route['requestParameters'] as Record<string, unknown> | undefined
    if (parameters?.[key] === undefined) throw badRequest(`Invalid request parameter key specified: ${key}`)
    delete parameters[key]
    ctx.touched.add(params['apiId'] as string)
    return noContent
  },

  CreateRouteResponse: routeResponses.create,
  GetRouteResponse: routeResponses.get,
  GetRouteResponses: routeResponses.list,
  UpdateRouteResponse: routeResponses.update,
  DeleteRouteResponse: routeResponses.remove,
}

function routeResponse(m: Members, current: Wire | undefined): Wire {
  const next: Wire = { ...(current ?? {}) }
  assign(next, 'routeResponseKey', m.str('routeResponseKey', { required: current === undefined }))
  assign(next, 'modelSelectionExpression', m.str('modelSelectionExpression'))
  assign(next, 'responseModels', m.strMap('responseModels'))
  assign(next, 'responseParameters', m.obj('responseParameters'))
  return next
}
