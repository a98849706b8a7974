/**
 * @module
 * The gateway's logger, the `$context` variables, and access-log formats and sinks.
 * This file is the folder's surface: the rest of Gatehouse imports from here only.
 */
export { LOG_LEVELS, createLogger, type LogLevel, type Logger } from './logger.js'
export { AccessLogSinks } from './access-log-sink.js'
export { compileAccessLogFormat, parseAccessLogFormat, type VariableLookup } from './access-log-format.js'
export { contextVariable, type ContextGetter } from './context-variables.js'
