// HTTP API first-class integrations (spec 4.5): `AWS_PROXY` + `integrationSubtype`. Each
// service is a loopback stand-in (test/helpers/aws-stand-in.ts) that checks the SigV4
// signature with the official AWS signer and records the exact request (action, headers,
// body), then answers as the service does; the gateway is real, on port 0, and the client is
// undici. What the client gets back is the service's status and body with its Content-Type.
//
// Provisional (spec [UNCONFIRMED]): SQS is called with the query protocol and
// `Accept: application/json` (SQS_API_VERSION); Kinesis `Data` is sent base64-encoded;
// service errors are passed back as they are.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway } from '../helpers/gateway.js'
import { http } from '../helpers/http.js'
import { startAwsStandIn, type ServiceAnswer, type ServiceRequest, type StandIn } from '../helpers/aws-stand-in.js'
import { SQS_API_VERSION } from '../../src/integrations/index.js'

type Json = Record<string, unknown>
const REGION = 'eu-west-1'
const CREDENTIALS = { accessKeyId: 'AKIDFIRSTCLASS', secretAccessKey: 'first-class-secret' }
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders'

function route(routeKey: string, integrationId: string, integrationSubtype: string, requestParameters: Record<string, string>, extra: Json = {}): { route: Json; integration: Json } {
  return {
    route: { routeKey, target: `integrations/${integrationId}` },
    integration: {
      integrationId,
      integrationType: 'AWS_PROXY',
      integrationSubtype,
      payloadFormatVersion: '1.0',
      credentialsArn: 'arn:aws:iam::123456789012:role/apigw-first-class',
      requestParameters,
      ...extra,
    },
  }
}

function config(endpoints: Record<string, string>, pairs: ReadonlyArray<{ route: Json; integration: Json }>): Json {
  return {
    region: REGION,
    awsEndpoints: endpoints,
    awsCredentials: CREDENTIALS,
    apis: [{ name: 'first-class', apiId: 'firstcls01', routes: pairs.map((p) => p.route), integrations: pairs.map((p) => p.integration), stages: [{ stageName: '$default', stageVariables: { queue: QUEUE } }] }],
  }
}

async function standIn(t: TestContext, service: string, answer: (req: ServiceRequest) => ServiceAnswer | Promise<ServiceAnswer>, region = REGION): Promise<StandIn> {
  return startAwsStandIn(t, { region, service, credentials: CREDENTIALS }, answer)
}

const form = (body: string): Array<[string, string]> => [...new URLSearchParams(body)]

