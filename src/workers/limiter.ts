/**
 * @module
 * A worker's throttle limiter: every decision is the primary's, which holds the one set of
 * buckets for the machine, so a stage's limit holds for all workers together and exactly
 * (no tokens leased to a worker that another worker then lacks). Decisions asked while a
 * worker handles one batch of I/O travel in one message, answered in one message.
 */
import type { RateLimiter, ThrottleLayer } from '../model/index.js'
import { InMemoryRateLimiter } from '../throttle/index.js'
import { isMessage, type TakeBatch, type TookBatch } from './messages.js'

type Send = (message: TakeBatch) => boolean

export class WorkerRateLimiter implements RateLimiter {
  readonly #send: Send
  readonly #pending = new Map<number, { resolve: (ok: boolean) => void; layers: readonly ThrottleLayer[] }>()
  #queue: Array<readonly [number, Array<string | number>]> = []
  #next = 1
  #flushing = false
  /** Only once the primary is gone (the worker is about to exit): this process decides alone. */
  readonly #orphan = new InMemoryRateLimiter()

  constructor(send: Send = (m) => (process.send?.(m) ?? false)) {
    this.#send = send
  }

  take(layers: readonly ThrottleLayer[]): Promise<boolean> | boolean {
    if (process.connected !== true) return this.#orphan.take(layers)
    const ticket = this.#next++
    const flat: Array<string | number> = []
    for (const layer of layers) flat.push(layer.key, layer.limits.rateLimit, layer.limits.burstLimit)
    this.#queue.push([ticket, flat])
    if (!this.#flushing) {
      this.#flushing = true
      // After this turn's I/O callbacks: the requests parsed together share one message.
      setImmediate(() => this.#flush())
    }
    return new Promise<boolean>((resolve) => this.#pending.set(ticket, { resolve, layers }))
  }

  /** Fed every message from the primary; returns whether it was the limiter's. */
  receive(message: unknown): boolean {
    if (!isMessage<TookBatch>(message) || message.gh !== 'took') return false
    const batch = message.batch
    for (let i = 0; i + 1 < batch.length; i += 2) {
      const ticket = batch[i] as number
      const waiting = this.#pending.get(ticket)
      if (waiting === undefined) continue
      this.#pending.delete(ticket)
      waiting.resolve(batch[i + 1] === 1)
    }
    return true
  }

  /** The primary is gone: requests waiting for it are decided here. */
  orphaned(): void {
    for (const { resolve, layers } of this.#pending.values()) resolve(this.#orphan.take(layers) as boolean)
    this.#pending.clear()
  }

  #flush(): void {
    this.#flushing = false
    const batch = this.#queue
    this.#queue = []
    if (batch.length === 0) return
    this.#send({ gh: 'take', batch })
  }
}
