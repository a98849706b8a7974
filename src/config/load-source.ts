/**
 * @module
 * Picks the reader for a project file: Gatehouse's own config, or a SAM / CloudFormation
 * template translated by `sources/stack` into the config shape. Problems found later, in
 * the translated config, are mapped back to the template's line and path.
 */
import { readFileSync } from 'node:fs'
import { detectTemplateKind, loadTemplate, type TemplateProblem } from '../sources/cloudformation/index.js'
import { templatePathOf, translateServerless, translateTemplate, type ConfigPath } from '../sources/stack/index.js'
import type { ConfigIssue } from './issues.js'
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
  /** serverless.yml: the stage (`--stage`; default provider.stage, else dev). */
  readonly stage?: string | undefined
}

export interface ExtraSource {
  readonly sourceFiles: readonly string[]
  readonly warnings: readonly ConfigIssue[]
}

type Remap = (path: string) => { path: string; line: number | undefined } | undefined

export type TemplateSource =
  | { readonly ok: true; readonly doc: LoadedDocument; readonly extra: ExtraSource; readonly remap: Remap }
  | { readonly ok: false; readonly result: { ok: false; issues: readonly ConfigIssue[]; sourceFiles: readonly string[] } }

const asIssue = (p: TemplateProblem): ConfigIssue => ({ file: p.file, line: p.line, path: p.path, message: p.message })

/** undefined: not a template, read it as Gatehouse's own config. */
export function loadTemplateSource(file: string, options: SourceOptions): TemplateSource | undefined {
  if (options.format === 'gatehouse') return undefined
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
  const lineOf = (path: ConfigPath): number | undefined => {
    const at = templatePathOf(translated.origins, path)
    return at === undefined ? undefined : template.line(at)
  }
  const doc: LoadedDocument = {
    file: template.file,
    value: translated.config,
    line: lineOf,
    keyLine: (path, key) => lineOf([...path, key]),
  }
  const byText = new Map<string, ConfigPath>()
  const remember = (value: unknown, path: (string | number)[]): void => {
    byText.set(formatConfigPath(path), [...path])
    if (path.length > 6) return
    if (Array.isArray(value)) value.forEach((v, i) => remember(v, [...path, i]))
    else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) remember(v, [...path, k])
  }
  remember(translated.config, [])
  const remap: Remap = (text) => {
    const path = byText.get(text)
    if (path === undefined) return undefined
    const at = templatePathOf(translated.origins, path)
    if (at === undefined) return undefined
    return { path: at.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join(''), line: template.line(at) }
  }
  return { ok: true, doc, extra: { sourceFiles: translated.sourceFiles, warnings: translated.warnings.map(asIssue) }, remap }
}

function formatConfigPath(path: ConfigPath): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else if (/^[A-Za-z_$][\w$-]*$/.test(part)) out += out === '' ? part : `.${part}`
    else out += `[${JSON.stringify(part)}]`
  }
  return out === '' ? '(root)' : out
}

/** Issues found in the translated config name the template path they came from. */
export function remapIssues<R extends { ok: boolean }>(result: R, remap: Remap): R {
  if (result.ok || !('issues' in result)) return result
  const issues = (result as unknown as { issues: readonly ConfigIssue[] }).issues.map((issue) => {
    const to = remap(issue.path)
    return to === undefined ? issue : { ...issue, path: to.path, line: to.line ?? issue.line }
  })
  return { ...result, issues }
}
