/**
 * @module
 * One signed call to an AWS service over undici: bounded by the integration timeout (the
 * whole exchange, not idle gaps) and by a cap on the answer's size.
 */
import type { Dispatcher } from 'undici'
import { signRequest, type AwsCredentials, type ServiceRequestLine } from './sign.js'

/** `path` is below the endpoint's. */
export interface ServiceCall extends ServiceRequestLine {
  readonly dispatcher: Dispatcher
  /** The service endpoint (`http(s)://host:port`, maybe with a base path). */
  readonly endpoint: URL
  readonly body: string
  readonly region: string
  readonly signingName: string
  readonly credentials: AwsCredentials
  readonly timeoutInMillis: number
  readonly maxResponseBytes: number
}

export type ServiceAnswer =
  | { ok: true; statusCode: number; headers: Array<readonly [string, string]>; body: string }
  | { ok: false; reason: string; timeout: boolean; tooLarge?: boolean; cause?: unknown }

export async function callService(call: ServiceCall): Promise<ServiceAnswer> {
  const base = call.endpoint.pathname.replace(/\/$/, '')
  const path = base + call.path
  const body = Buffer.from(call.body, 'utf8')
  const headers = signRequest(
    { method: call.method, host: call.endpoint.host, path, query: call.query, headers: call.headers, body },
    call.credentials,
    { region: call.region, service: call.signingName, now: Date.now() }
  )
  const search = call.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')
  try {
    const res = await call.dispatcher.request({
      origin: call.endpoint.origin,
      path: search === '' ? path : `${path}?${search}`,
      method: call.method as Dispatcher.HttpMethod,
      headers,
      body: call.method === 'GET' || call.method === 'HEAD' ? null : body,
      signal: AbortSignal.timeout(call.timeoutInMillis),
    })
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > call.maxResponseBytes) {
        res.body.destroy()
        return { ok: false, reason: `the ${call.signingName} answer is over ${call.maxResponseBytes} bytes`, timeout: false, tooLarge: true }
      }
      chunks.push(chunk)
    }
    const out: Array<readonly [string, string]> = []
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue
      for (const v of Array.isArray(value) ? value : [value]) out.push([name, v])
    }
    return { ok: true, statusCode: res.statusCode, headers: out, body: Buffer.concat(chunks, size).toString('utf8') }
  } catch (err) {
    const name = (err as Error).name
    return { ok: false, reason: `call to ${call.endpoint.origin} (${call.signingName}) failed: ${(err as Error).message}`, timeout: name === 'TimeoutError' || name === 'AbortError', cause: err }
  }
}
