/**
 * @module
 * Mapping templates (VTL) of WebSocket non-proxy integrations (spec 10.5), and `MOCK`
 * integrations built on them. The request template chosen by the integration's
 * `templateSelectionExpression` (`$default` otherwise) renders the integration request; the
 * first integration response whose `/regex/` key matches the status (else `$default`)
 * renders the reply with its template, its `$input` being the integration's response body.
 * A `MOCK` has no backend: its rendered request template is that body, and its
 * `statusCode` the status.
 */
import type { CompiledWebSocketIntegration, RouteOutcome, WebSocketRequestSource } from '../model/index.js'
import { templateInput, type Template } from './mapping-template.js'
import type { IntegrationAnswer, ResponseTemplateSelector } from './response-template-selection.js'
import type { RouteKeySelector } from './route-selection.js'

/** A MOCK whose request template gives no `statusCode` answers 200 `[UNCONFIRMED]`. */
export const MOCK_DEFAULT_STATUS = 200

export interface CompiledTemplates {
  readonly requestTemplates: ReadonlyMap<string, Template>
  /** `WHEN_NO_MATCH`: an untemplated message passes through; `WHEN_NO_TEMPLATES`: only when there are no templates; `NEVER`: it fails. */
  readonly passthroughBehavior: 'WHEN_NO_MATCH' | 'WHEN_NO_TEMPLATES' | 'NEVER'
  /** `null`: always the `$default` template. */
  readonly templateSelection: RouteKeySelector | null
  /** `/regex/` responses in order, then the `$default` one (pattern `null`). */
  readonly responses: ReadonlyArray<CompiledIntegrationResponse>
}

export interface CompiledIntegrationResponse {
  readonly pattern: RegExp | null
  /** `responseTemplates` by key. */
  readonly templates: ReadonlyMap<string, Template>
  /** Its `templateSelectionExpression`, or `null` for the `$default` template. */
  readonly select: ResponseTemplateSelector | null
}

/** `output: null`: no template applies (the body then passes through, or nothing is sent back). */
export type Rendered = { ok: true; output: string | null } | { ok: false; reason: string }

/** The rendered request template, `null` when none applies (the body then passes through), or the render error. */
export function renderRequest(templates: CompiledTemplates, source: WebSocketRequestSource): Rendered {
  const body = source.body ?? ''
  const key = templates.templateSelection === null ? '$default' : (templates.templateSelection(body) ?? '$default')
  const template = templates.requestTemplates.get(key) ?? templates.requestTemplates.get('$default')
  if (template === undefined) {
    const passes = templates.passthroughBehavior === 'WHEN_NO_MATCH' || (templates.passthroughBehavior === 'WHEN_NO_TEMPLATES' && templates.requestTemplates.size === 0)
    // AWS answers 415 on REST APIs; a WebSocket route can only fail: the Internal server error frame. `[UNCONFIRMED]`
    if (!passes) return { ok: false, reason: `request template: none for "${key}" and passthroughBehavior is ${templates.passthroughBehavior}` }
    return { ok: true, output: null }
  }
  const out = template.render(templateInput(source, body))
  return out.ok ? out : { ok: false, reason: `request template: ${out.reason}` }
}

/**
 * The reply the integration response for `selector` renders (the status, or for a Lambda the
 * error message), `null` when no response matches, or the render error.
 */
export function renderReply(templates: CompiledTemplates, source: WebSocketRequestSource, selector: string, responseBody: string, answer: IntegrationAnswer): Rendered {
  const response = templates.responses.find((r) => r.pattern !== null && r.pattern.test(selector)) ?? templates.responses.find((r) => r.pattern === null)
  if (response === undefined) return { ok: true, output: null }
  const key = response.select === null ? '$default' : response.select(answer, source.body)
  const template = response.templates.get(key) ?? response.templates.get('$default') ?? (response.select === null ? response.templates.values().next().value : undefined)
  if (template === undefined) return { ok: true, output: null }
  const out = template.render(templateInput(source, responseBody))
  return out.ok ? out : { ok: false, reason: `integration response template: ${out.reason}` }
}

/** A route answered by its own templates, with no backend. */
export function mockRouteIntegration(mock: CompiledTemplates): CompiledWebSocketIntegration {
  return { kind: 'mock', invoke: (_event, source) => Promise.resolve(invokeMockRoute(mock, source)) }
}

export function invokeMockRoute(mock: CompiledTemplates, source: WebSocketRequestSource): RouteOutcome {
  const request = renderRequest(mock, source)
  if (!request.ok) return { ok: false, reason: request.reason, timeout: false }
  // Passed through (no template): the message itself is what the mock answers from.
  const rendered = request.output ?? source.body ?? ''
  let statusCode = MOCK_DEFAULT_STATUS
  try {
    const parsed: unknown = JSON.parse(rendered)
    const s = (parsed as { statusCode?: unknown } | null)?.statusCode
    if (typeof s === 'number' && Number.isInteger(s)) statusCode = s
  } catch {
    // Not JSON: the default status.
  }
  const reply = renderReply(mock, source, String(statusCode), rendered, { statusCode, headers: [] })
  if (!reply.ok) return { ok: false, reason: reply.reason, timeout: false }
  return { ok: true, result: { statusCode, headers: [], body: reply.output } }
}
