// A template written into a fresh project folder (with the error tests' `code/` handlers beside
// it), removed when the test ends; and config issues as `line path: message` lines to compare.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ConfigIssue } from '../../src/config/index.js'
import { fixturesDir } from './paths.js'

export function templateProject(t: { after(fn: () => void): void }, lines: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-tpl-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  cpSync(join(fixturesDir, 'templates', 'errors', 'code'), join(dir, 'code'), { recursive: true })
  const file = join(dir, 'template.yaml')
  writeFileSync(file, lines.join('\n') + '\n')
  return file
}

/** `line path: message`, the form the template tests compare issues and warnings in. */
export const issueLines = (issues: readonly ConfigIssue[]): string[] => issues.map((i) => `${i.line ?? '?'} ${i.path}: ${i.message}`)
