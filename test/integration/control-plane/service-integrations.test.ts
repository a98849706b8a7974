// AWS service integrations created through the management API with the AWS SDK v3: an HTTP API
// first-class integration (AWS_PROXY + SQS-SendMessage) and a WebSocket AWS (non-proxy)
// integration with a request template, both served at once by the data plane. The services are
// loopback stand-ins (test/helpers/aws-stand-in.ts) that check each call's SigV4 signature with
// the official AWS signer and record the exact request, as in first-class-integrations.test.ts
// and websocket-aws.test.ts. A WebSocket AWS integration with a Lambda invocation ARN runs a
// function from CreateFunction. Refusals are BadRequestException with byte-exact messages.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  CreateApiCommand,
  CreateIntegrationCommand,
  CreateIntegrationResponseCommand,
  CreateRouteCommand,
  CreateRouteResponseCommand,
  CreateStageCommand,
  ExportApiCommand,
  GetIntegrationCommand,
  GetIntegrationsCommand,
  ImportApiCommand,
  UpdateIntegrationCommand,
} from '@aws-sdk/client-apigatewayv2'
import { http } from '../../helpers/http.js'
import { CreateFunctionCommand } from '@aws-sdk/client-lambda'
import { apiHost, startControlPlane, zipOf } from '../../helpers/control-plane.js'
import { connectClient, wsUrl } from '../../helpers/ws-client.js'
import { startAwsStandIn, type ServiceRequest } from '../../helpers/aws-stand-in.js'
import { SQS_API_VERSION } from '../../../src/integrations/index.js'

// The SDK clients and apiHost() use us-east-1; the services are signed for the config's region.
const REGION = 'us-east-1'
const CREDENTIALS = { accessKeyId: 'AKIDCONTROLPLANE', secretAccessKey: 'control-plane-secret' }
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders'
const ROLE = 'arn:aws:iam::123456789012:role/apigw-send'
const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:fn'
const form = (body: string): Array<[string, string]> => [...new URLSearchParams(body)]

async function rejects(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(err.name, 'BadRequestException')
    assert.equal(err.message, message)
    assert.equal(err.$metadata?.httpStatusCode, 400)
    return true
  })
}

