/**
 * @module
 * An API as read from either source (inline or OpenAPI), before semantic checks.
 */
import type { ApiKeysInput, AuthorizerInput, IntegrationInput, RouteInput, StageInput } from './schema.js'
import type { LoadedDocument } from './load-file.js'
import type { Origin } from '../model/index.js'

export interface Draft<T> {
  readonly input: T
  readonly origin: Origin
  /**
   * The name a field has in the source document when it differs from apigatewayv2's
   * (OpenAPI's `uri` for `integrationUri`), so issues name what the user wrote.
   */
  readonly sourceNames?: Readonly<Record<string, string>>
}

export interface ApiDraft {
  readonly name: string
  readonly apiId: string | undefined
  readonly protocolType: 'HTTP' | 'WEBSOCKET'
  /** WebSocket APIs: how a message chooses its route. */
  readonly routeSelectionExpression?: string | undefined
  /** WebSocket API keys (Gatehouse's stand-in for usage plans) and where `$connect` finds them. */
  readonly apiKeys?: ApiKeysInput | undefined
  readonly apiKeySelectionExpression?: string | undefined
  readonly routes: readonly Draft<RouteInput>[]
  readonly integrations: readonly Draft<IntegrationInput>[]
  /** `undefined` when the config gives none: a `$default` stage is implied. */
  readonly stages: readonly Draft<StageInput>[] | undefined
  readonly authorizers: readonly Draft<AuthorizerInput>[]
  /** Ids of authorizers that exist but have problems of their own (already reported). */
  readonly brokenAuthorizerIds: ReadonlySet<string>
  /** Ids of integrations that exist but have problems of their own (already reported). */
  readonly brokenIntegrationIds: ReadonlySet<string>
  /** `corsConfiguration` / `x-amazon-apigateway-cors` as written, with where. */
  readonly cors: { readonly value: unknown; readonly origin: Origin; readonly doc: LoadedDocument } | undefined
  /** Whether the default `execute-api` endpoint is off for this API (spec 7.4). */
  readonly disableExecuteApiEndpoint: boolean
  readonly origin: Origin
  /** The document routes and integrations came from (for line lookups). */
  readonly doc: LoadedDocument
  /** The document stages came from (the config file, also for OpenAPI APIs). */
  readonly stagesDoc: LoadedDocument
}
