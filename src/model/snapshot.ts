/**
 * @module
 * The compiled, immutable form of a configuration that the data plane executes. A request
 * reads the current snapshot once and keeps it to the end, so in-flight requests finish on
 * the old one after a reload.
 *
 * Where the snapshot holds behaviour it holds it through the small interfaces below (an
 * integration is something with `invoke`, an authorizer something with `authorize`, a CORS
 * policy something with `preflight`/`decorate`, a limiter something with `take`): the feature
 * rooms implement them and the planes only call them, so every import points down here.
 */
import type { IncomingMessage } from 'node:http'
import type { SecureContext, TLSSocket } from 'node:tls'
import type { AuthorizeOutcome, AuthorizerResult } from './authorization.js'
import type { GatehouseConfig } from './config.js'
import type { FunctionPoolHandle } from './functions.js'
import type { CompiledAccessLog, RequestTrace, RouteMetrics } from './observability.js'
import type { GatewayResponse, Reply } from './reply.js'
import type { RateLimiter, ThrottleLayer } from './throttling.js'
import type { CompiledWebSocketApi, CompiledWebSocketStage } from './websocket.js'

/** The client certificate of a mutual TLS connection as API Gateway forwards it (spec 7.3). */
export interface ClientCertificate {
  readonly clientCertPem: string
  readonly subjectDN: string
  readonly issuerDN: string
  /** Colon-separated lower-case hex bytes (`[OBS-conflicting]`; the spec's proposal). */
  readonly serialNumber: string
  readonly validity: { readonly notBefore: string; readonly notAfter: string }
}

/**
 * The per-request state every pipeline step reads and fills: what the client sent, what the
 * gateway resolved (API, stage, route), and what happened (authorizer, integration, status),
 * which access logs and `$context` variables read. `http/` creates it per request.
 */
export interface RequestContext {
  readonly requestId: string
  /** Epoch milliseconds when the request arrived (`timeEpoch`). */
  readonly requestTimeEpoch: number
  /** `performance.now()` when the request arrived. */
  readonly startedAt: number
  readonly method: string
  /** Decoded request path, stage segment included (`rawPath` of payload 2.0). */
  path: string
  /** The path as the client sent it, still percent-encoded (SigV4 signs this form). */
  rawPathname: string
  /** Query string as received, without `?`, still encoded. */
  rawQueryString: string
  /** Path segments used for route matching (stage removed, trailing slash ignored). */
  routeSegments: string[]
  /** Path below the stage, decoded (`/pets/1` for `/dev/pets/1`). */
  stagePath: string
  /** The same, still percent-encoded as the client sent it (what an HTTP proxy forwards). */
  rawStagePath: string
  /** The API mapping key a custom domain matched (`''` for the unkeyed mapping), or `null` off custom domains. */
  basePathMatched: string | null
  /** The verified client certificate of a mutual TLS custom domain, or `null`. */
  clientCert: ClientCertificate | null
  readonly rawHeaders: readonly string[]
  readonly sourceIp: string
  readonly protocol: string
  /** `Host` as sent (port included), or `''`. */
  readonly host: string
  /** The host name the client used, without port (`$context.domainName`). */
  readonly domainName: string
  readonly domainPrefix: string
  readonly localPort: number
  readonly scheme: 'http' | 'https'
  /** The TLS connection of an HTTPS request (SNI, client certificate), or `null`. */
  readonly tlsSocket: TLSSocket | null
  body: Buffer
  /** Bytes of a request body streamed to the integration instead of read into `body`. */
  streamedRequestBytes: number
  api: CompiledApi | null
  stage: CompiledStage | null
  route: CompiledRoute | null
  pathParameters: Record<string, string> | null
  /** The account that owns the API (`$context.accountId`). */
  accountId: string
  /** What went wrong in the integration, for logs (`$context.integrationErrorMessage`). */
  integrationErrorMessage: string
  /** Integration latency in ms, or -1 when no integration was called. */
  integrationLatency: number
  /** Status from the service that ran the integration (Lambda: 200 for a completed Invoke), or -1. */
  integrationServiceStatus: number
  /** Status the integration itself answered (Lambda: the function's `statusCode`), or -1. */
  integrationStatus: number
  /** Request id of the integration call (Lambda's `awsRequestId`), or `''`. */
  integrationRequestId: string
  /** What the route's authorizer established, or `null` (no authorizer, or it refused). */
  authorizer: AuthorizerResult | null
  /** Why the authorizer refused or failed (`$context.authorizer.error`), or `''`. */
  authorizerError: string
  /** The catalogue entry when the gateway answered by itself (`$context.error.*`). */
  error: GatewayResponse | null
  /** Status sent to the client; -1 until the response is written. */
  status: number
  /** Response body bytes sent. */
  responseLength: number
  /** Total latency in ms, set when the response is written; -1 before. */
  responseLatency: number
  /** What the console's inspector records (authorizer, integration, mappings), or `null` while no console watches. */
  trace: RequestTrace | null
  /** Request body bytes received, read whole or streamed. */
  readonly requestBodyLength: number
  /** The first value of a request header (name in lower case), or `undefined`. */
  header(name: string): string | undefined
}

