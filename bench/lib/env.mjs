// Settings read from BENCH_* environment variables; a bad value stops the bench with a message.
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ROOT } from './paths.mjs'

/** BENCH_SERVER_NODE_ARGS: extra node flags for the server children. */
export const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)

/** BENCH_GATEHOUSE, or this checkout's bin/gatehouse.js: the gateway's entry point. */
export const GATEHOUSE = process.env.BENCH_GATEHOUSE ? resolve(process.env.BENCH_GATEHOUSE) : join(ROOT, 'bin/gatehouse.js')

/** Stops the bench when GATEHOUSE does not exist. */
export function requireGatehouse() {
  if (!existsSync(GATEHOUSE)) fatal(`BENCH_GATEHOUSE: ${GATEHOUSE} does not exist`)
}

/** Says which gateway runs when BENCH_GATEHOUSE names another one. */
export function logGatehouse() {
  if (process.env.BENCH_GATEHOUSE) console.log(`Gateway: ${GATEHOUSE} (BENCH_GATEHOUSE), not this checkout's bin/gatehouse.js`)
}

/** BENCH_OUTPUT, or `fallback` (relative to the repository): where the JSON results go. */
export function outputPath(fallback) {
  return process.env.BENCH_OUTPUT ? resolve(process.env.BENCH_OUTPUT) : join(ROOT, fallback)
}

/** Stops the bench unless build/ holds the compiled gateway; `script` is the npm script that compiles first. */
export function requireBuild(script) {
  if (!existsSync(join(ROOT, 'build/src/cli/main.js'))) {
    fatal(`build/ is missing: run \`npm run ${script}\` (it compiles first) or \`npm run build\``)
  }
}

export function positiveNumber(name, fallback) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0) fatal(`${name} must be a positive number of seconds, not "${raw}"`)
  return n
}

export function nonNegativeNumber(name, fallback) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n < 0) fatal(`${name} must be a number of seconds >= 0, not "${raw}"`)
  return n
}

export function positiveInteger(name, fallback) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n <= 0) fatal(`${name} must be a positive integer, not "${raw}"`)
  return n
}

export function fatal(message) {
  process.stderr.write(`bench: ${message}\n`)
  process.exit(1)
}
