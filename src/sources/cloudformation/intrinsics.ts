/**
 * @module
 * Evaluates CloudFormation intrinsic functions (`Ref`, `Fn::Sub`, `Fn::If`, ...) inside a
 * template value. Everything the functions need from the template (parameters, conditions,
 * mappings, resources) comes through an {@link IntrinsicScope}, so this module only knows
 * the functions' own rules. Bad input becomes a problem at the function's path, never an
 * exception; evaluation goes on so one run reports every problem.
 */
import { Buffer } from 'node:buffer'
import { cidrSubnets } from './cidr.js'
import type { ProblemSink, TemplatePath } from './errors.js'

/** `Ref: AWS::NoValue`: the property or list element it stands in is removed. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue')
/**
 * A value that could not be computed. A problem saying why has already been reported, so
 * the functions around it give up quietly instead of adding a cascade of follow-on problems.
 * Resolvers may return it after reporting a problem themselves.
 */
export const UNRESOLVED: unique symbol = Symbol('unresolved')

/**
 * Fn::GetAZs answers with these zones of the region (`us-east-1a`, `us-east-1b`,
 * `us-east-1c`): a local stack has no real zone list, and three is what every commercial
 * region offers at least.
 */
export const SIMULATED_AVAILABILITY_ZONE_SUFFIXES: readonly string[] = ['a', 'b', 'c']

/** The template-level answers the functions need. */
export interface IntrinsicScope {
  readonly sink: ProblemSink
  readonly region: string
  /** True when the template declares `Transform: AWS::LanguageExtensions` (Fn::Length, Fn::ToJsonString, FindInMap DefaultValue). */
  readonly languageExtensions: boolean
  /** A parameter, pseudo parameter or resource; reports its own problems. */
  ref(name: string, path: TemplatePath): unknown
  getAtt(logicalId: string, attribute: string, path: TemplatePath): unknown
  /** A named condition from the Conditions section; undefined after a reported problem. */
  condition(name: string, path: TemplatePath): boolean | undefined
  /** Mappings -> map -> top key -> second key; undefined (after a problem) when absent and no default. */
  findInMap(keys: readonly [string, string, string], hasDefault: boolean, path: TemplatePath): unknown
  importValue(name: string, path: TemplatePath): unknown
}

type Evaluator = (args: unknown, path: TemplatePath, scope: IntrinsicScope) => unknown

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `{ Ref: ... }` or `{ 'Fn::X': ... }` (a one-key mapping); IAM-style `Condition` keys are not functions here. */
export function intrinsicName(value: unknown): string | undefined {
  if (!isPlainObject(value)) return undefined
  const keys = Object.keys(value)
  if (keys.length !== 1) return undefined
  const key = keys[0] as string
  return key === 'Ref' || key.startsWith('Fn::') ? key : undefined
}

/**
 * Evaluates `value` deeply. The result is plain JSON-like data, or NO_VALUE / UNRESOLVED
 * for the value as a whole. NO_VALUE items are left out of mappings and lists. An
 * UNRESOLVED item makes its whole list or mapping UNRESOLVED (after the other items were
 * still evaluated, so their problems are reported too): a list missing one element, e.g.
 * `!Join ["-", [!Ref Missing, a]]`, would otherwise yield a plausible but wrong value.
 */
export function evaluateValue(value: unknown, path: TemplatePath, scope: IntrinsicScope): unknown {
  let failed = false
  if (Array.isArray(value)) {
    const out: unknown[] = []
    value.forEach((item, index) => {
      const v = evaluateValue(item, [...path, index], scope)
      if (v === UNRESOLVED) failed = true
      else if (v !== NO_VALUE) out.push(v)
    })
    return failed ? UNRESOLVED : out
  }
  if (!isPlainObject(value)) return value
  const name = intrinsicName(value)
  if (name !== undefined) return evaluateFunction(name, value[name], [...path, name], scope)
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    if (key === 'Fn::Transform') {
      // Fn::Transform next to other keys (the AWS::Include pattern) runs a macro.
      failed = true
      transformNotSupported(item, [...path, key], scope)
      continue
    }
    const v = evaluateValue(item, [...path, key], scope)
    if (v === UNRESOLVED) failed = true
    else if (v !== NO_VALUE) out[key] = v
  }
  return failed ? UNRESOLVED : out
}

function evaluateFunction(name: string, args: unknown, path: TemplatePath, scope: IntrinsicScope): unknown {
  const fn = FUNCTIONS[name]
  if (fn === undefined) {
    scope.sink.problem(path, `${name} is not a CloudFormation intrinsic function this engine knows`)
    return UNRESOLVED
  }
  return fn(args, path, scope)
}

