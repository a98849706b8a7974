/**
 * @module
 * `AWS` (non-proxy) integrations of WebSocket routes that invoke a Lambda function
 * (`arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations`) run the
 * local function (spec 10.5): the request template's output is the invocation payload, and
 * the integration response is selected by `$integration.response.body.errorMessage`: empty
 * for a result (so `$default` takes it), the error message for a function error. The chosen
 * response renders the reply with `$input` the function's result (or its error object).
 */
import type { CompiledWebSocketIntegration, FunctionInvoker, RouteOutcome, WebSocketRequestSource } from '../model/index.js'
import { renderReply, renderRequest, type CompiledTemplates } from './mock-integration.js'

/**
 * A function error that an integration response takes still fails a `$connect` (500);
 * on other routes the rendered reply is sent. `[UNCONFIRMED]`
 */
export const LAMBDA_ERROR_STATUS = 500
/** A result: accepted. */
export const LAMBDA_RESULT_STATUS = 200

export function lambdaTemplateRouteIntegration(pool: FunctionInvoker, timeoutInMillis: number, templates: CompiledTemplates): CompiledWebSocketIntegration {
  return { kind: 'lambda', invoke: (_event, source) => invokeLambdaTemplateRoute(pool, timeoutInMillis, templates, source) }
}

export async function invokeLambdaTemplateRoute(pool: FunctionInvoker, timeoutMs: number, templates: CompiledTemplates, source: WebSocketRequestSource): Promise<RouteOutcome> {
  const rendered = renderRequest(templates, source)
  if (!rendered.ok) return { ok: false, reason: rendered.reason, timeout: false }
  const payload = rendered.output ?? source.body ?? ''
  try {
    JSON.parse(payload)
  } catch {
    // Lambda's Invoke takes JSON only (InvalidRequestContentException).
    return { ok: false, reason: `the invocation payload the request template rendered is not JSON: ${payload.slice(0, 200)}`, timeout: false }
  }
  const result = await pool.invoke(payload, timeoutMs)
  switch (result.status) {
    case 'integration-timeout':
      return { ok: false, reason: `The Lambda function did not answer within ${timeoutMs} ms`, timeout: true }
    case 'rejected':
      return { ok: false, reason: `${result.errorType}: ${result.errorMessage}`, timeout: false }
    case 'function-error': {
      const selector = result.error.errorMessage
      const taken = templates.responses.some((r) => r.pattern !== null && r.pattern.test(selector))
      if (!taken) return { ok: false, reason: `${result.error.errorType}: ${result.error.errorMessage}`, timeout: false }
      const reply = renderReply(templates, source, selector, JSON.stringify(result.error), { statusCode: LAMBDA_ERROR_STATUS, headers: [] })
      if (!reply.ok) return { ok: false, reason: reply.reason, timeout: false }
      return { ok: true, result: { statusCode: LAMBDA_ERROR_STATUS, headers: [], body: reply.output } }
    }
    case 'ok': {
      const reply = renderReply(templates, source, '', result.payload, { statusCode: LAMBDA_RESULT_STATUS, headers: [] })
      if (!reply.ok) return { ok: false, reason: reply.reason, timeout: false }
      return { ok: true, result: { statusCode: LAMBDA_RESULT_STATUS, headers: [], body: reply.output } }
    }
  }
}
