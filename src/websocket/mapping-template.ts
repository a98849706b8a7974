/**
 * @module
 * Mapping templates of WebSocket non-proxy integrations (spec 10.5): full VTL as API Gateway
 * runs it (integrations/ owns the engine). This file builds what a template sees of a
 * WebSocket event: `$context` (spec 10.10) as an object, and `$input.params()` with the
 * handshake's headers and query string on `$connect` (the only event that has them).
 */
import { compileMappingTemplate, type MappingTemplate, type MappingTemplateInput, type RenderResult } from '../integrations/index.js'
import type { WebSocketRequestSource } from '../model/index.js'
import { CONTEXT_VARIABLES } from './request-variables.js'

export type Template = MappingTemplate
export type { RenderResult }
export type CompiledTemplate = { ok: true; render: Template } | { ok: false; reason: string; line: number }

export function compileTemplate(text: string): CompiledTemplate {
  const compiled = compileMappingTemplate(text)
  return compiled.ok ? { ok: true, render: compiled.template } : { ok: false, reason: compiled.reason, line: compiled.line }
}

/** The template's view of an event, its `$input` body being `body`. */
export function templateInput(source: WebSocketRequestSource, body: string): MappingTemplateInput {
  const connect = source.eventType === 'CONNECT'
  return {
    body,
    params: {
      path: {},
      querystring: connect ? Object.fromEntries(source.connection.query) : {},
      header: connect ? Object.fromEntries(source.connection.handshakeHeaders) : {},
    },
    context: contextObject(source),
    stageVariables: source.stageVariables,
  }
}

/** `$context` as nested objects: `identity.sourceIp` is `$context.identity.sourceIp`. */
function contextObject(source: WebSocketRequestSource): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, get] of Object.entries(CONTEXT_VARIABLES)) {
    const value = get(source)
    if (value === undefined) continue
    const dot = name.indexOf('.')
    if (dot < 0) out[name] = value
    else {
      const group = name.slice(0, dot)
      const inner = (out[group] ??= {}) as Record<string, unknown>
      inner[name.slice(dot + 1)] = value
    }
  }
  const authorizer = source.connection.authorizer
  if (authorizer !== null) out['authorizer'] = { ...authorizer }
  return out
}
