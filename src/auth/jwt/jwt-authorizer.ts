/**
 * @module
 * A JWT authorizer (spec 5.1), fail-closed: take the token from the identity source (a
 * `Bearer ` prefix is stripped), check its signature against the issuer's keys with an
 * algorithm allow-list, then `iss`, `aud` (or `client_id` when there is no `aud`), `exp`,
 * `nbf` and `iat`, then the route's scopes. Failures are 401 with a `www-authenticate`
 * header in AWS's shape, or 403 for missing scopes. Verified tokens are cached, bounded and
 * never past their `exp`.
 */
import type { JWTPayload } from 'jose'

/**
 * jose, imported with the first JWT-authorized request (it is ES modules only, so the import
 * is asynchronous): a gateway without JWT authorizers never loads its 46 modules at start
 * (issue 16, target 5).
 */
let jose: typeof import('jose') | undefined
async function loadJose(): Promise<typeof import('jose')> {
  return (jose ??= await import('jose'))
}
/** jose once `authorize` has loaded it. */
function loaded(): typeof import('jose') {
  if (jose === undefined) throw new Error('jose is not loaded yet')
  return jose
}
import type { AuthorizeOutcome, JwtAuthorizerDefinition, RequestContext, TracedAuthorizer } from '../../model/index.js'
import { GatewayResponses } from '../../errors/index.js'
import { localReplyWithHeaders } from '../../errors/index.js'
import { readIdentitySource } from '../identity-source.js'
import { renderClaims, tokenScopes } from './claims.js'
import { JwksProvider } from './jwks-provider.js'
import { BoundedMap } from '../../util/index.js'

/**
 * Signing algorithms accepted. AWS documents RSA (`RS256` confirmed); ECDSA and RSA-PSS are
 * `[UNCONFIRMED]` and accepted here. HMAC (`HS*`, a shared secret an issuer never
 * publishes) and `none` are always refused.
 */
export const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const
/** Longer tokens are refused before any parsing (request headers are capped at 10 KB anyway). */
export const MAX_TOKEN_LENGTH = 8_192
/** Verified tokens kept (per authorizer); the oldest go first. */
export const MAX_CACHED_TOKENS = 10_000

/**
 * `error_description` texts of the `www-authenticate` header. Only the audience one is
 * documented verbatim `[DOC]`; the others are `[UNCONFIRMED]` (spec 15.1).
 */
export const JWT_ERROR_DESCRIPTIONS = {
  malformed: 'the token is malformed',
  tooLong: 'the token is too long',
  algorithm: (alg: string) => `signing method ${alg} is invalid`,
  unknownKey: 'the token signing key was not found',
  signature: 'the token signature is invalid',
  keysUnavailable: 'the token signing keys could not be retrieved',
  issuer: 'the token does not have a valid issuer',
  audience: 'the token does not have a valid audience',
  expired: 'the token has expired',
  missingExpiry: 'the token has no expiry time (exp)',
  notYetValid: 'the token is not valid yet',
  issuedInFuture: 'the token was issued in the future',
} as const

/**
 * Whether a token without an `exp` claim is refused. AWS lists `exp` among the claims it
 * validates ("exp must be after the current time", spec 5.1); a token that never expires
 * would otherwise be accepted forever. The description for its absence is `[UNCONFIRMED]`.
 */
export const REQUIRE_EXP_CLAIM = true

/** The 403 for a valid token lacking every required scope; RFC 6750's error code `[UNCONFIRMED]`. */
export const INSUFFICIENT_SCOPE_CHALLENGE = 'Bearer scope="" error="insufficient_scope" error_description="the token does not have the required scopes"'


interface Verified {
  /** Epoch ms after which the cached verification must not be used. */
  readonly expiresAt: number
  /**
   * The claims as API Gateway renders them and the token's scopes, worked out once per token
   * rather than on every request that presents it (they depend on the payload alone).
   */
  readonly claims: Readonly<Record<string, string>>
  readonly scopes: readonly string[]
}

/** Slots of the per-authorizer table of recently seen tokens (a power of two). */
const TOKEN_SLOTS = 64

/**
 * A slot for a token from its last characters (base64url of the signature, as good as random
 * for a signed token): a cheap spread, not a security boundary, since a hit compares the whole token.
 */
function slotIndex(token: string): number {
  const n = token.length
  if (n < 3) return 0
  return (token.charCodeAt(n - 1) * 31 + token.charCodeAt(n - 2) * 7 + token.charCodeAt(n - 3)) & (TOKEN_SLOTS - 1)
}

