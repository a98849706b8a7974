/**
 * @module
 * A request summary as JSON text, the same text `JSON.stringify` writes, field by field: the
 * inspector writes each summary once when it records the request (the live feed and the kept
 * request share that text), and V8's generic stringify takes about twice as long over this
 * one shape. The text is concatenated with `+` (the inspector flattens the kept text once);
 * strings are quoted by util's `jsonString` (nothing to escape: quoted as they are), and the route's part and the
 * time are kept from the previous summary when they are the same.
 */

import { isPlainJsonString as plain, jsonString } from '../util/index.js'

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
  // Most summaries: strings with nothing to escape, no error (the quotes go with the names).
  const head =
    plain(s.id) && plain(s.method) && plain(s.path) && plain(s.query)
      ? '{"id":"' + s.id + '","time":' + time(s.time) + ',"method":"' + s.method + '","path":"' + s.path + '","query":"' + s.query + '"'
      : '{"id":' + jsonString(s.id) + ',"time":' + time(s.time) + ',"method":' + jsonString(s.method) + ',"path":' + jsonString(s.path) + ',"query":' + jsonString(s.query)
  return (
    head + route(s.apiId, s.stage, s.routeKey) + ',"status":' + number(s.status) + ',"latency":' + number(s.latency) +
    (s.error === null && s.integrationError === '' && s.authorizerError === ''
      ? NO_ERRORS
      : ',"error":' + (s.error === null ? 'null' : '{"responseType":' + jsonString(s.error.responseType) + ',"message":' + jsonString(s.error.message) + '}') +
        ',"integrationError":' + jsonString(s.integrationError) + ',"authorizerError":' + jsonString(s.authorizerError) + '}')
  )
}

/** The end of a summary without an error, as most are. */
const NO_ERRORS = ',"error":null,"integrationError":"","authorizerError":""}'

/**
 * `,"apiId":…,"stage":…,"routeKey":…` for the last route seen, kept: requests come route
 * after route with the same three strings (the compiled config's own, compared by identity
 * first).
 */
let lastApiId: string | null = null
let lastStage: string | null = null
let lastRouteKey: string | null = null
let lastRoute = ',"apiId":null,"stage":null,"routeKey":null'

function route(apiId: string | null, stage: string | null, routeKey: string | null): string {
  if (apiId !== lastApiId || stage !== lastStage || routeKey !== lastRouteKey) {
    lastRoute = ',"apiId":' + nullable(apiId) + ',"stage":' + nullable(stage) + ',"routeKey":' + nullable(routeKey)
    lastApiId = apiId
    lastStage = stage
    lastRouteKey = routeKey
  }
  return lastRoute
}

/** The epoch milliseconds of the last summary, as text: many requests arrive in the same millisecond, and a number past 2^31 is slow to write. */
let lastTime = Number.NaN
let lastTimeText = 'null'

function time(value: number): string {
  if (value !== lastTime) {
    lastTime = value
    lastTimeText = number(value)
  }
  return lastTimeText
}

function nullable(value: string | null): string {
  return value === null ? 'null' : jsonString(value)
}

/** As JSON writes a number (`null` for one that is not finite). */
function number(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null'
}
