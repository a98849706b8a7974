/**
 * @module
 * Checks WebSocket APIs (spec 10): `routeSelectionExpression`, the `$connect`,
 * `$disconnect`, `$default` and custom routes, Lambda proxy integrations, a Lambda `REQUEST`
 * authorizer on `$connect`, and named stages.
 */
import type { Draft } from './drafts.js'
import type { LoadedDocument } from './load-file.js'
import type * as M from '../model/index.js'
import { fieldOrigin, type Reporter } from './reporter.js'
import type * as S from './schema.js'
import { compileRouteSelection } from '../websocket/index.js'
import { compileWebSocketParameters } from '../websocket/index.js'
import { compileResponseTemplateSelection, compileTemplate } from '../websocket/index.js'
import { checkHttpUri, checkTlsConfig } from './integrations.js'
import { isLambdaInvocation } from './integration-uri.js'
import { HTTP_METHODS } from '../model/index.js'
import { awsService, awsServiceNames, parseServiceUri } from '../aws/index.js'

/** Integration timeout of WebSocket APIs: 50 ms to 29 s (spec 10.2). */
export const WEBSOCKET_MAX_INTEGRATION_TIMEOUT_MS = 29_000
export const WEBSOCKET_MIN_INTEGRATION_TIMEOUT_MS = 50
const SPECIAL_ROUTE_KEYS = new Set(['$connect', '$disconnect', '$default'])
const IDENTITY_SOURCE = /^route\.request\.(header|querystring)\.([A-Za-z0-9._$-]+)$/

export interface WebSocketCheckContext {
  readonly doc: LoadedDocument
  readonly stagesDoc: LoadedDocument
  readonly apiId: string
  readonly stages: readonly M.StageDefinition[]
  readonly checkFunction: (uri: string, origin: M.Origin) => void
  readonly baseDir: string
  readonly watch: (file: string) => void
}

