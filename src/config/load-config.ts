/**
 * @module
 * Loads `gatehouse.yaml` (or `.json`, or a config object) into a validated, normalised,
 * frozen `GatehouseConfig`. Order: parse → shape (schema) → semantic checks (references,
 * route keys, limits, handler files) → normalise → freeze. Every problem is collected, so
 * one run reports them all.
 */
import { awsService, awsServiceNames } from '../aws/index.js'
import { createHash } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parseRouteKey } from '../routing/index.js'
import * as D from './defaults.js'
import type { ApiDraft, Draft } from './drafts.js'
import { functionArn, functionNameOf, substituteStageVariables, usesStageVariables } from './integration-uri.js'
import type { ConfigIssue } from './issues.js'
import { loadDocument, type LoadedDocument } from './load-file.js'
import type * as M from '../model/index.js'
import { importOpenApi } from './openapi.js'
import { Reporter, fieldOrigin, originOf } from './reporter.js'
import type { Static, TSchema } from '../vendor/typebox.js'
import * as S from './schema.js'
import { shapeIssues } from './shape.js'
import { checkStageSettings } from './stage-settings.js'
import { checkAuthorizer, checkRouteAuthorization, iamSettingsOf, MAX_AUTHORIZERS_PER_API } from './authorizers.js'
import { DEFAULT_ACCOUNT_THROTTLE } from '../throttle/index.js'
import { checkCors } from './cors.js'
import { checkDomainNames } from './domain-names.js'
import { checkWebSocketApi } from './websocket.js'
import { websocketContextVariable } from '../websocket/index.js'
import type { VariableLookup } from '../logging/index.js'
import { checkIntegration, uriRouteVariables, type IntegrationContext } from './integrations.js'
import { isObject } from '../util/index.js'
import { loadTemplateSource, remapIssues, type ExtraSource, type SourceOptions } from './load-source.js'
import type { ParsedRouteKey } from '../model/index.js'
import { parseRedisUrl, REDIS_URL_PATTERN } from '../redis/index.js'
import { codeFolderFiles, prepareNodeHandler, TYPESCRIPT_OUT_DIR } from '../functions/index.js'

export type { SourceOptions } from './load-source.js'

export type LoadConfigResult =
  | { readonly ok: true; readonly config: M.GatehouseConfig }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[]; readonly sourceFiles: readonly string[] }


/**
 * Loads and validates a config file; relative paths resolve against its directory. A SAM or
 * CloudFormation template (found from its content, or named by `options.format`) is
 * translated into the config shape first.
 */
/** `apisOptional`: a config without APIs is valid (the control plane brings them). */
export interface LoadOptions {
  readonly apisOptional?: boolean
}

export function loadConfigFile(file: string, options: SourceOptions = {}, load: LoadOptions = {}): LoadConfigResult {
  const configFile = resolve(file)
  const template = loadTemplateSource(configFile, options)
  if (template !== undefined) {
    if (!template.ok) return template.result
    return remapIssues(buildConfig(template.doc, dirname(template.file), template.file, template.extra, load), template.remap)
  }
  const loaded = loadDocument(configFile)
  if (!loaded.ok) return { ok: false, issues: loaded.issues, sourceFiles: [configFile] }
  return buildConfig(loaded.doc, dirname(configFile), configFile, undefined, load)
}

/** Validates a config given as an object (the programmatic API); paths resolve against `baseDir`. */
export function loadConfigObject(value: unknown, baseDir: string, load: LoadOptions = {}): LoadConfigResult {
  const doc: LoadedDocument = { file: '<config object>', value, line: () => undefined, keyLine: () => undefined }
  return buildConfig(doc, resolve(baseDir), undefined, undefined, load)
}