/**
 * A condition expression from the Conditions section or an Fn::And / Fn::Or / Fn::Not
 * argument: `{ Condition: Name }` or a function that yields a boolean.
 */
export function evaluateCondition(value: unknown, path: TemplatePath, scope: IntrinsicScope): boolean | undefined {
  if (isPlainObject(value) && Object.keys(value).length === 1 && 'Condition' in value) {
    const name = value['Condition']
    if (typeof name !== 'string') {
      scope.sink.problem([...path, 'Condition'], 'Condition takes the name of a condition (a string)')
      return undefined
    }
    return scope.condition(name, [...path, 'Condition'])
  }
  if (intrinsicName(value) === undefined) {
    scope.sink.problem(path, 'a condition must be a condition function (Fn::Equals, Fn::And, Fn::Or, Fn::Not) or { Condition: Name }')
    return undefined
  }
  const v = evaluateValue(value, path, scope)
  if (v === UNRESOLVED) return undefined
  if (typeof v === 'boolean') return v
  // Fn::If / Fn::FindInMap can yield "true"/"false", which CloudFormation accepts as a condition value.
  if (v === 'true' || v === 'false') return v === 'true'
  scope.sink.problem(path, `a condition must evaluate to true or false, not ${describe(v)}`)
  return undefined
}

// ---------------------------------------------------------------------------------------
// Argument helpers

function expectList(args: unknown, path: TemplatePath, scope: IntrinsicScope, fn: string, shape: string, min: number, max = min): unknown[] | undefined {
  if (!Array.isArray(args) || args.length < min || args.length > max) {
    scope.sink.problem(path, `${fn} takes ${shape}`)
    return undefined
  }
  return args
}

/** A string argument (numbers and booleans are written as text, as CloudFormation does). */
function stringArg(value: unknown, path: TemplatePath, scope: IntrinsicScope, what: string): string | typeof UNRESOLVED {
  const v = evaluateValue(value, path, scope)
  if (v === UNRESOLVED) return UNRESOLVED
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  scope.sink.problem(path, `${what} must be a string, not ${describe(v)}`)
  return UNRESOLVED
}

function listArg(value: unknown, path: TemplatePath, scope: IntrinsicScope, what: string): unknown[] | typeof UNRESOLVED {
  const v = evaluateValue(value, path, scope)
  if (v === UNRESOLVED) return UNRESOLVED
  if (Array.isArray(v)) return v
  scope.sink.problem(path, `${what} must be a list, not ${describe(v)}`)
  return UNRESOLVED
}

export function describe(value: unknown): string {
  if (value === NO_VALUE) return 'AWS::NoValue'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  return `${typeof value} ${JSON.stringify(value)}`
}

/** Scalars that may be inserted into text (Fn::Join, Fn::Sub). */
function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
}

function requiresLanguageExtensions(name: string, path: TemplatePath, scope: IntrinsicScope): boolean {
  if (scope.languageExtensions) return true
  scope.sink.problem(path, `${name} needs "Transform: AWS::LanguageExtensions" in the template`)
  return false
}

function transformNotSupported(args: unknown, path: TemplatePath, scope: IntrinsicScope): typeof UNRESOLVED {
  const macro = isPlainObject(args) && typeof args['Name'] === 'string' ? ` (macro ${args['Name']})` : ''
  scope.sink.problem(path, `Fn::Transform${macro} runs a CloudFormation macro, which cannot be run offline; expand it into the template`)
  return UNRESOLVED
}

// ---------------------------------------------------------------------------------------
// The functions

const ref: Evaluator = (args, path, scope) => {
  if (typeof args !== 'string') {
    scope.sink.problem(path, `Ref takes the name of a parameter or resource (a string), not ${describe(args)}`)
    return UNRESOLVED
  }
  return scope.ref(args, path)
}

