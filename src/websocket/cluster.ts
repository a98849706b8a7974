/**
 * @module
 * WebSocket connections across nodes (issue 8): Redis records which node holds each
 * connection, and `@connections` requests for a connection held elsewhere are forwarded to
 * that node over pub/sub and answered from there. Each node keeps a heartbeat key alive; a
 * node that dies stops owning its connections once its heartbeat expires
 * (`NODE_HEARTBEAT_TTL_MS`), after which they answer 410 like any closed connection.
 *
 * Commands go through the node's circuit breaker (src/redis/breaker.ts): while it is open,
 * forwarding answers `unavailable` at once and registrations wait for Redis to be back.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from '../logging/index.js'
import { SharedRedis, closeRedisClient, type RedisClient } from '../redis/index.js'
import type { ManageMethod, ManageOutcome } from './manage.js'

/** A node whose heartbeat is older than this no longer owns its connections. */
export const NODE_HEARTBEAT_TTL_MS = 5_000
const HEARTBEAT_EVERY_MS = 1_500
/** How long a forwarded request waits for the owner node's answer. */
export const FORWARD_TIMEOUT_MS = 2_000
/** One hash slot for every key (`{ws}`), so the layout also suits Redis Cluster. */
const PREFIX = 'gatehouse:{ws}:'

/** A forwarded request could not be answered: Redis or the owner node did not respond. */
export type ForwardOutcome = ManageOutcome | { readonly kind: 'unavailable'; readonly reason: string }

interface ForwardMessage {
  readonly replyTo: string
  readonly ticket: string
  readonly apiId: string
  readonly connectionId: string
  readonly method: ManageMethod
  /** base64 */
  readonly body: string
}

interface ReplyMessage {
  readonly ticket: string
  readonly outcome: ManageOutcome
}

/**
 * Where the connections of other processes are found: Redis across nodes (`ConnectionDirectory`)
 * or the primary across the workers of one machine (src/workers).
 */
export interface NodeDirectory {
  /** Answers requests forwarded from other processes for connections held here. */
  serve(handler: (apiId: string, connectionId: string, method: ManageMethod, body: Buffer) => ManageOutcome): void
  register(connectionId: string): void
  unregister(connectionId: string): void
  /** An operation on a connection not held here, answered by the process holding it. */
  forward(apiId: string, connectionId: string, method: ManageMethod, body: Buffer): Promise<ForwardOutcome>
  close(): Promise<void>
}

export class ConnectionDirectory implements NodeDirectory {
  readonly nodeId = randomUUID()
  readonly #shared: SharedRedis
  readonly #owned: boolean
  readonly #sub: RedisClient
  readonly #offBack: () => void
  readonly #logger: Logger
  readonly #pending = new Map<string, (outcome: ForwardOutcome) => void>()
  /** Connections held here, re-registered whenever Redis comes (back): it may have lost them. */
  readonly #local = new Set<string>()
  #missedBeats = false
  readonly #heartbeat: NodeJS.Timeout
  #handler: ((apiId: string, connectionId: string, method: ManageMethod, body: Buffer) => ManageOutcome) | null = null