export function checkWebSocketApi(
  draft: {
    readonly name: string
    readonly routeSelectionExpression?: string | undefined
    readonly apiKeys?: S.ApiKeysInput | undefined
    readonly apiKeySelectionExpression?: string | undefined
    readonly routes: readonly Draft<S.RouteInput>[] 
    readonly integrations: readonly Draft<S.IntegrationInput>[]
    readonly authorizers: readonly Draft<S.AuthorizerInput>[]
    readonly origin: M.Origin
  },
  ctx: WebSocketCheckContext,
  reporter: Reporter
): M.WebSocketApiDefinition | undefined {
  const before = reporter.count
  const at = <T>(d: Draft<T> | { origin: M.Origin }, field: string) => fieldOrigin(ctx.doc, d.origin, field)
  const expression = draft.routeSelectionExpression
  if (expression === undefined || expression === '') {
    reporter.at(draft.origin, 'routeSelectionExpression is required for WebSocket APIs (typically $request.body.action)', 'routeSelectionExpression')
  } else if (compileRouteSelection(expression) === null) {
    reporter.at(
      fieldOrigin(ctx.stagesDoc, draft.origin, 'routeSelectionExpression'),
      `routeSelectionExpression "${expression}" can only use $request.body.<JSONPath> (or \${request.body.<JSONPath>}) and literals`
    )
  }
  const stages = ctx.stages.filter((s) => s.stageName !== '$default')
  if (stages.length !== ctx.stages.length || stages.length === 0) {
    reporter.at(draft.origin, 'a WebSocket API needs named stages ("$default" is for HTTP APIs): clients connect to ws://HOST/{stageName}', 'stages')
  }

  const integrations = new Map<string, M.WebSocketIntegrationDefinition>()
  for (const d of draft.integrations) {
    const input = d.input
    const type = input.integrationType
    if (type === 'AWS') {
      const aws = checkAwsIntegration(input, (field) => at(d, field), reporter, ctx.doc, ctx.checkFunction)
      if (aws !== undefined) integrations.set(input.integrationId, { ...aws, origin: d.origin })
      continue
    }
    if (type === 'MOCK') {
      for (const field of ['integrationUri', 'requestParameters', 'tlsConfig', 'integrationMethod'] as const) {
        if (input[field] !== undefined) reporter.at(at(d, field), `${field} does not apply to MOCK integrations`)
      }
      const templates = checkTemplates(input, (field) => at(d, field), reporter, ctx.doc)
      if (templates !== undefined) integrations.set(input.integrationId, { integrationType: 'MOCK', integrationId: input.integrationId, templates, origin: d.origin })
      continue
    }
    let templates: M.WebSocketTemplatesDefinition | null = null
    if (type === 'HTTP') templates = checkTemplates(input, (field) => at(d, field), reporter, ctx.doc) ?? null
    else {
      for (const field of ['requestTemplates', 'templateSelectionExpression', 'integrationResponses', 'passthroughBehavior'] as const) {
        if (input[field] !== undefined) reporter.at(at(d, field), `${field} apply to MOCK, HTTP and AWS integrations only (proxy integrations pass messages through)`)
      }
    }
    const timeout = input.timeoutInMillis ?? WEBSOCKET_MAX_INTEGRATION_TIMEOUT_MS
    if (timeout < WEBSOCKET_MIN_INTEGRATION_TIMEOUT_MS || timeout > WEBSOCKET_MAX_INTEGRATION_TIMEOUT_MS) {
      reporter.at(at(d, 'timeoutInMillis'), `timeoutInMillis must be between ${WEBSOCKET_MIN_INTEGRATION_TIMEOUT_MS} and ${WEBSOCKET_MAX_INTEGRATION_TIMEOUT_MS} for WebSocket APIs`)
    }
    for (const field of ['responseParameters', 'integrationSubtype'] as const) {
      if (input[field] !== undefined) reporter.at(at(d, field), `${field} is not supported for WebSocket integrations`)
    }
    if (integrations.has(input.integrationId)) reporter.at(at(d, 'integrationId'), `integrationId "${input.integrationId}" is used twice`)
    if (input.integrationUri === undefined) {
      reporter.at(d.origin, `integrationUri is required: ${type === 'AWS_PROXY' ? 'the Lambda function name or ARN' : 'the backend URL'}`, 'integrationUri')
      continue
    }
    if (type === 'AWS_PROXY') {
      for (const field of ['requestParameters', 'tlsConfig'] as const) {
        if (input[field] !== undefined) reporter.at(at(d, field), `${field} is not supported for Lambda proxy integrations of WebSocket APIs`)
      }
      ctx.checkFunction(input.integrationUri, at(d, 'integrationUri'))
      integrations.set(input.integrationId, { integrationType: 'AWS_PROXY', integrationId: input.integrationId, integrationUri: input.integrationUri, timeoutInMillis: timeout, origin: d.origin })
      continue
    }
    checkHttpUri(input.integrationUri, at(d, 'integrationUri'), ctx.stages, reporter)
    const method = (input.integrationMethod ?? 'POST').toUpperCase()
    if (!(HTTP_METHODS as readonly string[]).includes(method)) reporter.at(at(d, 'integrationMethod'), `integrationMethod must be one of ${HTTP_METHODS.join(', ')}`)
    const parameters = (input.requestParameters ?? {}) as Record<string, unknown>
    const compiled = compileWebSocketParameters(parameters)
    if (!compiled.ok) reporter.at(at(d, 'requestParameters'), compiled.reason, compiled.key)
    const tls = checkTlsConfig(input.tlsConfig, at(d, 'tlsConfig'), { doc: ctx.doc, stages: ctx.stages, baseDir: ctx.baseDir, checkFunction: ctx.checkFunction, watch: ctx.watch }, reporter)
    integrations.set(input.integrationId, {
      integrationType: type,
      integrationId: input.integrationId,
      templates,
      integrationUri: input.integrationUri,
      integrationMethod: method,
      timeoutInMillis: timeout,
      requestParameters: parameters as Record<string, string>,
      tls,
      origin: d.origin,
    })
  }

  const authorizers = new Map<string, M.WebSocketAuthorizerDefinition>()
  for (const d of draft.authorizers) {
    const input = d.input
    if (input.authorizerType !== 'REQUEST') {
      reporter.at(at(d, 'authorizerType'), 'WebSocket APIs support REQUEST (Lambda) authorizers only')
      continue
    }
    if (input.authorizerUri === undefined) {
      reporter.at(d.origin, 'authorizerUri is required: the Lambda function name or ARN', 'authorizerUri')
      continue
    }
    ctx.checkFunction(input.authorizerUri, at(d, 'authorizerUri'))
    const sources: M.WebSocketIdentitySource[] = []
    const list = input.identitySource === undefined ? [] : Array.isArray(input.identitySource) ? input.identitySource : input.identitySource.split(',').map((s) => s.trim())
    for (const source of list) {
      const m = IDENTITY_SOURCE.exec(source)
      if (m === null) {
        reporter.at(at(d, 'identitySource'), `"${source}" is not a WebSocket identity source: use route.request.header.NAME or route.request.querystring.NAME`)
        continue
      }
      sources.push({ kind: m[1] as 'header' | 'querystring', name: m[2] as string, expression: source })
    }
    authorizers.set(input.authorizerId, { authorizerId: input.authorizerId, authorizerUri: input.authorizerUri, identitySources: sources, origin: d.origin })
  }

  const routes: M.WebSocketRouteDefinition[] = []
  const keys = new Set<string>()
  for (const d of draft.routes) {
    const input = d.input
    const key = input.routeKey
    if (key.startsWith('$') && !SPECIAL_ROUTE_KEYS.has(key)) {
      reporter.at(at(d, 'routeKey'), `route key "${key}": keys starting with $ are reserved ($connect, $disconnect, $default)`)
    }
    if (keys.has(key)) reporter.at(at(d, 'routeKey'), `Route with key '${key}' already exists`)
    keys.add(key)
    let integrationId: string | null = null
    if (input.target !== undefined) {
      const id = /^integrations\/(.+)$/.exec(input.target)?.[1]
      if (id === undefined || !integrations.has(id)) {
        if (!draft.integrations.some((i) => i.input.integrationId === id)) reporter.at(at(d, 'target'), `target "${input.target}" does not name an integration of this API`)
      } else {
        integrationId = id
      }
    }
    const type = input.authorizationType ?? 'NONE'
    let authorizerId: string | null = null
    if (type !== 'NONE') {
      if (key !== '$connect') reporter.at(at(d, 'authorizationType'), 'WebSocket APIs authorize on the $connect route only')
      else if (type !== 'CUSTOM') reporter.at(at(d, 'authorizationType'), `authorizationType ${type} is not supported for WebSocket APIs yet (use CUSTOM)`)
      else if (input.authorizerId === undefined || !authorizers.has(input.authorizerId)) {
        if (!draft.authorizers.some((a) => a.input.authorizerId === input.authorizerId)) reporter.at(at(d, 'authorizerId'), `authorizerId "${input.authorizerId ?? ''}" does not name an authorizer of this API`)
      } else {
        authorizerId = input.authorizerId
      }
    }
    if (input.apiKeyRequired === true && key !== '$connect') reporter.at(at(d, 'apiKeyRequired'), 'API keys are checked on the $connect route only')
    const rrse = input.routeResponseSelectionExpression
    if (rrse !== undefined && rrse !== '$default') reporter.at(at(d, 'routeResponseSelectionExpression'), 'routeResponseSelectionExpression must be $default (the only route response key)')
    routes.push({ routeKey: key, integrationId, authorizerId, twoWay: rrse === '$default', apiKeyRequired: input.apiKeyRequired === true, origin: d.origin })
  }
  const apiKeys: M.WebSocketApiKey[] = (draft.apiKeys ?? [])
    .filter((k) => k.enabled !== false)
    .map((k) => ({ value: k.value, stages: k.stages === undefined ? null : new Set(k.stages) }))
  for (const k of draft.apiKeys ?? []) {
    for (const name of k.stages ?? []) {
      if (!stages.some((s) => s.stageName === name)) reporter.at(fieldOrigin(ctx.stagesDoc, draft.origin, 'apiKeys'), `API key ${k.name ?? ''} names stage "${name}", which this API does not have`)
    }
  }
  const apiKeySource = draft.apiKeySelectionExpression === '$context.authorizer.usageIdentifierKey' ? 'authorizer' : 'header'
  if (routes.some((r) => r.apiKeyRequired) && apiKeys.length === 0) {
    reporter.at(fieldOrigin(ctx.stagesDoc, draft.origin, 'apiKeys'), '$connect requires an API key (apiKeyRequired) but the API lists no apiKeys')
  }
  if (reporter.count > before || expression === undefined) return undefined
  return {
    apiId: ctx.apiId,
    name: draft.name,
    protocolType: 'WEBSOCKET',
    routeSelectionExpression: expression,
    apiKeySource,
    apiKeys,
    routes,
    integrations,
    authorizers,
    stages,
    origin: draft.origin,
  }
}

