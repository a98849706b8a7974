/**
 * @module
 * What authorizing a request produces (spec 3.4, 5): the result handed on to the integration
 * event and the `$context.authorizer.*` / `$context.identity.*` variables, or a refusal.
 * 
 */
import type { Reply } from './reply.js'

/** Caller details for `requestContext.authorizer.iam` and `$context.identity.*` (spec 3.4, 5.3). */
export interface IamIdentity {
  accessKey: string
  accountId: string
  userArn: string
  /**
   * AWS gives the principal's unique id here (`AIDA…` for a user, `AROA…:session` for a role
   * session), which a static credential table does not have: the name from `userArn` stands in
   * (`user/path/alice` → `alice`, `assumed-role/Role/sess` → `Role:sess`, `root` → the account
   * id, anything else → the whole ARN). `caller` and `user` are the same, as AWS's are for IAM
   * users and role sessions. [UNCONFIRMED]
   */
  caller: string
  user: string
}

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

export type AuthorizeOutcome =
  | { readonly ok: true; readonly result: AuthorizerResult }
  | { readonly ok: false; readonly reply: Reply; readonly error: string }
