/**
 * @module
 * Mapping templates (VTL) as API Gateway runs them, for non-proxy integrations.
 */
export { compileMappingTemplate, MAX_RENDERED_BYTES, MAX_TEMPLATE_BYTES, UNDEFINED_REFERENCES_RENDER_EMPTY } from './template.js'
export type { CompiledMappingTemplate, MappingTemplate, MappingTemplateInput, RenderResult } from './template.js'
export { MAX_FOREACH_ITERATIONS } from './engine.js'
