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

export interface CompiledLambdaIntegration {
  readonly integrationId: string
  readonly integrationType: 'AWS_PROXY'
  readonly pool: FunctionPool
  readonly payloadFormatVersion: PayloadFormatVersion
  readonly timeoutInMillis: number
}

export type CompiledIntegration = CompiledLambdaIntegration

export interface CompiledRoute {
  readonly routeId: string
  readonly routeKey: string
  /** The path template (`/pets/{id}`), or `null` for `$default`. */
  readonly resourcePath: string | null
  /** `null` when the route has no target. */
  readonly integration: CompiledIntegration | null
  /** The route's authorization, or `null` for `NONE`. */
  readonly authorizer: RouteAuthorizer | null
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
}

export interface RuntimeSnapshot {
  readonly config: GatehouseConfig
  readonly apis: ReadonlyMap<string, CompiledApi>
  /** With exactly one API, it is also served at the listener's root. */
  readonly soleApi: CompiledApi | null
  readonly pools: ReadonlyMap<string, FunctionPool>
  readonly limiter: RateLimiter
  /** File destinations of access logs, so a reload can close the ones no longer used. */
  readonly accessLogDestinations: ReadonlySet<string>
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
