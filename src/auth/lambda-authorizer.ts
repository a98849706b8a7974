/**
 * @module
 * A Lambda `REQUEST` authorizer for HTTP APIs (spec 5.2): identity sources are required
 * values (any missing → 401 without invoking the function); the function gets a payload 1.0
 * or 2.0 authorizer event and answers with a simple `isAuthorized` or an IAM policy, which is
 * evaluated against the request's `routeArn`. Decisions (allow and deny, never errors) are
 * cached per stage for `authorizerResultTtlInSeconds`, keyed on the identity values; a cached
 * policy is evaluated again for each request's `routeArn`.
 */
import type { AuthorizeOutcome, RequestAuthorizerDefinition } from '../model/index.js'
import { GatewayResponses } from '../errors/index.js'
import { localReply } from '../errors/index.js'
import type { RequestContext } from '../model/index.js'
import { buildEventV1 } from '../integrations/index.js'
import { buildEventV2 } from '../integrations/index.js'
import type { FunctionInvoker } from '../model/index.js'
import { decide, parseAuthorizerResponse, routeArn, type ParsedAuthorizerResponse } from './authorizer-response.js'
import { readIdentitySource } from './identity-source.js'
import { BoundedMap } from '../util/index.js'

/** Lambda authorizer response timeout (spec 13.2). */
export const LAMBDA_AUTHORIZER_TIMEOUT_MS = 10_000
/** Cached decisions kept per authorizer and stage; the oldest go first. */
export const MAX_CACHED_DECISIONS = 10_000

export interface LambdaAuthorizerTarget {
  readonly def: RequestAuthorizerDefinition
  readonly pool: FunctionInvoker
  readonly region: string
}

interface CachedDecision {
  readonly parsed: ParsedAuthorizerResponse
  readonly expiresAt: number
}

export class LambdaAuthorizer {
  readonly #target: LambdaAuthorizerTarget
  readonly #cache = new BoundedMap<string, CachedDecision>(MAX_CACHED_DECISIONS)
  readonly #now: () => number

  constructor(target: LambdaAuthorizerTarget, options: { now?: () => number } = {}) {
    this.#target = target
    this.#now = options.now ?? Date.now
  }

  async authorize(ctx: RequestContext): Promise<AuthorizeOutcome> {
    const { def } = this.#target
    const values: string[] = []
    for (const source of def.identitySources) {
      const value = readIdentitySource(source, ctx)
      if (value === undefined) {
        return { ok: false, reply: localReply(GatewayResponses.UNAUTHORIZED), error: `identity source ${source.expression} is missing` }
      }
      values.push(value)
    }
    const arn = routeArn({
      region: this.#target.region,
      accountId: ctx.accountId,
      apiId: ctx.api?.apiId ?? '',
      stage: ctx.stage?.stageName ?? '',
      method: ctx.method,
      path: ctx.stagePath,
    })
    // The key is the tuple of values (spec 5.2): JSON keeps ("a\0b", "c") and ("a", "b\0c") apart.
    const cacheKey = def.resultTtlSeconds > 0 ? JSON.stringify(values) : undefined
    let parsed = cacheKey === undefined ? undefined : this.#cached(cacheKey)
    const cached = parsed !== undefined
    if (parsed === undefined) {
      const invoked = await this.#invoke(ctx, arn, values)
      if ('error' in invoked) return failure(invoked.error)
      parsed = invoked.parsed
      if (cacheKey !== undefined) this.#remember(cacheKey, parsed)
    }
    if (ctx.trace !== null) {
      const input = ctx.trace.authorizer?.input ?? { identitySource: values, routeArn: arn }
      ctx.trace.authorizer = { type: 'REQUEST', input, response: parsed, cached }
    }
    const decision = decide(parsed, arn)
    switch (decision.kind) {
      case 'invalid':
        return failure(decision.reason)
      case 'deny':
        return { ok: false, reply: localReply(GatewayResponses.FORBIDDEN), error: 'the authorizer denied the request' }
      case 'allow':
        return { ok: true, result: { kind: 'lambda', principalId: decision.principalId, context: decision.context ?? {} } }
    }
  }

