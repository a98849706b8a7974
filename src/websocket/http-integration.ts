/**
 * @module
 * `HTTP_PROXY` integrations of WebSocket routes (spec 10.6): the message body is sent as the
 * request body to `integrationUri` with `integrationMethod`; nothing tells the backend which
 * connection it came from unless `requestParameters` map it
 * (`integration.request.header.connectionId: context.connectionId`). The backend's answer is
 * the route's result: its status decides a `$connect`, its body is what a two-way route
 * sends back.
 */
import type { Dispatcher } from 'undici'
import { evaluateJsonPath, parseJsonPath } from '../integrations/index.js'
import type { CompiledWebSocketIntegration, RouteOutcome, WebSocketRequestSource } from '../model/index.js'
import { renderReply, renderRequest, type CompiledTemplates } from './mock-integration.js'
import { CONTEXT_VARIABLES } from './request-variables.js'

/** A route that calls an HTTP backend (`HTTP_PROXY`, or `HTTP` with templates). */
export function httpRouteIntegration(http: WebSocketHttpIntegration): CompiledWebSocketIntegration {
  return { kind: 'http', invoke: (_event, source) => invokeHttpRoute(http, source) }
}

export interface WebSocketHttpIntegration {
  readonly dispatcher: Dispatcher
  /** `http://host:port` */
  readonly origin: string
  /** Path and query of the URI. */
  readonly path: string
  readonly method: string
  readonly timeoutInMillis: number
  readonly parameters: readonly CompiledParameter[]
  /** `HTTP` (non-proxy): the request and reply templates; `null` for `HTTP_PROXY`. */
  readonly templates: CompiledTemplates | null
}

export interface CompiledParameter {
  readonly target: 'header' | 'querystring'
  readonly name: string
  readonly value: (s: WebSocketRequestSource) => string | undefined
}

/** A backend answer is a message to send: at most the 128 KB message quota is read. */
export const MAX_BACKEND_RESPONSE_BYTES = 128 * 1024

/** The body as text, or `null` (body destroyed) once it passes `limit` bytes. */
async function readCapped(body: AsyncIterable<Buffer> & { destroy(): void }, limit: number): Promise<string | null> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.length
    if (size > limit) {
      body.destroy()
      return null
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, size).toString('utf8')
}

const KEY = /^integration\.request\.(header|querystring)\.([a-zA-Z0-9._$-]+)$/

export type CompiledParameters = { ok: true; parameters: CompiledParameter[] } | { ok: false; key: string; reason: string }

/** `requestParameters` of a WebSocket integration: `integration.request.{header|querystring}.NAME` → a source. */
export function compileWebSocketParameters(input: Readonly<Record<string, unknown>>): CompiledParameters {
  const parameters: CompiledParameter[] = []
  for (const [key, raw] of Object.entries(input)) {
    const m = KEY.exec(key)
    if (m === null) return { ok: false, key, reason: 'keys are integration.request.header.NAME or integration.request.querystring.NAME (path and multivalue mappings are not supported yet)' }
    if (typeof raw !== 'string') return { ok: false, key, reason: 'values are strings' }
    const value = compileSource(raw)
    if (value === null) {
      return { ok: false, key, reason: `"${raw}" is not a source: use context.NAME, route.request.body.PATH, route.request.header.NAME, route.request.querystring.NAME, stageVariables.NAME or 'literal'` }
    }
    parameters.push({ target: m[1] as 'header' | 'querystring', name: m[2] as string, value })
  }
  return { ok: true, parameters }
}

function compileSource(raw: string): ((s: WebSocketRequestSource) => string | undefined) | null {
  if (/^'.*'$/s.test(raw)) {
    const literal = raw.slice(1, -1)
    return () => literal
  }
  if (raw.startsWith('context.')) return CONTEXT_VARIABLES[raw.slice(8)] ?? null
  if (raw.startsWith('stageVariables.')) {
    const name = raw.slice(15)
    return (s) => s.stageVariables?.[name]
  }
  if (raw.startsWith('route.request.header.')) {
    const name = raw.slice(21).toLowerCase()
    // Only the handshake has headers (spec 10.6: $connect only).
    return (s) => (s.eventType === 'CONNECT' ? s.connection.handshakeHeaders.find(([n]) => n.toLowerCase() === name)?.[1] : undefined)
  }
  if (raw.startsWith('route.request.querystring.')) {
    const name = raw.slice(26)
    return (s) => (s.eventType === 'CONNECT' ? s.connection.query.find(([n]) => n === name)?.[1] : undefined)
  }
  if (raw === 'route.request.body') return (s) => s.body ?? undefined
  if (raw.startsWith('route.request.body.')) {
    const parsed = parseJsonPath(raw.slice(18))
    if (!parsed.ok) return null
    return (s) => (s.body === null ? undefined : evaluateJsonPath(Buffer.from(s.body), parsed.steps))
  }
  return null
}

export async function invokeHttpRoute(integration: WebSocketHttpIntegration, source: WebSocketRequestSource): Promise<RouteOutcome> {
  const headers: string[] = []
  let query = ''
  for (const p of integration.parameters) {
    const value = p.value(source)
    if (value === undefined) continue
    if (p.target === 'header') headers.push(p.name, value)
    else query += `${query === '' ? '' : '&'}${encodeURIComponent(p.name)}=${encodeURIComponent(value)}`
  }
  // Non-proxy: the request template renders the body (the message passes through when none applies).
  let body = source.body
  if (integration.templates !== null) {
    const rendered = renderRequest(integration.templates, source)
    if (!rendered.ok) return { ok: false, reason: rendered.reason, timeout: false }
    body = rendered.output ?? source.body
  }
  if (body !== null) headers.push('content-type', 'application/json')
  const path = query === '' ? integration.path : `${integration.path}${integration.path.includes('?') ? '&' : '?'}${query}`
  try {
    const res = await integration.dispatcher.request({
      origin: integration.origin,
      path,
      method: integration.method as Dispatcher.HttpMethod,
      headers,
      body,
      // The whole exchange, not just idle gaps, is bounded by the integration timeout.
      signal: AbortSignal.timeout(integration.timeoutInMillis),
    })
    const text = await readCapped(res.body, MAX_BACKEND_RESPONSE_BYTES)
    if (text === null) {
      return { ok: false, reason: `HTTP_PROXY answer from ${integration.origin} is over ${MAX_BACKEND_RESPONSE_BYTES} bytes`, timeout: false }
    }
    const out: Array<readonly [string, string]> = []
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue
      for (const v of Array.isArray(value) ? value : [value]) out.push([name, v])
    }
    // Non-proxy: the integration response for the status renders the reply.
    if (integration.templates === null) return { ok: true, result: { statusCode: res.statusCode, headers: out, body: text } }
    const reply = renderReply(integration.templates, source, String(res.statusCode), text, { statusCode: res.statusCode, headers: out })
    if (!reply.ok) return { ok: false, reason: reply.reason, timeout: false }
    return { ok: true, result: { statusCode: res.statusCode, headers: out, body: reply.output } }
  } catch (err) {
    const name = (err as Error).name
    return { ok: false, reason: `HTTP call to ${integration.origin} failed: ${(err as Error).message}`, timeout: name === 'TimeoutError' || name === 'AbortError' }
  }
}
