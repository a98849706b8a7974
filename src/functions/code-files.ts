/**
 * @module
 * The files of a code folder (and of layer folders), for functions whose imports Gatehouse
 * cannot follow (Python, custom runtimes): a change to any of them restarts the function, as
 * a new deployment of its zip would.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'

/** Folders that are not the function's code: caches, tools' output, version control, virtual environments. */
export const SKIPPED_FOLDERS: ReadonlySet<string> = new Set(['.git', 'node_modules', '__pycache__', '.venv', 'venv', '.gatehouse-build', '.aws-sam', '.serverless', 'cdk.out', '.pytest_cache', '.mypy_cache'])

/** At most this many files are watched per function: a code folder that is a whole project stays cheap to fingerprint. */
export const MAX_WATCHED_CODE_FILES = 2_000

/** Every file under `dirs` (breadth first, skipping `SKIPPED_FOLDERS`), at most `MAX_WATCHED_CODE_FILES`. */
export function codeFolderFiles(dirs: readonly string[]): string[] {
  const files: string[] = []
  const queue = [...dirs]
  while (queue.length > 0 && files.length < MAX_WATCHED_CODE_FILES) {
    const dir = queue.shift() as string
    let entries
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      continue
    }
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) queue.push(join(dir, entry.name))
      } else if (entry.isFile() && files.length < MAX_WATCHED_CODE_FILES) {
        files.push(join(dir, entry.name))
      }
    }
  }
  return files
}