  async #invoke(ctx: RequestContext, arn: string, values: readonly string[]): Promise<{ parsed: ParsedAuthorizerResponse } | { error: string }> {
    const { def, pool } = this.#target
    const event = JSON.stringify(def.payloadFormatVersion === '2.0' ? eventV2(ctx, arn, values) : eventV1(ctx, arn, values))
    const result = await pool.invoke(event, LAMBDA_AUTHORIZER_TIMEOUT_MS)
    if (ctx.trace !== null) {
      // The event and the raw answer, kept even when the answer is refused below.
      const raw = result.status === 'ok' ? result.payload : result.status === 'function-error' ? result.error : result.status
      ctx.trace.authorizer = { type: 'REQUEST', input: JSON.parse(event) as unknown, response: raw, cached: false }
    }
    switch (result.status) {
      case 'integration-timeout':
        return { error: `the authorizer did not answer within ${LAMBDA_AUTHORIZER_TIMEOUT_MS} ms` }
      case 'rejected':
        return { error: `${result.errorType}: ${result.errorMessage}` }
      case 'function-error':
        return { error: `the authorizer function failed: ${result.error.errorType}: ${result.error.errorMessage}` }
      case 'ok': {
        let value: unknown
        try {
          value = JSON.parse(result.payload)
        } catch {
          return { error: 'the authorizer returned a payload that is not JSON' }
        }
        const parsed = parseAuthorizerResponse(value, { payloadFormatVersion: def.payloadFormatVersion, enableSimpleResponses: def.enableSimpleResponses })
        return parsed.kind === 'invalid' ? { error: `invalid authorizer response: ${parsed.reason}` } : { parsed }
      }
    }
  }

  #cached(key: string): ParsedAuthorizerResponse | undefined {
    const hit = this.#cache.get(key)
    if (hit === undefined) return undefined
    if (hit.expiresAt <= this.#now()) {
      this.#cache.delete(key)
      return undefined
    }
    return hit.parsed
  }

  #remember(key: string, parsed: ParsedAuthorizerResponse): void {
    this.#cache.set(key, { parsed, expiresAt: this.#now() + this.#target.def.resultTtlSeconds * 1000 })
  }
}

function failure(error: string): AuthorizeOutcome {
  return { ok: false, reply: localReply(GatewayResponses.AUTHORIZER_FAILURE), error }
}

function baseInput(ctx: RequestContext) {
  return {
    ctx,
    accountId: ctx.accountId,
    apiId: ctx.api?.apiId ?? '',
    stageName: ctx.stage?.stageName ?? '',
    routeKey: ctx.route?.routeKey ?? '',
    stageVariables: ctx.stage?.stageVariables ?? null,
  }
}

/** Payload 2.0 (spec 5.2): the integration event's fields without the body, plus type, routeArn and identitySource. */
function eventV2(ctx: RequestContext, arn: string, values: readonly string[]): Record<string, unknown> {
  const { body: _body, isBase64Encoded: _b64, requestContext, ...rest } = buildEventV2(baseInput(ctx))
  return { version: '2.0', type: 'REQUEST', routeArn: arn, identitySource: values, ...rest, requestContext }
}

/** Payload 1.0: the REST REQUEST-authorizer event plus `version` (spec 5.2). */
function eventV1(ctx: RequestContext, arn: string, values: readonly string[]): Record<string, unknown> {
  const e = buildEventV1({ ...baseInput(ctx), resourcePath: ctx.route?.resourcePath ?? null })
  const rc = e['requestContext'] as Record<string, unknown>
  const identity = rc['identity'] as Record<string, unknown>
  return {
    version: '1.0',
    type: 'REQUEST',
    methodArn: arn,
    identitySource: values.join(','),
    authorizationToken: values.join(','),
    resource: e['resource'],
    path: e['path'],
    httpMethod: e['httpMethod'],
    headers: e['headers'],
    queryStringParameters: e['queryStringParameters'],
    // AWS's documented 1.0 authorizer event has `"pathParameters": {}` for a route without
    // variables, where the 1.0 integration event has `null`.
    pathParameters: e['pathParameters'] ?? {},
    stageVariables: e['stageVariables'],
    requestContext: {
      path: rc['path'],
      accountId: rc['accountId'],
      resourceId: rc['resourceId'],
      stage: rc['stage'],
      requestId: rc['requestId'],
      identity: { apiKey: null, sourceIp: identity['sourceIp'], clientCert: ctx.clientCert },
      resourcePath: rc['resourcePath'],
      httpMethod: rc['httpMethod'],
      apiId: rc['apiId'],
    },
  }
}
