/**
 * @module
 * Lambda execution environments: a pool per function of worker-thread environments, warm reuse, one invocation at a time each, timeouts and START/END/REPORT lines.
 * This file is the folder's surface: the rest of Gatehouse imports from here only.
 */
export { SDK_NODE_VERSION_WARNING_SWITCH } from './function-pool.js'
export { FunctionPool, poolFingerprint, type FunctionPoolOptions } from './function-pool.js'
export { endLine, reportJson, reportLine, startLine } from './log-lines.js'
export { EnvironmentBudget, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_ENVIRONMENTS, type EnvironmentLimits } from './environment-budget.js'
export { checkHandlerModule, HANDLER_CHECK_TIMEOUT_MS, type HandlerCheck } from './check-handler.js'
export { NODE_RUNTIMES, PYTHON_RUNTIMES, CUSTOM_RUNTIMES, SUPPORTED_RUNTIMES, DEFAULT_RUNTIME } from './runtimes.js'
export { prepareNodeHandler, TYPESCRIPT_EXTENSIONS, TYPESCRIPT_OUT_DIR, type PreparedHandler } from './node-handler.js'
export { InspectorPorts, DEFAULT_INSPECT_PORT } from './inspector.js'
export { codeFolderFiles, MAX_WATCHED_CODE_FILES } from './code-files.js'
