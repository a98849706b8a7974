/**
 * @module
 * Replay: the console sends a kept request again to the data plane, as it came or edited.
 * Header values the console showed masked (`********`) and sent back unchanged are the
 * original values again, so replaying an authorized request works without ever showing its
 * token. The answer goes back to the console, and the replayed request appears in the live
 * list like any other.
 */
import { createRequire } from 'node:module'
import { MASKED_VALUE, type ReplaySource } from '../observability/index.js'
import { headerPairs } from '../util/index.js'

/** undici, loaded with the first replay: the console must not add it to the gateway's start. */
const require = createRequire(import.meta.url)

/** What the console may change before sending. */
export interface EditedRequest {
  readonly method?: string
  /** Path and query string. */
  readonly target?: string
  readonly headers?: ReadonlyArray<readonly [string, string]>
  readonly body?: string
}

export interface ReplayAnswer {
  readonly status: number
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body: string
}

/** Hop-by-hop and framing headers: undici sets its own. */
const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'te', 'trailer', 'expect'])
/** How long the console waits for a replayed request (the 30 s integration cap plus a margin). */
export const REPLAY_TIMEOUT_MS = 35_000
/** Bytes of an edited body the console may send (the data plane's payload quota is 10 MB). */
export const MAX_REPLAY_BODY_BYTES = 10 * 1024 * 1024

export async function sendRequest(dataPlaneUrl: string, source: ReplaySource | undefined, edit: EditedRequest): Promise<ReplayAnswer> {
  const method = (edit.method ?? source?.method ?? 'GET').toUpperCase()
  const target = edit.target ?? source?.target ?? '/'
  if (!target.startsWith('/')) throw new TypeError('target must start with /')
  const original = new Map<string, string>()
  if (source !== undefined) for (let i = 0; i < source.rawHeaders.length; i += 2) original.set((source.rawHeaders[i] as string).toLowerCase(), source.rawHeaders[i + 1] as string)
  const pairs = edit.headers ?? (source === undefined ? [] : headerPairs(source.rawHeaders))
  const headers: string[] = []
  for (const [name, value] of pairs) {
    const lower = name.toLowerCase()
    if (NOT_FORWARDED.has(lower)) continue
    headers.push(name, value === MASKED_VALUE ? (original.get(lower) ?? '') : value)
  }
  const body = edit.body !== undefined ? Buffer.from(edit.body) : (source?.body ?? Buffer.alloc(0))
  if (body.length > MAX_REPLAY_BODY_BYTES) throw new RangeError(`body is over ${MAX_REPLAY_BODY_BYTES} bytes`)
  const { request } = require('undici') as typeof import('undici')
  const res = await request(new URL(target, dataPlaneUrl), {
    method,
    headers,
    body: body.length > 0 || !['GET', 'HEAD'].includes(method) ? body : null,
    headersTimeout: REPLAY_TIMEOUT_MS,
    bodyTimeout: REPLAY_TIMEOUT_MS,
  })
  const text = await res.body.text()
  const out: Array<[string, string]> = []
  for (const [n, v] of Object.entries(res.headers)) out.push([n, Array.isArray(v) ? v.join(', ') : (v ?? '')])
  return { status: res.statusCode, headers: out, body: text }
}
