/**
 * @module
 * The compiled form of a WebSocket API in a runtime snapshot (spec 10), and the data its
 * routes work on. A route's integration is something with `invoke`; `websocket/` implements
 * Lambda, HTTP and MOCK integrations and runs connections.
 */
import type { WebSocketIdentitySource } from './config.js'
import type { FunctionInvoker } from './functions.js'
import type { CompiledAccessLog } from './observability.js'
import type { ThrottleLayer } from './throttling.js'

/** Who a WebSocket connection is, as events, templates and access logs read it. */
export interface WebSocketConnectionInfo {
  readonly connectionId: string
  readonly apiId: string
  readonly stageName: string
  readonly domainName: string
  readonly sourceIp: string
  readonly userAgent: string
  /** The upgrade request's headers in original case, in order (the CONNECT event's). */
  readonly handshakeHeaders: ReadonlyArray<readonly [string, string]>
  readonly query: ReadonlyArray<readonly [string, string]>
  /** Epoch ms, the same in every event of the connection. */
  readonly connectedAt: number
  readonly lastActiveAt: number
  /** `$connect` authorizer output (`principalId` and context), or `null`. */
  readonly authorizer: Record<string, unknown> | null
  /** The API key `$connect` accepted (`$context.identity.apiKey`), or `null`. */
  readonly apiKey: string | null
}

/** One event of a connection that a route handles. */
export interface WebSocketRequestSource {
  readonly connection: WebSocketConnectionInfo
  readonly routeKey: string
  readonly eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT'
  readonly requestId: string
  readonly messageId: string | null
  readonly body: string | null
  readonly stageVariables: Readonly<Record<string, string>> | null
  /** Epoch ms of the event (`$context.requestTimeEpoch`). */
  readonly requestTimeEpoch?: number
}

export interface WebSocketRouteResult {
  readonly statusCode: number
  readonly headers: ReadonlyArray<readonly [string, string]>
  /** The `body` string, or `null` when there is none. */
  readonly body: string | null
}

export type RouteOutcome = { ok: true; result: WebSocketRouteResult } | { ok: false; reason: string; timeout: boolean }

/** What a route invokes: a Lambda function, an HTTP backend or a mock. */
export interface CompiledWebSocketIntegration {
  readonly kind: 'lambda' | 'http' | 'mock' | 'aws'
  /** `event` builds the Lambda event (only a Lambda integration calls it). */
  invoke(event: () => Record<string, unknown>, source: WebSocketRequestSource): Promise<RouteOutcome>
}

/** Picks a route key from a message (the route selection expression), or `null`. */
export type RouteKeySelector = (message: string) => string | null

/** One access-log line's worth of a WebSocket event. */
export interface WebSocketLogRecord {
  readonly connection: WebSocketConnectionInfo
  readonly eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT'
  /** `null` when no route took the message. */
  readonly routeKey: string | null
  readonly requestId: string
  readonly messageId: string | null
  readonly requestTimeEpoch: number
  /** 200 for a handled event; the refusal status or error frame's status otherwise. */
  readonly status: number
  /** Gateway error (`$context.error.message`), or `null`. */
  readonly errorMessage: string | null
  readonly errorResponseType: string | null
  /** ms, or -1 when no integration ran. */
  readonly integrationLatency: number
  readonly integrationStatus: number
  readonly integrationError: string
}

export interface CompiledWebSocketRoute {
  readonly routeKey: string
  /** `null` for a route without an integration (nothing is invoked). */
  readonly integration: CompiledWebSocketIntegration | null
  readonly twoWay: boolean
  /** Route (or stage default) and account buckets, or `null` when none applies. */
  readonly throttle: readonly ThrottleLayer[] | null
}

export interface CompiledWebSocketAuthorizer {
  readonly authorizerId: string
  readonly pool: FunctionInvoker
  readonly identitySources: readonly WebSocketIdentitySource[]
}

export interface CompiledWebSocketStage {
  readonly stageName: string
  readonly stageVariables: Readonly<Record<string, string>> | null
  /** Custom routes and `$default`, by key. */
  readonly routes: ReadonlyMap<string, CompiledWebSocketRoute>
  readonly connect: CompiledWebSocketRoute | null
  readonly connectAuthorizer: CompiledWebSocketAuthorizer | null
  readonly disconnect: CompiledWebSocketRoute | null
  /** The keys `$connect` accepts when it requires one (`apiKeyRequired`), else `null`. */
  readonly apiKeys: ReadonlySet<string> | null
  /** Where `$connect` reads the key. */
  readonly apiKeySource: 'header' | 'authorizer'
  /** `accessLogSettings` with the WebSocket variables, or `null`. */
  readonly accessLog: CompiledAccessLog<WebSocketLogRecord> | null
  /** Buckets a new connection takes from (the `$connect` route's settings), even without a `$connect` route. */
  readonly connectThrottle: readonly ThrottleLayer[] | null
}

export interface CompiledWebSocketApi {
  readonly apiId: string
  readonly name: string
  readonly selectRoute: RouteKeySelector
  readonly stages: ReadonlyMap<string, CompiledWebSocketStage>
}
