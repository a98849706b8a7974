/**
 * @module
 * Authorizers (JWT and Lambda REQUEST) and models: validation of spec 12.5, defaults of 12.4.
 */
import { apiOf, child, created, isHttp, noContent, ok, page, rejectMembers, websocketApi, type OpContext, type OpInput, type OpResult } from './context.js'
import { badRequest, conflict } from './errors.js'
import { isLambdaUri } from './integrations.js'
import { newId } from './ids.js'
import { assign, Members } from './members.js'
import type { ApiState, Wire } from './state.js'

/** Spec 13.2. */
export const MAX_AUTHORIZERS_PER_API = 10
export const MAX_AUDIENCES = 50
/** `[UNCONFIRMED]` (spec 12.4): the TTL AWS applies when `CreateAuthorizer` omits it; Gatehouse uses 0. */
export const DEFAULT_AUTHORIZER_RESULT_TTL_SECONDS = 0

const HTTP_ONLY = ['jwtConfiguration', 'enableSimpleResponses', 'authorizerPayloadFormatVersion', 'authorizerResultTtlInSeconds']

function applyAuthorizer(api: ApiState, m: Members, current: Wire | undefined): Wire {
  const http = isHttp(api)
  if (!http) rejectMembers(m.present(HTTP_ONLY), 'WEBSOCKET')
  const next: Wire = { ...(current ?? {}) }
  assign(next, 'name', m.str('name', { required: current === undefined, maxLength: 128 }))
  assign(next, 'authorizerType', m.str('authorizerType', { required: current === undefined, oneOf: http ? ['REQUEST', 'JWT'] : ['REQUEST'] }))
  assign(next, 'identitySource', m.strList('identitySource'))
  assign(next, 'authorizerUri', m.str('authorizerUri'))
  assign(next, 'authorizerCredentialsArn', m.str('authorizerCredentialsArn'))
  assign(next, 'authorizerPayloadFormatVersion', m.str('authorizerPayloadFormatVersion', { oneOf: ['1.0', '2.0'] }))
  assign(next, 'enableSimpleResponses', m.bool('enableSimpleResponses'))
  assign(next, 'authorizerResultTtlInSeconds', m.int('authorizerResultTtlInSeconds', 0, 3600))
  assign(next, 'identityValidationExpression', m.str('identityValidationExpression'))
  const jwt = m.members('jwtConfiguration')
  if (jwt !== undefined) {
    const audience = jwt.strList('audience', { maxItems: MAX_AUDIENCES })
    const issuer = jwt.str('issuer')
    next['jwtConfiguration'] = { ...(audience !== undefined ? { audience } : {}), ...(issuer !== undefined ? { issuer } : {}) }
  }
  const type = next['authorizerType']
  const sources = next['identitySource'] as string[] | undefined
  if (type === 'JWT') {
    const config = next['jwtConfiguration'] as { issuer?: string } | undefined
    if (config?.issuer === undefined) throw badRequest('jwtConfiguration.issuer is required for JWT authorizers')
    if (sources === undefined || sources.length !== 1) throw badRequest('identitySource of a JWT authorizer must name exactly one source, e.g. $request.header.Authorization')
  } else {
    const uri = next['authorizerUri'] as string | undefined
    if (uri === undefined) throw badRequest('authorizerUri is required for REQUEST authorizers')
    if (!isLambdaUri(uri) && !uri.includes('${stageVariables.')) throw badRequest(`Invalid authorizerUri specified: "${uri}" is not a Lambda invocation ARN`)
    if (http) {
      if (next['authorizerPayloadFormatVersion'] === undefined) throw badRequest('authorizerPayloadFormatVersion is required for REQUEST authorizers of HTTP APIs')
      if (next['enableSimpleResponses'] === true && next['authorizerPayloadFormatVersion'] !== '2.0') throw badRequest('enableSimpleResponses is supported only with authorizerPayloadFormatVersion 2.0')
      next['authorizerResultTtlInSeconds'] ??= DEFAULT_AUTHORIZER_RESULT_TTL_SECONDS
      if ((next['authorizerResultTtlInSeconds'] as number) > 0 && (sources === undefined || sources.length === 0)) {
        throw badRequest('identitySource is required when authorizerResultTtlInSeconds is greater than 0')
      }
    }
  }
  return next
}

