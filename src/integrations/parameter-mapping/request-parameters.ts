/**
 * @module
 * Request parameter mapping (spec 4.3.1): rewrites the headers, query string and path an
 * integration receives. Every value is evaluated against the original request first, then
 * the operations are applied in the order written, so a rename (append `b` from
 * `$request.header.a`, remove `a`) works whatever the order.
 */
import { compileValue, type MappingInput, type ValueEvaluator } from './expression.js'
import { parseMappingKey, type MappingAction } from './keys.js'

export interface MappingIssue {
  /** Where the problem is below the mapping object: `[key]`, or `[status, key]` for responses. */
  readonly at: readonly string[]
  readonly reason: string
}

interface Operation {
  readonly action: MappingAction
  readonly target: 'header' | 'querystring'
  /** Header names lower-cased; query names as written (they are case-sensitive). */
  readonly name: string
  readonly value: ValueEvaluator
}

/** Headers (lower-case names) and the query string the integration receives. */
export interface IntegrationRequestParts {
  headers: Array<[string, string]>
  rawQueryString: string
  /** The path from `overwrite:path`, or `null` when the mapping leaves it alone. */
  path: string | null
}

export class RequestParameterMapping {
  readonly #operations: readonly Operation[]
  readonly #path: ValueEvaluator | null
  /** Whether a value reads `$request.body`, so the body must be read before the integration. */
  readonly readsBody: boolean

  constructor(operations: readonly Operation[], path: ValueEvaluator | null, readsBody: boolean) {
    this.#operations = operations
    this.#path = path
    this.readsBody = readsBody
  }

  /** Applies the mapping to `parts` in place. */
  apply(input: MappingInput, parts: IntegrationRequestParts): void {
    const values = this.#operations.map((op) => (op.action === 'remove' ? '' : op.value(input)))
    let query: Array<[string, string | null]> | null = null
    this.#operations.forEach((op, i) => {
      const value = values[i] as string
      if (op.target === 'header') {
        parts.headers = applyToList(parts.headers, op.action, op.name, value, (n) => n === op.name)
      } else {
        query ??= splitRawQuery(parts.rawQueryString)
        query = applyToList<string | null>(query, op.action, encodeURIComponent(op.name), encodeURIComponent(value), (n) => decodeQueryName(n) === op.name)
      }
    })
    if (query !== null) parts.rawQueryString = (query as Array<[string, string | null]>).map(([n, v]) => (v === null ? n : `${n}=${v}`)).join('&')
    if (this.#path !== null) parts.path = this.#path(input)
  }
}

export type CompiledRequestMapping = { mapping: RequestParameterMapping | null; issues: MappingIssue[] }

/** Compiles `requestParameters`; `mapping` is `null` when there is nothing to apply. */
export function compileRequestParameters(parameters: Readonly<Record<string, unknown>>): CompiledRequestMapping {
  const issues: MappingIssue[] = []
  const operations: Operation[] = []
  let path: ValueEvaluator | null = null
  let readsBody = false
  for (const [key, raw] of Object.entries(parameters)) {
    const parsed = parseMappingKey(key, 'request')
    if (!parsed.ok) {
      issues.push({ at: [key], reason: parsed.reason })
      continue
    }
    if (typeof raw !== 'string') {
      issues.push({ at: [key], reason: 'mapping values are strings' })
      continue
    }
    const { action, target, name } = parsed.key
    // An empty value removes the mapping itself (AWS's way of deleting one); `remove:` ignores it.
    if (raw === '' && action !== 'remove') continue
    const value = action === 'remove' ? () => '' : compileValue(raw, 'request')
    if (typeof value !== 'function') {
      if (!value.ok) {
        issues.push({ at: [key], reason: value.reason })
        continue
      }
      readsBody ||= value.readsRequestBody
    }
    const evaluate = typeof value === 'function' ? value : value.evaluate
    if (target === 'path') path = evaluate
    else operations.push({ action, target: target as 'header' | 'querystring', name: target === 'header' ? name.toLowerCase() : name, value: evaluate })
  }
  if (issues.length > 0 || (operations.length === 0 && path === null)) return { mapping: null, issues }
  return { mapping: new RequestParameterMapping(operations, path, readsBody), issues }
}

function applyToList<V>(list: Array<[string, V]>, action: MappingAction, name: string, value: V, matches: (n: string) => boolean): Array<[string, V]> {
  switch (action) {
    case 'remove':
      return list.filter(([n]) => !matches(n))
    case 'overwrite':
      return [...list.filter(([n]) => !matches(n)), [name, value]]
    case 'append':
      return [...list, [name, value]]
  }
}

/** `a=1&b&c=` → `[["a","1"],["b",null],["c",""]]`, every part still percent-encoded. */
function splitRawQuery(raw: string): Array<[string, string | null]> {
  const out: Array<[string, string | null]> = []
  if (raw === '') return out
  for (const part of raw.split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    out.push(eq < 0 ? [part, null] : [part.slice(0, eq), part.slice(eq + 1)])
  }
  return out
}

function decodeQueryName(raw: string): string {
  const plus = raw.replace(/\+/g, ' ')
  try {
    return decodeURIComponent(plus)
  } catch {
    return plus
  }
}
