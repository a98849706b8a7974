/**
 * @module
 * Compiles a validated configuration into a `RuntimeSnapshot`: one router per API stage
 * (integration URIs may differ per stage through stage variables) and one pool of
 * execution environments per function, shared by every route that targets it.
 */
import { createSecureContext } from 'node:tls'
import { MIN_TLS_VERSION, NO_SESSION_TICKETS } from '../http/index.js'
import { DomainNames } from '../routing/index.js'
import { compileRouteSelection } from '../websocket/index.js'
import type { CompiledApiMapping, CompiledDomainName, CompiledWebSocketMapping, CompiledWebSocketApi, CompiledWebSocketIntegration, CompiledWebSocketRoute, CompiledWebSocketStage, RateLimiter, ThrottleLayer } from '../model/index.js'
import { compileWebSocketParameters, httpRouteIntegration } from '../websocket/index.js'
import { lambdaRouteIntegration } from '../websocket/index.js'
import { awsRouteIntegration, lambdaTemplateRouteIntegration } from '../websocket/index.js'
import { isLambdaInvocation } from '../config/index.js'
import { awsService, findCredentials, parseServiceUri, serviceEndpoint, type CredentialSource } from '../aws/index.js'
import { DEFAULT_UPSTREAM_TLS } from '../integrations/index.js'
import { awsServiceIntegration, compileValue, integrationSubtype } from '../integrations/index.js'
import type { ResponseParameterMapping } from '../integrations/index.js'
import { compileResponseTemplateSelection, compileTemplate, type Template } from '../websocket/index.js'
import { websocketContextVariable, type WebSocketLogRecord } from '../websocket/index.js'
import { mockRouteIntegration, type CompiledTemplates } from '../websocket/index.js'
import type { AwsServiceIntegrationDefinition, DomainNameDefinition, GatehouseConfig, IntegrationDefinition, WebSocketApiDefinition, WebSocketIntegrationDefinition, WebSocketTemplatesDefinition, RequestAuthorizerDefinition, StageDefinition } from '../model/index.js'
import { DEFAULT_STAGE_NAME } from '../config/index.js'
import { resolveFunctionName, substituteStageVariables } from '../config/index.js'
import { CorsPolicy } from '../http/index.js'
import { parseTargetTemplate } from '../integrations/index.js'
import type { UpstreamAgents } from '../integrations/index.js'
import { compileRequestParameters, compileResponseParameters } from '../integrations/index.js'
import { AuthorizerFactory, lambdaAuthorizer, type DevIssuer } from '../auth/index.js'
import type { LambdaAuthorizer } from '../auth/index.js'
import { FunctionPool, poolFingerprint, type FunctionPoolOptions } from '../functions/index.js'
import { Router } from '../routing/index.js'
import { compileAccessLogFormat } from '../logging/index.js'
import type { AccessLogSinks } from '../logging/index.js'
import { NO_ROUTE_LABEL, type MetricsRegistry } from '../metrics/index.js'
import type { CompiledApi, CompiledIntegration, CompiledRoute, CompiledStage, RuntimeSnapshot } from '../model/index.js'
import { lambdaProxyIntegration } from '../integrations/index.js'
import { httpProxyIntegration } from '../integrations/index.js'

export interface CompileOptions extends Omit<FunctionPoolOptions, 'region' | 'baseDir'> {
  /** Shared by successive snapshots so that buckets survive a reload. */
  readonly limiter: RateLimiter
  /** Shared by successive snapshots so that backend connections survive a reload. */
  readonly upstreams: UpstreamAgents
  readonly sinks: AccessLogSinks
  readonly metrics: MetricsRegistry
  /** The snapshot being replaced: its pools of unchanged functions are kept, warm. */
  readonly previous?: RuntimeSnapshot | undefined
  /** The development issuer JWT authorizers naming `DEV_ISSUER` trust; `null` or absent: none. */
  readonly devIssuer?: DevIssuer | null
}

/** The bucket key of the account-level throttle, shared by every API. */
export const ACCOUNT_THROTTLE_KEY = 'account'

