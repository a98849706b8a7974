/**
 * @module
 * The frames API Gateway sends on an open connection when a message cannot be handled
 * (spec 14), byte for byte: note the space after the first colon only, and the lower-case
 * "server error".
 */

/** No route matches and there is no `$default` route. `[DOC][OBS]` */
export function forbiddenFrame(connectionId: string, requestId: string): string {
  return `{"message": "Forbidden", "connectionId":"${connectionId}", "requestId":"${requestId}"}`
}

/** The route's integration failed (error, timeout, throttled). `[OBS]` */
export function internalErrorFrame(connectionId: string, requestId: string): string {
  return `{"message": "Internal server error", "connectionId":"${connectionId}", "requestId":"${requestId}"}`
}

/**
 * A message over its route's throttle. AWS's frame is not documented `[UNCONFIRMED]`; this
 * follows the shape of the two documented ones.
 */
export function throttledFrame(connectionId: string, requestId: string): string {
  return `{"message": "Too Many Requests", "connectionId":"${connectionId}", "requestId":"${requestId}"}`
}
