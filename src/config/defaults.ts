/**
 * @module
 * AWS defaults and limits used by config validation (spec 1.4, 2.1, 3.1, 13). Kept in one
 * place so a correction is one edit.
 */

export const DEFAULT_ACCOUNT_ID = '123456789012'
export const DEFAULT_REGION = 'us-east-1'
export const DEFAULT_STAGE_NAME = '$default'

/** Lambda function defaults (Lambda's own: 3 s timeout, 128 MB). */
export const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 3
export const DEFAULT_FUNCTION_MEMORY_MB = 128

/** HTTP API integration timeout bounds and default (spec 3.1, 12.4). */
export const MIN_INTEGRATION_TIMEOUT_MS = 50
export const MAX_INTEGRATION_TIMEOUT_MS = 30_000
export const DEFAULT_INTEGRATION_TIMEOUT_MS = 30_000

/** HTTP API quotas (spec 13.2). */
export const MAX_ROUTES_PER_API = 300
export const MAX_INTEGRATIONS_PER_API = 300
export const MAX_STAGES_PER_API = 10
export const MAX_STAGE_VARIABLES = 100
export const MAX_STAGE_VARIABLE_KEY_LENGTH = 64
export const MAX_STAGE_VARIABLE_VALUE_LENGTH = 512

export const STAGE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,128}$/
export const STAGE_VARIABLE_NAME_PATTERN = /^[A-Za-z0-9_]+$/
export const STAGE_VARIABLE_VALUE_PATTERN = /^[A-Za-z0-9\-._~:/?#&=,]+$/
/** Real API ids are 10 lowercase alphanumerics; shorter ones appear in docs (spec 1.1). */
export const API_ID_PATTERN = /^[a-z0-9]{1,32}$/
/** Lambda function names (the name part of an ARN). */
export const FUNCTION_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/
/** Handler module extensions the Node.js runtime resolves, in Lambda's lookup order. */
/** TypeScript ones (compiled on load) after Lambda's own. */
export const HANDLER_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'] as const


export { NODE_RUNTIMES, PYTHON_RUNTIMES, CUSTOM_RUNTIMES, SUPPORTED_RUNTIMES, DEFAULT_RUNTIME } from '../functions/index.js'