/** An `AWS` (service) integration: a service ARN Gatehouse can call, a method, templates (spec 10.6). */
function checkAwsIntegration(
  input: S.IntegrationInput,
  at: (field: string) => M.Origin,
  reporter: Reporter,
  doc: LoadedDocument,
  checkFunction: (uri: string, origin: M.Origin) => void
): Omit<Extract<M.WebSocketIntegrationDefinition, { integrationType: 'AWS' }>, 'origin'> | undefined {
  const before = reporter.count
  for (const field of ['tlsConfig', 'integrationSubtype', 'responseParameters'] as const) {
    if (input[field] !== undefined) reporter.at(at(field), `${field} does not apply to AWS integrations of WebSocket APIs`)
  }
  const uri = input.integrationUri
  if (uri === undefined) {
    reporter.at(at('integrationType'), 'integrationUri is required: arn:aws:apigateway:{region}:{service}:action/{Action} or ...:path/{path}', 'integrationUri')
  } else {
    const parsed = parseServiceUri(uri)
    if (!parsed.ok) reporter.at(at('integrationUri'), parsed.reason)
    else if (isLambdaInvocation(uri)) checkFunction(uri, at('integrationUri'))
    else {
      const service = awsService(parsed.service)
      if (service === undefined) reporter.at(at('integrationUri'), `service "${parsed.service}" is not one Gatehouse can call (${awsServiceNames().join(', ')})`)
      else if (parsed.kind === 'action' && service.json === null) {
        reporter.at(at('integrationUri'), `action/ URIs call JSON-protocol services (${awsServiceNames().filter((n) => awsService(n)?.json !== null).join(', ')}); reach ${service.name} with a path/ URI`)
      }
    }
  }
  const method = (input.integrationMethod ?? '').toUpperCase()
  if (input.integrationMethod === undefined) reporter.at(at('integrationType'), 'integrationMethod is required for AWS integrations (POST for action/ URIs)', 'integrationMethod')
  else if (!(HTTP_METHODS as readonly string[]).includes(method)) reporter.at(at('integrationMethod'), `integrationMethod must be one of ${HTTP_METHODS.join(', ')}`)
  const timeout = input.timeoutInMillis ?? WEBSOCKET_MAX_INTEGRATION_TIMEOUT_MS
  if (timeout < WEBSOCKET_MIN_INTEGRATION_TIMEOUT_MS || timeout > WEBSOCKET_MAX_INTEGRATION_TIMEOUT_MS) {
    reporter.at(at('timeoutInMillis'), `timeoutInMillis must be between ${WEBSOCKET_MIN_INTEGRATION_TIMEOUT_MS} and ${WEBSOCKET_MAX_INTEGRATION_TIMEOUT_MS} for WebSocket APIs`)
  }
  const parameters = (input.requestParameters ?? {}) as Record<string, unknown>
  const compiled = compileWebSocketParameters(parameters)
  if (!compiled.ok) reporter.at(at('requestParameters'), compiled.reason, compiled.key)
  const templates = checkTemplates(input, at, reporter, doc)
  if (reporter.count > before || templates === undefined || uri === undefined) return undefined
  return {
    integrationType: 'AWS',
    integrationId: input.integrationId,
    templates,
    integrationUri: uri,
    integrationMethod: method,
    credentialsArn: input.credentialsArn ?? null,
    timeoutInMillis: timeout,
    requestParameters: parameters as Record<string, string>,
  }
}