/** `Fn::GetAtt: [LogicalId, Attr]` or the short form's `LogicalId.Attr` (split at the first dot: `Db.Endpoint.Address`). */
const getAtt: Evaluator = (args, path, scope) => {
  let logicalId: unknown
  let attribute: unknown
  if (typeof args === 'string') {
    const dot = args.indexOf('.')
    if (dot <= 0 || dot === args.length - 1) {
      scope.sink.problem(path, `Fn::GetAtt "${args}" must be LogicalId.AttributeName`)
      return UNRESOLVED
    }
    logicalId = args.slice(0, dot)
    attribute = args.slice(dot + 1)
  } else {
    const list = expectList(args, path, scope, 'Fn::GetAtt', '[LogicalId, AttributeName]', 2)
    if (!list) return UNRESOLVED
    logicalId = list[0]
    // The attribute name may come from a Ref (CloudFormation allows that one function there).
    attribute = stringArg(list[1], [...path, 1], scope, 'the Fn::GetAtt attribute name')
    if (attribute === UNRESOLVED) return UNRESOLVED
  }
  if (typeof logicalId !== 'string') {
    scope.sink.problem(path, 'the Fn::GetAtt logical id must be a string')
    return UNRESOLVED
  }
  return scope.getAtt(logicalId, attribute as string, path)
}

const sub: Evaluator = (args, path, scope) => {
  let text: unknown
  let variables: Record<string, unknown> = {}
  if (Array.isArray(args)) {
    const list = expectList(args, path, scope, 'Fn::Sub', 'a string, or [string, { Name: value, ... }]', 2)
    if (!list) return UNRESOLVED
    text = list[0]
    if (!isPlainObject(list[1])) {
      scope.sink.problem([...path, 1], 'the Fn::Sub variable map must be a mapping of names to values')
      return UNRESOLVED
    }
    variables = list[1]
  } else text = args
  if (typeof text !== 'string') {
    scope.sink.problem(path, `Fn::Sub takes a string, or [string, { Name: value, ... }], not ${describe(text)}`)
    return UNRESOLVED
  }
  const textPath = Array.isArray(args) ? [...path, 0] : path
  // Each variable of the map is evaluated once, and only if the string uses it.
  const cache = new Map<string, unknown>()
  const lookup = (name: string): unknown => {
    if (Object.hasOwn(variables, name)) {
      if (!cache.has(name)) cache.set(name, evaluateValue(variables[name], [...path, 1, name], scope))
      return cache.get(name)
    }
    const dot = name.indexOf('.')
    // `${Resource.Attribute}`; pseudo parameters contain "::" but no dot.
    if (dot > 0) return scope.getAtt(name.slice(0, dot), name.slice(dot + 1), textPath)
    return scope.ref(name, textPath)
  }
  let out = ''
  let failed = false
  let i = 0
  while (i < text.length) {
    const start = text.indexOf('${', i)
    if (start < 0) {
      out += text.slice(i)
      break
    }
    out += text.slice(i, start)
    const end = text.indexOf('}', start + 2)
    if (end < 0) {
      scope.sink.problem(textPath, `Fn::Sub: "\${" at offset ${start} has no closing "}"`)
      return UNRESOLVED
    }
    const inner = text.slice(start + 2, end)
    i = end + 1
    if (inner.startsWith('!')) {
      // `${!Literal}` is written out as `${Literal}`.
      out += `\${${inner.slice(1)}}`
      continue
    }
    const name = inner.trim()
    if (name === '') {
      scope.sink.problem(textPath, 'Fn::Sub: empty variable "${}"')
      failed = true
      continue
    }
    const value = lookup(name)
    if (value === UNRESOLVED) {
      failed = true
      continue
    }
    const piece = asText(value)
    if (piece === undefined) {
      scope.sink.problem(textPath, `Fn::Sub: \${${name}} is ${describe(value)}; only strings and numbers can be substituted`)
      failed = true
      continue
    }
    out += piece
  }
  return failed ? UNRESOLVED : out
}

const join: Evaluator = (args, path, scope) => {
  const list = expectList(args, path, scope, 'Fn::Join', '[delimiter, [values...]]', 2)
  if (!list) return UNRESOLVED
  const delimiter = list[0]
  if (typeof delimiter !== 'string') {
    scope.sink.problem([...path, 0], `the Fn::Join delimiter must be a string, not ${describe(delimiter)}`)
    return UNRESOLVED
  }
  const values = listArg(list[1], [...path, 1], scope, 'the values joined by Fn::Join')
  if (values === UNRESOLVED) return UNRESOLVED
  const parts: string[] = []
  for (const [index, value] of values.entries()) {
    const piece = asText(value)
    if (piece === undefined) {
      scope.sink.problem([...path, 1, index], `Fn::Join can only join strings, not ${describe(value)}`)
      return UNRESOLVED
    }
    parts.push(piece)
  }
  return parts.join(delimiter)
}

