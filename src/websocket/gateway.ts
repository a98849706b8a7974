/**
 * @module
 * WebSocket APIs on the gateway's listeners (spec 10): the upgrade is accepted only after
 * the `$connect` authorizer and integration succeed; each text message is routed by the
 * API's route selection expression and invokes its function; `$disconnect` runs after
 * every close, best effort. Connections outlive reloads: each message looks its API and
 * stage up in the current snapshot.
 */
import { validateHeaderName, validateHeaderValue, type IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { createRequire } from 'node:module'
import type { WebSocketServer, WebSocket } from 'ws'
import { headerPairs, hostName } from '../util/index.js'
import { newRequestId, newTraceId } from '../util/index.js'
import { FORWARDED_FOR_SEPARATOR, queryParameters } from '../integrations/index.js'
import type { Logger } from '../logging/index.js'
import { splitTarget } from '../routing/index.js'
import type { ConnectionInspector, RuntimeSnapshot, SnapshotSource } from '../model/index.js'
import { authorizeConnect } from './authorizer.js'
import type { CompiledWebSocketApi, CompiledWebSocketIntegration, CompiledWebSocketRoute, CompiledWebSocketStage, WebSocketRequestSource } from '../model/index.js'
import { Connection } from './connection.js'
import { forbiddenFrame, internalErrorFrame, throttledFrame } from './error-frames.js'
import { connectEvent, disconnectEvent, messageEvent, type EventBase } from './events.js'
import { API_KEY_REFUSED_STATUS, CONNECT_FAILURE_STATUS, refuseUpgrade, THROTTLED_STATUS, UNKNOWN_STAGE_STATUS } from './handshake.js'
import type { RouteOutcome } from './lambda.js'
import type { WebSocketLogRecord } from './context-variables.js'
import type { NodeDirectory } from './cluster.js'
import { manageConnection } from './manage.js'
import { enforceFrameLimit } from './frame-limit.js'
import { CLOSE_UNSUPPORTED_DATA, DEFAULT_WEBSOCKET_LIMITS, MAX_MESSAGE_BYTES, type WebSocketLimits } from './limits.js'

const require = createRequire(import.meta.url)

const EXECUTE_API_LABEL = '.execute-api.'
const FORBIDDEN_KEY = { message: 'Forbidden', type: 'INVALID_API_KEY' } as const
const INTEGRATION_FAILED = { message: 'Internal server error', type: 'INTEGRATION_FAILURE' } as const
/** Handshake data carried from the `$connect` outcome to ws's `headers`/`handleProtocols` hooks. */
const HANDSHAKE = Symbol('gatehouse.handshake')
type HandshakeRequest = IncomingMessage & { [HANDSHAKE]?: { headers: ReadonlyArray<readonly [string, string]>; protocol: string | undefined } }

export class WebSocketGateway {
  readonly #holder: SnapshotSource
  readonly #logger: Logger
  readonly #limits: WebSocketLimits
  readonly #connections = new Map<string, Connection>()
  /** Created on the first upgrade: a gateway without WebSocket clients never loads `ws` (start time, issue 16). */
  #wss: WebSocketServer | null = null
  #warnedFrameLimit = false

  /** Where connections of other nodes are found (Redis), or `null` for a single node. */
  readonly directory: NodeDirectory | null
  /**
   * Whether every listener serving `@connections` is bound to a loopback address; set by the
   * gateway once it listens. Unsigned management calls are accepted only then (or when the
   * config's `connectionsApi.allowUnsigned` says so) while no `iam` credentials exist.
   */
  loopbackOnly = true

  constructor(holder: SnapshotSource, logger: Logger, limits: Partial<WebSocketLimits> = {}, directory: NodeDirectory | null = null) {
    this.#holder = holder
    this.directory = directory
    directory?.serve((apiId, connectionId, method, body) => manageConnection(this.connection(connectionId), apiId, method, body))
    this.#logger = logger
    this.#limits = { ...DEFAULT_WEBSOCKET_LIMITS, ...limits }
  }

  #server(): WebSocketServer {
    if (this.#wss !== null) return this.#wss
    const { WebSocketServer } = require('ws') as typeof import('ws')
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_MESSAGE_BYTES,
      // No extension is negotiated `[UNCONFIRMED]` (spec 10.1).
      perMessageDeflate: false,
      clientTracking: false,
      // API Gateway never picks a subprotocol itself: only the `$connect` answer's choice.
      handleProtocols: (_protocols, req) => protocolOf(req as HandshakeRequest) ?? false,
    })
    wss.on('headers', (headers: string[], req: IncomingMessage) => {
      for (const [name, value] of (req as HandshakeRequest)[HANDSHAKE]?.headers ?? []) headers.push(`${name}: ${value}`)
    })
    this.#wss = wss
    return wss
  }

  /** A connection by id (`@connections`), or `undefined` when unknown or closed. */
  connection(connectionId: string): Connection | undefined {
    const c = this.#connections.get(connectionId)
    return c?.isOpen === true ? c : undefined
  }

  get size(): number {
    return this.#connections.size
  }

  /** The connections this node holds, open or closing (the console lists them). */
  connections(): IterableIterator<Connection> {
    return this.#connections.values()
  }

  /** Told of every message while a console watches; set by `gateway.ts`. */
  inspector: ConnectionInspector | null = null

  /** The listeners' `upgrade` event. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy())
    this.#handshake(req, socket, head).catch((err: unknown) => {
      this.#logger.error('WebSocket handshake failed inside the gateway', { error: err })
      refuseUpgrade(socket, 500, newRequestId())
    })
  }

  /** Closes every connection (shutdown); `$disconnect` still runs for each. */
  closeAll(code = 1001, reason = 'Going away'): void {
    for (const c of this.#connections.values()) c.close(code, reason)
  }

  async #handshake(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const requestId = newRequestId()
    const snapshot = this.#holder.current
    const { rawPathname, rawQueryString } = splitTarget(req.url ?? '/')
    const host = req.headers.host ?? ''
    const domainName = hostName(host)
    // On the HTTPS listener, a custom domain name serves the WebSocket stage its API mapping
    // names: wss://{domain}/{mappingKey} (spec 10.1); elsewhere the path is the stage.
    const custom = 'encrypted' in req.socket ? snapshot.domains.find(domainName) : null
    let api: CompiledWebSocketApi | null | undefined
    let stage: CompiledWebSocketStage | undefined
    if (custom !== null) {
      const key = /^\/([^/]*)\/?$/.exec(rawPathname)?.[1]
      const mapping = key === undefined ? undefined : custom.websocketMappings.get(safeDecode(key))
      api = mapping?.api
      stage = mapping?.stage
    } else {
      api = webSocketApiFor(snapshot, domainName)
      const stageName = /^\/([^/]+)\/?$/.exec(rawPathname)?.[1]
      stage = stageName === undefined ? undefined : api?.stages.get(safeDecode(stageName))
    }
    if (api == null || stage === undefined) return refuseUpgrade(socket, UNKNOWN_STAGE_STATUS, requestId)

    const remote = req.socket.remoteAddress ?? ''
    const sourceIp = remote.startsWith('::ffff:') ? remote.slice(7) : remote
    const requestTimeEpoch = Date.now()
    const connection = new Connection({
      connectionId: newRequestId(),
      apiId: api.apiId,
      stageName: stage.stageName,
      domainName,
      sourceIp,
      userAgent: req.headers['user-agent'] ?? '',
      handshakeHeaders: withForwardedHeaders(headerPairs(req.rawHeaders), {
        sourceIp,
        port: req.socket.localPort ?? 0,
        scheme: 'encrypted' in req.socket ? 'https' : 'http',
        requestTimeEpoch,
      }),
      query: queryParameters(rawQueryString),
    })
    this.#watchSecrets(connection, req.rawHeaders, socket)
    const base: EventBase = { connection, routeKey: '$connect', requestId, requestTimeEpoch }
    let integrationLatency = -1
    let integrationStatus = -1
    let integrationError = ''
    const log = (status: number, error: { message: string; type: string } | null): void =>
      this.#log(stage, {
        connection,
        eventType: 'CONNECT',
        routeKey: '$connect',
        requestId,
        messageId: null,
        requestTimeEpoch: base.requestTimeEpoch,
        status,
        errorMessage: error?.message ?? null,
        errorResponseType: error?.type ?? null,
        integrationLatency,
        integrationStatus,
        integrationError,
      })
    const refuse = (status: number, error: { message: string; type: string }, body?: string | null): void => {
      log(status, error)
      refuseUpgrade(socket, status, requestId, body)
    }

    // New connections take from the `$connect` route's buckets before anything runs (spec 10.1).
    if (stage.connectThrottle !== null && !(await snapshot.limiter.take(stage.connectThrottle))) {
      return refuse(THROTTLED_STATUS, { message: 'Too Many Requests', type: 'THROTTLED' })
    }
    // API key from the header: checked before the authorizer (spec 10.1 step 2).
    if (stage.apiKeys !== null && stage.apiKeySource === 'header') {
      const key = req.headers['x-api-key']
      if (typeof key !== 'string' || !stage.apiKeys.has(key)) return refuse(API_KEY_REFUSED_STATUS, FORBIDDEN_KEY)
      connection.apiKey = key
    }
    if (stage.connectAuthorizer !== null) {
      const auth = await authorizeConnect(stage.connectAuthorizer, { ...base, region: snapshot.config.region, accountId: snapshot.config.accountId }, stage.stageVariables)
      if (!auth.ok) {
        this.#logger.debug('WebSocket $connect refused by the authorizer', { requestId, reason: auth.reason })
        const type = auth.status === 401 ? 'UNAUTHORIZED' : auth.status === 403 ? 'ACCESS_DENIED' : 'AUTHORIZER_FAILURE'
        return refuse(auth.status, { message: auth.status === 401 ? 'Unauthorized' : auth.status === 403 ? 'Forbidden' : 'Internal server error', type })
      }
      connection.authorizer = auth.authorizer
      if (stage.apiKeys !== null && stage.apiKeySource === 'authorizer') {
        const key = auth.usageIdentifierKey
        if (key === undefined || !stage.apiKeys.has(key)) return refuse(API_KEY_REFUSED_STATUS, FORBIDDEN_KEY)
        connection.apiKey = key
      }
    } else if (stage.apiKeys !== null && stage.apiKeySource === 'authorizer') {
      // The key is to come from an authorizer the route does not have.
      return refuse(API_KEY_REFUSED_STATUS, FORBIDDEN_KEY)
    }

    let handshake: ReadonlyArray<readonly [string, string]> = []
    let protocol: string | undefined
    const connect = stage.connect
    if (connect !== null && connect.integration !== null) {
      const started = performance.now()
      const outcome = await runRoute(connect.integration, () => connectEvent(base, stage.stageVariables), {
        ...base,
        eventType: 'CONNECT',
        messageId: null,
        body: null,
        stageVariables: stage.stageVariables,
      })
      integrationLatency = Math.round(performance.now() - started)
      if (!outcome.ok) {
        const report = isTemplateFailure(outcome.reason) ? this.#logger.warn.bind(this.#logger) : this.#logger.debug.bind(this.#logger)
        report('WebSocket $connect integration failed', { requestId, routeKey: '$connect', reason: outcome.reason })
        integrationError = outcome.reason
        return refuse(CONNECT_FAILURE_STATUS, INTEGRATION_FAILED)
      }
      const { statusCode, headers, body } = outcome.result
      integrationStatus = statusCode
      if (statusCode < 200 || statusCode > 599) {
        integrationError = `The $connect integration answered status ${statusCode}`
        return refuse(CONNECT_FAILURE_STATUS, INTEGRATION_FAILED)
      }
      if (statusCode < 200 || statusCode > 299) return refuse(statusCode, { message: 'The $connect integration refused the connection', type: 'INTEGRATION_RESPONSE' }, body ?? '')
      handshake = handshakeHeaders101(headers)
      protocol = headers.find(([n]) => n.toLowerCase() === 'sec-websocket-protocol')?.[1]
    }
    if (socket.destroyed) return
    log(200, null)
    ;(req as HandshakeRequest)[HANDSHAKE] = { headers: handshake, protocol }
    this.#server().handleUpgrade(req, socket, head, (ws) => this.#opened(ws, connection))
  }

  /**
   * The console masks function log lines with the handshake's secret header values for as long
   * as the connection lives. A handshake that never opens (refused, failed, or its socket gone)
   * forgets them when its socket closes; an open connection forgets them after `$disconnect` ran.
   */
  #watchSecrets(connection: Connection, rawHeaders: readonly string[], socket: Duplex): void {
    const inspector = this.inspector
    if (inspector === null || socket.destroyed) return
    inspector.connecting(connection.connectionId, rawHeaders)
    socket.once('close', () => {
      if (!connection.opened) inspector.disconnected(connection.connectionId)
    })
  }

  #opened(ws: WebSocket, connection: Connection): void {
    if (!enforceFrameLimit(ws) && !this.#warnedFrameLimit) {
      this.#warnedFrameLimit = true
      this.#logger.warn('The installed ws version does not allow the 32 KB frame limit; only the 128 KB message limit holds')
    }
    this.#connections.set(connection.connectionId, connection)
    connection.inspector = this.inspector
    this.directory?.register(connection.connectionId)
    connection.open(ws, this.#limits)
    ws.on('error', (err) => this.#logger.debug('WebSocket error', { connectionId: connection.connectionId, error: err.message }))
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        // Binary frames are not supported (spec 10.2).
        connection.close(CLOSE_UNSUPPORTED_DATA, 'Binary frames are not supported')
        return
      }
      connection.touch()
      const text = data.toString('utf8')
      connection.received(text)
      this.#message(connection, text).catch((err: unknown) => {
        this.#logger.error('WebSocket message failed inside the gateway', { connectionId: connection.connectionId, error: err })
      })
    })
    ws.once('close', (code: number, reason: Buffer) => {
      this.#connections.delete(connection.connectionId)
      this.directory?.unregister(connection.connectionId)
      connection.dispose()
      this.#disconnected(connection, code, reason.toString('utf8'))
        .catch((err: unknown) => {
          this.#logger.error('$disconnect failed inside the gateway', { connectionId: connection.connectionId, error: err })
        })
        .finally(() => this.inspector?.disconnected(connection.connectionId))
    })
  }

  async #message(connection: Connection, text: string): Promise<void> {
    const requestId = newRequestId()
    const found = this.#stageOf(connection)
    if (found === null) {
      connection.close(1001, 'The API is no longer configured')
      return
    }
    const { api, stage } = found
    const key = api.selectRoute(text)
    const route: CompiledWebSocketRoute | undefined = (key === null ? undefined : stage.routes.get(key)) ?? stage.routes.get('$default')
    const messageId = newRequestId()
    const requestTimeEpoch = Date.now()
    const log = (status: number, error: { message: string; type: string } | null, integration?: { latency: number; status: number; error: string }): void =>
      this.#log(stage, {
        connection,
        eventType: 'MESSAGE',
        routeKey: route?.routeKey ?? null,
        requestId,
        messageId,
        requestTimeEpoch,
        status,
        errorMessage: error?.message ?? null,
        errorResponseType: error?.type ?? null,
        integrationLatency: integration?.latency ?? -1,
        integrationStatus: integration?.status ?? -1,
        integrationError: integration?.error ?? '',
      })
    if (route === undefined) {
      connection.send(forbiddenFrame(connection.connectionId, requestId))
      return log(403, { message: 'Forbidden', type: 'MISSING_AUTHENTICATION_TOKEN' })
    }
    if (route.throttle !== null && !(await this.#holder.current.limiter.take(route.throttle))) {
      connection.send(throttledFrame(connection.connectionId, requestId))
      return log(429, { message: 'Too Many Requests', type: 'THROTTLED' })
    }
    if (route.integration === null) return log(200, null)
    const base: EventBase = { connection, routeKey: route.routeKey, requestId, requestTimeEpoch }
    const started = performance.now()
    const outcome = await runRoute(route.integration, () => messageEvent(base, messageId, text, stage.stageVariables), {
      ...base,
      eventType: 'MESSAGE',
      messageId,
      body: text,
      stageVariables: stage.stageVariables,
    })
    const latency = Math.round(performance.now() - started)
    if (!outcome.ok) {
      // A template that fails to render is a configuration bug worth seeing; other failures are the backend's.
      const report = isTemplateFailure(outcome.reason) ? this.#logger.warn.bind(this.#logger) : this.#logger.debug.bind(this.#logger)
      report('WebSocket route integration failed', { requestId, routeKey: route.routeKey, reason: outcome.reason })
      connection.send(internalErrorFrame(connection.connectionId, requestId))
      return log(500, INTEGRATION_FAILED, { latency, status: -1, error: outcome.reason })
    }
    // Only a two-way route (a `$default` route response) sends the function's body back.
    if (route.twoWay && outcome.result.body !== null) connection.send(outcome.result.body)
    log(200, null, { latency, status: outcome.result.statusCode, error: '' })
  }

  async #disconnected(connection: Connection, code: number, reason: string): Promise<void> {
    const found = this.#stageOf(connection)
    const route = found?.stage.disconnect
    if (found == null) return
    const base: EventBase = { connection, routeKey: '$disconnect', requestId: newRequestId(), requestTimeEpoch: Date.now() }
    const record = (integration?: { latency: number; status: number; error: string }): WebSocketLogRecord => ({
      connection,
      eventType: 'DISCONNECT',
      routeKey: '$disconnect',
      requestId: base.requestId,
      messageId: null,
      requestTimeEpoch: base.requestTimeEpoch,
      status: 200,
      errorMessage: null,
      errorResponseType: null,
      integrationLatency: integration?.latency ?? -1,
      integrationStatus: integration?.status ?? -1,
      integrationError: integration?.error ?? '',
    })
    if (route == null || route.integration === null) return this.#log(found.stage, record())
    const stageVariables = found.stage.stageVariables
    const started = performance.now()
    const outcome = await runRoute(route.integration, () => disconnectEvent(base, code, reason, stageVariables), {
      ...base,
      eventType: 'DISCONNECT',
      messageId: null,
      body: null,
      stageVariables,
    })
    if (!outcome.ok) this.#logger.debug('$disconnect integration failed', { connectionId: connection.connectionId, reason: outcome.reason })
    const latency = Math.round(performance.now() - started)
    this.#log(found.stage, record(outcome.ok ? { latency, status: outcome.result.statusCode, error: '' } : { latency, status: -1, error: outcome.reason }))
  }

  #log(stage: CompiledWebSocketStage, record: WebSocketLogRecord): void {
    const accessLog = stage.accessLog
    if (accessLog !== null) accessLog.sink.write(accessLog.format(record))
  }

  #stageOf(connection: Connection): { api: CompiledWebSocketApi; stage: CompiledWebSocketStage } | null {
    const api = this.#holder.current.websocketApis.get(connection.apiId)
    const stage = api?.stages.get(connection.stageName)
    return api === undefined || stage === undefined ? null : { api, stage }
  }
}