export function compile(config: GatehouseConfig, options: CompileOptions): RuntimeSnapshot {
  const accountLayer: ThrottleLayer | null = config.accountThrottle === null ? null : { key: ACCOUNT_THROTTLE_KEY, limits: config.accountThrottle }
  const accessLogDestinations = new Set<string>()
  const upstreamAgentKeys = new Set<string>()
  const authorizerFactory = new AuthorizerFactory(config, options.devIssuer ?? null)
  const pools = new Map<string, FunctionPool>()
  const firstIam = config.iam === null ? undefined : [...config.iam.credentials.values()][0]
  const executionCredentials =
    firstIam === undefined
      ? null
      : { accessKeyId: firstIam.accessKeyId, secretAccessKey: firstIam.secretAccessKey, ...(firstIam.sessionToken !== undefined ? { sessionToken: firstIam.sessionToken } : {}) }
  for (const fn of config.functions.values()) {
    const poolOptions = { ...options, region: config.region, baseDir: config.baseDir, executionCredentials }
    const kept = options.previous?.pools.get(fn.name)
    // Unchanged since the last load (definition and code files): its environments stay warm.
    if (kept instanceof FunctionPool && kept.reusable && kept.fingerprint === poolFingerprint(fn, poolOptions)) pools.set(fn.name, kept)
    else pools.set(fn.name, new FunctionPool(fn, poolOptions))
  }
  const backends: Backends = { upstreams: options.upstreams, agentKeys: upstreamAgentKeys, aws: awsContext(config) }
  const apis = new Map<string, CompiledApi>()
  for (const api of config.apis) {
    const stages = new Map<string, CompiledStage>()
    let defaultStage: CompiledStage | null = null
    for (const stage of api.stages) {
      const integrations = new Map<string, CompiledIntegration>()
      const integrationFor = (id: string): CompiledIntegration => {
        let compiled = integrations.get(id)
        if (compiled === undefined) {
          compiled = compileIntegration(api.integrations.get(id) as IntegrationDefinition, stage, pools, backends)
          integrations.set(id, compiled)
        }
        return compiled
      }
      const lambdaAuthorizers = new Map<string, LambdaAuthorizer>()
      const lambdaFor = (def: RequestAuthorizerDefinition): LambdaAuthorizer => {
        let authorizer = lambdaAuthorizers.get(def.authorizerId)
        if (authorizer === undefined) {
          authorizer = lambdaAuthorizer(def, poolFor(def.authorizerUri, stage, pools), config.region)
          lambdaAuthorizers.set(def.authorizerId, authorizer)
        }
        return authorizer
      }
      const routes: CompiledRoute[] = api.routes.map((r) => {
        const integration = r.integrationId === null ? null : integrationFor(r.integrationId)
        return {
          routeId: r.routeId,
          routeKey: r.routeKey,
          resourcePath: r.key.kind === 'path' ? r.key.path : null,
          integration,
          authorizer: authorizerFactory.forRoute(api.apiId, r, api.authorizers, lambdaFor),
          // SigV4 signs the body's hash, so an IAM route reads it whole, as does a mapping of `$request.body`.
          readsRequestBody: integration === null || !integration.streamsRequestBody || r.authorizationType === 'AWS_IAM',
          throttle: throttleLayers(api.apiId, stage, r.routeKey, accountLayer),
          metrics: options.metrics.series(api.apiId, stage.stageName, r.routeKey),
        }
      })
      let accessLog: CompiledStage['accessLog'] = null
      if (stage.accessLog !== null) {
        accessLog = { format: compileAccessLogFormat(stage.accessLog.format), sink: options.sinks.get(stage.accessLog.destination) }
        accessLogDestinations.add(stage.accessLog.destination)
      }
      const compiled: CompiledStage = {
        stageName: stage.stageName,
        stageVariables: Object.keys(stage.stageVariables).length > 0 ? stage.stageVariables : null,
        router: new Router(routes.map((route, i) => ({ key: (api.routes[i] as (typeof api.routes)[number]).key, route }))),
        routes,
        accessLog,
        noRouteMetrics: options.metrics.series(api.apiId, stage.stageName, NO_ROUTE_LABEL),
      }
      if (stage.stageName === DEFAULT_STAGE_NAME) defaultStage = compiled
      else stages.set(stage.stageName, compiled)
    }
    // The control plane gives an API one entry per deployment its stages serve: one API here.
    const earlier = apis.get(api.apiId)
    if (earlier !== undefined) {
      for (const [name, stage] of earlier.stages) stages.set(name, stage)
      defaultStage ??= earlier.defaultStage
    }
    apis.set(api.apiId, {
      apiId: api.apiId,
      name: api.name,
      stages,
      defaultStage,
      cors: api.cors === null ? null : new CorsPolicy(api.cors),
      disableExecuteApiEndpoint: api.disableExecuteApiEndpoint,
    })
  }
  const soleApi = apis.size === 1 ? ([...apis.values()][0] as CompiledApi) : null
  const websocketApis = new Map<string, CompiledWebSocketApi>()
  for (const api of config.websocketApis) {
    const compiled = compileWebSocketApi(api, pools, accountLayer, backends, { sinks: options.sinks, destinations: accessLogDestinations })
    // As for HTTP APIs: entries sharing an id (one per deployment) are one API.
    const earlier = websocketApis.get(api.apiId)
    if (earlier !== undefined) for (const [name, stage] of earlier.stages) if (!compiled.stages.has(name)) (compiled.stages as Map<string, CompiledWebSocketStage>).set(name, stage)
    websocketApis.set(api.apiId, compiled)
  }
  const domains = new DomainNames(config.domainNames.map((d) => compileDomainName(d, apis, websocketApis)))
  const soleWebSocketApi = websocketApis.size === 1 ? ([...websocketApis.values()][0] as CompiledWebSocketApi) : null
  return { config, apis, soleApi, domains, websocketApis, soleWebSocketApi, pools, limiter: options.limiter, accessLogDestinations, upstreamAgentKeys }
}

