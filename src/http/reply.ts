/**
 * @module
 * A response to send: either the integration's, or a local reply from the catalogue.
 */
import type { ServerResponse } from 'node:http'
import type { GatewayResponse } from '../errors/catalog.js'

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

const JSON_HEADERS: ReadonlyArray<readonly [string, string]> = Object.freeze([['content-type', 'application/json'] as const])

export function localReply(response: GatewayResponse): Reply {
  return { statusCode: response.statusCode, headers: JSON_HEADERS, body: response.body, error: response }
}

/** A catalogue reply with extra headers (e.g. `www-authenticate` on a 401). */
export function localReplyWithHeaders(response: GatewayResponse, headers: ReadonlyArray<readonly [string, string]>): Reply {
  return { statusCode: response.statusCode, headers: [...JSON_HEADERS, ...headers], body: response.body, error: response }
}
