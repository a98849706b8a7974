/**
 * @module
 * Imports an OpenAPI 3 document with `x-amazon-apigateway-*` extensions as AWS's
 * `ImportApi` does for HTTP APIs (spec 12.7): every `paths.{path}.{method}` becomes the
 * route `"{METHOD} {path}"`, `x-amazon-apigateway-any-method` becomes `ANY`, and under
 * `/$default` with `isDefaultRoute: true` the `$default` route; an operation's
 * `x-amazon-apigateway-integration` (inline or a `$ref` into
 * `components.x-amazon-apigateway-integrations`) becomes its integration.
 */
import { Type } from '@sinclair/typebox'
import { createHash } from 'node:crypto'
import type { ApiDraft, Draft } from './drafts.js'
import type { LoadedDocument } from './load-file.js'
import type { Origin } from './model.js'
import type { IntegrationInput, RouteInput } from './schema.js'
import { Reporter, originOf } from './reporter.js'
import { shapeIssues } from './shape.js'

const OPERATION_METHODS: Readonly<Record<string, string>> = {
  get: 'GET',
  put: 'PUT',
  post: 'POST',
  delete: 'DELETE',
  options: 'OPTIONS',
  head: 'HEAD',
  patch: 'PATCH',
  'x-amazon-apigateway-any-method': 'ANY',
}
const INTEGRATION_EXT = 'x-amazon-apigateway-integration'
const SHARED_INTEGRATIONS = 'x-amazon-apigateway-integrations'
/** apigatewayv2 field → the extension's own name, so issues point at what the user wrote. */
const INTEGRATION_SOURCE_NAMES: Readonly<Record<string, string>> = {
  integrationType: 'type',
  integrationUri: 'uri',
  integrationMethod: 'httpMethod',
  credentialsArn: 'credentials',
}
const ROUTE_SOURCE_NAMES: Readonly<Record<string, string>> = { authorizationType: 'security' }
const DEFAULT_ROUTE_PATH = '/$default'

// The extension's own field names (spec 12.7); mapped to apigatewayv2 names below.
const OpenApiIntegrationSchema = Type.Object(
  {
    type: Type.String(),
    uri: Type.Optional(Type.String()),
    httpMethod: Type.Optional(Type.String()),
    payloadFormatVersion: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    timeoutInMillis: Type.Optional(Type.Integer()),
    connectionType: Type.Optional(Type.String()),
    connectionId: Type.Optional(Type.String()),
    credentials: Type.Optional(Type.String()),
    integrationSubtype: Type.Optional(Type.String()),
    requestParameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    responseParameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    tlsConfig: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    description: Type.Optional(Type.String()),
  },
  { additionalProperties: false }
)

export interface OpenApiImportInput {
  readonly doc: LoadedDocument
  /** `name` and `apiId` given beside `openapi:` in the config win over the document's. */
  readonly name: string | undefined
  readonly apiId: string | undefined
  readonly accountId: string
  readonly region: string
}

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

