/**
 * @module
 * Resolves Serverless Framework (v3/v4) variables — `${self:...}`, `${env:...}`,
 * `${opt:...}`, `${sls:...}`, `${aws:...}`, `${file(...)...}` — in a loaded serverless.yml,
 * offline. Sources that need an AWS account (`ssm`, `cf`, `s3`) are problems unless a
 * fallback is given. Strings such as `${AWS::Region}` or `${MyFunction.Arn}` are not
 * Serverless variables (no `source:`); they are left for CloudFormation's Fn::Sub.
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { dirname, extname, resolve as resolvePath } from 'node:path'
import {
  formatPath,
  loadTemplate,
  ProblemSink,
  type LoadedTemplate,
  type TemplatePath,
  type TemplateProblem,
} from '../cloudformation/index.js'

export interface ServerlessVariableOptions {
  /** `--stage`; also what `${opt:stage}` gives. */
  readonly stage?: string
  /** `--region`; also what `${opt:region}` gives. */
  readonly region?: string
  readonly env?: Readonly<Record<string, string>>
  /** Other CLI options (`--foo bar` -> `${opt:foo}`). */
  readonly options?: Readonly<Record<string, string>>
  /** `${aws:accountId}`; without it that variable needs a fallback. */
  readonly accountId?: string
  /** `${sls:instanceId}`; random per run (as in the Framework) when not given. */
  readonly instanceId?: string
}

export interface ResolvedServerlessConfig {
  readonly value: unknown
  readonly problems: readonly TemplateProblem[]
  readonly warnings: readonly TemplateProblem[]
}

/** The Framework's default stage and region when neither the CLI nor `provider` sets them. */
export const DEFAULT_SERVERLESS_STAGE = 'dev'
export const DEFAULT_SERVERLESS_REGION = 'us-east-1'

/** Sources that read from an AWS account and therefore cannot be resolved offline. */
export const AWS_ONLY_SOURCES: Readonly<Record<string, string>> = {
  ssm: 'SSM Parameter Store',
  cf: 'CloudFormation stack outputs',
  s3: 'an S3 object',
}

/** Files `${file(...)}` may load; JavaScript/TypeScript resolvers would need code execution. */
const DATA_FILE_EXTENSIONS = new Set(['.yml', '.yaml', '.json'])

/**
 * `source:address`, `source(param):address` or `source(param)`. A single colon only:
 * `AWS::Region` is a CloudFormation pseudo parameter, not the source "AWS".
 */
const SOURCE_PATTERN = /^([a-zA-Z][a-zA-Z0-9]*)(?:\(([^)]*)\)(?=$|:(?!:))|(?=:(?!:)))(?::)?/s

type Lookup = { kind: 'found'; value: unknown } | { kind: 'missing'; reason: string } | { kind: 'failed' }

const FAILED: Lookup = { kind: 'failed' }

/** Loads serverless.yml (CloudFormation tags allowed, as in its `resources:`) and resolves its variables. */
export function loadServerlessConfig(file: string, options: ServerlessVariableOptions = {}): ResolvedServerlessConfig & { ok: boolean } {
  const loaded = loadTemplate(file)
  if (!loaded.ok) return { ok: false, value: undefined, problems: loaded.problems, warnings: [] }
  const resolved = resolveServerlessVariables(loaded.template, options)
  return { ok: resolved.problems.length === 0, ...resolved }
}

export function resolveServerlessVariables(doc: LoadedTemplate, options: ServerlessVariableOptions = {}): ResolvedServerlessConfig {
  const run = new VariableResolution(doc, options)
  const value = run.resolveDeep(doc, doc.value, [])
  return { value, problems: run.problems, warnings: run.warnings }
}

class VariableResolution {
  readonly problems: TemplateProblem[] = []
  readonly warnings: TemplateProblem[] = []
  readonly #sinks = new Map<string, ProblemSink>()
  readonly #memo = new Map<string, unknown>()
  /** Values being resolved, outermost first: meeting one again is a cycle. */
  readonly #active: string[] = []
  readonly #files = new Map<string, LoadedTemplate | undefined>()
  #instanceId: string | undefined

