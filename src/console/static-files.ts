/**
 * @module
 * The console's front end: a few ES modules under `console/` in the package, and the ESM
 * builds of preact and htm straight from `node_modules` (an import map in `index.html` names
 * them), so the console needs no build step, no CDN and works offline.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const UI_DIRECTORY = new URL('../../../console/', import.meta.url)

/** The front end's own files, by name under `/console/`. */
const UI_FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'views.js': 'text/javascript; charset=utf-8',
  'charts.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
}

/** The vendored modules, as the import map names them under `/console/vendor/`. */
const VENDOR_MODULES: Readonly<Record<string, string>> = {
  'preact.mjs': 'preact',
  'hooks.mjs': 'preact/hooks',
  'htm.mjs': 'htm',
  'htm-preact.mjs': 'htm/preact',
}

export interface StaticFile {
  readonly body: Buffer
  readonly contentType: string
}

const cache = new Map<string, StaticFile>()

/** The file served at `/console/{name}` (or `/console/vendor/{name}`), or `undefined`. */
export function staticFile(name: string): StaticFile | undefined {
  const hit = cache.get(name)
  if (hit !== undefined) return hit
  let file: StaticFile | undefined
  if (name.startsWith('vendor/')) {
    const specifier = VENDOR_MODULES[name.slice('vendor/'.length)]
    if (specifier !== undefined) file = { body: readFileSync(fileURLToPath(import.meta.resolve(specifier))), contentType: 'text/javascript; charset=utf-8' }
  } else {
    const type = UI_FILES[name]
    if (type !== undefined) file = { body: readFileSync(new URL(name, UI_DIRECTORY)), contentType: type }
  }
  if (file !== undefined) cache.set(name, file)
  return file
}
