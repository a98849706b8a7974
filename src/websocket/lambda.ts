/**
 * @module
 * Invoking a WebSocket route's function and reading what it returned (spec 10.1, 10.4):
 * a status code (2xx accepts a `$connect`), headers for the handshake, and a body that a
 * two-way route sends back.
 */
import type { CompiledWebSocketIntegration, FunctionInvoker, InvokeResult, RouteOutcome, WebSocketRouteResult } from '../model/index.js'

export type { RouteOutcome }

/**
 * A `$connect` function that answers without a `statusCode` (or with `null`): accepted, as
 * the common `return` without a value is in practice `[UNCONFIRMED]`.
 */
export const CONNECT_DEFAULT_STATUS = 200

/** A route that invokes a function with the route's Lambda event. */
export function lambdaRouteIntegration(pool: FunctionInvoker, timeoutInMillis: number): CompiledWebSocketIntegration {
  return { kind: 'lambda', invoke: (event) => invokeRoute(pool, event(), timeoutInMillis) }
}

export async function invokeRoute(pool: FunctionInvoker, event: Record<string, unknown>, timeoutMs: number): Promise<RouteOutcome> {
  const result: InvokeResult = await pool.invoke(JSON.stringify(event), timeoutMs)
  switch (result.status) {
    case 'integration-timeout':
      return { ok: false, reason: `The Lambda function did not answer within ${timeoutMs} ms`, timeout: true }
    case 'rejected':
      return { ok: false, reason: `${result.errorType}: ${result.errorMessage}`, timeout: false }
    case 'function-error':
      return { ok: false, reason: `${result.error.errorType}: ${result.error.errorMessage}`, timeout: false }
    case 'ok':
      return { ok: true, result: interpret(result.payload) }
  }
}

function interpret(payload: string): WebSocketRouteResult {
  let value: unknown
  try {
    value = JSON.parse(payload)
  } catch {
    return { statusCode: CONNECT_DEFAULT_STATUS, headers: [], body: null }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { statusCode: CONNECT_DEFAULT_STATUS, headers: [], body: null }
  }
  const v = value as Record<string, unknown>
  const status = typeof v['statusCode'] === 'number' ? v['statusCode'] : typeof v['statusCode'] === 'string' ? Number(v['statusCode']) : CONNECT_DEFAULT_STATUS
  const headers: Array<readonly [string, string]> = []
  if (v['headers'] !== null && typeof v['headers'] === 'object') {
    for (const [name, h] of Object.entries(v['headers'] as Record<string, unknown>)) {
      if (typeof h === 'string' || typeof h === 'number' || typeof h === 'boolean') headers.push([name, String(h)])
    }
  }
  const body = typeof v['body'] === 'string' ? v['body'] : null
  return { statusCode: Number.isInteger(status) ? status : CONNECT_DEFAULT_STATUS, headers, body }
}
