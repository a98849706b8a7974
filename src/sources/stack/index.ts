/**
 * @module
 * SAM and CloudFormation templates translated into Gatehouse's config shape. This file is
 * the folder's only public surface.
 */
export {
  configPathKey,
  templatePathOf,
  translateTemplate,
  NODE_RUNTIMES,
  DEPRECATED_NODE_RUNTIMES,
  runtimeSupport,
  SUPPORTED_RUNTIMES,
  type ConfigPath,
  type NestedPart,
  type TranslateOptions,
  type TranslatedStack,
} from './translate.js'
export { translateServerless, type ServerlessTranslateOptions } from './serverless.js'
