/**
 * @module
 * `ImportApi`, `ReimportApi` and `ExportApi` (spec 12.7): an OpenAPI 3 document with
 * `x-amazon-apigateway-*` extensions in (read by the config's own importer, then created
 * through the same operations as `CreateRoute` & co., so AWS's defaults and checks apply), and
 * out from the API's latest definition or a stage's deployment.
 */
import { stringify } from '../../vendor/yaml.js'
import { cors, DEFAULT_API_KEY_SELECTION_EXPRESSION, endpointOf, HTTP_ROUTE_SELECTION_EXPRESSION } from './apis.js'
import { createAuthorizerIn } from './authorizers.js'
import { apiOf, child, type ImportedApi, type OpContext, type OpInput, type OpResult } from './context.js'
import { badRequest } from './errors.js'
import { isoNow, newId } from './ids.js'
import { createIntegrationIn } from './integrations.js'
import { isWire, Members } from './members.js'
import { createRouteIn } from './routes.js'
import type { ApiDefinitionState, ApiState, Wire } from './state.js'

/** `x-amazon-apigateway-importexport-version` Gatehouse writes. */
export const IMPORT_EXPORT_VERSION = '1.0'
const BASEPATH_MODES = ['ignore', 'prepend', 'split'] as const

function readDocument(ctx: OpContext, query: URLSearchParams, body: Wire): { api: ImportedApi; prefix: string } {
  const text = new Members(body).str('body', { required: true }) as string
  const mode = query.get('basepath') ?? 'ignore'
  if (!(BASEPATH_MODES as readonly string[]).includes(mode)) throw badRequest(`Invalid basepath specified: "${mode}". Must be one of [${BASEPATH_MODES.join(', ')}]`)
  const failOnWarnings = query.get('failOnWarnings')
  if (failOnWarnings !== null && failOnWarnings !== 'true' && failOnWarnings !== 'false') throw badRequest('failOnWarnings must be true or false')
  const read = ctx.importOpenApi(text)
  if (!read.ok) throw badRequest(`Errors found during import: ${read.messages.join('; ')}`)
  // prepend: every route gets the server URL's path; split: only the part after its first segment.
  const base = read.api.basePath
  const prefix = mode === 'prepend' ? base : mode === 'split' ? base.replace(/^\/[^/]+/, '') : ''
  return { api: read.api, prefix }
}

/** Creates the document's authorizers, integrations and routes in `api` (ids are new; references follow). */
function fill(ctx: OpContext, api: ApiState, doc: ImportedApi, prefix: string): void {
  const authorizerIds = new Map<string, string>()
  for (const a of doc.authorizers) {
    const { authorizerId, jwks, clockSkewSeconds, identitySource, authorizerPayloadFormatVersion, ...rest } = a as Wire
    void jwks
    void clockSkewSeconds
    const created = createAuthorizerIn(ctx, api, {
      ...rest,
      ...(identitySource !== undefined ? { identitySource: Array.isArray(identitySource) ? identitySource : String(identitySource).split(',').map((s) => s.trim()) } : {}),
      ...(authorizerPayloadFormatVersion !== undefined ? { authorizerPayloadFormatVersion: formatVersion(authorizerPayloadFormatVersion) } : {}),
    })
    authorizerIds.set(String(authorizerId), created['authorizerId'] as string)
  }
  const integrationIds = new Map<string, string>()
  for (const i of doc.integrations) {
    const { integrationId, payloadFormatVersion, integrationType, tlsConfig, ...rest } = i as Wire
    const created = createIntegrationIn(ctx, api, {
      ...rest,
      integrationType: String(integrationType).toUpperCase(),
      ...(payloadFormatVersion !== undefined ? { payloadFormatVersion: formatVersion(payloadFormatVersion) } : {}),
      ...(isWire(tlsConfig) && typeof tlsConfig['serverNameToVerify'] === 'string' ? { tlsConfig: { serverNameToVerify: tlsConfig['serverNameToVerify'] } } : {}),
    })
    integrationIds.set(String(integrationId), created['integrationId'] as string)
  }
  for (const r of doc.routes) {
    const route: Wire = { ...r }
    delete route['routeId']
    const target = route['target']
    if (typeof target === 'string') route['target'] = `integrations/${integrationIds.get(target.replace(/^integrations\//, '')) ?? ''}`
    if (typeof route['authorizerId'] === 'string') route['authorizerId'] = authorizerIds.get(route['authorizerId']) ?? route['authorizerId']
    if (prefix !== '' && typeof route['routeKey'] === 'string' && route['routeKey'] !== '$default') {
      const [method, path] = route['routeKey'].split(' ') as [string, string]
      route['routeKey'] = `${method} ${prefix}${path === '/' ? '' : path}` || `${method} /`
    }
    createRouteIn(ctx, api, route)
  }
}