function buildConfig(doc: LoadedDocument, baseDir: string, configFile: string | undefined, extra: ExtraSource | undefined, load: LoadOptions): LoadConfigResult {
  const reporter = new Reporter()
  const sourceFiles = new Set<string>([...(configFile !== undefined ? [configFile] : []), ...(extra?.sourceFiles ?? [])])
  const fail = (): LoadConfigResult => ({ ok: false, issues: reporter.issues, sourceFiles: [...sourceFiles] })
  const root = doc.value
  if (!isObject(root)) {
    reporter.at(originOf(doc, []), 'the config must be a mapping with "apis" (and usually "functions")')
    return fail()
  }
  reporter.add(shapeIssues(load.apisOptional === true ? S.FileSchemaApisOptional : S.FileSchema, root, doc, []))
  const accountId = typeof root['accountId'] === 'string' ? root['accountId'] : D.DEFAULT_ACCOUNT_ID
  const accountThrottle = accountThrottleOf(root['throttleSettings'])
  const iam = isObject(root['iam']) && shapeIssues(S.IamSettingsSchema, root['iam'], doc, ['iam']).length === 0
    ? iamSettingsOf(root['iam'] as S.IamSettingsInput, accountId)
    : null
  const region = typeof root['region'] === 'string' ? root['region'] : D.DEFAULT_REGION
  const quotas = root['serviceQuotas']
  const routesPerApi = isObject(quotas) && Number.isInteger(quotas['routesPerApi']) ? (quotas['routesPerApi'] as number) : D.MAX_ROUTES_PER_API

  const functions = new Map<string, M.FunctionDefinition>()
  // Functions with problems of their own: already reported, so references to them are not.
  const brokenFunctions = new Set<string>()
  if (isObject(root['functions'])) {
    for (const [key, value] of Object.entries(root['functions'])) {
      const ctx = { baseDir, accountId, region, watch: (f: string) => sourceFiles.add(f) }
      const fn = checkFunction(key, value, originOf(doc, ['functions', key]), doc, ctx, reporter)
      if (fn === undefined) {
        brokenFunctions.add(functionNameOf(key))
        continue
      }
      if (functions.has(fn.name)) reporter.at(fn.origin, `function "${fn.name}" is defined twice`)
      functions.set(fn.name, fn)
      if (fn.handlerFile !== '' && !fn.handlerFile.includes(`/${TYPESCRIPT_OUT_DIR}/`)) sourceFiles.add(fn.handlerFile)
    }
  }

  const apis: M.ApiDefinition[] = []
  const apiIds = new Map<string, M.Origin>()
  const apiList = Array.isArray(root['apis']) ? root['apis'] : []
  const brokenApiIds = new Set<string>()
  const websocketApis: M.WebSocketApiDefinition[] = []
  for (let i = 0; i < apiList.length; i++) {
    const draft = readApi(apiList[i], ['apis', i], doc, { baseDir, accountId, region }, reporter, sourceFiles)
    if (draft === undefined) continue
    if (draft.protocolType === 'WEBSOCKET') {
      const known: Known = { functions, brokenFunctions, accountThrottle, baseDir, hasIam: iam !== null, routesPerApi, watch: (f: string) => sourceFiles.add(f) }
      const ws = checkWebSocketDraft(draft, known, reporter)
      if (ws === undefined) brokenApiIds.add(draft.apiId ?? deriveApiId(draft.name))
      else {
        const previous = apiIds.get(ws.apiId)
        if (previous !== undefined) reporter.at(fieldOrigin(doc, ws.origin, 'apiId'), `apiId "${ws.apiId}" is already used by ${previous.file}:${previous.line ?? '?'}`)
        apiIds.set(ws.apiId, ws.origin)
        websocketApis.push(ws)
      }
      continue
    }
    const api = checkApi(draft, { functions, brokenFunctions, accountThrottle, baseDir, hasIam: iam !== null, routesPerApi, watch: (f: string) => sourceFiles.add(f) }, reporter)
    if (api === undefined) {
      brokenApiIds.add(draft.apiId ?? deriveApiId(draft.name))
      continue
    }
    const previous = apiIds.get(api.apiId)
    if (previous !== undefined) {
      reporter.at(fieldOrigin(doc, api.origin, 'apiId'), `apiId "${api.apiId}" is already used by ${previous.file}:${previous.line ?? '?'}`)
    }
    apiIds.set(api.apiId, api.origin)
    apis.push(api)
  }

  const warnings = new Reporter()
  if (extra !== undefined) warnings.add(extra.warnings)
  const domainNames = checkDomainNames(
    Array.isArray(root['domainNames']) ? root['domainNames'] : [],
    { doc, baseDir, apis, brokenApiIds, websocketApis: new Map(websocketApis.map((w) => [w.apiId, new Set(w.stages.map((st) => st.stageName))] as const)), watch: (f) => sourceFiles.add(f) },
    reporter,
    warnings
  )

  checkRedisUrl(root['redis'], doc, reporter)
  checkAwsEndpoints(root['awsEndpoints'], doc, reporter)
  if (reporter.count > 0) return fail()
  return {
    ok: true,
    config: deepFreeze({
      configFile,
      baseDir,
      accountId,
      region,
      iam,
      connectionsApi: {
        allowUnsigned: isObject(root['connectionsApi']) && root['connectionsApi']['allowUnsigned'] === true,
      },
      accountThrottle,
      functions,
      apis,
      redis: isObject(root['redis']) && typeof root['redis']['url'] === 'string' ? { url: root['redis']['url'] } : null,
      aws: awsSettingsOf(root),
      websocketApis,
      domainNames,
      warnings: warnings.issues,
      sourceFiles: [...sourceFiles],
    }),
  }
}

