/**
 * @module
 * Parameter-mapping values (spec 4.3.1-4.3.2): literal text, one variable written as the
 * whole value (`$request.header.x`), or any mix of literals and braced variables
 * (`Bearer ${request.header.token} for ${context.requestId}`). Values are compiled once
 * into evaluators; an unresolvable variable evaluates to `""` `[UNCONFIRMED]`.
 */
import type { RequestContext } from '../../model/index.js'
import { contextVariable, type ContextGetter } from '../../logging/index.js'
import { queryParameters } from '../lambda/request-parts.js'
import { evaluateJsonPath, parseJsonPath, type JsonPathStep } from './json-path.js'

/** What a value may read: the request (always), and the integration's response (response mappings). */
export interface MappingInput {
  readonly ctx: RequestContext
  readonly stageVariables: Readonly<Record<string, string>> | null
  readonly response: MappedResponseSource | null
}

export interface MappedResponseSource {
  readonly headers: ReadonlyArray<readonly [string, string]>
  /** `null` when the route's mappings never read the response body (it is then streamed). */
  readonly body: Buffer | null
}

export type ValueEvaluator = (input: MappingInput) => string

/** Which variables a value may use: request mappings cannot read the response and vice versa. */
export type MappingDirection = 'request' | 'response'

export type CompiledValue =
  | { ok: true; evaluate: ValueEvaluator; readsRequestBody: boolean; readsResponseBody: boolean }
  | { ok: false; reason: string }

type Part = { kind: 'literal'; text: string } | { kind: 'variable'; get: ValueEvaluator; readsRequestBody: boolean; readsResponseBody: boolean }

const WHOLE_VARIABLE = /^\$(request|response|context|stageVariables)\./
const WHOLE_BODY = /^\$(request|response)\.body$/
const BRACED = /\$\{([^}]*)\}/g

export function compileValue(value: string, direction: MappingDirection): CompiledValue {
  const parts: Part[] = []
  if (WHOLE_VARIABLE.test(value) || WHOLE_BODY.test(value)) {
    const v = compileVariable(value.slice(1), direction)
    if (!v.ok) return v
    parts.push(v.part)
  } else {
    let last = 0
    for (const m of value.matchAll(BRACED)) {
      if (m.index > last) parts.push({ kind: 'literal', text: value.slice(last, m.index) })
      const v = compileVariable(m[1] as string, direction)
      if (!v.ok) return v
      parts.push(v.part)
      last = m.index + m[0].length
    }
    if (last < value.length) parts.push({ kind: 'literal', text: value.slice(last) })
  }
  const readsRequestBody = parts.some((p) => p.kind === 'variable' && p.readsRequestBody)
  const readsResponseBody = parts.some((p) => p.kind === 'variable' && p.readsResponseBody)
  if (parts.length === 1 && parts[0]?.kind === 'variable') return { ok: true, evaluate: parts[0].get, readsRequestBody, readsResponseBody }
  const evaluate: ValueEvaluator = (input) => {
    let out = ''
    for (const p of parts) out += p.kind === 'literal' ? p.text : p.get(input)
    return out
  }
  return { ok: true, evaluate, readsRequestBody, readsResponseBody }
}

type VariableResult = { ok: true; part: Part } | { ok: false; reason: string }

/** `request.header.x`, `context.requestId`, ... (without the leading `$`). */
function compileVariable(expr: string, direction: MappingDirection): VariableResult {
  const variable = (get: ValueEvaluator, body: 'request' | 'response' | null = null): VariableResult => ({
    ok: true,
    part: { kind: 'variable', get, readsRequestBody: body === 'request', readsResponseBody: body === 'response' },
  })
  const dot = expr.indexOf('.')
  const source = dot < 0 ? expr : expr.slice(0, dot)
  const rest = dot < 0 ? '' : expr.slice(dot + 1)
  switch (source) {
    case 'context': {
      const getter = rest === '' ? undefined : contextVariable(rest)
      if (getter === undefined) return { ok: false, reason: `$context.${rest} is not an HTTP API context variable` }
      return variable(contextText(getter))
    }
    case 'stageVariables':
      if (!/^[A-Za-z0-9_]+$/.test(rest)) return { ok: false, reason: `$stageVariables.${rest} is not a valid stage variable name` }
      return variable((i) => i.stageVariables?.[rest] ?? '')
    case 'request':
      if (direction === 'response') return { ok: false, reason: `response mappings cannot read $${expr}: use $response.*, $context.* or $stageVariables.*` }
      return requestVariable(rest, variable)
    case 'response':
      if (direction === 'request') return { ok: false, reason: `request mappings cannot read $${expr}: the response does not exist yet` }
      return responseVariable(rest, variable)
    default:
      return { ok: false, reason: `unknown mapping source $${source}: use $request, $context or $stageVariables${direction === 'response' ? ' or $response' : ''}` }
  }
}

