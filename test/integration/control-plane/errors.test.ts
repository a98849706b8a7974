// Spec 12.5/12.6: validation answered with AWS's error types and messages naming the member;
// the wire form of errors (x-amzn-ErrorType, x-amzn-RequestId, {"message"}); bad input never
// crashes the gateway.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  CreateApiCommand,
  CreateAuthorizerCommand,
  CreateDeploymentCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  DeleteIntegrationCommand,
  GetRouteCommand,
} from '@aws-sdk/client-apigatewayv2'
import { http } from '../../helpers/http.js'
import { startControlPlane } from '../../helpers/control-plane.js'

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:fn'

async function rejects(promise: Promise<unknown>, name: string, message: RegExp | string, status: number): Promise<void> {
  await assert.rejects(promise, (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(err.name, name)
    if (typeof message === 'string') assert.equal(err.message, message)
    else assert.match(err.message, message)
    assert.equal(err.$metadata?.httpStatusCode, status)
    return true
  })
}

test('errors have the wire form of spec 12.6', async (t) => {
  const { gateway } = await startControlPlane(t)
  const res = await http(`${gateway.adminUrl}/v2/apis/nosuchapi1`)
  assert.equal(res.status, 404)
  assert.equal(res.headers['content-type'], 'application/json')
  assert.equal(res.headers['x-amzn-errortype'], 'NotFoundException')
  assert.match(String(res.headers['x-amzn-requestid']), /^[0-9a-f-]{36}$/)
  assert.deepEqual(res.json(), { message: 'Invalid API identifier specified 123456789012:nosuchapi1', resourceType: 'Api' })

  const bad = await http(`${gateway.adminUrl}/v2/apis`, { method: 'POST', body: '{"name": "x", ', headers: { 'content-type': 'application/json' } })
  assert.equal(bad.status, 400)
  assert.equal(bad.headers['x-amzn-errortype'], 'BadRequestException')
  assert.deepEqual(bad.json(), { message: 'Could not parse request body into json' })

  const notObject = await http(`${gateway.adminUrl}/v2/apis`, { method: 'POST', body: '[1,2]' })
  assert.equal(notObject.headers['x-amzn-errortype'], 'BadRequestException')

  const unknown = await http(`${gateway.adminUrl}/v2/nothing/here`)
  assert.equal(unknown.status, 404)
  assert.equal(unknown.headers['x-amzn-errortype'], 'NotFoundException')

  const badPath = await http(`${gateway.adminUrl}/v2/apis/%E0%A4%A`)
  assert.equal(badPath.status, 400)
  assert.deepEqual(badPath.json(), { message: 'One or more path parts appear to be invalid' })

  const notImplemented = await http(`${gateway.adminUrl}/v2/vpclinks`)
  assert.equal(notImplemented.status, 400)
  assert.match(notImplemented.json<{ message: string }>().message, /VPC links are not served by Gatehouse/)

  const huge = await http(`${gateway.adminUrl}/v2/apis`, { method: 'POST', body: Buffer.alloc(71 * 1024 * 1024, 0x20) })
  assert.equal(huge.status, 413)
  assert.equal(huge.headers['x-amzn-errortype'], 'PayloadTooLargeException')

  const created = await http(`${gateway.adminUrl}/v2/apis`, { method: 'POST', body: JSON.stringify({ name: 'still-up', protocolType: 'HTTP' }) })
  assert.equal(created.status, 201, 'the gateway keeps serving after bad requests')
  const deleted = await http(`${gateway.adminUrl}/v2/apis/${created.json<{ apiId: string }>().apiId}`, { method: 'DELETE' })
  assert.equal(deleted.status, 204)
  assert.equal(deleted.text, '')
})

