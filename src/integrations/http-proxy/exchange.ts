/**
 * @module
 * One request to a backend, driven through undici's dispatcher handler interface rather
 * than its stream API: the response body goes straight from the backend's socket to the
 * client's, with backpressure, and no stream, promise or abort signal per request beyond
 * the one promise for the head. The integration timeout and the 10 MB quota are enforced
 * here; a failure after the head is sent can only cut the client's connection.
 */
import type { ServerResponse } from 'node:http'
import type { Dispatcher } from 'undici'
import type { StreamedBody } from '../../model/index.js'

/** The backend's answer head, or why there is none. */
export type ExchangeHead =
  | { readonly ok: true; readonly statusCode: number; readonly rawHeaders: readonly Buffer[]; readonly body: StreamedBody }
  | { readonly ok: false; readonly reason: 'timeout' | 'error'; readonly error: unknown }

export interface ExchangeLimits {
  readonly timeoutMs: number
  readonly maxResponseBytes: number
}

export class UpstreamExchange implements Dispatcher.DispatchHandler, StreamedBody {
  readonly #limits: ExchangeLimits
  #resolveHead: ((head: ExchangeHead) => void) | null
  #abort: ((err: Error) => void) | null = null
  #resume: (() => void) | null = null
  #timer: NodeJS.Timeout
  #timedOut = false
  /** Chunks that arrived before the server attached the client's response. */
  #pending: Buffer[] | null = []
  #res: ServerResponse | null = null
  #done: ((bytes: number) => void) | null = null
  #bytes = 0
  #finished = false
  #ended = false
  /** The backend failed after its head: the client's response must be cut, not ended. */
  #failed = false
  #collect: ((complete: boolean) => void) | null = null
  /** The body (all of it) that `#finish` hands to `end()`, when it was all pending at `pipe`. */
  #endedWith: Buffer | undefined = undefined

  constructor(limits: ExchangeLimits, resolveHead: (head: ExchangeHead) => void) {
    this.#limits = limits
    this.#resolveHead = resolveHead
    this.#timer = setTimeout(() => {
      this.#timedOut = true
      this.#abort?.(new Error(`integration timeout of ${limits.timeoutMs} ms`))
    }, limits.timeoutMs)
  }

  // --- undici's side ---

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort
    if (this.#timedOut) abort(new Error('integration timeout'))
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx answers (100 Continue) are undici's business.
    if (statusCode < 200) return true
    this.#resume = resume
    const resolve = this.#resolveHead
    this.#resolveHead = null
    resolve?.({ ok: true, statusCode, rawHeaders, body: this })
    return true
  }

  onData(chunk: Buffer): boolean {
    this.#bytes += chunk.length
    if (this.#bytes > this.#limits.maxResponseBytes) {
      this.#abort?.(new Error(`response body over ${this.#limits.maxResponseBytes} bytes`))
      return false
    }
    const res = this.#res
    if (res === null) {
      this.#pending?.push(chunk)
      return true
    }
    if (res.write(chunk)) return true
    res.once('drain', () => this.#resume?.())
    return false
  }

  onComplete(): void {
    clearTimeout(this.#timer)
    this.#ended = true
    if (this.#res !== null) this.#finish(true)
  }

  onError(err: Error): void {
    clearTimeout(this.#timer)
    const resolve = this.#resolveHead
    if (resolve !== null) {
      this.#resolveHead = null
      resolve({ ok: false, reason: this.#timedOut ? 'timeout' : 'error', error: err })
      return
    }
    // After the head: the status is gone, so the client's connection is cut.
    this.#ended = true
    this.#failed = true
    this.#pending = null
    if (this.#res !== null) {
      this.#res.destroy()
      this.#finish(false)
    }
  }

  // --- the server's side (StreamedBody) ---

  pipe(res: ServerResponse, done: (bytes: number) => void): void {
    this.#res = res
    this.#done = done
    if (this.#failed) {
      res.destroy()
      this.#finish(false)
      return
    }
    const pending = this.#pending ?? []
    this.#pending = null
    if (this.#ended && !res.destroyed) {
      // The whole body is already here (the usual case for small answers): one end(body) call
      // and no 'close' listener, since nothing is left to abort. (Node sends head and body in
      // one writev either way; this only saves the gateway's own JavaScript per response.)
      this.#endedWith = pending.length === 0 ? undefined : pending.length === 1 ? pending[0] : Buffer.concat(pending)
      this.#finish(true)
      return
    }
    // The client went away: the backend's answer has nowhere to go.
    res.once('close', () => {
      if (!this.#finished) {
        this.#abort?.(new Error('client closed the connection'))
        this.#finish(false)
      }
    })
    for (const chunk of pending) res.write(chunk)
    if (this.#ended) this.#finish(!res.destroyed)
  }

  /** The whole body instead (response mappings read it), or `null` when it failed midway. */
  readAll(): Promise<Buffer | null> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = []
      this.#collect = (complete) => resolve(complete ? Buffer.concat(chunks) : null)
      const sink = {
        destroyed: false,
        write: (chunk: Buffer): boolean => (chunks.push(chunk), true),
        end: (chunk?: Buffer): void => {
          if (chunk !== undefined) chunks.push(chunk)
        },
        destroy: (): void => undefined,
        once: (): unknown => sink,
      }
      this.pipe(sink as unknown as ServerResponse, () => undefined)
    })
  }

  discard(): void {
    this.#pending = null
    if (!this.#ended) this.#abort?.(new Error('response not sent'))
    clearTimeout(this.#timer)
  }

  #finish(complete: boolean): void {
    if (this.#finished) return
    this.#finished = true
    clearTimeout(this.#timer)
    if (complete) {
      const last = this.#endedWith
      this.#endedWith = undefined
      if (last === undefined) this.#res?.end()
      else this.#res?.end(last)
    }
    this.#done?.(this.#bytes)
    this.#collect?.(complete)
  }
}
