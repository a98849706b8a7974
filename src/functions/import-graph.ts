/**
 * @module
 * The local modules a JavaScript handler imports, found by reading the files rather than by
 * esbuild: a JavaScript handler is loaded as it is, its import graph only decides which files
 * the watcher follows, and starting esbuild (a worker thread and a child process) cost most of
 * `gatehouse serve`'s start (issue 16, target 5). TypeScript handlers still go through esbuild,
 * which compiles them.
 *
 * Relative specifiers only (`./`, `../`, and absolute paths), as with esbuild's
 * `packages: 'external'`: packages are not watched. The scan is textual (static `import` and
 * `export ... from`, `import()`, `require()` with a string literal), so a specifier inside a
 * comment or a string may add a file to watch; that costs a watch, never a wrong load.
 */
import { readFileSync, statSync } from 'node:fs'
import { dirname, extname, isAbsolute, resolve } from 'node:path'

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+|[;}]\s*import\s+)(['"])([^'"\n]+)\1/gm
const SCANNED = new Set(['.js', '.mjs', '.cjs', '.jsx'])
/** What `require` tries after the exact name, as Node's CommonJS resolution does. */
const REQUIRE_SUFFIXES = ['.js', '.json', '.node', '/index.js', '/index.json']

/** `file` (absolute) and every local module reachable from it, in discovery order. */
export function localImportGraph(file: string): string[] {
  const seen = new Set<string>([file])
  const queue = [file]
  for (let i = 0; i < queue.length; i++) {
    const current = queue[i] as string
    if (!SCANNED.has(extname(current))) continue
    let text: string
    try {
      text = readFileSync(current, 'utf8')
    } catch {
      continue
    }
    for (const m of text.matchAll(SPECIFIER)) {
      const specifier = m[2] as string
      if (!(specifier.startsWith('./') || specifier.startsWith('../') || isAbsolute(specifier))) continue
      const found = resolveLocal(resolve(dirname(current), specifier.split(/[?#]/)[0] as string))
      if (found !== null && !seen.has(found)) {
        seen.add(found)
        queue.push(found)
      }
    }
  }
  return [...seen]
}

/** The file a relative specifier names: exactly, else with CommonJS's extensions and index files. */
function resolveLocal(path: string): string | null {
  if (isFile(path)) return path
  for (const suffix of REQUIRE_SUFFIXES) if (isFile(path + suffix)) return path + suffix
  return null
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}