test('CreateApi validation: protocol, name, WebSocket route selection, HTTP-only members', async (t) => {
  const { apigw } = await startControlPlane(t)
  await rejects(apigw.send(new CreateApiCommand({ Name: 'x', ProtocolType: 'REST' as 'HTTP' })), 'BadRequestException', 'Invalid protocol specified. Must be one of [HTTP, WEBSOCKET]', 400)
  await rejects(apigw.send(new CreateApiCommand({ ProtocolType: 'HTTP' } as never)), 'BadRequestException', 'name is required', 400)
  await rejects(apigw.send(new CreateApiCommand({ Name: 'ws', ProtocolType: 'WEBSOCKET' })), 'BadRequestException', 'routeSelectionExpression is required', 400)
  await rejects(
    apigw.send(new CreateApiCommand({ Name: 'ws', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action', CorsConfiguration: { AllowOrigins: ['*'] } })),
    'BadRequestException',
    'corsConfiguration is not supported for WEBSOCKET APIs',
    400
  )
  await rejects(apigw.send(new CreateApiCommand({ Name: 'h', ProtocolType: 'HTTP', RouteSelectionExpression: '$request.body.action' })), 'BadRequestException', /routeSelectionExpression/, 400)
  await rejects(apigw.send(new CreateApiCommand({ Name: 'h', ProtocolType: 'HTTP', CorsConfiguration: { MaxAge: 90000 } })), 'BadRequestException', 'corsConfiguration.maxAge must be between -1 and 86400', 400)
})

test('routes, integrations, authorizers, stages and deployments are validated as spec 12.5 says', async (t) => {
  const { apigw } = await startControlPlane(t)
  const { ApiId } = await apigw.send(new CreateApiCommand({ Name: 'v', ProtocolType: 'HTTP' }))
  await rejects(apigw.send(new CreateRouteCommand({ ApiId, RouteKey: 'FETCH /x' })), 'BadRequestException', /^Invalid routeKey "FETCH \/x"/, 400)
  await rejects(apigw.send(new CreateRouteCommand({ ApiId, RouteKey: 'GET /x', Target: 'integrations/nope123' })), 'BadRequestException', /^Invalid target specified/, 400)
  await rejects(apigw.send(new CreateDeploymentCommand({ ApiId })), 'BadRequestException', 'Unable to deploy API because no routes exist in this API', 400)
  await apigw.send(new CreateRouteCommand({ ApiId, RouteKey: 'GET /x' }))
  await rejects(apigw.send(new CreateRouteCommand({ ApiId, RouteKey: 'GET /x' })), 'ConflictException', "Route with key 'GET /x' already exists", 409)
  await rejects(apigw.send(new GetRouteCommand({ ApiId, RouteId: 'zzzzzzz' })), 'NotFoundException', 'Invalid Route identifier specified zzzzzzz', 404)

  await rejects(apigw.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'MOCK' })), 'BadRequestException', /^Invalid integrationType specified: "MOCK"/, 400)
  await rejects(apigw.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'AWS_PROXY', IntegrationUri: LAMBDA })), 'BadRequestException', 'payloadFormatVersion is required for HTTP API integrations', 400)
  await rejects(
    apigw.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'AWS_PROXY', IntegrationUri: LAMBDA, PayloadFormatVersion: '2.0', TimeoutInMillis: 30001 })),
    'BadRequestException',
    'timeoutInMillis must be between 50 and 30000 for HTTP APIs',
    400
  )
  await rejects(
    apigw.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'HTTP_PROXY', IntegrationUri: 'https://example.com', IntegrationMethod: 'GET', PayloadFormatVersion: '2.0' })),
    'BadRequestException',
    'payloadFormatVersion must be 1.0 for integrationType HTTP_PROXY',
    400
  )
  await rejects(
    apigw.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'AWS_PROXY', IntegrationUri: LAMBDA, PayloadFormatVersion: '2.0', ResponseParameters: { '600': { 'overwrite:statuscode': '204' } } })),
    'BadRequestException',
    /status codes between 200 and 599/,
    400
  )
  await rejects(apigw.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'AWS_PROXY', IntegrationUri: LAMBDA, PayloadFormatVersion: '2.0', TemplateSelectionExpression: 'x' })), 'BadRequestException', 'templateSelectionExpression is not supported for HTTP APIs', 400)
  await rejects(
    apigw.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'AWS_PROXY', IntegrationSubtype: 'SQS-SendMessage', PayloadFormatVersion: '1.0', RequestParameters: { QueueUrl: 'q' } })),
    'BadRequestException',
    'integrationSubtype SQS-SendMessage requires requestParameters MessageBody',
    400
  )

  await rejects(apigw.send(new CreateAuthorizerCommand({ ApiId, AuthorizerType: 'JWT', Name: 'jwt', IdentitySource: ['$request.header.Authorization'] })), 'BadRequestException', 'jwtConfiguration.issuer is required for JWT authorizers', 400)
  await rejects(
    apigw.send(new CreateAuthorizerCommand({ ApiId, AuthorizerType: 'REQUEST', Name: 'l', AuthorizerUri: LAMBDA, IdentitySource: ['$request.header.x'] })),
    'BadRequestException',
    'authorizerPayloadFormatVersion is required for REQUEST authorizers of HTTP APIs',
    400
  )
  await rejects(
    apigw.send(new CreateAuthorizerCommand({ ApiId, AuthorizerType: 'REQUEST', Name: 'l', AuthorizerUri: LAMBDA, AuthorizerPayloadFormatVersion: '1.0', EnableSimpleResponses: true, IdentitySource: ['$request.header.x'] })),
    'BadRequestException',
    'enableSimpleResponses is supported only with authorizerPayloadFormatVersion 2.0',
    400
  )
  const authorizer = await apigw.send(new CreateAuthorizerCommand({ ApiId, AuthorizerType: 'REQUEST', Name: 'l', AuthorizerUri: LAMBDA, AuthorizerPayloadFormatVersion: '2.0', IdentitySource: ['$request.header.x'] }))
  assert.equal(authorizer.AuthorizerResultTtlInSeconds, 0, 'the [UNCONFIRMED] default TTL is 0')
  await rejects(apigw.send(new CreateRouteCommand({ ApiId, RouteKey: 'GET /jwt', AuthorizationType: 'JWT', AuthorizerId: authorizer.AuthorizerId })), 'BadRequestException', /needs an authorizer of type JWT/, 400)

  await apigw.send(new CreateStageCommand({ ApiId, StageName: 'prod' }))
  await rejects(apigw.send(new CreateStageCommand({ ApiId, StageName: 'prod' })), 'ConflictException', 'Stage prod already exists', 409)
  await rejects(apigw.send(new CreateStageCommand({ ApiId, StageName: 'bad name' })), 'BadRequestException', /^Invalid stageName "bad name"/, 400)

  const integration = await apigw.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'HTTP_PROXY', IntegrationUri: 'https://example.com', IntegrationMethod: 'ANY', PayloadFormatVersion: '1.0' }))
  await apigw.send(new CreateRouteCommand({ ApiId, RouteKey: 'GET /proxied', Target: `integrations/${integration.IntegrationId}` }))
  await rejects(apigw.send(new DeleteIntegrationCommand({ ApiId, IntegrationId: integration.IntegrationId })), 'ConflictException', /is used by route GET \/proxied/, 409)
})

test('a route limit of 300 per API is enforced', async (t) => {
  const { gateway } = await startControlPlane(t)
  const api = await http(`${gateway.adminUrl}/v2/apis`, { method: 'POST', body: JSON.stringify({ name: 'many', protocolType: 'HTTP' }) })
  const apiId = api.json<{ apiId: string }>().apiId
  for (let i = 0; i < 300; i++) {
    const r = await http(`${gateway.adminUrl}/v2/apis/${apiId}/routes`, { method: 'POST', body: JSON.stringify({ routeKey: `GET /r${i}` }) })
    assert.equal(r.status, 201)
  }
  const over = await http(`${gateway.adminUrl}/v2/apis/${apiId}/routes`, { method: 'POST', body: JSON.stringify({ routeKey: 'GET /one-more' }) })
  assert.equal(over.status, 400)
  assert.deepEqual(over.json(), { message: 'Maximum number of routes (300) reached for this API' })
})
