/**
 * @module
 * Loads a CloudFormation / SAM template (YAML or JSON) into plain values, turning the
 * short-form tags (`!Ref X`, `!Sub ...`, `!GetAtt A.B`, ...) into their long forms
 * (`{ Ref: X }`, `{ 'Fn::Sub': ... }`, `{ 'Fn::GetAtt': 'A.B' }`), and keeps the syntax
 * tree so any path in the result can be mapped back to a line.
 *
 * Schema choice: the YAML 1.2 core schema (the `yaml` package's default). So `on`, `yes`,
 * `off`, `no` stay plain strings, as CloudFormation treats them, and `2010-09-09` stays a
 * string (no timestamps). `true`/`false` are booleans and `30` is a number, which
 * CloudFormation also accepts wherever it expects those. JSON is YAML 1.2, so JSON
 * templates go through the same parser and get line numbers too.
 */
import { readFileSync } from 'node:fs'
import { isMap, isNode, isScalar, isSeq, LineCounter, Pair, parseDocument, Scalar, visit, YAMLMap } from '../../vendor/yaml.js'
import type { TemplatePath, TemplateProblem } from './errors.js'
import { formatPath } from './errors.js'

/** Short-form tag -> long-form key. `!GetAtt A.B` keeps its string; the evaluator splits it. */
export const SHORT_FORM_TAGS: Readonly<Record<string, string>> = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  '!GetAtt': 'Fn::GetAtt',
  '!Sub': 'Fn::Sub',
  '!Join': 'Fn::Join',
  '!Select': 'Fn::Select',
  '!Split': 'Fn::Split',
  '!If': 'Fn::If',
  '!Equals': 'Fn::Equals',
  '!And': 'Fn::And',
  '!Or': 'Fn::Or',
  '!Not': 'Fn::Not',
  '!FindInMap': 'Fn::FindInMap',
  '!Base64': 'Fn::Base64',
  '!GetAZs': 'Fn::GetAZs',
  '!ImportValue': 'Fn::ImportValue',
  '!Cidr': 'Fn::Cidr',
  '!Transform': 'Fn::Transform',
  '!Length': 'Fn::Length',
  '!ToJsonString': 'Fn::ToJsonString',
}

/**
 * How many alias expansions a template may need before it is refused as a resource
 * exhaustion ("billion laughs") attack; the `yaml` package's own default is 100.
 */
export const MAX_ALIAS_COUNT = 100

/** The `yaml` customTags: each short form accepted on a scalar, a sequence and a mapping; resolution keeps the node. */
const CUSTOM_TAGS = Object.keys(SHORT_FORM_TAGS).flatMap((tag) => [
  { tag, resolve: (value: string) => value },
  { tag, collection: 'seq' as const, resolve: (value: unknown) => value },
  { tag, collection: 'map' as const, resolve: (value: unknown) => value },
])

export interface LoadedTemplate {
  readonly file: string
  readonly value: unknown
  /** The 1-based line of the node at `path`, or of its closest existing ancestor. */
  line(path: TemplatePath): number | undefined
}

export type LoadTemplateResult =
  | { readonly ok: true; readonly template: LoadedTemplate; readonly problems: readonly TemplateProblem[] }
  | { readonly ok: false; readonly template: undefined; readonly problems: readonly TemplateProblem[] }

export function loadTemplate(file: string): LoadTemplateResult {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const message = code === 'ENOENT' ? 'file not found' : `cannot read: ${(err as Error).message}`
    return failed(file, undefined, message)
  }
  return parseTemplateText(file, text)
}

/** A template built in code (no source text): every line is undefined. */
export function templateFromValue(value: unknown, file = '<inline>'): LoadedTemplate {
  return { file, value, line: () => undefined }
}

export function parseTemplateText(file: string, text: string): LoadTemplateResult {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    customTags: CUSTOM_TAGS,
  })
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line
  // One problem per file: after the first syntax error the parser's later errors are
  // mostly consequences of it, and they would bury the real cause.
  const firstError = doc.errors[0]
  if (firstError) return failed(file, lineAt(firstError.pos[0]), `cannot parse: ${firstLine(firstError.message)}`)
  const unknownTag = doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED')
  if (unknownTag) return failed(file, lineAt(unknownTag.pos[0]), `cannot parse: ${firstLine(unknownTag.message)}`)

  expandShortForms(doc)

  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (err) {
    // yaml throws a ReferenceError for alias bombs before expanding them.
    return failed(file, undefined, `cannot load: ${firstLine((err as Error).message)} (more than ${MAX_ALIAS_COUNT} alias expansions)`)
  }

  /**
   * The line of the deepest node on `path` that exists. A mapping entry answers with its
   * key's line (`Properties:` rather than the first line inside it), which is where an
   * editor should jump; sequence items and synthetic long-form keys answer with the value.
   */
  const lineOf = (path: TemplatePath): number | undefined => {
    let node: unknown = doc.contents
    let line = isNode(node) && node.range ? lineAt(node.range[0]) : undefined
    for (const part of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(part))
        if (!pair) break
        node = pair.value
        const at = (isScalar(pair.key) && pair.key.range) || (isNode(node) && node.range) || undefined
        if (at) line = lineAt(at[0])
      } else if (isSeq(node) && typeof part === 'number') {
        node = node.items[part]
        if (!isNode(node)) break
        if (node.range) line = lineAt(node.range[0])
      } else break
    }
    return line
  }
  return {
    ok: true,
    template: {
      file,
      value,
      line: lineOf,
    },
    problems: [],
  }
}

/**
 * Replaces every tagged node by a one-key mapping `{ <long form>: node }` that covers the
 * same text, so both toJS() and the line lookup see the long form: a path such as
 * `[..., 'Fn::Sub', 0]` finds the tagged sequence's first item.
 */
function expandShortForms(doc: ReturnType<typeof parseDocument>): void {
  visit(doc, {
    Node(_key, node) {
      const longForm = node.tag === undefined ? undefined : SHORT_FORM_TAGS[node.tag]
      if (longForm === undefined) return undefined
      delete node.tag
      const wrapper = new YAMLMap()
      wrapper.items.push(new Pair(new Scalar(longForm), node))
      if (node.range) wrapper.range = node.range
      // An anchor on the tagged node (`&a !Ref X`) must name the long form, so aliases see it too.
      if (node.anchor) {
        wrapper.anchor = node.anchor
        delete node.anchor
      }
      return wrapper
    },
  })
}

function failed(file: string, line: number | undefined, message: string): LoadTemplateResult {
  return { ok: false, template: undefined, problems: [{ file, line, path: formatPath([]), message }] }
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message
}
