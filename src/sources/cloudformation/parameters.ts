/**
 * @module
 * The Parameters section: picks each parameter's value (override, else Default), converts
 * it by Type and checks the constraints CloudFormation checks at stack creation
 * (AllowedValues, AllowedPattern, Min/MaxLength, Min/MaxValue). NoEcho is irrelevant
 * locally and ignored.
 */
import type { ProblemSink, TemplatePath } from './errors.js'
import { describe, isPlainObject } from './intrinsics.js'

/** What `Ref` to a parameter yields: Number parameters become text, as in CloudFormation. */
export type ParameterValue = string | readonly string[]

/** `--parameter-overrides Key=Value` as a map; list types take comma-separated text. */
export type ParameterOverrides = Readonly<Record<string, string>>

type Kind = 'string' | 'number' | 'list' | 'numberList' | 'ssm'

/** AWS-specific parameter types that CloudFormation validates against the account; locally they are plain strings. */
const AWS_SPECIFIC_TYPE = /^AWS::(EC2::[A-Za-z]+::[A-Za-z]+|EC2::KeyPair::KeyName|Route53::HostedZone::Id|SSM::Parameter::Name)$/
const SSM_VALUE_TYPE = /^AWS::SSM::Parameter::Value<(.+)>$/

function kindOf(type: string): Kind | undefined {
  if (type === 'String') return 'string'
  if (type === 'Number') return 'number'
  if (type === 'CommaDelimitedList') return 'list'
  if (type === 'List<Number>') return 'numberList'
  if (SSM_VALUE_TYPE.test(type)) return 'ssm'
  if (AWS_SPECIFIC_TYPE.test(type)) return 'string'
  const inner = /^List<(.+)>$/.exec(type)?.[1]
  if (inner !== undefined && AWS_SPECIFIC_TYPE.test(inner)) return 'list'
  return undefined
}

/** CommaDelimitedList members are space-trimmed; "" is a one-element list, like CloudFormation's. */
function toList(text: string): string[] {
  return text.split(',').map((s) => s.trim())
}

function isNumber(text: string): boolean {
  return text.trim() !== '' && Number.isFinite(Number(text))
}

/**
 * Resolves every declared parameter. A parameter with a problem is absent from the result
 * (Ref to it then fails quietly: its problem has been reported here).
 */
export function resolveParameters(section: unknown, overrides: ParameterOverrides, sink: ProblemSink): Map<string, ParameterValue> {
  const out = new Map<string, ParameterValue>()
  const base: TemplatePath = ['Parameters']
  if (section !== undefined && !isPlainObject(section)) {
    sink.problem(base, 'Parameters must be a mapping of parameter names to declarations')
    return out
  }
  const declared = section ?? {}
  for (const name of Object.keys(overrides)) {
    if (!Object.hasOwn(declared, name)) sink.warning(base, `parameter override ${name} is not declared in Parameters; it is ignored`)
  }
  for (const [name, declaration] of Object.entries(declared)) {
    const value = resolveParameter(name, declaration, overrides[name], [...base, name], sink)
    if (value !== undefined) out.set(name, value)
  }
  return out
}

