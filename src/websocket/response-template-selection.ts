/**
 * @module
 * The `templateSelectionExpression` of an integration response (spec 10.5): it picks one of
 * the response's `responseTemplates` by `${integration.response.statuscode}`,
 * `${integration.response.header.NAME}`, `${integration.response.multivalueheader.NAME}`,
 * `${request.body.JSONPath}` and literal text; the `$default` template when no key matches.
 */
import { parseJsonPath, valueAtPath } from '../integrations/index.js'

export interface IntegrationAnswer {
  readonly statusCode: number
  readonly headers: ReadonlyArray<readonly [string, string]>
}

/** The key for an answer to `requestBody`. */
export type ResponseTemplateSelector = (answer: IntegrationAnswer, requestBody: string | null) => string

type Part = string | ResponseTemplateSelector

/** Compiles an expression, or `null` when it uses a variable outside the list above. */
export function compileResponseTemplateSelection(expression: string): ResponseTemplateSelector | null {
  const parts: Part[] = []
  let last = 0
  for (const m of expression.matchAll(/\$\{([^}]*)\}/g)) {
    if (m.index > last) parts.push(expression.slice(last, m.index))
    const variable = compileVariable(m[1] as string)
    if (variable === null) return null
    parts.push(variable)
    last = m.index + m[0].length
  }
  if (last < expression.length) parts.push(expression.slice(last))
  if (parts.some((p) => typeof p === 'string' && /\$(?!default\b)[A-Za-z{]/.test(p))) return null
  return (answer, body) => {
    let key = ''
    for (const p of parts) key += typeof p === 'string' ? p : p(answer, body)
    return key
  }
}

function compileVariable(name: string): ResponseTemplateSelector | null {
  if (name === 'integration.response.statuscode') return (a) => String(a.statusCode)
  const header = /^integration\.response\.(header|multivalueheader)\.(.+)$/.exec(name)
  if (header !== null) {
    const lower = (header[2] as string).toLowerCase()
    const joined = header[1] === 'multivalueheader'
    return (a) => {
      const values = a.headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v)
      return joined ? values.join(',') : (values.at(-1) ?? '')
    }
  }
  const body = /^request\.body(.*)$/.exec(name)
  if (body !== null) {
    const parsed = (body[1] as string) === '' ? { ok: true as const, steps: [] } : parseJsonPath(body[1] as string)
    if (!parsed.ok) return null
    return (_a, requestBody) => {
      if (requestBody === null) return ''
      try {
        const v = valueAtPath(JSON.parse(requestBody) as unknown, parsed.steps)
        return v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v)
      } catch {
        return ''
      }
    }
  }
  return null
}
