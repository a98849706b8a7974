/**
 * @module
 * Translates an evaluated SAM or CloudFormation template into Gatehouse's own config shape
 * (`functions` + `apis`), so the usual validation, compile, serve and reload apply. Every
 * translated node remembers the template path it came from, so later problems can name the
 * template's line and path.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { parse as parseYaml } from '../../vendor/yaml.js'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import {
  createDefaultResolver,
  loadTemplate,
  derivedApiId,
  derivedSubresourceId,
  detectTemplateKind,
  evaluateTemplate,
  formatPath,
  SAM_IMPLICIT_HTTP_API,
  type EvaluatedResource,
  type LoadedTemplate,
  type ResolverFactory,
  type TemplatePath,
  type TemplateProblem,
} from '../cloudformation/index.js'
import { isObj, num, str, type Obj } from './values.js'
import { locationProperty, MAX_NESTED_DEPTH, nestedLocation, nestedParameters, NESTED_STACK_TYPES } from './nested.js'
import { DEFAULT_RUNTIME, PYTHON_RUNTIMES, SUPPORTED_RUNTIMES } from '../../functions/index.js'

export interface TranslateOptions {
  readonly parameterOverrides?: Readonly<Record<string, string>>
  readonly importValues?: Readonly<Record<string, string>>
  readonly region?: string
  readonly accountId?: string
  readonly stackName?: string
  /** How deep this template is nested (0: the file given to serve). */
  readonly depth?: number
}

export type ConfigPath = readonly (string | number)[]

export interface TranslatedStack {
  readonly kind: 'sam' | 'cloudformation' | 'serverless'
  /** Gatehouse's config shape: functions, apis, region, accountId. */
  readonly config: Record<string, unknown>
  /** Translated path → template path it came from (look up the longest matching prefix). */
  readonly origins: ReadonlyMap<string, TemplatePath>
  readonly problems: readonly TemplateProblem[]
  readonly warnings: readonly TemplateProblem[]
  /** Files whose change should reload (code folders' handler files are added by validation). */
  readonly sourceFiles: readonly string[]
  /** OpenAPI documents written from the template (inline bodies) → the template path of each. */
  readonly bodies?: ReadonlyMap<string, TemplatePath>
  /** What local nested stacks added, deepest first, so their problems name their own file. */
  readonly nested?: readonly NestedPart[]
}

/** The functions and APIs one nested template added to the translated config. */
export interface NestedPart {
  readonly template: Pick<LoadedTemplate, 'file' | 'line'>
  readonly origins: ReadonlyMap<string, TemplatePath>
  readonly functions: readonly string[]
  /** Its APIs are `apis[apiOffset … apiOffset + apiCount - 1]` of the whole config. */
  readonly apiOffset: number
  readonly apiCount: number
}

/** Key of a translated path in `origins`. */
export function configPathKey(path: ConfigPath): string {
  return path.map(String).join('\u0000')
}

/** The template path a translated path came from: the longest recorded prefix. */
export function templatePathOf(origins: ReadonlyMap<string, TemplatePath>, path: ConfigPath): TemplatePath | undefined {
  for (let n = path.length; n >= 0; n--) {
    const found = origins.get(configPathKey(path.slice(0, n)))
    if (found !== undefined) return found
  }
  return undefined
}

export { NODE_RUNTIMES, SUPPORTED_RUNTIMES } from '../../functions/index.js'
/**
 * [EMU] Node.js runtimes Lambda no longer accepts for new functions: old samples still name
 * them, so they run as DEFAULT_RUNTIME on the host's Node like the others, with a warning
 * (fidelity to a Node version this old is not possible here).
 */
export const DEPRECATED_NODE_RUNTIMES: readonly string[] = ['nodejs', 'nodejs4.3', 'nodejs4.3-edge', 'nodejs6.10', 'nodejs8.10', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x', 'nodejs16.x']

/** How a function's runtime is served: 'run', 'deprecated' (run as DEFAULT_RUNTIME, with a warning) or 'refused'. */
export function runtimeSupport(runtime: string): 'run' | 'deprecated' | 'refused' {
  return SUPPORTED_RUNTIMES.includes(runtime) ? 'run' : DEPRECATED_NODE_RUNTIMES.includes(runtime) ? 'deprecated' : 'refused'
}

/** The runtime a function is served with: a deprecated Node.js runtime runs as DEFAULT_RUNTIME. */
export const servedRuntime = (runtime: string): string => (DEPRECATED_NODE_RUNTIMES.includes(runtime) ? DEFAULT_RUNTIME : runtime)

export const unsupportedRuntimeProblem = (runtime: string): string => `runtime ${runtime} is not supported (supported: ${SUPPORTED_RUNTIMES.join(', ')})`

export const deprecatedRuntimeWarning = (runtime: string): string =>
  `runtime ${runtime} is deprecated by Lambda; it runs on this host's Node.js ${process.version}`

/** Types accepted and ignored without a word (they change nothing locally). */
const SILENT_TYPES = /^(AWS::CDK::Metadata|AWS::Serverless::LayerVersion|AWS::Lambda::LayerVersion|AWS::Lambda::Permission|AWS::IAM::.*|AWS::ApiGatewayV2::Deployment|AWS::Lambda::Version|AWS::Lambda::Alias|AWS::Logs::LogGroup)$/

const camel = (k: string): string => k.charAt(0).toLowerCase() + k.slice(1)

/** AWS::ApiGatewayV2::Integration properties Gatehouse serves (others get a warning). */
const INTEGRATION_PROPERTIES = new Set([
  'IntegrationType', 'IntegrationUri', 'IntegrationMethod', 'IntegrationSubtype', 'PayloadFormatVersion', 'TimeoutInMillis',
  'ConnectionType', 'ConnectionId', 'CredentialsArn', 'Description', 'RequestParameters', 'ResponseParameters', 'TlsConfig',
  'RequestTemplates', 'TemplateSelectionExpression', 'PassthroughBehavior',
])

/** AWS::ApiGatewayV2::Api properties read; those in the silent set change nothing locally. */
const API_PROPERTIES = new Set(['Name', 'ProtocolType', 'RouteSelectionExpression', 'ApiKeySelectionExpression', 'CorsConfiguration', 'DisableExecuteApiEndpoint', 'Target', 'RouteKey', 'Body', 'BodyS3Location'])
const API_PROPERTIES_SILENT = new Set(['Description', 'Tags', 'Version', 'FailOnWarnings', 'DisableSchemaValidation'])

/**
 * Properties read per AWS::ApiGatewayV2 sub-resource type, and those that change nothing
 * locally (accepted silently). Anything else is named in a warning.
 */
const READ_PROPERTIES: Readonly<Record<string, ReadonlySet<string>>> = {
  'AWS::ApiGatewayV2::Route': new Set(['ApiId', 'RouteKey', 'Target', 'AuthorizationType', 'AuthorizerId', 'AuthorizationScopes', 'ApiKeyRequired', 'RequestParameters', 'RouteResponseSelectionExpression', 'OperationName']),
  'AWS::ApiGatewayV2::Stage': new Set(['ApiId', 'StageName', 'StageVariables', 'DefaultRouteSettings', 'RouteSettings', 'AccessLogSettings']),
  'AWS::ApiGatewayV2::Authorizer': new Set(['ApiId', 'AuthorizerType', 'Name', 'IdentitySource', 'JwtConfiguration', 'AuthorizerUri', 'AuthorizerPayloadFormatVersion', 'EnableSimpleResponses', 'AuthorizerResultTtlInSeconds']),
}
const SILENT_PROPERTIES = new Set(['Description', 'Tags', 'AutoDeploy', 'DeploymentId', 'AuthorizerCredentialsArn', 'ModelSelectionExpression', 'RequestModels', 'ClientCertificateId'])


/** `aws:asset:path` of a CDK-synthesised resource (relative to cdk.out). */
function assetPathOf(metadata: unknown): string | undefined {
  return isObj(metadata) && typeof metadata['aws:asset:path'] === 'string' ? metadata['aws:asset:path'] : undefined
}

/** PascalCase keys → camelCase, recursively (AWS::ApiGatewayV2 properties → apigatewayv2 JSON). */
function camelKeys(value: unknown, depth = 2): unknown {
  if (depth < 0 || !isObj(value)) return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [camel(k), camelKeys(v, depth - 1)]))
}

