/**
 * @module
 * Parameter mapping for HTTP API integrations (spec 4.3): compile once, apply per request.
 */
export { compileRequestParameters, RequestParameterMapping, type IntegrationRequestParts, type MappingIssue } from './request-parameters.js'
export { compileResponseParameters, ResponseParameterMapping, type MappedResponse } from './response-parameters.js'
export type { MappingInput, MappedResponseSource } from './expression.js'
export { isReservedHeader, RESERVED_HEADER_MESSAGE, INVALID_MAPPING_MESSAGE } from './keys.js'