/** `awsEndpoints` keys name services Gatehouse can call; values are URLs. */
function checkAwsEndpoints(value: unknown, doc: LoadedDocument, reporter: Reporter): void {
  if (!isObject(value)) return
  const at = originOf(doc, ['awsEndpoints'])
  for (const [name, url] of Object.entries(value)) {
    if (awsService(name) === undefined) reporter.at(fieldOrigin(doc, at, name), `"${name}" is not a service Gatehouse calls (${awsServiceNames().join(', ')})`)
    else if (typeof url === 'string' && !URL.canParse(url)) reporter.at(fieldOrigin(doc, at, name), `"${url}" is not a URL`)
  }
}

/** `awsEndpoints` and `awsCredentials` (already shape-checked). */
function awsSettingsOf(root: Record<string, unknown>): M.AwsSettings {
  const endpoints = isObject(root['awsEndpoints']) ? (root['awsEndpoints'] as Record<string, string>) : {}
  const c = root['awsCredentials']
  const credentials = isObject(c)
    ? { accessKeyId: String(c['accessKeyId']), secretAccessKey: String(c['secretAccessKey']), ...(typeof c['sessionToken'] === 'string' ? { sessionToken: c['sessionToken'] } : {}) }
    : null
  return { endpoints: { ...endpoints }, credentials }
}

/** `throttleSettings` (already shape-checked): defaults per member, `false` for none. */
function accountThrottleOf(value: unknown): M.ThrottleLimits | null {
  if (value === false) return null
  // An invalid member is already reported by the shape check; the default stands in for it
  // so that stage limits are not also compared against a nonsense value.
  const given = isObject(value) ? value : {}
  const rate = given['rateLimit']
  const burst = given['burstLimit']
  return {
    rateLimit: typeof rate === 'number' && rate >= 0 ? rate : DEFAULT_ACCOUNT_THROTTLE.rateLimit,
    burstLimit: typeof burst === 'number' && Number.isInteger(burst) && burst >= 0 ? burst : DEFAULT_ACCOUNT_THROTTLE.burstLimit,
  }
}

interface Context {
  readonly baseDir: string
  readonly accountId: string
  readonly region: string
}

interface FunctionContext extends Context {
  /** Adds a file whose change should reload the config. */
  readonly watch: (file: string) => void
}

/** What every API of a config is checked against. */
interface Known {
  readonly functions: ReadonlyMap<string, M.FunctionDefinition>
  readonly brokenFunctions: ReadonlySet<string>
  readonly accountThrottle: M.ThrottleLimits | null
  readonly baseDir: string
  readonly hasIam: boolean
  /** The "Routes per API" quota: AWS's default unless `serviceQuotas` raises it. */
  readonly routesPerApi: number
  /** Adds a file whose change should reload the config (a backend CA bundle). */
  readonly watch: (file: string) => void
}

