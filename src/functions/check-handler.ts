/**
 * @module
 * Loads a handler module in a scratch environment, away from the gateway and its execution
 * environments, to report a module that cannot load with its file and line: at `validate`
 * and at reload, instead of at the first invocation. Two steps:
 *
 * 1. `node --check FILE` in a child process: syntax errors, with the line (a dynamic
 *    `import()` of an ES module on Node 20 loses the location of a syntax error);
 * 2. `import(FILE)` in a short-lived worker thread: link errors (a missing package, an
 *    export that does not exist) and errors thrown by top-level code, as Lambda's init
 *    would meet them. The module's top-level code runs there, as it would at a cold start.
 */
import { spawn } from 'node:child_process'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'

/**
 * How long one check may take. A module still loading after this (it waits on a network
 * service at init, say) is not reported: the check cannot tell it is broken.
 */
export const HANDLER_CHECK_TIMEOUT_MS = 5_000

export type HandlerCheck = { readonly ok: true } | { readonly ok: false; readonly file: string; readonly line: number | undefined; readonly message: string }

/**
 * `env` is what the module's top-level code sees in `process.env` (the function's own
 * `environment` over the host's), so a module that reads its configuration at load time is
 * not reported for a variable only its environment sets.
 */
export async function checkHandlerModule(file: string, env: Readonly<Record<string, string>> = {}): Promise<HandlerCheck> {
  const syntax = await checkSyntax(file)
  if (!syntax.ok) return syntax
  return checkImport(file, env)
}

function checkSyntax(file: string): Promise<HandlerCheck> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--check', file], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), HANDLER_CHECK_TIMEOUT_MS)
    child.on('error', () => {
      clearTimeout(timer)
      resolve({ ok: true })
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code === 0 || code === null) return resolve({ ok: true })
      const errorLine = stderr.split('\n').find((l) => /^\w*Error\b/.test(l))
      resolve({ ok: false, file, line: lineIn(stderr, file), message: errorLine?.trim() ?? (stderr.trim().split('\n')[0] ?? 'cannot be parsed') })
    })
  })
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
import(workerData).then(
  () => parentPort.postMessage({ ok: true }),
  (e) => parentPort.postMessage({ ok: false, name: String(e && e.name), message: String(e && e.message), stack: String(e && e.stack) })
)
`

interface WorkerAnswer {
  readonly ok: boolean
  readonly name?: string
  readonly message?: string
  readonly stack?: string
}

function checkImport(file: string, env: Readonly<Record<string, string>>): Promise<HandlerCheck> {
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: pathToFileURL(file).href, stdout: true, stderr: true, env: { ...process.env, ...env } })
    // The module's own output at load time is not the check's business.
    worker.stdout.resume()
    worker.stderr.resume()
    let settled = false
    const settle = (result: HandlerCheck): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      void worker.terminate()
      resolve(result)
    }
    const timer = setTimeout(() => settle({ ok: true }), HANDLER_CHECK_TIMEOUT_MS)
    worker.once('message', (answer: WorkerAnswer) => {
      if (answer.ok) return settle({ ok: true })
      const stack = answer.stack ?? ''
      settle({ ok: false, file, line: lineIn(stack, file), message: `${answer.name ?? 'Error'}: ${answer.message ?? ''}` })
    })
    // Top-level code that throws asynchronously or exits: the module cannot serve either.
    worker.once('error', (err) => settle({ ok: false, file, line: lineIn(String(err.stack), file), message: `${err.name}: ${err.message}` }))
    worker.once('exit', (code) => settle(code === 0 ? { ok: true } : { ok: false, file, line: undefined, message: `the module exited the process (code ${code}) while loading` }))
  })
}

/** The first line number the text gives for `file` (`/path/f.mjs:3`, `file:///path/f.mjs:3:7`). */
function lineIn(text: string, file: string): number | undefined {
  for (const name of [pathToFileURL(file).href, file]) {
    const at = text.indexOf(name + ':')
    if (at < 0) continue
    const m = /^:(\d+)/.exec(text.slice(at + name.length))
    if (m !== null) return Number(m[1])
  }
  return undefined
}
