/**
 * @module
 * Headers across the proxy (spec 4.1): the client's headers minus hop-by-hop ones, `Host`
 * rewritten to the backend, and the `X-Forwarded-*`, `Forwarded` and `X-Amzn-Trace-Id`
 * headers API Gateway adds; on the way back, the backend's headers minus hop-by-hop ones
 * and those the gateway owns.
 */
import type { RequestContext } from '../../model/index.js'
import { newTraceId } from '../../util/index.js'
import { FORWARDED_FOR_SEPARATOR } from '../lambda/request-parts.js'

/**
 * Whether a `Forwarded` header (`by=…;for=…;host=…;proto=…`) is added. Reported from real
 * HTTP APIs but not documented `[UNCONFIRMED]` (spec 4.1).
 */
export const SEND_FORWARDED_HEADER = true

/** Connection-level headers (RFC 9110 7.6.1) that never cross a proxy, plus those the proxy sets itself. */
const NOT_FORWARDED: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'expect',
  'content-length',
  'x-forwarded-port',
  'x-forwarded-proto',
  'x-forwarded-for',
  'forwarded',
  'x-amzn-trace-id',
])

/**
 * The request headers for the backend (lower-case names, arrival order, repeats kept),
 * before parameter mapping. `contentLength` is the body's length when known.
 */
export function upstreamRequestHeaders(ctx: RequestContext, authority: string, contentLength: number | null): Array<[string, string]> {
  const out: Array<[string, string]> = [['host', authority]]
  const raw = ctx.rawHeaders
  let forwardedFor: string | undefined
  let traceId: string | undefined
  let listed: Set<string> | null = null
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase()
    const value = raw[i + 1] as string
    if (name === 'x-forwarded-for') forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`
    else if (name === 'x-amzn-trace-id') traceId ??= value
    else if (name === 'connection') listed = connectionTokens(value, listed)
    if (NOT_FORWARDED.has(name)) continue
    out.push([name, value])
  }
  // Headers the client named in `Connection` are hop-by-hop too.
  const headers = listed === null ? out : out.filter(([n]) => !(listed as Set<string>).has(n))
  if (contentLength !== null) headers.push(['content-length', String(contentLength)])
  headers.push(['x-amzn-trace-id', traceId ?? newTraceId(ctx.requestTimeEpoch)])
  headers.push(['x-forwarded-for', forwardedFor === undefined ? ctx.sourceIp : forwardedFor + FORWARDED_FOR_SEPARATOR + ctx.sourceIp])
  headers.push(['x-forwarded-port', String(ctx.localPort)])
  headers.push(['x-forwarded-proto', ctx.scheme])
  if (SEND_FORWARDED_HEADER) headers.push(['forwarded', forwardedValue(ctx)])
  return headers
}

function connectionTokens(value: string, into: Set<string> | null): Set<string> | null {
  // Nearly every request and response says just `keep-alive` (or `close`): nothing to list.
  const v = value.length <= 10 ? value.toLowerCase() : ''
  if (v === 'keep-alive' || v === 'close') return into
  const set = into ?? new Set<string>()
  for (const token of value.split(',')) {
    const t = token.trim().toLowerCase()
    if (t !== '' && t !== 'close' && t !== 'keep-alive') set.add(t)
  }
  return set
}

/** The last `Forwarded` value and what it was made of: a client sends many requests in a row. */
let lastForwarded = { sourceIp: '', host: '', scheme: '', value: '' }

function forwardedValue(ctx: RequestContext): string {
  const last = lastForwarded
  if (last.sourceIp === ctx.sourceIp && last.host === ctx.host && last.scheme === ctx.scheme && last.value !== '') return last.value
  const value = buildForwardedValue(ctx)
  lastForwarded = { sourceIp: ctx.sourceIp, host: ctx.host, scheme: ctx.scheme, value }
  return value
}

function buildForwardedValue(ctx: RequestContext): string {
  const quote = (s: string) => (/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(s) ? s : `"${s.replace(/["\\]/g, '\\$&')}"`)
  const node = (ip: string) => quote(ip.includes(':') ? `[${ip}]` : ip)
  const parts = [`for=${node(ctx.sourceIp)}`]
  if (ctx.host !== '') parts.push(`host=${quote(ctx.host)}`)
  parts.push(`proto=${ctx.scheme}`)
  return parts.join(';')
}

/** Response headers never passed back: hop-by-hop ones, and `apigw-requestid` (the gateway's own). */
const NOT_RETURNED: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'apigw-requestid',
])

/**
 * The backend's response headers (undici's raw name/value buffers) as lower-case pairs,
 * repeats kept, minus those that do not cross the proxy.
 */
export function returnedResponseHeaders(raw: readonly Buffer[]): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = []
  let listed: Set<string> | null = null
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString('latin1').toLowerCase()
    const value = (raw[i + 1] as Buffer).toString('latin1')
    if (name === 'connection') listed = connectionTokens(value, listed)
    if (NOT_RETURNED.has(name)) continue
    out.push([name, value])
  }
  return listed === null ? out : out.filter(([n]) => !(listed as Set<string>).has(n))
}
