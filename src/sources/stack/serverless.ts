/**
 * @module
 * Translates a serverless.yml (Serverless Framework v3/v4, provider aws) with `httpApi`
 * events into Gatehouse's config shape. Variables are resolved first (sources/serverless).
 */
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { derivedApiId, formatPath, type LoadedTemplate, type TemplatePath, type TemplateProblem } from '../cloudformation/index.js'
import { isObj, num, str, type Obj } from './values.js'
import { resolveServerlessVariables, DEFAULT_SERVERLESS_REGION, DEFAULT_SERVERLESS_STAGE } from '../serverless/index.js'
import { configPathKey, deprecatedRuntimeWarning, runtimeSupport, servedRuntime, unsupportedRuntimeProblem, type ConfigPath, type TranslatedStack } from './translate.js'

export interface ServerlessTranslateOptions {
  readonly stage?: string
  readonly region?: string
  readonly env?: Readonly<Record<string, string>>
}


/** What well-known plugins would have done, for the warning that names them. */
export const PLUGIN_EFFECTS: Readonly<Record<string, string>> = {
  'serverless-esbuild': 'would bundle handlers with esbuild; Gatehouse runs the handler files as they are',
  'serverless-webpack': 'would bundle handlers with webpack; Gatehouse runs the handler files as they are',
  'serverless-plugin-typescript': 'would compile TypeScript handlers; Gatehouse runs the handler files as they are',
  'serverless-offline': 'would serve the API locally; Gatehouse does that itself',
  'serverless-dotenv-plugin': 'would load .env into the functions\' environment; set those variables in provider.environment or the shell',
  'serverless-domain-manager': 'would create custom domain names; not served',
  'serverless-prune-plugin': 'would prune old Lambda versions; nothing to do locally',
  'serverless-iam-roles-per-function': 'would create IAM roles; IAM is not evaluated locally',
}

/** The Framework's headers for `cors: true`. */
const DEFAULT_CORS_HEADERS = ['Content-Type', 'X-Amz-Date', 'Authorization', 'X-Api-Key', 'X-Amz-Security-Token', 'X-Amz-User-Agent', 'X-Amzn-Trace-Id']
/** The logical ids the Framework gives its HTTP API and its WebSocket API. */
const HTTP_API_LOGICAL_ID = 'HttpApi'
const WEBSOCKETS_API_LOGICAL_ID = 'WebsocketsApi'
/** The Framework's defaults: route selection, and the identity source of a websocket authorizer. */
const DEFAULT_WEBSOCKETS_ROUTE_SELECTION = '$request.body.action'
const DEFAULT_WEBSOCKETS_AUTHORIZER_IDENTITY = ['route.request.header.Auth']
/** The Framework's access log formats for `logs.httpApi: true` and `logs.websocket: true`. */
export const SERVERLESS_HTTP_API_LOG_FORMAT =
  '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength"}'
export const SERVERLESS_WEBSOCKET_LOG_FORMAT =
  '$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.eventType $context.routeKey $context.connectionId" $context.status $context.requestId'

/** `logs.httpApi` / `logs.websocket`: true (the Framework's format) or `{ format }`. */
function accessLogOf(value: unknown, defaultFormat: string): Obj | undefined {
  if (value === true) return { format: defaultFormat }
  if (isObj(value) && value['accessLogging'] !== false) return { format: str(value['format']) ?? defaultFormat }
  return undefined
}

function corsOf(value: unknown): unknown {
  if (value === true) return { allowOrigins: ['*'], allowHeaders: DEFAULT_CORS_HEADERS, allowMethods: ['*'] }
  if (!isObj(value)) return undefined
  const out: Obj = {}
  if (value['allowedOrigins'] !== undefined) out['allowOrigins'] = value['allowedOrigins']
  else out['allowOrigins'] = ['*']
  out['allowHeaders'] = value['allowedHeaders'] ?? DEFAULT_CORS_HEADERS
  out['allowMethods'] = value['allowedMethods'] ?? ['*']
  if (value['allowCredentials'] !== undefined) out['allowCredentials'] = value['allowCredentials'] === true
  if (value['exposedResponseHeaders'] !== undefined) out['exposeHeaders'] = value['exposedResponseHeaders']
  if (value['maxAge'] !== undefined) out['maxAge'] = num(value['maxAge'])
  return out
}