test('an SQS-SendMessage integration created with the SDK sends signed SendMessage calls; Get and Update show and change it', async (t) => {
  const sqs = await startAwsStandIn(t, { region: REGION, service: 'sqs', credentials: CREDENTIALS }, () => ({
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ SendMessageResponse: { ResponseMetadata: { RequestId: 'r-send' }, SendMessageResult: { MessageId: 'm-1' } } }),
  }))
  const { apigw, url } = await startControlPlane(t, { config: { region: REGION, awsEndpoints: { sqs: sqs.origin }, awsCredentials: CREDENTIALS } })
  const { ApiId } = await apigw.send(new CreateApiCommand({ Name: 'orders', ProtocolType: 'HTTP' }))
  const apiId = ApiId as string
  const created = await apigw.send(
    new CreateIntegrationCommand({
      ApiId: apiId,
      IntegrationType: 'AWS_PROXY',
      IntegrationSubtype: 'SQS-SendMessage',
      PayloadFormatVersion: '1.0',
      CredentialsArn: ROLE,
      RequestParameters: { QueueUrl: '$stageVariables.queue', MessageBody: '$request.body.message', MessageAttributes: '{"source": {"DataType": "String", "StringValue": "${request.header.x-source}"}}' },
    })
  )
  assert.equal(created.IntegrationSubtype, 'SQS-SendMessage')
  assert.equal(created.IntegrationType, 'AWS_PROXY')
  assert.equal(created.IntegrationUri, undefined, 'the subtype names the action')
  assert.equal(created.CredentialsArn, ROLE)
  assert.equal(created.PayloadFormatVersion, '1.0')
  assert.equal(created.ConnectionType, 'INTERNET')
  assert.equal(created.TimeoutInMillis, 30000)
  await apigw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'POST /orders', Target: `integrations/${created.IntegrationId}` }))
  await apigw.send(new CreateStageCommand({ ApiId: apiId, StageName: '$default', AutoDeploy: true, StageVariables: { queue: QUEUE } }))

  const sent = await http(`${url}/orders`, { method: 'POST', headers: { host: apiHost(apiId), 'content-type': 'application/json', 'x-source': 'web shop' }, body: JSON.stringify({ message: 'order #1 & more' }) })
  assert.equal(sent.status, 200)
  assert.equal(sent.headers['content-type'], 'application/json')
  assert.deepEqual(sent.json(), { SendMessageResponse: { ResponseMetadata: { RequestId: 'r-send' }, SendMessageResult: { MessageId: 'm-1' } } })
  const call = sqs.requests[0] as ServiceRequest
  assert.equal(call.signatureProblem, null, 'the signature checks out with the AWS signer')
  assert.equal(call.method, 'POST')
  assert.equal(call.path, '/')
  assert.equal(call.headers['content-type'], 'application/x-www-form-urlencoded; charset=utf-8')
  assert.deepEqual(form(call.body), [
    ['Action', 'SendMessage'],
    ['QueueUrl', QUEUE],
    ['MessageBody', 'order #1 & more'],
    ['MessageAttribute.1.Name', 'source'],
    ['MessageAttribute.1.Value.DataType', 'String'],
    ['MessageAttribute.1.Value.StringValue', 'web shop'],
    ['Version', SQS_API_VERSION],
  ])

  const got = await apigw.send(new GetIntegrationCommand({ ApiId: apiId, IntegrationId: created.IntegrationId }))
  assert.equal(got.IntegrationSubtype, 'SQS-SendMessage')
  assert.deepEqual(got.RequestParameters, created.RequestParameters)
  assert.equal((await apigw.send(new GetIntegrationsCommand({ ApiId: apiId }))).Items?.[0]?.IntegrationSubtype, 'SQS-SendMessage')

  // An update that leaves out a required parameter is refused and the running API is kept.
  await rejects(
    apigw.send(new UpdateIntegrationCommand({ ApiId: apiId, IntegrationId: created.IntegrationId, RequestParameters: { QueueUrl: '$stageVariables.queue' } })),
    'integrationSubtype SQS-SendMessage requires requestParameters MessageBody'
  )
  const updated = await apigw.send(
    new UpdateIntegrationCommand({ ApiId: apiId, IntegrationId: created.IntegrationId, RequestParameters: { QueueUrl: '$stageVariables.queue', MessageBody: '$request.body.text', DelaySeconds: '3' } })
  )
  assert.deepEqual(updated.RequestParameters, { QueueUrl: '$stageVariables.queue', MessageBody: '$request.body.text', DelaySeconds: '3' })
  const again = await http(`${url}/orders`, { method: 'POST', headers: { host: apiHost(apiId), 'content-type': 'application/json' }, body: JSON.stringify({ text: 'second' }) })
  assert.equal(again.status, 200)
  assert.deepEqual(form((sqs.requests[1] as ServiceRequest).body), [
    ['Action', 'SendMessage'],
    ['QueueUrl', QUEUE],
    ['MessageBody', 'second'],
    ['DelaySeconds', '3'],
    ['Version', SQS_API_VERSION],
  ])
})

