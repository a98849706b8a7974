/**
 * @module
 * The configuration model every source produces (gatehouse.yaml, OpenAPI, and later templates
 * and the control plane): normalised, validated and frozen. Every object keeps its `origin`
 * (file, path, line) so later problems can still point at the source. Plain data only: the
 * runtime compiles it into a snapshot.
 */
import type { ConfigIssue, Origin } from './origin.js'
import type { ParsedRouteKey } from './route-key.js'

/** An authorizer's identity source (spec 5.1, 5.2), parsed once at config time. */
export type IdentitySource =
  | { readonly kind: 'header'; readonly expression: string; readonly name: string }
  | { readonly kind: 'querystring'; readonly expression: string; readonly name: string }
  /** `$context.NAME`: read through the `$context` variable table (`logging/`). */
  | { readonly kind: 'context'; readonly expression: string; readonly name: string }
  | { readonly kind: 'stageVariable'; readonly expression: string; readonly name: string }

/** One IAM user's access key, for `AWS_IAM` routes and `@connections` signatures. */
export interface IamCredential {
  accessKeyId: string
  secretAccessKey: string
  accountId: string
  userArn: string
  /** optional STS session token the request must carry */
  sessionToken?: string
}

/** How Gatehouse talks TLS to an `https://` backend (from `tlsConfig`). */
export interface UpstreamTls {
  /** PEM bundle of CAs to trust instead of Node's public roots, or `null`. */
  readonly ca: string | null
  /** Name checked against the backend's certificate and sent as SNI, or `null` for the URI's host. */
  readonly serverNameToVerify: string | null
  /** Skips certificate verification (Gatehouse's own, for development backends). */
  readonly insecureSkipVerification: boolean
}

/** An API's `corsConfiguration` (spec 8). */
export interface CorsConfiguration {
  readonly allowOrigins: readonly string[]
  readonly allowCredentials: boolean
  readonly exposeHeaders: readonly string[]
  /** Seconds; `null` when not configured. */
  readonly maxAge: number | null
  readonly allowMethods: readonly string[]
  readonly allowHeaders: readonly string[]
}

/** Token-bucket limits (spec 6.1). */
export interface ThrottleLimits {
  /** Steady rate, tokens per second (`throttlingRateLimit`, a double). */
  readonly rateLimit: number
  /** Capacity (`throttlingBurstLimit`, an integer). */
  readonly burstLimit: number
}

export type PayloadFormatVersion = '1.0' | '2.0'

export interface FunctionDefinition {
  /** The function name (the key under `functions`, reduced to a name when it was an ARN). */
  readonly name: string
  readonly arn: string
  /** As written, e.g. `src/orders.handler`. */
  readonly handler: string
  /** Absolute path of the resolved module file. */
  readonly handlerFile: string
  /** Property path of the export inside the module, e.g. `["handler"]`. */
  readonly exportPath: readonly string[]
  readonly timeoutSeconds: number
  readonly memorySize: number
  readonly environment: Readonly<Record<string, string>>
  /** `null` when not set: the function then shares the unreserved pool. */
  readonly reservedConcurrency: number | null
  /** Lambda's runtime identifier (`nodejs20.x`, `python3.12`, `provided.al2023`); default `nodejs20.x`. */
  readonly runtime: string
  /** The code folder (`LAMBDA_TASK_ROOT`, the environment's working directory). */
  readonly codeDir: string
  /** Layer folders in order, each laid out as Lambda's `/opt` (`nodejs/node_modules`, `python`, `bin`). */
  readonly layers: readonly string[]
  /** Node.js only: `process` runs the handler in its own process over the Runtime API instead of a worker thread. */
  readonly isolation: 'worker' | 'process'
  /** Python only: the interpreter to start (default `python3` on PATH). */
  readonly interpreter: string | null
  /**
   * The files the function's code is read from (the handler module and every local module it
   * imports; a Python handler module; a `bootstrap`): a change to one restarts this
   * function's environments, and no other function's.
   */
  readonly codeFiles: readonly string[]
  readonly origin: Origin
}

export type AuthorizationType = 'NONE' | 'JWT' | 'CUSTOM' | 'AWS_IAM'