/**
 * A route's layers (spec 6.1): its `routeSettings` limits, else the stage's
 * `defaultRouteSettings`, in a bucket of its own per stage and route; then the account's.
 * The key carries the stage and route so buckets are never shared between them.
 */
function throttleLayers(apiId: string, stage: StageDefinition, routeKey: string, account: ThrottleLayer | null): ThrottleLayer[] | null {
  const limits = stage.routeThrottles.get(routeKey) ?? stage.defaultThrottle
  const layers: ThrottleLayer[] = []
  if (limits !== null) layers.push({ key: `route:${apiId}/${stage.stageName}/${routeKey}`, limits })
  if (account !== null) layers.push(account)
  return layers.length > 0 ? layers : null
}

function compileIntegration(
  integration: IntegrationDefinition,
  stage: StageDefinition,
  pools: ReadonlyMap<string, FunctionPool>,
  backends: Backends
): CompiledIntegration {
  const { upstreams, agentKeys } = backends
  const common = {
    integrationId: integration.integrationId,
    timeoutInMillis: integration.timeoutInMillis,
    // Validation has compiled these already; here they cannot fail.
    requestMapping: compileRequestParameters(integration.requestParameters).mapping,
    responseMapping: compileResponseParameters(integration.responseParameters).mapping,
  }
  if ('integrationSubtype' in integration) return compileServiceIntegration(integration, common, backends)
  if (integration.integrationType === 'AWS_PROXY') {
    return lambdaProxyIntegration({
      ...common,
      pool: poolFor(integration.integrationUri, stage, pools),
      payloadFormatVersion: integration.payloadFormatVersion,
    })
  }
  const uri = substituteStageVariables(integration.integrationUri, stage.stageVariables)
  const template = uri.ok ? parseTargetTemplate(uri.value) : null
  if (template === null) throw new Error(`Bug: ${integration.integrationUri} is not a valid backend URI in stage ${stage.stageName}`)
  const { key, dispatcher } = upstreams.get(integration.tls)
  agentKeys.add(key)
  return httpProxyIntegration({
    ...common,
    template,
    method: integration.integrationMethod === 'ANY' ? null : integration.integrationMethod,
    dispatcher,
  })
}

