/**
 * @module
 * What the gateway sends back: a reply (the integration's, or a local one built from the
 * error catalogue) and the shape of a catalogue entry.
 */
import type { ServerResponse } from 'node:http'

/** A response the gateway generates itself (spec 14); the table of them lives in `errors/`. */
export interface GatewayResponse {
  readonly statusCode: number
  /** Exact body bytes: `{"message":"..."}`, no spaces (AWS's shape). */
  readonly body: Buffer
  /** Value for `$context.error.message`. */
  readonly message: string
  /** Value for `$context.error.responseType` (REST names are the best guess, spec 3.7). */
  readonly responseType: string
}

export interface Reply {
  readonly statusCode: number
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body: Buffer
  /** The catalogue entry when the gateway answered by itself (sets `$context.error.*`). */
  readonly error: GatewayResponse | null
  /**
   * A body still arriving (a proxied backend's), sent instead of `body` as it comes;
   * `headers` then carry the backend's `content-length`, if it gave one.
   */
  readonly stream?: StreamedBody
}

/** A body the server hands the client's response to once the head is written. */
export interface StreamedBody {
  /** Writes the body to `res` and ends it; `done` gets the bytes sent, whether it completed or not. */
  pipe(res: ServerResponse, done: (bytesSent: number) => void): void
  /** The response will not be sent (the client has gone): release the source. */
  discard(): void
}
