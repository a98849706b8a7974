/**
 * @module
 * Checks an API's authorizers (spec 5.1, 5.2, 12.5) and the IAM settings (5.3).
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseIdentitySource } from '../auth/index.js'
import type { Draft } from './drafts.js'
import type { LoadedDocument } from './load-file.js'
import type * as M from '../model/index.js'
import { fieldOrigin, type Reporter } from './reporter.js'
import type { AuthorizerInput, IamSettingsInput } from './schema.js'
import type { IdentitySource } from '../model/index.js'

/** HTTP API quotas (spec 13.2). */
export const MAX_AUTHORIZERS_PER_API = 10
export const MAX_AUDIENCES = 50
export const MAX_SCOPES_PER_ROUTE = 10
export const DEFAULT_IAM_CLOCK_SKEW_SECONDS = 300

export interface AuthorizerContext {
  readonly doc: LoadedDocument
  readonly baseDir: string
  /** Resolves a Lambda URI to a defined function name, reporting when it is not one. */
  readonly checkFunction: (uri: string, origin: M.Origin) => void
  readonly sourceNames?: Readonly<Record<string, string>>
}

export function checkAuthorizer(draft: Draft<AuthorizerInput>, ctx: AuthorizerContext, reporter: Reporter): M.AuthorizerDefinition | undefined {
  const { input, origin } = draft
  const at = (field: string) => fieldOrigin(ctx.doc, origin, draft.sourceNames?.[field] ?? field)
  const before = reporter.count
  const sources = (typeof input.identitySource === 'string' ? input.identitySource.split(',') : (input.identitySource ?? [])).map((s) => s.trim())
  const identitySources: IdentitySource[] = []
  for (const expression of sources) {
    const parsed = parseIdentitySource(expression)
    if (typeof parsed === 'string') reporter.at(at('identitySource'), parsed)
    else identitySources.push(parsed)
  }
  const name = input.name ?? input.authorizerId

  if (input.authorizerType === 'JWT') {
    for (const field of ['authorizerUri', 'authorizerPayloadFormatVersion', 'enableSimpleResponses', 'authorizerResultTtlInSeconds'] as const) {
      if (input[field] !== undefined) reporter.at(at(field), `${field} applies to REQUEST authorizers only`)
    }
    const issuer = input.jwtConfiguration?.issuer
    if (issuer === undefined) reporter.at(at('jwtConfiguration'), 'jwtConfiguration.issuer is required for JWT authorizers')
    const audience = input.jwtConfiguration?.audience ?? []
    if (audience.length > MAX_AUDIENCES) reporter.at(at('jwtConfiguration'), `a JWT authorizer has at most ${MAX_AUDIENCES} audiences`)
    if (sources.length !== 1) reporter.at(at('identitySource'), 'a JWT authorizer needs exactly one identity source, e.g. $request.header.Authorization')
    const source = identitySources[0]
    if (source !== undefined && source.kind !== 'header' && source.kind !== 'querystring') {
      reporter.at(at('identitySource'), 'a JWT identity source must be a $request.header or $request.querystring value')
    }
    const jwks = jwksSource(input, at('jwks'), ctx, reporter)
    if (jwks?.kind === 'discovery' && issuer !== undefined && !/^https?:\/\//.test(issuer)) {
      reporter.at(at('jwtConfiguration'), `issuer "${issuer}" must be an http(s) URL for OpenID discovery, or give jwks (uri, file or keys)`)
    }
    if (reporter.count > before || issuer === undefined || source === undefined || jwks === undefined) return undefined
    return {
      authorizerType: 'JWT',
      authorizerId: input.authorizerId,
      name,
      identitySource: source,
      issuer,
      audience,
      jwks,
      clockSkewSeconds: input.clockSkewSeconds ?? 0,
      origin,
    }
  }

  for (const field of ['jwtConfiguration', 'jwks', 'clockSkewSeconds'] as const) {
    if (input[field] !== undefined) reporter.at(at(field), `${field} applies to JWT authorizers only`)
  }
  const uri = input.authorizerUri
  if (uri === undefined) reporter.at(origin, 'authorizerUri is required for REQUEST authorizers: the Lambda function name or ARN', draft.sourceNames?.['authorizerUri'] ?? 'authorizerUri')
  else ctx.checkFunction(uri, at('authorizerUri'))
  const raw = input.authorizerPayloadFormatVersion
  const version = raw === undefined ? undefined : typeof raw === 'number' ? raw.toFixed(1) : String(raw)
  if (version !== '1.0' && version !== '2.0') {
    reporter.at(at('authorizerPayloadFormatVersion'), 'authorizerPayloadFormatVersion is required for REQUEST authorizers: "1.0" or "2.0"')
  }
  const simple = input.enableSimpleResponses ?? false
  if (simple && version !== '2.0') reporter.at(at('enableSimpleResponses'), 'enableSimpleResponses requires authorizerPayloadFormatVersion "2.0"')
  const ttl = input.authorizerResultTtlInSeconds ?? 0
  if (ttl > 0 && identitySources.length === 0) {
    reporter.at(at('authorizerResultTtlInSeconds'), 'caching (authorizerResultTtlInSeconds > 0) needs at least one identity source')
  }
  if (reporter.count > before || uri === undefined || (version !== '1.0' && version !== '2.0')) return undefined
  return {
    authorizerType: 'REQUEST',
    authorizerId: input.authorizerId,
    name,
    authorizerUri: uri,
    payloadFormatVersion: version,
    enableSimpleResponses: simple,
    resultTtlSeconds: ttl,
    identitySources,
    origin,
  }
}

