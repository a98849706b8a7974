/**
 * @module
 * Interpretation of a Lambda (`REQUEST`) authorizer's result for HTTP APIs (spec 5.2). Two
 * pure steps, kept apart because the cache sits between them:
 *
 * 1. {@link parseAuthorizerResponse} validates the function's result once and produces a
 *    normalised, cacheable form (or `invalid`, which the caller answers with a 500 and puts in
 *    `$context.authorizer.error`).
 * 2. {@link decide} turns that form into allow/deny for one request. The cache key is the
 *    identity-source values, not the route, so a cached policy must be re-evaluated against each
 *    request's route ARN; a cached simple response applies to every route as it is.
 *
 * Policy evaluation is IAM's, restricted to what an authorizer policy can say: statements with
 * `Effect`, `Action` and `Resource`; an explicit `Deny` wins; no matching `Allow` is a deny.
 * Anything this module does not understand is rejected rather than ignored, so an unusual
 * policy fails closed (500) instead of granting more than its author meant.
 */

/** JSON-ish value as found in a parsed Lambda result. */
export type AuthorizerContext = Record<string, unknown>

export type AuthorizerDecision =
  | { kind: 'allow'; principalId: string | undefined; context: AuthorizerContext | undefined }
  | { kind: 'deny'; principalId: string | undefined; context: AuthorizerContext | undefined }
  | InvalidAuthorizerResponse

export interface InvalidAuthorizerResponse {
  kind: 'invalid'
  /** Why the response was rejected; suitable for `$context.authorizer.error`. */
  reason: string
}

/** One normalised policy statement: single values become one-element lists. */
export interface PolicyStatement {
  readonly effect: 'Allow' | 'Deny'
  readonly actions: readonly string[]
  readonly resources: readonly string[]
}

/** A validated authorizer result, safe to cache and to pass to {@link decide} repeatedly. */
export type ParsedAuthorizerResponse =
  | { kind: 'simple'; isAuthorized: boolean; context: AuthorizerContext | undefined }
  | {
      kind: 'policy'
      principalId: string | undefined
      statements: readonly PolicyStatement[]
      context: AuthorizerContext | undefined
    }

export interface AuthorizerResponseMode {
  readonly payloadFormatVersion: '1.0' | '2.0'
  /** Only meaningful with payload 2.0; configuration validation rejects it with 1.0. */
  readonly enableSimpleResponses: boolean
}

/**
 * Context keys an authorizer may not return. The docs reserve `claims` (payload 1.0 flattens
 * context into `requestContext.authorizer`, which also holds `claims`). Applied to every mode,
 * since the docs do not limit it to 1.0; whether AWS rejects it under 2.0 is [UNCONFIRMED].
 */
export const RESERVED_CONTEXT_KEYS: readonly string[] = ['claims']

/**
 * Statement members this module refuses rather than evaluates. Ignoring `NotAction`,
 * `NotResource` or `Condition` in an `Allow` would grant more than the policy says, and
 * `Principal`/`NotPrincipal` have no meaning in an authorizer policy. [UNCONFIRMED]: AWS's
 * handling of these is undocumented; a policy using them is treated as invalid (500).
 */
const UNSUPPORTED_STATEMENT_KEYS: readonly string[] = ['NotAction', 'NotResource', 'Condition', 'Principal', 'NotPrincipal']

/** The only action an authorizer policy is evaluated for (spec 5.2). */
const INVOKE_ACTION = 'execute-api:invoke'

const invalid = (reason: string): InvalidAuthorizerResponse => ({ kind: 'invalid', reason })

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Validates a Lambda authorizer's (already JSON-decoded) result for the authorizer's mode.
 *
 * - Payload 1.0 accepts only policy responses (spec 5.2), whatever `enableSimpleResponses`
 *   says.
 * - Payload 2.0 with simple responses requires `isAuthorized` to be a boolean (`"true"` is
 *   rejected); a policy-shaped answer is invalid there, and vice versa.
 * - `context`, when present, must be an object; `null` is treated as absent [UNCONFIRMED].
 *   Payload 2.0 keeps context values as they are (arrays and objects included, spec 5.2);
 *   payload 1.0 follows REST and accepts only string, number and boolean values, rejecting
 *   `null`, arrays and objects [UNCONFIRMED].
 */