export interface RouteDefinition {
  readonly routeId: string
  readonly routeKey: string
  readonly key: ParsedRouteKey
  /** `null` when the route has no target (AWS allows routes without an integration). */
  readonly integrationId: string | null
  readonly authorizationType: AuthorizationType
  /** For `JWT` and `CUSTOM`. */
  readonly authorizerId: string | null
  /** For `JWT`: the token must carry at least one of these. */
  readonly authorizationScopes: readonly string[]
  readonly origin: Origin
}

/** Where a JWT authorizer gets its keys. */
export type JwksSource =
  | { readonly kind: 'discovery' }
  | { readonly kind: 'uri'; readonly uri: string }
  | { readonly kind: 'keys'; readonly jwks: { readonly keys: readonly Record<string, unknown>[] } }

export interface JwtAuthorizerDefinition {
  readonly authorizerType: 'JWT'
  readonly authorizerId: string
  readonly name: string
  readonly identitySource: IdentitySource
  readonly issuer: string
  readonly audience: readonly string[]
  readonly jwks: JwksSource
  readonly clockSkewSeconds: number
  readonly origin: Origin
}

export interface RequestAuthorizerDefinition {
  readonly authorizerType: 'REQUEST'
  readonly authorizerId: string
  readonly name: string
  /** As written; may contain `${stageVariables.x}`. */
  readonly authorizerUri: string
  readonly payloadFormatVersion: PayloadFormatVersion
  readonly enableSimpleResponses: boolean
  readonly resultTtlSeconds: number
  readonly identitySources: readonly IdentitySource[]
  readonly origin: Origin
}

export type AuthorizerDefinition = JwtAuthorizerDefinition | RequestAuthorizerDefinition

/** Credentials given in the config for calls to AWS services. */
export interface AwsCredentialSettings {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string | undefined
}

/** How the gateway reaches AWS services (service integrations). */
export interface AwsSettings {
  /** `awsEndpoints`: endpoint URL by service name (`dynamodb`, `sqs`, ...). */
  readonly endpoints: Readonly<Record<string, string>>
  /** `awsCredentials`, or `null` to look where the AWS SDKs do. */
  readonly credentials: AwsCredentialSettings | null
}

export interface IamSettings {
  readonly credentials: ReadonlyMap<string, IamCredential>
  readonly allowSessionTokens: boolean
  readonly clockSkewMs: number
}

interface IntegrationDefinitionBase {
  readonly integrationId: string
  /** As written; may contain `${stageVariables.x}`, resolved per stage at compile time. */
  readonly integrationUri: string
  readonly payloadFormatVersion: PayloadFormatVersion
  readonly timeoutInMillis: number
  /** Validated `requestParameters` (empty when none). */
  readonly requestParameters: Readonly<Record<string, string>>
  /** Validated `responseParameters` by status code (empty when none). */
  readonly responseParameters: Readonly<Record<string, Readonly<Record<string, string>>>>
  readonly origin: Origin
}

export interface LambdaIntegrationDefinition extends IntegrationDefinitionBase {
  readonly integrationType: 'AWS_PROXY'
}

export interface HttpProxyIntegrationDefinition extends IntegrationDefinitionBase {
  readonly integrationType: 'HTTP_PROXY'
  /** An HTTP method, or `ANY` for the client's. */
  readonly integrationMethod: string
  readonly tls: UpstreamTls
}

/** A first-class integration (spec 4.5): an AWS action named by `integrationSubtype`. */
export interface AwsServiceIntegrationDefinition {
  readonly integrationType: 'AWS_PROXY'
  readonly integrationId: string
  /** `SQS-SendMessage`, `EventBridge-PutEvents`, ... (validated). */
  readonly integrationSubtype: string
  /**
   * The action as a service ARN, derived from the subtype
   * (`arn:aws:apigateway:{region}:sqs:action/SendMessage`): first-class integrations take no URI.
   */
  readonly integrationUri: string
  /** The role AWS would assume; Gatehouse signs with the credentials it finds (see `AwsSettings`). */
  readonly credentialsArn: string | null
  readonly payloadFormatVersion: '1.0'
  readonly timeoutInMillis: number
  /** The action's parameters by name: static text or `$request.*`, `$context.*`, `$stageVariables.*` (validated). */
  readonly requestParameters: Readonly<Record<string, string>>
  readonly responseParameters: Readonly<Record<string, Readonly<Record<string, string>>>>
  readonly origin: Origin
}

