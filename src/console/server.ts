/**
 * @module
 * The console's HTTP surface under `/console/` on the admin listener: the front end, a JSON
 * API over the gateway's state, and a server-sent event stream of requests and function log
 * lines. Bound to loopback it is open to this machine; bound elsewhere every call needs the
 * access token printed at start (`?token=` once, then a cookie, or the
 * `x-gatehouse-console-token` header).
 */
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ConfigIssue, GatehouseConfig } from '../model/index.js'
import type { Inspector } from '../observability/index.js'
import { describeConfig } from './describe.js'
import { exportOpenApi } from './openapi-export.js'
import { sendRequest, type EditedRequest } from './replay.js'
import { openFeedStream, type FeedStream } from './sse.js'
import { staticFile } from './static-files.js'

export const CONSOLE_PATH = '/console/'
export const CONSOLE_TOKEN_HEADER = 'x-gatehouse-console-token'
export const CONSOLE_TOKEN_COOKIE = 'gatehouse_console_token'
/** Bytes of a JSON request body the console API reads (an edited replay body included). */
export const MAX_CONSOLE_REQUEST_BYTES = 11 * 1024 * 1024

/** The outcome of the last load or reload, with its problems (file, line, path, message). */
export interface ReloadStatus {
  readonly ok: boolean
  /** Epoch ms. */
  readonly time: number
  readonly issues: readonly ConfigIssue[]
}

/** Extra pages plug in here (WebSocket connections, functions, tokens): a handler per path prefix under `/console/api/`. */
export type ConsoleRoute = (req: IncomingMessage, res: ServerResponse, rest: string, body: () => Promise<unknown>) => Promise<void> | void

export interface ConsoleDependencies {
  readonly inspector: Inspector
  /** The configuration served now, or `null` before the first load. */
  readonly config: () => GatehouseConfig | null
  readonly reloadStatus: () => ReloadStatus
  /** Where replayed requests go: the data plane's URL (loopback when bound to all interfaces). */
  readonly dataPlaneUrl: () => string
  /** Required on every call when set (the admin listener is bound beyond loopback). */
  readonly accessToken: string | null
  /** Further API routes, by the first path segment after `/console/api/`. */
  readonly routes?: Readonly<Record<string, ConsoleRoute>>
}

/** Returns the handler for `/console` paths; it answers `false` for paths it does not own. */
export function createConsoleHandler(deps: ConsoleDependencies): (req: IncomingMessage, res: ServerResponse) => boolean {
  // The event streams open now, for their figures in the requests list.
  const streams = new Set<FeedStream>()
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://console')
    if (url.pathname !== '/console' && !url.pathname.startsWith(CONSOLE_PATH)) return false
    handle(deps, streams, req, res, url).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err)
      if (!res.headersSent) json(res, err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError ? 400 : 500, { message })
      else res.destroy()
    })
    return true
  }
}

async function handle(deps: ConsoleDependencies, streams: Set<FeedStream>, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const givenToken = url.searchParams.get('token')
  if (deps.accessToken !== null && !authorized(req, givenToken, deps.accessToken)) {
    return json(res, 401, { message: 'the console needs the access token printed when the gateway started: open the console URL with ?token=' })
  }
  // Open on loopback, the console must not be reachable from a web page of another site:
  // a rebound DNS name (Host not a loopback name) and cross-site writes are refused.
  if (deps.accessToken === null && !isLoopbackHost(req.headers.host ?? '')) {
    return json(res, 403, { message: 'the console answers loopback host names only (localhost, 127.0.0.1, [::1])' })
  }
  const method = req.method ?? 'GET'
  if (method !== 'GET' && method !== 'HEAD') {
    const origin = req.headers.origin
    if (origin !== undefined && origin !== 'null' && safeHost(origin) !== (req.headers.host ?? '').toLowerCase()) {
      return json(res, 403, { message: `cross-origin requests to the console are refused (Origin ${origin})` })
    }
    if (origin === 'null') return json(res, 403, { message: 'cross-origin requests to the console are refused (Origin null)' })
    const type = req.headers['content-type']
    const length = req.headers['content-length']
    const hasBody = length !== undefined ? length !== '0' : req.headers['transfer-encoding'] !== undefined
    if (hasBody && (type === undefined || !/^application\/json\b/i.test(type))) {
      return json(res, 415, { message: 'console API bodies are JSON: send content-type: application/json' })
    }
  }
  if (url.pathname === '/console') return redirect(res, CONSOLE_PATH + url.search)
  const rest = url.pathname.slice(CONSOLE_PATH.length)
  if (!rest.startsWith('api/')) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { message: 'method not allowed' })
    const file = staticFile(rest === '' ? 'index.html' : rest)
    if (file === undefined) return json(res, 404, { message: `no console file ${rest}` })
    const headers: Record<string, string> = { 'content-type': file.contentType, 'content-length': String(file.body.length), 'cache-control': 'no-cache' }
    // The token given once in the URL becomes a cookie, so the page's own calls carry it.
    if (deps.accessToken !== null && givenToken !== null) headers['set-cookie'] = `${CONSOLE_TOKEN_COOKIE}=${givenToken}; Path=/console; HttpOnly; SameSite=Strict`
    res.writeHead(200, headers)
    res.end(req.method === 'HEAD' ? undefined : file.body)
    return
  }
  const api = rest.slice('api/'.length)
  const [head = '', ...tail] = api.split('/')
  const body = () => readJson(req)
  switch (head) {
    case 'config': {
      const config = deps.config()
      return json(res, 200, { reload: deps.reloadStatus(), config: config === null ? null : describeConfig(config) })
    }
    case 'openapi': {
      const api = deps.config()?.apis.find((a) => a.apiId === tail[0])
      if (api === undefined) return json(res, 404, { message: `no HTTP API ${tail[0] ?? ''}` })
      res.setHeader('content-disposition', `attachment; filename="${api.apiId}-openapi.json"`)
      return json(res, 200, exportOpenApi(api))
    }
    case 'events':
      return events(deps, streams, req, res)
    case 'requests':
      return requests(deps, streams, res, method, tail, body)
    case 'send':
      if (method !== 'POST') return json(res, 405, { message: 'POST a request to send' })
      return json(res, 200, await sendRequest(deps.dataPlaneUrl(), undefined, editedRequest(await body())))
    default: {
      const route = deps.routes?.[head]
      if (route === undefined) return json(res, 404, { message: `no console API ${api}` })
      return route(req, res, tail.join('/'), body)
    }
  }
}

