/**
 * @module
 * The data-plane listener: one `node:http` server whose request handler reads the current
 * snapshot once, runs the pipeline and writes the reply exactly once, with
 * `apigw-requestid` on every response. A failure inside the gateway is answered in AWS's
 * shape (500 `{"message":"Internal Server Error"}`) and logged; it never reaches the client
 * as a stack trace and never stops the process.
 */
import { createServer, ServerResponse, STATUS_CODES, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { GatewayResponses } from '../errors/index.js'
import type { Logger } from '../logging/index.js'
import type { GatewayResponse, Reply, RequestInspector, RequestTrace, SnapshotSource } from '../model/index.js'
import { HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, NODE_MAX_HEADER_SIZE, REQUEST_TIMEOUT_MS } from './limits.js'
import { processRequest } from './pipeline.js'
import { createHttpsListener } from './https-listener.js'
import type { Server as HttpsServer } from 'node:https'
import type { Duplex } from 'node:stream'
import { localReply } from '../errors/index.js'
import { RequestContext } from './request-context.js'
import { firstHeader, newRequestId } from '../util/index.js'

export interface DataPlane {
  readonly server: Server
  /** Requests currently being processed, on every listener. */
  readonly inFlight: () => number
  /** The HTTPS listener for custom domain names, or `null` when none is configured. */
  https: HttpsServer | null
  /** Starts the HTTPS listener (not yet listening) that serves custom domain names by SNI. */
  createHttpsListener(): HttpsServer
}

/**
 * The WebSocket plane as the HTTP listeners see it: it takes `Upgrade: websocket` requests and
 * the `@connections` management API, which share the listeners (spec 11.1). `gateway.ts` wires
 * `websocket/` in, so the two planes stay siblings.
 */
export interface UpgradePlane {
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Whether a plain request is for the plane (an `@connections` URL while WebSocket APIs exist). */
  claims(req: IncomingMessage): boolean
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>
}

export function createDataPlane(holder: SnapshotSource, logger: Logger, websocket: UpgradePlane, inspector: RequestInspector | null = null): DataPlane {
  let inFlight = 0
  // Every request ends in exactly one `send` call (even when the client has gone), so the
  // count needs no per-request listener; a streamed body counts until it ends.
  const finish = (res: ServerResponse, ctx: RequestContext, reply: Reply): void => {
    // CORS headers are the API's, whoever produced the reply (spec 8.2).
    const cors = ctx.api?.cors
    const decorated = cors == null ? reply : cors.decorate(ctx, reply)
    const sent = send(res, ctx, decorated, logger)
    if (sent.stream === undefined) {
      inFlight--
      observe(ctx, sent, sent.body.length)
      if (ctx.trace !== null) inspector?.record(ctx, sent, sent.body.length)
      return
    }
    sent.stream.pipe(res, (length) => {
      inFlight--
      observe(ctx, sent, length)
      if (ctx.trace !== null) inspector?.record(ctx, sent, length)
    })
  }
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    // The WebSocket management API shares the listeners (spec 11.1).
    if (websocket.claims(req)) {
      inFlight++
      websocket
        .handle(req, res)
        .catch((err: unknown) => {
          logger.error('@connections request failed inside the gateway', { error: err })
          if (!res.headersSent) res.writeHead(500, ['content-type', 'application/json', 'x-amzn-ErrorType', 'InternalServerErrorException'])
          res.end('{"message":"Internal Server Error"}')
        })
        .finally(() => inFlight--)
      return
    }
    inFlight++
    const socket = req.socket
    const host = firstHeader(req.rawHeaders, 'host')
    if (host === undefined && req.httpVersion === '1.1') {
      const requestId = newRequestId()
      res.shouldKeepAlive = false
      const bad = GatewayResponses.BAD_REQUEST
      res.writeHead(bad.statusCode, ['content-type', 'application/json', 'content-length', String(bad.body.length), 'apigw-requestid', requestId])
      res.end(bad.body, () => inFlight--)
      return
    }
    const ctx = new RequestContext({
      requestId: newRequestId(),
      method: req.method ?? 'GET',
      rawHeaders: req.rawHeaders,
      sourceIp: clientIp(socket),
      host: host ?? '',
      localPort: socket.localPort ?? 0,
      scheme: 'encrypted' in socket ? 'https' : 'http',
      tlsSocket: 'encrypted' in socket ? (socket as TLSSocket) : null,
    })
    if (inspector !== null && inspector.active) {
      ctx.trace = emptyTrace()
      inspector.started(ctx)
    }
    let reply: Reply | Promise<Reply>
    try {
      reply = processRequest(ctx, req, holder.current)
    } catch (err) {
      reply = internalError(ctx, logger, err)
    }
    if (reply instanceof Promise) {
      reply.then(
        (r) => finish(res, ctx, r),
        (err: unknown) => finish(res, ctx, internalError(ctx, logger, err))
      )
    } else {
      finish(res, ctx, reply)
    }
  }
  const serverOptions = {
    maxHeaderSize: NODE_MAX_HEADER_SIZE,
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // An HTTP/1.1 request without Host is refused below in AWS's shape, not with Node's bare 400.
    requireHostHeader: false,
  }
  const server = createServer(serverOptions, onRequest)
  server.on('clientError', onClientError)
  server.on('connect', onConnect)
  // Only `Upgrade: websocket` is a handshake; any other upgrade offer (curl's h2c) is declined
  // by answering the request as plain HTTP/1.1, as Node does without an upgrade listener.
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if ((req.headers.upgrade ?? '').toLowerCase() === 'websocket') return websocket.upgrade(req, socket, head)
    if (head.length > 0) socket.unshift(head)
    const res = new ServerResponse(req)
    res.shouldKeepAlive = false
    res.assignSocket(socket as Socket)
    res.on('finish', () => {
      res.detachSocket(socket as Socket)
      socket.end()
    })
    onRequest(req, res)
  }
  server.on('upgrade', onUpgrade)
  const plane: DataPlane = {
    server,
    inFlight: () => inFlight,
    https: null,
    createHttpsListener() {
      const https = createHttpsListener(holder, serverOptions, onRequest, logger)
      https.on('clientError', onClientError)
      https.on('connect', onConnect)
      https.on('upgrade', onUpgrade)
      plane.https = https
      return https
    },
  }
  return plane
}