/** Templates of a non-proxy integration: they compile; response keys are `$default` or `/regex/`. */
function checkTemplates(input: S.IntegrationInput, at: (field: string) => M.Origin, reporter: Reporter, doc: LoadedDocument): M.WebSocketTemplatesDefinition | undefined {
  const before = reporter.count
  const requestTemplates = input.requestTemplates ?? {}
  for (const [key, text] of Object.entries(requestTemplates)) {
    const compiled = compileTemplate(text)
    if (!compiled.ok) reporter.at(templateLine(fieldOrigin(doc, at('requestTemplates'), key), text, compiled.line), compiled.reason)
  }
  const tse = input.templateSelectionExpression
  if (tse !== undefined && tse !== '\\$default' && tse !== '$default' && compileRouteSelection(tse) === null) {
    reporter.at(at('templateSelectionExpression'), `"${tse}" can only use \${request.body.<JSONPath>} and literals`)
  }
  const responses = input.integrationResponses ?? []
  responses.forEach((r, i) => {
    const key = r.integrationResponseKey
    if (key !== '$default' && !isRegexKey(key)) reporter.at(at('integrationResponses'), `integrationResponseKey "${key}" must be $default or a /regex/ (e.g. /2\\d\\d/)`, i)
    const rtse = r.templateSelectionExpression
    if (rtse !== undefined && rtse !== '$default' && rtse !== '\\$default' && compileResponseTemplateSelection(rtse) === null) {
      reporter.at(fieldOrigin(doc, fieldOrigin(doc, at('integrationResponses'), i), 'templateSelectionExpression'), `"${rtse}" can only use \${integration.response.statuscode}, \${integration.response.header.NAME}, \${integration.response.multivalueheader.NAME}, \${request.body.<JSONPath>} and literals`)
    }
    for (const [tkey, text] of Object.entries(r.responseTemplates ?? {})) {
      const compiled = compileTemplate(text)
      if (!compiled.ok) {
        const origin = fieldOrigin(doc, fieldOrigin(doc, fieldOrigin(doc, at('integrationResponses'), i), 'responseTemplates'), tkey)
        reporter.at(templateLine(origin, text, compiled.line), compiled.reason)
      }
    }
  })
  if (reporter.count > before) return undefined
  return {
    requestTemplates,
    passthroughBehavior: input.passthroughBehavior ?? 'WHEN_NO_MATCH',
    templateSelectionExpression: tse === undefined || tse === '\\$default' || tse === '$default' ? null : tse,
    integrationResponses: responses.map((r) => ({
      integrationResponseKey: r.integrationResponseKey,
      responseTemplates: r.responseTemplates ?? {},
      templateSelectionExpression: r.templateSelectionExpression === undefined || r.templateSelectionExpression === '$default' || r.templateSelectionExpression === '\\$default' ? null : r.templateSelectionExpression,
    })),
  }
}

/**
 * The file line of a template's line `line`: a one-line template sits on its key's line; a
 * multi-line one is a block scalar (`key: |`) whose first line follows the key.
 */
function templateLine(origin: M.Origin, text: string, line: number): M.Origin {
  if (origin.line === undefined) return origin
  return { ...origin, line: text.includes('\n') ? origin.line + line : origin.line }
}

function isRegexKey(key: string): boolean {
  if (key.length < 3 || !key.startsWith('/') || !key.endsWith('/')) return false
  try {
    new RegExp(key.slice(1, -1))
    return true
  } catch {
    return false
  }
}