test('first-class integrations are checked against the integration subtype reference', async (t) => {
  const { apigw } = await startControlPlane(t)
  const { ApiId } = await apigw.send(new CreateApiCommand({ Name: 'h', ProtocolType: 'HTTP' }))
  const sqs = (extra: Record<string, unknown>) =>
    apigw.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'AWS_PROXY', IntegrationSubtype: 'SQS-SendMessage', PayloadFormatVersion: '1.0', ...extra }))
  await rejects(sqs({}), 'requestParameters is required for integrationSubtype SQS-SendMessage (QueueUrl, MessageBody)')
  await rejects(sqs({ RequestParameters: { QueueUrl: QUEUE } }), 'integrationSubtype SQS-SendMessage requires requestParameters MessageBody')
  await rejects(
    sqs({ RequestParameters: { QueueUrl: QUEUE, MessageBody: 'b', Body: 'x' } }),
    'integrationSubtype SQS-SendMessage takes no parameter "Body"; it takes QueueUrl, MessageBody, DelaySeconds, MessageAttributes, MessageDeduplicationId, MessageGroupId, MessageSystemAttributes, Region'
  )
  await rejects(
    sqs({ RequestParameters: { QueueUrl: QUEUE, MessageBody: '$request.nowhere' } }),
    'Invalid mapping expression for requestParameters "MessageBody": $request.nowhere is not a mapping variable: use $request.header.<name>, $request.querystring.<name>, $request.path[.<name>] or $request.body[.<path>]'
  )
  await rejects(sqs({ PayloadFormatVersion: '2.0', RequestParameters: { QueueUrl: QUEUE, MessageBody: 'b' } }), 'payloadFormatVersion must be 1.0 for integrationSubtype SQS-SendMessage')
  await rejects(sqs({ PayloadFormatVersion: undefined, RequestParameters: { QueueUrl: QUEUE, MessageBody: 'b' } }), 'payloadFormatVersion is required for HTTP API integrations')
  await rejects(sqs({ IntegrationUri: LAMBDA, RequestParameters: { QueueUrl: QUEUE, MessageBody: 'b' } }), 'integrationUri is not supported for integrationSubtype SQS-SendMessage: the subtype names the AWS action')
  await rejects(sqs({ CredentialsArn: 'role/send', RequestParameters: { QueueUrl: QUEUE, MessageBody: 'b' } }), 'Invalid credentialsArn specified: "role/send" is not an IAM role ARN')
  await rejects(
    sqs({ IntegrationSubtype: 'SNS-Publish', RequestParameters: {} }),
    'Invalid integrationSubtype specified: "SNS-Publish". Must be one of [SQS-SendMessage, SQS-ReceiveMessage, SQS-DeleteMessage, SQS-PurgeQueue, EventBridge-PutEvents, Kinesis-PutRecord, StepFunctions-StartExecution, StepFunctions-StartSyncExecution, StepFunctions-StopExecution, AppConfig-GetConfiguration]'
  )
  await rejects(
    apigw.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'HTTP_PROXY', IntegrationSubtype: 'SQS-SendMessage', IntegrationMethod: 'POST', PayloadFormatVersion: '1.0', RequestParameters: { QueueUrl: QUEUE, MessageBody: 'b' } })),
    'integrationSubtype is supported only for integrationType AWS_PROXY, not HTTP_PROXY'
  )
  const events = await apigw.send(
    new CreateIntegrationCommand({ ApiId, IntegrationType: 'AWS_PROXY', IntegrationSubtype: 'EventBridge-PutEvents', PayloadFormatVersion: '1.0', RequestParameters: { Detail: '$request.body', DetailType: 'order', Source: 'shop' } })
  )
  assert.equal(events.IntegrationSubtype, 'EventBridge-PutEvents')

  const { ApiId: wsId } = await apigw.send(new CreateApiCommand({ Name: 'w', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' }))
  await rejects(
    apigw.send(new CreateIntegrationCommand({ ApiId: wsId, IntegrationType: 'AWS_PROXY', IntegrationSubtype: 'SQS-SendMessage', RequestParameters: { QueueUrl: QUEUE, MessageBody: 'b' } })),
    'integrationSubtype is not supported for WEBSOCKET APIs'
  )
})

test('ImportApi and ExportApi carry a first-class integration in x-amazon-apigateway-integration', async (t) => {
  const { apigw } = await startControlPlane(t)
  const integration = {
    type: 'aws_proxy',
    integrationSubtype: 'SQS-SendMessage',
    credentials: ROLE,
    requestParameters: { QueueUrl: QUEUE, MessageBody: '$request.body' },
    payloadFormatVersion: '1.0',
    connectionType: 'INTERNET',
  }
  const body = { openapi: '3.0.1', info: { title: 'imported', version: '1' }, paths: { '/orders': { post: { 'x-amazon-apigateway-integration': integration } } } }
  const { ApiId } = await apigw.send(new ImportApiCommand({ Body: JSON.stringify(body) }))
  const stored = (await apigw.send(new GetIntegrationsCommand({ ApiId }))).Items?.[0]
  assert.equal(stored?.IntegrationSubtype, 'SQS-SendMessage')
  assert.equal(stored?.CredentialsArn, ROLE)
  assert.equal(stored?.IntegrationUri, undefined)
  const exported = await apigw.send(new ExportApiCommand({ ApiId, Specification: 'OAS30', OutputType: 'JSON' }))
  const doc = JSON.parse(Buffer.from(exported.body ?? new Uint8Array()).toString('utf8')) as { paths: Record<string, Record<string, Record<string, unknown>>> }
  assert.deepEqual(doc.paths['/orders']?.['post']?.['x-amazon-apigateway-integration'], { ...integration, timeoutInMillis: 30000 })
})

test('WebSocket AWS integrations: service ARN, method, credentials and templates are checked; what Gatehouse cannot call is named', async (t) => {
  const { apigw } = await startControlPlane(t)
  const { ApiId } = await apigw.send(new CreateApiCommand({ Name: 'w', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' }))
  const aws = (extra: Record<string, unknown>) =>
    apigw.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'AWS', IntegrationUri: 'arn:aws:apigateway:us-east-1:dynamodb:action/PutItem', IntegrationMethod: 'POST', ...extra }))
  await rejects(aws({ IntegrationUri: undefined }), 'integrationUri is required for integrationType AWS')
  await rejects(
    aws({ IntegrationUri: 'arn:aws:dynamodb:us-east-1:123456789012:table/t' }),
    'Invalid integrationUri specified for AWS: "arn:aws:dynamodb:us-east-1:123456789012:table/t" is not an API Gateway service ARN: arn:aws:apigateway:{region}:{service}:action/{Action} or ...:path/{path}'
  )
  await rejects(aws({ IntegrationUri: 'arn:aws:apigateway:us-east-1:ec2:action/RunInstances' }), 'AWS service "ec2" is not served by Gatehouse; it calls dynamodb, sqs, kinesis, events, states, firehose, logs, appconfig, sns, lambda, s3')
  await rejects(aws({ IntegrationUri: 'arn:aws:apigateway:us-east-1:sns:action/Publish' }), 'action/ URIs for sns are not served by Gatehouse (it calls actions of JSON-protocol services); use a path/ URI')
  await rejects(aws({ IntegrationMethod: undefined }), 'integrationMethod is required for integrationType AWS')
  await rejects(aws({ CredentialsArn: 'arn:aws:s3:::bucket' }), 'Invalid credentialsArn specified: "arn:aws:s3:::bucket" is not an IAM role ARN')
  await rejects(aws({ RequestTemplates: { $default: '#if($x)a' } }), 'Invalid requestTemplates "$default": VTL syntax error: #if has no #end (template line 1, column 1)')
  await rejects(aws({ PassthroughBehavior: 'SOMETIMES' }), 'Invalid passthroughBehavior specified: "SOMETIMES". Must be one of [WHEN_NO_MATCH, NEVER, WHEN_NO_TEMPLATES]')
  const lambda = await aws({ IntegrationUri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${LAMBDA}/invocations`, RequestTemplates: { $default: '{"m": $input.body}' } })
  assert.equal(lambda.IntegrationType, 'AWS')
  assert.equal(lambda.PassthroughBehavior, 'WHEN_NO_MATCH')
})

test('a WebSocket AWS integration created with the SDK renders its request template into a signed DynamoDB PutItem', async (t) => {
  const dynamodb = await startAwsStandIn(t, { region: REGION, service: 'dynamodb', credentials: CREDENTIALS }, () => ({ status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: '{}' }))
  const { apigw, url } = await startControlPlane(t, { config: { region: REGION, awsEndpoints: { dynamodb: dynamodb.origin }, awsCredentials: CREDENTIALS } })
  const { ApiId } = await apigw.send(new CreateApiCommand({ Name: 'chat', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' }))
  const apiId = ApiId as string
  const template = `{"TableName": "$stageVariables.table", "Item": {"connectionId": {"S": "$context.connectionId"}, "text": {"S": "$util.escapeJavaScript($input.path('$.text'))"}}}`
  const integration = await apigw.send(
    new CreateIntegrationCommand({
      ApiId: apiId,
      IntegrationType: 'AWS',
      IntegrationUri: 'arn:aws:apigateway:us-east-1:dynamodb:action/PutItem',
      IntegrationMethod: 'POST',
      CredentialsArn: 'arn:aws:iam::123456789012:role/chat-dynamodb',
      RequestTemplates: { $default: template },
      TemplateSelectionExpression: '\\$default',
      PassthroughBehavior: 'NEVER',
    })
  )
  assert.equal(integration.IntegrationResponseSelectionExpression, '${integration.response.statuscode}')
  assert.equal(integration.TimeoutInMillis, 29000)
  await apigw.send(new CreateIntegrationResponseCommand({ ApiId: apiId, IntegrationId: integration.IntegrationId, IntegrationResponseKey: '$default', ResponseTemplates: { $default: '{"saved": true}' } }))
  const route = await apigw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'save', Target: `integrations/${integration.IntegrationId}`, RouteResponseSelectionExpression: '$default' }))
  await apigw.send(new CreateRouteResponseCommand({ ApiId: apiId, RouteId: route.RouteId, RouteResponseKey: '$default' }))
  await apigw.send(new CreateStageCommand({ ApiId: apiId, StageName: 'live', AutoDeploy: true, StageVariables: { table: 'Messages' } }))

  const client = await connectClient(t, wsUrl(url, '/live'), { headers: { host: apiHost(apiId) } })
  assert.equal(await client.say(JSON.stringify({ action: 'save', text: 'hi "there"' })), '{"saved": true}')
  const put = dynamodb.requests[0] as ServiceRequest
  assert.equal(put.signatureProblem, null, 'the signature checks out with the AWS signer')
  assert.equal(put.target, 'DynamoDB_20120810.PutItem')
  assert.equal(put.headers['content-type'], 'application/x-amz-json-1.0')
  const item = JSON.parse(put.body) as { TableName: string; Item: { connectionId: { S: string }; text: { S: string } } }
  assert.equal(item.TableName, 'Messages')
  assert.equal(item.Item.text.S, 'hi "there"')
  assert.match(item.Item.connectionId.S, /\S/)

  const got = await apigw.send(new GetIntegrationCommand({ ApiId: apiId, IntegrationId: integration.IntegrationId }))
  assert.equal(got.PassthroughBehavior, 'NEVER')
  assert.deepEqual(got.RequestTemplates, { $default: template })
  assert.equal(got.CredentialsArn, 'arn:aws:iam::123456789012:role/chat-dynamodb')
  client.ws.close()
})

test('a WebSocket AWS integration with a Lambda invocation ARN runs the function created with CreateFunction (Lambda non-proxy)', async (t) => {
  const { apigw, lambda, url } = await startControlPlane(t)
  const handler = 'export const handler = async (event) => ({ echoed: event.said })\n'
  await lambda.send(new CreateFunctionCommand({ FunctionName: 'echo', Runtime: 'nodejs20.x', Role: 'arn:aws:iam::123456789012:role/r', Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.mjs': handler }) } }))
  const { ApiId } = await apigw.send(new CreateApiCommand({ Name: 'custom', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' }))
  const apiId = ApiId as string
  const integration = await apigw.send(
    new CreateIntegrationCommand({
      ApiId: apiId,
      IntegrationType: 'AWS',
      IntegrationUri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:echo/invocations',
      IntegrationMethod: 'POST',
      RequestTemplates: { $default: `{"said": $input.json('$.text')}` },
    })
  )
  assert.equal(integration.IntegrationResponseSelectionExpression, undefined)
  await apigw.send(new CreateIntegrationResponseCommand({ ApiId: apiId, IntegrationId: integration.IntegrationId, IntegrationResponseKey: '$default', ResponseTemplates: { $default: `{"reply": "$input.path('$.echoed')"}` } }))
  const route = await apigw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'echo', Target: `integrations/${integration.IntegrationId}`, RouteResponseSelectionExpression: '$default' }))
  await apigw.send(new CreateRouteResponseCommand({ ApiId: apiId, RouteId: route.RouteId, RouteResponseKey: '$default' }))
  await apigw.send(new CreateStageCommand({ ApiId: apiId, StageName: 'live', AutoDeploy: true }))
  const client = await connectClient(t, wsUrl(url, '/live'), { headers: { host: apiHost(apiId) } })
  assert.equal(await client.say(JSON.stringify({ action: 'echo', text: 'hello' })), '{"reply": "hello"}')
  client.ws.close()
})
