/**
 * @module
 * The part of API Gateway's Velocity (VTL) mapping templates that WebSocket `MOCK`
 * integrations need (spec 10.5): references, not directives. `$input.body`,
 * `$input.json('$.a.b')` (JSON text), `$input.path('$.a.b')` (the value), `$context.NAME` and
 * `$stageVariables.NAME`, also in the `${...}` formal form and `$!{...}` quiet form.
 * A template with `#if`, `#set`, `#foreach` (any directive) is refused at load time.
 */
import { parseJsonPath, valueAtPath } from '../integrations/index.js'

export interface TemplateInput {
  readonly body: string
  readonly context: (name: string) => string | undefined
  readonly stageVariables: Readonly<Record<string, string>> | null
}

export type Template = (input: TemplateInput) => string
export type CompiledTemplate = { ok: true; render: Template } | { ok: false; reason: string }

const REF = `input\\.body|input\\.(?:json|path)\\('([^']*)'\\)|context\\.[A-Za-z0-9_.]*[A-Za-z0-9_]|stageVariables\\.[A-Za-z0-9_]+`
/** `$ref`, `${ref}` (formal) or `$!{ref}` (quiet); the braces only when they open the reference. */
const REFERENCE = new RegExp(`\\$!?(?:\\{(${REF})\\}|(${REF}))`, 'g')

export function compileTemplate(text: string): CompiledTemplate {
  if (/(^|[^\\])#(if|set|foreach|else|elseif|end|macro|define|parse|include|stop|break)\b/.test(text)) {
    return { ok: false, reason: 'VTL directives (#if, #set, #foreach, ...) are not supported; only references ($input, $context, $stageVariables)' }
  }
  const parts: Array<string | Template> = []
  let last = 0
  for (const m of text.matchAll(REFERENCE)) {
    if (m.index > last) parts.push(text.slice(last, m.index))
    const ref = (m[1] ?? m[3]) as string
    const piece = compileReference(ref, m[2] ?? m[4])
    if (piece === null) return { ok: false, reason: `cannot evaluate ${m[0]}` }
    parts.push(piece)
    last = m.index + m[0].length
  }
  if (last < text.length) parts.push(text.slice(last))
  return {
    ok: true,
    render: (input) => {
      let out = ''
      for (const p of parts) out += typeof p === 'string' ? p : p(input)
      return out
    },
  }
}

function compileReference(ref: string, path: string | undefined): Template | null {
  if (ref === 'input.body') return (i) => i.body
  if (ref.startsWith('input.json(') || ref.startsWith('input.path(')) {
    const steps = jsonPathSteps(path ?? '')
    if (steps === null) return null
    const asJson = ref.startsWith('input.json(')
    return (i) => {
      let value: unknown
      try {
        value = JSON.parse(i.body)
      } catch {
        return ''
      }
      const found = valueAtPath(value, steps)
      if (found === undefined) return asJson ? 'null' : ''
      return asJson ? JSON.stringify(found) : typeof found === 'string' ? found : JSON.stringify(found)
    }
  }
  if (ref.startsWith('context.')) {
    const name = ref.slice(8)
    return (i) => i.context(name) ?? ''
  }
  const name = ref.slice(15)
  return (i) => i.stageVariables?.[name] ?? ''
}

/** `$`, `$.a.b`, `$.a[0]` → steps. */
function jsonPathSteps(path: string): (string | number)[] | null {
  if (path === '$') return []
  if (!path.startsWith('$')) return null
  const parsed = parseJsonPath(path.slice(1))
  return parsed.ok ? parsed.steps : null
}

