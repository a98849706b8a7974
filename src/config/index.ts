/**
 * @module
 * `gatehouse.yaml` (and OpenAPI documents it names) as a source: load, validate and normalise into the model, with file, line and path for every problem.
 * This file is the folder's surface: the rest of Gatehouse imports from here only.
 */
export { ConfigError, formatIssue, formatPath, type ConfigIssue } from './issues.js'
export { loadConfigFile, loadConfigObject, type LoadConfigResult, type LoadOptions } from './load-config.js'
export { SOURCE_FORMATS, type SourceFormat, type SourceOptions } from './load-source.js'
export { DEFAULT_STAGE_NAME } from './defaults.js'
export { isLambdaInvocation, resolveFunctionName, substituteStageVariables } from './integration-uri.js'
export { importOpenApiText, type ImportedOpenApi, type OpenApiTextResult } from './openapi-text.js'
