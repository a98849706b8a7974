/**
 * @module
 * Watches the files a config was built from (the config, OpenAPI documents, handler
 * modules) and calls back once per burst of changes. Directories are watched rather than
 * files because editors save by writing a new file and renaming it over the old one.
 */
import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname } from 'node:path'

/** Editors write in several steps; changes closer together than this are one change. */
export const RELOAD_DEBOUNCE_MS = 150

export class SourceWatcher {
  readonly #onChange: () => void
  #watchers = new Map<string, FSWatcher>()
  #names = new Map<string, Set<string>>()
  #timer: NodeJS.Timeout | undefined
  #closed = false

  constructor(onChange: () => void) {
    this.#onChange = onChange
  }

  /** Replaces the watched set with `files`. */
  watchFiles(files: readonly string[]): void {
    if (this.#closed) return
    const names = new Map<string, Set<string>>()
    for (const file of files) {
      const dir = dirname(file)
      let set = names.get(dir)
      if (set === undefined) names.set(dir, (set = new Set()))
      set.add(basename(file))
    }
    for (const [dir, watcher] of this.#watchers) {
      if (!names.has(dir)) {
        watcher.close()
        this.#watchers.delete(dir)
      }
    }
    this.#names = names
    for (const dir of names.keys()) {
      if (this.#watchers.has(dir)) continue
      try {
        const watcher = watch(dir, { persistent: false }, (_event, filename) => {
          if (filename === null || this.#names.get(dir)?.has(filename.toString()) === true) this.#schedule()
        })
        watcher.on('error', () => this.#watchers.delete(dir))
        this.#watchers.set(dir, watcher)
      } catch {
        // A directory that does not exist (yet) cannot be watched; the next reload retries.
      }
    }
  }

  #schedule(): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(this.#onChange, RELOAD_DEBOUNCE_MS)
  }

  close(): void {
    this.#closed = true
    clearTimeout(this.#timer)
    for (const w of this.#watchers.values()) w.close()
    this.#watchers.clear()
  }
}
