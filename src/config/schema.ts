/**
 * @module
 * The shape of `gatehouse.yaml`, as TypeBox schemas (the JSON Schema Ajv checks, and the
 * TypeScript types of the parsed file). Field names are apigatewayv2's, so what users know
 * from AWS, CloudFormation and Terraform transfers unchanged. Semantic rules (references,
 * route keys, limits) are checked in `load-config.ts` and its helpers; fields that AWS has
 * but Gatehouse does not implement yet are in the schema anyway, so that they get a clear
 * "not supported yet" message (`PLANNED` in `load-config.ts`) rather than "unknown field".
 */
import { Type, type Static, type TSchema } from '../vendor/typebox.js'
import { REDIS_URL_PATTERN } from '../redis/index.js'

const strict = { additionalProperties: false } as const
const opt = <T extends TSchema>(schema: T) => Type.Optional(schema)
/** Scalars YAML may produce for a field AWS types as string (`2.0`, `true`, `42`). */
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()])

export const FunctionSchema = Type.Object(
  {
    handler: Type.String({ minLength: 1, description: 'path/to/file.exportName, relative to the config file' }),
    timeout: opt(Type.Integer({ minimum: 1, maximum: 900, description: 'seconds, default 3' })),
    memorySize: opt(Type.Integer({ minimum: 128, maximum: 10240, description: 'MB, default 128' })),
    environment: opt(Type.Record(Type.String(), Scalar)),
    reservedConcurrency: opt(Type.Integer({ minimum: 0, maximum: 1000 })),
    description: opt(Type.String()),
    runtime: opt(Type.String({ minLength: 1, description: 'nodejs18.x-nodejs24.x, python3.9-python3.14, provided, provided.al2, provided.al2023; default nodejs20.x' })),
    codeUri: opt(Type.String({ minLength: 1, description: 'the code folder (LAMBDA_TASK_ROOT), relative to the config file; default: the config folder' })),
    layers: opt(Type.Array(Type.String({ minLength: 1 }), { description: 'local layer folders, laid out as /opt' })),
    isolation: opt(Type.Union([Type.Literal('worker'), Type.Literal('process')], { description: 'Node.js: worker thread (default) or a process over the Runtime API' })),
    interpreter: opt(Type.String({ minLength: 1, description: 'Python: the interpreter to start (default python3 on PATH)' })),
  },
  strict
)

export const RouteSchema = Type.Object(
  {
    routeKey: Type.String({ minLength: 1 }),
    routeId: opt(Type.String({ minLength: 1 })),
    target: opt(Type.String({ description: 'integrations/{integrationId}' })),
    authorizationType: opt(Type.Union([Type.Literal('NONE'), Type.Literal('JWT'), Type.Literal('CUSTOM'), Type.Literal('AWS_IAM')])),
    authorizerId: opt(Type.String()),
    authorizationScopes: opt(Type.Array(Type.String())),
    operationName: opt(Type.String()),
    apiKeyRequired: opt(Type.Boolean()),
    requestParameters: opt(Type.Record(Type.String(), Type.Unknown())),
    /** WebSocket: `$default` makes the route two-way (the integration's answer goes back to the client). */
    routeResponseSelectionExpression: opt(Type.String()),
  },
  strict
)

/** `tlsConfig` of an HTTP_PROXY integration: AWS's `serverNameToVerify`, and Gatehouse's own CA and skip switch. */
export const TlsConfigSchema = Type.Object(
  {
    serverNameToVerify: opt(Type.String({ minLength: 1 })),
    /** Gatehouse's own: a PEM file of CAs to trust for this backend (private CAs), relative to the config file. */
    caFile: opt(Type.String({ minLength: 1 })),
    /** Gatehouse's own (AWS has it for REST APIs only): do not verify the backend's certificate. */
    insecureSkipVerification: opt(Type.Boolean()),
  },
  strict
)

/** `corsConfiguration` / `x-amazon-apigateway-cors` (spec 8.1). */
export const CorsConfigurationSchema = Type.Object(
  {
    allowOrigins: opt(Type.Array(Type.String({ minLength: 1 }))),
    allowCredentials: opt(Type.Boolean()),
    exposeHeaders: opt(Type.Array(Type.String({ minLength: 1 }))),
    maxAge: opt(Type.Integer({ minimum: -1, maximum: 86400 })),
    allowMethods: opt(Type.Array(Type.String({ minLength: 1 }))),
    allowHeaders: opt(Type.Array(Type.String({ minLength: 1 }))),
  },
  strict
)

