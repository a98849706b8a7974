/**
 * @module
 * `/metrics` under `gatehouse serve --workers N`: the admin port is shared, so a scrape lands on
 * any worker, and each worker counts only the requests it served. A worker asked for `/metrics`
 * asks the primary, which collects every worker's figures and sums them (all are counters and
 * histograms), so every scrape sees the machine's counters and they never step back when the
 * next scrape lands on another worker.
 */
import { renderMetrics, sumFigures, type SeriesFigures } from '../metrics/index.js'
import { isMessage, type MetricsAsk, type MetricsCollect, type MetricsFigures, type MetricsText } from './messages.js'
import { PrimaryQuestions } from './tickets.js'

/** How long the primary waits for every worker's figures. */
export const METRICS_COLLECT_MS = 2_000
/** How long a worker waits for the primary's answer (its collection, and a margin). */
const METRICS_ANSWER_MS = METRICS_COLLECT_MS + 3_000

type Send = (message: MetricsAsk | MetricsFigures) => boolean

/** The worker's side. */
export class WorkerMetrics {
  readonly #send: Send
  readonly #questions = new PrimaryQuestions<string>()
  #figures: (() => readonly SeriesFigures[]) | undefined

  constructor(send: Send = (m) => process.send?.(m) ?? false) {
    this.#send = send
  }

  /** Where this worker's own figures come from. */
  serve(figures: () => readonly SeriesFigures[]): void {
    this.#figures = figures
  }

  /** The machine's metrics, rendered; rejects, saying why, if the primary cannot answer. */
  machine(): Promise<string> {
    return this.#questions.ask((ticket) => this.#send({ gh: 'metrics-ask', ticket }), {
      ms: METRICS_ANSWER_MS,
      reason: `the primary process did not answer within ${METRICS_ANSWER_MS} ms`,
    })
  }

  /** Fed every message from the primary; returns whether it was about metrics. */
  receive(message: unknown): boolean {
    if (!isMessage<MetricsCollect | MetricsText>(message)) return false
    if (message.gh === 'metrics-collect') {
      this.#send({ gh: 'metrics-figures', seq: message.seq, series: this.#figures?.() ?? [] })
      return true
    }
    if (message.gh !== 'metrics-text') return false
    this.#questions.answer(message.ticket, message.text)
    return true
  }

  /** The primary is gone: nothing asked will be answered. */
  orphaned(): void {
    this.#questions.orphaned()
  }
}

/** The primary's side: one collection per scrape, answered when every worker has sent its figures (or after METRICS_COLLECT_MS). */
export class PrimaryMetrics {
  readonly #collections = new Map<number, { readonly sets: Array<readonly SeriesFigures[]>; readonly waiting: Set<number>; readonly done: () => void }>()
  #seq = 0

  /** `workers`: the serving workers by slot, each with how to reach it; `answer` gets the rendered text. */
  collect(workers: ReadonlyMap<number, (m: MetricsCollect) => void>, answer: (text: string) => void): void {
    const seq = ++this.#seq
    const sets: Array<readonly SeriesFigures[]> = []
    const waiting = new Set(workers.keys())
    const done = () => {
      clearTimeout(timer)
      if (!this.#collections.delete(seq)) return
      answer(renderMetrics(sumFigures(sets)))
    }
    const timer = setTimeout(done, METRICS_COLLECT_MS)
    this.#collections.set(seq, { sets, waiting, done })
    for (const send of workers.values()) send({ gh: 'metrics-collect', seq })
    if (waiting.size === 0) done()
  }

  /** A worker's figures for collection `seq`. */
  figures(slot: number, message: MetricsFigures): void {
    const collection = this.#collections.get(message.seq)
    if (collection === undefined || !collection.waiting.delete(slot)) return
    collection.sets.push(message.series)
    if (collection.waiting.size === 0) collection.done()
  }

  /** A worker stopped: collections wait for it no longer. */
  gone(slot: number): void {
    for (const collection of [...this.#collections.values()]) {
      if (collection.waiting.delete(slot) && collection.waiting.size === 0) collection.done()
    }
  }
}