/** Merges SAM Globals into the raw template; merged properties point their lines at Globals. */
/** A template whose merged Globals properties are traced back to where Globals wrote them. */
interface MergedTemplate extends LoadedTemplate {
  sourcePath(path: TemplatePath): TemplatePath
}

function withGlobals(template: LoadedTemplate, sink: { warning(path: TemplatePath, m: string): void }): MergedTemplate {
  const root = template.value
  if (!isObj(root) || !isObj(root['Resources'])) return { ...template, sourcePath: (path) => path }
  const globals = isObj(root['Globals']) ? root['Globals'] : {}
  const redirects = new Map<string, TemplatePath>()
  const resources: Obj = { ...root['Resources'] }
  // SAM creates ServerlessHttpApi for HttpApi events without ApiId; Globals.HttpApi applies to it too.
  const implicit = Object.values(resources).some((r) =>
    isObj(r) && r['Type'] === 'AWS::Serverless::Function' && isObj(r['Properties']) && isObj(r['Properties']['Events']) &&
    Object.values(r['Properties']['Events']).some((e) => isObj(e) && e['Type'] === 'HttpApi' && !(isObj(e['Properties']) && e['Properties']['ApiId'] !== undefined)))
  if (implicit && resources[SAM_IMPLICIT_HTTP_API] === undefined) resources[SAM_IMPLICIT_HTTP_API] = { Type: 'AWS::Serverless::HttpApi', Properties: {} }
  const sections: Record<string, string> = { Function: 'AWS::Serverless::Function', HttpApi: 'AWS::Serverless::HttpApi' }
  for (const section of Object.keys(globals)) {
    if (sections[section] === undefined) sink.warning(['Globals', section], `Globals.${section} is not used: only Function and HttpApi apply to what Gatehouse serves`)
  }
  for (const [section, type] of Object.entries(sections)) {
    const g = globals[section]
    if (!isObj(g)) continue
    for (const [id, resource] of Object.entries(resources)) {
      if (!isObj(resource) || resource['Type'] !== type) continue
      const props: Obj = isObj(resource['Properties']) ? { ...resource['Properties'] } : {}
      for (const [key, value] of Object.entries(g)) {
        const own = props[key]
        if (own === undefined) {
          props[key] = value
          redirects.set(`${id}\u0000${key}`, ['Globals', section, key])
        } else if (key === 'Environment' && isObj(own) && isObj(value) && isObj(own['Variables']) && isObj(value['Variables'])) {
          props[key] = { ...own, Variables: { ...value['Variables'], ...own['Variables'] } }
        }
      }
      resources[id] = { ...resource, Properties: props }
    }
  }
  const value = { ...root, Resources: resources }
  const sourcePath = (path: TemplatePath): TemplatePath => {
    if (path[0] === 'Resources' && path[2] === 'Properties' && typeof path[1] === 'string' && typeof path[3] === 'string') {
      const to = redirects.get(`${path[1]}\u0000${path[3]}`)
      if (to !== undefined) return [...to, ...path.slice(4)]
    }
    return path
  }
  return { file: template.file, value, line: (path) => template.line(sourcePath(path)), sourcePath }
}

/**
 * Function logical ids stand for their names, so ARNs in integration URIs name Gatehouse
 * functions; `Outputs.Name` of a local nested stack is its evaluated output.
 */
const resolverFactoryFor = (baseDir: string, depth: number): ResolverFactory => (ctx) => {
  const base = createDefaultResolver(ctx)
  const nestedOutputs = new Map<string, ReadonlyMap<string, { value: unknown }> | undefined>()
  const outputsOf = (logicalId: string, type: string): ReadonlyMap<string, { value: unknown }> | undefined => {
    if (nestedOutputs.has(logicalId)) return nestedOutputs.get(logicalId)
    nestedOutputs.set(logicalId, undefined) // a reference back to this stack while evaluating it finds nothing
    const where = nestedLocation(ctx.property(logicalId, locationProperty(type)), baseDir)
    if (where.kind !== 'local' || depth + 1 > MAX_NESTED_DEPTH) return undefined
    const loaded = loadTemplate(where.file)
    if (!loaded.ok) return undefined
    const evaluated = evaluateTemplate(loaded.template, {
      resolverFactory: resolverFactoryFor(dirname(where.file), depth + 1),
      parameterOverrides: nestedParameters(ctx.property(logicalId, 'Parameters')),
      region: ctx.region,
      accountId: ctx.accountId,
      stackName: `${ctx.stackName}-${logicalId}`,
    })
    nestedOutputs.set(logicalId, evaluated.outputs)
    return evaluated.outputs
  }
  return (logicalId, attribute, path) => {
    const type = ctx.resourceType(logicalId)
    if (type !== undefined && NESTED_STACK_TYPES.has(type) && attribute?.startsWith('Outputs.') === true) {
      return outputsOf(logicalId, type)?.get(attribute.slice('Outputs.'.length))?.value
    }
    if (type === 'AWS::Lambda::Function' || type === 'AWS::Serverless::Function') {
      const given = ctx.property(logicalId, 'FunctionName')
      const name = typeof given === 'string' ? given : logicalId
      if (attribute === null) return name
      if (attribute === 'Arn') return `arn:${ctx.partition}:lambda:${ctx.region}:${ctx.accountId}:function:${name}`
      return undefined
    }
    if (type === 'AWS::Lambda::Alias' || type === 'AWS::Lambda::Version') {
      // Both resolve to their function's ARN (a qualifier changes nothing locally).
      const fn = ctx.property(logicalId, 'FunctionName')
      if (attribute === null || attribute === 'Arn' || attribute === 'Version' || attribute === 'AliasArn') return typeof fn === 'string' ? fn : undefined
      return undefined
    }
    return base(logicalId, attribute, path)
  }
}

class Translation {
  readonly problems: TemplateProblem[] = []
  readonly warnings: TemplateProblem[] = []
  readonly origins = new Map<string, TemplatePath>()
  readonly functions: Obj = {}
  readonly apis: Obj[] = []
  readonly sourceFiles: string[] = []
  readonly warnedRuntimes = new Set<string>()
  /** Written OpenAPI bodies → the template path they were written from. */
  readonly bodies = new Map<string, TemplatePath>()
  readonly nestedParts: NestedPart[] = []
  readonly baseDir: string
  /** derived id → logical id */
  readonly byDerivedId = new Map<string, string>()
  /** function name → logical id */
  readonly functionIds = new Map<string, string>()
  resources = new Map<string, EvaluatedResource>()

  constructor(readonly template: LoadedTemplate) {
    this.baseDir = dirname(resolve(template.file))
  }

  /** Where a path of the merged template was written (a Globals property, or itself). */
  source(path: TemplatePath): TemplatePath {
    return 'sourcePath' in this.template ? (this.template as MergedTemplate).sourcePath(path) : path
  }
  /** Resources whose evaluation already failed: their missing values are not reported again. */
  readonly evaluationFailed = new Set<string>()

  problem(path: TemplatePath, message: string): void {
    if (path[0] === 'Resources' && typeof path[1] === 'string' && this.evaluationFailed.has(path[1])) return
    const at = this.source(path)
    this.problems.push({ file: this.template.file, line: this.template.line(path), path: formatPath(at), message })
  }
  warning(path: TemplatePath, message: string): void {
    const at = this.source(path)
    this.warnings.push({ file: this.template.file, line: this.template.line(path), path: formatPath(at), message })
  }
  origin(configPath: ConfigPath, templatePath: TemplatePath): void {
    this.origins.set(configPathKey(configPath), this.source(templatePath))
  }
  props(r: EvaluatedResource): TemplatePath {
    return [...r.path, 'Properties']
  }