/** The outcome for a verified token: the route's scopes decide (spec 5.1). */
function scoped(verified: Verified, requiredScopes: readonly string[]): AuthorizeOutcome {
  const { claims, scopes } = verified
  if (requiredScopes.length > 0 && !requiredScopes.some((s) => scopes.includes(s))) {
    return {
      ok: false,
      reply: localReplyWithHeaders(GatewayResponses.FORBIDDEN, [['www-authenticate', INSUFFICIENT_SCOPE_CHALLENGE]]),
      error: 'the token does not have the required scopes',
    }
  }
  // With no scopes on the route, AWS reports `scopes: null` even when the token has some.
  return { ok: true, result: { kind: 'jwt', claims, scopes: requiredScopes.length > 0 ? scopes : null } }
}

export class JwtAuthorizer {
  readonly #def: JwtAuthorizerDefinition
  readonly #keys: JwksProvider
  readonly #cache = new BoundedMap<string, Verified>(MAX_CACHED_TOKENS)
  /** The last tokens seen, by `slotIndex`: the fast path in front of `#cache`. */
  readonly #slots: Array<{ readonly token: string; readonly verified: Verified } | undefined> = new Array(TOKEN_SLOTS).fill(undefined)
  readonly #now: () => number

  constructor(def: JwtAuthorizerDefinition, options: { now?: () => number } = {}) {
    this.#def = def
    this.#now = options.now ?? Date.now
    this.#keys = new JwksProvider({ issuer: def.issuer, source: def.jwks, now: this.#now })
  }

  /**
   * A token seen before is answered synchronously: no promise per request (the pipeline
   * takes either). Only a token to verify (and the first request, which loads jose) waits.
   */
  authorize(ctx: RequestContext, requiredScopes: readonly string[]): AuthorizeOutcome | Promise<AuthorizeOutcome> {
    // jose comes with the first request, whatever its token (the console's trace decodes it too).
    if (jose === undefined) return loadJose().then(() => this.authorize(ctx, requiredScopes))
    const raw = readIdentitySource(this.#def.identitySource, ctx)
    const outcome = raw === undefined ? unauthorized('Bearer', 'the identity source is missing') : this.#check(raw, requiredScopes)
    if (ctx.trace === null) return outcome
    if (outcome instanceof Promise) return outcome.then((o) => this.#traced(ctx, requiredScopes, o))
    return this.#traced(ctx, requiredScopes, outcome)
  }

  #traced(ctx: RequestContext, requiredScopes: readonly string[], outcome: AuthorizeOutcome): AuthorizeOutcome {
    if (ctx.trace !== null) ctx.trace.authorizer = this.#trace(ctx, requiredScopes, outcome)
    return outcome
  }

  /** What the console shows: the token's claims as sent (unverified when the check failed) and the check's result. */
  #trace(ctx: RequestContext, requiredScopes: readonly string[], outcome: AuthorizeOutcome): TracedAuthorizer {
    const raw = readIdentitySource(this.#def.identitySource, ctx)
    let claims: unknown = null
    try {
      if (raw !== undefined) claims = loaded().decodeJwt(raw.replace(/^bearer\s+/i, '').trim())
    } catch {
      claims = '(not a JWT)'
    }
    const input = { identitySource: this.#def.identitySource.expression, issuer: this.#def.issuer, audience: this.#def.audience, requiredScopes, claims }
    const response = outcome.ok ? { authorized: true, ...outcome.result } : { authorized: false, failedCheck: outcome.error, status: outcome.reply.statusCode }
    return { type: 'JWT', input, response, cached: null }
  }

  #check(raw: string, requiredScopes: readonly string[]): AuthorizeOutcome | Promise<AuthorizeOutcome> {
    const token = raw.replace(/^bearer\s+/i, '').trim()
    if (token.length > MAX_TOKEN_LENGTH) return invalid(JWT_ERROR_DESCRIPTIONS.tooLong)
    const verified = this.#cached(token)
    if (verified !== undefined) return scoped(verified, requiredScopes)
    return this.#verifyAndCache(token).then((result) => (typeof result === 'string' ? invalid(result) : scoped(result, requiredScopes)))
  }

  /**
   * The cached verification of `token`, if still within its `exp`. The token string is new on
   * every request, so a `Map` lookup hashes all of it (~1 KB) each time; the slot table is
   * indexed by a few characters of the signature instead and confirmed by comparing the whole
   * token, so a hit is exactly as strict as the map's and far cheaper. The map stays the
   * bounded store behind it for many distinct tokens.
   */
  #cached(token: string): Verified | undefined {
    const i = slotIndex(token)
    const slot = this.#slots[i]
    const now = this.#now()
    if (slot !== undefined && slot.token === token) return slot.verified.expiresAt > now ? slot.verified : undefined
    const verified = this.#cache.get(token)
    if (verified === undefined || verified.expiresAt <= now) return undefined
    this.#slots[i] = { token, verified }
    return verified
  }

