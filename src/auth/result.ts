/**
 * @module
 * What a successful authorization hands on to the integration event (spec 3.4) and to the
 * `$context.authorizer.*` / `$context.identity.*` variables.
 */

import type { IamIdentity } from './sigv4.js'

export type AuthorizerResult =
  | {
      readonly kind: 'jwt'
      /** Claims rendered as API Gateway renders them: every value a string. */
      readonly claims: Readonly<Record<string, string>>
      /** The token's scopes when the route requires scopes, else `null`. */
      readonly scopes: readonly string[] | null
    }
  | {
      readonly kind: 'lambda'
      readonly principalId: string | undefined
      readonly context: Readonly<Record<string, unknown>>
    }
  | { readonly kind: 'iam'; readonly identity: IamIdentity }
