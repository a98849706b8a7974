/**
 * @module
 * The compiled form of a WebSocket API in a runtime snapshot: per stage, the routes by key
 * with the pool of the function each invokes.
 */
import type { FunctionPool } from '../integrations/lambda/runtime/function-pool.js'
import type { WebSocketIdentitySource } from '../config/model.js'
import type { RouteKeySelector } from './route-selection.js'
import type { ThrottleLayer } from '../throttle/index.js'
import type { WebSocketHttpIntegration } from './http-integration.js'
import type { CompiledTemplates } from './mock-integration.js'
import type { AccessLogFormatter } from '../logging/access-log-format.js'
import type { AccessLogSink } from '../logging/access-log-sink.js'
import type { WebSocketLogRecord } from './context-variables.js'

/** What a route invokes: a Lambda function, or an HTTP backend. */
export type CompiledWebSocketIntegration =
  | { readonly kind: 'lambda'; readonly pool: FunctionPool; readonly timeoutInMillis: number }
  | { readonly kind: 'http'; readonly http: WebSocketHttpIntegration }
  | { readonly kind: 'mock'; readonly mock: CompiledTemplates }

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
  readonly pool: FunctionPool
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
  readonly accessLog: { readonly format: AccessLogFormatter<WebSocketLogRecord>; readonly sink: AccessLogSink } | null
  /** Buckets a new connection takes from (the `$connect` route's settings), even without a `$connect` route. */
  readonly connectThrottle: readonly ThrottleLayer[] | null
}

export interface CompiledWebSocketApi {
  readonly apiId: string
  readonly name: string
  readonly selectRoute: RouteKeySelector
  readonly stages: ReadonlyMap<string, CompiledWebSocketStage>
}
