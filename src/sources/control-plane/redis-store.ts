/**
 * @module
 * Cluster mode: the control plane's state lives in Redis, so every node serves the same APIs.
 * A write is a compare-and-set on a revision number (a Lua script: state, revision and the
 * change notice in one step), so two nodes writing at once never overwrite each other: the
 * loser reloads and replays its operation. Nodes learn of a change by pub/sub, and by polling
 * the revision every second in case a message was missed. Function code travels as the zip it
 * was unpacked from, stored once per code hash, and is unpacked on each node when first needed.
 */
import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute } from 'node:path'
import type { Logger } from '../../logging/index.js'
import { createRedisClient, parseRedisUrl, type RedisClient } from '../../redis/index.js'
import { ensureUnpacked, zipPathOf } from './lambda-code.js'
import { emptyState, type PlaneState } from './state.js'
import type { SaveOutcome, StateStore } from './store.js'

/** Keys share one hash tag, so the script's keys are in one slot on a Redis Cluster. */
export const REDIS_STATE_KEY = '{gatehouse-control-plane}:state'
export const REDIS_REVISION_KEY = '{gatehouse-control-plane}:revision'
export const REDIS_CODE_PREFIX = '{gatehouse-control-plane}:code:'
export const REDIS_CHANGED_CHANNEL = 'gatehouse-control-plane:changed'
/** How often a node checks the revision besides pub/sub `[EMU]`: a change is live everywhere within about a second. */
export const REVISION_POLL_MS = 1000
/** How long a node's start waits for Redis to hand it the state (as the throttle's wait at start). */
export const REDIS_STATE_STARTUP_WAIT_MS = 3000

const COMPARE_AND_SET = `
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if current ~= tonumber(ARGV[2]) then return -1 end
redis.call('SET', KEYS[1], ARGV[1])
local next = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[3], next)
return next
`

export class RedisStateStore implements StateStore {
  readonly dir: string
  readonly #commands: RedisClient
  readonly #subscriber: RedisClient
  readonly #logger: Logger
  #revision = 0
  #started = false
  #poll: NodeJS.Timeout | undefined
  /** Code keys known to be in Redis already. */
  readonly #uploaded = new Set<string>()

  constructor(url: string, dir: string, logger: Logger) {
    this.dir = dir
    this.#logger = logger
    const target = parseRedisUrl(url)
    // Management writes may wait for Redis to come back (the client's own timeout applies), unlike the request path.
    this.#commands = createRedisClient(target, 'subscriber')
    this.#subscriber = createRedisClient(target, 'subscriber')
    for (const c of [this.#commands, this.#subscriber]) c.on('error', (err: Error) => logger.debug('Redis (control-plane state)', { error: err.message }))
  }

  get revision(): number {
    return this.#revision
  }

  /**
   * At start, a Redis that does not answer within `REDIS_STATE_STARTUP_WAIT_MS` does not hold the
   * gateway up: it starts with no control-plane APIs, and the revision check loads them once
   * Redis answers (a write meanwhile waits for Redis, then replays on its state).
   */
  async load(): Promise<PlaneState> {
    if (this.#started) return this.#load()
    this.#started = true
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), REDIS_STATE_STARTUP_WAIT_MS)))
    const loading = this.#load()
    loading.catch(() => undefined)
    const first = await Promise.race([loading, timeout])
    clearTimeout(timer)
    if (first !== 'timeout') return first
    this.#logger.warn(`Redis did not answer within ${REDIS_STATE_STARTUP_WAIT_MS} ms: serving no control-plane APIs until it does`)
    return emptyState()
  }

  async #load(): Promise<PlaneState> {
    const [[, text], [, revision]] = ((await this.#commands.multi().get(REDIS_STATE_KEY).get(REDIS_REVISION_KEY).exec()) ?? []) as [[unknown, string | null], [unknown, string | null]]
    const state = text === null ? emptyState() : (JSON.parse(text) as PlaneState)
    for (const fn of Object.values(state.functions)) {
      if (isAbsolute(fn.codeDir) || existsSync(`${this.dir}/${fn.codeDir}`)) continue
      const zip = await this.#commands.getBuffer(REDIS_CODE_PREFIX + fn.codeDir)
      if (zip === null) {
        this.#logger.error(`Function code ${fn.codeDir} is missing from Redis; the function cannot start on this node`)
        continue
      }
      ensureUnpacked(zip, this.dir, fn.codeDir)
    }
    this.#revision = Number(revision ?? '0')
    return state
  }

  async save(state: PlaneState): Promise<SaveOutcome> {
    for (const fn of Object.values(state.functions)) {
      if (isAbsolute(fn.codeDir) || this.#uploaded.has(fn.codeDir)) continue
      const key = REDIS_CODE_PREFIX + fn.codeDir
      if ((await this.#commands.exists(key)) === 0) await this.#commands.set(key, readFileSync(zipPathOf(this.dir, fn.codeDir)))
      this.#uploaded.add(fn.codeDir)
    }
    const next = Number(await this.#commands.eval(COMPARE_AND_SET, 2, REDIS_STATE_KEY, REDIS_REVISION_KEY, JSON.stringify(state), String(this.#revision), REDIS_CHANGED_CHANNEL))
    if (next < 0) return 'conflict'
    this.#revision = next
    return 'saved'
  }

  watch(onChange: () => void): void {
    this.#subscriber.on('message', (_channel: string, message: string) => {
      if (Number(message) > this.#revision) onChange()
    })
    void this.#subscriber.subscribe(REDIS_CHANGED_CHANNEL).catch(() => undefined)
    this.#poll = setInterval(() => {
      this.#commands.get(REDIS_REVISION_KEY).then(
        (r) => {
          if (Number(r ?? '0') > this.#revision) onChange()
        },
        () => undefined
      )
    }, REVISION_POLL_MS)
    this.#poll.unref()
  }

  async close(): Promise<void> {
    if (this.#poll !== undefined) clearInterval(this.#poll)
    this.#commands.disconnect()
    this.#subscriber.disconnect()
  }
}
