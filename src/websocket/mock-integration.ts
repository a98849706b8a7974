/**
 * @module
 * Mapping templates of WebSocket non-proxy integrations (spec 10.5), and `MOCK`
 * integrations built on them. The request template chosen by the integration's
 * `templateSelectionExpression` (`$default` otherwise) renders the integration request; the
 * first integration response whose `/regex/` key matches the status (else `$default`)
 * renders the reply with its template, its `$input` being the integration's response body.
 * A `MOCK` has no backend: its rendered request template is that body, and its
 * `statusCode` the status.
 */
import { contextValue } from './request-variables.js'
import type { CompiledWebSocketIntegration, RouteOutcome, WebSocketRequestSource } from '../model/index.js'
import type { Template, TemplateInput } from './mapping-template.js'
import type { RouteKeySelector } from './route-selection.js'

/** A MOCK whose request template gives no `statusCode` answers 200 `[UNCONFIRMED]`. */
export const MOCK_DEFAULT_STATUS = 200

export interface CompiledTemplates {
  readonly requestTemplates: ReadonlyMap<string, Template>
  /** `null`: always the `$default` template. */
  readonly templateSelection: RouteKeySelector | null
  /** `/regex/` responses in order, then the `$default` one (pattern `null`). */
  readonly responses: ReadonlyArray<{ readonly pattern: RegExp | null; readonly template: Template | null }>
}

export function templateInput(source: WebSocketRequestSource, body: string): TemplateInput {
  return { body, context: (name: string) => contextValue(source, name), stageVariables: source.stageVariables }
}

/** The rendered request template, or `null` when none applies (the body then passes through). */
export function renderRequest(templates: CompiledTemplates, source: WebSocketRequestSource): string | null {
  const body = source.body ?? ''
  const key = templates.templateSelection === null ? '$default' : (templates.templateSelection(body) ?? '$default')
  const template = templates.requestTemplates.get(key) ?? templates.requestTemplates.get('$default')
  return template === undefined ? null : template(templateInput(source, body))
}

/** The reply the integration response for `status` renders, or `null` when none matches. */
export function renderReply(templates: CompiledTemplates, source: WebSocketRequestSource, status: number, responseBody: string): string | null {
  const text = String(status)
  const response = templates.responses.find((r) => r.pattern !== null && r.pattern.test(text)) ?? templates.responses.find((r) => r.pattern === null)
  return response?.template == null ? null : response.template(templateInput(source, responseBody))
}

/** A route answered by its own templates, with no backend. */
export function mockRouteIntegration(mock: CompiledTemplates): CompiledWebSocketIntegration {
  return { kind: 'mock', invoke: (_event, source) => Promise.resolve(invokeMockRoute(mock, source)) }
}

export function invokeMockRoute(mock: CompiledTemplates, source: WebSocketRequestSource): RouteOutcome {
  const rendered = renderRequest(mock, source) ?? ''
  let statusCode = MOCK_DEFAULT_STATUS
  try {
    const parsed: unknown = JSON.parse(rendered)
    const s = (parsed as { statusCode?: unknown } | null)?.statusCode
    if (typeof s === 'number' && Number.isInteger(s)) statusCode = s
  } catch {
    // Not JSON: the default status.
  }
  return { ok: true, result: { statusCode, headers: [], body: renderReply(mock, source, statusCode, rendered) } }
}
