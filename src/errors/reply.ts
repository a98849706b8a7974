/**
 * @module
 * A response to send: either the integration's, or a local reply from the catalogue.
 */
import type { GatewayResponse, Reply } from '../model/index.js'



const JSON_HEADERS: ReadonlyArray<readonly [string, string]> = Object.freeze([['content-type', 'application/json'] as const])

export function localReply(response: GatewayResponse): Reply {
  return { statusCode: response.statusCode, headers: JSON_HEADERS, body: response.body, error: response }
}

/** A catalogue reply with extra headers (e.g. `www-authenticate` on a 401). */
export function localReplyWithHeaders(response: GatewayResponse, headers: ReadonlyArray<readonly [string, string]>): Reply {
  return { statusCode: response.statusCode, headers: [...JSON_HEADERS, ...headers], body: response.body, error: response }
}
