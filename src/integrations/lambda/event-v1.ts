/**
 * @module
 * Builds the payload format 1.0 event on HTTP APIs (spec 3.3): the REST proxy shape plus
 * `version: "1.0"`. Single-value maps keep the last value, `multiValue*` maps keep all;
 * absent maps and bodies are `null`; the `cookie` header stays in `headers`.
 */
import { clfTime } from '../../util/index.js'
import type { RequestContext } from '../../model/index.js'
import type { AuthorizerResult } from '../../model/index.js'
import { encodeRequestBody } from './body-encoding.js'
import { integrationHeaders, queryParameters } from './request-parts.js'
import type { IntegrationRequestParts } from '../parameter-mapping/index.js'

export interface EventV1Input {
  readonly ctx: RequestContext
  readonly accountId: string
  readonly apiId: string
  readonly stageName: string
  readonly routeKey: string
  /** The route's path template, or `null` for the `$default` route. */
  readonly resourcePath: string | null
  readonly stageVariables: Readonly<Record<string, string>> | null
  /** Headers, query and path after request parameter mapping, when the integration has one. */
  readonly mapped?: IntegrationRequestParts
}

/**
 * `resource` for the `$default` route: the docs show the request path `[UNCONFIRMED]`;
 * we give the path below the stage, as REST's `resource` never carries the stage.
 */
export const V1_DEFAULT_ROUTE_RESOURCE = (ctx: RequestContext): string => ctx.stagePath

export function buildEventV1(input: EventV1Input): Record<string, unknown> {
  const { ctx } = input
  const resource = input.resourcePath ?? V1_DEFAULT_ROUTE_RESOURCE(ctx)
  const headers: Record<string, string> = {}
  const multiValueHeaders: Record<string, string[]> = {}
  const mapped = input.mapped
  for (const [name, value] of mapped?.headers ?? integrationHeaders(ctx)) {
    headers[name] = value
    ;(multiValueHeaders[name] ??= []).push(value)
  }
  let queryStringParameters: Record<string, string> | null = null
  let multiValueQueryStringParameters: Record<string, string[]> | null = null
  for (const [name, value] of queryParameters(mapped?.rawQueryString ?? ctx.rawQueryString)) {
    ;(queryStringParameters ??= {})[name] = value
    ;((multiValueQueryStringParameters ??= {})[name] ??= []).push(value)
  }
  const iam = ctx.authorizer?.kind === 'iam' ? ctx.authorizer.identity : undefined
  const encoded = ctx.body.length > 0 ? encodeRequestBody(ctx.body, headers['content-type']) : null
  return {
    version: '1.0',
    resource,
    path: mapped?.path ?? ctx.path,
    httpMethod: ctx.method,
    headers,
    multiValueHeaders,
    queryStringParameters,
    multiValueQueryStringParameters,
    requestContext: {
      accountId: input.accountId,
      apiId: input.apiId,
      authorizer: authorizerV1(ctx.authorizer),
      domainName: ctx.domainName,
      domainPrefix: ctx.domainPrefix,
      extendedRequestId: ctx.requestId,
      httpMethod: ctx.method,
      identity: {
        accessKey: iam?.accessKey ?? null,
        accountId: iam?.accountId ?? null,
        caller: iam?.caller ?? null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: ctx.sourceIp,
        user: iam?.user ?? null,
        userAgent: headers['user-agent'] ?? '',
        userArn: iam?.userArn ?? null,
        // Only through a mutual TLS custom domain (spec 7.3).
        ...(ctx.clientCert !== null ? { clientCert: ctx.clientCert } : {}),
      },
      path: ctx.path,
      protocol: ctx.protocol,
      requestId: ctx.requestId,
      requestTime: clfTime(ctx.requestTimeEpoch),
      requestTimeEpoch: ctx.requestTimeEpoch,
      resourceId: null,
      resourcePath: resource,
      stage: input.stageName,
    },
    pathParameters: ctx.pathParameters,
    stageVariables: input.stageVariables,
    body: encoded?.body ?? null,
    isBase64Encoded: encoded?.isBase64Encoded ?? false,
  }
}

/**
 * `requestContext.authorizer` of payload 1.0 (spec 3.4): JWT claims and scopes; a Lambda
 * authorizer's context flattened with `principalId` and `integrationLatency`, non-string
 * values stringified as REST does `[UNCONFIRMED]`; `{claims: null, scopes: null}` otherwise.
 * A simple response (`{isAuthorized, context}`) has no principal: AWS documents `principalId`
 * only as part of the IAM-policy response, so the key is left out rather than set to `null`.
 */
function authorizerV1(result: AuthorizerResult | null): Record<string, unknown> {
  if (result?.kind === 'jwt') return { claims: result.claims, scopes: result.scopes }
  if (result?.kind === 'lambda') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(result.context)) out[k] = typeof v === 'string' ? v : JSON.stringify(v)
    return result.principalId === undefined ? { ...out, integrationLatency: 0 } : { ...out, principalId: result.principalId, integrationLatency: 0 }
  }
  return { claims: null, scopes: null }
}
