/**
 * @module
 * Where access-log lines go: `stdout`, `stderr`, `none`, or a file (appended). Writes are
 * asynchronous, so a slow disk never blocks a request; a file is reopened on demand
 * (`reopen()`, on SIGHUP from the CLI) so that log rotation works. Sinks are shared by
 * destination and survive reloads that keep the destination.
 */
import { appendFile, createWriteStream, type WriteStream } from 'node:fs'
import type { Logger } from './logger.js'
import type { AccessLogSink } from '../model/index.js'


const noopSink: AccessLogSink = { write: () => {} }
const stdoutSink: AccessLogSink = { write: (line) => void process.stdout.write(line + '\n') }
const stderrSink: AccessLogSink = { write: (line) => void process.stderr.write(line + '\n') }

/**
 * Bytes a file sink may hold in memory while the disk is behind. Past it, lines are dropped
 * and counted (and reported) rather than letting memory grow without bound.
 */
export const MAX_PENDING_BYTES = 64 * 1024 * 1024

/**
 * Lines are collected and handed to the file once per interval or size, not one write each:
 * every write wakes one of Node's file-write threads, which cost more per request than
 * formatting the line (measured in docs/benchmarks.md).
 */
export const FLUSH_INTERVAL_MS = 50
export const FLUSH_BYTES = 64 * 1024

class FileSink implements AccessLogSink {
  readonly path: string
  readonly #logger: Logger
  #stream: WriteStream
  #closed = false
  #pending: string[] = []
  #pendingBytes = 0
  #timer: NodeJS.Timeout | undefined
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
    if (this.#stream.writableLength + this.#pendingBytes > MAX_PENDING_BYTES) {
      if (this.dropped++ === 0) this.#logger.warn('Access log destination is too slow; dropping lines', { path: this.path })
      return
    }
    this.#pending.push(line)
    this.#pendingBytes += line.length + 1
    if (this.#pendingBytes >= FLUSH_BYTES) this.#flush()
    else if (this.#timer === undefined) this.#timer = setTimeout(this.#flush, FLUSH_INTERVAL_MS).unref()
  }

  /** Hands the collected lines to the current file in one write. */
  readonly #flush = (): void => {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#pending.length === 0) return
    this.#stream.write(this.#pending.join('\n') + '\n')
    this.#pending = []
    this.#pendingBytes = 0
  }

  /** Writes what is collected, closes the current file once written, and opens the path anew. */
  reopen(): void {
    this.#flush()
    const old = this.#stream
    this.#stream = this.#open()
    old.end()
  }

  close(): Promise<void> {
    this.#flush()
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
