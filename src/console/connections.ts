/**
 * @module
 * The console's WebSocket page: the connections this node holds, per API (id, connected at,
 * identity, messages in and out), the messages of one connection, and the two `@connections`
 * operations a developer wants by hand: POST a message to a connection, DELETE it. They run
 * the same `manageConnection` the `@connections` endpoint runs, so what the client receives is
 * exactly what a backend's `PostToConnection` would send.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { GatehouseConfig } from '../model/index.js'
import type { Inspector } from '../observability/index.js'
import { manageConnection, type Connection, type WebSocketGateway } from '../websocket/index.js'
import type { ConsoleRoute } from './server.js'
import { json } from './server.js'

export interface ConnectionsDependencies {
  readonly websocket: () => WebSocketGateway | undefined
  readonly config: () => GatehouseConfig | null
  readonly inspector: Inspector
}

export function connectionsRoute(deps: ConnectionsDependencies): ConsoleRoute {
  return async (req: IncomingMessage, res: ServerResponse, rest: string, body: () => Promise<unknown>) => {
    const gateway = deps.websocket()
    const [id, action] = rest.split('/')
    const method = req.method ?? 'GET'
    if (id === undefined || id === '') {
      const all = gateway === undefined ? [] : [...gateway.connections()]
      const apis = (deps.config()?.websocketApis ?? []).map((api) => ({
        apiId: api.apiId,
        name: api.name,
        connections: all.filter((c) => c.apiId === api.apiId).map(describe),
      }))
      return json(res, 200, { apis })
    }
    const connection = gateway?.connection(id)
    if (connection === undefined) return json(res, 410, { message: `connection ${id} is gone` })
    if (action === 'messages') {
      if (method !== 'POST') return json(res, 405, { message: 'POST a message to send' })
      const value = await body()
      const data = (value as { data?: unknown } | undefined)?.data
      if (typeof data !== 'string') throw new TypeError('data must be a string')
      const outcome = manageConnection(connection, connection.apiId, 'POST', Buffer.from(data))
      return outcome.kind === 'gone' ? json(res, 410, { message: `connection ${id} is gone` }) : json(res, 200, { sent: true })
    }
    if (action !== undefined) return json(res, 404, { message: `no console API connections/${rest}` })
    if (method === 'DELETE') {
      manageConnection(connection, connection.apiId, 'DELETE', Buffer.alloc(0))
      return json(res, 200, { disconnected: true })
    }
    return json(res, 200, { connection: describe(connection), messages: deps.inspector.connectionMessages(id) })
  }
}

function describe(c: Connection) {
  return {
    connectionId: c.connectionId,
    apiId: c.apiId,
    stage: c.stageName,
    connectedAt: c.connectedAt,
    lastActiveAt: c.lastActiveAt,
    sourceIp: c.sourceIp,
    userAgent: c.userAgent,
    principalId: typeof c.authorizer?.['principalId'] === 'string' ? c.authorizer['principalId'] : null,
    authorizer: c.authorizer,
    messagesIn: c.messagesIn,
    messagesOut: c.messagesOut,
    open: c.isOpen,
  }
}
