/**
 * @module
 * Checks a value against one of the schemas in `schema.ts` and turns Ajv's errors into
 * config issues with file, line, path and a reason written for people.
 */
import { createRequire } from 'node:module'
import type { ErrorObject, ValidateFunction, Ajv } from 'ajv'
import { Value, type TSchema } from '../vendor/typebox.js'
import type { ConfigIssue, DocPath } from './issues.js'
import { formatPath } from './issues.js'
import type { LoadedDocument } from './load-file.js'

const require = createRequire(import.meta.url)
/**
 * Ajv, loaded and its schemas compiled only once a value fails TypeBox's own check: a config
 * that fits costs no schema compilation, which was a fifth of `gatehouse serve`'s start
 * (issue 16, target 5). Ajv still decides, and words the issues, whenever TypeBox says no.
 */
let ajv: Ajv | undefined
const compiled = new WeakMap<TSchema, ValidateFunction>()

function ajvFor(schema: TSchema): ValidateFunction {
  if (ajv === undefined) {
    const { Ajv } = require('ajv') as typeof import('ajv')
    // `verbose` keeps each error's parent schema, which the "did you mean" hint reads.
    ajv = new Ajv({ allErrors: true, strict: false, verbose: true })
  }
  let validate = compiled.get(schema)
  if (validate === undefined) compiled.set(schema, (validate = ajv.compile(schema)))
  return validate
}

/** TypeBox's interpreted check: no compilation. Unknown to it (it throws): let Ajv decide. */
function fitsQuickly(schema: TSchema, value: unknown): boolean {
  try {
    return Value.Check(schema, value)
  } catch {
    return false
  }
}

/** The issues for `value` at `base` inside `doc`; an empty list means it fits the schema. */
export function shapeIssues(schema: TSchema, value: unknown, doc: LoadedDocument, base: DocPath): ConfigIssue[] {
  if (fitsQuickly(schema, value)) return []
  const validate = ajvFor(schema)
  if (validate(value)) return []
  return dedupe(reportable(validate.errors ?? []).map((e) => toIssue(e, doc, base)))
}

/**
 * Union branches each report their own failure. When a branch failed inside the value (a
 * member of an object branch), those errors say what is wrong; otherwise the value matched
 * no branch at all and the union's own error says what is accepted.
 */
function reportable(errors: readonly ErrorObject[]): ErrorObject[] {
  const out: ErrorObject[] = []
  for (const e of errors) {
    if (/\/anyOf\/\d+\//.test(e.schemaPath)) continue
    if (e.keyword !== 'anyOf') {
      out.push(e)
      continue
    }
    const branch = e.schemaPath + '/'
    const inside = errors.filter((x) => x.schemaPath.startsWith(branch) && x.instancePath.length > e.instancePath.length)
    out.push(...(inside.length > 0 ? inside : [e]))
  }
  return out
}

function toIssue(e: ErrorObject, doc: LoadedDocument, base: DocPath): ConfigIssue {
  const path = [...base, ...pointerToPath(e.instancePath)]
  const params = e.params as Record<string, unknown>
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params['additionalProperty'])
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {})
      const hint = closest(key, allowed)
      return {
        file: doc.file,
        line: doc.keyLine(path, key),
        path: formatPath([...path, key]),
        message: `unknown field "${key}"${hint !== undefined ? ` (did you mean "${hint}"?)` : ''}`,
      }
    }
    case 'required': {
      const key = String(params['missingProperty'])
      return { file: doc.file, line: doc.line(path), path: formatPath([...path, key]), message: 'required field is missing' }
    }
    case 'anyOf': {
      const options = literalOptions(e.parentSchema)
      const message = options.length > 0 ? `must be one of ${options.join(', ')}` : 'has an unsupported type'
      return { file: doc.file, line: doc.line(path), path: formatPath(path), message }
    }
    default:
      return { file: doc.file, line: doc.line(path), path: formatPath(path), message: e.message ?? e.keyword }
  }
}

/** What a union accepts: its literal values as written, other branches by type ("an object"). */
function literalOptions(schema: unknown): string[] {
  const branches = (schema as { anyOf?: { const?: unknown; type?: string }[] } | undefined)?.anyOf ?? []
  return branches.map((b) => (b.const !== undefined ? String(b.const) : b.type === 'object' ? 'an object' : (b.type ?? '?')))
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p))
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>()
  return issues.filter((i) => {
    const k = `${i.path}\0${i.message}`
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

/** The allowed key closest to a misspelt one, when it is close enough to be a typo. */
function closest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1
  for (const candidate of allowed) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) [best, bestDistance] = [candidate, d]
  }
  return best
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost))
    }
    prev = row
  }
  return prev[b.length] ?? 0
}