  /** A function's Runtime, code location and handler → a `functions` entry. */
  addFunction(r: EvaluatedResource, sam: boolean): void {
    const p = r.properties
    const at = this.props(r)
    const name = str(p['FunctionName']) ?? r.logicalId
    const runtime = str(p['Runtime'])
    if (p['PackageType'] === 'Image' || p['ImageUri'] !== undefined) {
      return this.problem([...at, 'PackageType'], 'container image functions are not supported yet: zip functions run in this version')
    }
    if (runtime === undefined) return this.problem(at, `Runtime is required (${SUPPORTED_RUNTIMES.join(', ')})`)
    const support = runtimeSupport(runtime)
    if (support === 'refused') {
      return this.problem([...at, 'Runtime'], unsupportedRuntimeProblem(runtime))
    }
    // A Runtime from Globals is shared: its warning is given once, at Globals.
    const runtimeAt = formatPath(this.source([...at, 'Runtime']))
    if (support === 'deprecated' && !this.warnedRuntimes.has(runtimeAt)) {
      this.warnedRuntimes.add(runtimeAt)
      this.warning([...at, 'Runtime'], deprecatedRuntimeWarning(runtime))
    }
    const handler = str(p['Handler'])
    if (handler === undefined) return this.problem(at, 'Handler is required')
    let dir: string | undefined
    const inline = sam ? p['InlineCode'] : isObj(p['Code']) ? p['Code']['ZipFile'] : undefined
    const codeField = sam ? 'CodeUri' : 'Code'
    const code = sam ? p['CodeUri'] : p['Code']
    if (typeof inline === 'string') {
      dir = this.writeInline(r.logicalId, handler, inline, PYTHON_RUNTIMES.includes(runtime) ? '.py' : '.js')
    } else if (typeof code === 'string') {
      dir = resolve(this.baseDir, code)
      if (!existsSync(dir)) return this.problem([...at, codeField], `${codeField} folder not found: ${dir}`)
      if (!statSync(dir).isDirectory()) return this.problem([...at, codeField], `${codeField} must be a folder (zip files are not served): ${dir}`)
    } else if (typeof assetPathOf(r.metadata) === 'string') {
      // A CDK asset: the code is staged in the cloud assembly, named by aws:asset:path.
      dir = resolve(this.baseDir, assetPathOf(r.metadata) as string)
      if (!existsSync(dir) || !statSync(dir).isDirectory()) return this.problem([...r.path, 'Metadata', 'aws:asset:path'], `asset folder not found: ${dir}`)
    } else if (code === undefined && sam) {
      dir = this.baseDir
    } else {
      return this.problem([...at, codeField], `${codeField} must be a local folder (S3 locations are not served; run before "sam package" / "cloudformation package")`)
    }
    const layers = this.layersOf(p['Layers'], [...at, 'Layers'])
    const fnPath = ['functions', name]
    this.origin(fnPath, r.path)
    this.origin([...fnPath, 'handler'], [...at, 'Handler'])
    this.origin([...fnPath, 'runtime'], [...at, 'Runtime'])
    this.origin([...fnPath, 'codeUri'], [...at, codeField])
    const entry: Obj = { handler, runtime: servedRuntime(runtime), codeUri: dir }
    if (layers.length > 0) {
      entry['layers'] = layers
      this.origin([...fnPath, 'layers'], [...at, 'Layers'])
    }
    const timeout = num(p['Timeout'])
    if (timeout !== undefined) {
      entry['timeout'] = timeout
      this.origin([...fnPath, 'timeout'], [...at, 'Timeout'])
    }
    const memory = num(p['MemorySize'])
    if (memory !== undefined) {
      entry['memorySize'] = memory
      this.origin([...fnPath, 'memorySize'], [...at, 'MemorySize'])
    }
    const reserved = num(p['ReservedConcurrentExecutions'])
    if (reserved !== undefined) {
      entry['reservedConcurrency'] = reserved
      this.origin([...fnPath, 'reservedConcurrency'], [...at, 'ReservedConcurrentExecutions'])
    }
    const env = isObj(p['Environment']) ? p['Environment']['Variables'] : undefined
    if (isObj(env)) {
      entry['environment'] = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, str(v) ?? JSON.stringify(v)]))
      this.origin([...fnPath, 'environment'], [...at, 'Environment', 'Variables'])
    }
    this.functions[name] = entry
    this.functionIds.set(name, r.logicalId)
  }

  /**
   * A function's layers that are in this template with local content (SAM LayerVersion's
   * ContentUri folder, a CDK asset): their folders, laid out as /opt. Other layers (ARNs of
   * published layers) cannot be fetched and are named in a warning.
   */
  layersOf(value: unknown, at: TemplatePath): string[] {
    if (!Array.isArray(value)) return []
    const dirs: string[] = []
    value.forEach((item, i) => {
      const layer = typeof item === 'string' ? this.resources.get(item) : undefined
      let dir: string | undefined
      if (layer?.type === 'AWS::Serverless::LayerVersion' && typeof layer.properties['ContentUri'] === 'string') dir = resolve(this.baseDir, layer.properties['ContentUri'])
      else if (layer?.type === 'AWS::Lambda::LayerVersion' && typeof assetPathOf(layer.metadata) === 'string') dir = resolve(this.baseDir, assetPathOf(layer.metadata) as string)
      if (dir === undefined) return this.warning([...at, i], `layer ${typeof item === 'string' ? item : JSON.stringify(item)} is not a layer of this template with local content: not mounted`)
      if (!existsSync(dir) || !statSync(dir).isDirectory()) return this.problem([...at, i], `layer folder not found: ${dir}`)
      dirs.push(dir)
    })
    return dirs
  }

  /** Inline code (SAM InlineCode, CloudFormation Code.ZipFile) goes to a cache folder as `<module>.js` (`.py` for Python). */
  writeInline(logicalId: string, handler: string, code: string, ext: string): string {
    const digest = createHash('sha256').update(`${this.template.file}\0${logicalId}\0${handler}\0${code}`).digest('hex').slice(0, 16)
    const dir = join(tmpdir(), 'gatehouse-inline-code', digest)
    const dot = handler.indexOf('.', handler.lastIndexOf('/') + 1)
    const module = dot > 0 ? handler.slice(0, dot) : 'index'
    const file = join(dir, `${module}${ext}`)
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, code)
    }
    return dir
  }

  /** Writes an inline OpenAPI body to the cache and returns its path. */
  writeBody(logicalId: string, body: unknown): string {
    const text = JSON.stringify(body, null, 2)
    const digest = createHash('sha256').update(`${this.template.file}\0${logicalId}\0${text}`).digest('hex').slice(0, 16)
    const file = join(tmpdir(), 'gatehouse-inline-code', digest, `${logicalId}.openapi.json`)
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, text)
    }
    return file
  }

  /** The logical id behind a derived API id (a Ref or GetAtt ApiId to an API resource). */
  logicalIdOf(value: unknown): string | undefined {
    const s = str(value)
    return s === undefined ? undefined : this.byDerivedId.get(s) ?? (this.resources.has(s) ? s : undefined)
  }
}

function stagesOf(settings: { stageName: string; stageVariables?: unknown; defaultRouteSettings?: unknown; routeSettings?: unknown; accessLogSettings?: unknown }): Obj {
  const stage: Obj = { stageName: settings.stageName }
  if (isObj(settings.stageVariables)) stage['stageVariables'] = settings.stageVariables
  if (isObj(settings.defaultRouteSettings)) stage['defaultRouteSettings'] = camelKeys(settings.defaultRouteSettings, 0)
  if (isObj(settings.routeSettings)) stage['routeSettings'] = Object.fromEntries(Object.entries(settings.routeSettings).map(([k, v]) => [k, camelKeys(v, 0)]))
  if (isObj(settings.accessLogSettings)) stage['accessLogSettings'] = camelKeys(settings.accessLogSettings, 0)
  return stage
}

