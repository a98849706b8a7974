/**
 * @module
 * The control plane: its state, the file view it is combined with, and how a change goes live.
 * Changes are serialised (no write is lost to a concurrent one); each works on a draft that
 * replaces the state only once the gateway has validated, compiled and swapped in the combined
 * configuration and the state folder holds it. A change the gateway refuses leaves nothing behind.
 */
import { NODE_RUNTIMES } from '../../functions/index.js'
import type { GatehouseConfig, InvokeResult } from '../../model/index.js'
import type { FileApi, ImportResult, OpContext } from './context.js'
import { buildDocument, type FileView, type PlaneDocument } from './document.js'
import { fileApiState } from './file-apis.js'
import { badRequest, ControlPlaneError } from './errors.js'
import { cloneState, type PlaneState, type Wire } from './state.js'
import { autoDeploy } from './stages.js'
import type { SaveOutcome, StateStore } from './store.js'

export type ApplyResult = { readonly ok: true } | { readonly ok: false; readonly messages: readonly string[] }

/** What the gateway offers the control plane. */
export interface ControlPlaneHost {
  /** The configuration from the config file (or object) alone. */
  fileConfig(): GatehouseConfig
  /** Rebuilds the combined configuration (asking `documentFor`) and swaps it in. */
  reload(): Promise<ApplyResult>
  /** Reads an OpenAPI 3 document for `ImportApi`/`ReimportApi`. */
  importOpenApi(text: string): ImportResult
  /** Invokes a function of the running snapshot; `undefined` when it has none of that name. */
  invoke(functionName: string, payload: string, timeoutMs: number): Promise<InvokeResult | undefined>
}

/** Times a change is replayed when other nodes keep writing first (cluster mode). */
export const MAX_CONFLICT_RETRIES = 10

export class ControlPlane {
  #store: StateStore | undefined
  #host: ControlPlaneHost | undefined
  #state: PlaneState | undefined
  /** The draft being applied: the document the gateway builds while a change is in flight. */
  #pending: PlaneState | undefined
  #queue: Promise<unknown> = Promise.resolve()

  /** Loads the saved state; call before the gateway's first build. */
  async open(host: ControlPlaneHost, store: StateStore): Promise<void> {
    this.#host = host
    this.#store = store
    this.#state = await store.load()
    store.watch?.(() => void this.refresh())
  }

  get store(): StateStore {
    if (this.#store === undefined) throw new Error('Bug: the control plane is not open')
    return this.#store
  }

  async close(): Promise<void> {
    await this.#store?.close()
    this.#store = undefined
  }

  /** Another node changed the state: load it and serve it. */
  refresh(): Promise<void> {
    const run = this.#queue.then(async () => {
      const state = await this.store.load()
      const applied = await this.#serve(state)
      // What another node acknowledged is the state, even if this node cannot serve it (its own log says why).
      this.#state = state
      void applied
    })
    this.#queue = run.catch(() => undefined)
    return run
  }

  async #serve(state: PlaneState): Promise<ApplyResult> {
    this.#pending = state
    try {
      return await this.host.reload()
    } finally {
      this.#pending = undefined
    }
  }

  get state(): PlaneState {
    if (this.#state === undefined) throw new Error('Bug: the control plane is not open')
    return this.#state
  }

  get host(): ControlPlaneHost {
    if (this.#host === undefined) throw new Error('Bug: the control plane is not open')
    return this.#host
  }

  /** The control plane's part of the configuration, combined with `file`. */
  documentFor(file: GatehouseConfig): PlaneDocument {
    return buildDocument(this.#pending ?? this.state, fileViewOf(file))
  }

  context(state: PlaneState): OpContext {
    const file = this.host.fileConfig()
    const view = fileViewOf(file)
    const host = this.host
    return { state, region: view.region, accountId: view.accountId, now: Date.now(), touched: new Set(), fileApis: view.apis, importOpenApi: (text) => host.importOpenApi(text) }
  }

  /** Runs a read against the current state. */
  read<T>(op: (ctx: OpContext) => T): T {
    return op(this.context(this.state))
  }

  /** Runs a change: draft, auto-deploy, apply, save; then the draft is the state. */
  mutate<T>(op: (ctx: OpContext) => T | Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      for (let attempt = 0; ; attempt++) {
        const draft = cloneState(this.state)
        const ctx = this.context(draft)
        const result = await op(ctx)
        for (const apiId of ctx.touched) {
          const api = draft.apis[apiId]
          if (api !== undefined) autoDeploy(ctx, api)
        }
        const applied = await this.#serve(draft)
        if (!applied.ok) {
          // The running snapshot was kept; the draft is dropped.
          throw badRequest(applied.messages.length > 0 ? applied.messages.join('; ') : 'The change could not be applied')
        }
        let outcome: SaveOutcome
        try {
          outcome = await this.store.save(draft)
        } catch (err) {
          // Not acknowledged, so not served either: back to the saved state.
          await this.host.reload()
          throw err
        }
        if (outcome === 'saved') {
          this.#state = draft
          return result
        }
        // Another node wrote first: replay the operation on its state.
        this.#state = await this.store.load()
        if (attempt >= MAX_CONFLICT_RETRIES) {
          await this.host.reload()
          throw new ControlPlaneError('TooManyRequestsException', 'Other nodes kept changing the state; try again', { limitType: 'ConcurrentModification' })
        }
      }
    })
    this.#queue = run.catch(() => undefined)
    return run
  }
}

/** The file configuration as the control plane sees it: settings, functions to reference, APIs to list. */
export function fileViewOf(config: GatehouseConfig): FileView {
  const functions: Record<string, Wire> = {}
  for (const fn of config.functions.values()) {
    // Everything the function was loaded from, so that it loads again the same (runtime, code
    // folder, layers...): the control plane's document replaces the file's as the source.
    functions[fn.name] = {
      handler: fn.handler,
      runtime: fn.runtime,
      codeUri: fn.codeDir,
      timeout: fn.timeoutSeconds,
      memorySize: fn.memorySize,
      ...(Object.keys(fn.environment).length > 0 ? { environment: fn.environment } : {}),
      ...(fn.reservedConcurrency !== null ? { reservedConcurrency: fn.reservedConcurrency } : {}),
      ...(fn.layers.length > 0 ? { layers: fn.layers } : {}),
      ...(NODE_RUNTIMES.includes(fn.runtime) ? { isolation: fn.isolation } : {}),
      ...(fn.interpreter !== null ? { interpreter: fn.interpreter } : {}),
    }
  }
  const file = config.configFile ?? '<config object>'
  const apis = new Map<string, FileApi>()
  for (const api of [...config.apis, ...config.websocketApis]) {
    apis.set(api.apiId, { apiId: api.apiId, name: api.name, protocolType: api.protocolType, file, view: () => fileApiState(api, config.region) })
  }
  const iam =
    config.iam === null
      ? undefined
      : {
          credentials: [...config.iam.credentials.values()].map((c) => ({ ...c })),
          allowSessionTokens: config.iam.allowSessionTokens,
          clockSkewSeconds: Math.round(config.iam.clockSkewMs / 1000),
        }
  return { region: config.region, accountId: config.accountId, iam, functions, apis }
}