function checkFunction(
  key: string,
  value: unknown,
  origin: M.Origin,
  doc: LoadedDocument,
  ctx: FunctionContext,
  reporter: Reporter
): M.FunctionDefinition | undefined {
  const issues = shapeIssues(S.FunctionSchema, value, doc, origin.path)
  if (issues.length > 0) {
    reporter.add(issues)
    return undefined
  }
  const input = value as S.FunctionInput
  const name = functionNameOf(key)
  if (!D.FUNCTION_NAME_PATTERN.test(name)) {
    reporter.at(origin, `"${key}" is not a Lambda function name or ARN (letters, digits, "-" and "_", up to 64)`)
    return undefined
  }
  const runtime = input.runtime ?? D.DEFAULT_RUNTIME
  if (!D.SUPPORTED_RUNTIMES.includes(runtime)) {
    reporter.at(fieldOrigin(doc, origin, 'runtime'), `runtime "${runtime}" is not supported (supported: ${D.SUPPORTED_RUNTIMES.join(', ')})`)
    return undefined
  }
  const codeDir = input.codeUri === undefined ? ctx.baseDir : resolve(ctx.baseDir, input.codeUri)
  if (input.codeUri !== undefined && !(existsSync(codeDir) && statSync(codeDir).isDirectory())) {
    reporter.at(fieldOrigin(doc, origin, 'codeUri'), `codeUri folder not found: ${codeDir}`)
    return undefined
  }
  const layers: string[] = []
  for (const [i, layer] of (input.layers ?? []).entries()) {
    const dir = resolve(ctx.baseDir, layer)
    if (!(existsSync(dir) && statSync(dir).isDirectory())) {
      reporter.at(originOf(doc, [...origin.path, 'layers', i]), `layer folder not found: ${dir}`)
      return undefined
    }
    layers.push(dir)
  }
  const node = D.NODE_RUNTIMES.includes(runtime)
  if (input.isolation !== undefined && !node) {
    reporter.at(fieldOrigin(doc, origin, 'isolation'), `isolation applies to Node.js runtimes only (${runtime} always runs as a process)`)
    return undefined
  }
  if (input.interpreter !== undefined && !D.PYTHON_RUNTIMES.includes(runtime)) {
    reporter.at(fieldOrigin(doc, origin, 'interpreter'), `interpreter applies to Python runtimes only`)
    return undefined
  }
  const handlerOrigin = fieldOrigin(doc, origin, 'handler')
  let handlerFile = ''
  let exportPath: string[] = []
  let codeFiles: string[] = []
  if (node) {
    const handler = resolveHandler(input.handler, codeDir)
    if ('error' in handler) {
      // Watch where the module would be, so creating it reloads the config.
      for (const file of handler.tried) ctx.watch(file)
      reporter.at(handlerOrigin, handler.error)
      return undefined
    }
    // TypeScript is compiled here; every local module a handler imports is watched, so that
    // editing one reloads the function.
    const prepared = prepareNodeHandler(handler.file, handler.exportPath[0] as string)
    for (const file of prepared.inputs) ctx.watch(file)
    codeFiles = [...prepared.inputs]
    if (!prepared.ok) {
      reporter.at(handlerOrigin, `handler module cannot be compiled: ${prepared.file}${prepared.line !== undefined ? `:${prepared.line}` : ''}: ${prepared.message}`)
      return undefined
    }
    handlerFile = prepared.file
    exportPath = handler.exportPath
  } else {
    // Python and custom runtimes resolve their handler themselves, at init, as on Lambda: a
    // missing module is the init error Lambda reports (Runtime.ImportModuleError). Watching
    // the files that would be loaded (and every file of the code folder and layers, whose
    // imports Gatehouse cannot follow) reloads the function when they change.
    codeFiles = [...new Set([...runtimeEntryFiles(runtime, input.handler, codeDir, layers), ...codeFolderFiles([codeDir, ...layers])])]
    for (const file of codeFiles) ctx.watch(file)
  }
  const environment: Record<string, string> = {}
  for (const [k, v] of Object.entries(input.environment ?? {})) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(k)) {
      reporter.at(fieldOrigin(doc, origin, 'environment'), `"${k}" is not a valid environment variable name`, k)
    }
    environment[k] = String(v)
  }
  return {
    name,
    arn: functionArn(ctx.region, ctx.accountId, name),
    handler: input.handler,
    handlerFile,
    exportPath,
    timeoutSeconds: input.timeout ?? D.DEFAULT_FUNCTION_TIMEOUT_SECONDS,
    memorySize: input.memorySize ?? D.DEFAULT_FUNCTION_MEMORY_MB,
    environment,
    reservedConcurrency: input.reservedConcurrency ?? null,
    runtime,
    codeDir,
    layers,
    isolation: input.isolation ?? (node ? 'worker' : 'process'),
    interpreter: input.interpreter ?? null,
    codeFiles,
    origin,
  }
}

/**
 * The files a Python or custom runtime loads first (the handler module, the `bootstrap`):
 * watched so that editing them reloads the function.
 */
function runtimeEntryFiles(runtime: string, handler: string, codeDir: string, layers: readonly string[]): string[] {
  if (D.CUSTOM_RUNTIMES.includes(runtime)) return [resolve(codeDir, 'bootstrap'), ...layers.map((l) => resolve(l, 'bootstrap'))]
  const dot = handler.lastIndexOf('.')
  if (dot <= 0) return []
  const module = handler.slice(0, dot).replace(/\./g, '/')
  return [codeDir, ...layers.map((l) => resolve(l, 'python'))].flatMap((root) => [resolve(root, module + '.py'), resolve(root, module, '__init__.py')])
}

/**
 * Resolves `path/to/file.exportName` as Lambda's Node.js runtime does: the module is the
 * text up to the first `.` after the last `/`, tried with `.js`, `.mjs`, `.cjs`; the rest
 * is the export (dots reach nested properties).
 */
