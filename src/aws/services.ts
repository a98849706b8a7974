/**
 * @module
 * What the gateway knows of each AWS service it can call: the name in API Gateway service
 * ARNs (`arn:aws:apigateway:{region}:{service}:...`), the SigV4 signing name, the endpoint
 * host prefix, the SDK service id that names its `AWS_ENDPOINT_URL_<ID>` variable, and for
 * services on the JSON protocol, the `X-Amz-Target` prefix and content type an `action/`
 * call needs. Query-protocol services (SNS, STS, ...) are reached with `path/` URIs.
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
 */

export interface AwsService {
  /** The name in service ARNs and in `awsEndpoints`. */
  readonly name: string
  readonly signingName: string
  /** `{hostPrefix}.{region}.amazonaws.com` */
  readonly hostPrefix: string
  /** `AWS_ENDPOINT_URL_{envId}` */
  readonly envId: string
  /** JSON protocol: `X-Amz-Target: {targetPrefix}.{Action}` and `application/x-amz-json-{jsonVersion}`. */
  readonly json: { readonly targetPrefix: string; readonly jsonVersion: '1.0' | '1.1' } | null
}

const SERVICES: readonly AwsService[] = [
  { name: 'dynamodb', signingName: 'dynamodb', hostPrefix: 'dynamodb', envId: 'DYNAMODB', json: { targetPrefix: 'DynamoDB_20120810', jsonVersion: '1.0' } },
  { name: 'sqs', signingName: 'sqs', hostPrefix: 'sqs', envId: 'SQS', json: { targetPrefix: 'AmazonSQS', jsonVersion: '1.0' } },
  { name: 'kinesis', signingName: 'kinesis', hostPrefix: 'kinesis', envId: 'KINESIS', json: { targetPrefix: 'Kinesis_20131202', jsonVersion: '1.1' } },
  { name: 'events', signingName: 'events', hostPrefix: 'events', envId: 'EVENTBRIDGE', json: { targetPrefix: 'AWSEvents', jsonVersion: '1.1' } },
  { name: 'states', signingName: 'states', hostPrefix: 'states', envId: 'SFN', json: { targetPrefix: 'AWSStepFunctions', jsonVersion: '1.0' } },
  { name: 'firehose', signingName: 'firehose', hostPrefix: 'firehose', envId: 'FIREHOSE', json: { targetPrefix: 'Firehose_20150804', jsonVersion: '1.1' } },
  { name: 'logs', signingName: 'logs', hostPrefix: 'logs', envId: 'CLOUDWATCH_LOGS', json: { targetPrefix: 'Logs_20140328', jsonVersion: '1.1' } },
  { name: 'appconfig', signingName: 'appconfig', hostPrefix: 'appconfig', envId: 'APPCONFIG', json: null },
  { name: 'sns', signingName: 'sns', hostPrefix: 'sns', envId: 'SNS', json: null },
  { name: 'lambda', signingName: 'lambda', hostPrefix: 'lambda', envId: 'LAMBDA', json: null },
  { name: 's3', signingName: 's3', hostPrefix: 's3', envId: 'S3', json: null },
]

const BY_NAME = new Map(SERVICES.map((s) => [s.name, s]))

export function awsService(name: string): AwsService | undefined {
  return BY_NAME.get(name)
}

export function awsServiceNames(): string[] {
  return SERVICES.map((s) => s.name)
}

/**
 * Where calls to `service` go: `awsEndpoints[name]`, then `AWS_ENDPOINT_URL_{ID}`, then
 * `AWS_ENDPOINT_URL`, then AWS's regional endpoint (what the SDKs do).
 */
export function serviceEndpoint(service: AwsService, region: string, configured: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv): { url: URL; source: string } {
  const given = configured[service.name]
  if (given !== undefined) return { url: new URL(given), source: `awsEndpoints.${service.name}` }
  const specific = env[`AWS_ENDPOINT_URL_${service.envId}`]
  if (specific !== undefined && specific !== '') return { url: new URL(specific), source: `AWS_ENDPOINT_URL_${service.envId}` }
  const global = env['AWS_ENDPOINT_URL']
  if (global !== undefined && global !== '') return { url: new URL(global), source: 'AWS_ENDPOINT_URL' }
  return { url: new URL(`https://${service.hostPrefix}.${region}.amazonaws.com`), source: 'AWS' }
}
