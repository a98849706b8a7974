/**
 * @module
 * The pieces of a request both payload formats are built from: headers as the integration
 * sees them (with the ones API Gateway adds, spec 3.2), parsed query parameters and cookies.
 */
import { newTraceId } from '../../util/index.js'
import type { RequestContext } from '../../model/index.js'

/**
 * `X-Forwarded-For` when the client already sent one: AWS is believed to append the client
 * address after a comma and a space, as proxies do `[UNCONFIRMED]`.
 */
export const FORWARDED_FOR_SEPARATOR = ', '
/** Whether `+` in a query string decodes to a space in parameter values `[UNCONFIRMED]`. */
export const QUERY_PLUS_AS_SPACE = true

/** Headers (lower-case names, in arrival order, repeats kept) as the integration receives them. */
export function integrationHeaders(ctx: RequestContext): Array<[string, string]> {
  const out: Array<[string, string]> = []
  const raw = ctx.rawHeaders
  let forwardedFor: string | undefined
  let traceId: string | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase()
    const value = raw[i + 1] as string
    switch (name) {
      // The body reaches the function whole, so framing headers are replaced by the real length.
      case 'content-length':
      case 'transfer-encoding':
      case 'x-forwarded-port':
      case 'x-forwarded-proto':
        continue
      case 'x-forwarded-for':
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`
        continue
      case 'x-amzn-trace-id':
        traceId ??= value
        continue
    }
    out.push([name, value])
  }
  out.push(['content-length', String(ctx.body.length)])
  out.push(['x-amzn-trace-id', traceId ?? newTraceId(ctx.requestTimeEpoch)])
  out.push(['x-forwarded-for', forwardedFor === undefined ? ctx.sourceIp : forwardedFor + FORWARDED_FOR_SEPARATOR + ctx.sourceIp])
  out.push(['x-forwarded-port', String(ctx.localPort)])
  out.push(['x-forwarded-proto', ctx.scheme])
  return out
}

/** Query parameters in order, values decoded, repeats kept; `a` without `=` has value `""`. */
export function queryParameters(rawQueryString: string): Array<[string, string]> {
  const out: Array<[string, string]> = []
  if (rawQueryString === '') return out
  for (const part of rawQueryString.split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    const name = decodeQueryComponent(eq < 0 ? part : part.slice(0, eq))
    if (name === '') continue
    out.push([name, eq < 0 ? '' : decodeQueryComponent(part.slice(eq + 1))])
  }
  return out
}

function decodeQueryComponent(s: string): string {
  const plus = QUERY_PLUS_AS_SPACE && s.includes('+') ? s.replace(/\+/g, ' ') : s
  if (!plus.includes('%')) return plus
  try {
    return decodeURIComponent(plus)
  } catch {
    return plus
  }
}

/** Every cookie from every `Cookie` header, split on `;` and trimmed (payload 2.0 `cookies`). */
export function cookiesOf(headers: ReadonlyArray<[string, string]>): string[] {
  const out: string[] = []
  for (const [name, value] of headers) {
    if (name !== 'cookie') continue
    for (const c of value.split(';')) {
      const t = c.trim()
      if (t !== '') out.push(t)
    }
  }
  return out
}