export function parseAuthorizerResponse(
  result: unknown,
  mode: AuthorizerResponseMode,
): ParsedAuthorizerResponse | InvalidAuthorizerResponse {
  if (!isPlainObject(result)) return invalid('authorizer response is not a JSON object')

  const context = parseContext(result['context'], mode.payloadFormatVersion)
  if (context.kind === 'invalid') return context

  if (mode.payloadFormatVersion === '2.0' && mode.enableSimpleResponses) {
    const isAuthorized = result['isAuthorized']
    if (typeof isAuthorized !== 'boolean') return invalid('isAuthorized must be a boolean in a simple response')
    return { kind: 'simple', isAuthorized, context: context.value }
  }

  const principalId = result['principalId']
  // [UNCONFIRMED] REST requires principalId; HTTP API docs show it but do not say it is
  // required, so it is optional here, but must be a string when given.
  if (principalId !== undefined && typeof principalId !== 'string') return invalid('principalId must be a string')

  const statements = parsePolicyDocument(result['policyDocument'])
  if (!Array.isArray(statements)) return statements
  return { kind: 'policy', principalId, statements, context: context.value }
}

function parseContext(
  value: unknown,
  version: '1.0' | '2.0',
): { kind: 'ok'; value: AuthorizerContext | undefined } | InvalidAuthorizerResponse {
  if (value === undefined || value === null) return { kind: 'ok', value: undefined }
  if (!isPlainObject(value)) return invalid('context must be a JSON object')
  for (const [key, entry] of Object.entries(value)) {
    if (RESERVED_CONTEXT_KEYS.includes(key)) return invalid(`context key "${key}" is reserved`)
    if (version === '1.0' && typeof entry !== 'string' && typeof entry !== 'number' && typeof entry !== 'boolean') {
      return invalid(`context value for "${key}" must be a string, number or boolean with payload 1.0`)
    }
  }
  return { kind: 'ok', value }
}

function parsePolicyDocument(document: unknown): PolicyStatement[] | InvalidAuthorizerResponse {
  if (!isPlainObject(document)) return invalid('policyDocument is missing or not an object')
  // Version is optional; when given it only has to be a string (policy variables, which it
  // would switch on, are not evaluated here).
  const version = document['Version']
  if (version !== undefined && typeof version !== 'string') return invalid('policyDocument.Version must be a string')

  const raw = document['Statement']
  // IAM allows a single statement object in place of a list.
  const list: unknown[] | undefined = Array.isArray(raw) ? raw : isPlainObject(raw) ? [raw] : undefined
  if (list === undefined) return invalid('policyDocument.Statement must be an object or a list of objects')

  const statements: PolicyStatement[] = []
  for (const [index, entry] of list.entries()) {
    const statement = parseStatement(entry)
    if ('kind' in statement) return invalid(`policyDocument.Statement[${index}]: ${statement.reason}`)
    statements.push(statement)
  }
  return statements
}

function parseStatement(entry: unknown): PolicyStatement | InvalidAuthorizerResponse {
  if (!isPlainObject(entry)) return invalid('statement is not an object')
  for (const key of UNSUPPORTED_STATEMENT_KEYS) {
    if (key in entry) return invalid(`${key} is not supported`)
  }
  // IAM's Effect values are case-sensitive; "allow" is rejected, not read as Allow
  // [UNCONFIRMED].
  const effect = entry['Effect']
  if (effect !== 'Allow' && effect !== 'Deny') return invalid('Effect must be "Allow" or "Deny"')
  const actions = stringList(entry['Action'])
  if (actions === undefined) return invalid('Action must be a string or a non-empty list of strings')
  const resources = stringList(entry['Resource'])
  if (resources === undefined) return invalid('Resource must be a string or a non-empty list of strings')
  return { effect, actions, resources }
}

