/**
 * @module
 * Integrations behind the model's `CompiledIntegration`: Lambda proxy (events and responses), HTTP proxy, and parameter mapping.
 * This file is the folder's surface: the rest of Gatehouse imports from here only.
 */
export { DEFAULT_UPSTREAM_TLS, UpstreamAgents } from './http-proxy/upstream-agents.js'
export { parseTargetTemplate, templateVariables } from './http-proxy/target-url.js'
export { compileRequestParameters, compileResponseParameters, type MappingIssue, type ResponseParameterMapping } from './parameter-mapping/index.js'
export { lambdaProxyIntegration } from './lambda/invoke.js'
export { httpProxyIntegration } from './http-proxy/invoke.js'
export { buildEventV1 } from './lambda/event-v1.js'
export { buildEventV2 } from './lambda/event-v2.js'
export { FORWARDED_FOR_SEPARATOR, queryParameters } from './lambda/request-parts.js'
export { evaluateJsonPath, parseJsonPath, valueAtPath } from './parameter-mapping/json-path.js'
export * from './mapping-template/index.js'
export * from './aws-service/index.js'
export { compileValue } from './parameter-mapping/expression.js'
