/**
 * @module
 * Imports an OpenAPI 3 document with `x-amazon-apigateway-*` extensions as AWS's
 * `ImportApi` does for HTTP APIs (spec 12.7): every `paths.{path}.{method}` becomes the
 * route `"{METHOD} {path}"`, `x-amazon-apigateway-any-method` becomes `ANY`, and under
 * `/$default` with `isDefaultRoute: true` the `$default` route; an operation's
 * `x-amazon-apigateway-integration` (inline or a `$ref` into
 * `components.x-amazon-apigateway-integrations`) becomes its integration.
 */
import { Type } from '../vendor/typebox.js'
import { createHash } from 'node:crypto'
import type { ApiDraft, Draft } from './drafts.js'
import type { LoadedDocument } from './load-file.js'
import type { Origin } from '../model/index.js'
import type { AuthorizerInput, IntegrationInput, RouteInput } from './schema.js'
import { Reporter, fieldOrigin, originOf } from './reporter.js'
import { shapeIssues } from './shape.js'
import { isObject } from '../util/index.js'

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
const ROUTE_SOURCE_NAMES: Readonly<Record<string, string>> = {
  authorizationType: 'security',
  authorizerId: 'security',
  authorizationScopes: 'security',
}
const AUTHORIZER_EXT = 'x-amazon-apigateway-authorizer'
/** apigatewayv2 authorizer field → the extension's own name. */
const AUTHORIZER_SOURCE_NAMES: Readonly<Record<string, string>> = { authorizerCredentialsArn: 'authorizerCredentials', authorizerType: 'type' }

// The authorizer extension's fields (spec 12.7); Gatehouse's `jwks` and `clockSkewSeconds` too.
const OpenApiAuthorizerSchema = Type.Object(
  {
    type: Type.String(),
    identitySource: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
    jwtConfiguration: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    authorizerUri: Type.Optional(Type.String()),
    authorizerCredentials: Type.Optional(Type.String()),
    authorizerPayloadFormatVersion: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    authorizerResultTtlInSeconds: Type.Optional(Type.Integer()),
    enableSimpleResponses: Type.Optional(Type.Boolean()),
    jwks: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    clockSkewSeconds: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false }
)
const DEFAULT_ROUTE_PATH = '/$default'
/** SAM writes the default route's path without the slash ("$default"); both import as $default. */
const SAM_DEFAULT_ROUTE_PATH = '$default'

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

  const endpoint = root['x-amazon-apigateway-endpoint-configuration']
  const disableExecuteApiEndpoint = isObject(endpoint) && endpoint['disableExecuteApiEndpoint'] === true
  const cors = root['x-amazon-apigateway-cors'] === undefined ? undefined : { value: root['x-amazon-apigateway-cors'], origin: originOf(doc, ['x-amazon-apigateway-cors']), doc }

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

  const security = importSecuritySchemes(root, doc, reporter)
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
        (path === DEFAULT_ROUTE_PATH || path === SAM_DEFAULT_ROUTE_PATH) && method === 'ANY' && operation['isDefaultRoute'] === true
          ? '$default'
          : `${method} ${path}`
      const route: { -readonly [K in keyof RouteInput]: RouteInput[K] } = { routeKey }
      if (typeof operation['operationId'] === 'string') route.operationName = operation['operationId']
      const hasSecurity = operation['security'] !== undefined
      // A route whose security cannot be applied is left out (its problem is reported), never served open.
      if (hasSecurity && !applySecurity(operation['security'], route, fieldOrigin(doc, origin, 'security'), security, reporter)) continue
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
    authorizers: security.authorizers,
    brokenAuthorizerIds: security.broken,
    cors,
    disableExecuteApiEndpoint,
    origin: rootOrigin,
    doc,
  }
}

interface SecuritySchemes {
  readonly authorizers: Draft<AuthorizerInput>[]
  readonly types: ReadonlyMap<string, 'JWT' | 'CUSTOM' | 'AWS_IAM'>
  readonly broken: Set<string>
}