/** A string or a non-empty array of strings, as a list; anything else is `undefined`. */
function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value]
  if (!Array.isArray(value) || value.length === 0) return undefined
  return value.every((item): item is string => typeof item === 'string') ? [...value] : undefined
}

/**
 * Decides one request. Simple responses apply as they are; policies are evaluated against
 * `routeArn` for `execute-api:Invoke`: any matching `Deny` → deny, else any matching `Allow` →
 * allow, else deny. An `invalid` input passes through, so `decide(parse(...), arn)` composes.
 */
export function decide(
  parsed: ParsedAuthorizerResponse | InvalidAuthorizerResponse,
  routeArn: string,
): AuthorizerDecision {
  if (parsed.kind === 'invalid') return parsed
  if (parsed.kind === 'simple') {
    return { kind: parsed.isAuthorized ? 'allow' : 'deny', principalId: undefined, context: parsed.context }
  }
  let allowed = false
  for (const statement of parsed.statements) {
    if (!statementMatches(statement, routeArn)) continue
    if (statement.effect === 'Deny') return { kind: 'deny', principalId: parsed.principalId, context: parsed.context }
    allowed = true
  }
  return { kind: allowed ? 'allow' : 'deny', principalId: parsed.principalId, context: parsed.context }
}

function statementMatches(statement: PolicyStatement, routeArn: string): boolean {
  // IAM compares action names case-insensitively (service prefix and action alike), so the
  // pattern is lower-cased and matched against the lower-case action; resources are not.
  return (
    statement.actions.some((pattern) => wildcardMatch(pattern.toLowerCase(), INVOKE_ACTION)) &&
    statement.resources.some((pattern) => wildcardMatch(pattern, routeArn))
  )
}

/**
 * IAM-style wildcard match of the whole of `text` against `pattern`: `*` matches any sequence
 * (including `/` and `:`, and the empty one), `?` exactly one character, everything else only
 * itself, case-sensitively. No regex is built, so pattern characters need no escaping.
 *
 * Two pointers with a single backtrack point: on a mismatch after a `*`, that `*` absorbs one
 * more character and matching resumes. Only the latest `*` matters because an earlier `*`
 * could only absorb what the later one can, so this is O(|pattern| × |text|) at worst, never
 * exponential (e.g. `a*a*a*a*a*b` against 10,000 `a`s).
 */
export function wildcardMatch(pattern: string, text: string): boolean {
  let p = 0
  let t = 0
  let starP = -1 // index of the last `*` seen in pattern
  let starT = 0 // text position that `*` is currently matched up to
  while (t < text.length) {
    const c = pattern[p]
    if (c === '*') {
      starP = p++
      starT = t
    } else if (c !== undefined && (c === '?' || c === text[t])) {
      p++
      t++
    } else if (starP >= 0) {
      p = starP + 1
      t = ++starT
    } else {
      return false
    }
  }
  while (pattern[p] === '*') p++
  return p === pattern.length
}

export interface RouteArnParts {
  readonly region: string
  readonly accountId: string
  readonly apiId: string
  /** Stage name as it appears in URLs, `$default` included. */
  readonly stage: string
  /** HTTP method as received (not the route key's `ANY`). */
  readonly method: string
  /**
   * Request path relative to the stage (without the `/{stage}` prefix), starting with `/`.
   * Whether AWS uses the request path or the route template is [UNCONFIRMED]; REST uses the
   * request path, so callers pass the request path.
   */
  readonly path: string
}

/**
 * The `routeArn` of a payload 2.0 authorizer event (and `methodArn` of 1.0):
 * `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}{path}` (spec 5.2). The
 * path's leading `/` is the separator after the method (`…/test/GET/request`); a path given
 * without one gets it, so `""` yields `…/GET/`.
 */
export function routeArn(parts: RouteArnParts): string {
  const path = parts.path.startsWith('/') ? parts.path : `/${parts.path}`
  return `arn:aws:execute-api:${parts.region}:${parts.accountId}:${parts.apiId}/${parts.stage}/${parts.method}${path}`
}
