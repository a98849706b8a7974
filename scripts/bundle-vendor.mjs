#!/usr/bin/env node
// Replaces build/src/vendor/*.js, which `tsc` compiles to plain re-exports of a package, with one
// bundle each of what they re-export: a package of hundreds of small modules then loads as one
// file, which is most of what `gatehouse serve` spends before its first 200 (see
// src/vendor/typebox.ts). Run after `tsc` by `npm run build`, `npm test` and `npm install`.
import { build } from 'esbuild'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const sourceDir = join(root, 'src', 'vendor')
const entryPoints = readdirSync(sourceDir)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => join(sourceDir, name))

await build({
  entryPoints,
  outdir: join(root, 'build', 'src', 'vendor'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // CommonJS packages (yaml) call require() for Node's own modules; an ES module bundle has no
  // require of its own, so it gets one made for its own location.
  banner: { js: "import { createRequire as __gatehouseCreateRequire } from 'node:module'; const require = __gatehouseCreateRequire(import.meta.url);" },
})