/**
 * `components.securitySchemes`: an `x-amazon-apigateway-authorizer` becomes an authorizer
 * named after its scheme (type `jwt` or `request`); an `apiKey` scheme with
 * `x-amazon-apigateway-authtype: awsSigv4` means IAM authorization `[UNCONFIRMED]`.
 */
function importSecuritySchemes(root: Json, doc: LoadedDocument, reporter: Reporter): SecuritySchemes {
  const authorizers: Draft<AuthorizerInput>[] = []
  const types = new Map<string, 'JWT' | 'CUSTOM' | 'AWS_IAM'>()
  const broken = new Set<string>()
  const schemes = isObject(root['components']) ? root['components']['securitySchemes'] : undefined
  if (!isObject(schemes)) return { authorizers, types, broken }
  for (const [name, scheme] of Object.entries(schemes)) {
    if (!isObject(scheme)) continue
    if (String(scheme['x-amazon-apigateway-authtype']).toLowerCase() === 'awssigv4') {
      types.set(name, 'AWS_IAM')
      continue
    }
    const ext = scheme[AUTHORIZER_EXT]
    if (ext === undefined) continue
    const path = ['components', 'securitySchemes', name, AUTHORIZER_EXT]
    const issues = shapeIssues(OpenApiAuthorizerSchema, ext, doc, path)
    const type = isObject(ext) ? String(ext['type']).toLowerCase() : ''
    if (issues.length > 0 || !isObject(ext) || (type !== 'jwt' && type !== 'request')) {
      reporter.add(issues)
      if (issues.length === 0) reporter.at(originOf(doc, [...path, 'type']), 'type must be "jwt" or "request"')
      broken.add(name)
      types.set(name, type === 'jwt' ? 'JWT' : 'CUSTOM')
      continue
    }
    const input: Record<string, unknown> = { authorizerId: name, name, authorizerType: type === 'jwt' ? 'JWT' : 'REQUEST' }
    for (const [k, v] of Object.entries(ext)) {
      if (k === 'type') continue
      input[k === 'authorizerCredentials' ? 'authorizerCredentialsArn' : k] = v
    }
    // The issuer may come from an openIdConnect scheme's discovery URL (spec 12.7).
    const oidc = scheme['openIdConnectUrl']
    const jwt = isObject(input['jwtConfiguration']) ? input['jwtConfiguration'] : {}
    if (type === 'jwt' && jwt['issuer'] === undefined && typeof oidc === 'string') {
      input['jwtConfiguration'] = { ...jwt, issuer: oidc.replace(/\/\.well-known\/openid-configuration$/, '') }
    }
    types.set(name, type === 'jwt' ? 'JWT' : 'CUSTOM')
    authorizers.push({ input: input as unknown as AuthorizerInput, origin: originOf(doc, path), sourceNames: AUTHORIZER_SOURCE_NAMES })
  }
  return { authorizers, types, broken }
}

/**
 * An operation's `security`: one requirement naming one scheme (several are an error, spec
 * 12.7). Returns whether it could be applied.
 */
function applySecurity(
  security: unknown,
  route: { -readonly [K in keyof RouteInput]: RouteInput[K] },
  origin: Origin,
  schemes: SecuritySchemes,
  reporter: Reporter
): boolean {
  if (!Array.isArray(security)) {
    reporter.at(origin, 'security must be a list of security requirements')
    return false
  }
  if (security.length === 0) return true
  const requirement: unknown = security[0]
  const names = isObject(requirement) ? Object.keys(requirement) : []
  if (security.length > 1 || names.length !== 1 || !isObject(requirement)) {
    reporter.at(origin, 'an operation may name exactly one security scheme (API Gateway rejects multiple security requirements)')
    return false
  }
  const name = names[0] as string
  const type = schemes.types.get(name)
  if (type === undefined) {
    reporter.at(origin, `security scheme "${name}" is not defined with x-amazon-apigateway-authorizer or x-amazon-apigateway-authtype under components.securitySchemes`)
    return false
  }
  route.authorizationType = type
  if (type !== 'AWS_IAM') route.authorizerId = name
  const scopes = requirement[name]
  if (Array.isArray(scopes) && scopes.length > 0) route.authorizationScopes = scopes.map(String)
  return true
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
