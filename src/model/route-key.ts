/**
 * @module
 * A parsed HTTP API route key (spec 2.1): `$default`, or `"{METHOD} {path}"` split into
 * literal, `{var}` and greedy `{var+}` segments. `routing/` parses and matches them.
 */

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const
export type HttpMethod = (typeof HTTP_METHODS)[number]
export type RouteMethod = HttpMethod | 'ANY'

export type PathSegment =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'variable'; readonly name: string }
  | { readonly kind: 'greedy'; readonly name: string }

export type ParsedRouteKey =
  | { readonly kind: 'default'; readonly routeKey: string }
  | {
      readonly kind: 'path'
      readonly routeKey: string
      readonly method: RouteMethod
      /** The resource path template, e.g. `/pets/{id}`. */
      readonly path: string
      readonly segments: readonly PathSegment[]
    }