function corsOf(value: unknown): unknown {
  if (value === true || value === 'true') return { allowOrigins: ['*'], allowHeaders: ['*'], allowMethods: ['*'] }
  if (!isObj(value)) return undefined
  const out: Obj = {}
  for (const [k, v] of Object.entries(value)) out[camel(k)] = k === 'MaxAge' ? num(v) ?? v : k === 'AllowCredentials' ? v === true || v === 'true' : v
  return out
}

export function translateTemplate(loaded: LoadedTemplate, options: TranslateOptions = {}): TranslatedStack {
  const kind = detectTemplateKind(loaded.value) === 'sam' ? 'sam' : 'cloudformation'
  const pre: TemplateProblem[] = []
  const template = kind === 'sam'
    ? withGlobals(loaded, { warning: (path, message) => pre.push({ file: loaded.file, line: loaded.line(path), path: formatPath(path), message }) })
    : loaded
  const depth = options.depth ?? 0
  const baseDir = dirname(resolve(loaded.file))
  const evaluated = evaluateTemplate(template, {
    resolverFactory: resolverFactoryFor(baseDir, depth),
    ...(options.parameterOverrides !== undefined ? { parameterOverrides: options.parameterOverrides } : {}),
    ...(options.importValues !== undefined ? { importValues: options.importValues } : {}),
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.accountId !== undefined ? { accountId: options.accountId } : {}),
    ...(options.stackName !== undefined ? { stackName: options.stackName } : {}),
  })
  const t = new Translation(template)
  t.warnings.push(...pre, ...evaluated.warnings)
  t.problems.push(...evaluated.problems)
  for (const p of evaluated.problems) {
    const id = /^Resources\.([^.[]+)/.exec(p.path)?.[1]
    if (id !== undefined) t.evaluationFailed.add(id)
  }
  t.resources = new Map(evaluated.resources)
  t.sourceFiles.push(resolve(loaded.file))
  for (const [id, r] of evaluated.resources) {
    if (/^AWS::(ApiGatewayV2::Api|Serverless::HttpApi|Serverless::Api)$/.test(r.type)) t.byDerivedId.set(derivedApiId(id), id)
    else if (r.type.startsWith('AWS::ApiGatewayV2::')) t.byDerivedId.set(derivedSubresourceId(id), id)
  }
  const ignored = new Map<string, string[]>()
  const ignore = (r: EvaluatedResource): void => {
    const list = ignored.get(r.type) ?? []
    list.push(r.logicalId)
    ignored.set(r.type, list)
  }
  for (const r of evaluated.resources.values()) {
    if (r.type === 'AWS::Serverless::Function') t.addFunction(r, true)
    else if (r.type === 'AWS::Lambda::Function') t.addFunction(r, false)
  }
  if (kind === 'sam') translateSam(t, evaluated.resources, ignore)
  translateApiGatewayV2(t, evaluated.resources, ignore)
  for (const r of evaluated.resources.values()) {
    if (/^AWS::(Serverless::(Function|HttpApi|Api)|Lambda::Function|ApiGatewayV2::(Api|Route|Integration|Stage|Authorizer|IntegrationResponse|RouteResponse))$/.test(r.type)) continue
    if (SILENT_TYPES.test(r.type)) continue
    if (NESTED_STACK_TYPES.has(r.type)) continue
    ignore(r)
  }
  translateNestedStacks(t, evaluated, options, depth)
  // A nested stack may hold only functions or users; the stack given to serve must serve an API.
  if (depth === 0 && t.apis.length === 0 && t.problems.length === 0) {
    t.problem(['Resources'], 'the template has no HTTP or WebSocket API to serve (no HttpApi events, AWS::Serverless::HttpApi or AWS::ApiGatewayV2::Api)')
  }
  if (ignored.size > 0) {
    const list = [...ignored].map(([type, ids]) => `${type} (${ids.join(', ')})`).join('; ')
    t.warnings.push({ file: loaded.file, line: loaded.line(['Resources']), path: 'Resources', message: `resources not served locally, ignored: ${list}` })
  }
  return {
    kind,
    config: { region: evaluated.stack.region, accountId: evaluated.stack.accountId, functions: t.functions, apis: t.apis },
    origins: t.origins,
    problems: t.problems,
    warnings: t.warnings,
    sourceFiles: t.sourceFiles,
    bodies: t.bodies,
    nested: t.nestedParts,
  }
}

/**
 * Local nested stacks are translated with the parameters the parent gives them and served
 * with the parent: their functions and APIs join the parent's, their problems and warnings
 * name their own file. Remote ones are named in one warning.
 */
function translateNestedStacks(t: Translation, evaluated: { resources: ReadonlyMap<string, EvaluatedResource>; stack: { region: string; accountId: string; stackName: string } }, options: TranslateOptions, depth: number): void {
  const remote: string[] = []
  let firstRemote: TemplatePath | undefined
  for (const r of evaluated.resources.values()) {
    if (!NESTED_STACK_TYPES.has(r.type)) continue
    const at: TemplatePath = [...r.path, 'Properties', locationProperty(r.type)]
    const where = nestedLocation(r.properties[locationProperty(r.type)], t.baseDir)
    if (where.kind === 'remote') {
      remote.push(`${r.logicalId} (${r.type}, ${where.description})`)
      firstRemote ??= r.path
      continue
    }
    if (where.kind === 'missing') {
      t.problem(at, `nested stack template not found: ${where.file}`)
      continue
    }
    if (depth + 1 > MAX_NESTED_DEPTH) {
      t.problem(at, `nested stacks deeper than ${MAX_NESTED_DEPTH} levels are not served (a template that nests itself?)`)
      continue
    }
    const loaded = loadTemplate(where.file)
    if (!loaded.ok) {
      t.problems.push(...loaded.problems)
      continue
    }
    const nested = translateTemplate(loaded.template, {
      parameterOverrides: nestedParameters(r.properties['Parameters']),
      ...(options.importValues !== undefined ? { importValues: options.importValues } : {}),
      region: evaluated.stack.region,
      accountId: evaluated.stack.accountId,
      stackName: `${evaluated.stack.stackName}-${r.logicalId}`,
      depth: depth + 1,
    })
    t.problems.push(...nested.problems)
    t.warnings.push(...nested.warnings)
    t.sourceFiles.push(...nested.sourceFiles)
    const config = nested.config as { functions?: Obj; apis?: Obj[] }
    for (const [name, fn] of Object.entries(config.functions ?? {})) {
      if (t.functions[name] !== undefined) {
        t.problem(r.path, `nested stack ${r.logicalId} declares function ${name}, which the parent declares too`)
        continue
      }
      t.functions[name] = fn
    }
    const apiOffset = t.apis.length
    const deeper = (nested.nested ?? []).map((part) => ({ ...part, apiOffset: part.apiOffset + apiOffset }))
    const deeperFunctions = new Set(deeper.flatMap((part) => part.functions))
    t.nestedParts.push(...deeper, {
      template: loaded.template,
      origins: nested.origins,
      functions: Object.keys(config.functions ?? {}).filter((name) => !deeperFunctions.has(name)),
      apiOffset,
      apiCount: (config.apis ?? []).length,
    })
    t.apis.push(...(config.apis ?? []))
  }
  if (remote.length > 0) {
    t.warnings.push({
      file: t.template.file,
      line: t.template.line(firstRemote ?? ['Resources']),
      path: formatPath(firstRemote ?? ['Resources']),
      message: `nested stacks with remote templates are not served: ${remote.join('; ')}. Their APIs and functions are left out`,
    })
  }
}

// -----------------------------------------------------------------------------------------
// SAM

interface SamApi {
  readonly logicalId: string
  readonly path: TemplatePath
  readonly routes: Obj[]
  readonly integrations: Obj[]
  readonly routeOrigins: TemplatePath[]
  readonly integrationOrigins: TemplatePath[]
  readonly props: Readonly<Record<string, unknown>>
  /** Events' own RouteSettings by route key: SAM merges them into the stage's RouteSettings. */
  readonly eventRouteSettings: Map<string, unknown>
}

