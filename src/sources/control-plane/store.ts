/**
 * @module
 * The state folder (`--state DIR`): `state.json` written atomically and durably (write a
 * temporary file, fsync it, rename it over the old one, fsync the folder), so a crash leaves
 * either the previous state or the new one, never half of one. Function code lives beside it
 * in `functions/`.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { emptyState, type PlaneState } from './state.js'

export const STATE_FILE = 'state.json'

/** `conflict`: another node wrote first (cluster mode); reload and replay. */
export type SaveOutcome = 'saved' | 'conflict'

export interface StateStore {
  /** The saved state, or an empty one when nothing was saved yet. Throws naming the file when it cannot be read. */
  load(): Promise<PlaneState>
  save(state: PlaneState): Promise<SaveOutcome>
  /** Calls `onChange` when another node changed the state (cluster mode only). */
  watch?(onChange: () => void): void
  /** The state folder: function code is unpacked below it (`functions/`), on every node. */
  readonly dir: string
  close(): Promise<void>
}

export class FolderStateStore implements StateStore {
  readonly dir: string
  #counter = 0

  constructor(dir: string) {
    this.dir = dir
  }

  async load(): Promise<PlaneState> {
    const file = join(this.dir, STATE_FILE)
    if (!existsSync(file)) return emptyState()
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'))
    } catch (err) {
      throw new Error(`${file}: the control plane's state cannot be read: ${(err as Error).message}`)
    }
    if (typeof parsed !== 'object' || parsed === null || (parsed as { version?: unknown }).version !== 1) {
      throw new Error(`${file}: not a Gatehouse control-plane state (version 1)`)
    }
    return parsed as PlaneState
  }

  async save(state: PlaneState): Promise<SaveOutcome> {
    mkdirSync(this.dir, { recursive: true })
    const file = join(this.dir, STATE_FILE)
    const temporary = `${file}.${process.pid}.${++this.#counter}.tmp`
    const fd = openSync(temporary, 'w')
    try {
      writeSync(fd, JSON.stringify(state))
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temporary, file)
    // The rename itself is durable only once the folder is flushed.
    const dirFd = openSync(this.dir, 'r')
    try {
      fsyncSync(dirFd)
    } finally {
      closeSync(dirFd)
    }
    return 'saved'
  }

  async close(): Promise<void> {}
}
