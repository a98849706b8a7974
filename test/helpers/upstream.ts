// Real upstream servers on loopback for reverse-proxy (HTTP_PROXY integration) tests: an HTTP or
// HTTPS server that records every request it receives and answers with a JSON echo unless the
// test scripts another behaviour; a port where connecting is refused; and a server that resets
// every connection. Closed in `t.after` (or earlier with `close()`, for an upstream that goes away).
import { createHash } from 'node:crypto'
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https'
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net'
import type { TestContext } from 'node:test'
import type { TLSSocket } from 'node:tls'

/** One request as the upstream saw it. */
export interface RecordedRequest {
  readonly method: string
  /** The request target as sent (path and query, or whatever the proxy put there). */
  readonly url: string
  readonly httpVersion: string
  /** Header names and values in wire order and case: `[name, value, name, value, ...]`. */
  readonly rawHeaders: readonly string[]
  readonly headers: IncomingHttpHeaders
  /**
   * The body received so far: whole once `complete`, what arrived before an abort otherwise.
   * Always empty with `streaming: true` (the handler reads `req` itself).
   */
  readonly body: Buffer
  /** Whether the whole body arrived (set when the body ends, or when the request closes). */
  readonly complete: boolean
  /** The proxy's local port on this connection. */
  readonly remotePort: number
  /** 1 for the first TCP connection the upstream accepted, 2 for the next, ...: equal ids mean keep-alive reuse. */
  readonly socketId: number
  /**
   * HTTPS only: the SNI name the client sent (false when none; clients send none for an IP
   * address), whether its certificate was verified against the server's `ca` (false too when
   * none was asked for or sent), and why not (an OpenSSL code such as `CERT_HAS_EXPIRED`).
   */
  readonly tls?: { readonly servername: string | false | null; readonly authorized: boolean; readonly authorizationError: string | undefined }
}

/**
 * Answers one request. With the default buffering it runs once the whole body is in
 * `recorded.body`; with `streaming: true` at once. Scriptable: delay, `res.writeHead` any status
 * and headers, stream a huge body, `req.socket.destroy()` to drop the connection or
 * `req.socket.resetAndDestroy()` to send a TCP RST. A throw (or rejection) answers 500, or
 * destroys the response if headers went out already.
 */
export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse, recorded: RecordedRequest) => void | Promise<void>

export interface UpstreamOptions {
  /** Serve HTTPS with these options (at least `key` and `cert`; `ca` and `requestCert` for mutual TLS). */
  readonly tls?: HttpsServerOptions
  /** Node's `server.keepAliveTimeout` in ms (Node's default is 5000). */
  readonly keepAliveTimeout?: number
  /** Call the handler as soon as the headers arrive, without reading the body. */
  readonly streaming?: boolean
}

export interface Upstream {
  /** `origin + '/'`. */
  readonly url: string
  /** `http(s)://127.0.0.1:{port}`, no trailing slash. */
  readonly origin: string
  readonly port: number
  /** Every request so far, in arrival order; pushed when its headers arrive. */
  readonly requests: RecordedRequest[]
  /** Distinct TCP connections accepted so far (with HTTPS, including ones whose handshake failed). */
  readonly connections: number
  /** TCP connections open now. */
  readonly openConnections: number
  /** Stops listening and destroys open connections; idempotent, and also done in `t.after`. */
  close(): Promise<void>
}

/** The JSON the default handler answers with. */
export interface EchoBody {
  readonly method: string
  readonly url: string
  /** `[name, value]` pairs in wire order and case. */
  readonly headers: Array<[string, string]>
  readonly bodyBase64: string
  readonly bodyLength: number
  /** Hex SHA-256 of the body. */
  readonly bodySha256: string
}

/** The default handler: 200 `application/json` {@link EchoBody}, with `x-upstream: yes`. Reusable from scripted handlers. */
export const echoHandler: UpstreamHandler = (_req, res, recorded) => {
  const echo: EchoBody = {
    method: recorded.method,
    url: recorded.url,
    headers: headerPairs(recorded.rawHeaders),
    bodyBase64: recorded.body.toString('base64'),
    bodyLength: recorded.body.length,
    bodySha256: createHash('sha256').update(recorded.body).digest('hex'),
  }
  const bytes = Buffer.from(JSON.stringify(echo), 'utf8')
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes.length), 'x-upstream': 'yes' })
  res.end(bytes)
}

/** `[name, value, name, value]` → `[[name, value], ...]`. */
export function headerPairs(rawHeaders: readonly string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) pairs.push([rawHeaders[i] ?? '', rawHeaders[i + 1] ?? ''])
  return pairs
}

