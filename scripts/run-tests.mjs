#!/usr/bin/env node
// Runs every compiled test file (build/test/**/*.test.js) with Node's test runner.
// Node 20's `--test` takes no globs, so the files are listed here. Extra arguments are
// passed through (e.g. `npm test -- --test-name-pattern=precedence`).
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const testRoot = join(root, 'build', 'test')

function collect(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return collect(path)
    return entry.name.endsWith('.test.js') ? [path] : []
  })
}

const files = collect(testRoot).sort()
if (files.length === 0) {
  console.error('No compiled tests found under build/test: run `tsc -p tsconfig.json` first')
  process.exit(1)
}
const args = ['--test', '--test-reporter=spec', '--test-concurrency=2', ...process.argv.slice(2), ...files.map((f) => relative(root, f))]
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' })
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
