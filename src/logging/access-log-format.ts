/**
 * @module
 * Compiles an `accessLogSettings.format` template (spec 9.1) once into a function from a
 * finished request to one log line. Variables are `$context.name` or `${context.name}`;
 * a missing value renders as `-`.
 */
import type { RequestContext } from '../model/index.js'
import { contextVariable, JSON_VALUED_VARIABLES } from './context-variables.js'
import type { AccessLogFormatter } from '../model/index.js'

/** The format must log the request id (`[MODEL]`) and fit in 3 KB (spec 9.1). */
export const MAX_FORMAT_BYTES = 3 * 1024
export const MISSING_VALUE = '-'
/**
 * In a JSON template (one that starts with `{`), values are escaped as JSON string content
 * so that a quote in an error message cannot break the line. AWS's behaviour here is
 * `[UNCONFIRMED]`.
 */
export const ESCAPE_VALUES_IN_JSON_FORMATS = true

const VARIABLE = /\$\{context\.([^}]+)\}|\$context\.([A-Za-z0-9_:-]+(?:\.[A-Za-z0-9_:-]+)*)/g


/** Where a format's `$context` names are looked up: HTTP API variables, or WebSocket ones. */
export type VariableLookup<C> = (name: string) => ((ctx: C) => string | number | undefined) | undefined

export type ParsedFormat<C = RequestContext> =
  | { readonly ok: true; readonly literals: readonly string[]; readonly getters: ReadonlyArray<(ctx: C) => string | number | undefined>; readonly names: readonly string[] }
  | { readonly ok: false; readonly reasons: readonly string[] }

export function parseAccessLogFormat<C = RequestContext>(format: string, lookup: VariableLookup<C> = contextVariable as unknown as VariableLookup<C>): ParsedFormat<C> {
  const reasons: string[] = []
  if (Buffer.byteLength(format) > MAX_FORMAT_BYTES) reasons.push(`format is longer than ${MAX_FORMAT_BYTES} bytes`)
  if (/[\r\n]/.test(format)) reasons.push('format must be a single line')
  const literals: string[] = []
  const getters: Array<(ctx: C) => string | number | undefined> = []
  const names: string[] = []
  let last = 0
  for (const match of format.matchAll(VARIABLE)) {
    const name = (match[1] ?? match[2]) as string
    const getter = lookup(name)
    if (getter === undefined) reasons.push(`unknown variable $context.${name}`)
    literals.push(format.slice(last, match.index))
    getters.push(getter ?? (() => undefined))
    names.push(name)
    last = match.index + match[0].length
  }
  literals.push(format.slice(last))
  if (!names.includes('requestId') && !names.includes('extendedRequestId')) {
    reasons.push('format must contain $context.requestId')
  }
  return reasons.length > 0 ? { ok: false, reasons } : { ok: true, literals, getters, names }
}

/** Compiles a format that `parseAccessLogFormat` accepted. */
export function compileAccessLogFormat<C = RequestContext>(format: string, lookup?: VariableLookup<C>): AccessLogFormatter<C> {
  const parsed = parseAccessLogFormat<C>(format, lookup)
  if (!parsed.ok) throw new Error(`Invalid access log format: ${parsed.reasons.join('; ')}`)
  const { literals, getters, names } = parsed
  const jsonFormat = ESCAPE_VALUES_IN_JSON_FORMATS && format.trimStart().startsWith('{')
  const escapes = names.map((n) => jsonFormat && !JSON_VALUED_VARIABLES.has(n))
  // A JSON-valued variable stands unquoted in a JSON format, so its "missing" must be JSON too.
  const missing = names.map((n) => (jsonFormat && JSON_VALUED_VARIABLES.has(n) ? `"${MISSING_VALUE}"` : MISSING_VALUE))
  return (ctx) => {
    let line = literals[0] as string
    for (let i = 0; i < getters.length; i++) {
      const value = (getters[i] as (c: C) => string | number | undefined)(ctx)
      line += (value === undefined ? (missing[i] as string) : escapes[i] === true ? escapeJson(value) : String(value)) + (literals[i + 1] as string)
    }
    return line
  }
}

function escapeJson(value: string | number): string {
  if (typeof value === 'number') return String(value)
  return /["\\\u0000-\u001f]/.test(value) ? JSON.stringify(value).slice(1, -1) : value
}
