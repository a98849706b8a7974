/**
 * @module
 * An HTTP API as an OpenAPI 3.0 document with API Gateway's extensions, the shape
 * `aws apigatewayv2 export-api --output-type JSON --specification OAS30` produces: one path
 * item per route path, `x-amazon-apigateway-integration` per operation, JWT authorizers as
 * `securitySchemes` with `x-amazon-apigateway-authorizer`, `$default` as
 * `x-amazon-apigateway-any-method` under `/$default`, and CORS as
 * `x-amazon-apigateway-cors`. Gatehouse can import what it exports.
 */
import type { ApiDefinition, AuthorizerDefinition, CorsConfiguration, IntegrationDefinition } from '../model/index.js'

/** The `info.version` of an exported document: AWS puts the export time there. */
export function exportOpenApi(api: ApiDefinition, now: Date = new Date()): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of api.routes) {
    const { key } = route
    const path = key.kind === 'default' ? '/$default' : key.path
    const method = key.kind === 'default' || key.method === 'ANY' ? 'x-amazon-apigateway-any-method' : key.method.toLowerCase()
    const operation: Record<string, unknown> = key.kind === 'default' ? { isDefaultRoute: true } : {}
    operation['responses'] = { default: { description: 'Default response for ' + route.routeKey } }
    const params = [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }))
    if (params.length > 0) operation['parameters'] = params
    const integration = route.integrationId === null ? undefined : api.integrations.get(route.integrationId)
    if (integration !== undefined) operation['x-amazon-apigateway-integration'] = integrationExtension(integration)
    if (route.authorizerId !== null) {
      const authorizer = api.authorizers.get(route.authorizerId)
      if (authorizer !== undefined) operation['security'] = [{ [authorizer.name]: route.authorizationScopes }]
    } else if (route.authorizationType === 'AWS_IAM') {
      operation['security'] = [{ sigv4: [] }]
    }
    ;(paths[path] ??= {})[method] = operation
  }
  const securitySchemes: Record<string, unknown> = {}
  for (const authorizer of api.authorizers.values()) securitySchemes[authorizer.name] = securityScheme(authorizer)
  if (api.routes.some((r) => r.authorizationType === 'AWS_IAM')) {
    securitySchemes['sigv4'] = { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' }
  }
  const doc: Record<string, unknown> = {
    openapi: '3.0.1',
    info: { title: api.name, version: now.toISOString().replace(/\.\d+Z$/, 'Z') },
    'x-amazon-apigateway-importexport-version': '1.0',
    paths,
  }
  if (Object.keys(securitySchemes).length > 0) doc['components'] = { securitySchemes }
  if (api.cors !== null) doc['x-amazon-apigateway-cors'] = corsExtension(api.cors)
  if (api.disableExecuteApiEndpoint) doc['x-amazon-apigateway-disable-execute-api-endpoint'] = true
  return doc
}

/** `corsConfiguration` as AWS exports it: unset fields are left out, not written as null or []. */
function corsExtension(cors: CorsConfiguration): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (cors.allowOrigins.length > 0) out['allowOrigins'] = cors.allowOrigins
  if (cors.allowMethods.length > 0) out['allowMethods'] = cors.allowMethods
  if (cors.allowHeaders.length > 0) out['allowHeaders'] = cors.allowHeaders
  if (cors.exposeHeaders.length > 0) out['exposeHeaders'] = cors.exposeHeaders
  if (cors.allowCredentials) out['allowCredentials'] = true
  if (cors.maxAge !== null) out['maxAge'] = cors.maxAge
  return out
}

function integrationExtension(i: IntegrationDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: i.integrationType.toLowerCase(),
    uri: i.integrationUri,
    payloadFormatVersion: i.payloadFormatVersion,
    timeoutInMillis: i.timeoutInMillis,
    connectionType: 'INTERNET',
  }
  if (i.integrationType === 'AWS_PROXY') out['httpMethod'] = 'POST'
  else out['httpMethod'] = i.integrationMethod
  if (Object.keys(i.requestParameters).length > 0) out['requestParameters'] = i.requestParameters
  if (Object.keys(i.responseParameters).length > 0) out['responseParameters'] = i.responseParameters
  return out
}

function securityScheme(a: AuthorizerDefinition): Record<string, unknown> {
  if (a.authorizerType === 'JWT') {
    return {
      type: 'oauth2',
      flows: {},
      'x-amazon-apigateway-authorizer': {
        type: 'jwt',
        identitySource: a.identitySource.expression,
        jwtConfiguration: { issuer: a.issuer, audience: a.audience },
      },
    }
  }
  return {
    type: 'apiKey',
    name: 'Unused',
    in: 'header',
    'x-amazon-apigateway-authorizer': {
      type: 'request',
      identitySource: a.identitySources.map((s) => s.expression).join(', '),
      authorizerUri: a.authorizerUri,
      authorizerPayloadFormatVersion: a.payloadFormatVersion,
      authorizerResultTtlInSeconds: a.resultTtlSeconds,
      enableSimpleResponses: a.enableSimpleResponses,
    },
  }
}
