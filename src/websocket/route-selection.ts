/**
 * @module
 * WebSocket route selection expressions (spec 10.3): `$request.body.action`,
 * `${request.body.service}/${request.body.action}`, literals, `\$` for a literal dollar. A
 * message that is not JSON goes to `$default`; a missing path gives `""`; non-string values
 * are rendered as JSON (arrays as `[a, b]`, as AWS shows them).
 */
import { parseJsonPath, valueAtPath } from '../integrations/index.js'

export type RouteKeySelector = (message: string) => string | null

type Part = { literal: string } | { steps: (string | number)[] }

/** Compiles an expression; `null` when it names something other than `$request.body`. */
export function compileRouteSelection(expression: string): RouteKeySelector | null {
  const parts: Part[] = []
  const whole = /^\$request\.body(\.[^$]*)?$/.exec(expression)
  if (whole !== null) {
    const steps = bodySteps(whole[1] ?? '')
    if (steps === null) return null
    parts.push({ steps })
  } else {
    const re = /\\\$|\$\{([^}]*)\}/g
    let last = 0
    for (const m of expression.matchAll(re)) {
      if (m.index > last) parts.push({ literal: expression.slice(last, m.index) })
      if (m[0] === '\\$') parts.push({ literal: '$' })
      else {
        const inner = /^request\.body(.*)$/.exec(m[1] as string)
        const steps = inner === null ? null : bodySteps(inner[1] as string)
        if (steps === null) return null
        parts.push({ steps })
      }
      last = m.index + m[0].length
    }
    if (last < expression.length) parts.push({ literal: expression.slice(last) })
  }
  // A `$name` left in the literal text is a variable this language cannot read
  // (`$request.header.x`); only `$default` stands for itself, and `\$` for a dollar.
  if (parts.some((p) => 'literal' in p && p.literal !== '$' && /\$(?!default\b)[A-Za-z{]/.test(p.literal))) return null
  const usesBody = parts.some((p) => 'steps' in p)
  return (message) => {
    let body: unknown = undefined
    if (usesBody) {
      try {
        body = JSON.parse(message)
      } catch {
        return null
      }
    }
    let key = ''
    for (const p of parts) key += 'literal' in p ? p.literal : render(valueAtPath(body, p.steps))
    return key
  }
}

function bodySteps(path: string): (string | number)[] | null {
  if (path === '') return []
  const parsed = parseJsonPath(path)
  return parsed.ok ? parsed.steps : null
}

function render(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  if (Array.isArray(value)) return `[${value.map(render).join(', ')}]`
  return JSON.stringify(value)
}

