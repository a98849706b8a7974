/**
 * @module
 * The HTTP API request pipeline, one step at a time, each either continuing or producing a
 * local reply from the catalogue:
 *
 *   size limits → resolve API and stage → match route (or answer a CORS preflight) → throttle
 *   → read body (unless an HTTP proxy streams it) → authorize → invoke integration
 *
 * Expected outcomes (404, 413, 500 from a function) are returned replies, not exceptions.
 */
import type { IncomingMessage } from 'node:http'
import { GatewayResponses } from '../errors/index.js'
import { decodePath, pathSegments, splitTarget } from '../routing/index.js'
import { resolveEndpoint } from './endpoint.js'
import type { AuthorizeOutcome, CompiledRoute, CompiledStage, Reply, RuntimeSnapshot } from '../model/index.js'
import { MAX_REQUEST_BODY_BYTES, MAX_REQUEST_LINE_AND_HEADERS_BYTES } from '../model/index.js'
import { readBody, type BodyResult } from '../util/index.js'
import { localReply } from '../errors/index.js'
import type { RequestContext } from '../model/index.js'

/**
 * What a route without an integration answers. AWS lets such routes exist; the answer is
 * not documented `[UNCONFIRMED]`, and 404 is what a caller can least mistake for success.
 */
export const ROUTE_WITHOUT_INTEGRATION = GatewayResponses.NOT_FOUND

export function processRequest(ctx: RequestContext, req: IncomingMessage, snapshot: RuntimeSnapshot): Reply | Promise<Reply> {
  if (requestLineAndHeadersSize(req) > MAX_REQUEST_LINE_AND_HEADERS_BYTES) {
    return localReply(GatewayResponses.REQUEST_HEADERS_TOO_LARGE)
  }
  const { rawPathname, rawQueryString } = splitTarget(req.url ?? '/')
  const path = decodePath(rawPathname)
  if (path === undefined) return localReply(GatewayResponses.BAD_REQUEST)
  ctx.path = path
  ctx.rawPathname = rawPathname
  ctx.rawQueryString = rawQueryString

  const endpoint = resolveEndpoint(ctx, snapshot)
  if (!('api' in endpoint)) return localReply(endpoint)
  const { api, stage } = endpoint
  ctx.api = api
  ctx.accountId = snapshot.config.accountId
  ctx.stage = stage
  ctx.routeSegments = pathSegments(ctx.stagePath)

  const match = stage.router.match(ctx.method, ctx.routeSegments)
  if (match === null) {
    // Routes win; only a preflight no route takes is answered by the gateway (spec 8.2).
    if (api.cors !== null && api.cors.isPreflight(ctx)) return api.cors.preflight(ctx)
    return localReply(GatewayResponses.NOT_FOUND)
  }
  const route = match.route
  ctx.route = route
  ctx.pathParameters = match.pathParameters

  // Throttling comes before the authorizer and the integration, which a throttled request never reaches (spec 6.2).
  if (route.throttle !== null) {
    const allowed = snapshot.limiter.take(route.throttle)
    if (allowed instanceof Promise) return allowed.then((ok) => (ok ? integrate(ctx, req, route, stage, api.apiId) : THROTTLED))
    if (!allowed) return THROTTLED
  }
  return integrate(ctx, req, route, stage, api.apiId)
}

const THROTTLED = localReply(GatewayResponses.TOO_MANY_REQUESTS)

/**
 * Reads the body (within the payload quota), runs the route's authorizer (IAM signatures
 * cover the body, so it comes first), then calls the integration.
 */
function integrate(ctx: RequestContext, req: IncomingMessage, route: CompiledRoute, stage: CompiledStage, apiId: string): Reply | Promise<Reply> {
  const step: Step = { ctx, req, route, stage, apiId }
  if (!route.readsRequestBody) return authorize(step)
  const body = readBody(req, MAX_REQUEST_BODY_BYTES)
  const next = (b: BodyResult): Reply | Promise<Reply> => {
    if (b === 'too-large') return localReply(GatewayResponses.REQUEST_TOO_LARGE)
    if (b === 'aborted') return localReply(GatewayResponses.BAD_REQUEST)
    ctx.body = b
    return authorize(step)
  }
  return body instanceof Promise ? body.then(next) : next(body)
}

/** What the steps after route matching work on. */
interface Step {
  readonly ctx: RequestContext
  readonly req: IncomingMessage
  readonly route: CompiledRoute
  readonly stage: CompiledStage
  readonly apiId: string
}

function authorize(step: Step): Reply | Promise<Reply> {
  const authorizer = step.route.authorizer
  if (authorizer === null) return invoke(step)
  const outcome = authorizer.authorize(step.ctx)
  return outcome instanceof Promise ? outcome.then((o) => authorized(step, o)) : authorized(step, outcome)
}

function authorized(step: Step, outcome: AuthorizeOutcome): Reply | Promise<Reply> {
  if (!outcome.ok) {
    step.ctx.authorizerError = outcome.error
    return outcome.reply
  }
  step.ctx.authorizer = outcome.result
  return invoke(step)
}

function invoke({ ctx, req, route, stage, apiId }: Step): Reply | Promise<Reply> {
  const integration = route.integration
  if (integration === null) return localReply(ROUTE_WITHOUT_INTEGRATION)
  return integration.invoke({ ctx, req, route, stage, apiId })
}

/** Request line plus header values, as the quota counts them. */
function requestLineAndHeadersSize(req: IncomingMessage): number {
  let size = (req.method?.length ?? 0) + (req.url?.length ?? 0) + 10
  const raw = req.rawHeaders
  for (let i = 1; i < raw.length; i += 2) size += (raw[i] as string).length
  return size
}
