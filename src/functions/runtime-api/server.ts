/**
 * @module
 * The Lambda Runtime API (2018-06-01) for one execution environment, on loopback: the
 * runtime process long-polls `GET /runtime/invocation/next` for its event and posts the
 * outcome to `/runtime/invocation/{id}/response` or `/error`, or `/runtime/init/error` if it
 * cannot start. One server per environment, as on Lambda, where `AWS_LAMBDA_RUNTIME_API`
 * is a bare `host:port` that runtime clients append the version path to.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { FunctionErrorPayload } from '../../model/index.js'
import * as A from './answers.js'
import type { NextCall, PostedBody, RuntimeApiCalls, RuntimeInvocation, RuntimeReply } from './calls.js'
import { serveChannel } from './channel.js'
import { postedError } from './posted-error.js'

export interface RuntimeApiListener {
  /** The runtime called `/next` for the first time: its init phase is over. */
  readonly onReady: () => void
  readonly onInitError: (error: FunctionErrorPayload) => void
  readonly onResponse: (awsRequestId: string, payload: string) => void
  readonly onError: (awsRequestId: string, error: FunctionErrorPayload) => void
  /** The runtime has called `/next` and waits in it (nothing of it runs now: it may be frozen). */
  readonly onWaiting: () => void
}

type State =
  /** Started, `/next` not called yet. */
  | 'Initializing'
  /** Waiting for (or in) `/next`. */
  | 'Ready'
  /** An event was handed out; its response or error is due. */
  | 'Invoking'

const PREFIX = '/2018-06-01/runtime/'

