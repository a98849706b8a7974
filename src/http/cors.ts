/**
 * @module
 * CORS for HTTP APIs (spec 8): the automatic answer to a preflight no route matches, and
 * the configured headers on every other response to a request with an `Origin`. With CORS
 * configured, the integration's own `access-control-*` headers are dropped (spec 8.2).
 */
import type { CorsConfiguration, CorsPolicy as CorsBehaviour, Reply, RequestContext } from '../model/index.js'


/** Status of the automatic preflight answer; AWS does not document it `[UNCONFIRMED]` (spec 8.2). */
export const PREFLIGHT_STATUS = 204

/**
 * Whether gateway-generated answers (401, 403, 404, 429, 5xx) carry the CORS headers too.
 * Undocumented for HTTP APIs `[UNCONFIRMED]`; without them a browser hides the status from
 * the page, so we add them as to any response.
 */
export const CORS_ON_GATEWAY_RESPONSES = true

const EMPTY = Buffer.alloc(0)

export class CorsPolicy implements CorsBehaviour {
  readonly #config: CorsConfiguration
  readonly #anyOrigin: boolean
  /** Lower-cased exact origins. */
  readonly #origins: ReadonlySet<string>
  /** Schemes allowed by `scheme://*` entries (`https:`). */
  readonly #schemes: readonly string[]
  readonly #methods: ReadonlySet<string>
  readonly #anyMethod: boolean
  readonly #headers: ReadonlySet<string>
  readonly #anyHeader: boolean
  readonly #exposeHeaders: string
  readonly #maxAge: string | null

  constructor(config: CorsConfiguration) {
    this.#config = config
    this.#anyOrigin = config.allowOrigins.includes('*')
    this.#origins = new Set(config.allowOrigins.filter((o) => !o.endsWith('://*')).map((o) => o.toLowerCase()))
    this.#schemes = config.allowOrigins.filter((o) => o.endsWith('://*')).map((o) => o.slice(0, -2).toLowerCase().replace(/\/$/, ''))
    this.#methods = new Set(config.allowMethods.map((m) => m.toUpperCase()))
    this.#anyMethod = this.#methods.has('*')
    this.#headers = new Set(config.allowHeaders.map((h) => h.toLowerCase()))
    this.#anyHeader = this.#headers.has('*')
    this.#exposeHeaders = config.exposeHeaders.join(',')
    this.#maxAge = config.maxAge !== null && config.maxAge >= 0 ? String(config.maxAge) : null
  }

  /** A preflight: `OPTIONS` with both `Origin` and `Access-Control-Request-Method` (spec 8.2). */
  isPreflight(ctx: RequestContext): boolean {
    return ctx.method === 'OPTIONS' && ctx.header('origin') !== undefined && ctx.header('access-control-request-method') !== undefined
  }

  /**
   * The gateway's own answer to a preflight: the configured headers when origin, method and
   * headers are all allowed, none otherwise (the browser then refuses), always `204`.
   */
  preflight(ctx: RequestContext): Reply {
    const headers: Array<readonly [string, string]> = []
    const origin = ctx.header('origin') as string
    const allowedOrigin = this.#allowOrigin(origin)
    const method = (ctx.header('access-control-request-method') as string).trim()
    const requested = requestedHeaders(ctx.header('access-control-request-headers'))
    if (allowedOrigin !== null && this.#methodAllowed(method) && requested.every((h) => this.#anyHeader || this.#headers.has(h))) {
      headers.push(['access-control-allow-origin', allowedOrigin])
      if (this.#config.allowCredentials) headers.push(['access-control-allow-credentials', 'true'])
      const methods = this.#anyMethod ? (this.#config.allowCredentials ? method : '*') : this.#config.allowMethods.join(',')
      if (methods !== '') headers.push(['access-control-allow-methods', methods])
      const allowHeaders = this.#anyHeader ? requested.join(',') : this.#config.allowHeaders.join(',')
      if (allowHeaders !== '') headers.push(['access-control-allow-headers', allowHeaders])
      if (this.#maxAge !== null) headers.push(['access-control-max-age', this.#maxAge])
      if (allowedOrigin !== '*') headers.push(['vary', 'Origin'])
    }
    return { statusCode: PREFLIGHT_STATUS, headers, body: EMPTY, error: null }
  }

  /**
   * The reply with the integration's CORS headers replaced by the configured ones, which
   * are only given to a request with an allowed `Origin`.
   */
  decorate(ctx: RequestContext, reply: Reply): Reply {
    // No route and no error: this is the gateway's own preflight answer, complete already.
    if (ctx.route === null && reply.error === null) return reply
    if (reply.error !== null && !CORS_ON_GATEWAY_RESPONSES) return reply
    let headers = reply.headers
    if (headers.some(([n]) => isCorsHeader(n))) headers = headers.filter(([n]) => !isCorsHeader(n))
    const origin = ctx.header('origin')
    const allowedOrigin = origin === undefined ? null : this.#allowOrigin(origin)
    if (allowedOrigin !== null) {
      const added: Array<readonly [string, string]> = [['access-control-allow-origin', allowedOrigin]]
      if (this.#config.allowCredentials) added.push(['access-control-allow-credentials', 'true'])
      if (this.#exposeHeaders !== '') added.push(['access-control-expose-headers', this.#exposeHeaders])
      headers = allowedOrigin === '*' ? [...headers, ...added] : [...withVaryOrigin(headers), ...added]
    }
    return headers === reply.headers ? reply : { ...reply, headers }
  }

  /** `*`, the origin itself, or `null` when the origin is not allowed (spec 8.2's origin rule). */
  #allowOrigin(origin: string): string | null {
    if (this.#anyOrigin) return '*'
    const lower = origin.toLowerCase()
    if (this.#origins.has(lower)) return origin
    for (const scheme of this.#schemes) if (lower.startsWith(`${scheme}//`)) return origin
    return null
  }

  #methodAllowed(method: string): boolean {
    return this.#anyMethod || this.#methods.has(method.toUpperCase())
  }
}

/** The headers with `Origin` listed in `Vary` (a cache must not serve one origin's answer to another). */
function withVaryOrigin(headers: ReadonlyArray<readonly [string, string]>): Array<readonly [string, string]> {
  const i = headers.findIndex(([n]) => n.toLowerCase() === 'vary')
  if (i < 0) return [...headers, ['vary', 'Origin']]
  const value = (headers[i] as readonly [string, string])[1]
  if (value.split(',').some((t) => ['origin', '*'].includes(t.trim().toLowerCase()))) return [...headers]
  const out = [...headers]
  out[i] = ['vary', `${value}, Origin`]
  return out
}

function isCorsHeader(name: string): boolean {
  return name.length > 15 && name.slice(0, 15).toLowerCase() === 'access-control-'
}

function requestedHeaders(value: string | undefined): string[] {
  if (value === undefined) return []
  return value
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '')
}