type MakeVariable = (get: ValueEvaluator, body?: 'request' | 'response' | null) => VariableResult

function requestVariable(rest: string, variable: MakeVariable): VariableResult {
  const [kind, name] = splitVariable(rest)
  switch (kind) {
    case 'header':
      if (name === '') break
      return variable((i) => joinedHeader(i.ctx.rawHeaders, name.toLowerCase()))
    case 'querystring':
      if (name === '') break
      return variable((i) => joinedQuery(i.ctx.rawQueryString, name))
    case 'path':
      // `$request.path` is the path without the stage; `$request.path.id` a route variable.
      if (name === '') return variable((i) => i.ctx.stagePath)
      return variable((i) => i.ctx.pathParameters?.[name] ?? '')
    case 'body': {
      const steps = bodySteps(rest.slice(4))
      if (!steps.ok) return steps
      return variable((i) => bodyValue(i.ctx.body, steps.steps), 'request')
    }
  }
  return { ok: false, reason: `$request.${rest} is not a mapping variable: use $request.header.<name>, $request.querystring.<name>, $request.path[.<name>] or $request.body[.<path>]` }
}

function responseVariable(rest: string, variable: MakeVariable): VariableResult {
  const [kind, name] = splitVariable(rest)
  if (kind === 'header' && name !== '') {
    const lower = name.toLowerCase()
    return variable((i) => (i.response === null ? '' : joinedPairs(i.response.headers, lower)))
  }
  if (kind === 'body') {
    const steps = bodySteps(rest.slice(4))
    if (!steps.ok) return steps
    return variable((i) => (i.response?.body == null ? '' : bodyValue(i.response.body, steps.steps)), 'response')
  }
  return { ok: false, reason: `$response.${rest} is not a mapping variable: use $response.header.<name> or $response.body[.<path>]` }
}

/** `body` alone (the whole body) or `body.a.b` / `body['x']`. */
function bodySteps(afterBody: string): { ok: true; steps: JsonPathStep[] | null } | { ok: false; reason: string } {
  if (afterBody === '') return { ok: true, steps: null }
  const parsed = parseJsonPath(afterBody)
  return parsed.ok ? parsed : { ok: false, reason: parsed.reason }
}

function bodyValue(body: Buffer, steps: JsonPathStep[] | null): string {
  // The whole body is passed as it is (no truncation: the docs' recipe for bodies over 100 KB).
  if (steps === null) return body.toString('utf8')
  return evaluateJsonPath(body, steps) ?? ''
}

function contextText(getter: ContextGetter): ValueEvaluator {
  return (i) => {
    const v = getter(i.ctx)
    return v === undefined ? '' : String(v)
  }
}

/** `header.x-a` → `["header", "x-a"]`; a body path may also start with `[` (`body['a b']`). */
function splitVariable(s: string): [string, string] {
  if (s === 'body' || s.startsWith('body[')) return ['body', s.slice(4)]
  const dot = s.indexOf('.')
  return dot < 0 ? [s, ''] : [s.slice(0, dot), s.slice(dot + 1)]
}

/** Every value of a header (lower-case name), joined with `,` as the docs describe. */
function joinedHeader(raw: readonly string[], name: string): string {
  let out: string | undefined
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() === name) out = out === undefined ? (raw[i + 1] as string) : `${out},${raw[i + 1] as string}`
  }
  return out ?? ''
}

function joinedPairs(pairs: ReadonlyArray<readonly [string, string]>, name: string): string {
  let out: string | undefined
  for (const [n, v] of pairs) if (n.toLowerCase() === name) out = out === undefined ? v : `${out},${v}`
  return out ?? ''
}

function joinedQuery(rawQueryString: string, name: string): string {
  let out: string | undefined
  for (const [n, v] of queryParameters(rawQueryString)) if (n === name) out = out === undefined ? v : `${out},${v}`
  return out ?? ''
}