function translateSam(t: Translation, resources: ReadonlyMap<string, EvaluatedResource>, ignore: (r: EvaluatedResource) => void): void {
  const apis = new Map<string, SamApi>()
  for (const r of resources.values()) {
    if (r.type === 'AWS::Serverless::Api') t.problem([...r.path, 'Type'], 'AWS::Serverless::Api is a REST API: REST APIs are not served (Gatehouse serves HTTP and WebSocket APIs)')
    if (r.type === 'AWS::Serverless::HttpApi') apis.set(r.logicalId, { logicalId: r.logicalId, path: r.path, routes: [], integrations: [], routeOrigins: [], integrationOrigins: [], props: r.properties, eventRouteSettings: new Map() })
  }
  const otherEvents = new Map<string, string[]>()
  for (const fn of resources.values()) {
    if (fn.type !== 'AWS::Serverless::Function') continue
    const events = fn.properties['Events']
    if (!isObj(events)) continue
    const name = str(fn.properties['FunctionName']) ?? fn.logicalId
    for (const [eventName, event] of Object.entries(events)) {
      const at: TemplatePath = [...fn.path, 'Properties', 'Events', eventName]
      if (!isObj(event)) continue
      const type = str(event['Type'])
      const ep = isObj(event['Properties']) ? event['Properties'] : {}
      if (type === 'Api') {
        t.problem([...at, 'Type'], 'events of type Api belong to a REST API: REST APIs are not served (use HttpApi)')
        continue
      }
      if (type !== 'HttpApi') {
        const list = otherEvents.get(type ?? '?') ?? []
        list.push(`${fn.logicalId}.${eventName}`)
        otherEvents.set(type ?? '?', list)
        continue
      }
      let apiLogicalId = SAM_IMPLICIT_HTTP_API
      if (ep['ApiId'] !== undefined) {
        const id = t.logicalIdOf(ep['ApiId'])
        if (id === undefined || !apis.has(id)) {
          t.problem([...at, 'Properties', 'ApiId'], `ApiId must be a Ref to an AWS::Serverless::HttpApi of this template`)
          continue
        }
        apiLogicalId = id
      }
      let api = apis.get(apiLogicalId)
      if (api === undefined) {
        api = { logicalId: apiLogicalId, path: at, routes: [], integrations: [], routeOrigins: [], integrationOrigins: [], props: {}, eventRouteSettings: new Map() }
        apis.set(apiLogicalId, api)
      }
      const method = str(ep['Method'])
      const path = str(ep['Path'])
      let routeKey = '$default'
      if (method !== undefined || path !== undefined) {
        if (method === undefined || path === undefined) {
          t.problem([...at, 'Properties'], 'an HttpApi event needs both Path and Method (or neither, for the $default route)')
          continue
        }
        routeKey = `${method.toLowerCase() === 'any' ? 'ANY' : method.toUpperCase()} ${path}`
      }
      const integrationId = `${fn.logicalId}${eventName}`
      const integration: Obj = {
        integrationId,
        integrationType: 'AWS_PROXY',
        integrationUri: name,
        payloadFormatVersion: str(ep['PayloadFormatVersion']) ?? '2.0',
      }
      const timeout = num(ep['TimeoutInMillis'])
      if (timeout !== undefined) integration['timeoutInMillis'] = timeout
      const route: Obj = { routeKey, target: `integrations/${integrationId}` }
      const auth = isObj(ep['Auth']) ? ep['Auth'] : {}
      const apiAuth = isObj(api.props['Auth']) ? api.props['Auth'] : {}
      const authorizer = str(auth['Authorizer']) ?? str(apiAuth['DefaultAuthorizer'])
      if (str(auth['Authorizer']) === 'NONE') EXPLICIT_NONE.add(route)
      if (authorizer !== undefined && authorizer !== 'NONE') {
        const def = isObj(apiAuth['Authorizers']) ? apiAuth['Authorizers'][authorizer] : undefined
        if (authorizer === 'AWS_IAM') route['authorizationType'] = 'AWS_IAM'
        else if (!isObj(def)) {
          t.problem([...at, 'Properties', 'Auth', 'Authorizer'], `authorizer "${authorizer}" is not defined in ${api.logicalId}'s Auth.Authorizers`)
          continue
        } else {
          route['authorizationType'] = def['JwtConfiguration'] !== undefined ? 'JWT' : 'CUSTOM'
          route['authorizerId'] = authorizer
          // The event's scopes, else the authorizer's own AuthorizationScopes (SAM's default).
          const scopes = auth['AuthorizationScopes'] ?? def['AuthorizationScopes']
          if (Array.isArray(scopes)) route['authorizationScopes'] = scopes
        }
      }
      api.routes.push(route)
      api.routeOrigins.push(at)
      api.integrations.push(integration)
      api.integrationOrigins.push(at)
      if (isObj(ep['RouteSettings'])) api.eventRouteSettings.set(routeKey, ep['RouteSettings'])
    }
  }
  if (otherEvents.size > 0) {
    const list = [...otherEvents].map(([type, ids]) => `${type} (${ids.join(', ')})`).join('; ')
    t.warnings.push({ file: t.template.file, line: t.template.line(['Resources']), path: 'Resources', message: `event sources not served locally, ignored: ${list}` })
  }
  for (const api of apis.values()) emitSamApi(t, api)
  void ignore
}

