/**
 * @module
 * The surface of `config/`: what the rest of Gatehouse may use from it.
 */
export { ConfigError, formatIssue, type ConfigIssue } from './issues.js'
export { loadConfigFile, loadConfigObject, type LoadConfigResult } from './load-config.js'
export { SOURCE_FORMATS, type SourceFormat, type SourceOptions } from './load-source.js'
export { DEFAULT_STAGE_NAME } from './defaults.js'
export { resolveFunctionName, substituteStageVariables } from './integration-uri.js'