/** Invokes a route's integration (a function gets the event `event()` builds). */
function runRoute(integration: CompiledWebSocketIntegration, event: () => Record<string, unknown>, source: WebSocketRequestSource): Promise<RouteOutcome> {
  return integration.invoke(event, source)
}

/** Render errors of mapping templates (mock-integration.ts prefixes them so). */
function isTemplateFailure(reason: string): boolean {
  return reason.startsWith('request template:') || reason.startsWith('integration response template:')
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

/** `{apiId}.execute-api.*`, or the only WebSocket API. */
/**
 * The WebSocket API and stage an `@connections` URL (`/{segment}/@connections/{id}`) names:
 * on a custom domain name, the mapping whose key is the segment, else the mapped stage of
 * that name (AWS's samples build the URL from `domainName` and `stage`); elsewhere the API
 * the host names and its stage.
 */
export function webSocketStageFor(snapshot: RuntimeSnapshot, domainName: string, segment: string): { api: CompiledWebSocketApi; stage: CompiledWebSocketStage } | null {
  const custom = snapshot.domains.find(domainName)
  if (custom !== null && custom.websocketMappings.size > 0) {
    const mapping = custom.websocketMappings.get(segment) ?? [...custom.websocketMappings.values()].find((m) => m.stage.stageName === segment)
    return mapping === undefined ? null : { api: mapping.api, stage: mapping.stage }
  }
  const api = webSocketApiFor(snapshot, domainName)
  const stage = api?.stages.get(segment)
  return api == null || stage === undefined ? null : { api, stage }
}

export function webSocketApiFor(snapshot: RuntimeSnapshot, domainName: string): CompiledWebSocketApi | null {
  const host = domainName.toLowerCase()
  const at = host.indexOf(EXECUTE_API_LABEL)
  if (at > 0) return snapshot.websocketApis.get(host.slice(0, at)) ?? null
  return snapshot.soleWebSocketApi
}

/** Headers of the 101 the gateway owns, or that cannot follow a protocol switch. */
const NOT_IN_101 = new Set(['connection', 'upgrade', 'sec-websocket-accept', 'sec-websocket-extensions', 'sec-websocket-protocol', 'content-length', 'transfer-encoding', 'keep-alive', 'te', 'trailer', 'date'])

/** The `$connect` answer's headers that may go into the 101: valid names and values, none the handshake owns. */
function handshakeHeaders101(headers: ReadonlyArray<readonly [string, string]>): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = []
  for (const [name, value] of headers) {
    if (NOT_IN_101.has(name.toLowerCase())) continue
    try {
      validateHeaderName(name)
      validateHeaderValue(name, value)
    } catch {
      continue
    }
    out.push([name, value])
  }
  return out
}

