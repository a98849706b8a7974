/**
 * @module
 * Evaluates a whole CloudFormation / SAM template the way CloudFormation would at stack
 * creation: parameters, pseudo parameters, conditions (lazily, with cycle detection),
 * mappings, then every resource's properties and every output, with intrinsic functions
 * resolved. Resources whose Condition is false are left out. The SAM transform itself is
 * not run (Globals are not merged, AWS::Serverless::* resources stay as written); that is
 * the translator's job.
 */
import type { LoadedTemplate } from './yaml-tags.js'
import { ProblemSink, type TemplatePath, type TemplateProblem } from './errors.js'
import { evaluateCondition, evaluateValue, intrinsicName, isPlainObject, NO_VALUE, UNRESOLVED, type IntrinsicScope } from './intrinsics.js'
import { resolveParameters, type ParameterOverrides, type ParameterValue } from './parameters.js'
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION, DEFAULT_STACK_NAME, NO_VALUE_PSEUDO_PARAMETER, partitionFor, pseudoParameters, urlSuffixFor } from './pseudo.js'
import { createDefaultResolver, type ResolverContext, type ResolverFactory, type ResourceResolver } from './resolver.js'
import { detectTemplateKind, transformsOf } from './kind.js'

export interface EvaluateOptions {
  readonly parameterOverrides?: ParameterOverrides
  /** Values for Fn::ImportValue, by export name (other stacks' outputs). */
  readonly importValues?: Readonly<Record<string, string>>
  readonly region?: string
  readonly accountId?: string
  readonly stackName?: string
  /** Answers Ref/GetAtt for resources; takes precedence over resolverFactory. */
  readonly resolver?: ResourceResolver
  /** Builds the resolver from the stack context; defaults to createDefaultResolver. */
  readonly resolverFactory?: ResolverFactory
}

export interface EvaluatedResource {
  readonly logicalId: string
  readonly type: string
  /** Fully evaluated; properties that were AWS::NoValue or failed to evaluate are absent. */
  readonly properties: Readonly<Record<string, unknown>>
  readonly condition: string | undefined
  /** As written: CloudFormation does not evaluate intrinsic functions in Metadata. */
  readonly metadata: unknown
  readonly dependsOn: readonly string[]
  readonly path: TemplatePath
  readonly line: number | undefined
}

export interface EvaluatedOutput {
  readonly name: string
  readonly value: unknown
  readonly description: string | undefined
  readonly exportName: string | undefined
  readonly condition: string | undefined
  readonly path: TemplatePath
}

export interface StackContext {
  readonly region: string
  readonly accountId: string
  readonly stackName: string
  readonly partition: string
  readonly urlSuffix: string
}

export interface EvaluationResult {
  readonly resources: ReadonlyMap<string, EvaluatedResource>
  readonly outputs: ReadonlyMap<string, EvaluatedOutput>
  readonly parameters: ReadonlyMap<string, ParameterValue>
  readonly conditions: ReadonlyMap<string, boolean>
  readonly stack: StackContext
  readonly problems: readonly TemplateProblem[]
  readonly warnings: readonly TemplateProblem[]
}

/** Top-level sections CloudFormation accepts (plus SAM's Globals); others get a warning. */
const KNOWN_SECTIONS = new Set([
  'AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Rules', 'Mappings',
  'Conditions', 'Transform', 'Resources', 'Outputs', 'Hooks', 'Globals',
])

export const LANGUAGE_EXTENSIONS_TRANSFORM = 'AWS::LanguageExtensions'
/** The rule `cdk synth` adds to every stack. */
export const CDK_BOOTSTRAP_RULE = 'CheckBootstrapVersion'