/**
 * A request Node's parser refuses is answered in AWS's shape (400 `{"message":"Bad Request"}`
 * or 431, with an `apigw-requestid`) wherever a response can still be written, and the
 * connection closed.
 */
function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy()
    return
  }
  const response = err.code === 'HPE_HEADER_OVERFLOW' ? GatewayResponses.REQUEST_HEADERS_TOO_LARGE : GatewayResponses.BAD_REQUEST
  const pending = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage
  if (pending != null) {
    // The parser failed after a request's headers (a malformed chunk size, an unknown
    // Transfer-Encoding): that request is already with the handler. If it is the one whose
    // body failed (still incomplete) and nothing was sent, answer it; the handler's own reply
    // later finds the headers sent and is dropped. An earlier pipelined request still awaiting
    // its answer would get the wrong response: then just close.
    if (!pending.headersSent && pending.req.complete === false) {
      pending.shouldKeepAlive = false
      pending.writeHead(response.statusCode, [
        'content-type', 'application/json', 'content-length', String(response.body.length), 'apigw-requestid', newRequestId(), 'connection', 'close',
      ])
      pending.end(response.body, () => socket.destroy())
      return
    }
    socket.destroy()
    return
  }
  socket.end(rawResponse(response, newRequestId()))
}

/**
 * `CONNECT` is not a method API Gateway serves (and Node hands it to a `connect` listener
 * or drops the socket): answer 400 `{"message":"Bad Request"}` and close.
 */
function onConnect(_req: IncomingMessage, socket: Duplex): void {
  socket.on('error', () => socket.destroy())
  socket.end(rawResponse(GatewayResponses.BAD_REQUEST, newRequestId()))
}