export const IntegrationSchema = Type.Object(
  {
    integrationId: Type.String({ minLength: 1 }),
    integrationType: Type.Union([
      Type.Literal('AWS_PROXY'),
      Type.Literal('HTTP_PROXY'),
      Type.Literal('AWS'),
      Type.Literal('HTTP'),
      Type.Literal('MOCK'),
    ]),
    integrationUri: opt(Type.String({ minLength: 1 })),
    integrationMethod: opt(Type.String()),
    integrationSubtype: opt(Type.String()),
    payloadFormatVersion: opt(Scalar),
    timeoutInMillis: opt(Type.Integer()),
    connectionType: opt(Type.Union([Type.Literal('INTERNET'), Type.Literal('VPC_LINK')])),
    connectionId: opt(Type.String()),
    credentialsArn: opt(Type.String()),
    description: opt(Type.String()),
    requestParameters: opt(Type.Record(Type.String(), Type.Unknown())),
    responseParameters: opt(Type.Record(Type.String(), Type.Unknown())),
    tlsConfig: opt(TlsConfigSchema),
    // WebSocket MOCK integrations (spec 10.5):
    requestTemplates: opt(Type.Record(Type.String(), Type.String())),
    templateSelectionExpression: opt(Type.String()),
    passthroughBehavior: opt(Type.Union([Type.Literal('WHEN_NO_MATCH'), Type.Literal('WHEN_NO_TEMPLATES'), Type.Literal('NEVER')])),
    /** Gatehouse nests AWS's `CreateIntegrationResponse` resources here. */
    integrationResponses: opt(
      Type.Array(
        Type.Object(
          {
            integrationResponseKey: Type.String({ minLength: 1 }),
            responseTemplates: opt(Type.Record(Type.String(), Type.String())),
            templateSelectionExpression: opt(Type.String()),
          },
          strict
        )
      )
    ),
  },
  strict
)

export const RouteSettingsSchema = Type.Object(
  {
    throttlingBurstLimit: opt(Type.Integer({ minimum: 0 })),
    throttlingRateLimit: opt(Type.Number({ minimum: 0 })),
    detailedMetricsEnabled: opt(Type.Boolean()),
    // WebSocket-only members: listed so that validation can say so (spec 6.1).
    dataTraceEnabled: opt(Type.Boolean()),
    loggingLevel: opt(Type.String()),
  },
  strict
)

export const AccessLogSettingsSchema = Type.Object(
  {
    format: Type.String({ minLength: 1, description: 'single-line template with $context variables' }),
    /** AWS's CloudWatch Logs group ARN: accepted; lines go to `destination` (default stdout). */
    destinationArn: opt(Type.String()),
    /** Gatehouse's own: `stdout` (default), `stderr`, `none`, or a file path (appended). */
    destination: opt(Type.String({ minLength: 1 })),
  },
  strict
)

export const StageSchema = Type.Object(
  {
    stageName: Type.String({ minLength: 1 }),
    description: opt(Type.String()),
    autoDeploy: opt(Type.Boolean()),
    stageVariables: opt(Type.Record(Type.String(), Scalar)),
    defaultRouteSettings: opt(RouteSettingsSchema),
    routeSettings: opt(Type.Record(Type.String(), RouteSettingsSchema)),
    accessLogSettings: opt(AccessLogSettingsSchema),
    tags: opt(Type.Record(Type.String(), Type.String())),
  },
  strict
)