export function createAuthorizerIn(ctx: OpContext, api: ApiState, body: Wire): Wire {
  if (Object.keys(api.authorizers).length >= MAX_AUTHORIZERS_PER_API) throw badRequest(`Maximum number of authorizers (${MAX_AUTHORIZERS_PER_API}) reached for this API`)
  const authorizerId = newId('authorizer', (id) => id in api.authorizers)
  const authorizer = { authorizerId, ...applyAuthorizer(api, new Members(body), undefined) }
  api.authorizers[authorizerId] = authorizer
  ctx.touched.add(api.api['apiId'] as string)
  return authorizer
}

export const authorizerOperations = {
  CreateAuthorizer(ctx: OpContext, { params, body }: OpInput): OpResult {
    return created(createAuthorizerIn(ctx, apiOf(ctx, params['apiId'] as string), body))
  },
  GetAuthorizer(ctx: OpContext, { params }: OpInput): OpResult {
    return ok(child(apiOf(ctx, params['apiId'] as string, false).authorizers, params['authorizerId'] as string, 'Authorizer'))
  },
  GetAuthorizers(ctx: OpContext, { params, query }: OpInput): OpResult {
    return ok(page(Object.values(apiOf(ctx, params['apiId'] as string, false).authorizers), query))
  },
  UpdateAuthorizer(ctx: OpContext, { params, body }: OpInput): OpResult {
    const api = apiOf(ctx, params['apiId'] as string)
    const id = params['authorizerId'] as string
    const next = applyAuthorizer(api, new Members(body), child(api.authorizers, id, 'Authorizer'))
    const user = Object.values(api.routes).find((r) => r['authorizerId'] === id)
    if (user !== undefined && next['authorizerType'] !== api.authorizers[id]?.['authorizerType']) {
      throw conflict(`Authorizer ${id} is used by route ${String(user['routeKey'])}; its type cannot change`)
    }
    api.authorizers[id] = next
    ctx.touched.add(params['apiId'] as string)
    return ok(next)
  },
  DeleteAuthorizer(ctx: OpContext, { params }: OpInput): OpResult {
    const api = apiOf(ctx, params['apiId'] as string)
    const id = params['authorizerId'] as string
    child(api.authorizers, id, 'Authorizer')
    const user = Object.values(api.routes).find((r) => r['authorizerId'] === id)
    if (user !== undefined) throw conflict(`Authorizer ${id} is used by route ${String(user['routeKey'])} (${String(user['routeId'])})`)
    delete api.authorizers[id]
    ctx.touched.add(params['apiId'] as string)
    return noContent
  },

  CreateModel(ctx: OpContext, { params, body }: OpInput): OpResult {
    const api = websocketApi(ctx, params['apiId'] as string, 'Models')
    const model: Wire = { modelId: newId('model', (id) => id in api.models), ...applyModel(new Members(body), undefined) }
    if (Object.values(api.models).some((x) => x['name'] === model['name'])) throw conflict(`Model with name '${String(model['name'])}' already exists`)
    api.models[model['modelId'] as string] = model
    ctx.touched.add(params['apiId'] as string)
    return created(model)
  },
  GetModel(ctx: OpContext, { params }: OpInput): OpResult {
    return ok(child(apiOf(ctx, params['apiId'] as string, false).models, params['modelId'] as string, 'Model'))
  },
  GetModels(ctx: OpContext, { params, query }: OpInput): OpResult {
    return ok(page(Object.values(apiOf(ctx, params['apiId'] as string, false).models), query))
  },
  UpdateModel(ctx: OpContext, { params, body }: OpInput): OpResult {
    const api = apiOf(ctx, params['apiId'] as string)
    const id = params['modelId'] as string
    const next = applyModel(new Members(body), child(api.models, id, 'Model'))
    api.models[id] = next
    ctx.touched.add(params['apiId'] as string)
    return ok(next)
  },
  DeleteModel(ctx: OpContext, { params }: OpInput): OpResult {
    const api = apiOf(ctx, params['apiId'] as string)
    child(api.models, params['modelId'] as string, 'Model')
    delete api.models[params['modelId'] as string]
    ctx.touched.add(params['apiId'] as string)
    return noContent
  },
}

function applyModel(m: Members, current: Wire | undefined): Wire {
  const next: Wire = { ...(current ?? {}) }
  assign(next, 'name', m.str('name', { required: current === undefined, pattern: /^[A-Za-z0-9]+$/ }))
  assign(next, 'schema', m.str('schema', { required: current === undefined, maxLength: 32_768 }))
  assign(next, 'contentType', m.str('contentType'))
  assign(next, 'description', m.str('description'))
  try {
    JSON.parse(next['schema'] as string)
  } catch {
    throw badRequest('Invalid model schema specified: schema must be a JSON Schema (draft 4) document')
  }
  return next
}
