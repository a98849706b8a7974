/**
 * @module
 * Mapping templates as API Gateway runs them (spec 10.5): Velocity (VTL) with `$input`,
 * `$util`, `$context` and `$stageVariables`. A template compiles once (parse errors, unknown
 * directives and malformed JSONPath literals are reported with their template line) and
 * renders per request; a render error (the `#foreach` cap, bad JSON given to
 * `$util.parseJson`, an output over the limit) is a result, never a throw.
 */
import { createRequire } from 'node:module'
import type { parse } from 'velocityjs'
import { apiGatewayVelocity, TemplateLimitError } from './engine.js'
import { parseInputPath, selectPath, type JsonPath } from './json-path.js'
import { utilObject } from './util-functions.js'

/** Maximum mapping template size: 300 KB (spec 13.3). `[DOC]` */
export const MAX_TEMPLATE_BYTES = 300 * 1024
/**
 * A rendered template larger than this is an integration failure. AWS documents no output
 * limit; 10 MB is the HTTP API payload quota and bounds memory. `[EMU]`
 */
export const MAX_RENDERED_BYTES = 10 * 1024 * 1024
/**
 * Undefined references (`$context.nope`) render empty, where stock Velocity would print the
 * reference text: API Gateway's outputs show empty strings for absent values. `[UNCONFIRMED]`
 */
export const UNDEFINED_REFERENCES_RENDER_EMPTY = true
/** Velocity directives that are not macros of the template; anything else called with `#name(...)` must be a `#macro`. */
const BUILT_IN_DIRECTIVES = new Set(['stop'])

export interface MappingTemplateInput {
  /** The request (or integration response) body as text. */
  readonly body: string
  /** `$input.params()`: `path`, `querystring` and `header` maps. */
  readonly params: { readonly path: Readonly<Record<string, string>>; readonly querystring: Readonly<Record<string, string>>; readonly header: Readonly<Record<string, string>> }
  /** `$context`, nested (`identity.sourceIp` is `{ identity: { sourceIp } }`). */
  readonly context: Readonly<Record<string, unknown>>
  readonly stageVariables: Readonly<Record<string, string>> | null
}

export type RenderResult = { ok: true; output: string } | { ok: false; reason: string }

export interface MappingTemplate {
  render(input: MappingTemplateInput): RenderResult
}

export type CompiledMappingTemplate = { ok: true; template: MappingTemplate } | { ok: false; reason: string; line: number; column: number }

type Asts = ReturnType<typeof parse>

const require = createRequire(import.meta.url)
/** velocityjs's parser, loaded with the first template (see engine.ts). */
const velocityParse = (): typeof parse => (require('velocityjs') as typeof import('velocityjs')).parse

export function compileMappingTemplate(text: string): CompiledMappingTemplate {
  if (Buffer.byteLength(text) > MAX_TEMPLATE_BYTES) return { ok: false, reason: `the template is over ${MAX_TEMPLATE_BYTES} bytes (API Gateway's limit)`, line: 1, column: 0 }
  let asts: Asts
  try {
    asts = velocityParse()(withStopCalls(text))
  } catch (err) {
    const hash = (err as { hash?: { loc?: { first_line: number; first_column: number } } }).hash
    const line = hash?.loc?.first_line ?? 1
    const column = hash?.loc?.first_column ?? 0
    const detail = ((err as Error).message.split('\n').pop() ?? '').trim()
    return { ok: false, reason: `VTL syntax error at template line ${line}, column ${column + 1}: ${detail}`, line, column }
  }
  const problem = checkBlocks(text) ?? checkAsts(asts)
  if (problem !== null) return { ok: false, ...problem }
  const paths = new Map<string, JsonPath>()
  return {
    ok: true,
    template: {
      render: (input) => renderTemplate(asts, input, paths),
    },
  }
}

/** velocityjs knows `#stop()` only; Velocity writes `#stop` and `#{stop}`. */
function withStopCalls(text: string): string {
  return text.replace(/(^|[^\\])#(?:\{stop\}|stop(?![A-Za-z0-9_(]))/g, '$1#stop()')
}

function renderTemplate(asts: Asts, input: MappingTemplateInput, paths: Map<string, JsonPath>): RenderResult {
  try {
    const output = apiGatewayVelocity(asts).render(renderContext(input, paths), undefined, UNDEFINED_REFERENCES_RENDER_EMPTY)
    if (Buffer.byteLength(output) > MAX_RENDERED_BYTES) return { ok: false, reason: `the rendered template is over ${MAX_RENDERED_BYTES} bytes` }
    return { ok: true, output }
  } catch (err) {
    const reason = err instanceof TemplateLimitError || err instanceof TypeError ? err.message : `VTL render error: ${(err as Error).message}`
    return { ok: false, reason }
  }
}

/** What `$input`, `$util`, `$context` and `$stageVariables` are while a template renders. */
function renderContext(input: MappingTemplateInput, paths: Map<string, JsonPath>): Record<string, unknown> {
  let parsed: { ok: boolean; value: unknown } | undefined
  const json = (): { ok: boolean; value: unknown } => {
    if (parsed === undefined) {
      try {
        parsed = { ok: true, value: JSON.parse(input.body) as unknown }
      } catch {
        parsed = { ok: false, value: undefined }
      }
    }
    return parsed
  }
  const select = (path: unknown): { found: boolean; value: unknown } => {
    const text = String(path)
    let compiled = paths.get(text)
    if (compiled === undefined) {
      const p = parseInputPath(text)
      if (typeof p === 'string') throw new TypeError(p)
      compiled = p
      if (paths.size < 100) paths.set(text, p)
    }
    const body = json()
    if (!body.ok) return { found: false, value: undefined }
    const value = selectPath(body.value, compiled)
    return { found: value !== undefined, value }
  }
  const $input = {
    body: input.body,
    /** The value at a JSONPath as JSON text; an absent value is `null`, a body that is not JSON renders empty. `[UNCONFIRMED]` */
    json: (path: unknown): string => {
      const { found, value } = select(path)
      if (!json().ok) return ''
      return found ? JSON.stringify(value) : 'null'
    },
    /** The value at a JSONPath as an object templates can walk (a list for `*`/`..` paths). */
    path: (path: unknown): unknown => {
      const { found, value } = select(path)
      return found ? value : ''
    },
    /** No argument: all parameters by kind. A name: path, then query string, then header. */
    params: (name?: unknown): unknown => {
      if (name === undefined) return { path: { ...input.params.path }, querystring: { ...input.params.querystring }, header: { ...input.params.header } }
      const n = String(name)
      return input.params.path[n] ?? input.params.querystring[n] ?? headerValue(input.params.header, n) ?? ''
    },
  }
  return { input: $input, util: utilObject(), context: input.context, stageVariables: input.stageVariables ?? {} }
}

function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const exact = headers[name]
  if (exact !== undefined) return exact
  const lower = name.toLowerCase()
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v
  return undefined
}

