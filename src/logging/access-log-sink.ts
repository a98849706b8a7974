/**
 * @module
 * Where access-log lines go: `stdout`, `stderr`, `none`, or a file (appended). Writes are
 * asynchronous, so a slow disk never blocks a request; a file is reopened on demand
 * (`reopen()`, on SIGHUP from the CLI) so that log rotation works. Sinks are shared by
 * destination and survive reloads that keep the destination.
 */
import { appendFile, createWriteStream, type WriteStream } from 'node:fs'
import type { Logger } from './logger.js'

export interface AccessLogSink {
  write(line: string): void
}

const noopSink: AccessLogSink = { write: () => {} }
const stdoutSink: AccessLogSink = { write: (line) => void process.stdout.write(line + '\n') }
const stderrSink: AccessLogSink = { write: (line) => void process.stderr.write(line + '\n') }

/**
 * Bytes a file sink may hold in memory while the disk is behind. Past it, lines are dropped
 * and counted (and reported) rather than letting memory grow without bound.
 */
export const MAX_PENDING_BYTES = 64 * 1024 * 1024

class FileSink implements AccessLogSink {
  readonly path: string
  readonly #logger: Logger
  #stream: WriteStream
  #closed = false
  #corked = false
  dropped = 0

  constructor(path: string, logger: Logger) {
    this.path = path
    this.#logger = logger
    this.#stream = this.#open()
  }

  write(line: string): void {
    if (this.#closed) {
      // A request that was in flight when a reload retired this destination: append
      // directly rather than lose its line.
      appendFile(this.path, line + '\n', (err) => {
        if (err !== null) this.#logger.error('Cannot write access log', { path: this.path, error: err.message })
      })
      return
    }
    if (this.#stream.writableLength > MAX_PENDING_BYTES) {
      if (this.dropped++ === 0) this.#logger.warn('Access log destination is too slow; dropping lines', { path: this.path })
      return
    }
    // Lines written in the same tick leave in one writev instead of one write call each.
    if (!this.#corked) {
      this.#corked = true
      this.#stream.cork()
      process.nextTick(this.#uncork)
    }
    this.#stream.write(line + '\n')
  }

  readonly #uncork = (): void => {
    this.#corked = false
    this.#stream.uncork()
  }

  /** Closes the current file once its pending lines are written, and opens the path anew. */
  reopen(): void {
    const old = this.#stream
    this.#stream = this.#open()
    this.#corked = false
    old.end()
  }

  close(): Promise<void> {
    this.#closed = true
    return new Promise((resolve) => this.#stream.end(resolve))
  }

  #open(): WriteStream {
    const stream = createWriteStream(this.path, { flags: 'a' })
    stream.on('error', (err) => this.#logger.error('Cannot write access log', { path: this.path, error: err.message }))
    return stream
  }
}

/** The sinks of one gateway, by destination. */
export class AccessLogSinks {
  readonly #logger: Logger
  readonly #files = new Map<string, FileSink>()

  constructor(logger: Logger) {
    this.#logger = logger
  }

  get(destination: string): AccessLogSink {
    switch (destination) {
      case 'stdout':
        return stdoutSink
      case 'stderr':
        return stderrSink
      case 'none':
        return noopSink
    }
    let sink = this.#files.get(destination)
    if (sink === undefined) this.#files.set(destination, (sink = new FileSink(destination, this.#logger)))
    return sink
  }

  /** Closes file sinks no longer used by `destinations` (after a reload). */
  async retain(destinations: ReadonlySet<string>): Promise<void> {
    const unused = [...this.#files.values()].filter((s) => !destinations.has(s.path))
    for (const sink of unused) this.#files.delete(sink.path)
    await Promise.all(unused.map((s) => s.close()))
  }

  /** Reopens every file (log rotation). */
  reopen(): void {
    for (const sink of this.#files.values()) sink.reopen()
  }

  async close(): Promise<void> {
    await this.retain(new Set())
  }
}
