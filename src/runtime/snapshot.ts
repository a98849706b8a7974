/**
 * @module
 * The compiled, immutable form of a configuration that the data plane executes, and the
 * holder that swaps snapshots atomically on reload. A request reads `holder.current` once
 * and keeps that snapshot to the end, so in-flight requests finish on the old one.
 */
import type { GatehouseConfig, PayloadFormatVersion } from '../config/model.js'
import type { FunctionPool } from '../integrations/lambda/runtime/function-pool.js'
import type { Router } from '../routing/router.js'
import type { RouteAuthorizer } from '../auth/index.js'
import type { AccessLogFormatter } from '../logging/access-log-format.js'
import type { AccessLogSink } from '../logging/access-log-sink.js'
import type { RouteMetrics } from '../metrics/registry.js'
import type { RateLimiter, ThrottleLayer } from '../throttle/index.js'
import type { Dispatcher } from 'undici'
import type { CorsPolicy } from '../http/cors.js'
import type { DomainNames } from '../routing/custom-domain.js'
import type { CompiledWebSocketApi } from '../websocket/compiled.js'
import type { TargetTemplate } from '../integrations/http-proxy/target-url.js'
import type { RequestParameterMapping, ResponseParameterMapping } from '../integrations/parameter-mapping/index.js'

interface CompiledIntegrationBase {
  readonly integrationId: string
  readonly timeoutInMillis: number
  /** `requestParameters`, or `null` without any. */
  readonly requestMapping: RequestParameterMapping | null
  /** `responseParameters`, or `null` without any. */
  readonly responseMapping: ResponseParameterMapping | null
}

export interface CompiledLambdaIntegration extends CompiledIntegrationBase {
  readonly integrationType: 'AWS_PROXY'
  readonly pool: FunctionPool
  readonly payloadFormatVersion: PayloadFormatVersion
}

export interface CompiledHttpProxyIntegration extends CompiledIntegrationBase {
  readonly integrationType: 'HTTP_PROXY'
  /** The integration URI with this stage's variables substituted. */
  readonly template: TargetTemplate
  /** `null` for `ANY`: the client's method. */
  readonly method: string | null
  readonly dispatcher: Dispatcher
  /** Which pool of `UpstreamAgents` the dispatcher is (kept across reloads while used). */
  readonly agentKey: string
}

export type CompiledIntegration = CompiledLambdaIntegration | CompiledHttpProxyIntegration

export interface CompiledRoute {
  readonly routeId: string
  readonly routeKey: string
  /** The path template (`/pets/{id}`), or `null` for `$default`. */
  readonly resourcePath: string | null
  /** `null` when the route has no target. */
  readonly integration: CompiledIntegration | null
  /** The route's authorization, or `null` for `NONE`. */
  readonly authorizer: RouteAuthorizer | null
  /**
   * Whether the body is read whole before the integration (Lambda, an IAM signature over it,
   * a mapping reading `$request.body`); otherwise an HTTP proxy streams it to the backend.
   */
  readonly readsRequestBody: boolean
  /** Throttle layers (route or stage default, then account), or `null` when none applies. */
  readonly throttle: readonly ThrottleLayer[] | null
  readonly metrics: RouteMetrics
}

export interface CompiledAccessLog {
  readonly format: AccessLogFormatter
  readonly sink: AccessLogSink
}

export interface CompiledStage {
  readonly stageName: string
  /** `null` when the stage has no variables (the event then omits `stageVariables`). */
  readonly stageVariables: Readonly<Record<string, string>> | null
  readonly router: Router<CompiledRoute>
  /** Routes in definition order, for `gatehouse routes`. */
  readonly routes: readonly CompiledRoute[]
  readonly accessLog: CompiledAccessLog | null
  /** Metrics of requests that reached this stage but matched no route. */
  readonly noRouteMetrics: RouteMetrics
}

export interface CompiledApi {
  readonly apiId: string
  readonly name: string
  /** Named stages, served under `/{stageName}`. */
  readonly stages: ReadonlyMap<string, CompiledStage>
  readonly defaultStage: CompiledStage | null
  /** `corsConfiguration`, or `null` when the API has none. */
  readonly cors: CorsPolicy | null
  /** Served only through custom domains (spec 7.4). */
  readonly disableExecuteApiEndpoint: boolean
}

export interface RuntimeSnapshot {
  readonly config: GatehouseConfig
  readonly apis: ReadonlyMap<string, CompiledApi>
  /** With exactly one API, it is also served at the listener's root. */
  readonly soleApi: CompiledApi | null
  /** Custom domain names, served by the HTTPS listener. */
  readonly domains: DomainNames
  /** WebSocket APIs by id. */
  readonly websocketApis: ReadonlyMap<string, CompiledWebSocketApi>
  /** With exactly one WebSocket API, it also answers upgrades at the listener's root. */
  readonly soleWebSocketApi: CompiledWebSocketApi | null
  readonly pools: ReadonlyMap<string, FunctionPool>
  readonly limiter: RateLimiter
  /** File destinations of access logs, so a reload can close the ones no longer used. */
  readonly accessLogDestinations: ReadonlySet<string>
  /** Keys of the upstream agents this snapshot's HTTP proxy integrations use. */
  readonly upstreamAgentKeys: ReadonlySet<string>
}

export class SnapshotHolder {
  #current: RuntimeSnapshot

  constructor(initial: RuntimeSnapshot) {
    this.#current = initial
  }

  get current(): RuntimeSnapshot {
    return this.#current
  }

  /** Installs `next` and returns the snapshot it replaced. */
  swap(next: RuntimeSnapshot): RuntimeSnapshot {
    const previous = this.#current
    this.#current = next
    return previous
  }
}
