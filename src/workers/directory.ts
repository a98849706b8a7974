/**
 * @module
 * A worker's connection directory: the primary records which worker holds each WebSocket
 * connection, and an `@connections` call for a connection held by another worker goes through
 * the primary to that worker, whose answer comes back the same way.
 */
import type { ManageMethod, ManageOutcome, ForwardOutcome, NodeDirectory } from '../websocket/index.js'
import { isMessage, type Forward, type Manage, type Managed, type Register } from './messages.js'
import { PrimaryQuestions } from './tickets.js'

/** How long a forwarded operation waits for the holding worker (as Redis forwarding does). */
export const WORKER_FORWARD_TIMEOUT_MS = 2_000

type Send = (message: Register | Forward | Managed) => boolean

export class WorkerConnectionDirectory implements NodeDirectory {
  readonly #send: Send
  readonly #questions = new PrimaryQuestions<ForwardOutcome>()
  #handler: ((apiId: string, connectionId: string, method: ManageMethod, body: Buffer) => ManageOutcome) | null = null

  constructor(send: Send = (m) => (process.send?.(m) ?? false)) {
    this.#send = send
  }

  serve(handler: (apiId: string, connectionId: string, method: ManageMethod, body: Buffer) => ManageOutcome): void {
    this.#handler = handler
  }

  register(connectionId: string): void {
    if (process.connected === true) this.#send({ gh: 'register', connectionId })
  }

  unregister(connectionId: string): void {
    if (process.connected === true) this.#send({ gh: 'unregister', connectionId })
  }

  forward(apiId: string, connectionId: string, method: ManageMethod, body: Buffer): Promise<ForwardOutcome> {
    return this.#questions
      .ask((ticket) => this.#send({ gh: 'forward', ticket, apiId, connectionId, method, body: body.toString('base64') }), {
        ms: WORKER_FORWARD_TIMEOUT_MS,
        reason: `the worker holding it did not answer within ${WORKER_FORWARD_TIMEOUT_MS} ms`,
      })
      .catch((err: Error) => ({ kind: 'unavailable', reason: err.message }))
  }

  /** Fed every message from the primary; returns whether it was the directory's. */
  receive(message: unknown): boolean {
    if (!isMessage<Manage | Managed>(message)) return false
    if (message.gh === 'managed') {
      this.#questions.answer(message.ticket, message.outcome)
      return true
    }
    if (message.gh !== 'manage') return false
    const outcome = this.#handler?.(message.apiId, message.connectionId, message.method, Buffer.from(message.body, 'base64')) ?? { kind: 'gone' as const }
    this.#send({ gh: 'managed', ticket: message.ticket, outcome })
    return true
  }

  /** The primary is gone: nothing forwarded will be answered. */
  orphaned(): void {
    this.#questions.orphaned()
  }

  async close(): Promise<void> {}
}
