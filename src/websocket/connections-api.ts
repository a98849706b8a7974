/**
 * @module
 * The `@connections` management API (spec 11) on the API's own host and port, at the URL
 * the AWS SDK builds from `https://{domainName}/{stage}`: `POST` sends a frame, `GET`
 * describes the connection, `DELETE` closes it. Errors carry `x-amzn-ErrorType` so SDKs
 * raise their own exception classes (an unknown or closed connection is `410 GoneException`).
 * SigV4 signatures are verified when `iam` credentials are configured. Without them there is
 * nothing to verify against: calls are accepted on a loopback-only gateway (development), and
 * elsewhere only with `connectionsApi.allowUnsigned: true`; otherwise they are refused as
 * AWS refuses calls it cannot authenticate (`UNAUTHENTICATED_CALL`, `UNRECOGNIZED_SIGNATURE`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { verifySigV4 } from '../auth/index.js'
import { headerPairs, hostName } from '../util/index.js'
import { newRequestId } from '../util/index.js'
import { readBody } from '../util/index.js'
import { splitTarget } from '../routing/index.js'
import type { Duplex } from 'node:stream'
import type { SnapshotSource } from '../model/index.js'
import { webSocketStageFor, type WebSocketGateway } from './gateway.js'
import { MAX_POST_TO_CONNECTION_BYTES } from './limits.js'
import { manageConnection } from './manage.js'
import type { ForwardOutcome } from './cluster.js'

/** `/{stage}/@connections/{id}`, the `@` literal (SDK v3) or encoded (`%40`, awscurl). */
const PATH = /^\/([^/]+)\/(?:@|%40)connections\/([^/]+)$/i

/** Whether a request target addresses the management API (checked before HTTP routing). */
export function isConnectionsRequest(url: string | undefined): boolean {
  if (url === undefined) return false
  const q = url.indexOf('?')
  return PATH.test(q < 0 ? url : url.slice(0, q))
}

export async function handleConnectionsRequest(req: IncomingMessage, res: ServerResponse, holder: SnapshotSource, ws: WebSocketGateway): Promise<void> {
  const requestId = newRequestId()
  const snapshot = holder.current
  const { rawPathname, rawQueryString } = splitTarget(req.url ?? '/')
  const m = PATH.exec(rawPathname)
  let segment: string | undefined
  try {
    segment = m === null ? undefined : decodeURIComponent(m[1] as string)
  } catch {
    segment = undefined
  }
  const target = segment === undefined || m === null ? null : webSocketStageFor(snapshot, hostName(req.headers.host ?? ''), segment)
  if (m === null || target === null) return error(res, requestId, 404, 'NotFoundException', 'Not Found')
  const api = target.api
  let connectionId: string
  try {
    connectionId = decodeURIComponent(m[2] as string)
  } catch {
    return error(res, requestId, 400, 'BadRequestException', 'Invalid connection id')
  }
  const body = await readBody(req, MAX_POST_TO_CONNECTION_BYTES)
  if (body === 'aborted') return
  if (body === 'too-large') {
    res.setHeader('connection', 'close')
    return error(res, requestId, 413, 'PayloadTooLargeException', `Data must be at most ${MAX_POST_TO_CONNECTION_BYTES} bytes`)
  }
  const iam = snapshot.config.iam
  if (iam !== null) {
    const verdict = verifySigV4(
      { method: req.method ?? 'GET', rawPath: rawPathname, rawQueryString, headers: headerPairs(req.rawHeaders), body },
      { region: snapshot.config.region, now: Date.now(), clockSkewMs: iam.clockSkewMs, allowSessionTokens: iam.allowSessionTokens, credentials: (id) => iam.credentials.get(id) }
    )
    if (!verdict.ok) return error(res, requestId, 403, 'ForbiddenException', 'Forbidden')
  } else if (!ws.loopbackOnly && !snapshot.config.connectionsApi.allowUnsigned) {
    const signed = req.headers.authorization !== undefined || /(?:^|&)X-Amz-Signature=/i.test(rawQueryString)
    const refusal = signed ? UNRECOGNIZED_SIGNATURE : UNAUTHENTICATED_CALL
    return error(res, requestId, refusal.status, refusal.type, refusal.message)
  }
  const method = req.method
  if (method !== 'POST' && method !== 'GET' && method !== 'DELETE') return error(res, requestId, 405, 'MethodNotAllowedException', 'Use POST, GET or DELETE')
  const local = ws.connection(connectionId)
  const directory = ws.directory
  // Held here, or (with Redis) by another node, which answers through the directory.
  const outcome: ForwardOutcome =
    local !== undefined || directory === null ? manageConnection(local, api.apiId, method, body) : await directory.forward(api.apiId, connectionId, method, body)
  switch (outcome.kind) {
    case 'ok':
      return reply(res, requestId, outcome.status, outcome.json)
    case 'gone':
      return gone(res, requestId)
    case 'unavailable':
      return error(res, requestId, CLUSTER_UNAVAILABLE.status, CLUSTER_UNAVAILABLE.type, `The connection's node could not be reached: ${outcome.reason}`)
  }
}

/**
 * An `@connections` call without a signature, refused (no `iam` credentials, a non-loopback
 * listener, no `allowUnsigned`): AWS's answer to an unsigned call to a signed AWS API.
 */
export const UNAUTHENTICATED_CALL = { status: 403, type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' } as const
/**
 * A signed `@connections` call when no `iam` credentials are configured to check it against:
 * AWS's answer for an access key it does not know.
 */
export const UNRECOGNIZED_SIGNATURE = { status: 403, type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' } as const

/**
 * A connection held by another node that cannot be reached (Redis down, node not answering):
 * neither known gone nor delivered `[EMU]`. 503 with a type the SDK reports by name.
 */
export const CLUSTER_UNAVAILABLE = { status: 503, type: 'ServiceUnavailableException' } as const

function reply(res: ServerResponse, requestId: string, status: number, json?: string): void {
  const headers: string[] = ['x-amzn-RequestId', requestId]
  if (json !== undefined) headers.push('content-type', 'application/json', 'content-length', String(Buffer.byteLength(json)))
  else if (status !== 204) headers.push('content-length', '0')
  res.writeHead(status, headers)
  res.end(json)
}

/** `410` with an empty body: what AWS sends (spec 11.3); the header names the exception. */
function gone(res: ServerResponse, requestId: string): void {
  res.writeHead(410, ['x-amzn-RequestId', requestId, 'x-amzn-ErrorType', 'GoneException', 'content-length', '0'])
  res.end()
}

function error(res: ServerResponse, requestId: string, status: number, type: string, message: string): void {
  const body = JSON.stringify({ message })
  res.writeHead(status, [
    'x-amzn-RequestId', requestId,
    'x-amzn-ErrorType', type,
    'content-type', 'application/json',
    'content-length', String(Buffer.byteLength(body)),
  ])
  res.end(body)
}

/**
 * What the HTTP listeners hand this plane: `Upgrade: websocket` requests, and the
 * `@connections` management API while the snapshot has WebSocket APIs.
 */
export function webSocketPlane(holder: SnapshotSource, ws: WebSocketGateway): {
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  claims(req: IncomingMessage): boolean
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>
} {
  return {
    upgrade: (req, socket, head) => ws.upgrade(req, socket, head),
    claims: (req) => holder.current.websocketApis.size > 0 && isConnectionsRequest(req.url),
    handle: (req, res) => handleConnectionsRequest(req, res, holder, ws),
  }
}
