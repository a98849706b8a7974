// ImportApi / ReimportApi / ExportApi (spec 12.7): an exported API imported into a fresh
// gateway serves the same routes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  CreateApiCommand,
  CreateAuthorizerCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  ExportApiCommand,
  GetAuthorizersCommand,
  GetRoutesCommand,
  ImportApiCommand,
  ReimportApiCommand,
} from '@aws-sdk/client-apigatewayv2'
import { CreateFunctionCommand } from '@aws-sdk/client-lambda'
import { parse } from 'yaml'
import { http } from '../../helpers/http.js'
import { apiHost, ECHO_HANDLER, startControlPlane, zipOf } from '../../helpers/control-plane.js'

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:echo'

test('an exported API imported into a fresh gateway serves the same routes', async (t) => {
  const source = await startControlPlane(t)
  await source.lambda.send(new CreateFunctionCommand({ FunctionName: 'echo', Runtime: 'nodejs20.x', Role: 'r', Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.mjs': ECHO_HANDLER }) } }))
  const { ApiId } = await source.apigw.send(new CreateApiCommand({ Name: 'exported', ProtocolType: 'HTTP', Version: '2.1', CorsConfiguration: { AllowOrigins: ['https://example.com'], AllowMethods: ['GET'] } }))
  const { IntegrationId } = await source.apigw.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'AWS_PROXY', IntegrationUri: ARN, PayloadFormatVersion: '2.0' }))
  const jwt = await source.apigw.send(new CreateAuthorizerCommand({ ApiId, Name: 'users', AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'], JwtConfiguration: { Issuer: 'https://issuer.example.com', Audience: ['a'] } }))
  for (const key of ['GET /pets/{id}', 'ANY /things/{proxy+}', '$default']) await source.apigw.send(new CreateRouteCommand({ ApiId, RouteKey: key, Target: `integrations/${IntegrationId}` }))
  await source.apigw.send(new CreateRouteCommand({ ApiId, RouteKey: 'GET /private', Target: `integrations/${IntegrationId}`, AuthorizationType: 'JWT', AuthorizerId: jwt.AuthorizerId, AuthorizationScopes: ['read'] }))
  await source.apigw.send(new CreateStageCommand({ ApiId, StageName: '$default', AutoDeploy: true }))

  const exported = await source.apigw.send(new ExportApiCommand({ ApiId, Specification: 'OAS30', OutputType: 'YAML' }))
  const yamlText = Buffer.from(exported.body ?? new Uint8Array()).toString('utf8')
  const document = parse(yamlText) as { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, { 'x-amazon-apigateway-integration'?: { type: string; uri: string; payloadFormatVersion: string }; security?: unknown }>>; 'x-amazon-apigateway-cors': unknown }
  assert.equal(document.openapi, '3.0.1')
  assert.deepEqual(document.info, { title: 'exported', version: '2.1' })
  assert.deepEqual(Object.keys(document.paths).sort(), ['/$default', '/pets/{id}', '/private', '/things/{proxy+}'])
  assert.deepEqual(document.paths['/pets/{id}']?.['get']?.['x-amazon-apigateway-integration'], { type: 'aws_proxy', httpMethod: 'POST', uri: ARN, payloadFormatVersion: '2.0', connectionType: 'INTERNET', timeoutInMillis: 30000 })
  assert.deepEqual(document.paths['/private']?.['get']?.security, [{ users: ['read'] }])
  assert.deepEqual(document['x-amazon-apigateway-cors'], { allowOrigins: ['https://example.com'], allowMethods: ['GET'] })
  const bare = await source.apigw.send(new ExportApiCommand({ ApiId, Specification: 'OAS30', OutputType: 'JSON', IncludeExtensions: false }))
  assert.ok(!Buffer.from(bare.body ?? new Uint8Array()).toString('utf8').includes('x-amazon-apigateway'))

  const target = await startControlPlane(t)
  await target.lambda.send(new CreateFunctionCommand({ FunctionName: 'echo', Runtime: 'nodejs20.x', Role: 'r', Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.mjs': ECHO_HANDLER }) } }))
  const imported = await target.apigw.send(new ImportApiCommand({ Body: yamlText }))
  assert.equal(imported.Name, 'exported')
  assert.equal(imported.Version, '2.1')
  const newId = imported.ApiId as string
  const routes = await target.apigw.send(new GetRoutesCommand({ ApiId: newId }))
  assert.deepEqual(routes.Items?.map((r) => r.RouteKey).sort(), ['$default', 'ANY /things/{proxy+}', 'GET /pets/{id}', 'GET /private'])
  const authorizers = await target.apigw.send(new GetAuthorizersCommand({ ApiId: newId }))
  assert.equal(authorizers.Items?.[0]?.JwtConfiguration?.Issuer, 'https://issuer.example.com')
  const privateRoute = routes.Items?.find((r) => r.RouteKey === 'GET /private')
  assert.equal(privateRoute?.AuthorizationType, 'JWT')
  assert.equal(privateRoute?.AuthorizerId, authorizers.Items?.[0]?.AuthorizerId)
  await target.apigw.send(new CreateStageCommand({ ApiId: newId, StageName: '$default', AutoDeploy: true }))
  for (const [path, routeKey] of [['/pets/3', 'GET /pets/{id}'], ['/things/a/b', 'ANY /things/{proxy+}'], ['/elsewhere', '$default']] as const) {
    const before = await http(`${source.url}${path}`, { headers: { host: apiHost(ApiId as string) } })
    const after = await http(`${target.url}${path}`, { headers: { host: apiHost(newId) } })
    assert.equal(after.status, 200)
    assert.deepEqual(after.json(), before.json())
    assert.equal(after.json<{ routeKey: string }>().routeKey, routeKey)
  }
  assert.equal((await http(`${target.url}/private`, { headers: { host: apiHost(newId) } })).status, 401)

  // ReimportApi replaces the definition; the stage stays and serves the new routes.
  const replaced = yamlText.replace('/pets/{id}', '/animals/{id}')
  await target.apigw.send(new ReimportApiCommand({ ApiId: newId, Body: replaced }))
  assert.equal((await http(`${target.url}/animals/3`, { headers: { host: apiHost(newId) } })).json<{ routeKey: string }>().routeKey, 'GET /animals/{id}')
  assert.equal((await http(`${target.url}/pets/3`, { headers: { host: apiHost(newId) } })).json<{ routeKey: string }>().routeKey, '$default')
})

test('ImportApi refuses Swagger 2.0 and malformed documents, naming the problem', async (t) => {
  const { apigw } = await startControlPlane(t)
  await assert.rejects(apigw.send(new ImportApiCommand({ Body: JSON.stringify({ swagger: '2.0', info: { title: 'x' }, paths: {} }) })), (err: Error) => {
    assert.equal(err.name, 'BadRequestException')
    assert.match(err.message, /Swagger 2\.0 documents are not supported/)
    return true
  })
  await assert.rejects(apigw.send(new ImportApiCommand({ Body: 'openapi: [unclosed' })), { name: 'BadRequestException' })
  const prepended = await apigw.send(new ImportApiCommand({ Basepath: 'prepend', Body: JSON.stringify({ openapi: '3.0.1', info: { title: 'based', version: '1' }, servers: [{ url: 'https://example.com/v1' }], paths: { '/pets': { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: 'https://example.com/pets', payloadFormatVersion: '1.0' } } } } }) }))
  const routes = await apigw.send(new GetRoutesCommand({ ApiId: prepended.ApiId }))
  assert.deepEqual(routes.Items?.map((r) => r.RouteKey), ['GET /v1/pets'])
})
