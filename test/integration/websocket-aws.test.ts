// `AWS` (service) integrations of WebSocket routes (spec 10.6): a chat that keeps its
// connections in DynamoDB through mapping templates alone. The DynamoDB side is a loopback
// stand-in (test/helpers/aws-stand-in.ts) that checks each request's SigV4 signature with the
// official AWS signer and the exact request DynamoDB's JSON 1.0 protocol carries
// (`X-Amz-Target: DynamoDB_20120810.{Action}`, `application/x-amz-json-1.0`), and answers as
// DynamoDB does. Clients are real `ws` clients against a real gateway on port 0.
//
// Provisional (spec [UNCONFIRMED]): a service error no integration response takes answers the
// Internal server error frame (UNHANDLED_SERVICE_ERROR_FAILS).
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, rejectsConfig } from '../helpers/gateway.js'
import { connectClient, refused, waitFor, wsUrl } from '../helpers/ws-client.js'
import { startAwsStandIn, type ServiceAnswer, type ServiceRequest } from '../helpers/aws-stand-in.js'
import { UNHANDLED_SERVICE_ERROR_FAILS } from '../../src/websocket/aws-integration.js'

type Json = Record<string, unknown>
const REGION = 'eu-west-1'
const CREDENTIALS = { accessKeyId: 'AKIDGATEHOUSETEST', secretAccessKey: 'stand-in-secret', sessionToken: 'session-token-1' }
const JSON_10 = { 'content-type': 'application/x-amz-json-1.0' }

