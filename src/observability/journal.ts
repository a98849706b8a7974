/**
 * @module
 * The live feed of what the console streams: a fixed ring of records (request summaries,
 * function log lines, WebSocket messages) that each console client reads at its own pace
 * through a cursor. Recording is one array store, whatever the number of clients; nothing is
 * formatted until a client reads a batch, and a record is let go once every client has read it. The ring keeps at most `JOURNAL_CAPACITY` records
 * and about `MAX_JOURNAL_BYTES`: a client that falls further behind loses the oldest records
 * and is told how many (`Batch.dropped`) instead of making the gateway hold them, so memory
 * stays bounded however slow a console is.
 */

/** Records kept for clients that have not read them yet; past it the oldest are dropped. */
export const JOURNAL_CAPACITY = 8192
/** About how many bytes those records may hold (long paths, long log lines); past it the oldest are dropped. */
export const MAX_JOURNAL_BYTES = 8 * 1024 * 1024
/** Unread records at which the clients are woken before their next periodic flush. */
export const JOURNAL_WAKE_RECORDS = 512

/** What a record is: a request summary, a function log line, or a WebSocket message. */
export const RecordKind = { Request: 0, FunctionLog: 1, ConnectionMessage: 2 } as const
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind]

/** What one read hands a client: records by kind, oldest first, and how many it missed. */
export interface Batch<R, L, M> {
  /** Records that were overwritten before this client read them. */
  readonly dropped: number
  readonly requests: R[]
  readonly functionLogs: L[]
  readonly connectionMessages: M[]
}

/** One reader's position. */
export interface JournalCursor {
  /** Sequence number of the next record to read. */
  next: number
  /** Called when `JOURNAL_WAKE_RECORDS` records have arrived since the last wake-up. */
  readonly wake: () => void
}

export class Journal<R, L, M> {
  readonly #kinds = new Uint8Array(JOURNAL_CAPACITY)
  readonly #values: unknown[] = new Array<unknown>(JOURNAL_CAPACITY).fill(null)
  readonly #costs = new Uint32Array(JOURNAL_CAPACITY)
  /** Sequence number of the next record written, and of the oldest kept. */
  #head = 0
  #tail = 0
  #bytes = 0
  readonly #cursors = new Set<JournalCursor>()
  readonly #cost: (kind: RecordKind, value: unknown) => number

  /** `cost` tells about how many bytes a record holds (and takes once written to a client). */
  constructor(cost: (kind: RecordKind, value: unknown) => number) {
    this.#cost = cost
  }

  /** About how many bytes the records kept hold. */
  get bytes(): number {
    return this.#bytes
  }

  get readers(): number {
    return this.#cursors.size
  }

  get head(): number {
    return this.#head
  }

  /** A reader that starts with the next record written; `close` it when done. */
  open(wake: () => void): JournalCursor {
    const cursor: JournalCursor = { next: this.#head, wake }
    this.#cursors.add(cursor)
    return cursor
  }

  close(cursor: JournalCursor): void {
    this.#cursors.delete(cursor)
    // With no reader left, what was kept for readers is let go.
    if (this.#cursors.size === 0) {
      this.#values.fill(null)
      this.#tail = this.#head
      this.#bytes = 0
    }
  }

  push(kind: RecordKind, value: R | L | M): void {
    if (this.#head - this.#tail === JOURNAL_CAPACITY) this.#dropOldest()
    const slot = this.#head % JOURNAL_CAPACITY
    const cost = this.#cost(kind, value)
    this.#kinds[slot] = kind
    this.#values[slot] = value
    this.#costs[slot] = cost
    this.#bytes += cost
    this.#head++
    while (this.#bytes > MAX_JOURNAL_BYTES && this.#head - this.#tail > 1) this.#dropOldest()
    if (this.#head % JOURNAL_WAKE_RECORDS === 0) for (const c of this.#cursors) c.wake()
  }

  /** Unread records of a cursor (dropped ones included). */
  unread(cursor: JournalCursor): number {
    return this.#head - cursor.next
  }

  /** Records a cursor has missed so far (it learns of them at its next read). */
  missed(cursor: JournalCursor): number {
    return Math.max(0, this.#tail - cursor.next)
  }

  #dropOldest(): void {
    const slot = this.#tail % JOURNAL_CAPACITY
    this.#bytes -= this.#costs[slot] as number
    this.#values[slot] = null
    this.#tail++
  }

  /**
   * Reads up to `max` records after the cursor, or fewer once their costs have summed past
   * `maxCost` (a bound on a batch's size), and moves the cursor past them.
   */
  read(cursor: JournalCursor, max: number, maxCost: number): Batch<R, L, M> {
    const oldest = this.#tail
    let dropped = 0
    if (cursor.next < oldest) {
      dropped = oldest - cursor.next
      cursor.next = oldest
    }
    const batch = { dropped, requests: [] as R[], functionLogs: [] as L[], connectionMessages: [] as M[] }
    let spent = 0
    let n = 0
    while (cursor.next < this.#head && n < max && spent < maxCost) {
      const slot = cursor.next % JOURNAL_CAPACITY
      const kind = this.#kinds[slot] as RecordKind
      const value = this.#values[slot]
      spent += this.#costs[slot] as number
      if (kind === RecordKind.Request) batch.requests.push(value as R)
      else if (kind === RecordKind.FunctionLog) batch.functionLogs.push(value as L)
      else batch.connectionMessages.push(value as M)
      cursor.next++
      n++
    }
    this.#release()
    return batch
  }

  /**
   * Lets go of the records every reader has read: the ring keeps only what some reader still
   * needs, so what was streamed does not stay referenced (and grow the old generation the
   * garbage collector walks) until it is overwritten.
   */
  #release(): void {
    let oldestNeeded = this.#head
    for (const c of this.#cursors) if (c.next < oldestNeeded) oldestNeeded = c.next
    while (this.#tail < oldestNeeded) this.#dropOldest()
  }
}