export function evaluateTemplate(template: LoadedTemplate, options: EvaluateOptions = {}): EvaluationResult {
  const region = options.region ?? DEFAULT_REGION
  const stack: StackContext = {
    region,
    accountId: options.accountId ?? DEFAULT_ACCOUNT_ID,
    stackName: options.stackName ?? DEFAULT_STACK_NAME,
    partition: partitionFor(region),
    urlSuffix: urlSuffixFor(region),
  }
  const sink = new ProblemSink(template.file, (path) => template.line(path))
  const root = template.value
  if (!isPlainObject(root)) {
    sink.problem([], 'a CloudFormation template must be a mapping of sections (Resources, Parameters, ...)')
    return emptyResult(stack, sink)
  }
  for (const key of Object.keys(root)) {
    if (!KNOWN_SECTIONS.has(key)) sink.warning([key], `${key} is not a CloudFormation template section; it is ignored`)
  }
  // CDK adds CheckBootstrapVersion to every stack: it checks the account's bootstrap stack, which
  // means nothing locally, so only other rules are worth a warning.
  const rules = isPlainObject(root['Rules']) ? Object.keys(root['Rules']).filter((k) => k !== CDK_BOOTSTRAP_RULE) : root['Rules'] !== undefined ? ['Rules'] : []
  if (rules.length > 0) sink.warning(['Rules'], 'Rules (parameter assertions) are not checked')

  const evaluation = new TemplateEvaluation(root, stack, sink, options)
  return evaluation.run()
}

function emptyResult(stack: StackContext, sink: ProblemSink): EvaluationResult {
  return { resources: new Map(), outputs: new Map(), parameters: new Map(), conditions: new Map(), stack, problems: sink.problems, warnings: sink.warnings }
}

type ConditionState = boolean | 'pending' | 'failed'

/** One evaluation run; implements the scope the intrinsic functions ask. */
class TemplateEvaluation implements IntrinsicScope {
  readonly region: string
  readonly languageExtensions: boolean
  readonly #parameters: Map<string, ParameterValue>
  readonly #declaredParameters: Set<string>
  readonly #pseudo: ReadonlyMap<string, string | readonly string[]>
  readonly #conditionDefs: Record<string, unknown>
  readonly #conditionState = new Map<string, ConditionState>()
  readonly #conditionStack: string[] = []
  readonly #mappings: Record<string, unknown>
  readonly #resources: Record<string, unknown>
  readonly #propertyCache = new Map<string, unknown>()
  /** Ref/GetAtt/property evaluations under way, outermost first: a repeat is a circular reference. */
  readonly #active: string[] = []
  /** Paths of the Ref/GetAtt calls handed to the resolver: a cycle is reported where it closes. */
  readonly #referencePaths: TemplatePath[] = []
  readonly #resolver: ResourceResolver

  constructor(
    readonly root: Record<string, unknown>,
    readonly stack: StackContext,
    readonly sink: ProblemSink,
    readonly options: EvaluateOptions,
  ) {
    this.region = stack.region
    this.languageExtensions = transformsOf(root).includes(LANGUAGE_EXTENSIONS_TRANSFORM)
    this.#pseudo = pseudoParameters(stack)
    this.#parameters = resolveParameters(root['Parameters'], options.parameterOverrides ?? {}, sink)
    this.#declaredParameters = new Set(isPlainObject(root['Parameters']) ? Object.keys(root['Parameters']) : [])
    this.#conditionDefs = this.#section('Conditions')
    this.#mappings = this.#section('Mappings')
    this.#resources = this.#section('Resources')
    if (root['Resources'] === undefined) sink.problem([], 'the template has no Resources section')
    const context: ResolverContext = {
      ...stack,
      sam: detectTemplateKind(root) === 'sam',
      resourceType: (id) => this.#resourceType(id),
      property: (id, name) => this.#property(id, name),
    }
    this.#resolver = options.resolver ?? (options.resolverFactory ?? createDefaultResolver)(context)
  }