  async #verifyAndCache(token: string): Promise<Verified | string> {
    const result = await this.#verify(token)
    if (typeof result === 'string') return result
    this.#cache.set(token, result)
    this.#slots[slotIndex(token)] = { token, verified: result }
    return result
  }

  /** Checks signature and claims; returns the error description on failure. */
  async #verify(token: string): Promise<Verified | string> {
    let header: { alg?: string | undefined; kid?: unknown }
    try {
      header = loaded().decodeProtectedHeader(token)
    } catch {
      return JWT_ERROR_DESCRIPTIONS.malformed
    }
    const alg = header.alg
    if (alg === undefined || !(ALLOWED_ALGORITHMS as readonly string[]).includes(alg)) return JWT_ERROR_DESCRIPTIONS.algorithm(alg ?? 'none')
    // The `kid` must name a key of the issuer's JWKS (spec 5.1); without one, jose would try any key of the right type.
    if (typeof header.kid !== 'string') return JWT_ERROR_DESCRIPTIONS.unknownKey
    let payload: JWTPayload
    try {
      payload = await this.#verifySignature(token)
    } catch (err) {
      return describe(err)
    }
    const now = this.#now() / 1000
    const skew = this.#def.clockSkewSeconds
    if (payload.iss !== this.#def.issuer) return JWT_ERROR_DESCRIPTIONS.issuer
    if (!this.#audienceMatches(payload)) return JWT_ERROR_DESCRIPTIONS.audience
    if (REQUIRE_EXP_CLAIM && typeof payload.exp !== 'number') return JWT_ERROR_DESCRIPTIONS.missingExpiry
    if (typeof payload.exp === 'number' && payload.exp <= now - skew) return JWT_ERROR_DESCRIPTIONS.expired
    if (typeof payload.nbf === 'number' && payload.nbf > now + skew) return JWT_ERROR_DESCRIPTIONS.notYetValid
    if (typeof payload.iat === 'number' && payload.iat > now + skew) return JWT_ERROR_DESCRIPTIONS.issuedInFuture
    const exp = typeof payload.exp === 'number' ? payload.exp * 1000 : Infinity
    return { expiresAt: exp, claims: Object.freeze(renderClaims(payload)), scopes: Object.freeze(tokenScopes(payload)) }
  }

  async #verifySignature(token: string): Promise<JWTPayload> {
    const attempt = async () => {
      const { createLocalJWKSet, jwtVerify } = loaded()
      const keySet = createLocalJWKSet(await this.#keys.keys())
      // Time claims are checked afterwards with our own messages and skew.
      const { payload } = await jwtVerify(token, keySet, { algorithms: [...ALLOWED_ALGORITHMS], clockTolerance: Number.MAX_SAFE_INTEGER })
      return payload
    }
    try {
      return await attempt()
    } catch (err) {
      // An unknown `kid` may mean the issuer rotated its keys: refetch once (rate-limited).
      if (err instanceof loaded().errors.JWKSNoMatchingKey && (await this.#keys.refetchForUnknownKid())) return attempt()
      throw err
    }
  }

  /** `aud` (any element) decides when present; only without it is `client_id` used (spec 5.1). */
  #audienceMatches(payload: JWTPayload): boolean {
    const allowed = this.#def.audience
    if (payload.aud !== undefined) {
      const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud]
      return aud.some((a) => allowed.includes(a))
    }
    const clientId = payload['client_id']
    return typeof clientId === 'string' && allowed.includes(clientId)
  }

}

function describe(err: unknown): string {
  const joseErrors = loaded().errors
  if (err instanceof joseErrors.JWKSNoMatchingKey) return JWT_ERROR_DESCRIPTIONS.unknownKey
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return JWT_ERROR_DESCRIPTIONS.signature
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return JWT_ERROR_DESCRIPTIONS.algorithm('')
  if (err instanceof Error && err.name === 'JwksFetchError') return JWT_ERROR_DESCRIPTIONS.keysUnavailable
  return JWT_ERROR_DESCRIPTIONS.malformed
}

function unauthorized(challenge: string, error: string): AuthorizeOutcome {
  return { ok: false, reply: localReplyWithHeaders(GatewayResponses.UNAUTHORIZED, [['www-authenticate', challenge]]), error }
}

function invalid(description: string): AuthorizeOutcome {
  return unauthorized(`Bearer scope="" error="invalid_token" error_description="${description}"`, description)
}
