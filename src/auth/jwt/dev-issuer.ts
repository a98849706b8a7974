/**
 * @module
 * Gatehouse's own development issuer: it signs JWTs for local work (`gatehouse token`, the
 * console's Tokens page) that a JWT authorizer configured with `issuer: DEV_ISSUER` accepts.
 * Its key pair (ES256) lives in one file, created on first use with mode 0600, so the CLI and
 * a running gateway sign and verify with the same key. The gateway serves its JWKS and OpenID
 * discovery document on the admin listener; an authorizer naming this issuer reads the same
 * key set directly (the admin listener may be off, or on another port each run).
 *
 * Never for production: anyone who can read the key file can mint tokens.
 */
import { generateKeyPairSync, createPrivateKey, randomUUID, type KeyObject } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import type { JWK } from 'jose'

/**
 * The development issuer's identifier (`iss`). A fixed name, so a config can refer to it;
 * `.localhost` names never resolve to another machine (RFC 6761). `[EMU]`
 */
export const DEV_ISSUER = 'https://dev-issuer.gatehouse.localhost'
/** The audience of minted tokens unless one is given. `[EMU]` */
export const DEV_AUDIENCE = 'gatehouse-dev'
/** Lifetime of minted tokens unless one is given, seconds. */
export const DEV_TOKEN_LIFETIME_SECONDS = 3600
/** Longest lifetime a minted token may ask for: a day. */
export const MAX_DEV_TOKEN_LIFETIME_SECONDS = 86_400
/** The environment variable naming the key file (default `~/.gatehouse/dev-issuer-key.json`). */
export const DEV_ISSUER_KEY_VARIABLE = 'GATEHOUSE_DEV_ISSUER_KEY'
const ALGORITHM = 'ES256'

export function defaultDevIssuerKeyFile(): string {
  return process.env[DEV_ISSUER_KEY_VARIABLE] ?? join(homedir(), '.gatehouse', 'dev-issuer-key.json')
}

export interface DevTokenRequest {
  readonly sub: string
  /** Scopes, written to the `scope` claim space-separated. */
  readonly scope?: readonly string[]
  /** `aud`; default `DEV_AUDIENCE`. */
  readonly aud?: readonly string[]
  readonly expiresInSeconds?: number
  /** More claims (they cannot replace iss, sub, aud, iat, exp). */
  readonly claims?: Readonly<Record<string, unknown>>
}

export interface DevToken {
  readonly token: string
  readonly claims: Record<string, unknown>
}

interface KeyMaterial {
  readonly kid: string
  readonly privateKey: KeyObject
  readonly publicJwk: JWK
}

export class DevIssuer {
  readonly issuer = DEV_ISSUER
  readonly keyFile: string
  #key: KeyMaterial | undefined

  constructor(keyFile: string = defaultDevIssuerKeyFile()) {
    this.keyFile = keyFile
  }

  /** The public key set (the key file is created on first use). */
  jwks(): { keys: JWK[] } {
    return { keys: [{ ...this.#material().publicJwk }] }
  }

  async sign(request: DevTokenRequest): Promise<DevToken> {
    if (typeof request.sub !== 'string' || request.sub === '') throw new TypeError('sub must be a non-empty string')
    const lifetime = request.expiresInSeconds ?? DEV_TOKEN_LIFETIME_SECONDS
    if (!Number.isInteger(lifetime) || lifetime <= 0 || lifetime > MAX_DEV_TOKEN_LIFETIME_SECONDS) {
      throw new RangeError(`expiresIn must be a whole number of seconds from 1 to ${MAX_DEV_TOKEN_LIFETIME_SECONDS}`)
    }
    const aud = request.aud !== undefined && request.aud.length > 0 ? [...request.aud] : [DEV_AUDIENCE]
    const now = Math.floor(Date.now() / 1000)
    const claims: Record<string, unknown> = {
      ...(request.claims ?? {}),
      iss: DEV_ISSUER,
      sub: request.sub,
      aud: aud.length === 1 ? aud[0] : aud,
      iat: now,
      exp: now + lifetime,
      jti: randomUUID(),
    }
    if (request.scope !== undefined && request.scope.length > 0) claims['scope'] = request.scope.join(' ')
    const key = this.#material()
    // jose is ES modules only and loaded on the first token, not at start (issue 16, target 5).
    const { SignJWT } = await import('jose')
    const token = await new SignJWT(claims).setProtectedHeader({ alg: ALGORITHM, typ: 'JWT', kid: key.kid }).sign(key.privateKey)
    return { token, claims }
  }

  #material(): KeyMaterial {
    if (this.#key !== undefined) return this.#key
    if (!existsSync(this.keyFile)) {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      const stored = { kid: `gatehouse-dev-${randomUUID()}`, privateJwk: privateKey.export({ format: 'jwk' }) }
      mkdirSync(dirname(this.keyFile), { recursive: true })
      writeFileSync(this.keyFile, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600, flag: 'wx' })
      chmodSync(this.keyFile, 0o600)
    }
    let stored: { kid?: unknown; privateJwk?: unknown }
    try {
      stored = JSON.parse(readFileSync(this.keyFile, 'utf8')) as typeof stored
    } catch (err) {
      throw new Error(`the development issuer's key file ${this.keyFile} cannot be read: ${(err as Error).message}`, { cause: err })
    }
    if (typeof stored.kid !== 'string' || typeof stored.privateJwk !== 'object' || stored.privateJwk === null) {
      throw new Error(`the development issuer's key file ${this.keyFile} has no kid and privateJwk; delete it to make a new key`)
    }
    const privateKey = createPrivateKey({ key: stored.privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' })
    const { d: _d, ...pub } = stored.privateJwk as Record<string, unknown>
    const publicJwk: JWK = { ...(pub as JWK), kid: stored.kid, alg: ALGORITHM, use: 'sig' }
    this.#key = { kid: stored.kid, privateKey, publicJwk }
    return this.#key
  }
}
