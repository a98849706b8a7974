/**
 * @module
 * The JSONPath subset parameter mapping accepts after `$request.body` / `$response.body`
 * (spec 4.3.1): dotted names, `[index]` and `['name']` steps. Recursive descent (`..`) and
 * filters (`?()`) are refused, as AWS refuses them.
 */

export type JsonPathStep = string | number

/** Bodies are cut to this size before a JSONPath is evaluated (spec 4.3.1). */
export const MAPPING_BODY_EVALUATION_LIMIT_BYTES = 100 * 1024

/** Parses `.a.b[0]['c d']` (what follows `body`); `[]` is the whole body. */
export function parseJsonPath(text: string): { ok: true; steps: JsonPathStep[] } | { ok: false; reason: string } {
  if (text.includes('..')) return { ok: false, reason: 'recursive descent (..) is not supported in body mappings' }
  if (text.includes('?(')) return { ok: false, reason: 'filter expressions ?() are not supported in body mappings' }
  const steps: JsonPathStep[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]
    if (c === '.') {
      let j = i + 1
      while (j < text.length && text[j] !== '.' && text[j] !== '[') j++
      const name = text.slice(i + 1, j)
      if (name === '') return { ok: false, reason: `empty name in body path "${text}"` }
      steps.push(name === '*' ? '*' : name)
      i = j
    } else if (c === '[') {
      const end = text.indexOf(']', i)
      if (end < 0) return { ok: false, reason: `unclosed [ in body path "${text}"` }
      const inner = text.slice(i + 1, end).trim()
      if (/^\d+$/.test(inner)) steps.push(Number(inner))
      else if (/^'[^']*'$/.test(inner) || /^"[^"]*"$/.test(inner)) steps.push(inner.slice(1, -1))
      else return { ok: false, reason: `unsupported step [${inner}] in body path "${text}"` }
      i = end + 1
    } else {
      return { ok: false, reason: `body paths continue with "." or "[", not "${c}"` }
    }
  }
  if (steps.includes('*')) return { ok: false, reason: 'wildcards (*) are not supported in body mappings' }
  return { ok: true, steps }
}

/**
 * The value at `steps` in a body, as mapping text: strings as they are, other JSON values
 * serialised, `undefined` when the body is not JSON (after truncation) or the path is absent.
 */
export function evaluateJsonPath(body: Buffer, steps: readonly JsonPathStep[]): string | undefined {
  const text = body.subarray(0, MAPPING_BODY_EVALUATION_LIMIT_BYTES).toString('utf8')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  const found = valueAtPath(value, steps)
  if (found === undefined) return undefined
  return typeof found === 'string' ? found : JSON.stringify(found)
}

/** The value at `steps` inside parsed JSON, or `undefined` when the path is absent (own properties only). */
export function valueAtPath(value: unknown, steps: readonly JsonPathStep[]): unknown {
  for (const step of steps) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, step)) return undefined
    value = (value as Record<string | number, unknown>)[step]
  }
  return value
}
