/**
 * @module
 * A request summary as JSON text, the same text `JSON.stringify` writes, field by field: the
 * inspector writes each summary once when it records the request (the live feed and the kept
 * request share that text), and V8's generic stringify takes about twice as long over this
 * one shape. The pieces are joined once (`Array.prototype.join` makes one flat string, where
 * `+` would leave a tree of string pieces for the garbage collector to copy while the request
 * is kept).
 */

/** One line of the live request list. */
export interface InspectedRequestSummary {
  readonly id: string
  /** Epoch ms when the request arrived. */
  readonly time: number
  readonly method: string
  readonly path: string
  readonly query: string
  readonly apiId: string | null
  readonly stage: string | null
  readonly routeKey: string | null
  readonly status: number
  readonly latency: number
  /** `$context.error.responseType` and `$context.error.message`, when the gateway answered by itself. */
  readonly error: { readonly responseType: string; readonly message: string } | null
  readonly integrationError: string
  readonly authorizerError: string
}

/** The summary as `JSON.stringify(summary)` writes it. */
export function summaryJson(s: InspectedRequestSummary): string {
  return [
    '{"id":', jsonString(s.id), ',"time":', number(s.time), ',"method":', jsonString(s.method),
    ',"path":', jsonString(s.path), ',"query":', jsonString(s.query), ',"apiId":', nullable(s.apiId), ',"stage":', nullable(s.stage),
    ',"routeKey":', nullable(s.routeKey), ',"status":', number(s.status), ',"latency":', number(s.latency),
    ',"error":', s.error === null ? 'null' : '{"responseType":' + jsonString(s.error.responseType) + ',"message":' + jsonString(s.error.message) + '}',
    ',"integrationError":', jsonString(s.integrationError), ',"authorizerError":', jsonString(s.authorizerError), '}',
  ].join('')
}

/** Characters a JSON string may hold as they are (no quote, backslash, control character or surrogate). */
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/

export function jsonString(value: string): string {
  return PLAIN.test(value) ? '"' + value + '"' : JSON.stringify(value)
}

function nullable(value: string | null): string {
  return value === null ? 'null' : jsonString(value)
}

/** As JSON writes a number (`null` for one that is not finite). */
function number(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null'
}
