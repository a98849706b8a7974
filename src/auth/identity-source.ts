/**
 * @module
 * Identity sources of authorizers (spec 5.1, 5.2): `$request.header.{name}`,
 * `$request.querystring.{name}`, `$context.{variable}` and `$stageVariables.{name}`, parsed
 * once at config time and read per request.
 */
import type { RequestContext } from '../model/index.js'
import { queryParameters } from '../integrations/index.js'
import { contextVariable } from '../logging/index.js'
import type { IdentitySource } from '../model/index.js'


const FORMS = /^\$(request\.header|request\.querystring|context|stageVariables)\.(.+)$/

export function parseIdentitySource(expression: string): IdentitySource | string {
  const match = FORMS.exec(expression.trim())
  if (match === null) {
    return `identity source "${expression}" must be $request.header.NAME, $request.querystring.NAME, $context.VARIABLE or $stageVariables.NAME`
  }
  const [, kind, name] = match as unknown as [string, string, string]
  switch (kind) {
    case 'request.header':
      // Header names are case-insensitive; requests are matched on the lower-case name.
      return { kind: 'header', expression, name: name.toLowerCase() }
    case 'request.querystring':
      return { kind: 'querystring', expression, name }
    case 'stageVariables':
      return { kind: 'stageVariable', expression, name }
    default: {
      return contextVariable(name) === undefined ? `identity source "${expression}" names an unknown $context variable` : { kind: 'context', expression, name }
    }
  }
}

/** The source's value in a request, or `undefined` when absent or empty. Repeats are joined with `,`. */
export function readIdentitySource(source: IdentitySource, ctx: RequestContext): string | undefined {
  let value: string | undefined
  switch (source.kind) {
    case 'header': {
      const raw = ctx.rawHeaders
      for (let i = 0; i < raw.length; i += 2) {
        if ((raw[i] as string).toLowerCase() === source.name) value = value === undefined ? (raw[i + 1] as string) : `${value},${raw[i + 1] as string}`
      }
      break
    }
    case 'querystring':
      for (const [name, v] of queryParameters(ctx.rawQueryString)) {
        if (name === source.name) value = value === undefined ? v : `${value},${v}`
      }
      break
    case 'stageVariable':
      value = ctx.stage?.stageVariables?.[source.name]
      break
    case 'context': {
      const v = contextVariable(source.name)?.(ctx)
      value = v === undefined ? undefined : String(v)
      break
    }
  }
  return value === undefined || value.trim() === '' ? undefined : value
}
