/**
 * @module
 * Picks the reader for a project file: Gatehouse's own config, or a SAM / CloudFormation
 * template translated by `sources/stack` into the config shape. Problems found later, in
 * the translated config, are mapped back to the template's line and path.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { detectTemplateKind, loadTemplate, type TemplateProblem } from '../sources/cloudformation/index.js'
import { templatePathOf, translateServerless, translateTemplate, type ConfigPath, type NestedPart } from '../sources/stack/index.js'
import { formatPath, type ConfigIssue } from './issues.js'
import type { LoadedDocument } from './load-file.js'

export type SourceFormat = 'gatehouse' | 'cloudformation' | 'sam' | 'serverless'
export const SOURCE_FORMATS: readonly SourceFormat[] = ['gatehouse', 'cloudformation', 'sam', 'serverless']

export interface SourceOptions {
  /** Overrides detection from content. */
  readonly format?: SourceFormat | undefined
  /** Template parameter values (`--parameter-overrides Key=Value`). */
  readonly parameterOverrides?: Readonly<Record<string, string>> | undefined
  /** Fn::ImportValue values by export name (`--import-value Name=Value`). */
  readonly importValues?: Readonly<Record<string, string>> | undefined
  /** cdk.out: which stack (artifact id or stack name) when it has several. */
  readonly stack?: string | undefined
  /** serverless.yml: the stage (`--stage`; default provider.stage, else dev). */
  readonly stage?: string | undefined
}

export interface ExtraSource {
  readonly sourceFiles: readonly string[]
  readonly warnings: readonly ConfigIssue[]
}

type Remap = (path: string, file: string) => { path: string; line: number | undefined; file?: string } | undefined

export type TemplateSource =
  | { readonly ok: true; readonly file: string; readonly doc: LoadedDocument; readonly extra: ExtraSource; readonly remap: Remap }
  | { readonly ok: false; readonly result: { ok: false; issues: readonly ConfigIssue[]; sourceFiles: readonly string[] } }

const asIssue = (p: TemplateProblem): ConfigIssue => ({ file: p.file, line: p.line, path: p.path, message: p.message })

/** undefined: not a template, read it as Gatehouse's own config. */
export function loadTemplateSource(given: string, options: SourceOptions): TemplateSource | undefined {
  if (options.format === 'gatehouse') return undefined
  let file = given
  const extraFiles: string[] = []
  if (existsSync(given) && statSync(given).isDirectory()) {
    const cdk = cdkStackTemplate(given, options.stack)
    if ('issue' in cdk) return { ok: false, result: { ok: false, issues: [cdk.issue], sourceFiles: [join(given, 'manifest.json')] } }
    file = cdk.file
    extraFiles.push(join(given, 'manifest.json'))
    options = { ...options, format: 'cloudformation', parameterOverrides: { ...cdk.overrides, ...options.parameterOverrides } }
  }
  if (options.format === undefined) {
    // Cheap first look: templates name Resources or AWSTemplateFormatVersion.
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      return undefined
    }
    if (!/Resources|AWSTemplateFormatVersion|Transform|\bservice\b/.test(text)) return undefined
  }
  const loaded = loadTemplate(file)
  if (!loaded.ok) {
    if (options.format === undefined) return undefined
    return { ok: false, result: { ok: false, issues: loaded.problems.map(asIssue), sourceFiles: [file] } }
  }
  const kind = detectTemplateKind(loaded.template.value)
  if (options.format === undefined && kind !== 'sam' && kind !== 'cloudformation' && kind !== 'serverless') return undefined
  const translated = (options.format ?? kind) === 'serverless'
    ? translateServerless(loaded.template, options.stage !== undefined ? { stage: options.stage } : {})
    : translateTemplate(loaded.template, {
        ...(options.parameterOverrides !== undefined ? { parameterOverrides: options.parameterOverrides } : {}),
        ...(options.importValues !== undefined ? { importValues: options.importValues } : {}),
      })
  if (translated.problems.length > 0) {
    return { ok: false, result: { ok: false, issues: translated.problems.map(asIssue), sourceFiles: translated.sourceFiles } }
  }
  const template = loaded.template
  const nested = translated.nested ?? []
  /** The template a translated path came from (a nested stack's, or the top one) and where in it. */
  const originOf = (path: ConfigPath): { file: string; at: readonly (string | number)[]; line: number | undefined } | undefined => {
    const part = nestedPartOf(nested, path)
    if (part !== undefined) {
      const at = templatePathOf(part.part.origins, part.path)
      return at === undefined ? undefined : { file: part.part.template.file, at, line: part.part.template.line(at) }
    }
    const at = templatePathOf(translated.origins, path)
    return at === undefined ? undefined : { file: template.file, at, line: template.line(at) }
  }
  // The document's lines are the top template's: a nested part's line is given by remap, with its file.
  const lineOf = (path: ConfigPath): number | undefined => (nestedPartOf(nested, path) !== undefined ? undefined : originOf(path)?.line)
  const doc: LoadedDocument = {
    file: template.file,
    value: translated.config,
    line: lineOf,
    keyLine: (path, key) => lineOf([...path, key]),
  }
  const byText = new Map<string, ConfigPath>()
  const remember = (value: unknown, path: (string | number)[]): void => {
    byText.set(formatPath(path), [...path])
    if (path.length > 6) return
    if (Array.isArray(value)) value.forEach((v, i) => remember(v, [...path, i]))
    else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) remember(v, [...path, k])
  }
  remember(translated.config, [])
  const bodies = bodyRemaps(translated.bodies, template)
  const remap: Remap = (text, issueFile) => {
    // An inline OpenAPI body was written to a file to be imported: its issues name the template.
    const body = bodies.get(issueFile)
    if (body !== undefined) return body(text)
    // Issues inside other files (a DefinitionUri document) keep their own paths.
    if (issueFile !== template.file) return undefined
    const path = byText.get(text)
    if (path === undefined) return undefined
    const origin = originOf(path)
    if (origin === undefined) return undefined
    return { file: origin.file, path: templatePathText(origin.at), line: origin.line }
  }
  return { ok: true, file, doc, extra: { sourceFiles: [...translated.sourceFiles, ...extraFiles], warnings: translated.warnings.map(asIssue) }, remap }
}

