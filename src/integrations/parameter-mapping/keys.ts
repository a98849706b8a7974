/**
 * @module
 * Parameter-mapping keys (spec 4.3): `append|overwrite|remove:header.{name}`,
 * `append|overwrite|remove:querystring.{name}`, `overwrite:path` on requests and
 * `overwrite:statuscode` on responses, and the reserved headers no mapping may touch.
 */

export type MappingAction = 'append' | 'overwrite' | 'remove'
export type MappingTarget = 'header' | 'querystring' | 'path' | 'statuscode'

export interface MappingKey {
  readonly action: MappingAction
  readonly target: MappingTarget
  /** Header or query parameter name; `''` for `path` and `statuscode`. */
  readonly name: string
}

/** Headers AWS reserves: mappings may read them but never set or remove them (spec 4.3.3). */
const RESERVED_HEADER_NAMES: ReadonlySet<string> = new Set([
  'authorization',
  'connection',
  'content-encoding',
  'content-length',
  'content-location',
  'forwarded',
  'keep-alive',
  'origin',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailers',
  'transfer-encoding',
  'upgrade',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'via',
])
const RESERVED_HEADER_PREFIXES = ['access-control-', 'apigw-', 'x-amz-', 'x-amzn-'] as const

export function isReservedHeader(name: string): boolean {
  const lower = name.toLowerCase()
  return RESERVED_HEADER_NAMES.has(lower) || RESERVED_HEADER_PREFIXES.some((p) => lower.startsWith(p))
}

/**
 * AWS's `BadRequestException` wrapper for mapping problems (attested in terraform-provider-aws
 * #17997); the inner text for a reserved header is not documented `[UNCONFIRMED]`.
 */
export const INVALID_MAPPING_MESSAGE = (error: string): string =>
  `Invalid mapping expression specified: Validation Result: warnings : [], errors : [${error}]`
export const RESERVED_HEADER_MESSAGE = (name: string): string => INVALID_MAPPING_MESSAGE(`Operations on header ${name} are restricted`)

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const KEY = /^(append|overwrite|remove):(header|querystring|path|statuscode)(?:\.(.*))?$/s

export type ParsedKey = { ok: true; key: MappingKey } | { ok: false; reason: string }

export function parseMappingKey(key: string, direction: 'request' | 'response'): ParsedKey {
  const m = KEY.exec(key)
  const allowed =
    direction === 'request'
      ? 'append|overwrite|remove:header.<name>, append|overwrite|remove:querystring.<name> or overwrite:path'
      : 'append|overwrite|remove:header.<name> or overwrite:statuscode'
  if (m === null) return { ok: false, reason: `invalid mapping key "${key}": use ${allowed}` }
  const action = m[1] as MappingAction
  const target = m[2] as MappingTarget
  const name = m[3]
  if (target === 'path' || target === 'statuscode') {
    const fits = direction === 'request' ? target === 'path' : target === 'statuscode'
    if (!fits || name !== undefined) return { ok: false, reason: `invalid mapping key "${key}": use ${allowed}` }
    if (action !== 'overwrite') return { ok: false, reason: `invalid mapping key "${key}": ${target} can only be overwritten (overwrite:${target})` }
    return { ok: true, key: { action, target, name: '' } }
  }
  if (target === 'querystring' && direction === 'response') return { ok: false, reason: `invalid mapping key "${key}": use ${allowed}` }
  if (name === undefined || name === '') return { ok: false, reason: `invalid mapping key "${key}": the ${target} name is missing` }
  if (target === 'header') {
    if (!TOKEN.test(name)) return { ok: false, reason: `invalid mapping key "${key}": "${name}" is not a valid header name` }
    if (isReservedHeader(name)) return { ok: false, reason: RESERVED_HEADER_MESSAGE(name) }
  }
  return { ok: true, key: { action, target, name } }
}
