/**
 * @module
 * `MOCK` integrations of WebSocket routes (spec 10.5): the request template chosen by the
 * integration's `templateSelectionExpression` (`$default` otherwise) renders JSON whose
 * `statusCode` is the integration's status; the first integration response whose
 * `/regex/` key matches that status (else `$default`) renders the reply with its template.
 * The rendered request template is the "response body" the reply template's `$input` reads.
 */
import { contextValue, type WebSocketRequestSource } from './http-integration.js'
import type { RouteOutcome } from './lambda.js'
import type { Template } from './mapping-template.js'
import type { RouteKeySelector } from './route-selection.js'

/** A MOCK whose request template gives no `statusCode` answers 200 `[UNCONFIRMED]`. */
export const MOCK_DEFAULT_STATUS = 200

export interface WebSocketMockIntegration {
  readonly requestTemplates: ReadonlyMap<string, Template>
  /** `null`: always the `$default` template. */
  readonly templateSelection: RouteKeySelector | null
  /** `/regex/` responses in order, then the `$default` one (pattern `null`). */
  readonly responses: ReadonlyArray<{ readonly pattern: RegExp | null; readonly template: Template | null }>
}

export function invokeMockRoute(mock: WebSocketMockIntegration, source: WebSocketRequestSource): RouteOutcome {
  const body = source.body ?? ''
  const input = { body, context: (name: string) => contextValue(source, name), stageVariables: source.stageVariables }
  const key = mock.templateSelection === null ? '$default' : (mock.templateSelection(body) ?? '$default')
  const requestTemplate = mock.requestTemplates.get(key) ?? mock.requestTemplates.get('$default')
  const rendered = requestTemplate === undefined ? '' : requestTemplate(input)
  let statusCode = MOCK_DEFAULT_STATUS
  try {
    const parsed: unknown = JSON.parse(rendered)
    const s = (parsed as { statusCode?: unknown } | null)?.statusCode
    if (typeof s === 'number' && Number.isInteger(s)) statusCode = s
  } catch {
    // Not JSON: the default status.
  }
  const status = String(statusCode)
  const response = mock.responses.find((r) => r.pattern !== null && r.pattern.test(status)) ?? mock.responses.find((r) => r.pattern === null)
  const reply = response?.template == null ? null : response.template({ ...input, body: rendered })
  return { ok: true, result: { statusCode, headers: [], body: reply } }
}