  /** `redis`: a URL (a connection of its own) or the node's `SharedRedis` (and its breaker). */
  constructor(redis: string | SharedRedis, logger: Logger) {
    this.#logger = logger
    this.#owned = typeof redis === 'string'
    this.#shared = typeof redis === 'string' ? new SharedRedis(redis, logger) : redis
    // Subscriptions survive reconnects only with a queue: ioredis re-subscribes on its own.
    this.#sub = this.#shared.subscriber()
    this.#sub.on('error', (err: Error) => logger.debug('Redis (WebSocket directory)', { error: err.message }))
    this.#sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.#onMessage(channel.toString(), message.toString()))
    void this.#sub.subscribe(this.#nodeChannel(this.nodeId)).catch(() => undefined)
    this.#heartbeat = setInterval(() => void this.#beat(), HEARTBEAT_EVERY_MS)
    this.#heartbeat.unref()
    // Redis (back) after an outage or at start: it may have lost our keys.
    this.#offBack = this.#shared.breaker.onBack(() => {
      void this.#beat()
      this.#registerAll()
    })
    // The node's shared connection may be up already (the limiter waited for it).
    if (!this.#shared.breaker.isOpen) void this.#beat()
  }

  /** Answers requests other nodes forward for connections held here. */
  serve(handler: (apiId: string, connectionId: string, method: ManageMethod, body: Buffer) => ManageOutcome): void {
    this.#handler = handler
  }

  /** A connection opened here. Best effort: without Redis it is reachable only locally. */
  register(connectionId: string): void {
    this.#local.add(connectionId)
    this.#shared.breaker.fire((r) => r.set(PREFIX + 'conn:' + connectionId, this.nodeId))
  }

  unregister(connectionId: string): void {
    this.#local.delete(connectionId)
    this.#shared.breaker.fire((r) => r.del(PREFIX + 'conn:' + connectionId))
  }

  /** After a reconnect (a restarted Redis keeps nothing): every connection held here again. */
  #registerAll(): void {
    if (this.#local.size === 0) return
    // One hash slot ({ws}): the pipeline also suits Redis Cluster.
    this.#shared.breaker.fire((r) => {
      const pipeline = r.pipeline()
      for (const id of this.#local) pipeline.set(PREFIX + 'conn:' + id, this.nodeId)
      return pipeline.exec()
    })
  }

  /** Forwards an operation to the node holding `connectionId`. */
  async forward(apiId: string, connectionId: string, method: ManageMethod, body: Buffer): Promise<ForwardOutcome> {
    const found = await this.#shared.breaker.run<{ owner: string | null; alive: number } | { unavailable: string }>(
      async (r) => {
        const owner = await r.get(PREFIX + 'conn:' + connectionId)
        if (owner === null || owner === this.nodeId) return { owner: null, alive: 0 }
        return { owner, alive: await r.exists(PREFIX + 'node:' + owner) }
      },
      (reason) => ({ unavailable: reason })
    )
    if ('unavailable' in found) return { kind: 'unavailable', reason: found.unavailable }
    const { owner, alive } = found
    if (owner === null) return { kind: 'gone' }
    if (alive === 0) {
      // Its node is gone (heartbeat expired): so is the connection.
      this.#shared.breaker.fire((r) => r.del(PREFIX + 'conn:' + connectionId))
      return { kind: 'gone' }
    }
    const ticket = randomUUID()
    const message: ForwardMessage = { replyTo: this.nodeId, ticket, apiId, connectionId, method, body: body.toString('base64') }
    return new Promise<ForwardOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(ticket)
        resolve({ kind: 'unavailable', reason: `node ${owner} did not answer within ${FORWARD_TIMEOUT_MS} ms` })
      }, FORWARD_TIMEOUT_MS)
      this.#pending.set(ticket, (outcome) => {
        clearTimeout(timer)
        this.#pending.delete(ticket)
        resolve(outcome)
      })
      void this.#shared.breaker.run(
        (r) => r.publish(this.#nodeChannel(owner), JSON.stringify(message)).then(() => undefined),
        (reason) => this.#pending.get(ticket)?.({ kind: 'unavailable', reason })
      )
    })
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeat)
    this.#offBack()
    if (!this.#shared.breaker.isOpen) await this.#shared.client.del(PREFIX + 'node:' + this.nodeId).catch(() => undefined)
    closeRedisClient(this.#sub)
    if (this.#owned) await this.#shared.close()
  }

  #nodeChannel(nodeId: string): string {
    return PREFIX + 'to:' + nodeId
  }

  async #beat(): Promise<void> {
    const ok = await this.#shared.breaker.run(
      (r) => r.set(PREFIX + 'node:' + this.nodeId, String(Date.now()), 'PX', NODE_HEARTBEAT_TTL_MS).then(() => true),
      () => false
    )
    // After missed heartbeats other nodes may have dropped our connections as gone: restore them.
    if (ok && this.#missedBeats) this.#registerAll()
    this.#missedBeats = !ok
  }

  #onMessage(channel: string, text: string): void {
    let message: Partial<ForwardMessage & ReplyMessage>
    try {
      message = JSON.parse(text) as Partial<ForwardMessage & ReplyMessage>
    } catch {
      return
    }
    if (message.outcome !== undefined && message.ticket !== undefined) {
      this.#pending.get(message.ticket)?.(message.outcome)
      return
    }
    const { replyTo, ticket, apiId, connectionId, method, body } = message
    if (replyTo === undefined || ticket === undefined || apiId === undefined || connectionId === undefined || method === undefined) return
    const outcome = this.#handler?.(apiId, connectionId, method, Buffer.from(body ?? '', 'base64')) ?? { kind: 'gone' as const }
    const reply: ReplyMessage = { ticket, outcome }
    void this.#shared.breaker.run(
      (r) => r.publish(this.#nodeChannel(replyTo), JSON.stringify(reply)).then(() => undefined),
      (reason) => this.#logger.debug('Could not answer a forwarded @connections request', { channel, error: reason })
    )
  }
}