export function resolveHandler(
  handler: string,
  baseDir: string
): { file: string; exportPath: string[] } | { error: string; tried: string[] } {
  const slash = handler.lastIndexOf('/')
  const dot = handler.indexOf('.', slash + 1)
  if (dot <= slash + 1 || dot === handler.length - 1) {
    return { error: `handler "${handler}" must look like "path/to/file.exportName"`, tried: [] }
  }
  const modulePath = resolve(baseDir, handler.slice(0, dot))
  const exportPath = handler.slice(dot + 1).split('.')
  const tried = D.HANDLER_EXTENSIONS.map((ext) => modulePath + ext)
  for (const file of tried) {
    if (existsSync(file) && statSync(file).isFile()) return { file, exportPath }
  }
  return { error: `handler module not found: tried ${tried.join(', ')}`, tried }
}

function readApi(
  value: unknown,
  path: (string | number)[],
  doc: LoadedDocument,
  ctx: Context,
  reporter: Reporter,
  sourceFiles: Set<string>
): ApiDraft | undefined {
  const origin = originOf(doc, path)
  if (isObject(value) && 'openapi' in value) {
    const issues = shapeIssues(S.OpenApiRefSchema, value, doc, path)
    if (issues.length > 0) return void reporter.add(issues)
    const ref = value as S.OpenApiRefInput
    const file = resolve(ctx.baseDir, ref.openapi)
    sourceFiles.add(file)
    const loaded = loadDocument(file)
    if (!loaded.ok) {
      reporter.at(fieldOrigin(doc, origin, 'openapi'), `cannot load OpenAPI document ${file}:`)
      return void reporter.add(loaded.issues)
    }
    const imported = importOpenApi(
      { doc: loaded.doc, name: ref.name, apiId: ref.apiId, accountId: ctx.accountId, region: ctx.region },
      reporter
    )
    if (imported === undefined) return undefined
    return { ...imported, stages: stageItems(ref.stages, doc, path, reporter), stagesDoc: doc, origin }
  }
  const issues = shapeIssues(S.InlineApiSchema, value, doc, path)
  reporter.add(issues)
  if (!isObject(value)) return undefined
  // An API-level mistake (a misspelt field) still lets every route, integration and stage
  // be checked, so one run reports everything.
  const api = value as S.InlineApiInput
  if (typeof api.name !== 'string' || !Array.isArray(api.routes)) return undefined
  const cors = api.corsConfiguration === undefined ? undefined : { value: api.corsConfiguration, origin: originOf(doc, [...path, 'corsConfiguration']), doc }
  return {
    name: api.name,
    apiId: api.apiId,
    protocolType: api.protocolType ?? 'HTTP',
    routes: itemDrafts(S.RouteSchema, api.routes, [...path, 'routes'], doc, reporter),
    integrations: itemDrafts(S.IntegrationSchema, api.integrations ?? [], [...path, 'integrations'], doc, reporter),
    brokenIntegrationIds: brokenIds(api.integrations ?? [], 'integrationId'),
    authorizers: itemDrafts(S.AuthorizerSchema, api.authorizers ?? [], [...path, 'authorizers'], doc, reporter),
    brokenAuthorizerIds: brokenIds(api.authorizers ?? [], 'authorizerId'),
    stages: stageItems(api.stages, doc, path, reporter),
    cors,
    routeSelectionExpression: api.routeSelectionExpression,
    apiKeys: api.apiKeys,
    apiKeySelectionExpression: api.apiKeySelectionExpression,
    disableExecuteApiEndpoint: api.disableExecuteApiEndpoint === true,
    origin,
    doc,
    stagesDoc: doc,
  }
}

function stageItems(stages: readonly unknown[] | undefined, doc: LoadedDocument, path: (string | number)[], reporter: Reporter) {
  if (stages === undefined) return undefined
  if (stages.length === 0) {
    reporter.at(originOf(doc, path), 'an API needs at least one stage (omit "stages" for a $default stage)', 'stages')
  }
  return itemDrafts(S.StageSchema, stages, [...path, 'stages'], doc, reporter)
}

/** Checks each item on its own and keeps those that fit their schema. */
function itemDrafts<Sch extends TSchema>(
  schema: Sch,
  items: readonly unknown[],
  path: readonly (string | number)[],
  doc: LoadedDocument,
  reporter: Reporter
): Draft<Static<Sch>>[] {
  const drafts: Draft<Static<Sch>>[] = []
  items.forEach((input, i) => {
    const issues = shapeIssues(schema, input, doc, [...path, i])
    if (issues.length > 0) reporter.add(issues)
    else drafts.push({ input: input as Static<Sch>, origin: originOf(doc, [...path, i]) })
  })
  return drafts
}

