// WebSocket resources through the SDK (MOCK integration with templates, route and integration
// responses, models), WebSocket-only resources refused on HTTP APIs, quick create's integration
// members, domain names and API mappings (recorded, said to be not served), tags, and the
// refusal of unsigned calls beyond loopback.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateApiMappingCommand,
  CreateDomainNameCommand,
  CreateIntegrationCommand,
  CreateIntegrationResponseCommand,
  CreateModelCommand,
  CreateRouteCommand,
  CreateRouteResponseCommand,
  CreateStageCommand,
  GetApiMappingsCommand,
  GetApisCommand,
  GetDomainNameCommand,
  GetIntegrationsCommand,
  GetModelsCommand,
  GetTagsCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-apigatewayv2'
import { apiHost, DUMMY_CREDENTIALS, startControlPlane } from '../../helpers/control-plane.js'
import { connectClient, wsUrl } from '../../helpers/ws-client.js'
import { startGateway } from '../../helpers/gateway.js'
import { stateDir } from '../../helpers/control-plane.js'

test('a WebSocket API with a MOCK integration, templates and route responses, built with the SDK', async (t) => {
  const { apigw, url } = await startControlPlane(t)
  const { ApiId, ApiEndpoint } = await apigw.send(new CreateApiCommand({ Name: 'ws', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' }))
  assert.equal(ApiEndpoint, `wss://${ApiId}.execute-api.us-east-1.amazonaws.com`)
  const mock = await apigw.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'MOCK', RequestTemplates: { $default: '{"statusCode": 200}' }, TemplateSelectionExpression: '\\$default' }))
  assert.equal(mock.PassthroughBehavior, 'WHEN_NO_MATCH')
  assert.equal(mock.IntegrationResponseSelectionExpression, '${integration.response.statuscode}')
  assert.equal(mock.TimeoutInMillis, 29000)
  await apigw.send(new CreateIntegrationResponseCommand({ ApiId, IntegrationId: mock.IntegrationId, IntegrationResponseKey: '$default', ResponseTemplates: { $default: '{"pong": true}' } }))
  const connect = await apigw.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'MOCK', RequestTemplates: { $default: '{"statusCode": 200}' } }))
  await apigw.send(new CreateRouteCommand({ ApiId, RouteKey: '$connect', Target: `integrations/${connect.IntegrationId}` }))
  const ping = await apigw.send(new CreateRouteCommand({ ApiId, RouteKey: 'ping', Target: `integrations/${mock.IntegrationId}`, RouteResponseSelectionExpression: '$default' }))
  await apigw.send(new CreateRouteResponseCommand({ ApiId, RouteId: ping.RouteId, RouteResponseKey: '$default' }))
  const model = await apigw.send(new CreateModelCommand({ ApiId, Name: 'Ping', Schema: '{"type": "object"}', ContentType: 'application/json' }))
  assert.match(model.ModelId ?? '', /^[a-z0-9]{6}$/)
  assert.equal((await apigw.send(new GetModelsCommand({ ApiId }))).Items?.length, 1)
  await apigw.send(new CreateStageCommand({ ApiId, StageName: 'live', AutoDeploy: true }))
  const client = await connectClient(t, wsUrl(url, '/live'), { headers: { host: apiHost(ApiId as string) } })
  assert.equal(await client.say('{"action":"ping"}'), '{"pong": true}')
  client.ws.close()
})