export type IntegrationDefinition = LambdaIntegrationDefinition | HttpProxyIntegrationDefinition | AwsServiceIntegrationDefinition


export interface AccessLogDefinition {
  readonly format: string
  /** `stdout`, `stderr`, `none`, or an absolute file path. */
  readonly destination: string
}

export interface StageDefinition {
  readonly stageName: string
  readonly stageVariables: Readonly<Record<string, string>>
  /** `defaultRouteSettings` throttling, or `null` when the stage sets none. */
  readonly defaultThrottle: ThrottleLimits | null
  /** `routeSettings` throttling by route key (only entries that set a limit). */
  readonly routeThrottles: ReadonlyMap<string, ThrottleLimits>
  readonly accessLog: AccessLogDefinition | null
  readonly origin: Origin
}

export interface ApiDefinition {
  readonly apiId: string
  readonly name: string
  readonly protocolType: 'HTTP'
  readonly routes: readonly RouteDefinition[]
  readonly integrations: ReadonlyMap<string, IntegrationDefinition>
  readonly authorizers: ReadonlyMap<string, AuthorizerDefinition>
  readonly stages: readonly StageDefinition[]
  /** The default `execute-api` endpoint stops serving the API; custom domains still do. */
  readonly disableExecuteApiEndpoint: boolean
  /** `corsConfiguration` (or `x-amazon-apigateway-cors`), or `null`. */
  readonly cors: CorsConfiguration | null
  readonly origin: Origin
}

export interface WebSocketRouteDefinition {
  /** `$connect`, `$disconnect`, `$default` or a custom key. */
  readonly routeKey: string
  readonly integrationId: string | null
  /** The `$connect` route's Lambda authorizer, or `null`. */
  readonly authorizerId: string | null
  /** Has the `$default` route response: the integration's answer is sent back. */
  readonly twoWay: boolean
  /** `$connect` only: a valid API key is required. */
  readonly apiKeyRequired: boolean
  readonly origin: Origin
}

export type WebSocketIntegrationDefinition =
  | {
      readonly integrationType: 'AWS_PROXY'
      readonly integrationId: string
      /** A Lambda function name or ARN; may contain `${stageVariables.x}`. */
      readonly integrationUri: string
      readonly timeoutInMillis: number
      readonly origin: Origin
    }
  | {
      /** `HTTP` (non-proxy) renders the request and the reply with `templates`. */
      readonly integrationType: 'HTTP_PROXY' | 'HTTP'
      readonly integrationId: string
      readonly templates: WebSocketTemplatesDefinition | null
      /** An http(s) URL; may contain `${stageVariables.x}`. */
      readonly integrationUri: string
      readonly integrationMethod: string
      readonly timeoutInMillis: number
      /** `integration.request.{header|querystring}.NAME` → source (validated). */
      readonly requestParameters: Readonly<Record<string, string>>
      readonly tls: UpstreamTls
      readonly origin: Origin
    }
  | {
      readonly integrationType: 'MOCK'
      readonly integrationId: string
      readonly templates: WebSocketTemplatesDefinition
      readonly origin: Origin
    }
  | {
      /** An AWS service action or path (spec 10.6); the request template renders the service request. */
      readonly integrationType: 'AWS'
      readonly integrationId: string
      readonly templates: WebSocketTemplatesDefinition
      /** `arn:aws:apigateway:{region}:{service}:action/{Action}` or `...:path/{path}` (validated). */
      readonly integrationUri: string
      readonly integrationMethod: string
      /** The role AWS would assume; Gatehouse signs with the credentials it finds (see `AwsSettings`). */
      readonly credentialsArn: string | null
      readonly timeoutInMillis: number
      /** `integration.request.{header|querystring}.NAME` → source (validated). */
      readonly requestParameters: Readonly<Record<string, string>>
      readonly origin: Origin
    }