  constructor(
    readonly root: LoadedTemplate,
    readonly options: ServerlessVariableOptions,
  ) {}

  #problem(doc: LoadedTemplate, path: TemplatePath, message: string): void {
    let sink = this.#sinks.get(doc.file)
    if (!sink) {
      sink = new ProblemSink(doc.file, (p) => doc.line(p))
      this.#sinks.set(doc.file, sink)
    }
    const before = sink.problems.length
    sink.problem(path, message)
    if (sink.problems.length > before) this.problems.push(sink.problems[sink.problems.length - 1] as TemplateProblem)
  }

  /** Resolves every string in `value` (mapping keys are left alone); memoised per document path. */
  resolveDeep(doc: LoadedTemplate, value: unknown, path: TemplatePath): unknown {
    if (typeof value === 'string') return this.#resolveStringAt(doc, value, path)
    if (Array.isArray(value)) return value.map((item, index) => this.resolveDeep(doc, item, [...path, index]))
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {}
      for (const [key, item] of Object.entries(value)) out[key] = this.resolveDeep(doc, item, [...path, key])
      return out
    }
    return value
  }

  #resolveStringAt(doc: LoadedTemplate, text: string, path: TemplatePath): unknown {
    if (!text.includes('${')) return text
    const key = `${doc.file}#${formatPath(path)}`
    if (this.#memo.has(key)) return this.#memo.get(key)
    const start = this.#active.indexOf(key)
    if (start >= 0) {
      const chain = [...this.#active.slice(start), key].map((k) => k.slice(k.indexOf('#') + 1))
      this.#problem(doc, path, `circular variable reference: ${chain.join(' -> ')}`)
      return undefined
    }
    this.#active.push(key)
    const value = this.#resolveString(doc, text, path)
    this.#active.pop()
    this.#memo.set(key, value)
    return value
  }

  /**
   * A string that is exactly one variable keeps the variable's type (a number, a mapping);
   * variables inside longer text are written as text.
   */
  #resolveString(doc: LoadedTemplate, text: string, path: TemplatePath): unknown {
    const spans = findVariables(text)
    const only = spans[0]
    if (spans.length === 1 && only && only.start === 0 && only.end === text.length) {
      const result = this.#resolveVariable(doc, only.inner, path)
      return result.kind === 'found' ? result.value : undefined
    }
    let out = ''
    let at = 0
    let failed = false
    for (const span of spans) {
      out += text.slice(at, span.start)
      at = span.end
      const result = this.#resolveVariable(doc, span.inner, path)
      if (result.kind !== 'found') {
        failed = true
        continue
      }
      const v = result.value
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out += String(v)
      else {
        this.#problem(doc, path, `\${${span.inner}} is ${v === null ? 'null' : Array.isArray(v) ? 'a list' : 'a mapping'}; only strings, numbers and booleans can be inserted into text`)
        failed = true
      }
    }
    out += text.slice(at)
    return failed ? undefined : out
  }

  /** `source:address, fallback, ...` (nested variables already inside are resolved first). */
  #resolveVariable(doc: LoadedTemplate, rawInner: string, path: TemplatePath): Lookup {
    let inner = rawInner
    if (findVariables(inner).length > 0) {
      const expanded = this.#resolveString(doc, inner, path)
      if (typeof expanded !== 'string') return FAILED
      inner = expanded
    }
    const candidates = splitTopLevel(inner)
    const reasons: string[] = []
    for (const candidate of candidates) {
      const result = this.#resolveCandidate(doc, candidate, path)
      if (result.kind !== 'missing') return result
      reasons.push(result.reason)
    }
    this.#problem(doc, path, `cannot resolve \${${rawInner}}: ${reasons.join('; ')}`)
    return FAILED
  }

  #resolveCandidate(doc: LoadedTemplate, candidate: string, path: TemplatePath): Lookup {
    const text = candidate.trim()
    const quoted = /^'(.*)'$|^"(.*)"$/s.exec(text)
    if (quoted) return { kind: 'found', value: quoted[1] ?? quoted[2] ?? '' }
    if (/^-?\d+(\.\d+)?$/.test(text)) return { kind: 'found', value: Number(text) }
    if (text === 'true' || text === 'false') return { kind: 'found', value: text === 'true' }
    const source = SOURCE_PATTERN.exec(text)
    // An unquoted fallback that is not `source:...` is a literal (`${env:NAME, default}`).
    if (!source) return { kind: 'found', value: text }
    const name = source[1] as string
    const param = source[2]
    const address = text.slice(source[0].length).trim()
    return this.#lookup(doc, name, param, address, text, path)
  }

  #lookup(doc: LoadedTemplate, source: string, param: string | undefined, address: string, text: string, path: TemplatePath): Lookup {
    const o = this.options
    switch (source) {
      case 'self':
        return this.#self(address)
      case 'env': {
        const value = o.env?.[address]
        return value === undefined ? { kind: 'missing', reason: `environment variable ${address} is not set` } : { kind: 'found', value }
      }
      case 'opt': {
        const value = address === 'stage' ? (o.stage ?? o.options?.['stage']) : address === 'region' ? (o.region ?? o.options?.['region']) : o.options?.[address]
        return value === undefined ? { kind: 'missing', reason: `option --${address} was not given` } : { kind: 'found', value }
      }
      case 'sls':
        if (address === 'stage') return { kind: 'found', value: this.#stage() }
        if (address === 'instanceId') {
          this.#instanceId ??= o.instanceId ?? randomBytes(4).toString('hex')
          return { kind: 'found', value: this.#instanceId }
        }
        this.#problem(doc, path, `\${${text}}: sls has no variable "${address}" (known: stage, instanceId)`)
        return FAILED
      case 'aws':
        if (address === 'region') return { kind: 'found', value: this.#region() }
        if (address === 'accountId') {
          return o.accountId === undefined
            ? { kind: 'missing', reason: 'aws:accountId needs an AWS account; pass accountId' }
            : { kind: 'found', value: o.accountId }
        }
        this.#problem(doc, path, `\${${text}}: aws has no variable "${address}" (known: region, accountId)`)
        return FAILED
      case 'file':
        return this.#file(doc, param, address, text, path)
      default: {
        const service = AWS_ONLY_SOURCES[source]
        if (service !== undefined) return { kind: 'missing', reason: `${source}:${address} reads ${service}, which cannot be done offline; give a fallback, e.g. \${${source}:${address}, 'value'}` }
        this.#problem(doc, path, `\${${text}}: unknown variable source "${source}"`)
        return FAILED
      }
    }
  }

  /** `self:a.b.0`: walks the main file, resolving variables met on the way (`custom: ${file(...)}`). */
  #self(address: string): Lookup {
    const segments = address === '' ? [] : address.split('.')
    let node: unknown = this.root.value
    const walked: (string | number)[] = []
    for (const segment of segments) {
      if (typeof node === 'string') node = this.#resolveStringAt(this.root, node, walked)
      if (node === undefined) return FAILED
      if (Array.isArray(node)) {
        node = /^\d+$/.test(segment) ? node[Number(segment)] : undefined
        walked.push(Number(segment))
      } else {
        node = typeof node === 'object' && node !== null && Object.hasOwn(node, segment) ? (node as Record<string, unknown>)[segment] : undefined
        walked.push(segment)
      }
      if (node === undefined || node === null) return { kind: 'missing', reason: `self:${address} does not exist in ${this.root.file}` }
    }
    const value = this.resolveDeep(this.root, node, walked)
    return value === undefined ? FAILED : { kind: 'found', value }
  }

  #stage(): unknown {
    const o = this.options
    if (o.stage !== undefined) return o.stage
    if (o.options?.['stage'] !== undefined) return o.options['stage']
    const provider = this.#self('provider.stage')
    return provider.kind === 'found' ? provider.value : DEFAULT_SERVERLESS_STAGE
  }

  #region(): unknown {
    const o = this.options
    if (o.region !== undefined) return o.region
    if (o.options?.['region'] !== undefined) return o.options['region']
    const provider = this.#self('provider.region')
    return provider.kind === 'found' ? provider.value : DEFAULT_SERVERLESS_REGION
  }

  /** `file(./x.yml)` or `file(./x.yml):a.b`, relative to the serverless.yml folder. */
  #file(doc: LoadedTemplate, param: string | undefined, address: string, text: string, path: TemplatePath): Lookup {
    const relative = (param ?? '').trim().replace(/^'(.*)'$|^"(.*)"$/, '$1$2')
    if (relative === '') {
      this.#problem(doc, path, `\${${text}}: file() needs a path`)
      return FAILED
    }
    if (!DATA_FILE_EXTENSIONS.has(extname(relative).toLowerCase())) {
      this.#problem(doc, path, `\${${text}}: only YAML and JSON files can be loaded (JavaScript/TypeScript variable files would need running code)`)
      return FAILED
    }
    const absolute = resolvePath(dirname(this.root.file), relative)
    if (!this.#files.has(absolute)) {
      if (!existsSync(absolute)) return { kind: 'missing', reason: `file ${relative} does not exist` }
      const loaded = loadTemplate(absolute)
      if (!loaded.ok) this.problems.push(...loaded.problems)
      this.#files.set(absolute, loaded.ok ? loaded.template : undefined)
    }
    const fileDoc = this.#files.get(absolute)
    if (!fileDoc) return FAILED
    // Variables inside the file resolve against the main file's `self`, as in the Framework.
    let node = this.resolveDeep(fileDoc, fileDoc.value, [])
    for (const segment of address === '' ? [] : address.split('.')) {
      if (typeof node !== 'object' || node === null) return { kind: 'missing', reason: `${relative} has no ${address}` }
      node = Array.isArray(node) ? node[Number(segment)] : (node as Record<string, unknown>)[segment]
      if (node === undefined || node === null) return { kind: 'missing', reason: `${relative} has no ${address}` }
    }
    return { kind: 'found', value: node }
  }
}