export function importOpenApi(
  input: OpenApiImportInput,
  reporter: Reporter
): Omit<ApiDraft, 'stages' | 'stagesDoc'> | undefined {
  const { doc } = input
  const root = substituteAwsVariables(doc.value, input)
  const rootOrigin = originOf(doc, [])
  if (!isObject(root)) {
    reporter.at(rootOrigin, 'an OpenAPI document must be a mapping')
    return undefined
  }
  if ('swagger' in root) {
    reporter.at(originOf(doc, ['swagger']), 'Swagger 2.0 documents are not supported: HTTP APIs import OpenAPI 3.0 only')
    return undefined
  }
  if (typeof root['openapi'] !== 'string' || !root['openapi'].startsWith('3.')) {
    reporter.at(originOf(doc, ['openapi']), 'must be an OpenAPI 3 document ("openapi: 3.0.1")')
    return undefined
  }
  const info = isObject(root['info']) ? root['info'] : {}
  const name = input.name ?? (typeof info['title'] === 'string' ? info['title'] : undefined)
  if (name === undefined) {
    reporter.at(originOf(doc, ['info']), 'the API needs a name: set info.title or name beside openapi in the config')
    return undefined
  }

  const unsupported: { field: string; origin: Origin }[] = []
  if (root['x-amazon-apigateway-cors'] !== undefined) {
    unsupported.push({ field: 'x-amazon-apigateway-cors', origin: originOf(doc, ['x-amazon-apigateway-cors']) })
  }

  const integrations = new Map<string, Draft<IntegrationInput>>()
  const brokenIntegrationIds = new Set<string>()
  const shared = isObject(root['components']) ? root['components'][SHARED_INTEGRATIONS] : undefined
  if (isObject(shared)) {
    for (const [id, value] of Object.entries(shared)) {
      const draft = integrationDraft(id, value, originOf(doc, ['components', SHARED_INTEGRATIONS, id]), doc, reporter)
      if (draft !== undefined) integrations.set(id, draft)
      else brokenIntegrationIds.add(id)
    }
  }

  const routes: Draft<RouteInput>[] = []
  const paths = root['paths']
  if (!isObject(paths)) {
    reporter.at(originOf(doc, ['paths']), 'required field is missing: an HTTP API needs paths')
    return undefined
  }
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue
    for (const [key, operation] of Object.entries(item)) {
      const method = OPERATION_METHODS[key]
      if (method === undefined || !isObject(operation)) continue
      const opPath = ['paths', path, key]
      const origin = originOf(doc, opPath)
      const routeKey =
        path === DEFAULT_ROUTE_PATH && method === 'ANY' && operation['isDefaultRoute'] === true
          ? '$default'
          : `${method} ${path}`
      const route: { -readonly [K in keyof RouteInput]: RouteInput[K] } = { routeKey }
      if (typeof operation['operationId'] === 'string') route.operationName = operation['operationId']
      const security = operation['security']
      const hasSecurity = Array.isArray(security) && security.length > 0
      if (hasSecurity) {
        // Kept so that semantic checks refuse the route rather than serve it unprotected.
        route.authorizationType = 'JWT'
      }
      const ext = operation[INTEGRATION_EXT]
      if (ext !== undefined) {
        const integrationId = integrationFor(ext, routeKey, [...opPath, INTEGRATION_EXT], doc, integrations, brokenIntegrationIds, reporter)
        if (integrationId !== undefined) route.target = `integrations/${integrationId}`
      }
      routes.push(hasSecurity ? { input: route, origin, sourceNames: ROUTE_SOURCE_NAMES } : { input: route, origin })
    }
  }

  return {
    name,
    apiId: input.apiId,
    protocolType: 'HTTP',
    routes,
    integrations: [...integrations.values()],
    brokenIntegrationIds,
    unsupported,
    origin: rootOrigin,
    doc,
  }
}

function integrationFor(
  ext: unknown,
  routeKey: string,
  path: readonly (string | number)[],
  doc: LoadedDocument,
  integrations: Map<string, Draft<IntegrationInput>>,
  brokenIntegrationIds: ReadonlySet<string>,
  reporter: Reporter
): string | undefined {
  const origin = originOf(doc, path)
  if (isObject(ext) && typeof ext['$ref'] === 'string') {
    const ref = ext['$ref']
    const prefix = `#/components/${SHARED_INTEGRATIONS}/`
    const id = ref.startsWith(prefix) ? ref.slice(prefix.length) : undefined
    if (id !== undefined && brokenIntegrationIds.has(id)) return undefined
    if (id === undefined || !integrations.has(id)) {
      reporter.at(origin, `$ref "${ref}" does not name an integration under components.${SHARED_INTEGRATIONS}`, '$ref')
      return undefined
    }
    return id
  }
  // One integration per operation, with an id stable across reloads.
  const id = createHash('sha256').update(routeKey).digest('hex').slice(0, 7)
  const draft = integrationDraft(id, ext, origin, doc, reporter)
  if (draft === undefined) return undefined
  integrations.set(id, draft)
  return id
}

function integrationDraft(
  integrationId: string,
  value: unknown,
  origin: Origin,
  doc: LoadedDocument,
  reporter: Reporter
): Draft<IntegrationInput> | undefined {
  const issues = shapeIssues(OpenApiIntegrationSchema, value, doc, origin.path)
  if (issues.length > 0 || !isObject(value)) {
    reporter.add(issues)
    return undefined
  }
  const type = String(value['type']).toUpperCase()
  const input: Record<string, unknown> = { integrationId, integrationType: type }
  const fromSource = Object.fromEntries(Object.entries(INTEGRATION_SOURCE_NAMES).map(([a, b]) => [b, a]))
  for (const [k, v] of Object.entries(value)) {
    if (k !== 'type') input[fromSource[k] ?? k] = v
  }
  return { input: input as unknown as IntegrationInput, origin, sourceNames: INTEGRATION_SOURCE_NAMES }
}

/** AWS substitutes `${AWS::AccountId}`, `${AWS::Region}` and `${AWS::Partition}` at import. */
function substituteAwsVariables(value: unknown, ctx: { accountId: string; region: string }): unknown {
  if (typeof value === 'string') {
    return value
      .replaceAll('${AWS::AccountId}', ctx.accountId)
      .replaceAll('${AWS::Region}', ctx.region)
      .replaceAll('${AWS::Partition}', 'aws')
  }
  if (Array.isArray(value)) return value.map((v) => substituteAwsVariables(v, ctx))
  if (isObject(value)) {
    const out: Json = {}
    for (const [k, v] of Object.entries(value)) out[k] = substituteAwsVariables(v, ctx)
    return out
  }
  return value
}
