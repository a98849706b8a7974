/**
 * @module
 * The worker's side of `gatehouse serve --workers N`: its throttle limiter and connection
 * directory talk to the primary, and the primary tells it when to reload.
 */
import cluster from 'node:cluster'
import { WorkerConnectionDirectory } from './directory.js'
import { WorkerRateLimiter } from './limiter.js'
import { isMessage, type PrimaryMessage, type Ready, type Reloaded } from './messages.js'
import { WorkerMetrics } from './metrics.js'
import { WorkerStateStore } from './plane-store.js'
import { WORKER_ENV } from './primary.js'

/** This process's slot (1…N) when it is a worker of `gatehouse serve --workers N`, else undefined. */
export function workerSlot(): number | undefined {
  const slot = process.env[WORKER_ENV]
  return cluster.isWorker && slot !== undefined ? Number(slot) : undefined
}

export interface WorkerLink {
  readonly limiter: WorkerRateLimiter
  readonly directory: WorkerConnectionDirectory
  /** `/metrics` for the machine: every worker's figures, summed by the primary. */
  readonly metrics: WorkerMetrics
  /** The control plane's state store for `dir`, held by the primary (without Redis). */
  stateStore(dir: string): WorkerStateStore
  /** Tells the primary this worker serves; `banner` is what a single process prints at start. */
  ready(banner: string, redis: boolean): void
  /** What to run when the primary says the config changed; resolves whether it applied. */
  onReload(reload: () => Promise<boolean>): void
}

export function joinPrimary(): WorkerLink {
  const limiter = new WorkerRateLimiter()
  const directory = new WorkerConnectionDirectory()
  let reload: (() => Promise<boolean>) | undefined
  const stores: WorkerStateStore[] = []
  const metrics = new WorkerMetrics()
  process.on('message', (message: unknown) => {
    if (!isMessage<PrimaryMessage>(message)) return
    if (limiter.receive(message) || directory.receive(message)) return
    if (metrics.receive(message) || stores.some((store) => store.receive(message))) return
    if (message.gh === 'reload') {
      const seq = message.seq
      const answer = (ok: boolean) => process.send?.({ gh: 'reloaded', seq, ok } satisfies Reloaded)
      if (reload === undefined) answer(false)
      else reload().then(answer, () => answer(false))
    }
  })
  process.once('disconnect', () => {
    limiter.orphaned()
    directory.orphaned()
    for (const store of stores) store.orphaned()
    metrics.orphaned()
  })
  return {
    limiter,
    directory,
    metrics,
    stateStore: (dir) => {
      const store = new WorkerStateStore(dir, (m) => process.send?.(m) ?? false)
      stores.push(store)
      return store
    },
    ready: (banner, redis) => void process.send?.({ gh: 'ready', banner, redis } satisfies Ready),
    onReload: (fn) => (reload = fn),
  }
}
