/**
 * @module
 * The console's Tokens page: the development issuer's identity and key set location, and
 * minting a token (`sub`, `scope`, `aud`, lifetime) that JWT authorizers naming the issuer
 * accept. The page then calls a protected route with it through `/console/api/send`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { DEV_AUDIENCE, type DevIssuer } from '../auth/index.js'
import type { ConsoleRoute } from './server.js'
import { json } from './server.js'

export interface TokensDependencies {
  readonly devIssuer: DevIssuer
  /** Where the admin listener serves the issuer's JWKS. */
  readonly jwksUri: () => string
}

export function tokensRoute(deps: TokensDependencies): ConsoleRoute {
  return async (req: IncomingMessage, res: ServerResponse, _rest: string, body: () => Promise<unknown>) => {
    if (req.method === 'GET') return json(res, 200, { issuer: deps.devIssuer.issuer, audience: DEV_AUDIENCE, jwksUri: deps.jwksUri() })
    if (req.method !== 'POST') return json(res, 405, { message: 'GET the issuer or POST a token request' })
    const value = await body()
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('the token request must be a JSON object')
    const v = value as Record<string, unknown>
    const sub = v['sub']
    if (typeof sub !== 'string' || sub === '') throw new TypeError('sub must be a non-empty string')
    const scope = stringList(v['scope'], 'scope')
    const aud = stringList(v['aud'], 'aud')
    const expiresIn = v['expiresIn']
    if (expiresIn !== undefined && typeof expiresIn !== 'number') throw new TypeError('expiresIn must be a number of seconds')
    const minted = await deps.devIssuer.sign({ sub, scope, aud, ...(expiresIn !== undefined ? { expiresInSeconds: expiresIn } : {}) })
    return json(res, 200, minted)
  }
}

/** A list of strings, or one space-separated string. */
function stringList(value: unknown, name: string): string[] {
  if (value === undefined) return []
  if (typeof value === 'string') return value.split(/\s+/).filter((s) => s !== '')
  if (Array.isArray(value) && value.every((s) => typeof s === 'string')) return value as string[]
  throw new TypeError(`${name} must be a list of strings`)
}