export class RuntimeApiServer {
  readonly #server: Server
  readonly #listener: RuntimeApiListener
  #state: State = 'Initializing'
  /** A `/next` waiting for an invocation. */
  #parked: NextCall | undefined
  /** An invocation waiting for `/next`. */
  #queued: RuntimeInvocation | undefined
  /** The invocation handed out, until answered. */
  #current: string | undefined
  /** Responses and errors whose bodies are still being read. */
  #answering = 0
  /**
   * A `/next` that came behind an answer still being read, on the same connection (HTTP/1.1
   * pipelining, as a runtime sends its response and its next `/next` in one write): served
   * once that answer is in, as Lambda's Runtime API (Go's `net/http`) serves one request of a
   * connection after the other. Node's parser hands it over before the answer's body has ended.
   * (A channel's frames come whole, one after the other: never held.)
   */
  #nextBehindAnswer: NextCall | undefined
  /** The calls, as both transports make them. */
  readonly #calls: RuntimeApiCalls = {
    next: (call) => this.#nextCall(call),
    answering: () => void this.#answering++,
    response: (id, body, reply) => this.#response(id, body, reply),
    invocationError: (id, error, reply) => this.#invocationError(id, error, reply),
    initError: (error, reply) => this.#initError(error, reply),
  }

  private constructor(server: Server, listener: RuntimeApiListener) {
    this.#server = server
    this.#listener = listener
  }

  /** Starts a server on 127.0.0.1 (a free port). */
  static async listen(listener: RuntimeApiListener): Promise<RuntimeApiServer> {
    const server = createServer()
    // `/next` is a long poll that may last as long as the environment stays idle.
    server.requestTimeout = 0
    server.headersTimeout = 0
    server.keepAliveTimeout = 0
    const api = new RuntimeApiServer(server, listener)
    server.on('request', (req, res) => api.#route(req, res))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    return api
  }

  /** `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`. */
  get address(): string {
    const { address, port } = this.#server.address() as AddressInfo
    return `${address}:${port}`
  }

  /**
   * Serves the Runtime API on a channel: the gateway's end of a socket pair whose other end a
   * Gatehouse bootstrap holds, in the private framing (channel.ts). Closed with the server.
   */
  adoptChannel(socket: Socket): void {
    this.#channels.add(socket)
    socket.once('close', () => this.#channels.delete(socket))
    serveChannel(socket, this.#calls)
  }

  readonly #channels = new Set<Socket>()

  /** Hands `invocation` to the runtime, now if it waits in `/next`, else at its next `/next`. */
  deliver(invocation: RuntimeInvocation): void {
    const parked = this.#parked
    if (parked !== undefined) {
      this.#parked = undefined
      this.#send(parked, invocation)
    } else {
      this.#queued = invocation
    }
  }

  /** The invocation ended without an answer from the runtime (timeout, crash): later answers for it are stale. */
  abandon(awsRequestId: string): void {
    if (this.#current === awsRequestId) this.#current = undefined
    if (this.#queued?.awsRequestId === awsRequestId) this.#queued = undefined
  }

  /** The runtime waits in `/next` (with nothing of it running: it may be frozen). */
  get waiting(): boolean {
    return this.#parked !== undefined
  }

  close(): void {
    this.#parked?.drop()
    this.#parked = undefined
    this.#nextBehindAnswer?.drop()
    this.#nextBehindAnswer = undefined
    for (const channel of this.#channels) channel.destroy()
    this.#server.closeAllConnections()
    this.#server.close()
  }

  /** The HTTP transport: each request becomes its call. */
  #route(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? ''
    if (!url.startsWith(PREFIX)) return httpReply(res, 404, A.NOT_FOUND_BODY, 'text/plain; charset=utf-8')
    const path = url.slice(PREFIX.length)
    if (req.method === 'GET' && path === 'invocation/next') return this.#nextCall(httpNext(res))
    if (req.method === 'POST' && path === 'init/error') {
      return readBody(req, (body) => this.#initError(postedError(errorTypeHeader(req), body), (status, text, type) => httpReply(res, status, text, type)))
    }
    const match = /^invocation\/([^/]+)\/(response|error)$/.exec(path)
    if (req.method === 'POST' && match !== null) {
      const id = decodeURIComponent(match[1] as string)
      const reply: RuntimeReply = (status, text, type) => httpReply(res, status, text, type)
      this.#answering++
      if (match[2] === 'response') readBody(req, (body) => this.#response(id, body, reply))
      else readBody(req, (body) => this.#invocationError(id, postedError(errorTypeHeader(req), body), reply))
      return
    }
    httpReply(res, 404, A.NOT_FOUND_BODY, 'text/plain; charset=utf-8')
  }

  #nextCall(call: NextCall): void {
    if (this.#answering === 0) return this.#next(call)
    this.#nextBehindAnswer?.drop()
    this.#nextBehindAnswer = call
    call.whenGone(() => {
      if (this.#nextBehindAnswer === call) this.#nextBehindAnswer = undefined
    })
  }

  /** An answer is in: a `/next` held behind it is served now. */
  #answered(): void {
    this.#answering--
    const held = this.#nextBehindAnswer
    if (this.#answering > 0 || held === undefined) return
    this.#nextBehindAnswer = undefined
    this.#next(held)
  }

  #next(call: NextCall): void {
    if (this.#state === 'Invoking') {
      return call.refuse(403, A.invalidStateTransitionBody('Invoking', 'Ready', 'the current invocation has no response yet'))
    }
    const first = this.#state === 'Initializing'
    this.#state = 'Ready'
    // A runtime that polls twice keeps only its newest poll.
    if (this.#parked !== call) this.#parked?.drop()
    this.#parked = undefined
    const queued = this.#queued
    if (first) this.#listener.onReady()
    if (queued !== undefined) {
      this.#queued = undefined
      this.#send(call, queued)
      return
    }
    this.#parked = call
    call.whenGone(() => {
      if (this.#parked === call) this.#parked = undefined
    })
    this.#listener.onWaiting()
  }

  #send(call: NextCall, inv: RuntimeInvocation): void {
    this.#state = 'Invoking'
    this.#current = inv.awsRequestId
    call.deliver(inv)
  }

  // Each answer calls #answered once, after the listener and before its 202: a `/next` held
  // behind it is then served first, and a runtime frozen there (idle) is not woken by the
  // 202, which it reads with its next event: one wake-up per invocation fewer.
  #response(id: string, body: PostedBody, reply: RuntimeReply): void {
    if (id !== this.#current) {
      reply(400, A.INVALID_REQUEST_ID_BODY)
      return this.#answered()
    }
    this.#current = undefined
    this.#state = 'Ready'
    if (body.tooLarge) {
      this.#listener.onError(id, { errorType: A.RESPONSE_TOO_LARGE_ERROR_TYPE, errorMessage: A.responseTooLargeMessage(body.bytes), trace: [] })
      this.#answered()
      return reply(413, A.PAYLOAD_TOO_LARGE_BODY)
    }
    this.#listener.onResponse(id, body.text)
    this.#answered()
    reply(202, A.ACCEPTED_BODY)
  }

  #invocationError(id: string, error: FunctionErrorPayload, reply: RuntimeReply): void {
    if (id !== this.#current) {
      reply(400, A.INVALID_REQUEST_ID_BODY)
      return this.#answered()
    }
    this.#current = undefined
    this.#state = 'Ready'
    this.#listener.onError(id, error)
    this.#answered()
    reply(202, A.ACCEPTED_BODY)
  }

  #initError(error: FunctionErrorPayload, reply: RuntimeReply): void {
    if (this.#state !== 'Initializing') {
      return reply(403, A.invalidStateTransitionBody(this.#state, 'InitError', 'init/error is accepted only before the first /next'))
    }
    reply(202, A.ACCEPTED_BODY)
    this.#listener.onInitError(error)
  }
}

/** A `/next` on HTTP: its invocation is the response to it. */
function httpNext(res: ServerResponse): NextCall {
  return {
    deliver: (inv) => {
      const headers: Record<string, string | number> = {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(inv.event),
        'Lambda-Runtime-Aws-Request-Id': inv.awsRequestId,
        'Lambda-Runtime-Deadline-Ms': String(inv.deadlineMs),
        'Lambda-Runtime-Invoked-Function-Arn': inv.invokedFunctionArn,
        'Lambda-Runtime-Trace-Id': inv.traceId,
      }
      if (inv.clientContext !== undefined) headers['Lambda-Runtime-Client-Context'] = inv.clientContext
      if (inv.cognitoIdentity !== undefined) headers['Lambda-Runtime-Cognito-Identity'] = inv.cognitoIdentity
      res.writeHead(200, headers)
      res.end(inv.event)
    },
    refuse: (status, body, type) => httpReply(res, status, body, type),
    // Its connection closes: the runtime polls again on a new one.
    drop: () => res.destroy(),
    whenGone: (onGone) => res.on('close', onGone),
  }
}

function httpReply(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}

function errorTypeHeader(req: IncomingMessage): string | undefined {
  const header = req.headers['lambda-runtime-function-error-type']
  return typeof header === 'string' ? header : undefined
}

/**
 * Reads a posted body, keeping at most `MAX_RUNTIME_PAYLOAD_BYTES` (the rest is counted and
 * dropped), then calls `done` once. A callback, not a promise: this runs twice per invocation.
 */
function readBody(req: IncomingMessage, done: (body: PostedBody) => void): void {
  let first: Buffer | undefined
  let more: Buffer[] | undefined
  let bytes = 0
  let called = false
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length
    if (bytes > A.MAX_RUNTIME_PAYLOAD_BYTES) return
    if (first === undefined) first = chunk
    else (more ??= [first]).push(chunk)
  })
  const end = (): void => {
    if (called) return
    called = true
    const tooLarge = bytes > A.MAX_RUNTIME_PAYLOAD_BYTES
    const text = tooLarge || first === undefined ? '' : more === undefined ? first.toString('utf8') : Buffer.concat(more).toString('utf8')
    done({ text, bytes, tooLarge })
  }
  req.on('end', end)
  req.on('error', end)
}
