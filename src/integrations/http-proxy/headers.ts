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
import { commonName } from './header-names.js'

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
 * The request headers for the backend as undici takes them, flat `[name, value, name, value, …]`
 * (lower-case names, arrival order, repeats kept), before parameter mapping. `contentLength`
 * is the body's length when known. Flat from the start: no pair per header on the usual path,
 * where no mapping reads them (`headerPairs` makes pairs for one that does).
 */
export function upstreamRequestHeaders(ctx: RequestContext, authority: string, contentLength: number | null): string[] {
  let out: string[] = ['host', authority]
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
    out.push(name, value)
  }
  // Headers the client named in `Connection` are hop-by-hop too.
  if (listed !== null) out = withoutNames(out, listed)
  if (contentLength !== null) out.push('content-length', String(contentLength))
  out.push(
    'x-amzn-trace-id', traceId ?? newTraceId(ctx.requestTimeEpoch),
    'x-forwarded-for', forwardedFor === undefined ? ctx.sourceIp : forwardedFor + FORWARDED_FOR_SEPARATOR + ctx.sourceIp,
    'x-forwarded-port', String(ctx.localPort),
    'x-forwarded-proto', ctx.scheme
  )
  if (SEND_FORWARDED_HEADER) out.push('forwarded', forwardedValue(ctx))
  return out
}

/** Pairs as flat headers again. */
export function flatHeaders(pairs: ReadonlyArray<readonly [string, string]>): string[] {
  const flat: string[] = []
  for (const [name, value] of pairs) flat.push(name, value)
  return flat
}

function withoutNames(flat: readonly string[], names: ReadonlySet<string>): string[] {
  const out: string[] = []
  for (let i = 0; i < flat.length; i += 2) if (!names.has(flat[i] as string)) out.push(flat[i] as string, flat[i + 1] as string)
  return out
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
    const rawName = raw[i] as Buffer
    const rawValue = raw[i + 1] as Buffer
    const known = commonName(rawName)
    const name = known === undefined ? rawName.toString('latin1').toLowerCase() : known.name
    if (NOT_RETURNED.has(name)) {
      // The only dropped header whose value matters: it may name more hop-by-hop headers.
      if (name === 'connection') listed = connectionTokens(rawValue.toString('latin1'), listed)
      continue
    }
    out.push([name, known === undefined ? rawValue.toString('latin1') : known.value(rawValue)])
  }
  return listed === null ? out : out.filter(([n]) => !(listed as Set<string>).has(n))
}
