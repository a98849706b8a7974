/**
 * @module
 * APIs of the config file as the control plane shows them: a read-only view in the wire shape,
 * so `GetRoutes`, `GetIntegrations`, `GetStages`, … answer for them as for the control plane's
 * own. Changes are refused (context.ts names the file).
 */
import { createHash } from 'node:crypto'
import type { ApiDefinition, StageDefinition, WebSocketApiDefinition } from '../../model/index.js'
import type { ApiState, Wire } from './state.js'

const HTTP_ROUTE_SELECTION = '$request.method $request.path'

function stageOf(stage: StageDefinition, http: boolean): Wire {
  const throttle = (t: { rateLimit: number; burstLimit: number } | null | undefined): Wire =>
    t == null ? {} : { throttlingBurstLimit: t.burstLimit, throttlingRateLimit: t.rateLimit }
  const routeSettings: Wire = {}
  for (const [key, limits] of stage.routeThrottles) routeSettings[key] = throttle(limits)
  return {
    stageName: stage.stageName,
    autoDeploy: true,
    stageVariables: { ...stage.stageVariables },
    defaultRouteSettings: { detailedMetricsEnabled: false, ...(http ? {} : { dataTraceEnabled: false, loggingLevel: 'OFF' }), ...throttle(stage.defaultThrottle) },
    routeSettings,
    ...(stage.accessLog !== null ? { accessLogSettings: { format: stage.accessLog.format } } : {}),
    tags: {},
  }
}

/** A route id for a WebSocket route of the file (the model keys them by route key only). */
function routeIdOf(routeKey: string): string {
  return createHash('sha256').update(routeKey).digest('hex').slice(0, 7)
}

export function fileApiState(def: ApiDefinition | WebSocketApiDefinition, region: string): ApiState {
  const http = def.protocolType === 'HTTP'
  const api: Wire = {
    apiEndpoint: `${http ? 'https' : 'wss'}://${def.apiId}.execute-api.${region}.amazonaws.com`,
    apiId: def.apiId,
    apiKeySelectionExpression: '$request.header.x-api-key',
    disableExecuteApiEndpoint: http ? def.disableExecuteApiEndpoint : false,
    name: def.name,
    protocolType: def.protocolType,
    routeSelectionExpression: http ? HTTP_ROUTE_SELECTION : def.routeSelectionExpression,
    tags: {},
  }
  const routes: Record<string, Wire> = {}
  const integrations: Record<string, Wire> = {}
  const authorizers: Record<string, Wire> = {}
  if (def.protocolType === 'HTTP') {
    if (def.cors !== null) api['corsConfiguration'] = { ...def.cors, maxAge: def.cors.maxAge ?? undefined }
    for (const r of def.routes) {
      routes[r.routeId] = {
        apiKeyRequired: false,
        authorizationType: r.authorizationType,
        routeId: r.routeId,
        routeKey: r.routeKey,
        ...(r.integrationId !== null ? { target: `integrations/${r.integrationId}` } : {}),
        ...(r.authorizerId !== null ? { authorizerId: r.authorizerId } : {}),
        ...(r.authorizationScopes.length > 0 ? { authorizationScopes: [...r.authorizationScopes] } : {}),
      }
    }
    for (const i of def.integrations.values()) {
      integrations[i.integrationId] = {
        connectionType: 'INTERNET',
        integrationId: i.integrationId,
        integrationType: i.integrationType,
        // A first-class integration's URI is derived from its subtype; AWS shows the subtype.
        ...('integrationSubtype' in i
          ? { integrationSubtype: i.integrationSubtype, ...(i.credentialsArn !== null ? { credentialsArn: i.credentialsArn } : {}) }
          : { integrationUri: i.integrationUri }),
        payloadFormatVersion: i.payloadFormatVersion,
        timeoutInMillis: i.timeoutInMillis,
        ...(i.integrationType === 'HTTP_PROXY' ? { integrationMethod: i.integrationMethod } : {}),
        ...(Object.keys(i.requestParameters).length > 0 ? { requestParameters: { ...i.requestParameters } } : {}),
        ...(Object.keys(i.responseParameters).length > 0 ? { responseParameters: structuredClone(i.responseParameters) } : {}),
      }
    }
    for (const a of def.authorizers.values()) {
      authorizers[a.authorizerId] =
        a.authorizerType === 'JWT'
          ? { authorizerId: a.authorizerId, authorizerType: 'JWT', identitySource: [a.identitySource.expression], jwtConfiguration: { audience: [...a.audience], issuer: a.issuer }, name: a.name }
          : {
              authorizerId: a.authorizerId,
              authorizerType: 'REQUEST',
              authorizerPayloadFormatVersion: a.payloadFormatVersion,
              authorizerResultTtlInSeconds: a.resultTtlSeconds,
              authorizerUri: a.authorizerUri,
              enableSimpleResponses: a.enableSimpleResponses,
              identitySource: a.identitySources.map((s) => s.expression),
              name: a.name,
            }
    }
  } else {
    for (const r of def.routes) {
      const routeId = routeIdOf(r.routeKey)
      routes[routeId] = {
        apiKeyRequired: r.apiKeyRequired,
        authorizationType: r.authorizerId !== null ? 'CUSTOM' : 'NONE',
        routeId,
        routeKey: r.routeKey,
        ...(r.integrationId !== null ? { target: `integrations/${r.integrationId}` } : {}),
        ...(r.authorizerId !== null ? { authorizerId: r.authorizerId } : {}),
        ...(r.twoWay ? { routeResponseSelectionExpression: '$default' } : {}),
      }
    }
    for (const i of def.integrations.values()) {
      integrations[i.integrationId] = {
        connectionType: 'INTERNET',
        integrationId: i.integrationId,
        integrationType: i.integrationType,
        ...('integrationUri' in i ? { integrationUri: i.integrationUri } : {}),
        ...('timeoutInMillis' in i ? { timeoutInMillis: i.timeoutInMillis } : {}),
        ...('integrationMethod' in i ? { integrationMethod: i.integrationMethod } : {}),
      }
    }
    for (const a of def.authorizers.values()) {
      authorizers[a.authorizerId] = { authorizerId: a.authorizerId, authorizerType: 'REQUEST', authorizerUri: a.authorizerUri, identitySource: a.identitySources.map((s) => s.expression), name: a.authorizerId }
    }
  }
  const stages: Record<string, Wire> = {}
  for (const s of def.stages) stages[s.stageName] = stageOf(s, http)
  return { api, routes, integrations, authorizers, models: {}, routeResponses: {}, integrationResponses: {}, stages, deployments: {} }
}
