/**
 * @module
 * Turns the control plane's state into Gatehouse's config shape (what gatehouse.yaml holds), so
 * the usual validation, compile and atomic snapshot swap serve it. Each stage serves its
 * deployment's frozen definition: an API whose stages point at different deployments becomes
 * one config entry per deployment, under an alias id that `mergeConfigs` maps back.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FileApi } from './context.js'
import type { ApiDefinitionState, ApiState, PlaneState, Wire } from './state.js'

/** What the file config contributes to the control plane's document. */
export interface FileView {
  readonly region: string
  readonly accountId: string
  /** `iam` in the config file's shape, or `undefined`. */
  readonly iam: Wire | undefined
  /** Functions the file defines, in config shape (absolute handler paths), so references resolve. */
  readonly functions: Readonly<Record<string, Wire>>
  readonly apis: ReadonlyMap<string, FileApi>
}

export interface PlaneDocument {
  /** A config object for `loadConfigObject`. */
  readonly raw: Wire
  /** Alias API id → the API's id. */
  readonly aliases: ReadonlyMap<string, string>
  /** Functions the file view supplied (the file's own definitions win in the merge). */
  readonly fileFunctions: ReadonlySet<string>
}

const MISSING_FUNCTION_HANDLER = join(dirname(fileURLToPath(import.meta.url)), 'missing-function.handler')
const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/
const INVOCATION_ARN = /^arn:aws[a-z-]*:apigateway:[^:]*:lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/

function functionName(uri: string, variables: Readonly<Record<string, string>>): string {
  const sub = uri.replace(/\$\{stageVariables\.([A-Za-z0-9_]+)\}/g, (_, n: string) => variables[n] ?? '')
  const arn = INVOCATION_ARN.exec(sub)?.[1] ?? sub
  return FUNCTION_ARN.exec(arn)?.[1] ?? arn
}

export function buildDocument(state: PlaneState, file: FileView): PlaneDocument {
  const functions: Record<string, Wire> = {}
  for (const [name, fn] of Object.entries(state.functions)) {
    const c = fn.configuration
    const variables = (c['Environment'] as { Variables?: Record<string, string> } | undefined)?.Variables ?? {}
    functions[name] = {
      handler: c['Handler'] as string,
      runtime: c['Runtime'] as string,
      codeUri: fn.codeDir,
      timeout: c['Timeout'],
      memorySize: c['MemorySize'],
      ...(Object.keys(variables).length > 0 ? { environment: variables } : {}),
    }
  }
  const fileFunctions = new Set<string>()
  for (const [name, fn] of Object.entries(file.functions)) {
    if (functions[name] !== undefined) continue
    functions[name] = fn
    fileFunctions.add(name)
  }
  const apis: Wire[] = []
  const aliases = new Map<string, string>()
  const referenced = new Set<string>()
  for (const api of Object.values(state.apis)) {
    const groups = new Map<string, Wire[]>()
    for (const stage of Object.values(api.stages)) {
      const id = stage['deploymentId'] as string | undefined
      if (id === undefined || api.deployments[id] === undefined) continue
      groups.set(id, [...(groups.get(id) ?? []), stage])
    }
    const apiId = api.api['apiId'] as string
    for (const [deploymentId, stages] of groups) {
      const alias = groups.size === 1 ? apiId : `${apiId}${deploymentId}`
      if (alias !== apiId) aliases.set(alias, apiId)
      const definition = (api.deployments[deploymentId] as { definition: ApiDefinitionState }).definition
      apis.push(apiEntry(alias, api, definition, stages, referenced))
    }
  }
  // Names no function answers to fail at invocation, as Lambda's would (see missing-function.ts).
  for (const name of referenced) {
    if (functions[name] === undefined && /^[A-Za-z0-9_-]{1,64}$/.test(name)) functions[name] = { handler: MISSING_FUNCTION_HANDLER }
  }
  const raw: Wire = { region: file.region, accountId: file.accountId, functions, apis }
  if (file.iam !== undefined) raw['iam'] = file.iam
  return { raw, aliases, fileFunctions }
}

