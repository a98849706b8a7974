/**
 * @module
 * Authorization of HTTP API routes: JWT, Lambda (`REQUEST`) and IAM authorizers, compiled
 * per route into one `RouteAuthorizer`.
 */
import type { AuthorizerDefinition, FunctionInvoker, GatehouseConfig, JwtAuthorizerDefinition, RouteAuthorizer, RouteDefinition } from '../model/index.js'
import { DEV_ISSUER, DevIssuer } from './jwt/dev-issuer.js'
import { IamAuthorizer } from './iam-authorizer.js'
import { JwtAuthorizer } from './jwt/jwt-authorizer.js'
import { LambdaAuthorizer } from './lambda-authorizer.js'



/**
 * Builds route authorizers for one snapshot. JWT authorizers are shared by every stage of
 * their API (one key cache, one token cache); Lambda authorizers are per stage, as their
 * function may depend on stage variables and AWS caches their decisions per stage.
 */
export class AuthorizerFactory {
  readonly #config: GatehouseConfig
  readonly #jwt = new Map<string, JwtAuthorizer>()
  readonly #devIssuer: DevIssuer | null
  #iam: IamAuthorizer | undefined

  /** `devIssuer`: the development issuer whose keys an authorizer naming `DEV_ISSUER` trusts (`null`: none). */
  constructor(config: GatehouseConfig, devIssuer: DevIssuer | null = null) {
    this.#config = config
    this.#devIssuer = devIssuer
  }

  #withDevKeys(def: JwtAuthorizerDefinition): JwtAuthorizerDefinition {
    return devKeys(def, this.#devIssuer)
  }

  forRoute(
    apiId: string,
    route: RouteDefinition,
    authorizers: ReadonlyMap<string, AuthorizerDefinition>,
    lambdaFor: (def: Extract<AuthorizerDefinition, { authorizerType: 'REQUEST' }>) => LambdaAuthorizer
  ): RouteAuthorizer | null {
    switch (route.authorizationType) {
      case 'NONE':
        return null
      case 'AWS_IAM': {
        const settings = this.#config.iam
        // Validation guarantees IAM settings for AWS_IAM routes; fail closed all the same.
        if (settings === null) throw new Error(`Bug: route ${route.routeKey} is AWS_IAM but no iam settings exist`)
        const iam = (this.#iam ??= new IamAuthorizer(settings, this.#config.region))
        return iam
      }
      case 'JWT':
      case 'CUSTOM': {
        const def = authorizers.get(route.authorizerId ?? '')
        if (def === undefined) throw new Error(`Bug: route ${route.routeKey} names unknown authorizer ${route.authorizerId}`)
        if (def.authorizerType === 'REQUEST') return lambdaFor(def)
        const key = `${apiId}/${def.authorizerId}`
        let jwt = this.#jwt.get(key)
        if (jwt === undefined) this.#jwt.set(key, (jwt = new JwtAuthorizer(this.#withDevKeys(def))))
        const scopes = route.authorizationScopes
        const authorizer = jwt
        return { authorize: (ctx) => authorizer.authorize(ctx, scopes) }
      }
    }
  }
}

/**
 * An authorizer naming the development issuer without keys of its own trusts the issuer's
 * key set (there is no reachable discovery URL for it).
 */
function devKeys(def: JwtAuthorizerDefinition, devIssuer: DevIssuer | null): JwtAuthorizerDefinition {
  if (devIssuer === null || def.issuer !== DEV_ISSUER || def.jwks.kind !== 'discovery') return def
  return { ...def, jwks: { kind: 'keys', jwks: devIssuer.jwks() } }
}

export function lambdaAuthorizer(def: Extract<AuthorizerDefinition, { authorizerType: 'REQUEST' }>, pool: FunctionInvoker, region: string): LambdaAuthorizer {
  return new LambdaAuthorizer({ def, pool, region })
}
export { parseIdentitySource } from './identity-source.js'
export { DEV_AUDIENCE, DEV_ISSUER, DEV_ISSUER_KEY_VARIABLE, DEV_TOKEN_LIFETIME_SECONDS, DevIssuer, defaultDevIssuerKeyFile, type DevToken, type DevTokenRequest } from './jwt/dev-issuer.js'
export { verifySigV4 } from './sigv4.js'
export { decide, parseAuthorizerResponse } from './authorizer-response.js'
export type { LambdaAuthorizer } from './lambda-authorizer.js'
