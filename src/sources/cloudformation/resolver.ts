/**
 * @module
 * Answers `Ref` and `Fn::GetAtt` for resources. A deployed stack gets these values from
 * AWS; a locally served one needs stand-ins. The caller can plug in its own resolver; the
 * default one knows the resource types an HTTP/WebSocket API template is made of and
 * derives stable ids and ARNs for them (see ids.ts for the naming rules).
 */
import type { TemplatePath } from './errors.js'
import { derivedApiId, derivedSubresourceId, generatedPhysicalName } from './ids.js'
import { UNRESOLVED } from './intrinsics.js'

/**
 * `attribute` is null for `Ref`. Return undefined when the resource or attribute is unknown
 * (the engine then reports "unresolvable Ref" / "has no attribute"), or UNRESOLVED after
 * a problem was already reported for it.
 */
export type ResourceResolver = (logicalId: string, attribute: string | null, path: TemplatePath) => unknown

export interface ResolverContext {
  readonly region: string
  readonly accountId: string
  readonly stackName: string
  readonly partition: string
  readonly urlSuffix: string
  /** True when the template uses the SAM transform (implicit resources such as ServerlessHttpApi exist). */
  readonly sam: boolean
  /** The Type of a declared (and created) resource. */
  resourceType(logicalId: string): string | undefined
  /**
   * A resource's evaluated property: undefined when absent, UNRESOLVED when its evaluation
   * failed (a problem was reported, e.g. a circular reference).
   */
  property(logicalId: string, name: string): unknown
}

export type ResolverFactory = (context: ResolverContext) => ResourceResolver

/** Lambda function names are at most 64 characters. */
export const LAMBDA_FUNCTION_NAME_MAX_LENGTH = 64
/** IAM role names are at most 64 characters. */
export const IAM_ROLE_NAME_MAX_LENGTH = 64
/** Physical-name limits of the services service integrations call (AWS's). */
export const SQS_QUEUE_NAME_MAX_LENGTH = 80
export const DYNAMODB_TABLE_NAME_MAX_LENGTH = 255
export const KINESIS_STREAM_NAME_MAX_LENGTH = 128
export const STATE_MACHINE_NAME_MAX_LENGTH = 80
/** The logical id SAM gives the HTTP API it creates for HttpApi events without an ApiId. */
export const SAM_IMPLICIT_HTTP_API = 'ServerlessHttpApi'
/** The logical id SAM gives the REST API it creates for Api events without a RestApiId. */
export const SAM_IMPLICIT_REST_API = 'ServerlessRestApi'
/** SAM creates `<FunctionLogicalId>Role` for a function without a Role property. */
export const SAM_IMPLICIT_ROLE_SUFFIX = 'Role'

/** Route, integration and authorizer-like types: Ref and their `<Kind>Id` attribute give a derived id. */
const SUBRESOURCE_ID_ATTRIBUTE: Readonly<Record<string, string>> = {
  'AWS::ApiGatewayV2::Route': 'RouteId',
  'AWS::ApiGatewayV2::Integration': 'IntegrationId',
  'AWS::ApiGatewayV2::Authorizer': 'AuthorizerId',
  'AWS::ApiGatewayV2::Deployment': 'DeploymentId',
  'AWS::ApiGatewayV2::RouteResponse': 'RouteResponseId',
  'AWS::ApiGatewayV2::IntegrationResponse': 'IntegrationResponseId',
  'AWS::ApiGatewayV2::Model': 'ModelId',
}