function formatVersion(value: unknown): string {
  return typeof value === 'number' ? value.toFixed(1) : String(value)
}

function applyApiMembers(api: Wire, doc: ImportedApi): void {
  api['name'] = doc.name
  if (doc.version !== undefined) api['version'] = doc.version
  if (doc.description !== undefined) api['description'] = doc.description
  api['disableExecuteApiEndpoint'] = doc.disableExecuteApiEndpoint
  if (isWire(doc.cors)) api['corsConfiguration'] = cors(new Members(doc.cors, badRequest, 'x-amazon-apigateway-cors.'))
  else delete api['corsConfiguration']
}

export const openApiOperations = {
  ImportApi(ctx: OpContext, { query, body }: OpInput): OpResult {
    const { api: doc, prefix } = readDocument(ctx, query, body)
    const apiId = newId('api', (id) => id in ctx.state.apis || ctx.fileApis.has(id))
    const api: Wire = {
      apiId,
      apiEndpoint: endpointOf(ctx, apiId, 'HTTP'),
      apiKeySelectionExpression: DEFAULT_API_KEY_SELECTION_EXPRESSION,
      createdDate: isoNow(ctx.now),
      protocolType: 'HTTP',
      routeSelectionExpression: HTTP_ROUTE_SELECTION_EXPRESSION,
      tags: {},
    }
    applyApiMembers(api, doc)
    const state: ApiState = { api, routes: {}, integrations: {}, authorizers: {}, models: {}, routeResponses: {}, integrationResponses: {}, stages: {}, deployments: {} }
    ctx.state.apis[apiId] = state
    ctx.touched.add(apiId)
    fill(ctx, state, doc, prefix)
    return { status: 201, body: api }
  },
  ReimportApi(ctx: OpContext, { params, query, body }: OpInput): OpResult {
    const state = apiOf(ctx, params['apiId'] as string)
    if (state.api['protocolType'] !== 'HTTP') throw badRequest('ReimportApi is supported only for HTTP APIs')
    const { api: doc, prefix } = readDocument(ctx, query, body)
    // The definition is replaced: routes, integrations, authorizers, CORS; stages and deployments stay.
    for (const map of [state.routes, state.integrations, state.authorizers, state.routeResponses, state.integrationResponses]) for (const k of Object.keys(map)) delete map[k]
    applyApiMembers(state.api, doc)
    ctx.touched.add(params['apiId'] as string)
    fill(ctx, state, doc, prefix)
    return { status: 201, body: state.api }
  },
  ExportApi(ctx: OpContext, { params, query }: OpInput): OpResult {
    const state = apiOf(ctx, params['apiId'] as string, false)
    if (params['specification'] !== 'OAS30') throw badRequest(`Invalid specification specified: "${params['specification'] ?? ''}". Must be OAS30`)
    if (state.api['protocolType'] !== 'HTTP') throw badRequest('ExportApi is supported only for HTTP APIs')
    const outputType = query.get('outputType')
    if (outputType !== 'JSON' && outputType !== 'YAML') throw badRequest('outputType is required: JSON or YAML')
    const includeExtensions = query.get('includeExtensions') !== 'false'
    const stageName = query.get('stageName')
    let definition: ApiDefinitionState = state
    if (stageName !== null) {
      const stage = child(state.stages, stageName, 'Stage')
      const deployment = state.deployments[stage['deploymentId'] as string]
      if (deployment === undefined) throw badRequest(`Stage ${stageName} has no deployment to export`)
      definition = deployment.definition
    }
    const document = exportDocument(ctx, state, definition, stageName, includeExtensions)
    const text = outputType === 'JSON' ? JSON.stringify(document) : stringify(document)
    return { status: 200, body: text, contentType: outputType === 'JSON' ? 'application/json' : 'application/yaml' }
  },
}