/** A DynamoDB that keeps items by table and `connectionId`, for PutItem, GetItem, DeleteItem and Scan. */
function dynamo(): { tables: Map<string, Map<string, Json>>; handle: (req: ServiceRequest) => ServiceAnswer } {
  const tables = new Map<string, Map<string, Json>>([['Connections', new Map()]])
  const notFound: ServiceAnswer = { status: 400, headers: JSON_10, body: JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', message: 'Requested resource not found' }) }
  const handle = (req: ServiceRequest): ServiceAnswer => {
    const input = JSON.parse(req.body) as { TableName: string; Item?: Json; Key?: { connectionId: { S: string } } }
    const table = tables.get(input.TableName)
    if (table === undefined) return notFound
    switch (req.target) {
      case 'DynamoDB_20120810.PutItem': {
        const id = (input.Item?.['connectionId'] as { S: string }).S
        table.set(id, input.Item as Json)
        return { status: 200, headers: JSON_10, body: '{}' }
      }
      case 'DynamoDB_20120810.GetItem': {
        const item = table.get(input.Key?.connectionId.S ?? '')
        return { status: 200, headers: JSON_10, body: JSON.stringify(item === undefined ? {} : { Item: item }) }
      }
      case 'DynamoDB_20120810.DeleteItem':
        table.delete(input.Key?.connectionId.S ?? '')
        return { status: 200, headers: JSON_10, body: '{}' }
      case 'DynamoDB_20120810.Scan':
        return { status: 200, headers: JSON_10, body: JSON.stringify({ Items: [...table.values()], Count: table.size, ScannedCount: table.size }) }
    }
    return { status: 400, headers: JSON_10, body: JSON.stringify({ __type: 'com.amazon.coral.service#UnknownOperationException' }) }
  }
  return { tables, handle }
}

function aws(integrationId: string, action: string, request: string, responses: Array<[string, string]>, extra: Json = {}): Json {
  return {
    integrationId,
    integrationType: 'AWS',
    integrationUri: `arn:aws:apigateway:${REGION}:dynamodb:action/${action}`,
    integrationMethod: 'POST',
    credentialsArn: 'arn:aws:iam::123456789012:role/chat-dynamodb',
    requestTemplates: { $default: request },
    integrationResponses: responses.map(([integrationResponseKey, template]) => ({ integrationResponseKey, responseTemplates: { $default: template } })),
    ...extra,
  }
}

function chatConfig(endpoint: string, extra: Json = {}): Json {
  const route = (routeKey: string, integration: string, twoWay = false): Json => ({
    routeKey,
    target: `integrations/${integration}`,
    ...(twoWay ? { routeResponseSelectionExpression: '$default' } : {}),
  })
  return {
    region: REGION,
    awsEndpoints: { dynamodb: endpoint },
    awsCredentials: CREDENTIALS,
    apis: [
      {
        name: 'dynamo-chat',
        apiId: 'dynchat001',
        protocolType: 'WEBSOCKET',
        routeSelectionExpression: '$request.body.action',
        routes: [
          route('$connect', 'connect'),
          route('$disconnect', 'disconnect'),
          route('me', 'me', true),
          route('list', 'list', true),
          route('missing', 'missing', true),
          route('unhandled', 'unhandled', true),
        ],
        integrations: [
          aws(
            'connect',
            'PutItem',
            `{"TableName": "$stageVariables.table", "Item": {"connectionId": {"S": "$context.connectionId"}, "name": {"S": "$util.escapeJavaScript($input.params('name'))"}}}`,
            [['$default', '']]
          ),
          aws('disconnect', 'DeleteItem', '{"TableName": "$stageVariables.table", "Key": {"connectionId": {"S": "$context.connectionId"}}}', [['$default', '']]),
          aws('me', 'GetItem', '{"TableName": "$stageVariables.table", "Key": {"connectionId": {"S": "$context.connectionId"}}}', [
            ['/2\\d\\d/', `#set($item = $input.path('$.Item'))#if($item != ""){"name": "$util.escapeJavaScript($item.name.S)", "id": "$item.connectionId.S"}#{else}{"name": null}#end`],
          ]),
          aws('list', 'Scan', '{"TableName": "$stageVariables.table"}', [
            ['/2\\d\\d/', `[#foreach($i in $input.path('$.Items'))"$util.escapeJavaScript($i.name.S)"#if($foreach.hasNext),#end#end]`],
          ]),
          aws('missing', 'GetItem', '{"TableName": "NoSuchTable", "Key": {"connectionId": {"S": "x"}}}', [
            ['/4\\d\\d/', `{"error": "$input.path('$.__type').replaceAll('.*#', '')", "status": "$context.connectionId"}`],
          ]),
          aws('unhandled', 'GetItem', '{"TableName": "NoSuchTable", "Key": {"connectionId": {"S": "x"}}}', [['/2\\d\\d/', 'ok']]),
        ],
        stages: [{ stageName: 'dev', stageVariables: { table: 'Connections' } }],
      },
    ],
    ...extra,
  }
}

async function chat(t: TestContext) {
  const db = dynamo()
  const standIn = await startAwsStandIn(t, { region: REGION, service: 'dynamodb', credentials: CREDENTIALS }, db.handle)
  const g = await startGateway(t, chatConfig(standIn.origin))
  return { db, standIn, g }
}

test('$connect writes the connection to DynamoDB with a signed PutItem that the request template rendered', async (t) => {
  const { db, standIn, g } = await chat(t)
  const client = await connectClient(t, wsUrl(g.url, '/dev?name=Ann%20%22A%22'))
  const put = standIn.requests[0] as ServiceRequest
  assert.equal(put.signatureProblem, null, 'the signature checks out with the AWS signer')
  assert.equal(put.method, 'POST')
  assert.equal(put.path, '/')
  assert.deepEqual(put.query, {})
  assert.equal(put.target, 'DynamoDB_20120810.PutItem')
  assert.equal(put.headers['content-type'], 'application/x-amz-json-1.0')
  assert.equal(put.headers['x-amz-security-token'], CREDENTIALS.sessionToken)
  assert.match(put.headers['authorization'] ?? '', new RegExp(`^AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/\\d{8}/${REGION}/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$`))
  const item = JSON.parse(put.body) as { TableName: string; Item: { connectionId: { S: string }; name: { S: string } } }
  assert.equal(item.TableName, 'Connections')
  assert.equal(item.Item.name.S, 'Ann "A"')
  assert.ok(db.tables.get('Connections')?.has(item.Item.connectionId.S))

  // Two-way routes: GetItem and Scan rendered back by the integration response templates.
  assert.deepEqual(await client.sayJson({ action: 'me' }), { name: 'Ann "A"', id: item.Item.connectionId.S })
  const other = await connectClient(t, wsUrl(g.url, '/dev?name=Bob'))
  assert.deepEqual(await other.sayJson({ action: 'list' }), ['Ann "A"', 'Bob'])
  assert.ok(standIn.requests.every((r) => r.signatureProblem === null))

  // $disconnect deletes it.
  await client.close()
  await waitFor('the DeleteItem', () => standIn.requests.find((r) => r.target === 'DynamoDB_20120810.DeleteItem'))
  assert.deepEqual(await other.sayJson({ action: 'list' }), ['Bob'])
})

test('a service error: an integration response for /4\\d\\d/ renders it; with none, the Internal server error frame', async (t) => {
  const { g } = await chat(t)
  const client = await connectClient(t, wsUrl(g.url, '/dev?name=C'))
  const reply = await client.sayJson({ action: 'missing' })
  assert.equal(reply['error'], 'ResourceNotFoundException')
  assert.equal(UNHANDLED_SERVICE_ERROR_FAILS, true)
  const frame = await client.sayJson({ action: 'unhandled' })
  assert.equal(frame['message'], 'Internal server error')
  assert.equal(typeof frame['requestId'], 'string')
})

test("a refused signature (wrong secret): the service's 403 refuses $connect, as a backend's status does", async (t) => {
  const db = dynamo()
  const standIn = await startAwsStandIn(t, { region: REGION, service: 'dynamodb', credentials: { ...CREDENTIALS, secretAccessKey: 'another' } }, db.handle)
  const g = await startGateway(t, chatConfig(standIn.origin))
  const answer = await refused(wsUrl(g.url, '/dev?name=D'))
  assert.equal(answer.status, 403)
  assert.match(standIn.requests[0]?.signatureProblem ?? '', /signature mismatch/)
})

test('an unreachable endpoint and a service that never answers (timeoutInMillis) fail the route with the error frame', async (t) => {
  const db = dynamo()
  const standIn = await startAwsStandIn(t, { region: REGION, service: 'dynamodb', credentials: CREDENTIALS }, (req) =>
    req.target === 'DynamoDB_20120810.Query' ? new Promise<ServiceAnswer>(() => {}) : db.handle(req)
  )
  const config = chatConfig(standIn.origin) as { apis: Array<{ routes: Json[]; integrations: Json[] }> }
  const api = config.apis[0] as { routes: Json[]; integrations: Json[] }
  api.routes.push({ routeKey: 'slow', target: 'integrations/slow', routeResponseSelectionExpression: '$default' })
  api.integrations.push(aws('slow', 'Query', '{"TableName": "Connections"}', [['$default', 'never']], { timeoutInMillis: 100 }))
  const g = await startGateway(t, config)
  const client = await connectClient(t, wsUrl(g.url, '/dev?name=E'))
  const frame = await client.sayJson({ action: 'slow' })
  assert.equal(frame['message'], 'Internal server error')

  const closed = await startGateway(t, chatConfig('http://127.0.0.1:9'))
  assert.equal((await refused(wsUrl(closed.url, '/dev'))).status, 500)
})

test('config errors of AWS integrations', async (t) => {
  const base = (integration: Json): Json => {
    const c = chatConfig('http://127.0.0.1:9') as { apis: Array<{ integrations: Json[] }> }
    const api = c.apis[0] as { integrations: Json[] }
    api.integrations[0] = { ...(api.integrations[0] as Json), ...integration }
    return c
  }
  await rejectsConfig(t, base({ integrationUri: 'arn:aws:lambda:eu-west-1:1:function:x' }), /is not an API Gateway service ARN/, /integrationUri/)
  await rejectsConfig(t, base({ integrationUri: 'arn:aws:apigateway:eu-west-1:nosuch:action/Do' }), /service "nosuch" is not one Gatehouse can call/)
  await rejectsConfig(t, base({ integrationUri: 'arn:aws:apigateway:eu-west-1:sns:action/Publish' }), /action\/ URIs call JSON-protocol services .*reach sns with a path\/ URI/)
  await rejectsConfig(t, base({ integrationMethod: undefined }), /integrationMethod is required for AWS integrations/)
  await rejectsConfig(t, base({ requestTemplates: { $default: '#if($x)' } }), /VTL syntax error/, /requestTemplates/)
  await rejectsConfig(t, { ...chatConfig('http://127.0.0.1:9'), awsEndpoints: { dynamo: 'http://127.0.0.1:9' } }, /"dynamo" is not a service Gatehouse calls/, /awsEndpoints\.dynamo/)
})

test('an AWS (non-proxy) integration to a Lambda invocation ARN runs the local function; errorMessage selects the integration response', async (t) => {
  const g = await startGateway(t, {
    functions: { scripted: { handler: 'scripted.handler' } },
    apis: [
      {
        name: 'lambda-non-proxy',
        protocolType: 'WEBSOCKET',
        routeSelectionExpression: '$request.body.action',
        routes: [{ routeKey: 'calc', target: 'integrations/calc', routeResponseSelectionExpression: '$default' }],
        integrations: [
          {
            integrationId: 'calc',
            integrationType: 'AWS',
            integrationMethod: 'POST',
            integrationUri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:scripted/invocations',
            requestTemplates: { $default: '{"body": "$util.escapeJavaScript($input.body)", "conn": "$context.connectionId"}' },
            integrationResponses: [
              { integrationResponseKey: '/.*not allowed.*/', responseTemplates: { $default: `{"refused": "$input.path('$.errorMessage')", "type": "$input.path('$.errorType')"}` } },
              { integrationResponseKey: '$default', responseTemplates: { $default: `{"result": $input.json('$')}` } },
            ],
          },
        ],
        stages: [{ stageName: 'dev' }],
      },
    ],
  })
  const client = await connectClient(t, wsUrl(g.url, '/dev'))
  assert.deepEqual(await client.sayJson({ action: 'calc', return: { sum: 3 } }), { result: { sum: 3 } })
  assert.deepEqual(await client.sayJson({ action: 'calc', throw: 'that is not allowed here' }), { refused: 'that is not allowed here', type: 'Error' })
  // An error no integration response takes: the Internal server error frame.
  assert.equal((await client.sayJson({ action: 'calc', throw: 'boom' }))['message'], 'Internal server error')
})
