/**
 * @module
 * serverless.yml support: variable resolution. This file is the folder's only public surface.
 */
export {
  loadServerlessConfig,
  resolveServerlessVariables,
  AWS_ONLY_SOURCES,
  DEFAULT_SERVERLESS_REGION,
  DEFAULT_SERVERLESS_STAGE,
  type ResolvedServerlessConfig,
  type ServerlessVariableOptions,
} from './variables.js'
