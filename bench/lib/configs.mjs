// Gateway configs derived from bench/fixtures/gatehouse.yaml, written to a temporary directory
// that the bench removes when it ends.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import { FIXTURES, GATEWAY_CONFIG } from './paths.mjs'

/** `gatehouse serve` flags of every gateway the benches start: any port, quiet, no file watching. */
export const GATEWAY_FLAGS = ['--port', '0', '--quiet-functions', '--log-level', 'warn', '--no-watch']

/** Temporary directory for derived configs and the access log; removed on exit. */
let tmpDir

/**
 * Writes a copy of bench/fixtures/gatehouse.yaml, changed by `edit(doc, stage)`, into the
 * temporary directory; the handler path is made absolute so that it still names
 * bench/fixtures/hello.mjs from there. `writer` names the script in the file's first line.
 */
export function derivedConfig(name, edit, writer = 'bench/run.mjs') {
  const doc = parseYaml(readFileSync(GATEWAY_CONFIG, 'utf8'))
  for (const fn of Object.values(doc.functions)) fn.handler = join(FIXTURES, fn.handler)
  edit(doc, doc.apis[0].stages[0])
  const file = join(ensureTmpDir(), `${name}.yaml`)
  writeFileSync(file, `# Written by ${writer} from bench/fixtures/gatehouse.yaml for the ${name} scenario.\n` + stringifyYaml(doc))
  return file
}

export function ensureTmpDir() {
  tmpDir ??= mkdtempSync(join(os.tmpdir(), 'gatehouse-bench-'))
  return tmpDir
}

export function removeTmpDir() {
  if (tmpDir === undefined) return
  rmSync(tmpDir, { recursive: true, force: true })
  tmpDir = undefined
}

/**
 * The runtimes benches' gateway config: the same hello handler as a Node.js function (`GET
 * /node`) and a Python one (`GET /py`), from `fixtures` (a checkout's bench/fixtures), with
 * throttling out of the way. Written to `file`.
 */
export function writeRuntimesConfig(file, fixtures) {
  writeFileSync(
    file,
    JSON.stringify({
      throttleSettings: { rateLimit: 1e6, burstLimit: 1e6 },
      functions: {
        node: { handler: join(fixtures, 'hello.handler') },
        py: { runtime: 'python3.11', codeUri: fixtures, handler: 'hello.handler' },
      },
      apis: [
        {
          name: 'runtimes',
          routes: [
            { routeKey: 'GET /node', target: 'integrations/node' },
            { routeKey: 'GET /py', target: 'integrations/py' },
          ],
          integrations: [
            { integrationId: 'node', integrationType: 'AWS_PROXY', integrationUri: 'node', payloadFormatVersion: '2.0' },
            { integrationId: 'py', integrationType: 'AWS_PROXY', integrationUri: 'py', payloadFormatVersion: '2.0' },
          ],
        },
      ],
    })
  )
}
