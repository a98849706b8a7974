/**
 * @module
 * Lambda's runtimes, and which kind of execution environment runs each: Node.js in a worker
 * thread (the default, for speed) or a process; Python with Gatehouse's bootstrap; custom
 * runtimes (`provided*`) with the function's own `bootstrap`. Every process kind speaks
 * the Runtime API.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FunctionDefinition, FunctionErrorPayload } from '../model/index.js'
import { ExecutionEnvironment } from './environment.js'
import type { PooledEnvironment } from './environment-kind.js'
import { ProcessEnvironment, type ProcessLaunch } from './process-environment.js'
import type { InspectorPorts } from './inspector.js'

/** Lambda's Node.js runtimes Gatehouse runs (worker threads, or processes with `isolation: process`). */
export const NODE_RUNTIMES: readonly string[] = ['nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x']
/** Lambda's Python runtimes, run by Gatehouse's bootstrap (runtimes/python/bootstrap.py) on the machine's interpreter. */
export const PYTHON_RUNTIMES: readonly string[] = ['python3.9', 'python3.10', 'python3.11', 'python3.12', 'python3.13', 'python3.14']
/** OS-only runtimes: the function's own `bootstrap` executable speaks the Runtime API. */
export const CUSTOM_RUNTIMES: readonly string[] = ['provided', 'provided.al2', 'provided.al2023']
export const SUPPORTED_RUNTIMES: readonly string[] = [...NODE_RUNTIMES, ...PYTHON_RUNTIMES, ...CUSTOM_RUNTIMES]
/** A function without `runtime`. */
export const DEFAULT_RUNTIME = 'nodejs20.x'
/** The interpreter a Python function starts unless it names one (`interpreter`). */
export const DEFAULT_PYTHON = 'python3'

const RUNTIMES_DIR = fileURLToPath(new URL('../../../runtimes/', import.meta.url))
export const PYTHON_BOOTSTRAP = join(RUNTIMES_DIR, 'python', 'bootstrap.py')
export const NODE_BOOTSTRAP = join(RUNTIMES_DIR, 'nodejs', 'bootstrap.mjs')

/** `AWS_EXECUTION_ENV` as Lambda sets it; custom runtimes have none. */
export function executionEnvOf(runtime: string): string | undefined {
  return CUSTOM_RUNTIMES.includes(runtime) ? undefined : `AWS_Lambda_${runtime}`
}

export interface EnvironmentRequest {
  readonly fn: FunctionDefinition
  /** The Lambda variables of this environment (host's, Lambda's, the function's). */
  readonly env: Readonly<Record<string, string>>
  readonly logStreamName: string
  readonly onLog: ((line: string) => void) | null
  /** `--inspect`: Node.js process environments open an inspector on a port of their own. */
  readonly inspector?: InspectorPorts | undefined
}

/** A new environment of the kind `fn`'s runtime runs in. */
export function createEnvironment({ fn, env, logStreamName, onLog, inspector }: EnvironmentRequest): PooledEnvironment {
  if (NODE_RUNTIMES.includes(fn.runtime) && fn.isolation === 'worker') {
    return new ExecutionEnvironment({
      init: {
        handlerFile: fn.handlerFile,
        exportPath: fn.exportPath,
        handler: fn.handler,
        functionName: fn.name,
        functionVersion: '$LATEST',
        invokedFunctionArn: fn.arn,
        memoryLimitInMB: fn.memorySize,
        logGroupName: `/aws/lambda/${fn.name}`,
        logStreamName,
      },
      env,
      memorySize: fn.memorySize,
      onLog,
    })
  }
  const launch = launchOf(fn, env)
  const inspectPort = inspector !== undefined && NODE_RUNTIMES.includes(fn.runtime) && !('error' in launch) ? inspector.take() : undefined
  const environment = new ProcessEnvironment({
    launch: inspectPort === undefined || 'error' in launch ? launch : { ...launch, args: [`--inspect=${inspector?.host}:${inspectPort}`, ...launch.args] },
    cwd: fn.codeDir,
    env: { ...env, TZ: ':UTC' },
    memorySize: fn.memorySize,
    invokedFunctionArn: fn.arn,
    onLog,
    // A frozen process cannot answer its debugger.
    freeze: inspectPort === undefined,
  })
  if (inspectPort !== undefined) void environment.exited.then(() => inspector?.give(inspectPort))
  return environment
}

/** How a process environment of `fn` starts, or the init error Lambda would report. */
export function launchOf(fn: FunctionDefinition, env: Readonly<Record<string, string>>): ProcessLaunch | { error: FunctionErrorPayload } {
  // Layers' `bin` folders come first on PATH, as /opt/bin does on Lambda.
  const path = [...fn.layers.map((l) => join(l, 'bin')), env['PATH'] ?? ''].join(delimiter)
  if (PYTHON_RUNTIMES.includes(fn.runtime)) {
    const version = fn.runtime.slice('python'.length)
    const searchPath = [fn.codeDir, ...fn.layers.flatMap((l) => [join(l, 'python'), join(l, 'python', 'lib', `python${version}`, 'site-packages')])]
    return {
      command: fn.interpreter ?? DEFAULT_PYTHON,
      args: ['-u', PYTHON_BOOTSTRAP],
      env: { PATH: path, PYTHONPATH: [...searchPath, ...(env['PYTHONPATH'] !== undefined ? [env['PYTHONPATH']] : [])].join(delimiter), LAMBDA_RUNTIME_DIR: join(RUNTIMES_DIR, 'python') },
      limitMemory: true,
      runtimeApiChannel: true,
    }
  }
  if (CUSTOM_RUNTIMES.includes(fn.runtime)) {
    // Lambda looks for /var/task/bootstrap, then /opt/bootstrap (a layer's).
    const candidates = [join(fn.codeDir, 'bootstrap'), ...fn.layers.map((l) => join(l, 'bootstrap'))]
    const found = candidates.find((c) => existsSync(c) && statSync(c).isFile())
    if (found === undefined) {
      return { error: { errorType: 'Runtime.InvalidEntrypoint', errorMessage: `Couldn't find valid bootstrap(s): [${candidates.join(' ')}]`, trace: [] } }
    }
    try {
      accessSync(found, constants.X_OK)
    } catch {
      return { error: { errorType: 'Runtime.InvalidEntrypoint', errorMessage: `fork/exec ${found}: permission denied (the bootstrap needs its execute bit: chmod +x)`, trace: [] } }
    }
    return { command: found, args: [], env: { PATH: path, LAMBDA_RUNTIME_DIR: fn.codeDir }, limitMemory: true }
  }
  // Node.js with process isolation: Gatehouse's Node.js bootstrap, V8's heap capped at the memory size.
  const nodePath = fn.layers.map((l) => join(l, 'nodejs', 'node_modules'))
  return {
    command: process.execPath,
    args: [`--max-old-space-size=${Math.max(64, fn.memorySize)}`, '--enable-source-maps', NODE_BOOTSTRAP],
    env: {
      PATH: path,
      ...(nodePath.length > 0 ? { NODE_PATH: [...nodePath, ...(env['NODE_PATH'] !== undefined ? [env['NODE_PATH']] : [])].join(delimiter) } : {}),
      GATEHOUSE_HANDLER_FILE: fn.handlerFile,
      GATEHOUSE_HANDLER_EXPORT: fn.exportPath.join('.'),
      LAMBDA_RUNTIME_DIR: join(RUNTIMES_DIR, 'nodejs'),
    },
    limitMemory: false,
  }
}