/** A first-class integration (spec 4.5): its subtype's parameters compiled, its service reached as configured. */
function compileServiceIntegration(
  integration: AwsServiceIntegrationDefinition,
  common: { readonly integrationId: string; readonly timeoutInMillis: number; readonly responseMapping: ResponseParameterMapping | null },
  { upstreams, agentKeys, aws }: Backends
): CompiledIntegration {
  const subtype = integrationSubtype(integration.integrationSubtype)
  const service = subtype === undefined ? undefined : awsService(subtype.service)
  if (subtype === undefined || service === undefined) throw new Error(`Bug: integrationSubtype ${integration.integrationSubtype} was not validated`)
  const parameters = Object.entries(integration.requestParameters).map(([name, value]) => {
    const compiled = compileValue(value, 'request')
    if (!compiled.ok) throw new Error(`Bug: requestParameters.${name} of ${integration.integrationId} was not validated`)
    return { name, evaluate: compiled.evaluate }
  })
  const { key, dispatcher } = upstreams.get(DEFAULT_UPSTREAM_TLS)
  agentKeys.add(key)
  return awsServiceIntegration({
    integrationId: common.integrationId,
    subtype,
    timeoutInMillis: common.timeoutInMillis,
    parameters,
    responseMapping: common.responseMapping,
    dispatcher,
    region: aws.region,
    signingName: service.signingName,
    endpoint: (region, hostPrefix) => {
      const found = serviceEndpoint(service, region, aws.endpoints, process.env)
      // A host prefix (`sync-`) belongs to AWS's own endpoints; a configured one is used as given.
      if (found.source !== 'AWS' || hostPrefix === '') return found.url
      return new URL(`${found.url.protocol}//${hostPrefix}${found.url.host}`)
    },
    credentials: aws.credentials?.credentials ?? null,
  })
}

function compileWebSocketApi(
  api: WebSocketApiDefinition,
  pools: ReadonlyMap<string, FunctionPool>,
  account: ThrottleLayer | null,
  backends: Backends,
  logs: { readonly sinks: AccessLogSinks; readonly destinations: Set<string> }
): CompiledWebSocketApi {
  const selectRoute = compileRouteSelection(api.routeSelectionExpression)
  if (selectRoute === null) throw new Error(`Bug: route selection expression ${api.routeSelectionExpression} was not validated`)
  const stages = new Map<string, CompiledWebSocketStage>()
  for (const stage of api.stages) {
    const routes = new Map<string, CompiledWebSocketRoute>()
    for (const r of api.routes) {
      const integration = r.integrationId === null ? undefined : api.integrations.get(r.integrationId)
      routes.set(r.routeKey, {
        routeKey: r.routeKey,
        integration: integration === undefined ? null : compileWebSocketIntegration(integration, stage, pools, backends),
        twoWay: r.twoWay,
        throttle: throttleLayers(api.apiId, stage, r.routeKey, account),
      })
    }
    const connectRoute = api.routes.find((r) => r.routeKey === '$connect')
    const authorizer = connectRoute?.authorizerId == null ? undefined : api.authorizers.get(connectRoute.authorizerId)
    const connect = routes.get('$connect') ?? null
    const disconnect = routes.get('$disconnect') ?? null
    routes.delete('$connect')
    routes.delete('$disconnect')
    stages.set(stage.stageName, {
      stageName: stage.stageName,
      stageVariables: Object.keys(stage.stageVariables).length > 0 ? stage.stageVariables : null,
      routes,
      connect,
      connectAuthorizer:
        authorizer === undefined
          ? null
          : { authorizerId: authorizer.authorizerId, pool: poolFor(authorizer.authorizerUri, stage, pools), identitySources: authorizer.identitySources },
      disconnect,
      apiKeys: api.routes.some((r) => r.routeKey === '$connect' && r.apiKeyRequired)
        ? new Set(api.apiKeys.filter((k) => k.stages === null || k.stages.has(stage.stageName)).map((k) => k.value))
        : null,
      apiKeySource: api.apiKeySource,
      accessLog: stage.accessLog === null ? null : websocketAccessLog(stage.accessLog, logs),
      connectThrottle: throttleLayers(api.apiId, stage, '$connect', account),
    })
  }
  return { apiId: api.apiId, name: api.name, selectRoute, stages }
}