/** Where a JWT authorizer's keys come from when not by OIDC discovery (air-gapped CI). */
export const JwksSourceSchema = Type.Object(
  {
    /** A JWKS URL to use instead of `{issuer}/.well-known/openid-configuration` → `jwks_uri`. */
    uri: opt(Type.String({ minLength: 1 })),
    /** A JWKS JSON file, relative to the config file. */
    file: opt(Type.String({ minLength: 1 })),
    /** The JWKS itself: `{ keys: [...] }`. */
    keys: opt(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
  },
  strict
)

export const AuthorizerSchema = Type.Object(
  {
    authorizerId: Type.String({ minLength: 1 }),
    name: opt(Type.String({ minLength: 1 })),
    authorizerType: Type.Union([Type.Literal('JWT'), Type.Literal('REQUEST')]),
    identitySource: opt(Type.Union([Type.Array(Type.String()), Type.String()])),
    jwtConfiguration: opt(
      Type.Object({ issuer: opt(Type.String({ minLength: 1 })), audience: opt(Type.Array(Type.String())) }, strict)
    ),
    authorizerUri: opt(Type.String({ minLength: 1 })),
    authorizerPayloadFormatVersion: opt(Scalar),
    enableSimpleResponses: opt(Type.Boolean()),
    authorizerResultTtlInSeconds: opt(Type.Integer({ minimum: 0, maximum: 3600 })),
    authorizerCredentialsArn: opt(Type.String()),
    // Gatehouse's own, for JWT authorizers:
    jwks: opt(JwksSourceSchema),
    /** Leeway for exp/nbf/iat, seconds (AWS's is undocumented; default 0). */
    clockSkewSeconds: opt(Type.Integer({ minimum: 0, maximum: 300 })),
  },
  strict
)

export const InlineApiSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    apiId: opt(Type.String()),
    protocolType: opt(Type.Union([Type.Literal('HTTP'), Type.Literal('WEBSOCKET')])),
    description: opt(Type.String()),
    version: opt(Type.String()),
    routeSelectionExpression: opt(Type.String()),
    /** WebSocket: where `$connect` finds the API key (spec 10.8). */
    apiKeySelectionExpression: opt(Type.Union([Type.Literal('$request.header.x-api-key'), Type.Literal('$context.authorizer.usageIdentifierKey')])),
    /**
     * Gatehouse's own stand-in for API keys and usage plans (spec 10.8): the keys `$connect`
     * routes with `apiKeyRequired` accept, optionally per stage.
     */
    apiKeys: opt(
      Type.Array(
        Type.Object(
          {
            value: Type.String({ minLength: 20, maxLength: 128, description: 'AWS API keys are 20-128 characters' }),
            name: opt(Type.String()),
            stages: opt(Type.Array(Type.String())),
            enabled: opt(Type.Boolean()),
          },
          strict
        )
      )
    ),
    disableExecuteApiEndpoint: opt(Type.Boolean()),
    // Checked on its own (CorsConfigurationSchema) so that its problems do not hide the routes'.
    corsConfiguration: opt(Type.Unknown()),
    // Items are checked one by one with AuthorizerSchema.
    authorizers: opt(Type.Array(Type.Unknown())),
    tags: opt(Type.Record(Type.String(), Type.String())),
    // Items are checked one by one (RouteSchema, ...) so one bad item hides nothing else.
    routes: Type.Array(Type.Unknown()),
    integrations: opt(Type.Array(Type.Unknown())),
    stages: opt(Type.Array(Type.Unknown())),
  },
  strict
)

export const OpenApiRefSchema = Type.Object(
  {
    openapi: Type.String({ minLength: 1, description: 'path to an OpenAPI 3 document, relative to the config file' }),
    name: opt(Type.String({ minLength: 1 })),
    apiId: opt(Type.String()),
    stages: opt(Type.Array(Type.Unknown())),
  },
  strict
)

/** The account-level throttle (AWS `GetAccount` `throttleSettings`); `false` turns it off. */
export const ThrottleSettingsSchema = Type.Union([
  Type.Literal(false),
  Type.Object({ rateLimit: opt(Type.Number({ minimum: 0 })), burstLimit: opt(Type.Integer({ minimum: 0 })) }, strict),
])

/** Credentials SigV4-signed requests to `AWS_IAM` routes are verified against. */
export const IamCredentialSchema = Type.Object(
  {
    accessKeyId: Type.String({ minLength: 16, maxLength: 128 }),
    secretAccessKey: Type.String({ minLength: 1 }),
    /** The caller's account (default: the gateway's `accountId`). */
    accountId: opt(Type.String({ pattern: '^[0-9]{12}$' })),
    /** The caller's ARN (default: `arn:aws:iam::{accountId}:user/{accessKeyId}`). */
    userArn: opt(Type.String()),
    /** An STS session token the requests must carry (temporary credentials). */
    sessionToken: opt(Type.String()),
  },
  strict
)

export const IamSettingsSchema = Type.Object(
  {
    credentials: Type.Array(IamCredentialSchema),
    /** Accept `X-Amz-Security-Token` (temporary credentials); default true. */
    allowSessionTokens: opt(Type.Boolean()),
    /** How far `X-Amz-Date` may be from now, seconds; default 300 (AWS's window). */
    clockSkewSeconds: opt(Type.Integer({ minimum: 0, maximum: 3600 })),
  },
  strict
)

/** An API mapping of a custom domain (`CreateApiMapping`, spec 7.2). */
export const ApiMappingSchema = Type.Object(
  {
    apiId: Type.String({ minLength: 1 }),
    stage: Type.String({ minLength: 1 }),
    apiMappingKey: opt(Type.String({ maxLength: 300 })),
    apiMappingId: opt(Type.String()),
  },
  strict
)