const select: Evaluator = (args, path, scope) => {
  const list = expectList(args, path, scope, 'Fn::Select', '[index, [values...]]', 2)
  if (!list) return UNRESOLVED
  const indexValue = evaluateValue(list[0], [...path, 0], scope)
  if (indexValue === UNRESOLVED) return UNRESOLVED
  const index = typeof indexValue === 'number' ? indexValue : typeof indexValue === 'string' && /^\d+$/.test(indexValue) ? Number(indexValue) : NaN
  if (!Number.isInteger(index) || index < 0) {
    scope.sink.problem([...path, 0], `the Fn::Select index must be a whole number, not ${describe(indexValue)}`)
    return UNRESOLVED
  }
  const values = listArg(list[1], [...path, 1], scope, 'the Fn::Select list')
  if (values === UNRESOLVED) return UNRESOLVED
  if (index >= values.length) {
    scope.sink.problem(path, `Fn::Select index ${index} is out of range for a list of ${values.length}`)
    return UNRESOLVED
  }
  const picked = values[index]
  if (picked === null || picked === undefined) {
    scope.sink.problem(path, `Fn::Select picked a null value at index ${index}`)
    return UNRESOLVED
  }
  return picked
}

const split: Evaluator = (args, path, scope) => {
  const list = expectList(args, path, scope, 'Fn::Split', '[delimiter, string]', 2)
  if (!list) return UNRESOLVED
  const delimiter = list[0]
  if (typeof delimiter !== 'string' || delimiter === '') {
    scope.sink.problem([...path, 0], 'the Fn::Split delimiter must be a non-empty string')
    return UNRESOLVED
  }
  const source = stringArg(list[1], [...path, 1], scope, 'the string split by Fn::Split')
  return source === UNRESOLVED ? UNRESOLVED : source.split(delimiter)
}

/** Only the chosen branch is evaluated: the other may refer to resources that are not created. */
const fnIf: Evaluator = (args, path, scope) => {
  const list = expectList(args, path, scope, 'Fn::If', '[conditionName, valueIfTrue, valueIfFalse]', 3)
  if (!list) return UNRESOLVED
  const name = list[0]
  if (typeof name !== 'string') {
    scope.sink.problem([...path, 0], 'the Fn::If condition must be the name of a condition (a string)')
    return UNRESOLVED
  }
  const chosen = scope.condition(name, [...path, 0])
  if (chosen === undefined) return UNRESOLVED
  const branch = chosen ? 1 : 2
  return evaluateValue(list[branch], [...path, branch], scope)
}

/** Scalars compare as text (`!Equals [!Ref Count, 3]` holds for Count "3"); lists and maps structurally. */
const equals: Evaluator = (args, path, scope) => {
  const list = expectList(args, path, scope, 'Fn::Equals', '[value1, value2]', 2)
  if (!list) return UNRESOLVED
  const a = evaluateValue(list[0], [...path, 0], scope)
  const b = evaluateValue(list[1], [...path, 1], scope)
  if (a === UNRESOLVED || b === UNRESOLVED) return UNRESOLVED
  return comparable(a) === comparable(b)
}

function comparable(value: unknown): string {
  if (value === NO_VALUE) return '\0NoValue'
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v)) ?? 'null'
}

function logical(fn: 'Fn::And' | 'Fn::Or'): Evaluator {
  return (args, path, scope) => {
    const list = expectList(args, path, scope, fn, 'a list of 2 to 10 conditions', 2, 10)
    if (!list) return UNRESOLVED
    // Every operand is evaluated (no short-circuit) so each one's problems are reported.
    const results = list.map((item, index) => evaluateCondition(item, [...path, index], scope))
    if (results.some((r) => r === undefined)) return UNRESOLVED
    return fn === 'Fn::And' ? results.every(Boolean) : results.some(Boolean)
  }
}

const not: Evaluator = (args, path, scope) => {
  const list = expectList(args, path, scope, 'Fn::Not', 'a list of one condition', 1)
  if (!list) return UNRESOLVED
  const result = evaluateCondition(list[0], [...path, 0], scope)
  return result === undefined ? UNRESOLVED : !result
}

