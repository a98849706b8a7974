/**
 * @module
 * `AWS_IAM` authorization (spec 5.3): the request must carry a valid Signature Version 4 for
 * service `execute-api` in the gateway's region, made with one of the configured
 * credentials. A self-hosted gateway has no IAM policies to evaluate, so a valid signature by
 * a known credential is the grant. Any failure is 403 `{"message":"Forbidden"}` `[UNCONFIRMED]`.
 */
import type { AuthorizeOutcome, IamSettings } from '../model/index.js'
import { GatewayResponses } from '../errors/index.js'
import { localReply } from '../errors/index.js'
import type { RequestContext } from '../model/index.js'
import { headerPairs } from '../util/index.js'
import { verifySigV4 } from './sigv4.js'

export class IamAuthorizer {
  readonly #settings: IamSettings
  readonly #region: string

  constructor(settings: IamSettings, region: string) {
    this.#settings = settings
    this.#region = region
  }

  authorize(ctx: RequestContext): AuthorizeOutcome {
    const verdict = verifySigV4(
      { method: ctx.method, rawPath: ctx.rawPathname, rawQueryString: ctx.rawQueryString, headers: headerPairs(ctx.rawHeaders), body: ctx.body },
      {
        region: this.#region,
        now: Date.now(),
        clockSkewMs: this.#settings.clockSkewMs,
        allowSessionTokens: this.#settings.allowSessionTokens,
        credentials: (id) => this.#settings.credentials.get(id),
      }
    )
    if (!verdict.ok) return { ok: false, reply: localReply(GatewayResponses.FORBIDDEN), error: verdict.reason }
    return { ok: true, result: { kind: 'iam', identity: verdict.identity } }
  }
}