/** Ids named by items that failed their shape check, so references to them add no noise. */
function brokenIds(items: readonly unknown[], key: string): Set<string> {
  const ids = new Set<string>()
  for (const item of items) if (isObject(item) && typeof item[key] === 'string') ids.add(item[key])
  return ids
}

function checkWebSocketDraft(draft: ApiDraft, known: Known, reporter: Reporter): M.WebSocketApiDefinition | undefined {
  const apiId = draft.apiId ?? deriveApiId(draft.name)
  if (!D.API_ID_PATTERN.test(apiId)) {
    reporter.at(fieldOrigin(draft.stagesDoc, draft.origin, 'apiId'), `apiId "${apiId}" must be lowercase letters and digits (AWS ids look like "a1b2c3d4e5")`)
  }
  const stages = checkStages(draft, known, reporter)
  return checkWebSocketApi(
    draft,
    {
      doc: draft.doc,
      stagesDoc: draft.stagesDoc,
      apiId,
      stages,
      baseDir: known.baseDir,
      watch: known.watch,
      checkFunction: (uri, at) => checkFunctionReference(uri, at, stages, known, reporter),
    },
    reporter
  )
}

function checkApi(draft: ApiDraft, known: Known, reporter: Reporter): M.ApiDefinition | undefined {
  const before = reporter.count
  const { origin } = draft
  const cors = checkCors(draft.cors, reporter)
  if (draft.apiKeys !== undefined || draft.apiKeySelectionExpression !== undefined) {
    reporter.at(fieldOrigin(draft.stagesDoc, origin, draft.apiKeys !== undefined ? 'apiKeys' : 'apiKeySelectionExpression'), 'API keys apply to WebSocket APIs only (HTTP APIs have none)')
  }
  const apiId = draft.apiId ?? deriveApiId(draft.name)
  if (!D.API_ID_PATTERN.test(apiId)) {
    reporter.at(fieldOrigin(draft.stagesDoc, origin, 'apiId'), `apiId "${apiId}" must be lowercase letters and digits (AWS ids look like "a1b2c3d4e5")`)
  }

  const stages = checkStages(draft, known, reporter)
  const integrations = new Map<string, M.IntegrationDefinition>()
  const broken = new Set(draft.brokenIntegrationIds)
  const integrationContext: IntegrationContext = {
    doc: draft.doc,
    stages,
    baseDir: known.baseDir,
    checkFunction: (uri, at) => checkFunctionReference(uri, at, stages, known, reporter),
    watch: known.watch,
  }
  if (draft.integrations.length > D.MAX_INTEGRATIONS_PER_API) {
    reporter.at(origin, `an HTTP API has at most ${D.MAX_INTEGRATIONS_PER_API} integrations`)
  }
  for (const d of draft.integrations) {
    const id = d.input.integrationId
    if (integrations.has(id)) reporter.at(fieldAt(draft.doc, d, 'integrationId'), `integrationId "${id}" is used twice`)
    const integration = checkIntegration(d, integrationContext, reporter)
    if (integration === undefined) broken.add(id)
    else integrations.set(id, integration)
  }
  const authorizers = checkAuthorizers(draft, stages, known, reporter)
  const routes = checkRoutes(draft, stages, integrations, broken, authorizers, known, reporter)
  if (reporter.count > before || cors === undefined) return undefined
  return {
    apiId,
    name: draft.name,
    protocolType: 'HTTP',
    routes,
    integrations,
    authorizers,
    stages,
    disableExecuteApiEndpoint: draft.disableExecuteApiEndpoint,
    cors,
    origin,
  }
}

function checkAuthorizers(draft: ApiDraft, stages: readonly M.StageDefinition[], known: Known, reporter: Reporter): Map<string, M.AuthorizerDefinition> {
  const authorizers = new Map<string, M.AuthorizerDefinition>()
  if (draft.authorizers.length > MAX_AUTHORIZERS_PER_API) {
    reporter.at(draft.origin, `an HTTP API has at most ${MAX_AUTHORIZERS_PER_API} authorizers`, 'authorizers')
  }
  const checkFunction = (uri: string, origin: M.Origin) => checkFunctionReference(uri, origin, stages, known, reporter)
  for (const d of draft.authorizers) {
    const id = d.input.authorizerId
    if (authorizers.has(id)) reporter.at(fieldAt(draft.doc, d, 'authorizerId'), `authorizerId "${id}" is used twice`)
    const authorizer = checkAuthorizer(d, { doc: draft.doc, baseDir: known.baseDir, checkFunction }, reporter)
    if (authorizer !== undefined) authorizers.set(id, authorizer)
  }
  return authorizers
}

