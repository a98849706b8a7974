/**
 * @module
 * The primary of `gatehouse serve --workers N`: it forks N gateway processes that share one
 * port (node:cluster hands each new connection to the next worker), and holds what must be
 * one for the whole machine when there is no Redis:
 *
 * - the throttle buckets (workers ask for every decision, see limiter.ts), so a stage's limit
 *   holds for all workers together, exactly;
 * - the WebSocket connection directory (which worker holds which connection), so that
 *   `@connections` on any worker reaches a connection held by another (directory.ts);
 * - the control plane's state, so that a change made through any worker is served by all of
 *   them (plane-store.ts);
 * - nothing of the metrics, but a scrape of `/metrics` on any worker is answered with every
 *   worker's figures summed (metrics.ts).
 *
 * With Redis configured the workers use Redis for both, like separate nodes, and the primary's
 * buckets and directory stay idle.
 *
 * It also watches the config (workers do not): a change is validated here first, so a broken
 * edit leaves every worker on the previous configuration, and a valid one is reloaded by all.
 * A worker that dies is logged and replaced; SIGINT/SIGTERM make every worker drain and stop.
 */
import cluster, { type Worker } from 'node:cluster'
import { loadConfigFile, formatIssue, type SourceOptions } from '../config/index.js'
import type { Logger } from '../logging/index.js'
import type { ThrottleLayer } from '../model/index.js'
import { SourceWatcher } from '../runtime/index.js'
import { InMemoryRateLimiter } from '../throttle/index.js'
import { isMessage, type Forward, type Managed, type PrimaryMessage, type Ready, type Register, type Reloaded, type TakeBatch, type WorkerMessage } from './messages.js'
import { PrimaryMetrics } from './metrics.js'
import { PrimaryPlaneStates } from './plane-store.js'

/** The environment variable that makes a forked `gatehouse serve` a worker (its slot, 1…N). */
export const WORKER_ENV = 'GATEHOUSE_WORKER'
/** A worker that dies again within this long of its start is restarted after a growing delay. */
const CRASH_WINDOW_MS = 10_000
const RESTART_DELAY_MAX_MS = 5_000
/** How long a reload waits for every worker's answer before saying who did not answer. */
const RELOAD_ANSWER_MS = 30_000

export interface PrimaryOptions {
  readonly workers: number
  readonly logger: Logger
  /** The config file: watched here (undefined: the control plane alone, nothing to watch). */
  readonly configFile?: string
  readonly source: SourceOptions
  readonly watch: boolean
}

interface Slot {
  readonly index: number
  worker: Worker | undefined
  ready: boolean
  startedAt: number
  /** Quick successive crashes, for the restart delay. */
  crashes: number
}