/** Where the data plane hands finished requests when a console watches (`observability/` implements it). */
export interface RequestInspector {
  /** Whether requests are being recorded now (a console client is connected). */
  readonly active: boolean
  /** A request it will record has begun: what its function logs meanwhile is masked with its secrets. */
  started(ctx: RequestContext): void
  /** Records a finished request with what it sent back. */
  record(ctx: RequestContext, sent: Reply, responseLength: number): void
}

/** A route's authorization, whichever kind of authorizer decides it (`auth/` implements it). */
export interface RouteAuthorizer {
  authorize(ctx: RequestContext): AuthorizeOutcome | Promise<AuthorizeOutcome>
}

/** What an integration is called with once the request has passed throttling and authorization. */
export interface IntegrationCall {
  readonly ctx: RequestContext
  readonly req: IncomingMessage
  readonly route: CompiledRoute
  readonly stage: CompiledStage
  readonly apiId: string
}

/** An integration of one stage (its URI resolved with the stage's variables). */
export interface CompiledIntegration {
  readonly integrationId: string
  readonly integrationType: 'AWS_PROXY' | 'HTTP_PROXY'
  /** Whether it can take the request body as a stream (an HTTP proxy without a body mapping). */
  readonly streamsRequestBody: boolean
  invoke(call: IntegrationCall): Reply | Promise<Reply>
}

/** A route matcher with AWS's precedence (`routing/` builds it). */
export interface RouteMatcher<T> {
  match(method: string, segments: readonly string[]): RouteMatch<T> | null
}

export interface RouteMatch<T> {
  readonly route: T
  /** Decoded `pathParameters`, or `null` when the route has no variables. */
  readonly pathParameters: Record<string, string> | null
}

/** An API's CORS behaviour (spec 8). */
export interface CorsPolicy {
  /** A preflight: `OPTIONS` with both `Origin` and `Access-Control-Request-Method`. */
  isPreflight(ctx: RequestContext): boolean
  /** The gateway's own answer to a preflight no route takes. */
  preflight(ctx: RequestContext): Reply
  /** The configured CORS headers on any other reply to a request with an `Origin`. */
  decorate(ctx: RequestContext, reply: Reply): Reply
}

export interface CompiledRoute {
  readonly routeId: string
  readonly routeKey: string
  /** The path template (`/pets/{id}`), or `null` for `$default`. */
  readonly resourcePath: string | null
  /** `null` when the route has no target. */
  readonly integration: CompiledIntegration | null
  /** The route's authorization, or `null` for `NONE`. */
  readonly authorizer: RouteAuthorizer | null
  /**
   * Whether the body is read whole before the integration (Lambda, an IAM signature over it,
   * a mapping reading `$request.body`); otherwise an HTTP proxy streams it to the backend.
   */
  readonly readsRequestBody: boolean
  /** Throttle layers (route or stage default, then account), or `null` when none applies. */
  readonly throttle: readonly ThrottleLayer[] | null
  readonly metrics: RouteMetrics
}