/** Where a field of a draft is, under the name the source document gives it. */
function fieldAt<T>(doc: LoadedDocument, draft: Draft<T>, field: string): M.Origin {
  return fieldOrigin(doc, draft.origin, draft.sourceNames?.[field] ?? field)
}

/** A stable 10-character id from the API name, so URLs survive restarts. */
function deriveApiId(name: string): string {
  const digest = createHash('sha256').update(name).digest()
  let id = ''
  for (let i = 0; id.length < 10; i++) id += ((digest[i] ?? 0) % 36).toString(36)
  return id
}

function checkStages(draft: ApiDraft, known: Known, reporter: Reporter): M.StageDefinition[] {
  if (draft.stages === undefined) {
    return [{ stageName: D.DEFAULT_STAGE_NAME, stageVariables: {}, defaultThrottle: null, routeThrottles: new Map(), accessLog: null, origin: draft.origin }]
  }
  const routeKeys = new Set(draft.routes.map((r) => r.input.routeKey))
  if (draft.stages.length > D.MAX_STAGES_PER_API) reporter.at(draft.origin, `an HTTP API has at most ${D.MAX_STAGES_PER_API} stages`, 'stages')
  const names = new Set<string>()
  const stages: M.StageDefinition[] = []
  for (const { input, origin } of draft.stages) {
    const doc = draft.stagesDoc
    if (input.stageName !== D.DEFAULT_STAGE_NAME && !D.STAGE_NAME_PATTERN.test(input.stageName)) {
      reporter.at(fieldOrigin(doc, origin, 'stageName'), 'stage names are letters, digits, "-" and "_" (up to 128), or "$default"')
    }
    if (names.has(input.stageName)) reporter.at(fieldOrigin(doc, origin, 'stageName'), `stage "${input.stageName}" already exists`)
    names.add(input.stageName)
    const variables = draft.protocolType === 'WEBSOCKET' ? { variables: websocketContextVariable as VariableLookup<never> } : {}
    const settings = checkStageSettings(input, origin, { doc, baseDir: known.baseDir, accountThrottle: known.accountThrottle, routeKeys, protocolType: draft.protocolType, ...variables }, reporter)
    stages.push({ stageName: input.stageName, stageVariables: checkStageVariables(input, origin, doc, reporter), ...settings, origin })
  }
  return stages
}

function checkStageVariables(input: S.StageInput, origin: M.Origin, doc: LoadedDocument, reporter: Reporter): Record<string, string> {
  const out: Record<string, string> = {}
  const entries = Object.entries(input.stageVariables ?? {})
  const at = fieldOrigin(doc, origin, 'stageVariables')
  if (entries.length > D.MAX_STAGE_VARIABLES) reporter.at(at, `a stage has at most ${D.MAX_STAGE_VARIABLES} stage variables`)
  for (const [name, raw] of entries) {
    const value = String(raw)
    if (!D.STAGE_VARIABLE_NAME_PATTERN.test(name) || name.length > D.MAX_STAGE_VARIABLE_KEY_LENGTH) {
      reporter.at(at, `stage variable names are letters, digits and "_" (up to ${D.MAX_STAGE_VARIABLE_KEY_LENGTH})`, name)
    } else if (!D.STAGE_VARIABLE_VALUE_PATTERN.test(value) || value.length > D.MAX_STAGE_VARIABLE_VALUE_LENGTH) {
      reporter.at(at, `stage variable values must match [A-Za-z0-9-._~:/?#&=,]+ (up to ${D.MAX_STAGE_VARIABLE_VALUE_LENGTH} characters)`, name)
    }
    out[name] = value
  }
  return out
}

/** A Lambda URI must name a function in `functions`, in every stage when it uses stage variables. */
function checkFunctionReference(
  uri: string,
  origin: M.Origin,
  stages: readonly M.StageDefinition[],
  { functions, brokenFunctions }: Known,
  reporter: Reporter
): void {
  const candidates = usesStageVariables(uri)
    ? stages.map((s) => ({ stage: s.stageName, sub: substituteStageVariables(uri, s.stageVariables) }))
    : [{ stage: undefined, sub: { ok: true as const, value: uri } }]
  for (const { stage, sub } of candidates) {
    const inStage = stage !== undefined ? ` in stage "${stage}"` : ''
    if (!sub.ok) {
      reporter.at(origin, `stage variable "${sub.missing}" is not defined${inStage}`)
      continue
    }
    const name = functionNameOf(sub.value)
    if (!functions.has(name) && !brokenFunctions.has(name)) {
      const known = [...functions.keys()]
      reporter.at(
        origin,
        `function "${name}"${inStage} is not defined under functions` +
          (known.length > 0 ? ` (defined: ${known.join(', ')})` : ' (there are no functions)')
      )
    }
  }
}

