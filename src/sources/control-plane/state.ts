/**
 * @module
 * What the control plane remembers, as plain JSON so it can be written to disk (or Redis) and
 * read back as is. Resources are kept in their wire shape (camelCase members as `apigatewayv2`
 * returns them), so a `Get*` answers with the stored object.
 */

export type Wire = Record<string, unknown>

/** The parts of an API a deployment freezes (spec 12.4: routes, integrations, authorizers, CORS, API settings). */
export interface ApiDefinitionState {
  readonly api: Wire
  readonly routes: Record<string, Wire>
  readonly integrations: Record<string, Wire>
  readonly authorizers: Record<string, Wire>
  readonly models: Record<string, Wire>
  /** By route id, then route response id. */
  readonly routeResponses: Record<string, Record<string, Wire>>
  /** By integration id, then integration response id. */
  readonly integrationResponses: Record<string, Record<string, Wire>>
}

export interface DeploymentState {
  readonly deployment: Wire
  /** The API as it was when deployed: what stages pointing at this deployment serve. */
  readonly definition: ApiDefinitionState
}

export interface ApiState extends ApiDefinitionState {
  readonly stages: Record<string, Wire>
  readonly deployments: Record<string, DeploymentState>
}

export interface FunctionState {
  /** `FunctionConfiguration` as Lambda returns it (PascalCase members). */
  readonly configuration: Wire
  /** Folder the handler path is resolved in: an unpacked zip (relative to the state folder), or an absolute local path. */
  readonly codeDir: string
  /** Recorded `AddPermission` statements by `Sid`. */
  readonly policy: Record<string, Wire>
  readonly tags: Record<string, string>
}

export interface DomainNameState {
  readonly domainName: Wire
  readonly apiMappings: Record<string, Wire>
}

export interface PlaneState {
  readonly version: 1
  readonly apis: Record<string, ApiState>
  readonly functions: Record<string, FunctionState>
  readonly domainNames: Record<string, DomainNameState>
}

export function emptyState(): PlaneState {
  return { version: 1, apis: {}, functions: {}, domainNames: {} }
}

/** A deep copy: mutations work on a draft that replaces the state only once applied and saved. */
export function cloneState<T>(value: T): T {
  return structuredClone(value)
}

export function definitionOf(api: ApiState): ApiDefinitionState {
  return cloneState({
    api: api.api,
    routes: api.routes,
    integrations: api.integrations,
    authorizers: api.authorizers,
    models: api.models,
    routeResponses: api.routeResponses,
    integrationResponses: api.integrationResponses,
  })
}