interface Span {
  readonly start: number
  readonly end: number
  /** The text between `${` and the matching `}`. */
  readonly inner: string
}

/**
 * The outermost `${...}` spans that are Serverless variables, with nested braces balanced
 * (`${self:custom.${opt:stage}.table}` is one span). `${AWS::Region}`, `${Fn.Arn}` and
 * other CloudFormation Sub placeholders are skipped.
 */
function findVariables(text: string): Span[] {
  const spans: Span[] = []
  let i = 0
  while ((i = text.indexOf('${', i)) >= 0) {
    let depth = 0
    let end = -1
    for (let j = i + 1; j < text.length; j++) {
      if (text[j] === '{') depth++
      else if (text[j] === '}' && --depth === 0) {
        end = j
        break
      }
    }
    if (end < 0) break
    const inner = text.slice(i + 2, end)
    if (SOURCE_PATTERN.test(inner.trim())) {
      spans.push({ start: i, end: end + 1, inner })
      i = end + 1
    } else i += 2
  }
  return spans
}

/** Splits `env:A, env:B, 'x, y'` at commas outside quotes, parentheses and braces. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let quote: string | undefined
  let current = ''
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined
    } else if (ch === "'" || ch === '"') quote = ch
    else if (ch === '(' || ch === '{') depth++
    else if (ch === ')' || ch === '}') depth--
    else if (ch === ',' && depth === 0) {
      parts.push(current)
      current = ''
      continue
    }
    current += ch
  }
  parts.push(current)
  return parts
}
