/**
 * @module
 * The keys of one JWT authorizer: found through OpenID discovery
 * (`{issuer}/.well-known/openid-configuration` → `jwks_uri`), a configured JWKS URL, or keys
 * given in the config. Fetched keys are cached; an unknown `kid` triggers one refetch, at
 * most once per cooldown, so a flood of forged `kid`s cannot hammer the issuer. Fetches obey
 * AWS's limits: 1,500 ms per endpoint and 150,000 bytes per JWKS (spec 5.1, 13.2).
 */
import type { JSONWebKeySet } from 'jose'
import type { JwksSource } from '../../model/index.js'

export const DISCOVERY_TIMEOUT_MS = 1_500
export const JWKS_TIMEOUT_MS = 1_500
export const MAX_JWKS_BYTES = 150_000
/** How long fetched keys are used before being fetched again `[UNCONFIRMED]` (spec 5.1 proposes 1 h). */
export const JWKS_CACHE_MS = 60 * 60 * 1000
/** The least time between two refetches caused by unknown `kid`s. */
export const JWKS_REFETCH_COOLDOWN_MS = 30_000

export class JwksFetchError extends Error {
  override readonly name = 'JwksFetchError'
}

export interface JwksProviderOptions {
  readonly issuer: string
  readonly source: JwksSource
  readonly now?: () => number
}

export class JwksProvider {
  readonly #issuer: string
  readonly #source: JwksSource
  readonly #now: () => number
  #keys: JSONWebKeySet | undefined
  #fetchedAt = -Infinity
  #lastRefetch = -Infinity
  #inFlight: Promise<JSONWebKeySet> | undefined

  constructor(options: JwksProviderOptions) {
    this.#issuer = options.issuer.replace(/\/+$/, '')
    this.#source = options.source
    this.#now = options.now ?? Date.now
    if (options.source.kind === 'keys') this.#keys = options.source.jwks as JSONWebKeySet
  }

  /** The current key set, fetched if not cached (or cached too long). */
  keys(): JSONWebKeySet | Promise<JSONWebKeySet> {
    if (this.#source.kind === 'keys') return this.#keys as JSONWebKeySet
    if (this.#keys !== undefined && this.#now() - this.#fetchedAt < JWKS_CACHE_MS) return this.#keys
    return this.#fetch()
  }

  /**
   * Called when a token names a `kid` the key set lacks (the issuer may have rotated its
   * keys): refetches unless one happened within the cooldown. Resolves to whether new keys
   * were fetched.
   */
  async refetchForUnknownKid(): Promise<boolean> {
    if (this.#source.kind === 'keys' || this.#now() - this.#lastRefetch < JWKS_REFETCH_COOLDOWN_MS) return false
    this.#lastRefetch = this.#now()
    await this.#fetch()
    return true
  }

  #fetch(): Promise<JSONWebKeySet> {
    // Concurrent requests share one fetch.
    this.#inFlight ??= this.#load().finally(() => (this.#inFlight = undefined))
    return this.#inFlight
  }

  async #load(): Promise<JSONWebKeySet> {
    const uri = this.#source.kind === 'uri' ? this.#source.uri : await this.#discoverJwksUri()
    const jwks = (await fetchJson(uri, JWKS_TIMEOUT_MS, MAX_JWKS_BYTES, 'JWKS')) as { keys?: unknown }
    if (!Array.isArray(jwks.keys)) throw new JwksFetchError(`JWKS at ${uri} has no "keys" array`)
    this.#keys = jwks as JSONWebKeySet
    this.#fetchedAt = this.#now()
    return this.#keys
  }

  async #discoverJwksUri(): Promise<string> {
    const url = `${this.#issuer}/.well-known/openid-configuration`
    const doc = (await fetchJson(url, DISCOVERY_TIMEOUT_MS, MAX_JWKS_BYTES, 'OpenID discovery document')) as { jwks_uri?: unknown }
    if (typeof doc.jwks_uri !== 'string') throw new JwksFetchError(`OpenID discovery document at ${url} has no jwks_uri`)
    return doc.jwks_uri
  }
}

async function fetchJson(url: string, timeoutMs: number, maxBytes: number, what: string): Promise<unknown> {
  let res: Response
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' }, redirect: 'follow' })
  } catch (err) {
    const reason = (err as Error).name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : (err as Error).message
    throw new JwksFetchError(`cannot fetch ${what} from ${url}: ${reason}`)
  }
  if (!res.ok) throw new JwksFetchError(`cannot fetch ${what} from ${url}: HTTP ${res.status}`)
  const declared = Number(res.headers.get('content-length') ?? '0')
  if (declared > maxBytes) throw new JwksFetchError(`${what} at ${url} is larger than ${maxBytes} bytes`)
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = res.body?.getReader()
  for (;;) {
    let part: { done: true; value?: undefined } | { done: false; value: Uint8Array }
    try {
      part = reader === undefined ? { done: true, value: undefined } : await reader.read()
    } catch (err) {
      // The timeout covers the body too: a body that arrives too slowly fails the fetch.
      const reason = (err as Error).name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : (err as Error).message
      throw new JwksFetchError(`cannot read ${what} from ${url}: ${reason}`)
    }
    if (part.done) break
    size += part.value.length
    if (size > maxBytes) {
      await reader?.cancel()
      throw new JwksFetchError(`${what} at ${url} is larger than ${maxBytes} bytes`)
    }
    chunks.push(part.value)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
  } catch {
    throw new JwksFetchError(`${what} at ${url} is not JSON`)
  }
}
