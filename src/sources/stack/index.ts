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
  SUPPORTED_RUNTIMES,
  type ConfigPath,
  type TranslateOptions,
  type TranslatedStack,
} from './translate.js'
export { translateServerless, type ServerlessTranslateOptions } from './serverless.js'
