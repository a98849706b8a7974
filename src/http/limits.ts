/**
 * @module
 * The listener's socket timeouts and parser limits (the payload quotas are in `model/`).
 */
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
