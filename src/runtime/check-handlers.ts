/**
 * @module
 * Every handler module of a config, loaded in a scratch environment (`checkHandlerModule`),
 * its load errors reported as config problems at the handler file and line: `validate` fails
 * on them, and a reload names them.
 */
import { formatPath, type ConfigIssue } from '../config/index.js'
import { checkHandlerModule } from '../functions/index.js'
import type { GatehouseConfig } from '../model/index.js'

export interface HandlerProblem {
  /** The functions whose module it is. */
  readonly functions: readonly string[]
  readonly issue: ConfigIssue
}

export async function checkHandlers(config: GatehouseConfig): Promise<HandlerProblem[]> {
  // One check per module and environment: functions sharing both share the answer.
  const groups = new Map<string, { file: string; env: Readonly<Record<string, string>>; functions: string[] }>()
  for (const fn of config.functions.values()) {
    // Python and custom runtimes load their handler in their own process, at init.
    if (fn.handlerFile === '') continue
    const key = JSON.stringify([fn.handlerFile, fn.environment])
    const group = groups.get(key)
    if (group === undefined) groups.set(key, { file: fn.handlerFile, env: fn.environment, functions: [fn.name] })
    else group.functions.push(fn.name)
  }
  const checks = await Promise.all([...groups.values()].map(async ({ file, env, functions }) => ({ functions, check: await checkHandlerModule(file, env) })))
  const problems: HandlerProblem[] = []
  for (const { functions, check } of checks) {
    if (check.ok) continue
    problems.push({
      functions,
      issue: { file: check.file, line: check.line, path: formatPath(['functions', functions[0] as string, 'handler']), message: `handler module cannot be loaded: ${check.message}` },
    })
  }
  return problems
}
