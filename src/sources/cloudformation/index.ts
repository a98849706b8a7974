/**
 * @module
 * The CloudFormation / SAM template engine: load a template with line numbers, evaluate
 * parameters, conditions, mappings and intrinsic functions. This file is the folder's only
 * public surface.
 */
export { formatPath, ProblemSink, type TemplatePath, type TemplateProblem } from './errors.js'
export {
  loadTemplate,
  parseTemplateText,
  templateFromValue,
  MAX_ALIAS_COUNT,
  SHORT_FORM_TAGS,
  type LoadedTemplate,
  type LoadTemplateResult,
} from './yaml-tags.js'
export {
  evaluateValue,
  evaluateCondition,
  intrinsicName,
  NO_VALUE,
  UNRESOLVED,
  SIMULATED_AVAILABILITY_ZONE_SUFFIXES,
  SUPPORTED_INTRINSIC_FUNCTIONS,
  type IntrinsicScope,
} from './intrinsics.js'
export {
  evaluateTemplate,
  LANGUAGE_EXTENSIONS_TRANSFORM,
  type EvaluateOptions,
  type EvaluatedOutput,
  type EvaluatedResource,
  type EvaluationResult,
  type StackContext,
} from './template.js'
export { resolveParameters, type ParameterOverrides, type ParameterValue } from './parameters.js'
export {
  DEFAULT_ACCOUNT_ID,
  DEFAULT_REGION,
  DEFAULT_STACK_NAME,
  partitionFor,
  pseudoParameters,
  stackIdFor,
  urlSuffixFor,
  type StackIdentity,
} from './pseudo.js'
export {
  createDefaultResolver,
  IAM_ROLE_NAME_MAX_LENGTH,
  LAMBDA_FUNCTION_NAME_MAX_LENGTH,
  SAM_IMPLICIT_HTTP_API,
  SAM_IMPLICIT_REST_API,
  SAM_IMPLICIT_ROLE_SUFFIX,
  type ResolverContext,
  type ResolverFactory,
  type ResourceResolver,
} from './resolver.js'
export { API_ID_LENGTH, SUBRESOURCE_ID_LENGTH, derivedApiId, derivedSubresourceId, generatedPhysicalName, stableId } from './ids.js'
export { cidrSubnets, CIDR_MAX_COUNT, type CidrResult } from './cidr.js'
export { detectTemplateKind, transformsOf, SAM_TRANSFORM, type TemplateKind } from './kind.js'