function websocketAccessLog(
  def: NonNullable<StageDefinition['accessLog']>,
  logs: { readonly sinks: AccessLogSinks; readonly destinations: Set<string> }
): CompiledWebSocketStage['accessLog'] {
  logs.destinations.add(def.destination)
  return { format: compileAccessLogFormat<WebSocketLogRecord>(def.format, websocketContextVariable), sink: logs.sinks.get(def.destination) }
}

/** What integrations that call out need: backend connection pools and how to reach AWS services. */
interface Backends {
  readonly upstreams: UpstreamAgents
  readonly agentKeys: Set<string>
  readonly aws: AwsContext
}

interface AwsContext {
  readonly region: string
  readonly endpoints: Readonly<Record<string, string>>
  /** Looked up once per snapshot, where the AWS SDKs look. */
  readonly credentials: CredentialSource
}

function awsContext(config: GatehouseConfig): AwsContext {
  return { region: config.region, endpoints: config.aws.endpoints, credentials: findCredentials(config.aws.credentials, process.env) }
}

function compileWebSocketIntegration(
  integration: WebSocketIntegrationDefinition,
  stage: StageDefinition,
  pools: ReadonlyMap<string, FunctionPool>,
  { upstreams, agentKeys, aws }: Backends
): CompiledWebSocketIntegration {
  if (integration.integrationType === 'AWS_PROXY') {
    return lambdaRouteIntegration(poolFor(integration.integrationUri, stage, pools), integration.timeoutInMillis)
  }
  if (integration.integrationType === 'MOCK') return mockRouteIntegration(compileTemplates(integration.templates, integration.integrationId))
  if (integration.integrationType === 'AWS' && isLambdaInvocation(integration.integrationUri)) {
    return lambdaTemplateRouteIntegration(poolFor(integration.integrationUri, stage, pools), integration.timeoutInMillis, compileTemplates(integration.templates, integration.integrationId))
  }
  if (integration.integrationType === 'AWS') {
    const uri = parseServiceUri(integration.integrationUri)
    const service = uri.ok ? awsService(uri.service) : undefined
    const parameters = compileWebSocketParameters(integration.requestParameters)
    if (!uri.ok || service === undefined || !parameters.ok) throw new Error(`Bug: AWS integration ${integration.integrationId} was not validated`)
    const region = uri.region === '' ? aws.region : uri.region
    const { key, dispatcher } = upstreams.get(DEFAULT_UPSTREAM_TLS)
    agentKeys.add(key)
    return awsRouteIntegration({
      dispatcher,
      service,
      endpoint: serviceEndpoint(service, region, aws.endpoints, process.env).url,
      region,
      target: uri.kind === 'action' ? { kind: 'action', action: uri.action } : { kind: 'path', path: uri.path },
      method: integration.integrationMethod,
      credentials: aws.credentials?.credentials ?? null,
      timeoutInMillis: integration.timeoutInMillis,
      parameters: parameters.parameters,
      templates: compileTemplates(integration.templates, integration.integrationId),
    })
  }
  const uri = substituteStageVariables(integration.integrationUri, stage.stageVariables)
  if (!uri.ok) throw new Error(`Bug: ${integration.integrationUri} was not validated for stage ${stage.stageName}`)
  const url = new URL(uri.value)
  const parameters = compileWebSocketParameters(integration.requestParameters)
  if (!parameters.ok) throw new Error(`Bug: requestParameters of ${integration.integrationId} were not validated`)
  const { key, dispatcher } = upstreams.get(integration.tls)
  agentKeys.add(key)
  return httpRouteIntegration({
      dispatcher,
      origin: url.origin,
      path: url.pathname + url.search,
      method: integration.integrationMethod,
      timeoutInMillis: integration.timeoutInMillis,
      parameters: parameters.parameters,
      templates: integration.templates === null ? null : compileTemplates(integration.templates, integration.integrationId),
  })
}

