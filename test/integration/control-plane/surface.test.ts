// The rest of the apigatewayv2 surface through the SDK: every operation not exercised elsewhere,
// each with its success status and the change it makes visible.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as V2 from '@aws-sdk/client-apigatewayv2'
import { GetFunctionConfigurationCommand, CreateFunctionCommand } from '@aws-sdk/client-lambda'
import { http } from '../../helpers/http.js'
import { apiHost, ECHO_HANDLER, startControlPlane, zipOf } from '../../helpers/control-plane.js'

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:echo'

test('HTTP API resources: every update and delete operation', async (t) => {
  const { apigw, lambda, url } = await startControlPlane(t)
  await lambda.send(new CreateFunctionCommand({ FunctionName: 'echo', Runtime: 'nodejs20.x', Role: 'r', Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.mjs': ECHO_HANDLER }) }, Timeout: 7 }))
  assert.equal((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'echo' }))).Timeout, 7)
  const { ApiId } = await apigw.send(new V2.CreateApiCommand({ Name: 'surface', ProtocolType: 'HTTP', CorsConfiguration: { AllowOrigins: ['https://a.example'], AllowMethods: ['GET'] } }))
  const host = { host: apiHost(ApiId as string) }
  const integration = await apigw.send(new V2.CreateIntegrationCommand({ ApiId, IntegrationType: 'AWS_PROXY', IntegrationUri: ARN, PayloadFormatVersion: '1.0' }))
  const updatedIntegration = await apigw.send(new V2.UpdateIntegrationCommand({ ApiId, IntegrationId: integration.IntegrationId, PayloadFormatVersion: '2.0', TimeoutInMillis: 5000 }))
  assert.equal(updatedIntegration.PayloadFormatVersion, '2.0')
  assert.equal(updatedIntegration.TimeoutInMillis, 5000)
  assert.equal(updatedIntegration.IntegrationUri, ARN, 'absent members stay unchanged')
  const route = await apigw.send(new V2.CreateRouteCommand({ ApiId, RouteKey: 'GET /a', Target: `integrations/${integration.IntegrationId}` }))
  await apigw.send(new V2.CreateStageCommand({ ApiId, StageName: 'dev', AutoDeploy: true, StageVariables: { v: '1' }, RouteSettings: { 'GET /a': { ThrottlingBurstLimit: 5, ThrottlingRateLimit: 10 } }, AccessLogSettings: { DestinationArn: 'arn:aws:logs:us-east-1:123456789012:log-group:x', Format: '$context.requestId' } }))
  assert.equal((await http(`${url}/dev/a`, { headers: host })).status, 200)

  // CORS, then its removal.
  const preflight = { ...host, origin: 'https://a.example', 'access-control-request-method': 'GET' }
  assert.equal((await http(`${url}/dev/a`, { method: 'OPTIONS', headers: preflight })).headers['access-control-allow-origin'], 'https://a.example')
  await apigw.send(new V2.DeleteCorsConfigurationCommand({ ApiId }))
  assert.equal((await apigw.send(new V2.GetApiCommand({ ApiId }))).CorsConfiguration, undefined)

  // Authorizers: create, update, get all, delete.
  const authorizer = await apigw.send(new V2.CreateAuthorizerCommand({ ApiId, Name: 'jwt', AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'], JwtConfiguration: { Issuer: 'https://issuer.example.com', Audience: ['x'] } }))
  const renamed = await apigw.send(new V2.UpdateAuthorizerCommand({ ApiId, AuthorizerId: authorizer.AuthorizerId, Name: 'jwt2' }))
  assert.equal(renamed.Name, 'jwt2')
  assert.equal((await apigw.send(new V2.GetAuthorizerCommand({ ApiId, AuthorizerId: authorizer.AuthorizerId }))).JwtConfiguration?.Issuer, 'https://issuer.example.com')
  await apigw.send(new V2.UpdateRouteCommand({ ApiId, RouteId: route.RouteId, AuthorizationType: 'JWT', AuthorizerId: authorizer.AuthorizerId }))
  assert.equal((await http(`${url}/dev/a`, { headers: host })).status, 401)
  await assert.rejects(apigw.send(new V2.DeleteAuthorizerCommand({ ApiId, AuthorizerId: authorizer.AuthorizerId })), { name: 'ConflictException' })
  await apigw.send(new V2.UpdateRouteCommand({ ApiId, RouteId: route.RouteId, AuthorizationType: 'NONE' }))
  assert.equal((await apigw.send(new V2.GetRouteCommand({ ApiId, RouteId: route.RouteId }))).AuthorizerId, undefined)
  await apigw.send(new V2.DeleteAuthorizerCommand({ ApiId, AuthorizerId: authorizer.AuthorizerId }))
  assert.deepEqual((await apigw.send(new V2.GetAuthorizersCommand({ ApiId }))).Items, [])

  // Stage settings: deletions.
  await apigw.send(new V2.DeleteRouteSettingsCommand({ ApiId, StageName: 'dev', RouteKey: 'GET /a' }))
  await apigw.send(new V2.DeleteAccessLogSettingsCommand({ ApiId, StageName: 'dev' }))
  const stage = await apigw.send(new V2.GetStageCommand({ ApiId, StageName: 'dev' }))
  assert.deepEqual(stage.RouteSettings, {})
  assert.equal(stage.AccessLogSettings, undefined)
  assert.deepEqual(stage.StageVariables, { v: '1' })
  assert.equal((await apigw.send(new V2.GetStagesCommand({ ApiId }))).Items?.length, 1)

  // Deployments: list, update, delete (not while a stage uses it).
  const deployment = await apigw.send(new V2.CreateDeploymentCommand({ ApiId, Description: 'manual' }))
  assert.equal((await apigw.send(new V2.UpdateDeploymentCommand({ ApiId, DeploymentId: deployment.DeploymentId, Description: 'renamed' }))).Description, 'renamed')
  assert.equal((await apigw.send(new V2.GetDeploymentCommand({ ApiId, DeploymentId: deployment.DeploymentId }))).Description, 'renamed')
  const deployments = await apigw.send(new V2.GetDeploymentsCommand({ ApiId }))
  assert.ok((deployments.Items ?? []).some((d) => d.DeploymentId === deployment.DeploymentId))
  const autoDeployment = (deployments.Items ?? []).find((d) => d.AutoDeployed === true)
  await assert.rejects(apigw.send(new V2.DeleteDeploymentCommand({ ApiId, DeploymentId: autoDeployment?.DeploymentId })), { name: 'BadRequestException' })
  await apigw.send(new V2.DeleteDeploymentCommand({ ApiId, DeploymentId: deployment.DeploymentId }))
  await assert.rejects(apigw.send(new V2.GetDeploymentCommand({ ApiId, DeploymentId: deployment.DeploymentId })), { name: 'NotFoundException' })

  // Deleting: route, stage, integration. The last route's deletion cannot be auto-deployed (no
  // routes): the stage keeps serving its last deployment and says why.
  const other = await apigw.send(new V2.CreateRouteCommand({ ApiId, RouteKey: 'GET /b', Target: `integrations/${integration.IntegrationId}` }))
  await apigw.send(new V2.DeleteRouteCommand({ ApiId, RouteId: route.RouteId }))
  assert.equal((await http(`${url}/dev/a`, { headers: host })).status, 404)
  await apigw.send(new V2.DeleteRouteCommand({ ApiId, RouteId: other.RouteId }))
  assert.equal((await http(`${url}/dev/b`, { headers: host })).status, 200)
  assert.equal((await apigw.send(new V2.GetStageCommand({ ApiId, StageName: 'dev' }))).LastDeploymentStatusMessage, 'Unable to deploy API because no routes exist in this API')
  await apigw.send(new V2.DeleteStageCommand({ ApiId, StageName: 'dev' }))
  await apigw.send(new V2.DeleteIntegrationCommand({ ApiId, IntegrationId: integration.IntegrationId }))
  assert.deepEqual((await apigw.send(new V2.GetIntegrationsCommand({ ApiId }))).Items, [])
  assert.deepEqual((await apigw.send(new V2.GetStagesCommand({ ApiId }))).Items, [])
})

test('WebSocket sub-resources and domain names: get, update and delete operations', async (t) => {
  const { apigw } = await startControlPlane(t)
  const { ApiId } = await apigw.send(new V2.CreateApiCommand({ Name: 'ws', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' }))
  const integration = await apigw.send(new V2.CreateIntegrationCommand({ ApiId, IntegrationType: 'MOCK', RequestTemplates: { $default: '{"statusCode":200}' } }))
  const ir = await apigw.send(new V2.CreateIntegrationResponseCommand({ ApiId, IntegrationId: integration.IntegrationId, IntegrationResponseKey: '/2\\d\\d/' }))
  assert.equal((await apigw.send(new V2.UpdateIntegrationResponseCommand({ ApiId, IntegrationId: integration.IntegrationId, IntegrationResponseId: ir.IntegrationResponseId, ResponseTemplates: { $default: '{}' } }))).ResponseTemplates?.['$default'], '{}')
  assert.equal((await apigw.send(new V2.GetIntegrationResponseCommand({ ApiId, IntegrationId: integration.IntegrationId, IntegrationResponseId: ir.IntegrationResponseId }))).IntegrationResponseKey, '/2\\d\\d/')
  assert.equal((await apigw.send(new V2.GetIntegrationResponsesCommand({ ApiId, IntegrationId: integration.IntegrationId }))).Items?.length, 1)
  await apigw.send(new V2.DeleteIntegrationResponseCommand({ ApiId, IntegrationId: integration.IntegrationId, IntegrationResponseId: ir.IntegrationResponseId }))
  await assert.rejects(apigw.send(new V2.CreateIntegrationResponseCommand({ ApiId, IntegrationId: integration.IntegrationId, IntegrationResponseKey: '200' })), { name: 'BadRequestException' })

  const route = await apigw.send(new V2.CreateRouteCommand({ ApiId, RouteKey: 'send', Target: `integrations/${integration.IntegrationId}`, RequestParameters: { 'route.request.querystring.x': { Required: true } } }))
  await apigw.send(new V2.DeleteRouteRequestParameterCommand({ ApiId, RouteId: route.RouteId, RequestParameterKey: 'route.request.querystring.x' }))
  assert.deepEqual((await apigw.send(new V2.GetRouteCommand({ ApiId, RouteId: route.RouteId }))).RequestParameters, {})
  const rr = await apigw.send(new V2.CreateRouteResponseCommand({ ApiId, RouteId: route.RouteId, RouteResponseKey: '$default' }))
  assert.equal((await apigw.send(new V2.UpdateRouteResponseCommand({ ApiId, RouteId: route.RouteId, RouteResponseId: rr.RouteResponseId, ModelSelectionExpression: 'x' }))).ModelSelectionExpression, 'x')
  assert.equal((await apigw.send(new V2.GetRouteResponseCommand({ ApiId, RouteId: route.RouteId, RouteResponseId: rr.RouteResponseId }))).RouteResponseKey, '$default')
  assert.equal((await apigw.send(new V2.GetRouteResponsesCommand({ ApiId, RouteId: route.RouteId }))).Items?.length, 1)
  await assert.rejects(apigw.send(new V2.CreateRouteResponseCommand({ ApiId, RouteId: route.RouteId, RouteResponseKey: '$default' })), { name: 'ConflictException', message: "Route response with key '$default' already exists" })
  await assert.rejects(apigw.send(new V2.GetRouteResponsesCommand({ ApiId, RouteId: 'nosuch' })), { name: 'NotFoundException', message: 'Invalid Route identifier specified nosuch' })
  await apigw.send(new V2.DeleteRouteResponseCommand({ ApiId, RouteId: route.RouteId, RouteResponseId: rr.RouteResponseId }))
  await assert.rejects(apigw.send(new V2.GetRouteResponseCommand({ ApiId, RouteId: route.RouteId, RouteResponseId: rr.RouteResponseId })), { name: 'NotFoundException', message: `Invalid RouteResponse identifier specified ${String(rr.RouteResponseId)}` })
  const httpApi = await apigw.send(new V2.CreateApiCommand({ Name: 'h', ProtocolType: 'HTTP' }))
  await assert.rejects(apigw.send(new V2.CreateRouteResponseCommand({ ApiId: httpApi.ApiId, RouteId: 'any', RouteResponseKey: '$default' })), { name: 'BadRequestException', message: 'Route responses are supported only for WebSocket APIs' })

  const model = await apigw.send(new V2.CreateModelCommand({ ApiId, Name: 'Msg', Schema: '{"type":"object"}' }))
  assert.equal((await apigw.send(new V2.UpdateModelCommand({ ApiId, ModelId: model.ModelId, Description: 'd' }))).Description, 'd')
  assert.equal((await apigw.send(new V2.GetModelCommand({ ApiId, ModelId: model.ModelId }))).Name, 'Msg')
  await assert.rejects(apigw.send(new V2.GetModelTemplateCommand({ ApiId, ModelId: model.ModelId })), { name: 'BadRequestException' })
  await assert.rejects(apigw.send(new V2.CreateModelCommand({ ApiId, Name: 'Bad', Schema: '{not json' })), { name: 'BadRequestException' })
  await apigw.send(new V2.DeleteModelCommand({ ApiId, ModelId: model.ModelId }))

  await apigw.send(new V2.CreateStageCommand({ ApiId, StageName: 'prod' }))
  await apigw.send(new V2.CreateDomainNameCommand({ DomainName: 'ws.example.com' }))
  const mapping = await apigw.send(new V2.CreateApiMappingCommand({ DomainName: 'ws.example.com', ApiId, Stage: 'prod' }))
  assert.equal((await apigw.send(new V2.UpdateApiMappingCommand({ DomainName: 'ws.example.com', ApiMappingId: mapping.ApiMappingId, ApiId, ApiMappingKey: 'chat' }))).ApiMappingKey, 'chat')
  assert.equal((await apigw.send(new V2.GetApiMappingCommand({ DomainName: 'ws.example.com', ApiMappingId: mapping.ApiMappingId }))).ApiMappingKey, 'chat')
  await apigw.send(new V2.UpdateDomainNameCommand({ DomainName: 'ws.example.com' }))
  assert.equal((await apigw.send(new V2.GetDomainNamesCommand({}))).Items?.length, 1)
  await apigw.send(new V2.DeleteApiMappingCommand({ DomainName: 'ws.example.com', ApiMappingId: mapping.ApiMappingId }))
  await apigw.send(new V2.DeleteDomainNameCommand({ DomainName: 'ws.example.com' }))
  assert.deepEqual((await apigw.send(new V2.GetDomainNamesCommand({}))).Items, [])
  await assert.rejects(apigw.send(new V2.GetVpcLinksCommand({})), { name: 'BadRequestException' })
})
