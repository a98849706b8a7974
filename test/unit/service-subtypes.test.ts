// The service requests first-class integrations build from their evaluated parameters
// (spec 4.5): one case per shape of value (integers, JSON attributes, lists, timestamps), and
// the per-request errors a malformed value gives.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { integrationSubtype, integrationSubtypeNames, SQS_API_VERSION } from '../../src/integrations/index.js'

function build(name: string, values: Record<string, string>) {
  const subtype = integrationSubtype(name)
  assert.ok(subtype !== undefined, name)
  return subtype.build(values)
}

test('the subtypes are the spec table, with its required parameters', () => {
  assert.deepEqual(integrationSubtypeNames(), [
    'SQS-SendMessage',
    'SQS-ReceiveMessage',
    'SQS-DeleteMessage',
    'SQS-PurgeQueue',
    'EventBridge-PutEvents',
    'Kinesis-PutRecord',
    'StepFunctions-StartExecution',
    'StepFunctions-StartSyncExecution',
    'StepFunctions-StopExecution',
    'AppConfig-GetConfiguration',
  ])
  const required = (n: string) => integrationSubtype(n)?.parameters.filter((p) => p.required).map((p) => p.name)
  assert.deepEqual(required('SQS-DeleteMessage'), ['ReceiptHandle', 'QueueUrl'])
  assert.deepEqual(required('EventBridge-PutEvents'), ['Detail', 'DetailType', 'Source'])
  assert.deepEqual(required('AppConfig-GetConfiguration'), ['Application', 'Environment', 'Configuration', 'ClientId'])
  assert.deepEqual(required('StepFunctions-StopExecution'), ['ExecutionArn'])
})

test('SQS: system attributes, attribute name lists (JSON or comma-separated), receive options', () => {
  const send = build('SQS-SendMessage', { QueueUrl: 'q', MessageBody: 'b', MessageSystemAttributes: '{"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1"}}', MessageDeduplicationId: 'd' })
  assert.ok(send.ok)
  assert.equal(
    send.request.body,
    `Action=SendMessage&QueueUrl=q&MessageBody=b&MessageSystemAttribute.1.Name=AWSTraceHeader&MessageSystemAttribute.1.Value.DataType=String&MessageSystemAttribute.1.Value.StringValue=Root%3D1&MessageDeduplicationId=d&Version=${SQS_API_VERSION}`
  )
  const receive = build('SQS-ReceiveMessage', { QueueUrl: 'q', AttributeNames: '["All", "SentTimestamp"]', MessageAttributeNames: 'a, b', VisibilityTimeout: '30', ReceiveRequestAttemptId: 'r' })
  assert.ok(receive.ok)
  assert.deepEqual([...new URLSearchParams(receive.request.body)], [
    ['Action', 'ReceiveMessage'],
    ['QueueUrl', 'q'],
    ['AttributeName.1', 'All'],
    ['AttributeName.2', 'SentTimestamp'],
    ['MessageAttributeName.1', 'a'],
    ['MessageAttributeName.2', 'b'],
    ['ReceiveRequestAttemptId', 'r'],
    ['VisibilityTimeout', '30'],
    ['Version', SQS_API_VERSION],
  ])
})

test('malformed values are errors of the request, naming the parameter', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['SQS-SendMessage', { QueueUrl: 'q', MessageBody: 'b', DelaySeconds: '1.5' }, /DelaySeconds must be an integer, not "1\.5"/],
    ['SQS-SendMessage', { QueueUrl: 'q', MessageBody: 'b', MessageAttributes: '{nope' }, /MessageAttributes must be JSON/],
    ['SQS-SendMessage', { QueueUrl: 'q', MessageBody: 'b', MessageAttributes: '[1]' }, /MessageAttributes must be a JSON object/],
    ['SQS-ReceiveMessage', { QueueUrl: 'q', WaitTimeSeconds: 'x' }, /WaitTimeSeconds must be an integer/],
    ['EventBridge-PutEvents', { Detail: '{}', DetailType: 't', Source: 's', Time: 'yesterday' }, /Time must be a timestamp/],
  ]
  for (const [name, values, re] of cases) {
    const out = build(name, values)
    assert.equal(out.ok, false, `${name} ${JSON.stringify(values)}`)
    if (!out.ok) assert.match(out.reason, re)
  }
})

test('StartSyncExecution goes to the sync- host of AWS endpoints; AppConfig is a GET with its query', () => {
  const sync = build('StepFunctions-StartSyncExecution', { StateMachineArn: 'arn:sm', TraceHeader: 'Root=1' })
  assert.ok(sync.ok)
  assert.equal(sync.request.hostPrefix, 'sync-')
  assert.deepEqual(JSON.parse(sync.request.body), { stateMachineArn: 'arn:sm', traceHeader: 'Root=1' })
  const cfg = build('AppConfig-GetConfiguration', { Application: 'a/b', Environment: 'e', Configuration: 'c', ClientId: 'id' })
  assert.ok(cfg.ok)
  assert.equal(cfg.request.method, 'GET')
  assert.equal(cfg.request.path, '/applications/a%2Fb/environments/e/configurations/c')
  assert.deepEqual(cfg.request.query, [['client_id', 'id']])
})