interface AstProblem {
  reason: string
  line: number
  column: number
}

/** Unknown directives and malformed literal JSONPaths, found before any request. */
function checkAsts(asts: Asts): AstProblem | null {
  const macros = new Set<string>()
  const calls: Array<{ id: string; pos: Pos | undefined }> = []
  let problem: AstProblem | null = null
  const visit = (node: unknown): void => {
    if (problem !== null || node === null || typeof node !== 'object') return
    if (Array.isArray(node)) {
      for (const n of node) visit(n)
      return
    }
    const n = node as { type?: string; id?: unknown; path?: unknown; args?: unknown; pos?: Pos }
    if (n.type === 'macro' && typeof n.id === 'string') macros.add(n.id)
    if (n.type === 'macro_call' && typeof n.id === 'string') calls.push({ id: n.id, pos: n.pos })
    if (n.type === 'references' && n.id === 'input' && Array.isArray(n.path)) {
      const first = n.path[0] as { type?: string; id?: string; args?: Array<{ type?: string; value?: unknown }> } | undefined
      const arg = first?.args?.[0]
      if (first?.type === 'method' && (first.id === 'path' || first.id === 'json') && arg?.type === 'string' && typeof arg.value === 'string' && !/\$[A-Za-z{!]/.test(arg.value)) {
        const parsed = parseInputPath(arg.value)
        if (typeof parsed === 'string') problem = at(`$input.${first.id}: ${parsed}`, n.pos)
      }
    }
    for (const value of Object.values(n)) if (typeof value === 'object') visit(value)
  }
  visit(asts)
  if (problem !== null) return problem
  for (const call of calls) {
    if (!macros.has(call.id) && !BUILT_IN_DIRECTIVES.has(call.id)) {
      return at(`#${call.id} is not a directive API Gateway runs (use #set, #if, #elseif, #else, #foreach, #break, #macro)`, call.pos)
    }
  }
  return null
}

const BLOCK_DIRECTIVE = /\\*#(?:\{(if|foreach|macro|define|end)\}|(if|foreach|macro|define)\s*\(|(end)(?![A-Za-z0-9_]))|##[^\n]*|#\*[\s\S]*?\*#|#\[\[[\s\S]*?\]\]#/g

/**
 * Every `#if`, `#foreach`, `#macro` and `#define` closed by an `#end`, and no `#end` without
 * a block. velocityjs accepts both (an unclosed block even renders its body twice) where
 * Velocity reports a parse error, so this is checked on the text: comments, `#[[raw]]#`
 * and escaped `\#` directives are skipped.
 */
function checkBlocks(text: string): AstProblem | null {
  const open: Array<{ name: string; index: number }> = []
  for (const m of text.matchAll(BLOCK_DIRECTIVE)) {
    const token = m[0]
    if (token.startsWith('##') || token.startsWith('#*') || token.startsWith('#[[')) continue
    const slashes = token.length - token.replace(/^\\+/, '').length
    if (slashes % 2 === 1) continue
    const name = (m[1] ?? m[2] ?? m[3]) as string
    if (name !== 'end') open.push({ name, index: m.index + slashes })
    else if (open.pop() === undefined) return positioned('#end closes no block', text, m.index + slashes)
  }
  const unclosed = open.pop()
  return unclosed === undefined ? null : positioned(`#${unclosed.name} has no #end`, text, unclosed.index)
}

function positioned(reason: string, text: string, index: number): AstProblem {
  const before = text.slice(0, index)
  const line = before.split('\n').length
  const column = index - (before.lastIndexOf('\n') + 1)
  return { reason: `VTL syntax error: ${reason} (template line ${line}, column ${column + 1})`, line, column }
}

interface Pos {
  first_line: number
  first_column: number
}

function at(reason: string, pos: Pos | undefined): AstProblem {
  const line = pos?.first_line ?? 1
  const column = pos?.first_column ?? 0
  return { reason: `${reason} (template line ${line}, column ${column + 1})`, line, column }
}