const findInMap: Evaluator = (args, path, scope) => {
  const list = expectList(args, path, scope, 'Fn::FindInMap', '[MapName, TopLevelKey, SecondLevelKey] (and optionally { DefaultValue: value })', 3, 4)
  if (!list) return UNRESOLVED
  const keys: string[] = []
  for (let index = 0; index < 3; index++) {
    const key = stringArg(list[index], [...path, index], scope, 'an Fn::FindInMap key')
    if (key === UNRESOLVED) return UNRESOLVED
    keys.push(key)
  }
  const options = list[3]
  let hasDefault = false
  if (options !== undefined) {
    if (!isPlainObject(options) || !('DefaultValue' in options) || Object.keys(options).length !== 1) {
      scope.sink.problem([...path, 3], 'the fourth Fn::FindInMap argument must be { DefaultValue: value }')
      return UNRESOLVED
    }
    if (!requiresLanguageExtensions('Fn::FindInMap with DefaultValue', [...path, 3], scope)) return UNRESOLVED
    hasDefault = true
  }
  const found = scope.findInMap(keys as [string, string, string], hasDefault, path)
  if (found !== undefined) return found
  if (hasDefault && isPlainObject(options)) return evaluateValue(options['DefaultValue'], [...path, 3, 'DefaultValue'], scope)
  return UNRESOLVED
}

const base64: Evaluator = (args, path, scope) => {
  const text = stringArg(args, path, scope, 'the Fn::Base64 value')
  return text === UNRESOLVED ? UNRESOLVED : Buffer.from(text, 'utf8').toString('base64')
}

/** Fn::GetAZs "" (or the stack's region) -> SIMULATED_AVAILABILITY_ZONE_SUFFIXES of that region. */
const getAzs: Evaluator = (args, path, scope) => {
  const region = stringArg(args ?? '', path, scope, 'the Fn::GetAZs region')
  if (region === UNRESOLVED) return UNRESOLVED
  const name = region === '' ? scope.region : region
  return SIMULATED_AVAILABILITY_ZONE_SUFFIXES.map((suffix) => `${name}${suffix}`)
}

const importValue: Evaluator = (args, path, scope) => {
  const name = stringArg(args, path, scope, 'the Fn::ImportValue export name')
  return name === UNRESOLVED ? UNRESOLVED : scope.importValue(name, path)
}

const cidr: Evaluator = (args, path, scope) => {
  const list = expectList(args, path, scope, 'Fn::Cidr', '[ipBlock, count, cidrBits]', 3)
  if (!list) return UNRESOLVED
  const values: string[] = []
  for (let index = 0; index < 3; index++) {
    const v = stringArg(list[index], [...path, index], scope, 'an Fn::Cidr argument')
    if (v === UNRESOLVED) return UNRESOLVED
    values.push(v)
  }
  const [block, count, bits] = values as [string, string, string]
  const result = cidrSubnets(block, /^\d+$/.test(count) ? Number(count) : NaN, /^\d+$/.test(bits) ? Number(bits) : NaN)
  if (result.ok) return result.value
  scope.sink.problem(path, `Fn::Cidr: ${result.reason}`)
  return UNRESOLVED
}

const length: Evaluator = (args, path, scope) => {
  if (!requiresLanguageExtensions('Fn::Length', path, scope)) return UNRESOLVED
  const list = listArg(args, path, scope, 'the Fn::Length argument')
  return list === UNRESOLVED ? UNRESOLVED : list.length
}

const toJsonString: Evaluator = (args, path, scope) => {
  if (!requiresLanguageExtensions('Fn::ToJsonString', path, scope)) return UNRESOLVED
  const value = evaluateValue(args, path, scope)
  if (value === UNRESOLVED) return UNRESOLVED
  if (!isPlainObject(value) && !Array.isArray(value)) {
    scope.sink.problem(path, `Fn::ToJsonString takes a mapping or a list, not ${describe(value)}`)
    return UNRESOLVED
  }
  return JSON.stringify(value)
}

const FUNCTIONS: Readonly<Record<string, Evaluator>> = {
  Ref: ref,
  'Fn::GetAtt': getAtt,
  'Fn::Sub': sub,
  'Fn::Join': join,
  'Fn::Select': select,
  'Fn::Split': split,
  'Fn::If': fnIf,
  'Fn::Equals': equals,
  'Fn::And': logical('Fn::And'),
  'Fn::Or': logical('Fn::Or'),
  'Fn::Not': not,
  'Fn::FindInMap': findInMap,
  'Fn::Base64': base64,
  'Fn::GetAZs': getAzs,
  'Fn::ImportValue': importValue,
  'Fn::Cidr': cidr,
  'Fn::Transform': (args, path, scope) => transformNotSupported(args, path, scope),
  'Fn::Length': length,
  'Fn::ToJsonString': toJsonString,
}

export const SUPPORTED_INTRINSIC_FUNCTIONS: readonly string[] = Object.keys(FUNCTIONS)
