/**
 * @module
 * Response parameter mapping (spec 4.3.2): per integration status code (`"200"`-`"599"`,
 * no wildcard), headers appended, overwritten or removed and the status overwritten.
 * Values are evaluated against the integration's response before any change.
 */
import { compileValue, type MappingInput, type ValueEvaluator } from './expression.js'
import { parseMappingKey, type MappingAction } from './keys.js'
import type { MappingIssue } from './request-parameters.js'

interface HeaderOperation {
  readonly action: MappingAction
  /** Lower case. */
  readonly name: string
  readonly value: ValueEvaluator
}

interface StatusMapping {
  readonly headers: readonly HeaderOperation[]
  readonly statusCode: ValueEvaluator | null
}

export interface MappedResponse {
  readonly statusCode: number
  readonly headers: Array<readonly [string, string]>
}

export type ResponseMappingOutcome = { ok: true; response: MappedResponse } | { ok: false; reason: string }

export class ResponseParameterMapping {
  readonly #byStatus: ReadonlyMap<number, StatusMapping>
  /** Whether a value reads `$response.body`, so the response must be buffered to be mapped. */
  readonly readsBody: boolean

  constructor(byStatus: ReadonlyMap<number, StatusMapping>, readsBody: boolean) {
    this.#byStatus = byStatus
    this.readsBody = readsBody
  }

  /** Whether the integration's status has mappings. */
  appliesTo(statusCode: number): boolean {
    return this.#byStatus.has(statusCode)
  }

  apply(input: MappingInput, statusCode: number, headers: ReadonlyArray<readonly [string, string]>): ResponseMappingOutcome {
    const mapping = this.#byStatus.get(statusCode)
    if (mapping === undefined) return { ok: true, response: { statusCode, headers: [...headers] } }
    const values = mapping.headers.map((op) => (op.action === 'remove' ? '' : op.value(input)))
    let status = statusCode
    if (mapping.statusCode !== null) {
      const text = mapping.statusCode(input)
      const mapped = Number(text)
      if (!/^\d{3}$/.test(text) || mapped < 100 || mapped > 599) {
        return { ok: false, reason: `overwrite:statuscode produced "${text}", which is not an HTTP status code` }
      }
      status = mapped
    }
    let out: Array<readonly [string, string]> = [...headers]
    mapping.headers.forEach((op, i) => {
      const value = values[i] as string
      if (op.action !== 'append') out = out.filter(([n]) => n.toLowerCase() !== op.name)
      if (op.action !== 'remove') out.push([op.name, value])
    })
    return { ok: true, response: { statusCode: status, headers: out } }
  }
}

export type CompiledResponseMapping = { mapping: ResponseParameterMapping | null; issues: MappingIssue[] }

/** Compiles `responseParameters`. */
export function compileResponseParameters(parameters: Readonly<Record<string, unknown>>): CompiledResponseMapping {
  const issues: MappingIssue[] = []
  const byStatus = new Map<number, StatusMapping>()
  let readsBody = false
  for (const [status, entries] of Object.entries(parameters)) {
    const code = Number(status)
    if (!/^\d{3}$/.test(status) || code < 200 || code > 599) {
      issues.push({ at: [status], reason: 'response mappings are keyed by the integration status code, "200" to "599"' })
      continue
    }
    if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) {
      issues.push({ at: [status], reason: 'each status code maps to an object of mapping keys and values' })
      continue
    }
    const headers: HeaderOperation[] = []
    let statusCode: ValueEvaluator | null = null
    for (const [key, raw] of Object.entries(entries as Record<string, unknown>)) {
      const parsed = parseMappingKey(key, 'response')
      if (!parsed.ok) {
        issues.push({ at: [status, key], reason: parsed.reason })
        continue
      }
      if (typeof raw !== 'string') {
        issues.push({ at: [status, key], reason: 'mapping values are strings' })
        continue
      }
      const { action, target, name } = parsed.key
      if (raw === '' && action !== 'remove') continue
      let evaluate: ValueEvaluator = () => ''
      if (action !== 'remove') {
        const value = compileValue(raw, 'response')
        if (!value.ok) {
          issues.push({ at: [status, key], reason: value.reason })
          continue
        }
        readsBody ||= value.readsResponseBody
        evaluate = value.evaluate
      }
      if (target === 'statuscode') {
        if (/^[^$]*$/.test(raw) && !/^[1-5]\d\d$/.test(raw)) {
          issues.push({ at: [status, key], reason: `overwrite:statuscode must be an HTTP status code, not "${raw}"` })
          continue
        }
        statusCode = evaluate
      } else {
        headers.push({ action, name: name.toLowerCase(), value: evaluate })
      }
    }
    if (headers.length > 0 || statusCode !== null) byStatus.set(code, { headers, statusCode })
  }
  if (issues.length > 0 || byStatus.size === 0) return { mapping: null, issues }
  return { mapping: new ResponseParameterMapping(byStatus, readsBody), issues }
}
