/**
 * @module
 * Human-readable views of a config: the endpoints `serve` prints and the route table
 * `routes` prints.
 */
import { DEFAULT_STAGE_NAME } from '../config/index.js'
import { resolveFunctionName, substituteStageVariables } from '../config/index.js'
import type { ApiDefinition, GatehouseConfig, StageDefinition, WebSocketApiDefinition } from '../model/index.js'

/** One line per API stage: where to reach it. */
export function describeEndpoints(config: GatehouseConfig, url: string): string {
  const { protocol, port } = new URL(url)
  let out = ''
  for (const api of config.apis) {
    const root = config.apis.length === 1 ? url : `${protocol}//${api.apiId}.execute-api.localhost:${port}`
    if (api.disableExecuteApiEndpoint) {
      out += `  API ${api.name} (${api.apiId}): default endpoint disabled, served through custom domain names only\n`
      continue
    }
    out += `  API ${api.name} (${api.apiId})${config.apis.length === 1 ? '' : ' by Host header'}\n`
    for (const stage of api.stages) {
      out += `    stage ${stage.stageName.padEnd(10)} ${root}${stage.stageName === DEFAULT_STAGE_NAME ? '/' : '/' + stage.stageName}\n`
    }
  }
  for (const api of config.websocketApis) {
    const root = config.websocketApis.length === 1 ? url.replace(/^http/, 'ws') : `ws://${api.apiId}.execute-api.localhost:${port}`
    out += `  WebSocket API ${api.name} (${api.apiId})${config.websocketApis.length === 1 ? '' : ' by Host header'}\n`
    for (const stage of api.stages) out += `    stage ${stage.stageName.padEnd(10)} ${root}/${stage.stageName}\n`
  }
  return out
}

/** The route table of every API and stage, integration targets resolved per stage. */
export function describeRoutes(config: GatehouseConfig): string {
  let out = ''
  for (const api of config.apis) {
    for (const stage of api.stages) {
      out += `API ${api.name} (${api.apiId})  stage ${stage.stageName}\n`
      const rows = api.routes.map((r) => [r.routeKey, describeTarget(api, stage, r.integrationId)] as const)
      const width = Math.max(9, ...rows.map(([k]) => k.length))
      out += `  ${'ROUTE KEY'.padEnd(width)}  INTEGRATION\n`
      for (const [key, target] of rows) out += `  ${key.padEnd(width)}  ${target}\n`
      out += '\n'
    }
  }
  for (const api of config.websocketApis) {
    for (const stage of api.stages) {
      out += `WebSocket API ${api.name} (${api.apiId})  stage ${stage.stageName}  route selection ${api.routeSelectionExpression}\n`
      const rows = api.routes.map((r) => [r.routeKey, describeWebSocketTarget(api, stage, r.integrationId) + (r.authorizerId !== null ? `, authorizer ${r.authorizerId}` : '')] as const)
      const width = Math.max(9, ...rows.map(([k]) => k.length))
      out += `  ${'ROUTE KEY'.padEnd(width)}  INTEGRATION\n`
      for (const [key, target] of rows) out += `  ${key.padEnd(width)}  ${target}\n`
      out += '\n'
    }
  }
  return out
}

function describeWebSocketTarget(api: WebSocketApiDefinition, stage: StageDefinition, integrationId: string | null): string {
  if (integrationId === null) return '(none)'
  const integration = api.integrations.get(integrationId)
  if (integration === undefined) return `integrations/${integrationId}`
  if (integration.integrationType === 'MOCK') return 'MOCK'
  if (integration.integrationType === 'AWS_PROXY') {
    return `AWS_PROXY lambda:${resolveFunctionName(integration.integrationUri, stage.stageVariables)} (timeout ${integration.timeoutInMillis} ms)`
  }
  const uri = substituteStageVariables(integration.integrationUri, stage.stageVariables)
  return `${integration.integrationType} ${integration.integrationMethod} ${uri.ok ? uri.value : integration.integrationUri} (timeout ${integration.timeoutInMillis} ms)`
}

function describeTarget(api: ApiDefinition, stage: StageDefinition, integrationId: string | null): string {
  if (integrationId === null) return '(none: answers 404)'
  const integration = api.integrations.get(integrationId)
  if (integration === undefined) return `integrations/${integrationId}`
  const mapped = Object.keys(integration.requestParameters).length + Object.keys(integration.responseParameters).length > 0 ? ', mapped' : ''
  if (integration.integrationType === 'HTTP_PROXY') {
    const uri = substituteStageVariables(integration.integrationUri, stage.stageVariables)
    return `HTTP_PROXY ${integration.integrationMethod} ${uri.ok ? uri.value : integration.integrationUri} (timeout ${integration.timeoutInMillis} ms${mapped})`
  }
  if ('integrationSubtype' in integration) return `AWS_PROXY ${integration.integrationSubtype} (timeout ${integration.timeoutInMillis} ms${mapped})`
  const fn = resolveFunctionName(integration.integrationUri, stage.stageVariables)
  return `${integration.integrationType} lambda:${fn} (payload ${integration.payloadFormatVersion}, timeout ${integration.timeoutInMillis} ms${mapped})`
}