function exportDocument(ctx: OpContext, state: ApiState, d: ApiDefinitionState, stageName: string | null, extensions: boolean): Wire {
  const api = d.api
  const doc: Wire = {
    openapi: '3.0.1',
    info: {
      title: api['name'],
      version: (api['version'] as string | undefined) ?? isoNow(Date.parse(String(api['createdDate'])) || ctx.now).replace(/[-:]/g, '').replace('T', '').replace('Z', ''),
      ...(api['description'] !== undefined ? { description: api['description'] } : {}),
    },
  }
  if (stageName !== null) {
    const base = stageName === '$default' ? '' : stageName
    doc['servers'] = [{ url: `${endpointOf(ctx, api['apiId'] as string, 'HTTP')}/{basePath}`, variables: { basePath: { default: base } } }]
  }
  const schemeNames = new Map<string, string>()
  const schemes: Wire = {}
  for (const a of Object.values(d.authorizers)) {
    const name = uniqueName(String(a['name']), schemes)
    schemeNames.set(a['authorizerId'] as string, name)
    const ext: Wire =
      a['authorizerType'] === 'JWT'
        ? { identitySource: ((a['identitySource'] as string[] | undefined) ?? []).join(','), jwtConfiguration: a['jwtConfiguration'], type: 'jwt' }
        : {
            identitySource: ((a['identitySource'] as string[] | undefined) ?? []).join(','),
            authorizerUri: a['authorizerUri'],
            authorizerPayloadFormatVersion: a['authorizerPayloadFormatVersion'],
            authorizerResultTtlInSeconds: a['authorizerResultTtlInSeconds'],
            type: 'request',
            ...(a['enableSimpleResponses'] !== undefined ? { enableSimpleResponses: a['enableSimpleResponses'] } : {}),
          }
    schemes[name] = a['authorizerType'] === 'JWT' ? { type: 'oauth2', flows: {}, 'x-amazon-apigateway-authorizer': ext } : { type: 'apiKey', name: 'Unauthorized', in: 'header', 'x-amazon-apigateway-authorizer': ext }
  }
  const usesIam = Object.values(d.routes).some((r) => r['authorizationType'] === 'AWS_IAM')
  if (usesIam) schemes['sigv4'] = { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' }
  const paths: Record<string, Wire> = {}
  const sorted = Object.values(d.routes).sort((a, b) => String(a['routeKey']).localeCompare(String(b['routeKey'])))
  for (const r of sorted) {
    const key = String(r['routeKey'])
    const [method, path] = key === '$default' ? ['ANY', '/$default'] : (key.split(' ') as [string, string])
    const operation: Wire = { responses: { default: { description: `Default response for ${key}` } } }
    if (r['operationName'] !== undefined) operation['operationId'] = r['operationName']
    const variables = [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((m) => m[1] as string)
    if (variables.length > 0) operation['parameters'] = variables.map((name) => ({ name, in: 'path', description: `Generated path parameter for ${name}`, required: true, schema: { type: 'string' } }))
    if (key === '$default') operation['isDefaultRoute'] = true
    const integrationId = /^integrations\/(.+)$/.exec(String(r['target'] ?? ''))?.[1]
    const integration = integrationId === undefined ? undefined : d.integrations[integrationId]
    if (integration !== undefined) operation['x-amazon-apigateway-integration'] = integrationExtension(integration)
    if (r['authorizationType'] === 'JWT' || r['authorizationType'] === 'CUSTOM') {
      operation['security'] = [{ [schemeNames.get(r['authorizerId'] as string) ?? '']: (r['authorizationScopes'] as string[] | undefined) ?? [] }]
    } else if (r['authorizationType'] === 'AWS_IAM') operation['security'] = [{ sigv4: [] }]
    const item = (paths[path] ??= {})
    item[method === 'ANY' ? 'x-amazon-apigateway-any-method' : method.toLowerCase()] = operation
  }
  doc['paths'] = paths
  if (Object.keys(schemes).length > 0) doc['components'] = { securitySchemes: schemes }
  if (api['corsConfiguration'] !== undefined) doc['x-amazon-apigateway-cors'] = api['corsConfiguration']
  if (state.api['disableExecuteApiEndpoint'] === true) doc['x-amazon-apigateway-endpoint-configuration'] = { disableExecuteApiEndpoint: true }
  doc['x-amazon-apigateway-importexport-version'] = IMPORT_EXPORT_VERSION
  return extensions ? doc : (withoutExtensions(doc) as Wire)
}

function integrationExtension(i: Wire): Wire {
  const ext: Wire = {
    type: String(i['integrationType']).toLowerCase(),
    ...(i['integrationMethod'] !== undefined ? { httpMethod: i['integrationMethod'] } : i['integrationType'] === 'AWS_PROXY' && i['integrationSubtype'] === undefined ? { httpMethod: 'POST' } : {}),
    uri: i['integrationUri'],
    payloadFormatVersion: i['payloadFormatVersion'],
    connectionType: i['connectionType'],
    timeoutInMillis: i['timeoutInMillis'],
  }
  for (const [from, to] of [['integrationSubtype', 'integrationSubtype'], ['credentialsArn', 'credentials'], ['requestParameters', 'requestParameters'], ['responseParameters', 'responseParameters'], ['tlsConfig', 'tlsConfig'], ['description', 'description']] as const) {
    if (i[from] !== undefined) ext[to] = i[from]
  }
  return ext
}

function uniqueName(name: string, taken: Wire): string {
  let candidate = name
  for (let n = 2; taken[candidate] !== undefined; n++) candidate = `${name}${n}`
  return candidate
}

function withoutExtensions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutExtensions)
  if (!isWire(value)) return value
  const out: Wire = {}
  for (const [k, v] of Object.entries(value)) if (!k.startsWith('x-amazon-apigateway-') && k !== 'isDefaultRoute') out[k] = withoutExtensions(v)
  return out
}