  run(): EvaluationResult {
    // Every condition is evaluated, used or not, so mistakes in unused ones are reported too.
    const conditions = new Map<string, boolean>()
    for (const name of Object.keys(this.#conditionDefs)) {
      const value = this.condition(name, ['Conditions', name])
      if (value !== undefined) conditions.set(name, value)
    }
    const resources = new Map<string, EvaluatedResource>()
    for (const logicalId of Object.keys(this.#resources)) {
      const resource = this.#evaluateResource(logicalId)
      if (resource) resources.set(logicalId, resource)
    }
    const outputs = new Map<string, EvaluatedOutput>()
    for (const [name, raw] of Object.entries(this.#section('Outputs'))) {
      const output = this.#evaluateOutput(name, raw)
      if (output) outputs.set(name, output)
    }
    return { resources, outputs, parameters: this.#parameters, conditions, stack: this.stack, problems: this.sink.problems, warnings: this.sink.warnings }
  }

  #section(name: string): Record<string, unknown> {
    const value = this.root[name]
    if (value === undefined || value === null) return {}
    if (isPlainObject(value)) return value
    this.sink.problem([name], `${name} must be a mapping`)
    return {}
  }

  // -------------------------------------------------------------------------------------
  // IntrinsicScope

  ref(name: string, path: TemplatePath): unknown {
    if (name === NO_VALUE_PSEUDO_PARAMETER) return NO_VALUE
    const pseudo = this.#pseudo.get(name)
    if (pseudo !== undefined) return typeof pseudo === 'string' ? pseudo : [...pseudo]
    if (name.startsWith('AWS::')) {
      this.sink.problem(path, `unresolvable Ref: ${name} is not a pseudo parameter`)
      return UNRESOLVED
    }
    if (this.#declaredParameters.has(name)) {
      const value = this.#parameters.get(name)
      // A parameter without a value has had its problem reported under Parameters.
      if (value === undefined) return UNRESOLVED
      return typeof value === 'string' ? value : [...value]
    }
    return this.#resourceValue(name, null, path)
  }

  getAtt(logicalId: string, attribute: string, path: TemplatePath): unknown {
    return this.#resourceValue(logicalId, attribute, path)
  }

  condition(name: string, path: TemplatePath): boolean | undefined {
    if (!Object.hasOwn(this.#conditionDefs, name)) {
      this.sink.problem(path, `condition ${name} is not declared in Conditions`)
      return undefined
    }
    const state = this.#conditionState.get(name)
    if (state === 'failed') return undefined
    if (typeof state === 'boolean') return state
    if (state === 'pending') {
      const cycle = [...this.#conditionStack.slice(this.#conditionStack.indexOf(name)), name]
      this.sink.problem(path, `circular condition: ${cycle.join(' -> ')}`)
      return undefined
    }
    this.#conditionState.set(name, 'pending')
    this.#conditionStack.push(name)
    const value = evaluateCondition(this.#conditionDefs[name], ['Conditions', name], this)
    this.#conditionStack.pop()
    this.#conditionState.set(name, value ?? 'failed')
    return value
  }

  findInMap(keys: readonly [string, string, string], hasDefault: boolean, path: TemplatePath): unknown {
    const [mapName, topKey, secondKey] = keys
    const map = this.#mappings[mapName]
    const top = isPlainObject(map) ? map[topKey] : undefined
    const value = isPlainObject(top) ? top[secondKey] : undefined
    if (value !== undefined) return value
    if (hasDefault) return undefined
    const missing = !isPlainObject(map)
      ? `Mappings has no map "${mapName}"`
      : !isPlainObject(top)
        ? `Mappings.${mapName} has no key "${topKey}"`
        : `Mappings.${mapName}.${topKey} has no key "${secondKey}"`
    this.sink.problem(path, `Fn::FindInMap: ${missing}`)
    return undefined
  }

  importValue(name: string, path: TemplatePath): unknown {
    const value = this.options.importValues?.[name]
    if (value !== undefined) return value
    this.sink.problem(path, `Fn::ImportValue: no value for the export "${name}" (it lives in another stack); supply it in importValues`)
    return UNRESOLVED
  }

  // -------------------------------------------------------------------------------------
  // Resources

  #rawResource(logicalId: string): Record<string, unknown> | undefined {
    if (!Object.hasOwn(this.#resources, logicalId)) return undefined
    const raw = this.#resources[logicalId]
    return isPlainObject(raw) ? raw : undefined
  }

  /** The resource's Condition: true when unconditional, undefined after a reported problem. */
  #created(logicalId: string): boolean | undefined {
    const condition = this.#rawResource(logicalId)?.['Condition']
    if (condition === undefined) return true
    if (typeof condition !== 'string') return undefined
    return this.condition(condition, ['Resources', logicalId, 'Condition'])
  }

  #resourceType(logicalId: string): string | undefined {
    const type = this.#rawResource(logicalId)?.['Type']
    return typeof type === 'string' && this.#created(logicalId) === true ? type : undefined
  }

  #resourceValue(logicalId: string, attribute: string | null, path: TemplatePath): unknown {
    const what = attribute === null ? `Ref ${logicalId}` : `Fn::GetAtt ${logicalId}.${attribute}`
    const raw = this.#rawResource(logicalId)
    if (raw !== undefined) {
      const created = this.#created(logicalId)
      if (created === undefined) return UNRESOLVED
      if (!created) {
        this.sink.problem(path, `${what}: resource ${logicalId} is not created, because its condition ${String(raw['Condition'])} is false`)
        return UNRESOLVED
      }
    }
    this.#referencePaths.push(path)
    const value = this.#guarded(what, path, () => this.#resolver(logicalId, attribute, path))
    this.#referencePaths.pop()
    if (value !== undefined) return value
    const type = typeof raw?.['Type'] === 'string' ? raw['Type'] : undefined
    if (attribute === null) {
      this.sink.problem(path, raw ? `unresolvable Ref to ${logicalId} (${type ?? 'no Type'})` : `unresolvable Ref: ${logicalId} is not a parameter, pseudo parameter or resource`)
    } else {
      this.sink.problem(path, raw ? `Resources.${logicalId} (${type ?? 'no Type'}) has no attribute ${attribute}` : `Fn::GetAtt: ${logicalId} is not a resource in this template`)
    }
    return UNRESOLVED
  }

  /** Runs `work` unless `key` is already under way (then it is a circular reference). */
  #guarded(key: string, path: TemplatePath, work: () => unknown): unknown {
    const start = this.#active.indexOf(key)
    if (start >= 0) {
      this.sink.problem(path, `circular reference: ${[...this.#active.slice(start), key].join(' -> ')}`)
      return UNRESOLVED
    }
    this.#active.push(key)
    try {
      return work()
    } finally {
      this.#active.pop()
    }
  }

  /** Evaluates one property once (resolvers and the resource itself share the result). */
  #property(logicalId: string, name: string): unknown {
    const cacheKey = `${logicalId}\0${name}`
    if (this.#propertyCache.has(cacheKey)) return this.#propertyCache.get(cacheKey)
    const properties = this.#rawResource(logicalId)?.['Properties']
    if (!isPlainObject(properties) || !Object.hasOwn(properties, name)) return undefined
    const path: TemplatePath = ['Resources', logicalId, 'Properties', name]
    const key = `Resources.${logicalId}.Properties.${name}`
    // A property asked for by a resolver has no path of its own in the chain; a cycle
    // through it is reported at the Ref/GetAtt that led back to it.
    const reportAt = this.#referencePaths.at(-1) ?? path
    let value = this.#guarded(key, reportAt, () => evaluateValue(properties[name], path, this))
    if (value === NO_VALUE) value = undefined
    // A value that depended on a circular reference stays UNRESOLVED for everyone.
    this.#propertyCache.set(cacheKey, value)
    return value
  }

  #evaluateResource(logicalId: string): EvaluatedResource | undefined {
    const path: TemplatePath = ['Resources', logicalId]
    if (logicalId.startsWith('Fn::ForEach')) {
      this.sink.problem(path, 'Fn::ForEach (AWS::LanguageExtensions) is not supported; write the resources out')
      return undefined
    }
    const raw = this.#resources[logicalId]
    if (!isPlainObject(raw)) {
      this.sink.problem(path, `resource ${logicalId} must be a mapping with a Type`)
      return undefined
    }
    const type = raw['Type']
    if (typeof type !== 'string') {
      this.sink.problem(path, `resource ${logicalId} has no Type`)
      return undefined
    }
    const conditionName = raw['Condition']
    if (conditionName !== undefined && typeof conditionName !== 'string') {
      this.sink.problem([...path, 'Condition'], 'a resource Condition must be the name of a condition')
      return undefined
    }
    if (this.#created(logicalId) !== true) return undefined

    const rawProperties = raw['Properties']
    const properties: Record<string, unknown> = {}
    if (rawProperties !== undefined && !isPlainObject(rawProperties)) {
      this.sink.problem([...path, 'Properties'], 'Properties must be a mapping')
    } else if (rawProperties !== undefined && intrinsicName(rawProperties) !== undefined) {
      this.sink.problem([...path, 'Properties'], 'Properties must be a mapping of property names, not an intrinsic function')
    } else {
      for (const name of Object.keys(rawProperties ?? {})) {
        if (name === 'Fn::Transform') {
          evaluateValue({ [name]: rawProperties?.[name] }, [...path, 'Properties'], this)
          continue
        }
        const value = this.#property(logicalId, name)
        if (value !== undefined && value !== UNRESOLVED) properties[name] = value
      }
    }
    return {
      logicalId,
      type,
      properties,
      condition: conditionName,
      metadata: raw['Metadata'],
      dependsOn: this.#dependsOn(logicalId, raw['DependsOn']),
      path,
      line: this.sink.lineOf(path),
    }
  }

  #dependsOn(logicalId: string, raw: unknown): string[] {
    if (raw === undefined) return []
    const path: TemplatePath = ['Resources', logicalId, 'DependsOn']
    const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : undefined
    if (!list || !list.every((d): d is string => typeof d === 'string')) {
      this.sink.problem(path, 'DependsOn must be a logical id or a list of logical ids')
      return []
    }
    for (const [index, target] of list.entries()) {
      const where = typeof raw === 'string' ? path : [...path, index]
      if (!isPlainObject(this.#resources[target]) || !Object.hasOwn(this.#resources, target)) {
        this.sink.problem(where, `DependsOn: ${target} is not a resource in this template`)
      } else if (this.#created(target) === false) {
        this.sink.problem(where, `DependsOn: ${target} is not created, because its condition is false`)
      }
    }
    return list
  }

  #evaluateOutput(name: string, raw: unknown): EvaluatedOutput | undefined {
    const path: TemplatePath = ['Outputs', name]
    if (!isPlainObject(raw) || !('Value' in raw)) {
      this.sink.problem(path, `output ${name} must be a mapping with a Value`)
      return undefined
    }
    const condition = raw['Condition']
    if (condition !== undefined) {
      if (typeof condition !== 'string') {
        this.sink.problem([...path, 'Condition'], 'an output Condition must be the name of a condition')
        return undefined
      }
      if (this.condition(condition, [...path, 'Condition']) !== true) return undefined
    }
    const value = evaluateValue(raw['Value'], [...path, 'Value'], this)
    if (value === UNRESOLVED) return undefined
    if (value === NO_VALUE) {
      this.sink.problem([...path, 'Value'], `output ${name} has no value (AWS::NoValue)`)
      return undefined
    }
    const exportSection = raw['Export']
    let exportName: string | undefined
    if (isPlainObject(exportSection)) {
      const v = evaluateValue(exportSection['Name'], [...path, 'Export', 'Name'], this)
      if (typeof v === 'string') exportName = v
      else if (v !== UNRESOLVED) this.sink.problem([...path, 'Export', 'Name'], 'the export Name must be a string')
    }
    const description = typeof raw['Description'] === 'string' ? raw['Description'] : undefined
    return { name, value, description, exportName, condition, path }
  }
}