/** A custom domain name (`CreateDomainName`, spec 7.1), served by the HTTPS listener. */
export const DomainNameSchema = Type.Object(
  {
    domainName: Type.String({ minLength: 1, maxLength: 512 }),
    /** Gatehouse's own (AWS's is an ACM `certificateArn`): the PEM certificate chain file. */
    certificateFile: Type.String({ minLength: 1 }),
    /** Gatehouse's own: the PEM private key file of the certificate. */
    privateKeyFile: Type.String({ minLength: 1 }),
    mutualTlsAuthentication: opt(
      Type.Object({ truststoreUri: Type.String(), truststoreVersion: opt(Type.String()) }, strict)
    ),
    apiMappings: opt(Type.Array(ApiMappingSchema)),
    securityPolicy: opt(Type.Literal('TLS_1_2')),
    endpointType: opt(Type.Literal('REGIONAL')),
    tags: opt(Type.Record(Type.String(), Type.String())),
  },
  strict
)

/**
 * Gatehouse's own: the `@connections` management API. Without `iam` credentials there is
 * nothing to verify signatures against; calls are then accepted only while every listener is
 * bound to loopback, unless `allowUnsigned` says otherwise.
 */
export const ConnectionsApiSettingsSchema = Type.Object({ allowUnsigned: opt(Type.Boolean()) }, strict)

/** Scale-out (issue 8): the Redis (standalone, Sentinel or Cluster URL) nodes share throttle buckets through. */
export const RedisSettingsSchema = Type.Object({ url: Type.String({ pattern: REDIS_URL_PATTERN }) }, strict)

/** Gatehouse's own: where service integrations reach AWS services, by service name. */
export const AwsEndpointsSchema = Type.Record(Type.String({ pattern: '^[a-z0-9-]+$' }), Type.String({ pattern: '^https?://' }))
/** Gatehouse's own: credentials for service integrations (else found where the AWS SDKs look). */
export const AwsCredentialsSchema = Type.Object(
  { accessKeyId: Type.String({ minLength: 1 }), secretAccessKey: Type.String({ minLength: 1 }), sessionToken: opt(Type.String({ minLength: 1 })) },
  strict
)

/**
 * Raised service quotas (AWS Service Quotas: "Routes per API" is adjustable on request).
 * Without it the defaults of spec 13.2 hold.
 */
export const ServiceQuotasSchema = Type.Object({ routesPerApi: opt(Type.Integer({ minimum: 1 })) }, strict)

export const FileSchema = Type.Object(
  {
    serviceQuotas: opt(ServiceQuotasSchema),
    redis: opt(RedisSettingsSchema),
    awsEndpoints: opt(AwsEndpointsSchema),
    awsCredentials: opt(AwsCredentialsSchema),
    // Items are checked one by one (DomainNameSchema).
    domainNames: opt(Type.Array(Type.Unknown())),
    accountId: opt(Type.String({ pattern: '^[0-9]{12}$' })),
    iam: opt(IamSettingsSchema),
    connectionsApi: opt(ConnectionsApiSettingsSchema),
    throttleSettings: opt(ThrottleSettingsSchema),
    region: opt(Type.String({ pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]+$' })),
    functions: opt(Type.Record(Type.String(), Type.Unknown())),
    apis: Type.Array(Type.Unknown(), { minItems: 1 }),
  },
  strict
)

/** The same, for a gateway that also runs the control plane: APIs may all come from it. */
export const FileSchemaApisOptional = Type.Object({ ...FileSchema.properties, apis: opt(Type.Array(Type.Unknown())) }, strict)

export type FunctionInput = Static<typeof FunctionSchema>
export type RouteInput = Static<typeof RouteSchema>
export type IntegrationInput = Static<typeof IntegrationSchema>
export type StageInput = Static<typeof StageSchema>
export type RouteSettingsInput = Static<typeof RouteSettingsSchema>
export type InlineApiInput = Static<typeof InlineApiSchema>
export type OpenApiRefInput = Static<typeof OpenApiRefSchema>
export type FileInput = Static<typeof FileSchema>
export type AuthorizerInput = Static<typeof AuthorizerSchema>
export type IamSettingsInput = Static<typeof IamSettingsSchema>
export type DomainNameInput = Static<typeof DomainNameSchema>
export type ApiKeysInput = NonNullable<InlineApiInput['apiKeys']>