export interface CompiledStage {
  readonly stageName: string
  /** `null` when the stage has no variables (the event then omits `stageVariables`). */
  readonly stageVariables: Readonly<Record<string, string>> | null
  readonly router: RouteMatcher<CompiledRoute>
  /** Routes in definition order, for `gatehouse routes`. */
  readonly routes: readonly CompiledRoute[]
  readonly accessLog: CompiledAccessLog<RequestContext> | null
  /** Metrics of requests that reached this stage but matched no route. */
  readonly noRouteMetrics: RouteMetrics
}

export interface CompiledApi {
  readonly apiId: string
  readonly name: string
  /** Named stages, served under `/{stageName}`. */
  readonly stages: ReadonlyMap<string, CompiledStage>
  readonly defaultStage: CompiledStage | null
  /** `corsConfiguration`, or `null` when the API has none. */
  readonly cors: CorsPolicy | null
  /** Served only through custom domains (spec 7.4). */
  readonly disableExecuteApiEndpoint: boolean
}

export interface CompiledApiMapping {
  /** As configured (`orders/v1`), `''` for none: `$context.customDomain.basePathMatched`. */
  readonly apiMappingKey: string
  readonly segments: readonly string[]
  readonly api: CompiledApi
  readonly stage: CompiledStage
}

export interface CompiledDomainName {
  readonly domainName: string
  readonly secureContext: SecureContext
  /** Whether clients must present a certificate the truststore verifies. */
  readonly mutualTls: boolean
  /** Keyed mappings, longest key first. */
  readonly mappings: readonly CompiledApiMapping[]
  readonly unkeyed: CompiledApiMapping | null
  /**
   * Mappings to WebSocket API stages (`wss://{domain}/{mappingKey}`, spec 10.1), by key (`''`
   * for the mapping without one). A domain with these has no HTTP mappings (spec 7.1).
   */
  readonly websocketMappings: ReadonlyMap<string, CompiledWebSocketMapping>
}

export interface CompiledWebSocketMapping {
  readonly apiMappingKey: string
  readonly api: CompiledWebSocketApi
  readonly stage: CompiledWebSocketStage
}

/** The custom domain names of a snapshot, found by host name. */
export interface DomainNameTable {
  readonly size: number
  /** The domain a host name (no port) belongs to, or `null`. */
  find(host: string): CompiledDomainName | null
  readonly all: IterableIterator<CompiledDomainName>
}

export interface RuntimeSnapshot {
  readonly config: GatehouseConfig
  readonly apis: ReadonlyMap<string, CompiledApi>
  /** With exactly one API, it is also served at the listener's root. */
  readonly soleApi: CompiledApi | null
  /** Custom domain names, served by the HTTPS listener. */
  readonly domains: DomainNameTable
  /** WebSocket APIs by id. */
  readonly websocketApis: ReadonlyMap<string, CompiledWebSocketApi>
  /** With exactly one WebSocket API, it also answers upgrades at the listener's root. */
  readonly soleWebSocketApi: CompiledWebSocketApi | null
  readonly pools: ReadonlyMap<string, FunctionPoolHandle>
  readonly limiter: RateLimiter
  /** File destinations of access logs, so a reload can close the ones no longer used. */
  readonly accessLogDestinations: ReadonlySet<string>
  /** Keys of the upstream agents this snapshot's HTTP proxy integrations use. */
  readonly upstreamAgentKeys: ReadonlySet<string>
}

/** Where the data plane reads the current snapshot (the runtime swaps it on reload). */
export interface SnapshotSource {
  readonly current: RuntimeSnapshot
}