function apiEntry(alias: string, api: ApiState, d: ApiDefinitionState, stages: readonly Wire[], referenced: Set<string>): Wire {
  const http = api.api['protocolType'] === 'HTTP'
  const refer = (uri: unknown): void => {
    if (typeof uri !== 'string') return
    for (const stage of stages) referenced.add(functionName(uri, (stage['stageVariables'] as Record<string, string> | undefined) ?? {}))
  }
  const routes = Object.values(d.routes).map((r) => {
    const responses = Object.values(d.routeResponses[r['routeId'] as string] ?? {})
    const twoWay = responses.some((x) => x['routeResponseKey'] === '$default') && r['routeResponseSelectionExpression'] !== undefined
    return pick(r, ['routeId', 'routeKey', 'target', 'authorizationType', 'authorizerId', 'authorizationScopes', ...(http ? [] : ['apiKeyRequired'])], {
      ...(twoWay ? { routeResponseSelectionExpression: '$default' } : {}),
    })
  })
  const integrations = Object.values(d.integrations).map((i) => {
    const type = i['integrationType']
    // An AWS (non-proxy) integration runs a local function when its URI is a Lambda invocation ARN.
    if (type === 'AWS_PROXY' || (type === 'AWS' && INVOCATION_ARN.test(String(i['integrationUri'])))) refer(i['integrationUri'])
    const common = ['integrationId', 'integrationType', 'integrationUri', 'integrationMethod', 'timeoutInMillis', 'requestParameters']
    if (http) {
      // First-class integrations: the subtype names the action; the role is recorded, not assumed.
      const firstClass = i['integrationSubtype'] !== undefined ? ['integrationSubtype', 'credentialsArn'] : []
      return pick(i, [...common, ...firstClass, 'payloadFormatVersion', 'responseParameters', 'tlsConfig'])
    }
    const responses = Object.values(d.integrationResponses[i['integrationId'] as string] ?? {}).map((x) => pick(x, ['integrationResponseKey', 'responseTemplates', 'templateSelectionExpression']))
    const templated = type === 'HTTP' || type === 'MOCK' || type === 'AWS'
    const templates = templated ? ['requestTemplates', 'templateSelectionExpression', 'passthroughBehavior'] : []
    return pick(i, [...common, ...templates, ...(type === 'AWS' ? ['credentialsArn'] : [])], templated ? { integrationResponses: responses } : {})
  })
  const authorizers = Object.values(d.authorizers).map((a) => {
    if (a['authorizerType'] === 'REQUEST') refer(a['authorizerUri'])
    return pick(a, ['authorizerId', 'name', 'authorizerType', 'identitySource', 'jwtConfiguration', 'authorizerUri', 'authorizerPayloadFormatVersion', 'enableSimpleResponses', 'authorizerResultTtlInSeconds'])
  })
  const entry: Wire = {
    apiId: alias,
    name: d.api['name'],
    protocolType: api.api['protocolType'],
    routes,
    integrations,
    authorizers,
    stages: stages.map(stageEntry),
  }
  if (http) {
    entry['disableExecuteApiEndpoint'] = api.api['disableExecuteApiEndpoint'] === true
    if (d.api['corsConfiguration'] !== undefined) entry['corsConfiguration'] = d.api['corsConfiguration']
  } else {
    entry['routeSelectionExpression'] = d.api['routeSelectionExpression']
    if (d.api['apiKeySelectionExpression'] !== undefined) entry['apiKeySelectionExpression'] = d.api['apiKeySelectionExpression']
  }
  return entry
}

/** Route settings the data plane acts on (throttling); logging and metrics switches are AWS-console concerns. */
function servedSettings(settings: unknown): Wire | undefined {
  if (typeof settings !== 'object' || settings === null) return undefined
  const picked = pick(settings as Wire, ['throttlingBurstLimit', 'throttlingRateLimit'])
  return Object.keys(picked).length > 0 ? picked : undefined
}

function stageEntry(stage: Wire): Wire {
  const entry = pick(stage, ['stageName', 'stageVariables'])
  const defaults = servedSettings(stage['defaultRouteSettings'])
  if (defaults !== undefined) entry['defaultRouteSettings'] = defaults
  const perRoute: Wire = {}
  for (const [key, settings] of Object.entries((stage['routeSettings'] as Wire | undefined) ?? {})) {
    const served = servedSettings(settings)
    if (served !== undefined) perRoute[key] = served
  }
  if (Object.keys(perRoute).length > 0) entry['routeSettings'] = perRoute
  const logs = stage['accessLogSettings'] as { format?: string } | undefined
  if (logs?.format !== undefined) entry['accessLogSettings'] = { format: logs.format }
  return entry
}

function pick(from: Wire, names: readonly string[], extra: Wire = {}): Wire {
  const out: Wire = {}
  for (const n of names) if (from[n] !== undefined) out[n] = from[n]
  return { ...out, ...extra }
}
