// A real OpenID Connect issuer on loopback for JWT authorizer tests: the discovery document at
// `{issuer}/.well-known/openid-configuration` names a `jwks_uri` on the same server, whose JWKS
// holds the public halves of keys generated in the test. Keys can be rotated; every request is
// counted; switches make the JWKS slow, oversized (declared or streamed without a
// content-length), or trickle its body, or make the discovery document lack its `jwks_uri`.
// Closed in `t.after` (or earlier with `close()`, for an issuer that goes away).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'
import type { TestContext } from 'node:test'
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose'

export type SigningAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'ES256' | 'ES384'

/** A key pair the test signs with; `publicJwk` is what a JWKS publishes. */
export interface SigningKey {
  readonly kid: string
  readonly alg: SigningAlgorithm
  readonly privateKey: CryptoKey
  readonly publicKey: CryptoKey
  /** `{kty, ..., kid, alg, use: "sig"}`. */
  readonly publicJwk: JWK
  /** The public key as SPKI PEM text (what an HMAC/RSA-confusion attacker uses as the secret). */
  readonly publicPem: string
}

export async function generateSigningKey(alg: SigningAlgorithm, kid: string = `${alg.toLowerCase()}-${randomUUID()}`): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return { kid, alg, privateKey, publicKey, publicJwk, publicPem: await exportSPKI(publicKey) }
}

/** Signs `claims` with `key`; the header carries the key's `alg` and `kid` unless told otherwise (`kid: null` omits it). */
export function signToken(key: SigningKey, claims: JWTPayload, header: { readonly kid?: string | null; readonly typ?: string } = {}): Promise<string> {
  const kid = header.kid === undefined ? key.kid : header.kid
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, typ: header.typ ?? 'JWT', ...(kid !== null ? { kid } : {}) })
    .sign(key.privateKey)
}

/** Behaviour switches, read per request; change them at any time. */
export interface OidcSwitches {
  /** Milliseconds to hold every JWKS response before answering (0: answer at once). */
  jwksDelayMs: number
  /** Send the JWKS headers and first bytes at once, and the rest of the body this many ms later. */
  jwksBodyDelayMs: number
  /** Pad the JWKS JSON with a `padding` member to exactly this many bytes. */
  jwksSize: number | undefined
  /** Stream the JWKS in chunks without a content-length header. */
  jwksChunked: boolean
  /** Serve a discovery document without `jwks_uri`. */
  omitJwksUri: boolean
}

export interface OidcServer {
  /** `http://127.0.0.1:{port}{path}`, no trailing slash: the `iss` of good tokens. */
  readonly issuer: string
  readonly discoveryUrl: string
  readonly jwksUri: string
  /** Requests received so far (counted on arrival, before any delay). */
  readonly counts: { readonly discovery: number; readonly jwks: number; readonly other: number }
  readonly switches: OidcSwitches
  /** The keys the JWKS currently publishes. */
  readonly published: readonly SigningKey[]
  /** Replaces the published keys. */
  publish(keys: readonly SigningKey[]): void
  /** Key rotation: a new key with a new `kid` replaces every published key; returns it. */
  rotate(alg?: SigningAlgorithm): Promise<SigningKey>
  /** The JWKS document as currently served (without padding). */
  jwks(): { keys: JWK[] }
  /** Stops listening now (an issuer that went away); idempotent, and also done in `t.after`. */
  close(): Promise<void>
}

export interface OidcServerOptions {
  /** The issuer's path below the origin (default `/realms/gatehouse`). */
  readonly path?: string
  /** Keys published at start. */
  readonly keys?: readonly SigningKey[]
}

const DISCOVERY_SUFFIX = '/.well-known/openid-configuration'

export async function startOidcServer(t: TestContext, options: OidcServerOptions = {}): Promise<OidcServer> {
  const path = options.path ?? '/realms/gatehouse'
  let published: readonly SigningKey[] = [...(options.keys ?? [])]
  const counts = { discovery: 0, jwks: 0, other: 0 }
  const switches: OidcSwitches = { jwksDelayMs: 0, jwksBodyDelayMs: 0, jwksSize: undefined, jwksChunked: false, omitJwksUri: false }
  const timers = new Set<NodeJS.Timeout>()
  let origin = ''

  const jwks = (): { keys: JWK[] } => ({ keys: published.map((k) => ({ ...k.publicJwk })) })

  const sendJson = (res: ServerResponse, text: string, chunked: boolean): void => {
    const bytes = Buffer.from(text, 'utf8')
    if (!chunked) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes.length) })
      res.end(bytes)
      return
    }
    // No content-length: Node frames the body with chunked transfer encoding.
    res.writeHead(200, { 'content-type': 'application/json' })
    const step = 16_384
    for (let i = 0; i < bytes.length; i += step) res.write(bytes.subarray(i, i + step))
    res.end()
  }

  const jwksText = (): string => {
    const doc = jwks()
    const size = switches.jwksSize
    if (size === undefined) return JSON.stringify(doc)
    const bare = Buffer.byteLength(JSON.stringify({ ...doc, padding: '' }))
    if (bare > size) throw new Error(`the JWKS is already ${bare} bytes, more than the ${size} asked for`)
    const text = JSON.stringify({ ...doc, padding: 'x'.repeat(size - bare) })
    if (Buffer.byteLength(text) !== size) throw new Error('JWKS padding arithmetic is off')
    return text
  }

  /** Runs `fn` after `ms`, unless the server closes first. */
  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      fn()
    }, ms)
    timers.add(timer)
  }

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (req.method === 'GET' && url.pathname === path + DISCOVERY_SUFFIX) {
      counts.discovery++
      const issuer = origin + path
      const doc: Record<string, unknown> = {
        issuer,
        authorization_endpoint: `${issuer}/protocol/openid-connect/auth`,
        token_endpoint: `${issuer}/protocol/openid-connect/token`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256', 'ES256', 'PS256'],
      }
      if (!switches.omitJwksUri) doc['jwks_uri'] = `${issuer}/protocol/openid-connect/certs`
      sendJson(res, JSON.stringify(doc), false)
      return
    }
    if (req.method === 'GET' && url.pathname === `${path}/protocol/openid-connect/certs`) {
      counts.jwks++
      // The body reflects the keys and switches at answer time.
      const answer = (): void => {
        if (res.destroyed) return
        const bodyDelay = switches.jwksBodyDelayMs
        if (bodyDelay <= 0) return sendJson(res, jwksText(), switches.jwksChunked)
        const text = jwksText()
        res.writeHead(200, { 'content-type': 'application/json' })
        res.write(text.slice(0, 1))
        later(bodyDelay, () => {
          if (!res.destroyed) res.end(text.slice(1))
        })
      }
      if (switches.jwksDelayMs <= 0) return answer()
      later(switches.jwksDelayMs, answer)
      return
    }
    counts.other++
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end('{"error":"not_found"}')
  }

  const server = createServer((req, res) => {
    try {
      handle(req, res)
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(String(err))
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  origin = `http://127.0.0.1:${port}`
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      server.close(() => resolve())
      server.closeAllConnections()
    })
    return closing
  }
  t.after(close)

  const issuer = origin + path
  return {
    issuer,
    discoveryUrl: issuer + DISCOVERY_SUFFIX,
    jwksUri: `${issuer}/protocol/openid-connect/certs`,
    counts,
    switches,
    get published() {
      return published
    },
    publish(keys) {
      published = [...keys]
    },
    async rotate(alg = 'RS256') {
      const key = await generateSigningKey(alg)
      published = [key]
      return key
    },
    jwks,
    close,
  }
}
