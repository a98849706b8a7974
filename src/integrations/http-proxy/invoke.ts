/**
 * @module
 * The `HTTP_PROXY` integration step (spec 4.1): forwards the request to the backend over a
 * pooled keep-alive connection, streaming the body both ways, and turns the outcome into a
 * reply. The integration timeout covers the whole exchange: before the backend's headers it
 * is 503 `Service Unavailable`; after them the status is already sent, so the client's
 * connection is cut. Request parameter mapping is applied on the way out, response mapping
 * on the way back.
 */
import type { IncomingMessage } from 'node:http'
import type { Readable } from 'node:stream'
import type { Dispatcher } from 'undici'
import { GatewayResponses } from '../../errors/index.js'
import { firstHeader, headerPairs } from '../../util/index.js'
import { MAX_REQUEST_BODY_BYTES, MAX_RESPONSE_BODY_BYTES } from '../../model/index.js'
import type { Reply, RequestContext, RequestTrace } from '../../model/index.js'
import { localReply } from '../../errors/index.js'
import type { CompiledIntegration, CompiledRoute, CompiledStage } from '../../model/index.js'
import type { IntegrationRequestParts, MappingInput, RequestParameterMapping, ResponseParameterMapping } from '../parameter-mapping/index.js'
import { describeUpstreamFailure, HTTP_PROXY_FAILURE_RESPONSES } from './failures.js'
import { flatHeaders, returnedResponseHeaders, upstreamRequestHeaders } from './headers.js'
import { DEFAULT_ROUTE_FORWARDS_STAGE, targetPath, type TargetTemplate } from './target-url.js'
import { mapResponse } from '../response-mapping.js'
import { UpstreamExchange, type ExchangeHead } from './exchange.js'

/** An `HTTP_PROXY` integration of one stage: its backend and how to reach it. */
export interface HttpProxySettings {
  readonly integrationId: string
  readonly timeoutInMillis: number
  /** `requestParameters`, or `null` without any. */
  readonly requestMapping: RequestParameterMapping | null
  /** `responseParameters`, or `null` without any. */
  readonly responseMapping: ResponseParameterMapping | null
  /** The integration URI with this stage's variables substituted. */
  readonly template: TargetTemplate
  /** `null` for `ANY`: the client's method. */
  readonly method: string | null
  readonly dispatcher: Dispatcher
}

/** The `HTTP_PROXY` integration as the snapshot holds it: it streams the body unless a mapping reads it. */
export function httpProxyIntegration(settings: HttpProxySettings): CompiledIntegration {
  return {
    integrationId: settings.integrationId,
    integrationType: 'HTTP_PROXY',
    streamsRequestBody: settings.requestMapping?.readsBody !== true,
    invoke: ({ ctx, req, route, stage }) => invokeHttpProxy({ ctx, req, integration: settings, route, stage, bodyRead: route.readsRequestBody }),
  }
}

export interface HttpProxyTarget {
  readonly ctx: RequestContext
  readonly req: IncomingMessage
  readonly integration: HttpProxySettings
  readonly route: CompiledRoute
  readonly stage: CompiledStage
  /** Whether the pipeline has read the body into `ctx.body` (else it is streamed from `req`). */
  readonly bodyRead: boolean
}

class RequestBodyTooLarge extends Error {}
class ClientAborted extends Error {}

