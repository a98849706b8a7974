/**
 * @module
 * Collects config issues against the origin of the object they concern.
 */
import type { ConfigIssue, DocPath } from './issues.js'
import { formatPath } from './issues.js'
import type { LoadedDocument } from './load-file.js'
import type { Origin } from '../model/index.js'

export class Reporter {
  readonly issues: ConfigIssue[] = []

  /** Reports a problem at `origin`, optionally at a field below it. */
  at(origin: Origin, message: string, field?: string | number): void {
    this.issues.push({
      file: origin.file,
      line: origin.line,
      path: formatPath(field === undefined ? origin.path : [...origin.path, field]),
      message,
    })
  }

  add(issues: readonly ConfigIssue[]): void {
    this.issues.push(...issues)
  }

  get count(): number {
    return this.issues.length
  }
}

export function originOf(doc: LoadedDocument, path: DocPath): Origin {
  return { file: doc.file, path, line: doc.line(path) }
}

/** The origin of a field below `origin` in the same document. */
export function fieldOrigin(doc: LoadedDocument, origin: Origin, field: string | number): Origin {
  const path = [...origin.path, field]
  // The key's line, not the value's: a block value starts on the line after its key.
  const line = typeof field === 'string' ? doc.keyLine(origin.path, field) : doc.line(path)
  return { file: origin.file, path, line: line ?? origin.line }
}
