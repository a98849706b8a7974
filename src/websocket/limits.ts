/**
 * @module
 * WebSocket quotas (spec 10.2, 13.3) with AWS's values as defaults; tests and operators can
 * shorten the timers through `createGateway(..., { websocket })`.
 */

/** A message (all its fragments) over this closes the connection with 1009. */
export const MAX_MESSAGE_BYTES = 128 * 1024
/** `PostToConnection` data: 131,072 bytes at most (413 beyond). */
export const MAX_POST_TO_CONNECTION_BYTES = 131_072
export const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000
export const DEFAULT_MAX_CONNECTION_DURATION_MS = 2 * 60 * 60_000
/**
 * Bytes queued towards a client that does not read: past this the connection is closed
 * instead of letting memory grow. AWS does not document its buffer `[UNCONFIRMED]`.
 */
export const DEFAULT_MAX_OUTBOUND_BUFFER_BYTES = 4 * 1024 * 1024

/**
 * Close codes of gateway-initiated closes other than the size and type ones: undocumented
 * `[UNCONFIRMED]` (spec 10.2, 15.9); 1001 Going Away as the spec proposes.
 */
export const CLOSE_IDLE = 1001
export const CLOSE_MAX_DURATION = 1001
export const CLOSE_DELETED = 1001
export const CLOSE_UNSUPPORTED_DATA = 1003
export const CLOSE_TOO_BIG = 1009
/** A client that stopped reading (outbound buffer full): 1008 Policy Violation `[EMU]`. */
export const CLOSE_SLOW_READER = 1008

export interface WebSocketLimits {
  readonly idleTimeoutMs: number
  readonly maxConnectionDurationMs: number
  readonly maxOutboundBufferBytes: number
}

export const DEFAULT_WEBSOCKET_LIMITS: WebSocketLimits = Object.freeze({
  idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
  maxConnectionDurationMs: DEFAULT_MAX_CONNECTION_DURATION_MS,
  maxOutboundBufferBytes: DEFAULT_MAX_OUTBOUND_BUFFER_BYTES,
})