/** A whole HTTP/1.1 response for a socket the HTTP server no longer manages. */
function rawResponse(response: GatewayResponse, requestId: string): string {
  return (
    `HTTP/1.1 ${response.statusCode} ${STATUS_CODES[response.statusCode] ?? ''}\r\n` +
    `content-type: application/json\r\ncontent-length: ${response.body.length}\r\n` +
    `apigw-requestid: ${requestId}\r\nconnection: close\r\n\r\n${response.body.toString()}`
  )
}

function internalError(ctx: RequestContext, logger: Logger, err: unknown): Reply {
  logger.error('Request failed inside the gateway', { requestId: ctx.requestId, error: err })
  return localReply(GatewayResponses.INTERNAL_ERROR)
}

/**
 * After the response: its metrics, and its access-log line (only for requests that reached
 * a stage: AWS logs nothing for a request no stage serves, spec 2.2).
 */
function observe(ctx: RequestContext, sent: Reply, responseLength: number): void {
  ctx.status = sent.statusCode
  ctx.responseLength = responseLength
  ctx.error = sent.error
  ctx.responseLatency = Math.round(performance.now() - ctx.startedAt)
  const stage = ctx.stage
  if (stage === null) return
  ;(ctx.route?.metrics ?? stage.noRouteMetrics).record(sent.statusCode, ctx.responseLatency, ctx.integrationLatency, ctx.requestBodyLength + responseLength)
  const accessLog = stage.accessLog
  if (accessLog === null) return
  const line = accessLog.format(ctx)
  accessLog.sink.write(line)
  if (ctx.trace !== null) ctx.trace.accessLogLine = line
}

function emptyTrace(): RequestTrace {
  return { authorizer: null, lambda: null, requestMapping: null, upstream: null, accessLogLine: null }
}

/** Writes the reply; returns what was actually sent (a malformed integration reply becomes a 500). */
function send(res: ServerResponse, ctx: RequestContext, reply: Reply, logger: Logger): Reply {
  if (res.headersSent || res.destroyed) {
    if (reply.stream === undefined) return reply
    // Nobody will read a backend's body: release its connection.
    const { stream, ...unsent } = reply
    stream.discard()
    return unsent
  }
  const flat: string[] = []
  for (const [name, value] of reply.headers) flat.push(name, value)
  flat.push('apigw-requestid', ctx.requestId)
  const status = reply.statusCode
  // A streamed body keeps the backend's framing: its content-length if any, else chunked.
  if (status !== 204 && status !== 304 && status >= 200 && reply.stream === undefined) flat.push('content-length', String(reply.body.length))
  // An unread request body (413, or a route that never read it) must not be parsed as the next request.
  if (reply.error === GatewayResponses.REQUEST_TOO_LARGE) flat.push('connection', 'close')
  try {
    res.writeHead(status, flat)
  } catch (err) {
    // The function returned a header Node refuses to send (e.g. a newline in a value).
    ctx.integrationErrorMessage = `Malformed Lambda proxy response: ${(err as Error).message}`
    logger.debug('Integration response rejected', { requestId: ctx.requestId, reason: ctx.integrationErrorMessage })
    const fallback = localReply(GatewayResponses.INTEGRATION_FAILURE)
    res.writeHead(fallback.statusCode, [
      'content-type', 'application/json',
      'apigw-requestid', ctx.requestId,
      'content-length', String(fallback.body.length),
    ])
    res.end(fallback.body)
    reply.stream?.discard()
    return fallback
  }
  if (reply.stream === undefined) res.end(reply.body)
  return reply
}

function clientIp(socket: Socket): string {
  const ip = socket.remoteAddress ?? ''
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip
}

export function listeningUrl(server: Server, host: string): string {
  const address = server.address() as AddressInfo
  const shown = host.includes(':') ? `[${host}]` : host
  return `http://${shown}:${address.port}`
}
