/**
 * @module
 * The messages between the primary and its workers over node:cluster's IPC channel. Every
 * message carries `gh` (its kind) so that anything else on the channel is ignored.
 */
import type { SeriesFigures } from '../metrics/index.js'
import type { ManageMethod, ManageOutcome } from '../websocket/index.js'

/**
 * Throttle decisions asked in one message: per request its ticket and its layers flattened as
 * key, rate, burst, key, rate, burst… (no object per layer on the hot path).
 */
export interface TakeBatch {
  readonly gh: 'take'
  readonly batch: ReadonlyArray<readonly [ticket: number, layers: ReadonlyArray<string | number>]>
}
/** The answers, in the same order: ticket, 1 (passes) or 0 (throttled), ticket, …. */
export interface TookBatch {
  readonly gh: 'took'
  readonly batch: readonly number[]
}

export interface Register {
  readonly gh: 'register' | 'unregister'
  readonly connectionId: string
}

/** A worker asks for an operation on a connection it does not hold. */
export interface Forward {
  readonly gh: 'forward'
  readonly ticket: number
  readonly apiId: string
  readonly connectionId: string
  readonly method: ManageMethod
  /** base64 */
  readonly body: string
}
/** The primary hands a forwarded operation to the worker holding the connection. */
export interface Manage {
  readonly gh: 'manage'
  readonly ticket: number
  readonly apiId: string
  readonly connectionId: string
  readonly method: ManageMethod
  readonly body: string
}
/** The holding worker's answer to `manage` (to the primary), then the primary's to `forward`. */
export interface Managed {
  readonly gh: 'managed'
  readonly ticket: number
  readonly outcome: ManageOutcome
}

/** A worker listens: what it prints at start, which the primary prints once for all of them. */
export interface Ready {
  readonly gh: 'ready'
  readonly banner: string
  /** Whether this worker shares throttling and connections through Redis rather than the primary. */
  readonly redis: boolean
}

export interface Reload {
  readonly gh: 'reload'
  readonly seq: number
}
export interface Reloaded {
  readonly gh: 'reloaded'
  readonly seq: number
  readonly ok: boolean
}

/** A worker reads the control plane's state, which the primary holds for the machine (no Redis). */
export interface PlaneLoad {
  readonly gh: 'plane-load'
  readonly ticket: number
  /** The state folder (the same for every worker: the same command line). */
  readonly dir: string
}
/** A worker's change, if the state is still at `revision` (compare-and-set, as with Redis). */
export interface PlaneSave {
  readonly gh: 'plane-save'
  readonly ticket: number
  readonly dir: string
  readonly revision: number
  /** The state as JSON text. */
  readonly state: string
}
export interface PlaneLoaded {
  readonly gh: 'plane-loaded'
  readonly ticket: number
  readonly revision: number
  /** JSON text; absent with `error`. */
  readonly state?: string
  readonly error?: string
}
export interface PlaneSaved {
  readonly gh: 'plane-saved'
  readonly ticket: number
  readonly outcome: 'saved' | 'conflict'
  readonly revision: number
  readonly error?: string
}
/** Another worker changed the state: load it. */
export interface PlaneChanged {
  readonly gh: 'plane-changed'
  readonly revision: number
}

/** A worker's admin listener was asked for `/metrics`: the machine's, not its own. */
export interface MetricsAsk {
  readonly gh: 'metrics-ask'
  readonly ticket: number
}
/** The primary asks every worker for its figures. */
export interface MetricsCollect {
  readonly gh: 'metrics-collect'
  readonly seq: number
}
export interface MetricsFigures {
  readonly gh: 'metrics-figures'
  readonly seq: number
  readonly series: readonly SeriesFigures[]
}
/** The machine's metrics (every worker's summed), rendered, for the asker. */
export interface MetricsText {
  readonly gh: 'metrics-text'
  readonly ticket: number
  readonly text: string
}

export type WorkerMessage = TakeBatch | Register | Forward | Managed | Ready | Reloaded | PlaneLoad | PlaneSave | MetricsAsk | MetricsFigures
export type PrimaryMessage = TookBatch | Manage | Managed | Reload | PlaneLoaded | PlaneSaved | PlaneChanged | MetricsCollect | MetricsText

export function isMessage<T extends { gh: string }>(value: unknown): value is T {
  return typeof value === 'object' && value !== null && typeof (value as { gh?: unknown }).gh === 'string'
}
