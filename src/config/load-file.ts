/**
 * @module
 * Reads one YAML or JSON document and keeps enough of its syntax tree to say which line
 * any path inside it came from. JSON is parsed by the YAML parser too (JSON is YAML 1.2),
 * so both formats get line numbers in error messages.
 */
import { readFileSync } from 'node:fs'
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from '../vendor/yaml.js'
import type { ConfigIssue, DocPath } from './issues.js'
import { formatPath } from './issues.js'

/**
 * yaml's `maxAliasCount`: how many alias expansions one document may cause before it is
 * refused as a resource-exhaustion attack (yaml's own default is 100 too).
 */
export const MAX_ALIAS_COUNT = 100

export interface LoadedDocument {
  readonly file: string
  readonly value: unknown
  /** The 1-based line of the node at `path`, or of its closest existing ancestor. */
  line(path: DocPath): number | undefined
  /** The 1-based line of the key `key` in the mapping at `path` (for unknown-field errors). */
  keyLine(path: DocPath, key: string): number | undefined
}

export type LoadResult = { ok: true; doc: LoadedDocument } | { ok: false; issues: ConfigIssue[] }

export function loadDocument(file: string): LoadResult {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(err)
    return { ok: false, issues: [{ file, line: undefined, path: formatPath([]), message: reason }] }
  }
  return parseDocumentText(file, text)
}

export function parseDocumentText(file: string, text: string): LoadResult {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  // The first syntax error is the one to fix: the parser's recovery after it produces
  // follow-on errors (one per later line, often hundreds) that only bury it.
  const first = doc.errors[0]
  if (first !== undefined) {
    return {
      ok: false,
      issues: [
        {
          file,
          line: lineCounter.linePos(first.pos[0]).line,
          path: formatPath([]),
          message: `cannot parse: ${first.message.split('\n')[0] ?? first.message}`,
        },
      ],
    }
  }
  // Aliases are expanded here; a document whose aliases expand past MAX_ALIAS_COUNT (an
  // "alias bomb") makes toJS throw. That is a problem with the file, not a gateway crash.
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    return { ok: false, issues: [{ file, line: undefined, path: formatPath([]), message: `cannot parse: ${message}` }] }
  }
  const lineOf = (node: Node | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined
  const nodeAt = (path: DocPath): Node | undefined => {
    let node: unknown = doc.contents
    let found: Node | undefined = node as Node | undefined
    for (const part of path) {
      if (isMap(node) || isSeq(node)) {
        node = node.get(part, true)
        if (node === undefined) break
        found = node as Node
      } else break
    }
    return found
  }
  return {
    ok: true,
    doc: {
      file,
      value,
      line: (path) => lineOf(nodeAt(path)),
      keyLine: (path, key) => {
        const map = nodeAt(path)
        if (isMap(map)) {
          for (const pair of map.items) {
            if (isPair(pair) && isScalar(pair.key) && pair.key.value === key) return lineOf(pair.key)
          }
        }
        return lineOf(map)
      },
    },
  }
}
