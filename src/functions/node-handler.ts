/**
 * @module
 * Node.js handler modules before they are loaded: TypeScript ones (`.ts`, `.mts`, `.cts`)
 * compiled with esbuild, with source maps, so stack traces name `.ts` lines; and, for every
 * handler, the local modules it imports (its import graph: esbuild's metafile for TypeScript,
 * import-graph.ts's scan for JavaScript), so that
 * editing any of them reloads the function, not only editing the handler file.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { createRequire } from 'node:module'
import type { BuildFailure, Message } from 'esbuild'
import { localImportGraph } from './import-graph.js'

/** esbuild, loaded on the first TypeScript handler only: loading and starting it is most of a start otherwise. */
const require = createRequire(import.meta.url)
const esbuild = (): typeof import('esbuild') => require('esbuild') as typeof import('esbuild')

export const TYPESCRIPT_EXTENSIONS: readonly string[] = ['.ts', '.mts', '.cts']

/**
 * Where a compiled TypeScript handler goes: a folder beside its source, so that the packages
 * it imports resolve from the same `node_modules` folders as the source's own imports would.
 */
export const TYPESCRIPT_OUT_DIR = '.gatehouse-build'

export type PreparedHandler =
  /** `file`: the module to load (the handler itself, or its compiled entry); `inputs`: every local file it imports. */
  | { readonly ok: true; readonly file: string; readonly inputs: readonly string[] }
  | { readonly ok: false; readonly file: string; readonly line: number | undefined; readonly message: string; readonly inputs: readonly string[] }

/**
 * Prepares `file` (an absolute handler module path). JavaScript is loaded as it is (only its
 * import graph is read, see import-graph.ts); TypeScript is bundled (local modules only, packages stay imports)
 * into the cache, behind an entry that turns source maps on before the bundle loads.
 */
export function prepareNodeHandler(file: string, exportName: string): PreparedHandler {
  const ext = extname(file)
  const typescript = TYPESCRIPT_EXTENSIONS.includes(ext)
  // JavaScript is loaded as it is: only its import graph is needed, for the watcher.
  if (!typescript) return { ok: true, file, inputs: localImportGraph(file) }
  const cjs = ext === '.cts'
  let result
  try {
    result = esbuild().buildSync({
      entryPoints: [file],
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: cjs ? 'cjs' : 'esm',
      target: `node${process.versions.node.split('.')[0]}`,
      sourcemap: 'inline',
      sourcesContent: false,
      metafile: true,
      write: false,
      logLevel: 'silent',
    })
  } catch (err) {
    const first: Message | undefined = (err as BuildFailure).errors?.[0]
    const location = first?.location
    return {
      ok: false,
      file: location?.file !== undefined ? resolve(location.file) : file,
      line: location?.line,
      message: first !== undefined ? `${first.text}` : (err as Error).message,
      inputs: [file],
    }
  }
  const inputs = Object.keys(result.metafile.inputs).map((p) => resolve(p))
  const code = result.outputFiles[0]?.text ?? ''
  const digest = createHash('sha256').update(file).update('\0').update(code).digest('hex').slice(0, 16)
  const dir = join(dirname(file), TYPESCRIPT_OUT_DIR)
  const name = `${basename(file, ext)}.${digest}`
  const bundle = join(dir, `${name}.bundle.${cjs ? 'cjs' : 'mjs'}`)
  const entry = join(dir, `${name}.${cjs ? 'cjs' : 'mjs'}`)
  mkdirSync(dir, { recursive: true })
  writeFileSync(bundle, code)
  // Source maps must be on before the bundle is parsed for its map to be read, hence the
  // entry that loads it afterwards (dynamically: static imports load before any code runs).
  writeFileSync(
    entry,
    cjs
      ? `process.setSourceMapsEnabled(true)\nmodule.exports = require(${JSON.stringify(bundle)})\n`
      : `process.setSourceMapsEnabled(true)\nconst m = await import(${JSON.stringify('./' + basename(bundle))})\n` +
          `export const ${safeExport(exportName)} = m[${JSON.stringify(exportName)}] ?? m.default?.[${JSON.stringify(exportName)}]\nexport default m.default\n`
  )
  return { ok: true, file: entry, inputs }
}

/** The export re-declared by the entry; names that are not identifiers are not handlers Lambda accepts either. */
function safeExport(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default' ? name : '__gatehouse_handler'
}