function emitSamApi(t: Translation, api: SamApi): void {
  const index = t.apis.length
  const base = ['apis', index]
  const p = api.props
  const at = [...api.path, 'Properties']
  const stageName = str(p['StageName']) ?? '$default'
  const stage = stagesOf({
    stageName,
    stageVariables: p['StageVariables'],
    defaultRouteSettings: p['DefaultRouteSettings'],
    // An event's RouteSettings win over the API's for that route, as SAM merges them.
    routeSettings: api.eventRouteSettings.size > 0
      ? { ...(isObj(p['RouteSettings']) ? p['RouteSettings'] : {}), ...Object.fromEntries(api.eventRouteSettings) }
      : p['RouteSettings'],
    accessLogSettings: p['AccessLogSettings'],
  })
  t.origin(base, api.path)
  t.origin([...base, 'stages', 0], at)
  t.origin([...base, 'stages', 0, 'stageVariables'], [...at, 'StageVariables'])
  t.origin([...base, 'stages', 0, 'defaultRouteSettings'], [...at, 'DefaultRouteSettings'])
  t.origin([...base, 'stages', 0, 'routeSettings'], [...at, 'RouteSettings'])
  t.origin([...base, 'stages', 0, 'accessLogSettings'], [...at, 'AccessLogSettings'])
  const name = str(p['Name']) ?? api.logicalId
  const apiId = derivedApiId(api.logicalId)
  // Custom domains name ACM certificates, which do not exist locally.
  if (p['Domain'] !== undefined) t.warning([...at, 'Domain'], 'Domain is not served: custom domain names need local certificates (see custom domain names in gatehouse.yaml); the API is served on its execute-api address')
  const definitionUri = p['DefinitionUri']
  const definitionBody = p['DefinitionBody']
  if (definitionUri !== undefined || definitionBody !== undefined) {
    let file: string
    const cors = corsOf(p['CorsConfiguration'])
    const definitionAt = [...at, definitionUri !== undefined ? 'DefinitionUri' : 'DefinitionBody']
    if (typeof definitionUri === 'string') {
      file = resolve(t.baseDir, definitionUri)
      t.sourceFiles.push(file)
      if (api.routes.length > 0 || p['Auth'] !== undefined || cors !== undefined) {
        // SAM merges events, Auth and CorsConfiguration into the file's document: served from a merged copy.
        const document = readDefinitionFile(file)
        if (typeof document === 'string') {
          t.problem([...at, 'DefinitionUri'], document)
          return
        }
        const merged = mergeIntoDefinition(t, api, document, isObj(p['Auth']) ? p['Auth'] : {}, at)
        if (merged === undefined) return
        if (cors !== undefined) merged['x-amazon-apigateway-cors'] = cors
        file = t.writeBody(api.logicalId, merged)
      }
    } else if (isObj(definitionBody)) {
      // As SAM does: events, Auth and CorsConfiguration are written into the definition.
      const merged = mergeIntoDefinition(t, api, definitionBody, isObj(p['Auth']) ? p['Auth'] : {}, at)
      if (merged === undefined) return
      if (cors !== undefined) merged['x-amazon-apigateway-cors'] = cors
      file = t.writeBody(api.logicalId, merged)
      t.bodies.set(file, definitionAt)
    } else if (definitionBody !== undefined) {
      t.problem(definitionAt, 'DefinitionBody must be an OpenAPI document (a mapping)')
      return
    } else {
      t.problem([...at, 'DefinitionUri'], 'DefinitionUri must be a local file (S3 locations are not served)')
      return
    }
    t.origin([...base, 'openapi'], definitionAt)
    t.apis.push({ openapi: file, name, apiId, stages: [stage] })
    return
  }
  const apiEntry: Obj = { name, apiId, protocolType: 'HTTP', routes: api.routes, integrations: api.integrations, stages: [stage] }
  api.routes.forEach((_, i) => {
    t.origin([...base, 'routes', i], api.routeOrigins[i] ?? api.path)
    t.origin([...base, 'routes', i, 'routeKey'], [...(api.routeOrigins[i] ?? api.path), 'Properties', 'Path'])
    t.origin([...base, 'routes', i, 'authorizerId'], [...(api.routeOrigins[i] ?? api.path), 'Properties', 'Auth'])
    t.origin([...base, 'integrations', i], api.integrationOrigins[i] ?? api.path)
  })
  const cors = corsOf(p['CorsConfiguration'])
  if (cors !== undefined) {
    apiEntry['corsConfiguration'] = cors
    t.origin([...base, 'corsConfiguration'], [...at, 'CorsConfiguration'])
  }
  if (p['DisableExecuteApiEndpoint'] === true || p['DisableExecuteApiEndpoint'] === 'true') apiEntry['disableExecuteApiEndpoint'] = true
  const auth = isObj(p['Auth']) ? p['Auth'] : {}
  const authorizers: Obj[] = []
  if (isObj(auth['Authorizers'])) {
    for (const [authName, def] of Object.entries(auth['Authorizers'])) {
      if (!isObj(def)) continue
      const defAt = [...at, 'Auth', 'Authorizers', authName]
      t.origin([...base, 'authorizers', authorizers.length], defAt)
      if (isObj(def['JwtConfiguration'])) {
        const jwt = def['JwtConfiguration']
        const out: Obj = { authorizerId: authName, name: authName, authorizerType: 'JWT', jwtConfiguration: camelKeys(jwt, 0) }
        const source = def['IdentitySource']
        out['identitySource'] = source ?? '$request.header.Authorization'
        authorizers.push(out)
      } else if (def['FunctionArn'] !== undefined) {
        const out: Obj = {
          authorizerId: authName,
          name: authName,
          authorizerType: 'REQUEST',
          authorizerUri: str(def['FunctionArn']),
          authorizerPayloadFormatVersion: str(def['AuthorizerPayloadFormatVersion']) ?? '2.0',
        }
        if (def['EnableSimpleResponses'] !== undefined) out['enableSimpleResponses'] = def['EnableSimpleResponses'] === true || def['EnableSimpleResponses'] === 'true'
        const identity = isObj(def['Identity']) ? def['Identity'] : {}
        const sources = [
          ...samIdentitySources(identity),
        ]
        if (sources.length > 0) out['identitySource'] = sources
        const ttl = num(identity['ReauthorizeEvery'])
        if (ttl !== undefined) out['authorizerResultTtlInSeconds'] = ttl
        authorizers.push(out)
      } else {
        t.problem(defAt, 'an HttpApi authorizer needs JwtConfiguration (JWT) or FunctionArn (Lambda)')
      }
    }
  }
  if (authorizers.length > 0) apiEntry['authorizers'] = authorizers
  t.apis.push(apiEntry)
}

/** A SAM Lambda authorizer's `Identity` (Headers, QueryStrings, Context, StageVariables) as identity sources. */
function samIdentitySources(identity: Obj): string[] {
  const list = (key: string, prefix: string): string[] => (Array.isArray(identity[key]) ? identity[key].map((n) => `${prefix}${String(n)}`) : [])
  return [
    ...list('Headers', '$request.header.'),
    ...list('QueryStrings', '$request.querystring.'),
    ...list('Context', '$context.'),
    ...list('StageVariables', '$stageVariables.'),
  ]
}

/** An HttpApi `Auth.Authorizers` entry as SAM writes it into `components.securitySchemes`. */
function securitySchemeOf(def: Obj): Obj | undefined {
  if (isObj(def['JwtConfiguration'])) {
    const source = def['IdentitySource'] ?? '$request.header.Authorization'
    return {
      type: 'oauth2',
      'x-amazon-apigateway-authorizer': { type: 'jwt', jwtConfiguration: camelKeys(def['JwtConfiguration'], 0), identitySource: source },
    }
  }
  if (def['FunctionArn'] === undefined) return undefined
  const ext: Obj = {
    type: 'request',
    authorizerUri: str(def['FunctionArn']),
    authorizerPayloadFormatVersion: str(def['AuthorizerPayloadFormatVersion']) ?? '2.0',
  }
  if (def['EnableSimpleResponses'] !== undefined) ext['enableSimpleResponses'] = def['EnableSimpleResponses'] === true || def['EnableSimpleResponses'] === 'true'
  const identity = isObj(def['Identity']) ? def['Identity'] : {}
  const sources = [
    ...samIdentitySources(identity),
  ]
  if (sources.length > 0) ext['identitySource'] = sources
  const ttl = num(identity['ReauthorizeEvery'])
  if (ttl !== undefined) ext['authorizerResultTtlInSeconds'] = ttl
  return { type: 'apiKey', in: 'header', name: 'Unused', 'x-amazon-apigateway-authorizer': ext }
}

/** A DefinitionUri document (YAML or JSON), or why it cannot be read. */
function readDefinitionFile(file: string): Obj | string {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    return `DefinitionUri file cannot be read: ${(err as Error).message}`
  }
  try {
    const value: unknown = parseYaml(text)
    return isObj(value) ? value : `DefinitionUri file ${file} is not an OpenAPI document (a mapping)`
  } catch (err) {
    return `DefinitionUri file ${file} cannot be parsed: ${(err as Error).message}`
  }
}

/** Routes of events whose Auth.Authorizer is NONE: in a definition they get `security: []`. */
const EXPLICIT_NONE = new WeakSet<Obj>()

/** OpenAPI operation keys by route-key method (ANY is API Gateway's extension). */
const openApiMethod = (method: string): string => (method === 'ANY' ? 'x-amazon-apigateway-any-method' : method.toLowerCase())

/**
 * SAM's merge of an HttpApi's events and Auth into its inline DefinitionBody: every event
 * becomes (or completes) the operation at its path and method with an aws_proxy integration;
 * `Auth.Authorizers` become `components.securitySchemes`; `DefaultAuthorizer` applies to
 * every operation that names no security of its own, as SAM's `set_path_default_authorizer`.
 */
