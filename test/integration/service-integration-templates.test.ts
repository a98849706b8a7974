// Service integrations written in CloudFormation (what CDK's HttpSqsIntegration and
// hand-written WebSocket-to-DynamoDB stacks synthesise): an `AWS::ApiGatewayV2::Integration`
// with `IntegrationSubtype`, and a WebSocket `AWS` integration with `RequestTemplates` and an
// `AWS::ApiGatewayV2::IntegrationResponse`, loaded into the same model gatehouse.yaml gives;
// a bad parameter is reported at the template's own line.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfigFile } from '../../src/config/index.js'

function template(t: TestContext, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-svc-tpl-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'template.yaml')
  writeFileSync(file, text)
  return file
}

const STACK = (sendParameters: string): string => `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Queue:
    Type: AWS::SQS::Queue
  HttpApi:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: orders
      ProtocolType: HTTP
  SendIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref HttpApi
      IntegrationType: AWS_PROXY
      IntegrationSubtype: SQS-SendMessage
      PayloadFormatVersion: '1.0'
      CredentialsArn: arn:aws:iam::123456789012:role/send
      RequestParameters:
${sendParameters}
  SendRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref HttpApi
      RouteKey: POST /orders
      Target: !Sub integrations/\${SendIntegration}
  HttpStage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref HttpApi
      StageName: $default
  ChatApi:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: chat
      ProtocolType: WEBSOCKET
      RouteSelectionExpression: $request.body.action
  PutIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref ChatApi
      IntegrationType: AWS
      IntegrationMethod: POST
      IntegrationUri: !Sub arn:aws:apigateway:\${AWS::Region}:dynamodb:action/PutItem
      CredentialsArn: arn:aws:iam::123456789012:role/put
      TemplateSelectionExpression: \\$default
      RequestTemplates:
        $default: |
          #set($id = $context.connectionId)
          {"TableName": "Connections", "Item": {"connectionId": {"S": "$id"}}}
  PutResponse:
    Type: AWS::ApiGatewayV2::IntegrationResponse
    Properties:
      ApiId: !Ref ChatApi
      IntegrationId: !Ref PutIntegration
      IntegrationResponseKey: /2\\d\\d/
      ResponseTemplates:
        $default: '{"stored": true}'
  ConnectRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref ChatApi
      RouteKey: $connect
      Target: !Sub integrations/\${PutIntegration}
  ChatStage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref ChatApi
      StageName: prod
`

test('IntegrationSubtype and WebSocket AWS integrations load from CloudFormation into the shared model', (t) => {
  const r = loadConfigFile(template(t, STACK(`        QueueUrl: !Ref Queue
        MessageBody: $request.body.message`)))
  assert.ok(r.ok, r.ok ? '' : r.issues.map((i) => `${i.line ?? '?'} ${i.path}: ${i.message}`).join('\n'))
  const http = r.config.apis[0]
  const send = http?.integrations.get('SendIntegration')
  assert.ok(send !== undefined && 'integrationSubtype' in send)
  assert.equal(send.integrationSubtype, 'SQS-SendMessage')
  assert.equal(send.credentialsArn, 'arn:aws:iam::123456789012:role/send')
  assert.equal(send.requestParameters['MessageBody'], '$request.body.message')
  // Ref of a queue is its URL, as CloudFormation gives it (a generated name when none is set).
  assert.match(send.requestParameters['QueueUrl'] ?? '', /^https:\/\/sqs\.[a-z0-9-]+\.amazonaws\.com\/\d{12}\/[A-Za-z0-9-]+-Queue$/)
  const chat = r.config.websocketApis[0]
  const put = chat?.integrations.get('PutIntegration')
  assert.ok(put !== undefined && put.integrationType === 'AWS')
  assert.match(put.integrationUri, /^arn:aws:apigateway:[a-z0-9-]+:dynamodb:action\/PutItem$/)
  assert.equal(put.integrationMethod, 'POST')
  assert.deepEqual(put.templates.integrationResponses, [{ integrationResponseKey: '/2\\d\\d/', responseTemplates: { $default: '{"stored": true}' }, templateSelectionExpression: null }])
})

test('a first-class integration missing a required parameter is reported at its template line', (t) => {
  const file = template(t, STACK(`        QueueUrl: !Ref Queue
        MessageBdy: $request.body.message`))
  const r = loadConfigFile(file)
  assert.ok(!r.ok)
  const lines = r.issues.map((i) => `${i.file === file ? 'template' : i.file}:${i.line ?? '?'} ${i.message}`)
  assert.ok(lines.some((l) => /^template:20 SQS-SendMessage takes no parameter "MessageBdy"/.test(l)), lines.join('\n'))
  assert.ok(lines.some((l) => /^template:18 SQS-SendMessage requires MessageBody in requestParameters$/.test(l)), lines.join('\n'))
})

test('an OpenAPI x-amazon-apigateway-integration with integrationSubtype (ImportApi) loads as a first-class integration', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-svc-oas-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(
    join(dir, 'api.yaml'),
    `openapi: 3.0.1
info: { title: events, version: '1' }
paths:
  /events:
    post:
      x-amazon-apigateway-integration:
        type: aws_proxy
        integrationSubtype: EventBridge-PutEvents
        payloadFormatVersion: '1.0'
        credentials: arn:aws:iam::123456789012:role/events
        requestParameters:
          Detail: $request.body
          DetailType: Placed
          Sourc: shop
`
  )
  writeFileSync(join(dir, 'gatehouse.yaml'), 'apis:\n  - openapi: api.yaml\n')
  const r = loadConfigFile(join(dir, 'gatehouse.yaml'))
  assert.ok(!r.ok)
  const issues = r.issues.map((i) => `${i.file.endsWith('api.yaml') ? 'api.yaml' : i.file}:${i.line ?? '?'} ${i.message}`)
  assert.ok(issues.includes('api.yaml:14 EventBridge-PutEvents takes no parameter "Sourc" (it takes Detail, DetailType, Source, Time, EventBusName, Resources, Region, TraceHeader)'), issues.join('\n'))
  assert.ok(issues.includes('api.yaml:11 EventBridge-PutEvents requires Source in requestParameters'), issues.join('\n'))

  writeFileSync(join(dir, 'api.yaml'), readFileSync(join(dir, 'api.yaml'), 'utf8').replace('Sourc: shop', 'Source: shop'))
  const fixed = loadConfigFile(join(dir, 'gatehouse.yaml'))
  assert.ok(fixed.ok, fixed.ok ? '' : fixed.issues.map((i) => i.message).join('\n'))
  const integration = [...(fixed.config.apis[0]?.integrations.values() ?? [])][0]
  assert.ok(integration !== undefined && 'integrationSubtype' in integration)
  assert.equal(integration.integrationSubtype, 'EventBridge-PutEvents')
  assert.equal(integration.credentialsArn, 'arn:aws:iam::123456789012:role/events')
})