export async function startUpstream(t: TestContext, handler: UpstreamHandler = echoHandler, options: UpstreamOptions = {}): Promise<Upstream> {
  const requests: RecordedRequest[] = []
  const sockets = new Set<Socket>()
  // The id of the TCP connection behind a request, found by the client's port: with HTTPS the
  // request's socket is a TLSSocket, not the raw socket the 'connection' event saw.
  const socketIdByPort = new Map<number, number>()
  let connections = 0

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const tlsSocket = options.tls !== undefined ? (req.socket as TLSSocket) : undefined
    const recorded: Mutable<RecordedRequest> = {
      method: req.method ?? '',
      url: req.url ?? '',
      httpVersion: req.httpVersion,
      rawHeaders: req.rawHeaders,
      headers: req.headers,
      body: Buffer.alloc(0),
      complete: false,
      remotePort: req.socket.remotePort ?? 0,
      socketId: socketIdByPort.get(req.socket.remotePort ?? -1) ?? 0,
      ...(tlsSocket !== undefined ? { tls: tlsState(tlsSocket) } : {}),
    }
    requests.push(recorded)
    // An aborted request emits 'error'; the test looks at `complete`, so the error needs no listener to crash on.
    req.on('error', () => {})
    res.on('error', () => {})

    const run = (): void => {
      new Promise<void>((resolve) => resolve(handler(req, res, recorded))).catch((err: unknown) => {
        if (res.headersSent) {
          res.destroy()
          return
        }
        res.writeHead(500, { 'content-type': 'text/plain' })
        res.end(String(err))
      })
    }
    if (options.streaming === true) {
      req.once('close', () => (recorded.complete = req.complete))
      run()
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.once('end', () => {
      recorded.body = Buffer.concat(chunks)
      recorded.complete = true
      run()
    })
    req.once('close', () => {
      if (!recorded.complete) recorded.body = Buffer.concat(chunks)
    })
  }

  const server: HttpServer = options.tls !== undefined ? createHttpsServer(options.tls, onRequest) : createHttpServer(onRequest)
  if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout
  server.on('connection', (socket: Socket) => {
    connections++
    socketIdByPort.set(socket.remotePort ?? -1, connections)
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  // Failed TLS handshakes and malformed requests are what some tests provoke; Node's default
  // 'clientError' handling (400 / destroy) is fine, but a 'tlsClientError' must not go unheard.
  server.on('tlsClientError', () => {})

  const port = await listen(server)
  const origin = `${options.tls !== undefined ? 'https' : 'http'}://127.0.0.1:${port}`
  let closing: Promise<void> | undefined
  const close = (): Promise<void> =>
    (closing ??= closeServer(server, sockets, () => {
      // closeAllConnections covers HTTP connections; sockets still in a TLS handshake are ours to end.
      server.closeAllConnections()
    }))
  t.after(close)

  return {
    url: `${origin}/`,
    origin,
    port,
    requests,
    get connections() {
      return connections
    },
    get openConnections() {
      return sockets.size
    },
    close,
  }
}

/** A port on 127.0.0.1 that was bound a moment ago and is closed now: connecting to it is refused (ECONNREFUSED). */
export async function refusedPort(): Promise<number> {
  const server = createNetServer()
  const port = await listen(server)
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export interface ResettingServer {
  /** `origin + '/'`. */
  readonly url: string
  /** `http://127.0.0.1:{port}`. */
  readonly origin: string
  readonly port: number
  /** Connections accepted (and reset) so far. */
  readonly connections: number
  close(): Promise<void>
}

/**
 * A raw TCP server that resets (RST, not FIN) every connection: at once on accept (default), or
 * when the first bytes arrive (`when: 'data'`: the request was sent, no response ever comes).
 */
export async function startResettingServer(t: TestContext, options: { readonly when?: 'connection' | 'data' } = {}): Promise<ResettingServer> {
  let connections = 0
  const sockets = new Set<Socket>()
  const server = createNetServer((socket) => {
    connections++
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    if (options.when === 'data') socket.once('data', () => socket.resetAndDestroy())
    else socket.resetAndDestroy()
  })
  const port = await listen(server)
  const origin = `http://127.0.0.1:${port}`
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => (closing ??= closeServer(server, sockets))
  t.after(close)
  return {
    url: `${origin}/`,
    origin,
    port,
    get connections() {
      return connections
    },
    close,
  }
}

/**
 * Stops listening and destroys `sockets`; resolves once the server and every socket have
 * emitted 'close', so counts of open connections read 0 afterwards.
 */
async function closeServer(server: NetServer, sockets: ReadonlySet<Socket>, beforeDestroy?: () => void): Promise<void> {
  // Listen first: an http.Server's close() destroys idle sockets synchronously.
  const closed = [...sockets].map((socket) => (socket.closed ? Promise.resolve() : new Promise<void>((resolve) => socket.once('close', () => resolve()))))
  closed.push(new Promise<void>((resolve) => server.close(() => resolve())))
  beforeDestroy?.()
  for (const socket of sockets) socket.destroy()
  await Promise.all(closed)
}

function tlsState(socket: TLSSocket): NonNullable<RecordedRequest['tls']> {
  // @types/node calls authorizationError an Error; Node sets a string code.
  const error: unknown = socket.authorizationError
  return { servername: socket.servername, authorized: socket.authorized, authorizationError: error === undefined || error === null ? undefined : String(error) }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

function listen(server: NetServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}
