/**
 * @module
 * A worker's questions to the primary, each with a ticket the answer carries back: the
 * connection directory's forwards, the control plane's state and `/metrics` all ask this way.
 */

/** Why a question has no answer: the primary is gone, or did not answer in time. */
export const PRIMARY_GONE = 'the primary process is gone'

export class PrimaryQuestions<Answer> {
  readonly #pending = new Map<number, { resolve: (answer: Answer) => void; reject: (err: Error) => void }>()
  #next = 1

  /**
   * Sends the question `send` makes for a new ticket; resolves with its answer, or rejects
   * saying why there is none: the primary is gone (now or later), or, with `timeout`, it did
   * not answer within `timeout.ms`.
   */
  ask(send: (ticket: number) => void, timeout?: { readonly ms: number; readonly reason: string }): Promise<Answer> {
    const ticket = this.#next++
    return new Promise<Answer>((resolve, reject) => {
      const timer = timeout === undefined ? undefined : setTimeout(() => settle(new Error(timeout.reason)), timeout.ms)
      const settle = (outcome: { answer: Answer } | Error): void => {
        clearTimeout(timer)
        if (!this.#pending.delete(ticket)) return
        if (outcome instanceof Error) reject(outcome)
        else resolve(outcome.answer)
      }
      this.#pending.set(ticket, { resolve: (answer) => settle({ answer }), reject: settle })
      // `process.send` answering false means only that messages wait in its backlog: this one is
      // still sent. A channel that closes later orphans the question ('disconnect').
      if (process.connected === true) send(ticket)
      else settle(new Error(PRIMARY_GONE))
    })
  }

  /** The primary's answer for `ticket` (ignored once its question timed out). */
  answer(ticket: number, answer: Answer): void {
    this.#pending.get(ticket)?.resolve(answer)
  }

  /** The primary is gone: nothing asked will be answered. */
  orphaned(): void {
    for (const { reject } of [...this.#pending.values()]) reject(new Error(PRIMARY_GONE))
  }
}
