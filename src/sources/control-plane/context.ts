/**
 * @module
 * What every operation works on: a draft of the state (replacing the state only once the change
 * is applied and saved), the account and region, the clock, and the APIs whose definition
 * changed (their `autoDeploy` stages are redeployed after the operation).
 */
import { notFound, badRequest } from './errors.js'
import type { ApiState, PlaneState, Wire } from './state.js'

export interface FileApi {
  readonly apiId: string
  readonly name: string
  readonly protocolType: 'HTTP' | 'WEBSOCKET'
  /** The config file that defines it (named when an update or delete is refused). */
  readonly file: string
  /** Its resources in the wire shape, for reads. */
  view(): ApiState
}

export interface OpContext {
  readonly state: PlaneState
  readonly region: string
  readonly accountId: string
  readonly now: number
  /** APIs whose routes, integrations, authorizers or settings changed. */
  readonly touched: Set<string>
  /** APIs the config file defines: listed, never changed here. */
  readonly fileApis: ReadonlyMap<string, FileApi>
  /** Reads an OpenAPI 3 document (JSON or YAML text) with the config's importer. */
  readonly importOpenApi: (text: string) => ImportResult
}

/** An OpenAPI document read into apigatewayv2-shaped members (`ImportApi`, `ReimportApi`). */
export interface ImportedApi {
  readonly name: string
  readonly version: string | undefined
  readonly description: string | undefined
  readonly basePath: string
  readonly routes: readonly Wire[]
  readonly integrations: readonly Wire[]
  readonly authorizers: readonly Wire[]
  readonly cors: unknown
  readonly disableExecuteApiEndpoint: boolean
}

export type ImportResult = { readonly ok: true; readonly api: ImportedApi } | { readonly ok: false; readonly messages: readonly string[] }

export interface OpInput {
  readonly params: Readonly<Record<string, string>>
  readonly query: URLSearchParams
  readonly body: Wire
}

export interface OpResult {
  readonly status: number
  /** JSON body, or `null` for an empty one (204). A string is sent as is (ExportApi). */
  readonly body: Wire | string | null
  readonly contentType?: string
  readonly headers?: Readonly<Record<string, string>>
}

export function apiOf(ctx: OpContext, apiId: string, forWrite = true): ApiState {
  const api = ctx.state.apis[apiId]
  if (api !== undefined) return api
  const file = ctx.fileApis.get(apiId)
  if (file !== undefined && forWrite) throw badRequest(`API ${apiId} is defined in ${file.file}; change it there (the control plane only changes APIs it created)`)
  if (file !== undefined) return file.view()
  throw notFound(`Invalid API identifier specified ${ctx.accountId}:${apiId}`, 'Api')
}

export function isHttp(api: ApiState): boolean {
  return api.api['protocolType'] === 'HTTP'
}

export function child(map: Record<string, Wire>, id: string, resourceType: string): Wire {
  const found = map[id]
  if (found === undefined) throw notFound(`Invalid ${resourceType} identifier specified ${id}`, resourceType)
  return found
}

/** `members` that are not allowed on this API's protocol. */
export function rejectMembers(present: readonly string[], protocol: 'HTTP' | 'WEBSOCKET'): void {
  if (present.length > 0) {
    throw badRequest(`${present.join(', ')} ${present.length === 1 ? 'is' : 'are'} not supported for ${protocol} APIs`)
  }
}

export const ok = (body: Wire): OpResult => ({ status: 200, body })
export const created = (body: Wire): OpResult => ({ status: 201, body })
export const noContent: OpResult = { status: 204, body: null }

/** Default and largest page of a `Get*s` list `[EMU]` (the model gives no default). */
export const DEFAULT_MAX_RESULTS = 100
export const MAX_MAX_RESULTS = 500

/**
 * One page of `items`: `maxResults` (a string-typed number) and an opaque `nextToken`
 * (the offset, base64url-encoded) as AWS's paginators expect (spec 12.1).
 */
export function page(items: readonly Wire[], query: URLSearchParams): Wire {
  const max = query.get('maxResults')
  const size = max === null ? DEFAULT_MAX_RESULTS : Number(max)
  if (!Number.isInteger(size) || size < 1 || size > MAX_MAX_RESULTS) throw badRequest(`maxResults must be an integer between 1 and ${MAX_MAX_RESULTS}`)
  const token = query.get('nextToken')
  let start = 0
  if (token !== null) {
    const decoded = Number(Buffer.from(token, 'base64url').toString('utf8'))
    if (!Number.isInteger(decoded) || decoded < 0 || decoded > items.length) throw badRequest('Invalid nextToken')
    start = decoded
  }
  const end = start + size
  const result: Wire = { items: items.slice(start, end) }
  if (end < items.length) result['nextToken'] = Buffer.from(String(end), 'utf8').toString('base64url')
  return result
}

/** The API, refused when it is an HTTP API: `what` names the WebSocket-only resources asked for. */
export function websocketApi(ctx: OpContext, apiId: string, what: string): ApiState {
  const api = apiOf(ctx, apiId)
  if (isHttp(api)) throw badRequest(`${what} are supported only for WebSocket APIs`)
  return api
}
