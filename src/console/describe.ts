/**
 * @module
 * The console's view of a configuration: every API, stage and route with its authorizer,
 * integration, throttle limits and CORS, as plain JSON. Secrets in the config (IAM secret
 * keys, API key values, private keys) never appear in it.
 */
import type { ApiDefinition, AuthorizerDefinition, GatehouseConfig, IntegrationDefinition, Origin, StageDefinition, ThrottleLimits, WebSocketApiDefinition } from '../model/index.js'

export interface DescribedRoute {
  readonly routeKey: string
  readonly origin: string
  readonly authorization: { readonly type: string; readonly authorizer: unknown; readonly scopes: readonly string[] }
  readonly integration: unknown
  /** Per stage: the route's throttle (route setting, else the stage default), or `null`. */
  readonly throttle: Readonly<Record<string, ThrottleLimits | null>>
}

export function describeConfig(config: GatehouseConfig) {
  return {
    accountId: config.accountId,
    region: config.region,
    accountThrottle: config.accountThrottle,
    iam: config.iam === null ? null : { credentials: [...config.iam.credentials.values()].map((c) => ({ accessKeyId: c.accessKeyId, userArn: c.userArn, secretAccessKey: '********' })) },
    apis: config.apis.map(describeHttpApi),
    websocketApis: config.websocketApis.map(describeWebSocketApi),
    domainNames: config.domainNames.map((d) => ({ domainName: d.domainName, mutualTls: d.truststore !== null, apiMappings: d.apiMappings.map((m) => ({ apiId: m.apiId, stage: m.stage, apiMappingKey: m.apiMappingKey })) })),
    functions: [...config.functions.values()].map((f) => ({ name: f.name, handler: f.handler, timeout: f.timeoutSeconds, memorySize: f.memorySize, reservedConcurrency: f.reservedConcurrency })),
    warnings: config.warnings,
  }
}

function describeHttpApi(api: ApiDefinition) {
  return {
    apiId: api.apiId,
    name: api.name,
    protocolType: api.protocolType,
    origin: origin(api.origin),
    cors: api.cors,
    disableExecuteApiEndpoint: api.disableExecuteApiEndpoint,
    stages: api.stages.map(describeStage),
    routes: api.routes.map((r): DescribedRoute => ({
      routeKey: r.routeKey,
      origin: origin(r.origin),
      authorization: {
        type: r.authorizationType,
        authorizer: r.authorizerId === null ? null : describeAuthorizer(api.authorizers.get(r.authorizerId)),
        scopes: r.authorizationScopes,
      },
      integration: r.integrationId === null ? null : describeIntegration(api.integrations.get(r.integrationId)),
      throttle: Object.fromEntries(api.stages.map((s) => [s.stageName, s.routeThrottles.get(r.routeKey) ?? s.defaultThrottle])),
    })),
  }
}

function describeWebSocketApi(api: WebSocketApiDefinition) {
  return {
    apiId: api.apiId,
    name: api.name,
    protocolType: api.protocolType,
    origin: origin(api.origin),
    routeSelectionExpression: api.routeSelectionExpression,
    stages: api.stages.map(describeStage),
    routes: api.routes.map((r) => {
      const integration = r.integrationId === null ? undefined : api.integrations.get(r.integrationId)
      return {
        routeKey: r.routeKey,
        origin: origin(r.origin),
        authorization: { type: r.authorizerId === null ? 'NONE' : 'CUSTOM', authorizer: r.authorizerId === null ? null : api.authorizers.get(r.authorizerId)?.authorizerUri ?? null, scopes: [] },
        integration: integration === undefined ? null : { integrationType: integration.integrationType, integrationUri: 'integrationUri' in integration ? integration.integrationUri : null },
        twoWay: r.twoWay,
        apiKeyRequired: r.apiKeyRequired,
        throttle: Object.fromEntries(api.stages.map((s) => [s.stageName, s.routeThrottles.get(r.routeKey) ?? s.defaultThrottle])),
      }
    }),
  }
}

function describeStage(s: StageDefinition) {
  return { stageName: s.stageName, stageVariables: s.stageVariables, defaultThrottle: s.defaultThrottle, accessLog: s.accessLog, origin: origin(s.origin) }
}

function describeAuthorizer(a: AuthorizerDefinition | undefined) {
  if (a === undefined) return null
  if (a.authorizerType === 'JWT') {
    return { authorizerType: 'JWT', name: a.name, identitySource: a.identitySource.expression, issuer: a.issuer, audience: a.audience, jwks: a.jwks.kind }
  }
  return {
    authorizerType: 'REQUEST',
    name: a.name,
    authorizerUri: a.authorizerUri,
    payloadFormatVersion: a.payloadFormatVersion,
    enableSimpleResponses: a.enableSimpleResponses,
    resultTtlSeconds: a.resultTtlSeconds,
    identitySource: a.identitySources.map((s) => s.expression),
  }
}

function describeIntegration(i: IntegrationDefinition | undefined) {
  if (i === undefined) return null
  return {
    integrationType: i.integrationType,
    integrationUri: i.integrationUri,
    payloadFormatVersion: i.payloadFormatVersion,
    timeoutInMillis: i.timeoutInMillis,
    requestParameters: i.requestParameters,
    responseParameters: i.responseParameters,
    ...(i.integrationType === 'HTTP_PROXY' ? { integrationMethod: i.integrationMethod } : {}),
  }
}

/** `file:line path`, where the object was defined. */
function origin(o: Origin): string {
  return `${o.file}${o.line === undefined ? '' : ':' + o.line} ${o.path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.')}`
}
