/**
 * @module
 * The surface of `logging/`: what the rest of Gatehouse may use from it.
 */
export { LOG_LEVELS, createLogger, type LogLevel, type Logger } from './logger.js'
export { AccessLogSinks } from './access-log-sink.js'
export { compileAccessLogFormat, parseAccessLogFormat, type VariableLookup } from './access-log-format.js'
export { contextVariable, type ContextGetter } from './context-variables.js'