async function requests(deps: ConsoleDependencies, streams: ReadonlySet<FeedStream>, res: ServerResponse, method: string, tail: string[], body: () => Promise<unknown>): Promise<void> {
  const [id, action] = tail
  if (id === undefined || id === '') {
    if (method === 'DELETE') {
      deps.inspector.clear()
      return json(res, 200, { cleared: true })
    }
    const consoleStreams = [...streams].map((s) => ({ unsentBytes: s.unsentBytes, droppedRecords: s.droppedRecords }))
    return json(res, 200, { requests: deps.inspector.list(), consoleClients: deps.inspector.listeners, consoleStreams, liveFeedBytes: deps.inspector.feedBytes })
  }
  if (action === 'replay') {
    if (method !== 'POST') return json(res, 405, { message: 'POST to replay' })
    const source = deps.inspector.replaySource(id)
    if (source === undefined) return json(res, 404, { message: `request ${id} is no longer kept` })
    return json(res, 200, await sendRequest(deps.dataPlaneUrl(), source, editedRequest(await body())))
  }
  const request = deps.inspector.get(id)
  if (request === undefined) return json(res, 404, { message: `request ${id} is no longer kept` })
  return json(res, 200, request)
}

function events(deps: ConsoleDependencies, streams: Set<FeedStream>, req: IncomingMessage, res: ServerResponse): void {
  const stream = openFeedStream(req, res, deps.inspector, () => ({ requests: deps.inspector.list().length }), () => streams.delete(stream))
  if (!stream.closed) streams.add(stream)
}

function editedRequest(value: unknown): EditedRequest {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) throw new TypeError('the request must be a JSON object')
  const v = value as Record<string, unknown>
  const out: { method?: string; target?: string; headers?: Array<[string, string]>; body?: string } = {}
  if (v['method'] !== undefined) {
    if (typeof v['method'] !== 'string' || !/^[A-Za-z]+$/.test(v['method'])) throw new TypeError('method must be an HTTP method')
    out.method = v['method']
  }
  if (v['target'] !== undefined) {
    if (typeof v['target'] !== 'string') throw new TypeError('target must be a string')
    out.target = v['target']
  }
  if (v['headers'] !== undefined) {
    const h = v['headers']
    if (!Array.isArray(h) || !h.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string')) {
      throw new TypeError('headers must be a list of [name, value] pairs')
    }
    out.headers = h as Array<[string, string]>
  }
  if (v['body'] !== undefined) {
    if (typeof v['body'] !== 'string') throw new TypeError('body must be a string')
    out.body = v['body']
  }
  return out
}

function authorized(req: IncomingMessage, givenToken: string | null, token: string): boolean {
  const candidates = [givenToken, header(req, CONSOLE_TOKEN_HEADER), cookie(req, CONSOLE_TOKEN_COOKIE)]
  const expected = Buffer.from(token)
  return candidates.some((c) => c !== null && c !== undefined && c.length === token.length && timingSafeEqual(Buffer.from(c), expected))
}

/** `host[:port]` of an origin, lower case, or `''`. */
function safeHost(origin: string): string {
  try {
    return new URL(origin).host.toLowerCase()
  } catch {
    return ''
  }
}

function isLoopbackHost(host: string): boolean {
  const name = host.replace(/:\d+$/, '').toLowerCase()
  return name === 'localhost' || name.endsWith('.localhost') || name === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(name)
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(/;\s*/)) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq) === name) return part.slice(eq + 1)
  }
  return undefined
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_CONSOLE_REQUEST_BYTES) throw new RangeError(`request body is over ${MAX_CONSOLE_REQUEST_BYTES} bytes`)
    chunks.push(chunk as Buffer)
  }
  if (size === 0) return undefined
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
}

export function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' })
  res.end(body)
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'content-length': '0' })
  res.end()
}