export function createDefaultResolver(ctx: ResolverContext): ResourceResolver {
  const { partition, region, accountId, stackName, urlSuffix } = ctx

  /** An explicit name property if given (UNRESOLVED if it failed), else GENERATED_NAME_RULE. */
  const nameOf = (logicalId: string, property: string, maxLength: number): unknown => {
    const given = ctx.property(logicalId, property)
    if (given === UNRESOLVED || typeof given === 'string') return given
    return generatedPhysicalName(stackName, logicalId, maxLength)
  }
  const typeOf = (logicalId: string): string | undefined => {
    const declared = ctx.resourceType(logicalId)
    if (declared !== undefined || !ctx.sam) return declared
    if (logicalId === SAM_IMPLICIT_HTTP_API) return 'AWS::Serverless::HttpApi'
    if (logicalId === SAM_IMPLICIT_REST_API) return 'AWS::Serverless::Api'
    if (logicalId.endsWith(SAM_IMPLICIT_ROLE_SUFFIX)) {
      const fn = logicalId.slice(0, -SAM_IMPLICIT_ROLE_SUFFIX.length)
      if (ctx.resourceType(fn) === 'AWS::Serverless::Function' && ctx.property(fn, 'Role') === undefined) return 'AWS::IAM::Role'
    }
    return undefined
  }
  const apiEndpoint = (apiId: string, websocket: boolean): string =>
    `${websocket ? 'wss' : 'https'}://${apiId}.execute-api.${region}.${urlSuffix}`

  return (logicalId, attribute) => {
    const type = typeOf(logicalId)
    if (type === undefined) return undefined
    switch (type) {
      case 'AWS::Lambda::Function':
      case 'AWS::Serverless::Function': {
        const name = nameOf(logicalId, 'FunctionName', LAMBDA_FUNCTION_NAME_MAX_LENGTH)
        if (attribute === null || name === UNRESOLVED) return name
        if (attribute === 'Arn') return `arn:${partition}:lambda:${region}:${accountId}:function:${String(name)}`
        return undefined
      }
      case 'AWS::ApiGatewayV2::Api':
      case 'AWS::Serverless::HttpApi':
      case 'AWS::Serverless::Api': {
        const apiId = derivedApiId(logicalId)
        if (attribute === null || attribute === 'ApiId' || attribute === 'RestApiId') return apiId
        if (attribute === 'ApiEndpoint' && type !== 'AWS::Serverless::Api') {
          const protocol = type === 'AWS::ApiGatewayV2::Api' ? ctx.property(logicalId, 'ProtocolType') : 'HTTP'
          if (protocol === UNRESOLVED) return UNRESOLVED
          return apiEndpoint(apiId, protocol === 'WEBSOCKET')
        }
        return undefined
      }
      case 'AWS::ApiGatewayV2::Stage': {
        if (attribute !== null) return undefined
        const stageName = ctx.property(logicalId, 'StageName')
        return stageName === undefined ? logicalId : stageName
      }
      case 'AWS::IAM::Role': {
        const name = nameOf(logicalId, 'RoleName', IAM_ROLE_NAME_MAX_LENGTH)
        if (attribute === null || name === UNRESOLVED) return name
        if (attribute !== 'Arn') return undefined
        const rolePath = ctx.property(logicalId, 'Path')
        if (rolePath === UNRESOLVED) return UNRESOLVED
        return `arn:${partition}:iam::${accountId}:role${typeof rolePath === 'string' ? rolePath : '/'}${String(name)}`
      }
      // The services that service integrations call: their names, URLs and ARNs as AWS forms them.
      case 'AWS::SQS::Queue': {
        const fifo = ctx.property(logicalId, 'FifoQueue') === true || ctx.property(logicalId, 'FifoQueue') === 'true'
        const given = ctx.property(logicalId, 'QueueName')
        if (given === UNRESOLVED) return UNRESOLVED
        // A generated FIFO queue name keeps the `.fifo` suffix AWS requires.
        const name = typeof given === 'string' ? given : generatedPhysicalName(stackName, logicalId, fifo ? SQS_QUEUE_NAME_MAX_LENGTH - 5 : SQS_QUEUE_NAME_MAX_LENGTH) + (fifo ? '.fifo' : '')
        const url = `https://sqs.${region}.${urlSuffix}/${accountId}/${name}`
        if (attribute === null || attribute === 'QueueUrl') return url
        if (attribute === 'QueueName') return name
        if (attribute === 'Arn') return `arn:${partition}:sqs:${region}:${accountId}:${name}`
        return undefined
      }
      case 'AWS::DynamoDB::Table':
      case 'AWS::Serverless::SimpleTable': {
        const name = nameOf(logicalId, 'TableName', DYNAMODB_TABLE_NAME_MAX_LENGTH)
        if (attribute === null || name === UNRESOLVED) return name
        if (attribute === 'Arn') return `arn:${partition}:dynamodb:${region}:${accountId}:table/${String(name)}`
        return undefined
      }
      case 'AWS::Kinesis::Stream': {
        const name = nameOf(logicalId, 'Name', KINESIS_STREAM_NAME_MAX_LENGTH)
        if (attribute === null || name === UNRESOLVED) return name
        if (attribute === 'Arn') return `arn:${partition}:kinesis:${region}:${accountId}:stream/${String(name)}`
        return undefined
      }
      case 'AWS::Events::EventBus': {
        const name = ctx.property(logicalId, 'Name')
        if (name === UNRESOLVED) return UNRESOLVED
        if (attribute === null || attribute === 'Name') return name ?? logicalId
        if (attribute === 'Arn') return `arn:${partition}:events:${region}:${accountId}:event-bus/${String(name ?? logicalId)}`
        return undefined
      }
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::Serverless::StateMachine': {
        const name = nameOf(logicalId, type === 'AWS::Serverless::StateMachine' ? 'Name' : 'StateMachineName', STATE_MACHINE_NAME_MAX_LENGTH)
        if (name === UNRESOLVED) return name
        const arn = `arn:${partition}:states:${region}:${accountId}:stateMachine:${String(name)}`
        if (attribute === null || attribute === 'Arn') return arn
        if (attribute === 'Name') return name
        return undefined
      }
      default: {
        const idAttribute = SUBRESOURCE_ID_ATTRIBUTE[type]
        if (idAttribute !== undefined && (attribute === null || attribute === idAttribute)) return derivedSubresourceId(logicalId)
        // Other types: Ref gives the logical id (a readable stand-in for a physical id); attributes are unknown.
        return attribute === null ? logicalId : undefined
      }
    }
  }
}
