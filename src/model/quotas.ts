/**
 * @module
 * HTTP API payload quotas (spec 13.2), shared by the plane that reads requests and the
 * integrations that stream bodies to and from backends.
 */

/** Payload size quota: 10 MB. */
export const MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024
/** Integration responses: the same 10 MB payload quota, enforced while streaming. */
export const MAX_RESPONSE_BODY_BYTES = 10 * 1024 * 1024
/** "Total combined size of request line and header values": 10,240 bytes. */
export const MAX_REQUEST_LINE_AND_HEADERS_BYTES = 10_240
