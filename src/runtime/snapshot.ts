/**
 * @module
 * The holder that swaps snapshots atomically on reload. A request reads `holder.current`
 * once and keeps that snapshot to the end, so in-flight requests finish on the old one.
 */
import type { RuntimeSnapshot, SnapshotSource } from '../model/index.js'

export class SnapshotHolder implements SnapshotSource {
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