export interface WebSocketTemplatesDefinition {
  readonly requestTemplates: Readonly<Record<string, string>>
  /** What happens to a message no request template takes (spec 10.5). */
  readonly passthroughBehavior: 'WHEN_NO_MATCH' | 'WHEN_NO_TEMPLATES' | 'NEVER'
  readonly templateSelectionExpression: string | null
  readonly integrationResponses: ReadonlyArray<{
    readonly integrationResponseKey: string
    readonly responseTemplates: Readonly<Record<string, string>>
    /** Picks among `responseTemplates`; `null`: the `$default` one (or the only one). */
    readonly templateSelectionExpression: string | null
  }>
}

export interface WebSocketIdentitySource {
  readonly kind: 'header' | 'querystring'
  readonly name: string
  /** As written: `route.request.header.Auth`. */
  readonly expression: string
}

export interface WebSocketAuthorizerDefinition {
  readonly authorizerId: string
  readonly authorizerUri: string
  readonly identitySources: readonly WebSocketIdentitySource[]
  readonly origin: Origin
}

export interface WebSocketApiKey {
  readonly value: string
  /** Stages it opens; `null` for every stage. */
  readonly stages: ReadonlySet<string> | null
}

export interface WebSocketApiDefinition {
  readonly apiId: string
  readonly name: string
  readonly protocolType: 'WEBSOCKET'
  readonly routeSelectionExpression: string
  /** Where `$connect` reads the key: the `x-api-key` header or the authorizer's `usageIdentifierKey`. */
  readonly apiKeySource: 'header' | 'authorizer'
  readonly apiKeys: readonly WebSocketApiKey[]
  readonly routes: readonly WebSocketRouteDefinition[]
  readonly integrations: ReadonlyMap<string, WebSocketIntegrationDefinition>
  readonly authorizers: ReadonlyMap<string, WebSocketAuthorizerDefinition>
  readonly stages: readonly StageDefinition[]
  readonly origin: Origin
}

export interface ApiMappingDefinition {
  readonly apiId: string
  readonly stage: string
  /** `''` for the mapping without a key (it serves what no other mapping matches). */
  readonly apiMappingKey: string
  readonly origin: Origin
}

export interface TruststoreDefinition {
  readonly file: string
  /** PEM certificates that parsed (warnings name the others). */
  readonly certificates: readonly string[]
}

export interface DomainNameDefinition {
  /** Lower case; may start with `*.`. */
  readonly domainName: string
  readonly certificatePem: string
  readonly privateKeyPem: string
  /** Mutual TLS, or `null` without it. */
  readonly truststore: TruststoreDefinition | null
  readonly apiMappings: readonly ApiMappingDefinition[]
  readonly origin: Origin
}

export interface GatehouseConfig {
  /** The config file, or `undefined` for a config given as an object. */
  readonly configFile: string | undefined
  /** Directory that relative paths (handlers, OpenAPI documents) are resolved against. */
  readonly baseDir: string
  readonly accountId: string
  readonly region: string
  /** Credentials for `AWS_IAM` routes, or `null` when none are configured. */
  readonly iam: IamSettings | null
  /**
   * `connectionsApi.allowUnsigned`: accept `@connections` calls without a verifiable signature
   * (no `iam` credentials) on a listener bound to a non-loopback address. Default false.
   */
  readonly connectionsApi: { readonly allowUnsigned: boolean }
  /** The account-level throttle, or `null` when turned off. */
  readonly accountThrottle: ThrottleLimits | null
  readonly functions: ReadonlyMap<string, FunctionDefinition>
  /**
   * HTTP APIs. One `apiId` may appear more than once with distinct stages: the control plane
   * gives each deployment its stages serve an entry of its own; compile serves them as one API.
   */
  readonly apis: readonly ApiDefinition[]
  /** `redis.url`: throttle buckets shared across nodes, or `null`. */
  readonly redis: { readonly url: string } | null
  /** `awsEndpoints` and `awsCredentials`. */
  readonly aws: AwsSettings
  /** WebSocket APIs (`protocolType: WEBSOCKET`). */
  readonly websocketApis: readonly WebSocketApiDefinition[]
  /** Custom domain names (served by the HTTPS listener). */
  readonly domainNames: readonly DomainNameDefinition[]
  /** Problems that do not stop the config (truststore warnings), shown by `validate` and at start. */
  readonly warnings: readonly ConfigIssue[]
  /** Every file the config was built from (config, OpenAPI documents, handler modules). */
  readonly sourceFiles: readonly string[]
}