/** Issues found in the translated config name the template path they came from. */
export function remapIssues<R extends { ok: boolean }>(result: R, remap: Remap): R {
  if (result.ok || !('issues' in result)) return result
  const issues = (result as unknown as { issues: readonly ConfigIssue[] }).issues.map((issue) => {
    const to = remap(issue.path, issue.file)
    return to === undefined ? issue : { ...issue, file: to.file ?? issue.file, path: to.path, line: to.line ?? issue.line }
  })
  return { ...result, issues }
}

/**
 * A `cdk.out` folder: the stack artifact's template (manifest.json). CDK's `BootstrapVersion`
 * SSM parameter is only read by its Rules, so it gets a stand-in value.
 */
function cdkStackTemplate(dir: string, wanted: string | undefined): { file: string; overrides: Record<string, string> } | { issue: ConfigIssue } {
  const manifestFile = join(dir, 'manifest.json')
  const issue = (message: string): { issue: ConfigIssue } => ({ issue: { file: manifestFile, line: undefined, path: 'artifacts', message } })
  let manifest: unknown
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8'))
  } catch (err) {
    return issue(`${dir} is a folder but not a cdk.out (no readable manifest.json: ${(err as Error).message})`)
  }
  const artifacts = typeof manifest === 'object' && manifest !== null ? (manifest as Record<string, unknown>)['artifacts'] : undefined
  const stacks: { id: string; name: string; templateFile: string }[] = []
  if (typeof artifacts === 'object' && artifacts !== null) {
    for (const [id, a] of Object.entries(artifacts as Record<string, unknown>)) {
      if (typeof a !== 'object' || a === null) continue
      const art = a as Record<string, unknown>
      const props = (art['properties'] ?? {}) as Record<string, unknown>
      if (art['type'] !== 'aws:cloudformation:stack' || typeof props['templateFile'] !== 'string') continue
      stacks.push({ id, name: typeof props['stackName'] === 'string' ? props['stackName'] : typeof art['displayName'] === 'string' ? art['displayName'] : id, templateFile: props['templateFile'] })
    }
  }
  if (stacks.length === 0) return issue('the cloud assembly has no CloudFormation stack')
  const names = stacks.map((s) => s.name).join(', ')
  const chosen = wanted === undefined
    ? stacks.length === 1 ? stacks[0] : undefined
    : stacks.find((s) => s.id === wanted || s.name === wanted)
  if (chosen === undefined) {
    return issue(wanted === undefined ? `the cloud assembly has several stacks; choose one with --stack (${names})` : `no stack "${wanted}" in the cloud assembly (stacks: ${names})`)
  }
  const file = join(dir, chosen.templateFile)
  let overrides: Record<string, string> = {}
  try {
    if (/"BootstrapVersion"/.test(readFileSync(file, 'utf8'))) overrides = { BootstrapVersion: '20' }
  } catch {
    // reported when the template is loaded
  }
  return { file, overrides }
}

const templatePathText = (at: readonly (string | number)[]): string =>
  at.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('')

/**
 * For each OpenAPI body written from the template: an issue's path inside the written
 * document → the template's file, line and path (`Resources.Api.Properties.DefinitionBody.paths…`).
 * Parts SAM merged in (events, Auth) have no line of their own: the nearest written ancestor's.
 */
function bodyRemaps(
  bodies: ReadonlyMap<string, readonly (string | number)[]> | undefined,
  template: { file: string; line(path: readonly (string | number)[]): number | undefined },
): Map<string, (text: string) => { path: string; line: number | undefined; file: string } | undefined> {
  const out = new Map<string, (text: string) => { path: string; line: number | undefined; file: string } | undefined>()
  for (const [file, at] of bodies ?? []) {
    let value: unknown
    try {
      value = JSON.parse(readFileSync(file, 'utf8'))
    } catch {
      continue
    }
    const byText = new Map<string, (string | number)[]>()
    const walk = (v: unknown, path: (string | number)[]): void => {
      byText.set(formatPath(path), path)
      if (path.length > 8) return
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]))
      else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, [...path, k])
    }
    walk(value, [])
    out.set(file, (text) => {
      const inner = byText.get(text)
      if (inner === undefined) return { file: template.file, path: templatePathText(at), line: template.line(at) }
      const full = [...at, ...inner]
      let line: number | undefined
      for (let n = full.length; n >= at.length && line === undefined; n--) line = template.line(full.slice(0, n))
      return { file: template.file, path: templatePathText(full), line }
    })
  }
  return out
}

/** The nested part (deepest first) that added `path`'s function or API, and the path within it. */
function nestedPartOf(parts: readonly NestedPart[], path: ConfigPath): { part: NestedPart; path: ConfigPath } | undefined {
  for (const part of parts) {
    if (path[0] === 'functions' && typeof path[1] === 'string' && part.functions.includes(path[1])) return { part, path }
    if (path[0] === 'apis' && typeof path[1] === 'number' && path[1] >= part.apiOffset && path[1] < part.apiOffset + part.apiCount) {
      return { part, path: ['apis', path[1] - part.apiOffset, ...path.slice(2)] }
    }
  }
  return undefined
}
