/**
 * @module
 * Gatehouse: Amazon API Gateway HTTP APIs, self-hosted. The public programmatic surface.
 */
export { createGateway, type Gateway, type GatewayOptions, type ReloadResult } from './gateway.js'
export { loadConfigFile, loadConfigObject, type LoadConfigResult } from './config/load-config.js'
export { SOURCE_FORMATS, type SourceFormat, type SourceOptions } from './config/index.js'
export { ConfigError, formatIssue, type ConfigIssue } from './config/issues.js'
export type { GatehouseConfig } from './model/index.js'
export { createLogger, type Logger, type LogLevel } from './logging/logger.js'
