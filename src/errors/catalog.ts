/**
 * @module
 * The one catalogue of responses the gateway itself generates on the HTTP data plane
 * (spec section 14). Every local reply is built from an entry here, so status, exact body
 * bytes and the `$context.error.*` values they set live in one place.
 */
import type { GatewayResponse } from '../model/index.js'


function gatewayResponse(statusCode: number, message: string, responseType: string): GatewayResponse {
  return Object.freeze({
    statusCode,
    body: Buffer.from(JSON.stringify({ message })),
    message,
    responseType,
  })
}

export const GatewayResponses = Object.freeze({
  /** No stage, API or route matched. `[DOC]` */
  NOT_FOUND: gatewayResponse(404, 'Not Found', 'RESOURCE_NOT_FOUND'),
  /** Body over the 10 MB payload quota. `[UNCONFIRMED]` status and text (spec 13.2). */
  REQUEST_TOO_LARGE: gatewayResponse(413, 'Request Entity Too Large', 'REQUEST_TOO_LARGE'),
  /**
   * Request line plus header values over 10,240 bytes. AWS does not document the answer
   * (spec 13.2 proposes 431 or 400) `[UNCONFIRMED]`: we pick 431 with this body.
   */
  REQUEST_HEADERS_TOO_LARGE: gatewayResponse(431, 'Request Header Fields Too Large', 'REQUEST_TOO_LARGE'),
  /** Malformed request that Node's parser still accepted (e.g. an invalid path). `[UNCONFIRMED]` */
  BAD_REQUEST: gatewayResponse(400, 'Bad Request', 'BAD_REQUEST_PARAMETERS'),
  /** JWT missing or invalid; Lambda authorizer identity source missing. `[DOC]` */
  UNAUTHORIZED: gatewayResponse(401, 'Unauthorized', 'UNAUTHORIZED'),
  /** JWT scopes, Lambda authorizer denial, IAM failure. `[EMU]`/`[UNCONFIRMED]` (spec 14). */
  FORBIDDEN: gatewayResponse(403, 'Forbidden', 'ACCESS_DENIED'),
  /** A Lambda authorizer that fails, times out or answers nonsense. `[DOC]` */
  AUTHORIZER_FAILURE: gatewayResponse(500, 'Internal Server Error', 'AUTHORIZER_FAILURE'),
  /** Throttled by a route, stage or account bucket. Status `[DOC]`, body `[UNCONFIRMED]` (spec 6.2). */
  TOO_MANY_REQUESTS: gatewayResponse(429, 'Too Many Requests', 'THROTTLED'),
  /** Function error, malformed result, invocation rejected. `[DOC]` */
  INTEGRATION_FAILURE: gatewayResponse(500, 'Internal Server Error', 'INTEGRATION_FAILURE'),
  /** An HTTP backend that cannot be connected to (refused, DNS, unreachable). `[UNCONFIRMED]` (spec 4.1) */
  INTEGRATION_UNREACHABLE: gatewayResponse(503, 'Service Unavailable', 'INTEGRATION_FAILURE'),
  /** Integration timeout (`timeoutInMillis`). `[OBS]` */
  INTEGRATION_TIMEOUT: gatewayResponse(503, 'Service Unavailable', 'INTEGRATION_TIMEOUT'),
  /** The gateway itself failed (a bug): still answered in AWS's shape, never a stack trace. */
  INTERNAL_ERROR: gatewayResponse(500, 'Internal Server Error', 'DEFAULT_5XX'),
})

