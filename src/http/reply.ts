/**
 * @module
 * A response to send: either the integration's, or a local reply from the catalogue.
 */
import type { Readable } from 'node:stream'
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
  readonly stream?: Readable
}

const JSON_HEADERS: ReadonlyArray<readonly [string, string]> = Object.freeze([['content-type', 'application/json'] as const])

export function localReply(response: GatewayResponse): Reply {
  return { statusCode: response.statusCode, headers: JSON_HEADERS, body: response.body, error: response }
}

/** A catalogue reply with extra headers (e.g. `www-authenticate` on a 401). */
export function localReplyWithHeaders(response: GatewayResponse, headers: ReadonlyArray<readonly [string, string]>): Reply {
  return { statusCode: response.statusCode, headers: [...JSON_HEADERS, ...headers], body: response.body, error: response }
}