test('SQS-SendMessage/ReceiveMessage/DeleteMessage/PurgeQueue: signed query-protocol calls; the JSON answer goes back to the client', async (t) => {
  const sqs = await standIn(t, 'sqs', (req) => {
    const action = new URLSearchParams(req.body).get('Action')
    if (action === 'SendMessage' && new URLSearchParams(req.body).get('MessageBody') === 'fail') {
      return { status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Error: { Code: 'InvalidParameterValue', Message: 'nope', Type: 'Sender' }, RequestId: 'r-1' }) }
    }
    const bodies: Record<string, Json> = {
      SendMessage: { SendMessageResponse: { ResponseMetadata: { RequestId: 'r-send' }, SendMessageResult: { MD5OfMessageAttributes: null, MD5OfMessageBody: 'abc', MessageId: 'm-1', SequenceNumber: null } } },
      ReceiveMessage: { ReceiveMessageResponse: { ReceiveMessageResult: { messages: [{ Body: 'hello', ReceiptHandle: 'rh-1' }] } } },
      DeleteMessage: { DeleteMessageResponse: { ResponseMetadata: { RequestId: 'r-del' } } },
      PurgeQueue: { PurgeQueueResponse: { ResponseMetadata: { RequestId: 'r-purge' } } },
    }
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(bodies[action ?? ''] ?? {}) }
  })
  const g = await startGateway(
    t,
    config({ sqs: sqs.origin }, [
      route('POST /orders', 'send', 'SQS-SendMessage', {
        QueueUrl: '$stageVariables.queue',
        MessageBody: '$request.body.message',
        DelaySeconds: '$request.querystring.delay',
        MessageAttributes: '{"source": {"DataType": "String", "StringValue": "${request.header.x-source}"}}',
        MessageGroupId: '${context.requestId}',
      }),
      route('GET /orders', 'receive', 'SQS-ReceiveMessage', { QueueUrl: '$stageVariables.queue', MaxNumberOfMessages: '5', AttributeNames: 'All', WaitTimeSeconds: '$request.querystring.wait' }),
      route('DELETE /orders/{handle}', 'delete', 'SQS-DeleteMessage', { QueueUrl: '$stageVariables.queue', ReceiptHandle: '$request.path.handle' }),
      route('POST /orders/purge', 'purge', 'SQS-PurgeQueue', { QueueUrl: '$stageVariables.queue', Region: 'us-east-2' }),
    ])
  )

  const sent = await http(`${g.url}/orders?delay=5`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-source': 'web shop' }, body: JSON.stringify({ message: 'order #1 & more' }) })
  assert.equal(sent.status, 200)
  assert.equal(sent.headers['content-type'], 'application/json')
  assert.deepEqual(sent.json(), { SendMessageResponse: { ResponseMetadata: { RequestId: 'r-send' }, SendMessageResult: { MD5OfMessageAttributes: null, MD5OfMessageBody: 'abc', MessageId: 'm-1', SequenceNumber: null } } })
  const send = sqs.requests[0] as ServiceRequest
  assert.equal(send.signatureProblem, null)
  assert.equal(send.method, 'POST')
  assert.equal(send.path, '/')
  assert.equal(send.headers['content-type'], 'application/x-www-form-urlencoded; charset=utf-8')
  assert.equal(send.headers['accept'], 'application/json')
  const fields = form(send.body)
  assert.deepEqual(fields.slice(0, 7), [
    ['Action', 'SendMessage'],
    ['QueueUrl', QUEUE],
    ['MessageBody', 'order #1 & more'],
    ['DelaySeconds', '5'],
    ['MessageAttribute.1.Name', 'source'],
    ['MessageAttribute.1.Value.DataType', 'String'],
    ['MessageAttribute.1.Value.StringValue', 'web shop'],
  ])
  assert.equal(fields[7]?.[0], 'MessageGroupId')
  assert.match(fields[7]?.[1] ?? '', /^[A-Za-z0-9=_-]+$/, '$context.requestId')
  assert.deepEqual(fields[8], ['Version', SQS_API_VERSION])

  const received = await http(`${g.url}/orders?wait=2`)
  assert.equal(received.status, 200)
  assert.deepEqual(form((sqs.requests[1] as ServiceRequest).body), [
    ['Action', 'ReceiveMessage'],
    ['QueueUrl', QUEUE],
    ['AttributeName.1', 'All'],
    ['MaxNumberOfMessages', '5'],
    ['WaitTimeSeconds', '2'],
    ['Version', SQS_API_VERSION],
  ])

  assert.equal((await http(`${g.url}/orders/rh-1`, { method: 'DELETE' })).status, 200)
  assert.deepEqual(form((sqs.requests[2] as ServiceRequest).body), [['Action', 'DeleteMessage'], ['QueueUrl', QUEUE], ['ReceiptHandle', 'rh-1'], ['Version', SQS_API_VERSION]])

  // Region: the call is signed for that region (the stand-in refuses any other).
  const purge = await http(`${g.url}/orders/purge`, { method: 'POST' })
  assert.equal(purge.status, 403, 'the stand-in checks eu-west-1 signatures; us-east-2 is refused')
  assert.match((sqs.requests[3] as ServiceRequest).signatureProblem ?? '', /region us-east-2/)

  // A service error goes back as the service sent it.
  const failed = await http(`${g.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'fail' }) })
  assert.equal(failed.status, 400)
  assert.deepEqual(failed.json(), { Error: { Code: 'InvalidParameterValue', Message: 'nope', Type: 'Sender' }, RequestId: 'r-1' })
})

test('EventBridge-PutEvents, Kinesis-PutRecord and Step Functions: JSON-protocol calls with their X-Amz-Target', async (t) => {
  const json11 = { 'content-type': 'application/x-amz-json-1.1' }
  const events = await standIn(t, 'events', () => ({ status: 200, headers: json11, body: '{"Entries":[{"EventId":"e-1"}],"FailedEntryCount":0}' }))
  const kinesis = await standIn(t, 'kinesis', () => ({ status: 200, headers: json11, body: '{"SequenceNumber":"1","ShardId":"shardId-000000000000"}' }))
  const states = await standIn(t, 'states', (req) => ({
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.0' },
    body: req.target === 'AWSStepFunctions.StopExecution' ? '{"stopDate":1.7E9}' : '{"executionArn":"arn:aws:states:eu-west-1:123456789012:execution:sm:x","startDate":1.7E9}',
  }))
  const g = await startGateway(
    t,
    config({ events: events.origin, kinesis: kinesis.origin, states: states.origin }, [
      route('POST /events', 'ev', 'EventBridge-PutEvents', {
        Detail: '$request.body',
        DetailType: 'OrderPlaced',
        Source: 'shop.orders',
        EventBusName: 'orders',
        Resources: 'arn:a,arn:b',
        Time: '2026-01-02T03:04:05Z',
      }),
      route('POST /stream', 'ki', 'Kinesis-PutRecord', { StreamName: 'clicks', Data: '$request.body', PartitionKey: '$request.header.user' }),
      route('POST /run', 'start', 'StepFunctions-StartExecution', { StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:sm', Input: '$request.body', Name: '$request.querystring.name' }),
      route('POST /run-sync', 'sync', 'StepFunctions-StartSyncExecution', { StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:express', Input: '$request.body' }),
      route('DELETE /run', 'stop', 'StepFunctions-StopExecution', { ExecutionArn: '$request.querystring.arn', Cause: 'cancelled by user' }),
    ])
  )
  const put = await http(`${g.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":7}' })
  assert.equal(put.status, 200)
  assert.equal(put.headers['content-type'], 'application/x-amz-json-1.1')
  assert.deepEqual(put.json(), { Entries: [{ EventId: 'e-1' }], FailedEntryCount: 0 })
  const ev = events.requests[0] as ServiceRequest
  assert.equal(ev.signatureProblem, null)
  assert.equal(ev.target, 'AWSEvents.PutEvents')
  assert.equal(ev.headers['content-type'], 'application/x-amz-json-1.1')
  assert.deepEqual(JSON.parse(ev.body), { Entries: [{ Detail: '{"id":7}', DetailType: 'OrderPlaced', EventBusName: 'orders', Resources: ['arn:a', 'arn:b'], Source: 'shop.orders', Time: 1767323045 }] })

  assert.equal((await http(`${g.url}/stream`, { method: 'POST', headers: { user: 'u-42' }, body: 'click!' })).status, 200)
  const ki = kinesis.requests[0] as ServiceRequest
  assert.equal(ki.signatureProblem, null)
  assert.equal(ki.target, 'Kinesis_20131202.PutRecord')
  assert.deepEqual(JSON.parse(ki.body), { Data: Buffer.from('click!').toString('base64'), PartitionKey: 'u-42', StreamName: 'clicks' })

  const run = await http(`${g.url}/run?name=first`, { method: 'POST', body: '{"go":true}' })
  assert.equal(run.status, 200)
  assert.equal((run.json() as Json)['executionArn'], 'arn:aws:states:eu-west-1:123456789012:execution:sm:x')
  await http(`${g.url}/run-sync`, { method: 'POST', body: '{}' })
  await http(`${g.url}/run?arn=arn:x`, { method: 'DELETE' })
  assert.deepEqual(
    states.requests.map((r) => [r.signatureProblem, r.target, JSON.parse(r.body) as unknown]),
    [
      [null, 'AWSStepFunctions.StartExecution', { stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:sm', name: 'first', input: '{"go":true}' }],
      [null, 'AWSStepFunctions.StartSyncExecution', { stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:express', input: '{}' }],
      [null, 'AWSStepFunctions.StopExecution', { executionArn: 'arn:x', cause: 'cancelled by user' }],
    ]
  )
})

test('AppConfig-GetConfiguration: GET /applications/{a}/environments/{e}/configurations/{c}; the configuration comes back as it is', async (t) => {
  const appconfig = await standIn(t, 'appconfig', () => ({ status: 200, headers: { 'content-type': 'application/json', 'configuration-version': '3' }, body: '{"featureX":true}' }))
  const g = await startGateway(
    t,
    config({ appconfig: appconfig.origin }, [
      route('GET /config/{env}', 'cfg', 'AppConfig-GetConfiguration', { Application: 'shop', Environment: '$request.path.env', Configuration: 'flags', ClientId: '$context.requestId', ClientConfigurationVersion: '2' }),
    ])
  )
  const res = await http(`${g.url}/config/prod%20eu`)
  assert.equal(res.status, 200)
  assert.equal(res.text, '{"featureX":true}')
  assert.equal(res.headers['content-type'], 'application/json')
  const req = appconfig.requests[0] as ServiceRequest
  assert.equal(req.signatureProblem, null)
  assert.equal(req.method, 'GET')
  assert.equal(req.path, '/applications/shop/environments/prod%20eu/configurations/flags')
  assert.equal(req.query['client_configuration_version'], '2')
  assert.match(req.query['client_id'] ?? '', /^[A-Za-z0-9=_-]+$/)
})

test('failures the gateway owns: unreachable endpoint 503, timeout 503, bad parameter value 500; responseParameters reshape the answer', async (t) => {
  const sqs = await standIn(t, 'sqs', (req) =>
    new URLSearchParams(req.body).get('MessageBody') === 'slow' ? new Promise<ServiceAnswer>(() => {}) : { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' }
  )
  const g = await startGateway(
    t,
    config({ sqs: sqs.origin, events: 'http://127.0.0.1:9' }, [
      route('POST /send', 'send', 'SQS-SendMessage', { QueueUrl: QUEUE, MessageBody: '$request.body', DelaySeconds: '$request.querystring.delay' }, { timeoutInMillis: 100, responseParameters: { '200': { 'overwrite:statuscode': '202', 'append:header.x-queued': 'yes' } } }),
      route('POST /events', 'ev', 'EventBridge-PutEvents', { Detail: '{}', DetailType: 'T', Source: 's' }),
    ])
  )
  const ok = await http(`${g.url}/send`, { method: 'POST', body: 'hi' })
  assert.equal(ok.status, 202)
  assert.equal(ok.headers['x-queued'], 'yes')
  const slow = await http(`${g.url}/send`, { method: 'POST', body: 'slow' })
  assert.equal(slow.status, 503)
  assert.deepEqual(slow.json(), { message: 'Service Unavailable' })
  const bad = await http(`${g.url}/send?delay=soon`, { method: 'POST', body: 'x' })
  assert.equal(bad.status, 500)
  assert.deepEqual(bad.json(), { message: 'Internal Server Error' })
  const unreachable = await http(`${g.url}/events`, { method: 'POST' })
  assert.equal(unreachable.status, 503)
})