function checkRoutes(
  draft: ApiDraft,
  stages: readonly M.StageDefinition[],
  integrations: ReadonlyMap<string, M.IntegrationDefinition>,
  brokenIntegrations: ReadonlySet<string>,
  authorizers: ReadonlyMap<string, M.AuthorizerDefinition>,
  known: Known,
  reporter: Reporter
): M.RouteDefinition[] {
  const brokenAuthorizers = new Set([...draft.brokenAuthorizerIds, ...draft.authorizers.map((a) => a.input.authorizerId)].filter((id) => !authorizers.has(id)))
  if (draft.routes.length > known.routesPerApi) {
    const raise = known.routesPerApi === D.MAX_ROUTES_PER_API ? ' (raise the quota with serviceQuotas.routesPerApi)' : ''
    reporter.at(draft.origin, `an HTTP API has at most ${known.routesPerApi} routes${raise}`, 'routes')
  }
  const seen = new Set<string>()
  const routes: M.RouteDefinition[] = []
  for (let i = 0; i < draft.routes.length; i++) {
    const route = draft.routes[i] as Draft<S.RouteInput>
    const { input } = route
    const at = (field: string) => fieldAt(draft.doc, route, field)
    const parsed = parseRouteKey(input.routeKey)
    if (!parsed.ok) {
      reporter.at(at('routeKey'), `invalid route key "${input.routeKey}": ${parsed.reason}`)
      continue
    }
    if (seen.has(input.routeKey)) reporter.at(at('routeKey'), `Route with key '${input.routeKey}' already exists`)
    seen.add(input.routeKey)
    const authorization = checkRouteAuthorization(input, at, authorizers, brokenAuthorizers, known.hasIam, reporter)
    if (input.apiKeyRequired === true) reporter.at(at('apiKeyRequired'), 'API keys are not supported for HTTP APIs')
    if (input.requestParameters !== undefined) reporter.at(at('requestParameters'), 'route requestParameters apply to WebSocket APIs only')
    if (input.routeResponseSelectionExpression !== undefined) reporter.at(at('routeResponseSelectionExpression'), 'route responses apply to WebSocket APIs only')
    let integrationId: string | null = null
    if (input.target !== undefined) {
      const match = /^integrations\/(.+)$/.exec(input.target)
      const id = match?.[1]
      if (id === undefined) {
        reporter.at(at('target'), `target must be "integrations/{integrationId}"`)
      } else if (integrations.has(id)) {
        integrationId = id
        checkUriVariables(input.routeKey, parsed.value, id, integrations.get(id) as M.IntegrationDefinition, stages, at('target'), reporter)
      } else if (!brokenIntegrations.has(id)) {
        reporter.at(at('target'), `integration "${id}" does not exist in this API`)
      }
    }
    routes.push({ routeId: input.routeId ?? `r${i}`, routeKey: input.routeKey, key: parsed.value, integrationId, ...authorization, origin: route.origin })
  }
  return routes
}

/** Every `{name}` an HTTP_PROXY URI substitutes must be a variable of the route that targets it. */
function checkUriVariables(
  routeKey: string,
  key: ParsedRouteKey,
  integrationId: string,
  integration: M.IntegrationDefinition,
  stages: readonly M.StageDefinition[],
  origin: M.Origin,
  reporter: Reporter
): void {
  const captured = new Set(key.kind === 'path' ? key.segments.flatMap((s) => (s.kind === 'literal' ? [] : [s.name])) : [])
  for (const name of uriRouteVariables(integration, stages)) {
    if (!captured.has(name)) {
      reporter.at(origin, `integration "${integrationId}" substitutes {${name}} in its URI, but route "${routeKey}" has no {${name}} or {${name}+} path variable`)
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    if (value instanceof Map) for (const v of value.values()) deepFreeze(v)
    else for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

/** `redis.url` beyond its scheme (the shape check covers that): hosts, ports, the Sentinel master name. */
function checkRedisUrl(redis: unknown, doc: LoadedDocument, reporter: Reporter): void {
  if (!isObject(redis) || typeof redis['url'] !== 'string' || !new RegExp(REDIS_URL_PATTERN).test(redis['url'])) return
  try {
    parseRedisUrl(redis['url'])
  } catch (err) {
    reporter.at(originOf(doc, ['redis', 'url']), `invalid Redis URL: ${(err as Error).message}`)
  }
}