export function translateServerless(doc: LoadedTemplate, options: ServerlessTranslateOptions = {}): TranslatedStack {
  const problems: TemplateProblem[] = []
  const warnings: TemplateProblem[] = []
  const origins = new Map<string, TemplatePath>()
  const problem = (path: TemplatePath, message: string): void => void problems.push({ file: doc.file, line: doc.line(path), path: formatPath(path), message })
  const warning = (path: TemplatePath, message: string): void => void warnings.push({ file: doc.file, line: doc.line(path), path: formatPath(path), message })
  const origin = (to: ConfigPath, from: TemplatePath): void => void origins.set(configPathKey(to), from)
  const baseDir = dirname(resolve(doc.file))

  const resolved = resolveServerlessVariables(doc, {
    ...(options.stage !== undefined ? { stage: options.stage } : {}),
    ...(options.region !== undefined ? { region: options.region } : {}),
    env: options.env ?? (process.env as Record<string, string>),
  })
  problems.push(...resolved.problems)
  warnings.push(...resolved.warnings)
  const root = isObj(resolved.value) ? resolved.value : {}
  const service = str(root['service']) ?? (isObj(root['service']) ? str(root['service']['name']) : undefined) ?? 'service'
  const provider = isObj(root['provider']) ? root['provider'] : {}
  if (provider['name'] !== undefined && provider['name'] !== 'aws') problem(['provider', 'name'], `provider ${String(provider['name'])} is not served: only aws`)
  const stage = options.stage ?? str(provider['stage']) ?? DEFAULT_SERVERLESS_STAGE
  const region = options.region ?? str(provider['region']) ?? DEFAULT_SERVERLESS_REGION
  const httpApi = isObj(provider['httpApi']) ? provider['httpApi'] : {}
  if (root['resources'] !== undefined) warning(['resources'], 'resources (raw CloudFormation) are not served; they are ignored')
  const plugins = Array.isArray(root['plugins']) ? root['plugins'] : isObj(root['plugins']) && Array.isArray(root['plugins']['modules']) ? root['plugins']['modules'] : []
  if (plugins.length > 0) {
    const named = plugins.map((p) => String(p)).map((p) => `${p} (${PLUGIN_EFFECTS[p] ?? 'not run: Gatehouse reads serverless.yml without the Framework'})`)
    warning(['plugins'], `plugins are not run: ${named.join('; ')}`)
  }
  if (provider['apiGateway'] !== undefined) warning(['provider', 'apiGateway'], 'provider.apiGateway configures REST APIs, which are not served; it is ignored')

  const functions: Obj = {}
  const routes: Obj[] = []
  const integrations: Obj[] = []
  const wsRoutes: Obj[] = []
  const wsIntegrations: Obj[] = []
  const wsAuthorizers = new Map<string, Obj>()
  const wsOrigins: [ConfigPath, TemplatePath][] = []
  const warnedRuntimes = new Set<string>()
  const otherEvents = new Map<string, string[]>()
  const names = new Map<string, string>()
  const fnDefs = isObj(root['functions']) ? root['functions'] : {}
  for (const [key, def] of Object.entries(fnDefs)) {
    if (!isObj(def)) continue
    names.set(key, str(def['name']) ?? `${service}-${stage}-${key}`)
  }
  for (const [key, def] of Object.entries(fnDefs)) {
    const at: TemplatePath = ['functions', key]
    if (!isObj(def)) {
      problem(at, 'a function must be a mapping with a handler')
      continue
    }
    const name = names.get(key) ?? key
    if (def['image'] !== undefined) {
      problem([...at, 'image'], 'container image functions are not supported yet: zip functions run in this version')
      continue
    }
    const runtime = str(def['runtime']) ?? str(provider['runtime']) ?? 'nodejs20.x'
    const runtimeAt: TemplatePath = def['runtime'] !== undefined ? [...at, 'runtime'] : ['provider', 'runtime']
    const support = runtimeSupport(runtime)
    if (support === 'refused') {
      problem(runtimeAt, unsupportedRuntimeProblem(runtime))
      continue
    }
    // provider.runtime is shared: its warning is given once, not per function.
    if (support === 'deprecated' && !warnedRuntimes.has(runtimeAt.join('.'))) {
      warnedRuntimes.add(runtimeAt.join('.'))
      warning(runtimeAt, deprecatedRuntimeWarning(runtime))
    }
    const handler = str(def['handler'])
    if (handler === undefined) {
      problem(at, 'handler is required')
      continue
    }
    const entry: Obj = { handler, runtime: servedRuntime(runtime), codeUri: baseDir }
    origin(['functions', name], at)
    origin(['functions', name, 'runtime'], def['runtime'] !== undefined ? [...at, 'runtime'] : ['provider', 'runtime'])
    origin(['functions', name, 'handler'], [...at, 'handler'])
    const timeout = num(def['timeout'] ?? provider['timeout'])
    entry['timeout'] = timeout ?? 6
    origin(['functions', name, 'timeout'], def['timeout'] !== undefined ? [...at, 'timeout'] : ['provider', 'timeout'])
    entry['memorySize'] = num(def['memorySize'] ?? provider['memorySize']) ?? 1024
    origin(['functions', name, 'memorySize'], def['memorySize'] !== undefined ? [...at, 'memorySize'] : ['provider', 'memorySize'])
    const reserved = num(def['reservedConcurrency'])
    if (reserved !== undefined) entry['reservedConcurrency'] = reserved
    const env = { ...(isObj(provider['environment']) ? provider['environment'] : {}), ...(isObj(def['environment']) ? def['environment'] : {}) }
    if (Object.keys(env).length > 0) entry['environment'] = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, str(v) ?? JSON.stringify(v)]))
    functions[name] = entry
    const events = Array.isArray(def['events']) ? def['events'] : []
    events.forEach((event, i) => {
      const eat: TemplatePath = [...at, 'events', i]
      if (!isObj(event)) return
      const type = Object.keys(event)[0] ?? '?'
      if (type === 'http') return problem([...eat, 'http'], 'http events belong to a REST API: REST APIs are not served (use httpApi)')
      if (type === 'websocket') return addWebsocketEvent(key, name, event['websocket'], eat)
      if (type !== 'httpApi') {
        const list = otherEvents.get(type) ?? []
        list.push(`${key}[${i}]`)
        otherEvents.set(type, list)
        return
      }
      const ev = event['httpApi']
      let routeKey: string
      let authorizer: unknown
      if (typeof ev === 'string') routeKey = ev === '*' ? '$default' : ev.replace(/^(\S+)\s+/, (_, m: string) => `${m === '*' ? 'ANY' : m.toUpperCase()} `)
      else if (isObj(ev)) {
        const method = str(ev['method']) ?? '*'
        const path = str(ev['path'])
        if (path === undefined) return problem([...eat, 'httpApi'], 'an httpApi event needs a path (or "*")')
        routeKey = method === '*' && path === '*' ? '$default' : `${method === '*' ? 'ANY' : method.toUpperCase()} ${path}`
        authorizer = ev['authorizer']
      } else return problem([...eat, 'httpApi'], 'httpApi must be "METHOD /path", "*" or a mapping with method and path')
      const integrationId = `${key}${i}`
      const integration: Obj = { integrationId, integrationType: 'AWS_PROXY', integrationUri: name, payloadFormatVersion: str(httpApi['payload']) ?? '2.0' }
      const route: Obj = { routeKey, target: `integrations/${integrationId}` }
      if (isObj(authorizer)) {
        const authName = str(authorizer['name']) ?? str(authorizer['id'])
        if (authorizer['type'] === 'aws_iam') route['authorizationType'] = 'AWS_IAM'
        else if (authName !== undefined) {
          const authDef = isObj(httpApi['authorizers']) ? httpApi['authorizers'][authName] : undefined
          route['authorizationType'] = isObj(authDef) && authDef['type'] === 'request' ? 'CUSTOM' : 'JWT'
          route['authorizerId'] = authName
          if (Array.isArray(authorizer['scopes'])) route['authorizationScopes'] = authorizer['scopes']
        }
      }
      const r = routes.length
      origin(['apis', 0, 'routes', r], eat)
      origin(['apis', 0, 'routes', r, 'routeKey'], [...eat, 'httpApi'])
      origin(['apis', 0, 'integrations', r], eat)
      routes.push(route)
      integrations.push(integration)
    })
  }
  /** A `websocket` event: one route of the service's WebSocket API, AWS_PROXY to the function. */
  function addWebsocketEvent(key: string, name: string, ev: unknown, eat: TemplatePath): void {
    const def = typeof ev === 'string' ? { route: ev } : ev
    if (!isObj(def) || str(def['route']) === undefined) return problem([...eat, 'websocket'], 'a websocket event needs a route ("$connect", "$default", or an action)')
    const routeKey = str(def['route']) as string
    const integrationId = `${key}WebsocketsIntegration`
    if (!wsIntegrations.some((i) => i['integrationId'] === integrationId)) {
      wsIntegrations.push({ integrationId, integrationType: 'AWS_PROXY', integrationUri: name })
    }
    const route: Obj = { routeKey, target: `integrations/${integrationId}` }
    const rrse = str(def['routeResponseSelectionExpression'])
    if (rrse !== undefined) route['routeResponseSelectionExpression'] = rrse
    const authorizer = def['authorizer']
    if (authorizer !== undefined) {
      if (routeKey !== '$connect') return problem([...eat, 'websocket', 'authorizer'], 'a websocket authorizer is only allowed on the $connect route')
      // A string is a function of this service, or an ARN (`arn:aws:lambda:...`).
      const a = typeof authorizer === 'string' ? (authorizer.startsWith('arn:') ? { arn: authorizer } : { name: authorizer }) : authorizer
      if (!isObj(a)) return problem([...eat, 'websocket', 'authorizer'], 'authorizer must be a function name or { name | arn, identitySource }')
      const fnKey = str(a['name'])
      const uri = fnKey !== undefined ? names.get(fnKey) : str(a['arn'])
      if (uri === undefined) return problem([...eat, 'websocket', 'authorizer'], fnKey !== undefined ? `authorizer function "${fnKey}" is not a function of this service` : 'authorizer needs a name (a function of this service) or an arn')
      const authorizerId = `${fnKey ?? 'Arn'}WebsocketsAuthorizer`
      const identity = a['identitySource'] === undefined ? DEFAULT_WEBSOCKETS_AUTHORIZER_IDENTITY : Array.isArray(a['identitySource']) ? a['identitySource'] : [a['identitySource']]
      wsAuthorizers.set(authorizerId, { authorizerId, name: authorizerId, authorizerType: 'REQUEST', authorizerUri: uri, identitySource: identity })
      wsOrigins.push([['apis', 'ws', 'authorizers', authorizerId], [...eat, 'websocket', 'authorizer']])
      route['authorizationType'] = 'CUSTOM'
      route['authorizerId'] = authorizerId
    }
    wsOrigins.push([['apis', 'ws', 'routes', wsRoutes.length], eat])
    wsRoutes.push(route)
  }
  if (otherEvents.size > 0) {
    warning(['functions'], `event sources not served locally, ignored: ${[...otherEvents].map(([t, ids]) => `${t} (${ids.join(', ')})`).join('; ')}`)
  }
  const apis: Obj[] = []
  if (routes.length > 0) {
    const api: Obj = { name: str(httpApi['name']) ?? `${stage}-${service}`, apiId: derivedApiId(HTTP_API_LOGICAL_ID), protocolType: 'HTTP', routes, integrations }
    origin(['apis', 0], ['provider', 'httpApi'])
    const cors = corsOf(httpApi['cors'])
    if (cors !== undefined) {
      api['corsConfiguration'] = cors
      origin(['apis', 0, 'corsConfiguration'], ['provider', 'httpApi', 'cors'])
    }
    if (httpApi['disableDefaultEndpoint'] === true) api['disableExecuteApiEndpoint'] = true
    const authorizers: Obj[] = []
    if (isObj(httpApi['authorizers'])) {
      for (const [authName, def] of Object.entries(httpApi['authorizers'])) {
        if (!isObj(def)) continue
        origin(['apis', 0, 'authorizers', authorizers.length], ['provider', 'httpApi', 'authorizers', authName])
        if (def['type'] === 'request') {
          const fn = str(def['functionName'])
          const out: Obj = {
            authorizerId: authName,
            name: authName,
            authorizerType: 'REQUEST',
            authorizerUri: fn !== undefined ? names.get(fn) ?? fn : str(def['functionArn']),
            authorizerPayloadFormatVersion: str(def['payloadVersion']) ?? '2.0',
          }
          if (def['enableSimpleResponses'] !== undefined) out['enableSimpleResponses'] = def['enableSimpleResponses'] === true
          if (def['identitySource'] !== undefined) out['identitySource'] = def['identitySource']
          const ttl = num(def['resultTtlInSeconds'])
          if (ttl !== undefined) out['authorizerResultTtlInSeconds'] = ttl
          authorizers.push(out)
        } else {
          const audience = def['audience']
          authorizers.push({
            authorizerId: authName,
            name: authName,
            authorizerType: 'JWT',
            identitySource: def['identitySource'] ?? '$request.header.Authorization',
            jwtConfiguration: { issuer: str(def['issuerUrl']), audience: Array.isArray(audience) ? audience : audience === undefined ? [] : [audience] },
          })
        }
      }
    }
    if (authorizers.length > 0) api['authorizers'] = authorizers
    const accessLog = accessLogOf(isObj(provider['logs']) ? provider['logs']['httpApi'] : undefined, SERVERLESS_HTTP_API_LOG_FORMAT)
    api['stages'] = [{ stageName: '$default', ...(accessLog !== undefined ? { accessLogSettings: accessLog } : {}) }]
    if (accessLog !== undefined) origin(['apis', 0, 'stages', 0, 'accessLogSettings'], ['provider', 'logs', 'httpApi'])
    apis.push(api)
  }
  if (wsRoutes.length > 0) {
    // The Framework deploys the WebSocket API to a stage named after the service's stage.
    const index = apis.length
    const api: Obj = {
      name: str(provider['websocketsApiName']) ?? `${stage}-${service}-websockets`,
      apiId: derivedApiId(WEBSOCKETS_API_LOGICAL_ID),
      protocolType: 'WEBSOCKET',
      routeSelectionExpression: str(provider['websocketsApiRouteSelectionExpression']) ?? DEFAULT_WEBSOCKETS_ROUTE_SELECTION,
      routes: wsRoutes,
      integrations: wsIntegrations,
    }
    if (wsAuthorizers.size > 0) api['authorizers'] = [...wsAuthorizers.values()]
    const accessLog = accessLogOf(isObj(provider['logs']) ? provider['logs']['websocket'] : undefined, SERVERLESS_WEBSOCKET_LOG_FORMAT)
    api['stages'] = [{ stageName: stage, ...(accessLog !== undefined ? { accessLogSettings: accessLog } : {}) }]
    origin(['apis', index], ['functions'])
    if (accessLog !== undefined) origin(['apis', index, 'stages', 0, 'accessLogSettings'], ['provider', 'logs', 'websocket'])
    const authorizerIds = [...wsAuthorizers.keys()]
    for (const [to, from] of wsOrigins) {
      const [, , kind, which] = to
      if (kind === 'authorizers') origin(['apis', index, 'authorizers', authorizerIds.indexOf(String(which))], from)
      else {
        origin(['apis', index, kind as string, which as number], from)
        origin(['apis', index, kind as string, which as number, 'routeKey'], [...from, 'websocket'])
      }
    }
    apis.push(api)
  }
  if (apis.length === 0 && problems.length === 0) {
    problem(['functions'], 'the service has no httpApi or websocket events to serve')
  }
  for (const [name, fn] of Object.entries(functions)) {
    const raw = str((fn as Obj)['handler'])
    const handler = raw === undefined ? undefined : resolve(baseDir, raw)
    if (handler !== undefined && !existsSync(dirname(handler))) problem(origins.get(configPathKey(['functions', name, 'handler'])) ?? ['functions'], `handler folder not found: ${dirname(handler)}`)
  }
  return {
    kind: 'serverless',
    config: { region, functions, apis },
    origins,
    problems,
    warnings,
    sourceFiles: [resolve(doc.file)],
  }
}