function protocolOf(req: HandshakeRequest): string | undefined {
  return req[HANDSHAKE]?.protocol
}

/**
 * The upgrade request's headers as AWS hands them to `$connect` (spec 10.4): the client's
 * own, then `X-Amzn-Trace-Id` (the client's, else a new one), `X-Forwarded-For` (the client's
 * chain with the client address appended), `X-Forwarded-Port` and `X-Forwarded-Proto` (the
 * gateway's own, replacing any the client sent), in AWS's name case.
 */
function withForwardedHeaders(
  pairs: ReadonlyArray<readonly [string, string]>,
  via: { readonly sourceIp: string; readonly port: number; readonly scheme: 'http' | 'https'; readonly requestTimeEpoch: number }
): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = []
  let forwardedFor: string | undefined
  let traceId: string | undefined
  for (const pair of pairs) {
    switch (pair[0].toLowerCase()) {
      case 'x-forwarded-port':
      case 'x-forwarded-proto':
        continue
      case 'x-forwarded-for':
        forwardedFor = forwardedFor === undefined ? pair[1] : `${forwardedFor}, ${pair[1]}`
        continue
      case 'x-amzn-trace-id':
        traceId ??= pair[1]
        continue
    }
    out.push(pair)
  }
  out.push(['X-Amzn-Trace-Id', traceId ?? newTraceId(via.requestTimeEpoch)])
  out.push(['X-Forwarded-For', forwardedFor === undefined ? via.sourceIp : forwardedFor + FORWARDED_FOR_SEPARATOR + via.sourceIp])
  out.push(['X-Forwarded-Port', String(via.port)])
  out.push(['X-Forwarded-Proto', via.scheme])
  return out
}