function jwksSource(input: AuthorizerInput, origin: M.Origin, ctx: AuthorizerContext, reporter: Reporter): M.JwksSource | undefined {
  const jwks = input.jwks
  if (jwks === undefined) return { kind: 'discovery' }
  const given = [jwks.uri, jwks.file, jwks.keys].filter((v) => v !== undefined).length
  if (given !== 1) {
    reporter.at(origin, 'jwks takes exactly one of uri, file or keys')
    return undefined
  }
  if (jwks.uri !== undefined) {
    if (!/^https?:\/\//.test(jwks.uri)) return void reporter.at(fieldOrigin(ctx.doc, origin, 'uri'), 'jwks.uri must be an http(s) URL')
    return { kind: 'uri', uri: jwks.uri }
  }
  if (jwks.keys !== undefined) return { kind: 'keys', jwks: { keys: jwks.keys } }
  const file = resolve(ctx.baseDir, jwks.file as string)
  if (!existsSync(file)) return void reporter.at(fieldOrigin(ctx.doc, origin, 'file'), `JWKS file not found: ${file}`)
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { keys?: unknown }
    if (!Array.isArray(parsed.keys)) throw new Error('it has no "keys" array')
    return { kind: 'keys', jwks: { keys: parsed.keys as Record<string, unknown>[] } }
  } catch (err) {
    return void reporter.at(fieldOrigin(ctx.doc, origin, 'file'), `JWKS file ${file} is not a JWKS: ${(err as Error).message}`)
  }
}

/** The route's authorization, checked against the API's authorizers and the IAM settings. */
export function checkRouteAuthorization(
  input: { authorizationType?: M.AuthorizationType; authorizerId?: string; authorizationScopes?: string[] },
  at: (field: string) => M.Origin,
  authorizers: ReadonlyMap<string, M.AuthorizerDefinition>,
  brokenAuthorizers: ReadonlySet<string>,
  hasIam: boolean,
  reporter: Reporter
): Pick<M.RouteDefinition, 'authorizationType' | 'authorizerId' | 'authorizationScopes'> {
  const type = input.authorizationType ?? 'NONE'
  const scopes = input.authorizationScopes ?? []
  const id = input.authorizerId ?? null
  if ((type === 'JWT' || type === 'CUSTOM') && id === null) reporter.at(at('authorizerId'), `authorizationType ${type} needs an authorizerId`)
  if ((type === 'NONE' || type === 'AWS_IAM') && id !== null) reporter.at(at('authorizerId'), `authorizerId cannot be used with authorizationType ${type}`)
  if (id !== null && (type === 'JWT' || type === 'CUSTOM')) {
    const authorizer = authorizers.get(id)
    const expected = type === 'JWT' ? 'JWT' : 'REQUEST'
    if (authorizer === undefined) {
      if (!brokenAuthorizers.has(id)) reporter.at(at('authorizerId'), `authorizer "${id}" does not exist in this API`)
    } else if (authorizer.authorizerType !== expected) {
      reporter.at(at('authorizerId'), `authorizationType ${type} needs a ${expected} authorizer; "${id}" is ${authorizer.authorizerType}`)
    }
  }
  if (scopes.length > 0 && type !== 'JWT') reporter.at(at('authorizationScopes'), 'authorizationScopes apply to JWT authorization only')
  if (scopes.length > MAX_SCOPES_PER_ROUTE) reporter.at(at('authorizationScopes'), `a route has at most ${MAX_SCOPES_PER_ROUTE} authorization scopes`)
  if (type === 'AWS_IAM' && !hasIam) {
    reporter.at(at('authorizationType'), 'AWS_IAM routes need iam.credentials at the top of the config to verify signatures against')
  }
  return { authorizationType: type, authorizerId: id, authorizationScopes: scopes }
}

export function iamSettingsOf(input: IamSettingsInput | undefined, accountId: string): M.IamSettings | null {
  if (input === undefined) return null
  const credentials = new Map<string, M.IamCredential>()
  for (const c of input.credentials) {
    const account = c.accountId ?? accountId
    credentials.set(c.accessKeyId, {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      accountId: account,
      userArn: c.userArn ?? `arn:aws:iam::${account}:user/${c.accessKeyId}`,
      ...(c.sessionToken !== undefined ? { sessionToken: c.sessionToken } : {}),
    })
  }
  return {
    credentials,
    allowSessionTokens: input.allowSessionTokens ?? true,
    clockSkewMs: (input.clockSkewSeconds ?? DEFAULT_IAM_CLOCK_SKEW_SECONDS) * 1000,
  }
}