function mergeIntoDefinition(t: Translation, api: SamApi, body: Obj, auth: Obj, at: TemplatePath): Obj | undefined {
  const doc = structuredClone(body) as Obj
  const paths: Obj = isObj(doc['paths']) ? doc['paths'] : {}
  doc['paths'] = paths
  const authorizers = isObj(auth['Authorizers']) ? auth['Authorizers'] : {}
  if (Object.keys(authorizers).length > 0) {
    const components: Obj = isObj(doc['components']) ? doc['components'] : {}
    const schemes: Obj = isObj(components['securitySchemes']) ? components['securitySchemes'] : {}
    for (const [authName, def] of Object.entries(authorizers)) {
      const scheme = isObj(def) ? securitySchemeOf(def) : undefined
      if (scheme === undefined) {
        t.problem([...at, 'Auth', 'Authorizers', authName], 'an HttpApi authorizer needs JwtConfiguration (JWT) or FunctionArn (Lambda)')
        return undefined
      }
      schemes[authName] = scheme
    }
    doc['components'] = { ...components, securitySchemes: schemes }
  }
  api.routes.forEach((route, i) => {
    const integration = api.integrations[i] ?? {}
    const routeKey = String(route['routeKey'])
    const [method, path] = routeKey === '$default' ? ['ANY', '$default'] : (routeKey.split(' ', 2) as [string, string])
    const item: Obj = isObj(paths[path]) ? paths[path] : {}
    paths[path] = item
    const key = openApiMethod(method)
    const operation: Obj = isObj(item[key]) ? { ...item[key] } : {}
    const ext: Obj = { type: 'aws_proxy', httpMethod: 'POST', uri: integration['integrationUri'], payloadFormatVersion: integration['payloadFormatVersion'] }
    if (integration['timeoutInMillis'] !== undefined) ext['timeoutInMillis'] = integration['timeoutInMillis']
    operation['x-amazon-apigateway-integration'] = ext
    if (routeKey === '$default') operation['isDefaultRoute'] = true
    if (route['authorizationType'] === 'AWS_IAM') operation['security'] = [{ AWS_IAM: [] }]
    else if (typeof route['authorizerId'] === 'string') operation['security'] = [{ [route['authorizerId']]: route['authorizationScopes'] ?? [] }]
    else if (EXPLICIT_NONE.has(route)) operation['security'] = []
    item[key] = operation
  })
  const defaultAuthorizer = str(auth['DefaultAuthorizer'])
  if (defaultAuthorizer !== undefined && defaultAuthorizer !== 'NONE') {
    for (const item of Object.values(paths)) {
      if (!isObj(item)) continue
      for (const [key, operation] of Object.entries(item)) {
        if (!isObj(operation) || operation['security'] !== undefined) continue
        if (!/^(get|put|post|delete|options|head|patch|x-amazon-apigateway-any-method)$/.test(key)) continue
        operation['security'] = [{ [defaultAuthorizer]: [] }]
      }
    }
  }
  return doc
}

// -----------------------------------------------------------------------------------------
// CloudFormation AWS::ApiGatewayV2::*

/** One warning per resource naming the properties Gatehouse does not read. */
function warnUnread(t: Translation, r: EvaluatedResource): void {
  const read = READ_PROPERTIES[r.type]
  if (read === undefined) return
  const unread = Object.keys(r.properties).filter((k) => !read.has(k) && !SILENT_PROPERTIES.has(k))
  if (unread.length > 0) t.warning([...r.path, 'Properties', unread[0] as string], `not used locally, ignored: ${unread.join(', ')}`)
}