test('WebSocket-only resources are refused on HTTP APIs; quick create chooses its integration by target', async (t) => {
  const { apigw } = await startControlPlane(t)
  const { ApiId } = await apigw.send(new CreateApiCommand({ Name: 'h', ProtocolType: 'HTTP', Target: 'https://backend.example.com/base' }))
  const integrations = await apigw.send(new GetIntegrationsCommand({ ApiId }))
  const quick = integrations.Items?.[0]
  assert.equal(quick?.IntegrationType, 'HTTP_PROXY')
  assert.equal(quick?.IntegrationMethod, 'ANY')
  assert.equal(quick?.PayloadFormatVersion, '1.0')
  assert.equal(quick?.ApiGatewayManaged, true)
  await assert.rejects(apigw.send(new CreateModelCommand({ ApiId, Name: 'M', Schema: '{}' })), { name: 'BadRequestException', message: 'Models are supported only for WebSocket APIs' })
  await assert.rejects(apigw.send(new CreateIntegrationResponseCommand({ ApiId, IntegrationId: quick?.IntegrationId, IntegrationResponseKey: '$default' })), { name: 'BadRequestException' })
  const lambdaQuick = await apigw.send(new CreateApiCommand({ Name: 'l', ProtocolType: 'HTTP', Target: 'arn:aws:lambda:us-east-1:123456789012:function:f' }))
  const lambdaIntegration = (await apigw.send(new GetIntegrationsCommand({ ApiId: lambdaQuick.ApiId }))).Items?.[0]
  assert.equal(lambdaIntegration?.IntegrationType, 'AWS_PROXY')
  assert.equal(lambdaIntegration?.PayloadFormatVersion, '2.0')
})

test('domain names and API mappings are recorded and say they are not served; tags on APIs', async (t) => {
  const { apigw } = await startControlPlane(t)
  const { ApiId } = await apigw.send(new CreateApiCommand({ Name: 'mapped', ProtocolType: 'HTTP', Tags: { team: 'a' } }))
  await apigw.send(new CreateStageCommand({ ApiId, StageName: 'prod' }))
  const domain = await apigw.send(new CreateDomainNameCommand({ DomainName: 'API.Example.com', DomainNameConfigurations: [{ CertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/x' }] }))
  assert.equal(domain.DomainName, 'api.example.com')
  assert.equal(domain.DomainNameConfigurations?.[0]?.DomainNameStatusMessage, 'Recorded by Gatehouse; not served: declare this domain name with certificateFile and privateKeyFile in gatehouse.yaml to serve it')
  await apigw.send(new CreateApiMappingCommand({ DomainName: 'api.example.com', ApiId, Stage: 'prod', ApiMappingKey: 'v1' }))
  await assert.rejects(apigw.send(new CreateApiMappingCommand({ DomainName: 'api.example.com', ApiId, Stage: 'prod', ApiMappingKey: 'v1' })), { name: 'ConflictException' })
  await assert.rejects(apigw.send(new CreateApiMappingCommand({ DomainName: 'api.example.com', ApiId, Stage: 'nope', ApiMappingKey: 'v2' })), { name: 'BadRequestException' })
  assert.equal((await apigw.send(new GetApiMappingsCommand({ DomainName: 'api.example.com' }))).Items?.[0]?.ApiMappingKey, 'v1')
  assert.equal((await apigw.send(new GetDomainNameCommand({ DomainName: 'api.example.com' }))).DomainName, 'api.example.com')
  await assert.rejects(apigw.send(new GetDomainNameCommand({ DomainName: 'other.example.com' })), { name: 'NotFoundException' })

  const arn = `arn:aws:apigateway:us-east-1::/apis/${ApiId as string}`
  await apigw.send(new TagResourceCommand({ ResourceArn: arn, Tags: { env: 'dev' } }))
  assert.deepEqual((await apigw.send(new GetTagsCommand({ ResourceArn: arn }))).Tags, { team: 'a', env: 'dev' })
  await apigw.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['team'] }))
  assert.deepEqual((await apigw.send(new GetTagsCommand({ ResourceArn: arn }))).Tags, { env: 'dev' })
  await assert.rejects(apigw.send(new GetTagsCommand({ ResourceArn: 'arn:aws:s3:::bucket' })), { name: 'BadRequestException' })
})

test('without iam credentials, a listener reachable from other machines refuses unsigned control-plane calls', async (t) => {
  const { gateway } = await startGateway(t, {}, { admin: { host: '0.0.0.0' }, controlPlane: { stateDir: stateDir(t) } })
  const port = new URL(gateway.adminUrl).port
  const client = new ApiGatewayV2Client({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: DUMMY_CREDENTIALS, maxAttempts: 1 })
  t.after(() => client.destroy())
  await assert.rejects(client.send(new GetApisCommand({})), (err: Error) => {
    assert.equal(err.name, 'AccessDeniedException')
    assert.match(err.message, /refuses unsigned calls on a listener reachable from other machines/)
    return true
  })
})
