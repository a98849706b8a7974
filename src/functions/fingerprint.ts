/**
 * @module
 * A function's fingerprint: its definition (without where it was written) and the size and
 * modification time of each of its code files. A reload keeps the pool of a function whose
 * fingerprint did not change, so editing one function's code restarts that function's
 * environments only.
 */
import { createHash } from 'node:crypto'
import { statSync } from 'node:fs'
import type { FunctionDefinition } from '../model/index.js'

export function functionFingerprint(fn: FunctionDefinition, context: unknown): string {
  const { origin: _origin, ...definition } = fn
  const hash = createHash('sha256').update(JSON.stringify(definition)).update('\0').update(JSON.stringify(context) ?? '')
  for (const file of fn.codeFiles) {
    const stat = statSync(file, { throwIfNoEntry: false })
    hash.update(`\0${file}\0${stat === undefined ? '-' : `${stat.size}:${stat.mtimeMs}`}`)
  }
  return hash.digest('hex')
}