function translateApiGatewayV2(t: Translation, resources: ReadonlyMap<string, EvaluatedResource>, ignore: (r: EvaluatedResource) => void): void {
  interface V2Api { entry: Obj; index: number; r: EvaluatedResource; routes: Obj[]; integrations: Obj[]; stages: Obj[]; authorizers: Obj[] }
  const apis = new Map<string, V2Api>()
  const apiOf = (r: EvaluatedResource): V2Api | undefined => {
    const id = t.logicalIdOf(r.properties['ApiId'])
    const api = id === undefined ? undefined : apis.get(id)
    if (api === undefined) t.problem([...r.path, 'Properties', 'ApiId'], 'ApiId must be a Ref to an AWS::ApiGatewayV2::Api of this template')
    return api
  }
  for (const r of resources.values()) {
    if (r.type !== 'AWS::ApiGatewayV2::Api') continue
    const p = r.properties
    const at = [...r.path, 'Properties']
    const index = t.apis.length
    const base = ['apis', index]
    const protocol = str(p['ProtocolType'])
    if (protocol !== 'HTTP' && protocol !== 'WEBSOCKET') {
      t.problem([...at, 'ProtocolType'], 'ProtocolType must be HTTP or WEBSOCKET')
      continue
    }
    t.origin(base, r.path)
    const name = str(p['Name']) ?? r.logicalId
    const apiId = derivedApiId(r.logicalId)
    if (p['BodyS3Location'] !== undefined) {
      t.problem([...at, 'BodyS3Location'], 'BodyS3Location is not served: give the OpenAPI document inline in Body')
      continue
    }
    if (p['Body'] !== undefined) {
      const file = t.writeBody(r.logicalId, p['Body'])
      t.bodies.set(file, [...at, 'Body'])
      t.origin([...base, 'openapi'], [...at, 'Body'])
      const entry: Obj = { openapi: file, name, apiId }
      t.apis.push(entry)
      apis.set(r.logicalId, { entry, index, r, routes: [], integrations: [], stages: [], authorizers: [] })
      continue
    }
    const entry: Obj = { name, apiId, protocolType: protocol }
    const rse = str(p['RouteSelectionExpression'])
    if (rse !== undefined) entry['routeSelectionExpression'] = rse
    const akse = str(p['ApiKeySelectionExpression'])
    if (akse !== undefined) {
      entry['apiKeySelectionExpression'] = akse
      t.origin([...base, 'apiKeySelectionExpression'], [...at, 'ApiKeySelectionExpression'])
    }
    const unread = Object.keys(p).filter((k) => !API_PROPERTIES.has(k) && !API_PROPERTIES_SILENT.has(k))
    if (unread.length > 0) t.warning([...at, unread[0] as string], `not used locally, ignored: ${unread.join(', ')}`)
    const cors = corsOf(p['CorsConfiguration'])
    if (cors !== undefined) {
      entry['corsConfiguration'] = cors
      t.origin([...base, 'corsConfiguration'], [...at, 'CorsConfiguration'])
    }
    if (p['DisableExecuteApiEndpoint'] === true || p['DisableExecuteApiEndpoint'] === 'true') entry['disableExecuteApiEndpoint'] = true
    const api: V2Api = { entry, index, r, routes: [], integrations: [], stages: [], authorizers: [] }
    const target = str(p['Target'])
    if (target !== undefined) {
      // Quick create: one integration, one route (default $default), a $default stage with auto-deploy.
      api.integrations.push({ integrationId: 'QuickCreateIntegration', integrationType: protocol === 'HTTP' && !/:lambda:|^arn:aws[a-z-]*:lambda/.test(target) && /^https?:/.test(target) ? 'HTTP_PROXY' : 'AWS_PROXY', integrationUri: target, payloadFormatVersion: '2.0' })
      t.origin([...base, 'integrations', 0], [...at, 'Target'])
      api.routes.push({ routeKey: str(p['RouteKey']) ?? '$default', target: 'integrations/QuickCreateIntegration' })
      t.origin([...base, 'routes', 0], [...at, 'RouteKey'])
      api.stages.push({ stageName: '$default' })
      t.origin([...base, 'stages', 0], r.path)
    }
    t.apis.push(entry)
    apis.set(r.logicalId, api)
  }
  const integrationsById = new Map<string, Obj>()
  for (const r of resources.values()) {
    if (r.type !== 'AWS::ApiGatewayV2::Integration') continue
    const api = apiOf(r)
    if (api === undefined) continue
    const out: Obj = {}
    const unsupported: string[] = []
    for (const [k, v] of Object.entries(r.properties)) {
      if (k === 'ApiId') continue
      if (INTEGRATION_PROPERTIES.has(k)) out[camel(k)] = v
      else unsupported.push(k)
    }
    if (unsupported.length > 0) t.warning([...r.path, 'Properties', unsupported[0] as string], `not used locally, ignored: ${unsupported.join(', ')}`)
    // CloudFormation nests HTTP API response parameters as { status: { ResponseParameters: [{ Destination, Source }] } }.
    if (isObj(out['responseParameters'])) {
      out['responseParameters'] = Object.fromEntries(Object.entries(out['responseParameters']).map(([status, v]) => [
        status,
        isObj(v) && Array.isArray(v['ResponseParameters'])
          ? Object.fromEntries(v['ResponseParameters'].filter(isObj).map((p) => [str(p['Destination']) ?? '', str(p['Source']) ?? '']))
          : v,
      ]))
    }
    out['integrationId'] = r.logicalId
    if (out['integrationMethod'] !== undefined && out['integrationType'] === 'AWS_PROXY') delete out['integrationMethod']
    for (const k of ['timeoutInMillis']) if (out[k] !== undefined) out[k] = num(out[k]) ?? out[k]
    if (isObj(r.properties['TlsConfig'])) out['tlsConfig'] = camelKeys(r.properties['TlsConfig'], 0)
    if (out['payloadFormatVersion'] === undefined && out['integrationType'] === 'AWS_PROXY' && api.entry['protocolType'] === 'HTTP') {
      t.problem([...r.path, 'Properties'], 'PayloadFormatVersion is required for AWS_PROXY integrations of HTTP APIs')
    }
    const at = ['apis', api.index, 'integrations', api.integrations.length] as const
    t.origin([...at], r.path)
    // Each served property, and each key of RequestParameters / RequestTemplates, at its own line.
    for (const k of Object.keys(r.properties)) {
      if (!INTEGRATION_PROPERTIES.has(k)) continue
      t.origin([...at, camel(k)], [...r.path, 'Properties', k])
      const value = r.properties[k]
      if ((k === 'RequestParameters' || k === 'RequestTemplates') && isObj(value)) {
        for (const key of Object.keys(value)) t.origin([...at, camel(k), key], [...r.path, 'Properties', k, key])
      }
    }
    api.integrations.push(out)
    integrationsById.set(r.logicalId, out)
  }
  for (const r of resources.values()) {
    if (r.type !== 'AWS::ApiGatewayV2::IntegrationResponse') continue
    const integration = integrationsById.get(t.logicalIdOf(r.properties['IntegrationId']) ?? '')
    if (integration === undefined) {
      t.problem([...r.path, 'Properties', 'IntegrationId'], 'IntegrationId must be a Ref to an AWS::ApiGatewayV2::Integration of this template')
      continue
    }
    const out: Obj = { integrationResponseKey: str(r.properties['IntegrationResponseKey']) ?? '$default' }
    if (isObj(r.properties['ResponseTemplates'])) out['responseTemplates'] = r.properties['ResponseTemplates']
    const tse = str(r.properties['TemplateSelectionExpression'])
    if (tse !== undefined) out['templateSelectionExpression'] = tse
    const list = Array.isArray(integration['integrationResponses']) ? integration['integrationResponses'] : []
    integration['integrationResponses'] = [...list, out]
  }
  const routesById = new Map<string, Obj>()
  for (const r of resources.values()) {
    if (r.type !== 'AWS::ApiGatewayV2::Route') continue
    warnUnread(t, r)
    const api = apiOf(r)
    if (api === undefined) continue
    const p = r.properties
    const out: Obj = { routeKey: str(p['RouteKey']) }
    const target = str(p['Target'])
    if (target !== undefined) {
      const m = /^integrations\/(.+)$/.exec(target)
      const logical = m?.[1] === undefined ? undefined : t.logicalIdOf(m[1])
      out['target'] = logical === undefined ? target : `integrations/${logical}`
    }
    const authType = str(p['AuthorizationType'])
    if (authType !== undefined) out['authorizationType'] = authType
    if (p['AuthorizerId'] !== undefined) out['authorizerId'] = t.logicalIdOf(p['AuthorizerId']) ?? str(p['AuthorizerId'])
    if (Array.isArray(p['AuthorizationScopes'])) out['authorizationScopes'] = p['AuthorizationScopes']
    if (p['ApiKeyRequired'] === true || p['ApiKeyRequired'] === 'true') out['apiKeyRequired'] = true
    if (isObj(p['RequestParameters'])) out['requestParameters'] = p['RequestParameters']
    const rrse = str(p['RouteResponseSelectionExpression'])
    if (rrse !== undefined) out['routeResponseSelectionExpression'] = rrse
    const op = str(p['OperationName'])
    if (op !== undefined) out['operationName'] = op
    const i = api.routes.length
    t.origin(['apis', api.index, 'routes', i], r.path)
    t.origin(['apis', api.index, 'routes', i, 'routeKey'], [...r.path, 'Properties', 'RouteKey'])
    t.origin(['apis', api.index, 'routes', i, 'target'], [...r.path, 'Properties', 'Target'])
    t.origin(['apis', api.index, 'routes', i, 'authorizerId'], [...r.path, 'Properties', 'AuthorizerId'])
    api.routes.push(out)
    routesById.set(r.logicalId, out)
  }
  for (const r of resources.values()) {
    if (r.type !== 'AWS::ApiGatewayV2::RouteResponse') continue
    const route = routesById.get(t.logicalIdOf(r.properties['RouteId']) ?? '')
    if (route === undefined) {
      t.problem([...r.path, 'Properties', 'RouteId'], 'RouteId must be a Ref to an AWS::ApiGatewayV2::Route of this template')
      continue
    }
    // A route response makes the route two-way; the selection expression is what Gatehouse keys on.
    route['routeResponseSelectionExpression'] ??= '$default'
  }
  for (const r of resources.values()) {
    if (r.type !== 'AWS::ApiGatewayV2::Authorizer') continue
    warnUnread(t, r)
    const api = apiOf(r)
    if (api === undefined) continue
    const p = r.properties
    const out: Obj = { authorizerId: r.logicalId, authorizerType: str(p['AuthorizerType']) }
    const name = str(p['Name'])
    if (name !== undefined) out['name'] = name
    if (p['IdentitySource'] !== undefined) out['identitySource'] = p['IdentitySource']
    if (isObj(p['JwtConfiguration'])) out['jwtConfiguration'] = camelKeys(p['JwtConfiguration'], 0)
    const uri = str(p['AuthorizerUri'])
    if (uri !== undefined) out['authorizerUri'] = uri
    const pfv = str(p['AuthorizerPayloadFormatVersion'])
    if (pfv !== undefined) out['authorizerPayloadFormatVersion'] = pfv
    if (p['EnableSimpleResponses'] !== undefined) out['enableSimpleResponses'] = p['EnableSimpleResponses'] === true || p['EnableSimpleResponses'] === 'true'
    const ttl = num(p['AuthorizerResultTtlInSeconds'])
    if (ttl !== undefined) out['authorizerResultTtlInSeconds'] = ttl
    t.origin(['apis', api.index, 'authorizers', api.authorizers.length], r.path)
    api.authorizers.push(out)
  }
  for (const r of resources.values()) {
    if (r.type !== 'AWS::ApiGatewayV2::Stage') continue
    warnUnread(t, r)
    const api = apiOf(r)
    if (api === undefined) continue
    const p = r.properties
    const at = [...r.path, 'Properties']
    const i = api.stages.length
    const base = ['apis', api.index, 'stages', i]
    t.origin(base, r.path)
    t.origin([...base, 'stageName'], [...at, 'StageName'])
    t.origin([...base, 'stageVariables'], [...at, 'StageVariables'])
    t.origin([...base, 'defaultRouteSettings'], [...at, 'DefaultRouteSettings'])
    t.origin([...base, 'routeSettings'], [...at, 'RouteSettings'])
    t.origin([...base, 'accessLogSettings'], [...at, 'AccessLogSettings'])
    api.stages.push(stagesOf({
      stageName: str(p['StageName']) ?? r.logicalId,
      stageVariables: p['StageVariables'],
      defaultRouteSettings: p['DefaultRouteSettings'],
      routeSettings: p['RouteSettings'],
      accessLogSettings: p['AccessLogSettings'],
    }))
  }
  for (const api of apis.values()) {
    if ('openapi' in api.entry) {
      if (api.stages.length > 0) api.entry['stages'] = api.stages
      const extra = api.routes.length + api.integrations.length + api.authorizers.length
      if (extra > 0) {
        t.warning([...api.r.path, 'Properties', 'Body'], `${extra} Route/Integration/Authorizer resource(s) of an API defined by Body are not merged into it yet; they are ignored`)
      }
      continue
    }
    api.entry['routes'] = api.routes
    if (api.integrations.length > 0) api.entry['integrations'] = api.integrations
    if (api.authorizers.length > 0) api.entry['authorizers'] = api.authorizers
    if (api.stages.length > 0) api.entry['stages'] = api.stages
  }
  void ignore
}
