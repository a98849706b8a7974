/**
 * @module
 * `gatehouse serve --workers N` without Redis: the control plane's state is one for the
 * machine. The primary holds it (and writes the state folder, one writer); each worker's
 * control plane loads it from the primary and saves with compare-and-set on the primary's
 * revision, as nodes do through Redis (redis-store.ts), so a change made through any worker is
 * served by all of them, and two workers writing at once lose nothing (the loser replays). The
 * function code a change unpacks lands in the shared state folder, which every worker reads.
 */
import type { PlaneState, SaveOutcome, StateStore } from '../sources/control-plane/index.js'
import { FolderStateStore } from '../sources/control-plane/index.js'
import { isMessage, type PlaneChanged, type PlaneLoad, type PlaneLoaded, type PlaneSave, type PlaneSaved } from './messages.js'
import { PrimaryQuestions } from './tickets.js'

type Send = (message: PlaneLoad | PlaneSave) => boolean

/** The worker's side: a {@link StateStore} whose state is the primary's. */
export class WorkerStateStore implements StateStore {
  readonly dir: string
  readonly #send: Send
  readonly #questions = new PrimaryQuestions<PlaneLoaded | PlaneSaved>()
  readonly #watchers: Array<() => void> = []
  /** The primary's revision of the state this worker last loaded or saved. */
  #revision = 0

  constructor(dir: string, send: Send) {
    this.dir = dir
    this.#send = send
  }

  async load(): Promise<PlaneState> {
    const answer = (await this.#questions.ask((ticket) => this.#send({ gh: 'plane-load', ticket, dir: this.dir }))) as PlaneLoaded
    if (answer.error !== undefined || answer.state === undefined) throw new Error(answer.error ?? 'the primary process sent no state')
    this.#revision = answer.revision
    return JSON.parse(answer.state) as PlaneState
  }

  async save(state: PlaneState): Promise<SaveOutcome> {
    const text = JSON.stringify(state)
    const answer = (await this.#questions.ask((ticket) => this.#send({ gh: 'plane-save', ticket, dir: this.dir, revision: this.#revision, state: text }))) as PlaneSaved
    if (answer.error !== undefined) throw new Error(answer.error)
    if (answer.outcome === 'saved') this.#revision = answer.revision
    return answer.outcome
  }

  watch(onChange: () => void): void {
    this.#watchers.push(onChange)
  }

  /** Fed every message from the primary; returns whether it was this store's. */
  receive(message: unknown): boolean {
    if (!isMessage<PlaneLoaded | PlaneSaved | PlaneChanged>(message)) return false
    if (message.gh === 'plane-changed') {
      // Its own saves are not announced to it; an older notice (a load already saw) is ignored.
      if (message.revision > this.#revision) for (const watcher of this.#watchers) watcher()
      return true
    }
    if (message.gh !== 'plane-loaded' && message.gh !== 'plane-saved') return false
    this.#questions.answer(message.ticket, message)
    return true
  }

  /** The primary is gone: what was asked will not be answered (the call fails, saying so). */
  orphaned(): void {
    this.#questions.orphaned()
  }

  async close(): Promise<void> {}
}

/**
 * The primary's side: the state of each state folder (one, in practice), its revision, and the
 * folder written on every accepted change. Requests are served one at a time, in order.
 */
export class PrimaryPlaneStates {
  readonly #planes = new Map<string, { readonly store: FolderStateStore; state: string | undefined; revision: number }>()
  #queue: Promise<unknown> = Promise.resolve()

  /**
   * Serves a worker's request; `answer` goes to the asker, and after an accepted change
   * `announce` goes to every other worker.
   */
  serve(message: PlaneLoad | PlaneSave, answer: (m: PlaneLoaded | PlaneSaved) => void, announce: (m: PlaneChanged) => void): void {
    const run = this.#queue.then(async () => {
      let plane = this.#planes.get(message.dir)
      if (plane === undefined) {
        plane = { store: new FolderStateStore(message.dir), state: undefined, revision: 0 }
        this.#planes.set(message.dir, plane)
      }
      if (message.gh === 'plane-load') {
        try {
          plane.state ??= JSON.stringify(await plane.store.load())
          answer({ gh: 'plane-loaded', ticket: message.ticket, revision: plane.revision, state: plane.state })
        } catch (err) {
          answer({ gh: 'plane-loaded', ticket: message.ticket, revision: plane.revision, error: (err as Error).message })
        }
        return
      }
      if (message.revision !== plane.revision) {
        answer({ gh: 'plane-saved', ticket: message.ticket, outcome: 'conflict', revision: plane.revision })
        return
      }
      try {
        await plane.store.save(JSON.parse(message.state) as PlaneState)
      } catch (err) {
        answer({ gh: 'plane-saved', ticket: message.ticket, outcome: 'conflict', revision: plane.revision, error: (err as Error).message })
        return
      }
      plane.state = message.state
      plane.revision++
      answer({ gh: 'plane-saved', ticket: message.ticket, outcome: 'saved', revision: plane.revision })
      announce({ gh: 'plane-changed', revision: plane.revision })
    })
    this.#queue = run.catch(() => undefined)
  }
}