function resolveParameter(name: string, declaration: unknown, override: string | undefined, path: TemplatePath, sink: ProblemSink): ParameterValue | undefined {
  if (!isPlainObject(declaration)) {
    sink.problem(path, `parameter ${name} must be a mapping with at least a Type`)
    return undefined
  }
  const type = declaration['Type']
  if (typeof type !== 'string') {
    sink.problem(path, `parameter ${name} has no Type`)
    return undefined
  }
  let kind = kindOf(type)
  if (kind === undefined) {
    sink.problem([...path, 'Type'], `parameter ${name} has an unknown Type "${type}"`)
    return undefined
  }
  if (kind === 'ssm') {
    // The Default of an SSM parameter type is the parameter *name* in Parameter Store;
    // its value lives in an AWS account. Offline, only an override can give the value.
    if (override === undefined) {
      sink.problem([...path, 'Type'], `parameter ${name} (${type}) is read from SSM Parameter Store, which cannot be done offline; pass an override ${name}=<value>`)
      return undefined
    }
    const inner = SSM_VALUE_TYPE.exec(type)?.[1] ?? 'String'
    kind = inner.startsWith('List<') || inner === 'CommaDelimitedList' ? 'list' : 'string'
  }

  let raw: unknown = override
  if (raw === undefined) raw = declaration['Default']
  if (raw === undefined) {
    sink.problem(path, `parameter ${name} has no Default and no override; pass ${name}=<value>`)
    return undefined
  }
  const where: TemplatePath = override === undefined ? [...path, 'Default'] : path
  const source = override === undefined ? 'Default' : 'override'

  let value: ParameterValue
  if (kind === 'list' || kind === 'numberList') {
    if (Array.isArray(raw) && raw.every((v) => typeof v === 'string' || typeof v === 'number')) value = raw.map(String)
    else if (typeof raw === 'string' || typeof raw === 'number') value = toList(String(raw))
    else {
      sink.problem(where, `parameter ${name}: the ${source} must be comma-separated text, not ${describe(raw)}`)
      return undefined
    }
  } else if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') value = String(raw)
  else {
    sink.problem(where, `parameter ${name}: the ${source} must be a string, not ${describe(raw)}`)
    return undefined
  }

  const problems = checkConstraints(name, kind, value, declaration, path, sink)
  return problems ? undefined : value
}

/** Reports every broken constraint; true when there was at least one. */
function checkConstraints(name: string, kind: Kind, value: ParameterValue, declaration: Record<string, unknown>, path: TemplatePath, sink: ProblemSink): boolean {
  let broken = false
  const hint = typeof declaration['ConstraintDescription'] === 'string' ? ` (${declaration['ConstraintDescription']})` : ''
  const fail = (key: string, message: string): void => {
    broken = true
    sink.problem([...path, key], `parameter ${name}: ${message}${hint}`)
  }
  const members = typeof value === 'string' ? [value] : value

  if (kind === 'number' || kind === 'numberList') {
    for (const member of members) if (!isNumber(member)) fail('Type', `"${member}" is not a number`)
  }
  const allowed = declaration['AllowedValues']
  if (allowed !== undefined) {
    if (!Array.isArray(allowed)) fail('AllowedValues', 'AllowedValues must be a list')
    else {
      const allowedText = allowed.map(String)
      for (const member of members) {
        if (!allowedText.includes(member)) fail('AllowedValues', `"${member}" is not one of the AllowedValues ${allowedText.join(', ')}`)
      }
    }
  }
  const pattern = declaration['AllowedPattern']
  if (typeof pattern === 'string') {
    let re: RegExp | undefined
    try {
      // CloudFormation matches the whole value (Java's Pattern.matches), hence the anchors.
      re = new RegExp(`^(?:${pattern})$`, 'u')
    } catch (err) {
      fail('AllowedPattern', `AllowedPattern is not a valid regular expression: ${(err as Error).message}`)
    }
    if (re) for (const member of members) if (!re.test(member)) fail('AllowedPattern', `"${member}" does not match AllowedPattern ${pattern}`)
  }
  if (kind === 'string' && typeof value === 'string') {
    const min = numberField(declaration, 'MinLength')
    const max = numberField(declaration, 'MaxLength')
    if (min !== undefined && value.length < min) fail('MinLength', `"${value}" is shorter than MinLength ${min}`)
    if (max !== undefined && value.length > max) fail('MaxLength', `"${value}" is longer than MaxLength ${max}`)
  }
  if (kind === 'number' || kind === 'numberList') {
    const min = numberField(declaration, 'MinValue')
    const max = numberField(declaration, 'MaxValue')
    for (const member of members.filter(isNumber)) {
      if (min !== undefined && Number(member) < min) fail('MinValue', `${member} is less than MinValue ${min}`)
      if (max !== undefined && Number(member) > max) fail('MaxValue', `${member} is greater than MaxValue ${max}`)
    }
  }
  return broken
}

function numberField(declaration: Record<string, unknown>, key: string): number | undefined {
  const v = declaration[key]
  if (typeof v === 'number') return v
  if (typeof v === 'string' && isNumber(v)) return Number(v)
  return undefined
}
