/**
 * @module
 * A WebSocket route's or integration's responses (RouteResponse, IntegrationResponse): the same
 * five operations (create, get, list, update, delete) under a parent resource, told apart only
 * by the names in `ChildResponses`. Each kind reads and checks its own members.
 */
import { apiOf, child, created, noContent, ok, page, websocketApi, type OpContext, type OpInput, type OpResult } from './context.js'
import { conflict } from './errors.js'
import { newId } from './ids.js'
import { Members } from './members.js'
import type { ApiState, Wire } from './state.js'

export interface ChildResponses {
  /** The parent: `Route` or `Integration` (the resource type of its not-found answer). */
  readonly parentType: string
  /** The parent's collection in the API, and its id in the path (`routeId`). */
  readonly parents: (api: ApiState) => Record<string, Wire>
  readonly parentIdParam: string
  /** The responses by parent id, in the API. */
  readonly responses: (api: ApiState) => Record<string, Record<string, Wire>>
  /** The resource type; `routeResponseId` / `routeResponseKey` derive from it. */
  readonly resourceType: 'RouteResponse' | 'IntegrationResponse'
  /** The text of the HTTP API refusal: "Route responses are supported only for WebSocket APIs". */
  readonly plural: string
  /** Reads and checks the members of a create (`current` undefined) or an update. */
  readonly read: (m: Members, current: Wire | undefined) => Wire
}

export interface ChildResponseOperations {
  readonly create: (ctx: OpContext, input: OpInput) => OpResult
  readonly get: (ctx: OpContext, input: OpInput) => OpResult
  readonly list: (ctx: OpContext, input: OpInput) => OpResult
  readonly update: (ctx: OpContext, input: OpInput) => OpResult
  readonly remove: (ctx: OpContext, input: OpInput) => OpResult
}

const MEMBER = { RouteResponse: 'routeResponse', IntegrationResponse: 'integrationResponse' } as const

export function childResponseOperations(kind: ChildResponses): ChildResponseOperations {
  const member = MEMBER[kind.resourceType]
  const idMember = `${member}Id`
  const keyMember = `${member}Key`
  /** The parent's responses, after checking that the parent exists. */
  const responsesOf = (api: ApiState, params: OpInput['params']): Record<string, Wire> => {
    const parentId = params[kind.parentIdParam] as string
    child(kind.parents(api), parentId, kind.parentType)
    return kind.responses(api)[parentId] ?? {}
  }
  return {
    create(ctx, { params, body }) {
      const api = websocketApi(ctx, params['apiId'] as string, kind.plural)
      const parentId = params[kind.parentIdParam] as string
      child(kind.parents(api), parentId, kind.parentType)
      const responses = (kind.responses(api)[parentId] ??= {})
      const response: Wire = { [idMember]: newId(member, (id) => id in responses), ...kind.read(new Members(body), undefined) }
      if (Object.values(responses).some((r) => r[keyMember] === response[keyMember])) {
        throw conflict(`${kind.plural.replace(/s$/, '')} with key '${String(response[keyMember])}' already exists`)
      }
      responses[response[idMember] as string] = response
      ctx.touched.add(params['apiId'] as string)
      return created(response)
    },
    get(ctx, { params }) {
      return ok(child(responsesOf(apiOf(ctx, params['apiId'] as string, false), params), params[idMember] as string, kind.resourceType))
    },
    list(ctx, { params, query }) {
      return ok(page(Object.values(responsesOf(apiOf(ctx, params['apiId'] as string, false), params)), query))
    },
    update(ctx, { params, body }) {
      const responses = responsesOf(apiOf(ctx, params['apiId'] as string), params)
      const id = params[idMember] as string
      const next = kind.read(new Members(body), child(responses, id, kind.resourceType))
      responses[id] = next
      ctx.touched.add(params['apiId'] as string)
      return ok(next)
    },
    remove(ctx, { params }) {
      const responses = responsesOf(apiOf(ctx, params['apiId'] as string), params)
      const id = params[idMember] as string
      child(responses, id, kind.resourceType)
      delete responses[id]
      ctx.touched.add(params['apiId'] as string)
      return noContent
    },
  }
}
