/**
 * @module
 * Connection pools to backends: one undici `Agent` per distinct TLS setting, which keeps a
 * bounded keep-alive pool per origin. Shared by successive snapshots so that a reload keeps
 * warm connections; agents no snapshot uses any more are closed gracefully.
 */
import { createRequire } from 'node:module'
import type { Agent, Dispatcher } from 'undici'
import type { UpstreamTls } from '../../model/index.js'

/** Connections per backend origin; requests beyond them wait in the pool's queue. */
export const MAX_CONNECTIONS_PER_ORIGIN = 128
/** Idle keep-alive connections are closed after this (below Node's own 5 s server default). */
export const UPSTREAM_KEEP_ALIVE_TIMEOUT_MS = 4_000
/** The connect attempt's own limit; the integration timeout usually ends it sooner. */
export const UPSTREAM_CONNECT_TIMEOUT_MS = 10_000


export const DEFAULT_UPSTREAM_TLS: UpstreamTls = Object.freeze({ ca: null, serverNameToVerify: null, insecureSkipVerification: false })

const require = createRequire(import.meta.url)

/**
 * One TLS setting's pool. The undici `Agent` behind it is created (and undici loaded) with the
 * first request, not when a snapshot compiles: loading undici was a noticeable part of
 * `gatehouse serve`'s start (issue 16, target 5), and the first request is usually a function's.
 */
class LazyAgent {
  #agent: Agent | null = null
  readonly #tls: UpstreamTls
  /** What integrations hold: undici's dispatcher interface, as the gateway uses it (dispatch, request). */
  readonly dispatcher: Dispatcher

  constructor(tls: UpstreamTls) {
    this.#tls = tls
    this.dispatcher = {
      dispatch: (options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) => this.agent().dispatch(options, handler),
      request: (options: Dispatcher.RequestOptions) => this.agent().request(options),
    } as unknown as Dispatcher
  }

  agent(): Agent {
    if (this.#agent !== null) return this.#agent
    const { Agent } = require('undici') as typeof import('undici')
    const tls = this.#tls
    this.#agent = new Agent({
      connections: MAX_CONNECTIONS_PER_ORIGIN,
      pipelining: 1,
      keepAliveTimeout: UPSTREAM_KEEP_ALIVE_TIMEOUT_MS,
      connect: {
        timeout: UPSTREAM_CONNECT_TIMEOUT_MS,
        ...(tls.ca !== null ? { ca: tls.ca } : {}),
        ...(tls.serverNameToVerify !== null ? { servername: tls.serverNameToVerify } : {}),
        rejectUnauthorized: !tls.insecureSkipVerification,
      },
    })
    return this.#agent
  }

  /** The agent if any request created it. */
  get created(): Agent | null {
    return this.#agent
  }
}

export class UpstreamAgents {
  readonly #agents = new Map<string, LazyAgent>()

  /** The dispatcher for a TLS setting; its connections (and undici) come with its first request. */
  get(tls: UpstreamTls): { key: string; dispatcher: Dispatcher } {
    const key = JSON.stringify([tls.ca, tls.serverNameToVerify, tls.insecureSkipVerification])
    let agent = this.#agents.get(key)
    if (agent === undefined) {
      agent = new LazyAgent(tls)
      this.#agents.set(key, agent)
    }
    return { key, dispatcher: agent.dispatcher }
  }

  /** Closes (after their requests finish) the agents whose key is not in `used`. */
  async retain(used: ReadonlySet<string>): Promise<void> {
    const closing: Promise<void>[] = []
    for (const [key, agent] of this.#agents) {
      if (used.has(key)) continue
      this.#agents.delete(key)
      const created = agent.created
      if (created !== null) closing.push(created.close())
    }
    await Promise.all(closing)
  }

  /** Ends every connection now. */
  async destroy(): Promise<void> {
    const agents = [...this.#agents.values()]
    this.#agents.clear()
    await Promise.all(agents.map((a) => a.created?.destroy()))
  }
}