export function invokeHttpProxy(t: HttpProxyTarget): Promise<Reply> {
  const { ctx, integration, stage } = t
  const streamed = !t.bodyRead && hasBody(t.req)
  if (streamed && Number(firstHeader(t.req.rawHeaders, 'content-length') ?? 0) > MAX_REQUEST_BODY_BYTES) {
    return Promise.resolve(localReply(GatewayResponses.REQUEST_TOO_LARGE))
  }
  const contentLength = t.bodyRead ? (ctx.body.length > 0 || firstHeader(t.req.rawHeaders, 'content-length') !== undefined ? ctx.body.length : null) : declaredLength(t.req)
  let headers = upstreamRequestHeaders(ctx, integration.template.authority, contentLength)
  let rawQueryString = ctx.rawQueryString
  let overwrittenPath: string | null = null
  // Built only when a mapping reads them: most proxied requests need neither the pairs nor the input.
  const requestMapping = integration.requestMapping
  if (requestMapping !== null) {
    const parts: IntegrationRequestParts = { headers: headerPairs(headers), rawQueryString, path: null }
    requestMapping.apply({ ctx, stageVariables: stage.stageVariables, response: null }, parts)
    if (ctx.trace !== null) ctx.trace.requestMapping = { headers: parts.headers.map(([n, v]) => [n, v] as const), rawQueryString: parts.rawQueryString, path: parts.path }
    headers = flatHeaders(parts.headers)
    rawQueryString = parts.rawQueryString
    overwrittenPath = parts.path
  }
  const path = targetPath(integration.template, {
    pathParameters: ctx.pathParameters,
    appendedPath: t.route.resourcePath === null ? defaultRoutePath(ctx) : null,
    overwrittenPath,
    rawQueryString,
  })
  if (path === null) {
    ctx.integrationErrorMessage = 'The request path has a dot segment (. or ..), which is not forwarded'
    return Promise.resolve(localReply(GatewayResponses.BAD_REQUEST))
  }

  const started = performance.now()
  const trace: RequestTrace['upstream'] = ctx.trace === null ? null : (ctx.trace.upstream = { method: integration.method ?? ctx.method, url: integration.template.origin + path, headers: headerPairs(headers), status: null, responseHeaders: null })
  const options: Dispatcher.DispatchOptions = {
    origin: integration.template.origin,
    path,
    method: (integration.method ?? ctx.method) as Dispatcher.HttpMethod,
    headers,
    // undici's dispatcher accepts an async iterable body (its typing is narrower).
    body: t.bodyRead ? (ctx.body.length > 0 ? ctx.body : null) : streamed ? (limitedBody(t.req, ctx) as unknown as Readable) : null,
    // The integration timeout (the exchange's timer) bounds the exchange; undici's own stay out of its way.
    headersTimeout: 0,
    bodyTimeout: 0,
  }
  return new Promise<ExchangeHead>((resolve) => {
    const exchange = new UpstreamExchange({ timeoutMs: integration.timeoutInMillis, maxResponseBytes: MAX_RESPONSE_BODY_BYTES }, resolve)
    integration.dispatcher.dispatch(options, exchange)
  }).then((head) => {
    ctx.integrationLatency = Math.round(performance.now() - started)
    if (trace !== null && head.ok) {
      trace.status = head.statusCode
      trace.responseHeaders = returnedResponseHeaders(head.rawHeaders)
    }
    if (!head.ok) return failed(ctx, integration, head)
    ctx.integrationStatus = head.statusCode
    ctx.integrationServiceStatus = head.statusCode
    return backendReply(t, head)
  })
}

function failed(ctx: RequestContext, integration: HttpProxySettings, head: ExchangeHead & { ok: false }): Reply {
  if (head.reason === 'timeout') {
    ctx.integrationErrorMessage = `The backend did not answer within the integration timeout of ${integration.timeoutInMillis} ms`
    return localReply(GatewayResponses.INTEGRATION_TIMEOUT)
  }
  const err = head.error
  if (err instanceof RequestBodyTooLarge) return localReply(GatewayResponses.REQUEST_TOO_LARGE)
  if (err instanceof ClientAborted) return localReply(GatewayResponses.BAD_REQUEST)
  const failure = describeUpstreamFailure(err, integration.template.origin)
  ctx.integrationErrorMessage = failure.message
  return localReply(HTTP_PROXY_FAILURE_RESPONSES[failure.kind])
}

/**
 * The reply from the backend's head. Synchronous unless a response mapping reads the body:
 * returning a plain reply from the head's `then` saves the promise (and two microtask turns)
 * an `async` function would add to every proxied request.
 */
