/**
 * @module
 * Checks `corsConfiguration` (and OpenAPI's `x-amazon-apigateway-cors`, spec 8.1) into the
 * normalised form the runtime compiles.
 */
import type { LoadedDocument } from './load-file.js'
import type { CorsConfiguration, Origin } from '../model/index.js'
import { HTTP_METHODS } from '../model/index.js'
import { fieldOrigin, type Reporter } from './reporter.js'
import { CorsConfigurationSchema } from './schema.js'
import { shapeIssues } from './shape.js'

/** AWS's `BadRequestException` text for credentials with a wildcard origin (aws-cdk #9076). */
export const CREDENTIALS_WITH_ANY_ORIGIN_MESSAGE = "allow-credentials is not supported if 'allow-origin' is *"

const ORIGIN = /^(\*|[a-z][a-z0-9+.-]*:\/\/(\*|[^/\s*]+))$/i
const HEADER_NAME = /^(\*|[!#$%&'*+\-.^_`|~0-9A-Za-z]+)$/

export interface CorsSource {
  readonly value: unknown
  readonly origin: Origin
  readonly doc: LoadedDocument
}

/** `null` when the API has no CORS configuration, `undefined` when it has problems (reported). */
export function checkCors(source: CorsSource | undefined, reporter: Reporter): CorsConfiguration | null | undefined {
  if (source === undefined) return null
  const { value, origin, doc } = source
  const issues = shapeIssues(CorsConfigurationSchema, value, doc, origin.path)
  if (issues.length > 0) return void reporter.add(issues)
  const input = value as {
    allowOrigins?: string[]
    allowCredentials?: boolean
    exposeHeaders?: string[]
    maxAge?: number
    allowMethods?: string[]
    allowHeaders?: string[]
  }
  const before = reporter.count
  const at = (field: string) => fieldOrigin(doc, origin, field)
  const allowOrigins = input.allowOrigins ?? []
  for (const o of allowOrigins) {
    if (!ORIGIN.test(o)) reporter.at(at('allowOrigins'), `"${o}" is not an origin: use *, scheme://* or scheme://host[:port]`)
  }
  const allowCredentials = input.allowCredentials ?? false
  if (allowCredentials && allowOrigins.includes('*')) reporter.at(at('allowCredentials'), CREDENTIALS_WITH_ANY_ORIGIN_MESSAGE)
  const allowMethods = (input.allowMethods ?? []).map((m) => m.toUpperCase())
  for (const m of allowMethods) {
    if (m !== '*' && !(HTTP_METHODS as readonly string[]).includes(m)) {
      reporter.at(at('allowMethods'), `"${m}" is not a method: use ${HTTP_METHODS.join(', ')} or *`)
    }
  }
  for (const field of ['allowHeaders', 'exposeHeaders'] as const) {
    for (const h of input[field] ?? []) if (!HEADER_NAME.test(h)) reporter.at(at(field), `"${h}" is not a header name`)
  }
  if (reporter.count > before) return undefined
  return {
    allowOrigins,
    allowCredentials,
    exposeHeaders: input.exposeHeaders ?? [],
    maxAge: input.maxAge ?? null,
    allowMethods,
    allowHeaders: input.allowHeaders ?? [],
  }
}