/** Runs until SIGINT/SIGTERM; the exit code of `gatehouse serve`. */
export async function runPrimary(options: PrimaryOptions): Promise<number> {
  const { logger, workers: count } = options
  const buckets = new InMemoryRateLimiter()
  /** connectionId → the worker holding it. */
  const holders = new Map<string, Worker>()
  /** Forwarded `@connections` operations awaiting the holder's answer: primary ticket → asker. */
  const forwards = new Map<number, { from: Worker; to: Worker; ticket: number }>()
  let nextTicket = 1
  const slots: Slot[] = Array.from({ length: count }, (_, i) => ({ index: i + 1, worker: undefined, ready: false, startedAt: 0, crashes: 0 }))
  let stopping = false
  let started = false
  let reloadSeq = 0
  const reloads = new Map<number, { answers: Map<number, boolean>; done: () => void }>()
  const planes = new PrimaryPlaneStates()
  const metrics = new PrimaryMetrics()

  const send = (worker: Worker, message: PrimaryMessage): void => {
    if (worker.isConnected()) worker.send(message)
  }

  const take = (worker: Worker, message: TakeBatch): void => {
    const answers: number[] = []
    for (const [ticket, flat] of message.batch) {
      const layers: ThrottleLayer[] = []
      for (let i = 0; i + 2 < flat.length; i += 3) {
        layers.push({ key: String(flat[i]), limits: { rateLimit: Number(flat[i + 1]), burstLimit: Number(flat[i + 2]) } })
      }
      answers.push(ticket, buckets.take(layers) ? 1 : 0)
    }
    send(worker, { gh: 'took', batch: answers })
  }

  const forward = (from: Worker, message: Forward): void => {
    const holder = holders.get(message.connectionId)
    // Not held anywhere (closed, or its worker died): gone, as on a single process.
    if (holder === undefined || holder === from || !holder.isConnected()) {
      send(from, { gh: 'managed', ticket: message.ticket, outcome: { kind: 'gone' } })
      return
    }
    const ticket = nextTicket++
    forwards.set(ticket, { from, to: holder, ticket: message.ticket })
    send(holder, { gh: 'manage', ticket, apiId: message.apiId, connectionId: message.connectionId, method: message.method, body: message.body })
  }

  const answered = (message: Managed): void => {
    const asker = forwards.get(message.ticket)
    if (asker === undefined) return
    forwards.delete(message.ticket)
    send(asker.from, { gh: 'managed', ticket: asker.ticket, outcome: message.outcome })
  }

  let resolveStarted: (ok: boolean) => void = () => undefined
  const allStarted = new Promise<boolean>((resolve) => (resolveStarted = resolve))
  let banner = ''
  let redis = false

  const onMessage = (slot: Slot, worker: Worker, message: unknown): void => {
    if (!isMessage<WorkerMessage>(message)) return
    switch (message.gh) {
      case 'take':
        return take(worker, message)
      case 'register':
        holders.set((message as Register).connectionId, worker)
        return
      case 'unregister':
        if (holders.get((message as Register).connectionId) === worker) holders.delete((message as Register).connectionId)
        return
      case 'forward':
        return forward(worker, message)
      case 'managed':
        return answered(message)
      case 'plane-load':
      case 'plane-save':
        return planes.serve(
          message,
          (answer) => send(worker, answer),
          (notice) => {
            for (const s of slots) if (s.worker !== undefined && s.worker !== worker) send(s.worker, notice)
          }
        )
      case 'metrics-ask': {
        const serving = new Map(slots.flatMap((s) => (s.ready && s.worker !== undefined ? [[s.index, (m: PrimaryMessage) => send(s.worker as Worker, m)] as const] : [])))
        return metrics.collect(serving, (text) => send(worker, { gh: 'metrics-text', ticket: message.ticket, text }))
      }
      case 'metrics-figures':
        return metrics.figures(slot.index, message)
      case 'ready':
        slot.ready = true
        if (banner === '') banner = (message as Ready).banner
        redis = (message as Ready).redis
        if (started) logger.info(`Worker ${slot.index} (pid ${worker.process.pid ?? '?'}) is serving`)
        else if (slots.every((s) => s.ready)) resolveStarted(true)
        return
      case 'reloaded': {
        const reload = reloads.get((message as Reloaded).seq)
        if (reload === undefined) return
        reload.answers.set(slot.index, (message as Reloaded).ok)
        if (reload.answers.size >= slots.filter((s) => s.ready).length) reload.done()
        return
      }
    }
  }

  const fork = (slot: Slot): void => {
    const worker = cluster.fork({ [WORKER_ENV]: String(slot.index) })
    slot.worker = worker
    slot.ready = false
    slot.startedAt = Date.now()
    worker.on('message', (message: unknown) => onMessage(slot, worker, message))
    worker.on('exit', (code, signal) => {
      // Its connections went with it; their ids now answer 410 Gone.
      for (const [id, holder] of holders) if (holder === worker) holders.delete(id)
      for (const [ticket, asker] of forwards) {
        if (asker.from === worker) forwards.delete(ticket)
        else if (asker.to === worker) {
          // The holder died with the connection: gone, rather than waiting for a timeout.
          forwards.delete(ticket)
          send(asker.from, { gh: 'managed', ticket: asker.ticket, outcome: { kind: 'gone' } })
        }
      }
      const wasReady = slot.ready
      slot.ready = false
      metrics.gone(slot.index)
      slot.worker = undefined
      if (stopping) return
      if (!started) {
        // A worker that cannot start (a bad config, a port in use) fails the start: it said why.
        logger.error(`Worker ${slot.index} (pid ${worker.process.pid ?? '?'}) exited before serving (${signal ?? `code ${code}`})`)
        resolveStarted(false)
        return
      }
      slot.crashes = Date.now() - slot.startedAt < CRASH_WINDOW_MS || !wasReady ? slot.crashes + 1 : 1
      const delay = Math.min(RESTART_DELAY_MAX_MS, slot.crashes <= 1 ? 0 : 100 * 2 ** (slot.crashes - 2))
      logger.error(`Worker ${slot.index} (pid ${worker.process.pid ?? '?'}) exited (${signal ?? `code ${code}`}); starting a replacement${delay > 0 ? ` in ${delay} ms` : ''}`)
      setTimeout(() => {
        if (!stopping) fork(slot)
      }, delay)
    })
  }

  for (const slot of slots) fork(slot)
  const ok = await allStarted
  if (!ok) {
    await stopAll()
    return 1
  }
  started = true
  process.stdout.write(banner)
  const pids = slots.map((s) => s.worker?.process.pid ?? '?').join(', ')
  process.stdout.write(`Workers: ${count} processes (pids ${pids}) share this port; throttle buckets and WebSocket connections are shared through ${redis ? 'Redis' : 'the primary process'}\n`)

  let watcher: SourceWatcher | undefined
  if (options.watch && options.configFile !== undefined) {
    const configFile = options.configFile
    const first = loadConfigFile(configFile, options.source)
    let watched = first.ok ? first.config.sourceFiles : first.sourceFiles
    let reloading: Promise<void> = Promise.resolve()
    const reload = async (): Promise<void> => {
      if (stopping) return
      const loaded = loadConfigFile(configFile, options.source)
      if (!loaded.ok) {
        logger.error(`Reload failed; all ${count} workers keep serving the previous configuration`, { problems: loaded.issues.length })
        for (const issue of loaded.issues) logger.error(`  ${formatIssue(issue)}`)
        // Watch what the broken config names too, so fixing a newly referenced file reloads.
        watcher?.watchFiles([...new Set([...watched, ...loaded.sourceFiles])])
        return
      }
      watched = loaded.config.sourceFiles
      watcher?.watchFiles(watched)
      const seq = ++reloadSeq
      const serving = slots.filter((s) => s.ready && s.worker !== undefined)
      const answers = new Map<number, boolean>()
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, RELOAD_ANSWER_MS)
        reloads.set(seq, { answers, done: () => (clearTimeout(timer), resolve()) })
        for (const s of serving) send(s.worker as Worker, { gh: 'reload', seq })
      })
      reloads.delete(seq)
      const failed = serving.filter((s) => answers.get(s.index) !== true).map((s) => s.index)
      if (failed.length === 0) logger.info(`Configuration reloaded on all ${serving.length} workers`)
      else logger.error(`Reload did not complete on worker(s) ${failed.join(', ')} (see their messages above)`)
    }
    watcher = new SourceWatcher(() => {
      // Serialised: a change during a reload triggers one more afterwards.
      reloading = reloading.then(reload, reload)
    })
    watcher.watchFiles(watched)
  }

  const reopen = () => {
    logger.info('Received SIGHUP; reopening access-log files in every worker')
    for (const s of slots) s.worker?.process.kill('SIGHUP')
  }
  process.on('SIGHUP', reopen)
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info(`Received ${signal}; every worker finishes its requests in flight`)
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      // A second signal (Ctrl-C twice) must not kill the primary while workers drain.
      process.on('SIGINT', () => undefined)
      process.on('SIGTERM', () => undefined)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  process.off('SIGHUP', reopen)
  watcher?.close()
  await stopAll()
  logger.info('Stopped')
  return 0

  async function stopAll(): Promise<void> {
    stopping = true
    const exits = slots.flatMap((s) => {
      const worker = s.worker
      if (worker === undefined || worker.isDead()) return []
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
      // Each worker drains like a single `gatehouse serve` on SIGTERM.
      worker.process.kill('SIGTERM')
      return [exited]
    })
    await Promise.all(exits)
  }
}
