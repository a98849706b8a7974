/**
 * @module
 * HTTP API request quotas (spec 13.2) and the listener's socket timeouts.
 */

/** Payload size quota: 10 MB. */
export const MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024
/** Integration responses: the same 10 MB payload quota, enforced while streaming. */
export const MAX_RESPONSE_BODY_BYTES = 10 * 1024 * 1024
/** "Total combined size of request line and header values": 10,240 bytes. */
export const MAX_REQUEST_LINE_AND_HEADERS_BYTES = 10_240
/**
 * Node's own header parser limit, set above ours so that oversized headers reach our check
 * and get AWS's JSON answer instead of Node's bare 431.
 */
export const NODE_MAX_HEADER_SIZE = 64 * 1024
/** A client that has not sent its headers by then is cut off (slowloris). */
export const HEADERS_TIMEOUT_MS = 30_000
/** A client that has not sent its whole request by then is cut off. */
export const REQUEST_TIMEOUT_MS = 120_000
export const KEEP_ALIVE_TIMEOUT_MS = 30_000
/** How long `stop()` waits for requests in flight before closing their sockets. */
export const SHUTDOWN_GRACE_MS = 35_000
