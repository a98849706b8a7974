/**
 * @module
 * The three `@connections` operations on a connection this node holds (spec 11), as plain
 * outcomes: the HTTP handler answers with them, and a node forwarding a request for another
 * node's connection gets the same outcome back through Redis.
 */
import type { Connection } from './connection.js'
import { CLOSE_DELETED } from './limits.js'

export type ManageMethod = 'POST' | 'GET' | 'DELETE'

export type ManageOutcome = { readonly kind: 'ok'; readonly status: 200 | 204; readonly json?: string } | { readonly kind: 'gone' }

export function manageConnection(connection: Connection | undefined, apiId: string, method: ManageMethod, body: Buffer): ManageOutcome {
  // The connection must belong to this API; otherwise it is gone for this caller.
  if (connection === undefined || connection.apiId !== apiId) return { kind: 'gone' }
  switch (method) {
    case 'POST':
      return connection.send(body) ? { kind: 'ok', status: 200 } : { kind: 'gone' }
    case 'GET':
      return {
        kind: 'ok',
        status: 200,
        json: JSON.stringify({
          connectedAt: new Date(connection.connectedAt).toISOString(),
          identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
          lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
        }),
      }
    case 'DELETE':
      connection.close(CLOSE_DELETED, '')
      return { kind: 'ok', status: 204 }
  }
}
