/**
 * @module
 * An OpenAPI 3 document given as text (`ImportApi`'s `body`, JSON or YAML) read with the same
 * importer as an `openapi:` file of the config, into apigatewayv2-shaped members the control
 * plane creates resources from. Problems name the document's line and path.
 */
import type { ConfigIssue } from './issues.js'
import { parseDocumentText } from './load-file.js'
import { importOpenApi } from './openapi.js'
import { Reporter } from './reporter.js'
import { isObject } from '../util/index.js'

export interface ImportedOpenApi {
  readonly name: string
  readonly version: string | undefined
  readonly description: string | undefined
  /** The path of `servers[0].url` (or its `basePath` variable), `''` when none. */
  readonly basePath: string
  readonly routes: readonly Record<string, unknown>[]
  readonly integrations: readonly Record<string, unknown>[]
  readonly authorizers: readonly Record<string, unknown>[]
  readonly cors: unknown
  readonly disableExecuteApiEndpoint: boolean
}

export type OpenApiTextResult = { readonly ok: true; readonly api: ImportedOpenApi } | { readonly ok: false; readonly issues: readonly ConfigIssue[] }

export function importOpenApiText(text: string, ctx: { readonly accountId: string; readonly region: string }): OpenApiTextResult {
  const parsed = parseDocumentText('<ImportApi body>', text)
  if (!parsed.ok) return { ok: false, issues: parsed.issues }
  const reporter = new Reporter()
  const draft = importOpenApi({ doc: parsed.doc, name: undefined, apiId: undefined, accountId: ctx.accountId, region: ctx.region }, reporter)
  if (draft === undefined || reporter.count > 0) return { ok: false, issues: reporter.issues }
  const root = parsed.doc.value as Record<string, unknown>
  const info = isObject(root['info']) ? root['info'] : {}
  return {
    ok: true,
    api: {
      name: draft.name,
      version: typeof info['version'] === 'string' ? info['version'] : undefined,
      description: typeof info['description'] === 'string' ? info['description'] : undefined,
      basePath: basePathOf(root['servers']),
      routes: draft.routes.map((d) => ({ ...d.input })),
      integrations: draft.integrations.map((d) => ({ ...d.input })),
      authorizers: draft.authorizers.map((d) => ({ ...d.input })),
      cors: draft.cors?.value,
      disableExecuteApiEndpoint: draft.disableExecuteApiEndpoint,
    },
  }
}

function basePathOf(servers: unknown): string {
  const first = Array.isArray(servers) ? (servers[0] as unknown) : undefined
  if (!isObject(first) || typeof first['url'] !== 'string') return ''
  const variables = isObject(first['variables']) ? first['variables'] : {}
  const url = first['url'].replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = variables[name]
    return isObject(v) && typeof v['default'] === 'string' ? v['default'] : ''
  })
  const path = /^[a-z]+:\/\/[^/]*(\/.*)?$/i.exec(url)?.[1] ?? (url.startsWith('/') ? url : '')
  return path.replace(/\/+$/, '')
}