function backendReply(t: HttpProxyTarget, head: ExchangeHead & { ok: true }): Reply | Promise<Reply> {
  const { ctx, integration } = t
  const body = head.body as UpstreamExchange
  const headers = returnedResponseHeaders(head.rawHeaders)
  const declared = Number(headerValue(headers, 'content-length') ?? 0)
  if (declared > MAX_RESPONSE_BODY_BYTES) {
    body.discard()
    ctx.integrationErrorMessage = `The backend's response (${declared} bytes) is over the ${MAX_RESPONSE_BODY_BYTES}-byte payload limit`
    return localReply(GatewayResponses.INTEGRATION_FAILURE)
  }
  const mapping = integration.responseMapping
  if (mapping === null || !mapping.appliesTo(head.statusCode)) return { statusCode: head.statusCode, headers, body: EMPTY, error: null, stream: body }
  const stageVariables = t.stage.stageVariables
  if (!mapping.readsBody) return mappedReply(ctx, mapping, stageVariables, head.statusCode, headers, body, null)
  return body.readAll().then((buffered) => {
    if (buffered === null) {
      ctx.integrationErrorMessage = `The backend's response failed or is over the ${MAX_RESPONSE_BODY_BYTES}-byte payload limit`
      return localReply(GatewayResponses.INTEGRATION_FAILURE)
    }
    return mappedReply(ctx, mapping, stageVariables, head.statusCode, headers, body, buffered)
  })
}

/** Response parameter mapping applied (spec 4.3); `buffered` is the whole body when the mapping read it. */
function mappedReply(
  ctx: RequestContext,
  mapping: ResponseParameterMapping,
  stageVariables: MappingInput['stageVariables'],
  statusCode: number,
  headers: Array<readonly [string, string]>,
  body: UpstreamExchange,
  buffered: Buffer | null
): Reply {
  const mapped = mapResponse(ctx, mapping, { ctx, stageVariables, response: { headers, body: buffered } }, statusCode, headers)
  if (mapped === null) {
    if (buffered === null) body.discard()
    return localReply(GatewayResponses.INTEGRATION_FAILURE)
  }
  if (buffered === null) return { statusCode: mapped.statusCode, headers: mapped.headers, body: EMPTY, error: null, stream: body }
  // The body was read whole: its length is now known exactly.
  return { statusCode: mapped.statusCode, headers: mapped.headers.filter(([n]) => n !== 'content-length'), body: buffered, error: null }
}

function headerValue(headers: ReadonlyArray<readonly [string, string]>, name: string): string | undefined {
  for (const [n, v] of headers) if (n === name) return v
  return undefined
}

const EMPTY = Buffer.alloc(0)

/** The request path below the stage as the client encoded it, for the `$default` route. */
function defaultRoutePath(ctx: RequestContext): string {
  return DEFAULT_ROUTE_FORWARDS_STAGE ? ctx.rawPathname : ctx.rawStagePath
}

function hasBody(req: IncomingMessage): boolean {
  const length = firstHeader(req.rawHeaders, 'content-length')
  return firstHeader(req.rawHeaders, 'transfer-encoding') !== undefined || (length !== undefined && length !== '0')
}

function declaredLength(req: IncomingMessage): number | null {
  if (firstHeader(req.rawHeaders, 'transfer-encoding') !== undefined) return null
  const length = firstHeader(req.rawHeaders, 'content-length')
  return length === undefined ? null : Number(length)
}

/** The request body as it arrives, counted into `ctx`, refused past the payload quota. */
async function* limitedBody(req: IncomingMessage, ctx: RequestContext): AsyncGenerator<Buffer> {
  let size = 0
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > MAX_REQUEST_BODY_BYTES) throw new RequestBodyTooLarge()
      ctx.streamedRequestBytes = size
      yield chunk as Buffer
    }
  } catch (err) {
    throw err instanceof RequestBodyTooLarge ? err : new ClientAborted()
  }
  if (!req.complete) throw new ClientAborted()
}