function compileTemplates(def: WebSocketTemplatesDefinition, integrationId: string): CompiledTemplates {
  const template = (text: string): Template => {
    const compiled = compileTemplate(text)
    if (!compiled.ok) throw new Error(`Bug: a template of ${integrationId} was not validated`)
    return compiled.render
  }
  const requestTemplates = new Map(Object.entries(def.requestTemplates).map(([k, t]) => [k, template(t)] as const))
  const responses = def.integrationResponses.map((r) => {
    const key = r.integrationResponseKey
    const select = r.templateSelectionExpression === null ? null : compileResponseTemplateSelection(r.templateSelectionExpression)
    return {
      pattern: key === '$default' ? null : new RegExp(`^(?:${key.slice(1, -1)})$`),
      templates: new Map(Object.entries(r.responseTemplates).map(([k, t]) => [k, template(t)] as const)),
      select,
    }
  })
  // `/regex/` responses are tried first, in order; `$default` catches the rest.
  responses.sort((a, b) => (a.pattern === null ? 1 : 0) - (b.pattern === null ? 1 : 0))
  const selection = def.templateSelectionExpression === null ? null : compileRouteSelection(def.templateSelectionExpression)
  return { requestTemplates, passthroughBehavior: def.passthroughBehavior, templateSelection: selection, responses }
}

function compileDomainName(domain: DomainNameDefinition, apis: ReadonlyMap<string, CompiledApi>, websocketApis: ReadonlyMap<string, CompiledWebSocketApi>): CompiledDomainName {
  const websocketMappings = new Map<string, CompiledWebSocketMapping>()
  for (const m of domain.apiMappings) {
    const api = websocketApis.get(m.apiId)
    if (api === undefined) continue
    const stage = api.stages.get(m.stage)
    if (stage === undefined) throw new Error(`Bug: API mapping to ${m.apiId}/${m.stage} was not validated`)
    websocketMappings.set(m.apiMappingKey, { apiMappingKey: m.apiMappingKey, api, stage })
  }
  const mappings: CompiledApiMapping[] = domain.apiMappings.filter((m) => !websocketApis.has(m.apiId)).map((m) => {
    const api = apis.get(m.apiId)
    const stage = m.stage === DEFAULT_STAGE_NAME ? api?.defaultStage : api?.stages.get(m.stage)
    if (api === undefined || stage == null) throw new Error(`Bug: API mapping to ${m.apiId}/${m.stage} was not validated`)
    return { apiMappingKey: m.apiMappingKey, segments: m.apiMappingKey === '' ? [] : m.apiMappingKey.split('/'), api, stage }
  })
  return {
    domainName: domain.domainName,
    secureContext: createSecureContext({
      cert: domain.certificatePem,
      key: domain.privateKeyPem,
      // The truststore verifies client certificates; without mTLS none is trusted.
      ...(domain.truststore !== null ? { ca: [...domain.truststore.certificates] } : {}),
      minVersion: MIN_TLS_VERSION,
      secureOptions: NO_SESSION_TICKETS,
    }),
    mutualTls: domain.truststore !== null,
    mappings: mappings.filter((m) => m.segments.length > 0).sort((a, b) => b.segments.length - a.segments.length),
    unkeyed: mappings.find((m) => m.segments.length === 0) ?? null,
    websocketMappings,
  }
}

/** The pool of the function a Lambda URI names in a stage (validation has checked it exists). */
function poolFor(uri: string, stage: StageDefinition, pools: ReadonlyMap<string, FunctionPool>): FunctionPool {
  const name = resolveFunctionName(uri, stage.stageVariables)
  const pool = pools.get(name)
  if (pool === undefined) throw new Error(`Bug: ${uri} names unknown function ${name}`)
  return pool
}

/** Stops a replaced snapshot's environments once their invocations finish (except the pools `next` keeps). */
export function retire(snapshot: RuntimeSnapshot, next?: RuntimeSnapshot): void {
  const kept = new Set(next?.pools.values() ?? [])
  for (const pool of snapshot.pools.values()) if (!kept.has(pool)) pool.close()
}

/** Ends every environment of a snapshot now. */
export async function destroy(snapshot: RuntimeSnapshot): Promise<void> {
  await Promise.all([...snapshot.pools.values()].map((p) => p.destroy()))
}

