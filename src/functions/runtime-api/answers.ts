/**
 * @module
 * What the Lambda Runtime API (2018-06-01) answers, as AWS's runtime interface emulator
 * renders it: the bodies are byte-for-byte the JSON it sends, so a runtime client that
 * parses them (or logs them) sees what it sees on Lambda.
 */

/** The most bytes a response (or error) a runtime posts may have: 6 MiB plus 100 bytes, as Lambda's `interop.MaxPayloadSize`. */
export const MAX_RUNTIME_PAYLOAD_BYTES = 6 * 1024 * 1024 + 100

/** `202` for an accepted response, error or init error. */
export const ACCEPTED_BODY = '{"status":"OK"}'

/** `400`: the request id is unknown, or its invocation was already answered. */
export const INVALID_REQUEST_ID_BODY = '{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}'

/** `413`: the posted response is larger than `MAX_RUNTIME_PAYLOAD_BYTES`. */
export const PAYLOAD_TOO_LARGE_BODY = `{"errorMessage":"Exceeded maximum allowed payload size (${MAX_RUNTIME_PAYLOAD_BYTES} bytes).","errorType":"RequestEntityTooLarge"}`

/** The invocation's error when its response was too large (what the caller of Invoke sees). */
export const RESPONSE_TOO_LARGE_ERROR_TYPE = 'Function.ResponseSizeTooLarge'
export function responseTooLargeMessage(bytes: number): string {
  return `Response payload size (${bytes} bytes) exceeded maximum allowed payload size (${MAX_RUNTIME_PAYLOAD_BYTES} bytes).`
}

/**
 * `403`: the call does not fit the runtime's state (an init error after init, `/next` while an
 * invocation waits for its response). [EMU] The state names are the emulator's words.
 */
export function invalidStateTransitionBody(from: string, to: string, reason: string): string {
  return JSON.stringify({ errorMessage: `State transition from ${from} to ${to} failed for runtime. Error: ${reason}`, errorType: 'InvalidStateTransition' })
}

/** `404` for any other path (the emulator's router answers Go's default text). */
export const NOT_FOUND_BODY = '404 page not found\n'

/** The error type Lambda reports for an error posted without one (no header, no JSON body). */
export const UNKNOWN_ERROR_TYPE = 'Unhandled'
