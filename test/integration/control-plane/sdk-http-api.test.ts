// The apigatewayv2 and Lambda control plane driven by the AWS SDK v3 clients: a function and
// an HTTP API created, served, changed and deleted with no config file.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  CreateApiCommand,
  CreateDeploymentCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  DeleteApiCommand,
  DeleteIntegrationCommand,
  DeleteRouteCommand,
  GetApiCommand,
  GetApisCommand,
  GetRoutesCommand,
  GetStageCommand,
  UpdateRouteCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-apigatewayv2'
import { CreateFunctionCommand, InvokeCommand, UpdateFunctionConfigurationCommand, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda'
import { http } from '../../helpers/http.js'
import { apiHost, ECHO_HANDLER, startControlPlane, zipOf } from '../../helpers/control-plane.js'

const ARN = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`

test('a function and an HTTP API created through the SDKs serve requests at once', async (t) => {
  const { lambda, apigw, url } = await startControlPlane(t)
  const fn = await lambda.send(
    new CreateFunctionCommand({ FunctionName: 'echo', Runtime: 'nodejs20.x', Role: 'arn:aws:iam::123456789012:role/r', Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.mjs': ECHO_HANDLER }) }, Environment: { Variables: { MESSAGE: 'hi' } } })
  )
  assert.equal(fn.FunctionArn, ARN('echo'))
  assert.equal(fn.State, 'Active')
  assert.equal(fn.Timeout, 3)
  assert.equal(fn.MemorySize, 128)

  const api = await apigw.send(new CreateApiCommand({ Name: 'shop', ProtocolType: 'HTTP' }))
  assert.match(api.ApiId ?? '', /^[a-z0-9]{10}$/)
  assert.equal(api.RouteSelectionExpression, '$request.method $request.path')
  assert.equal(api.ApiKeySelectionExpression, '$request.header.x-api-key')
  assert.equal(api.ApiEndpoint, `https://${api.ApiId}.execute-api.us-east-1.amazonaws.com`)
  assert.equal(api.DisableExecuteApiEndpoint, false)
  assert.ok(api.CreatedDate instanceof Date)
  const apiId = api.ApiId as string

  const integration = await apigw.send(new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: 'AWS_PROXY', IntegrationUri: ARN('echo'), PayloadFormatVersion: '2.0' }))
  assert.equal(integration.ConnectionType, 'INTERNET')
  assert.equal(integration.TimeoutInMillis, 30000)
  const route = await apigw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'GET /items/{id}', Target: `integrations/${integration.IntegrationId}` }))
  assert.equal(route.AuthorizationType, 'NONE')
  assert.equal(route.ApiKeyRequired, false)

  // No stage yet: nothing serves the API.
  const before = await http(`${url}/items/1`, { headers: { host: apiHost(apiId) } })
  assert.equal(before.status, 404)

  const stage = await apigw.send(new CreateStageCommand({ ApiId: apiId, StageName: '$default', AutoDeploy: true }))
  assert.equal(stage.AutoDeploy, true)
  assert.deepEqual(stage.DefaultRouteSettings, { DetailedMetricsEnabled: false })
  const served = await http(`${url}/items/7`, { headers: { host: apiHost(apiId) } })
  assert.equal(served.status, 200)
  assert.deepEqual(served.json(), { routeKey: 'GET /items/{id}', path: '/items/7', message: 'hi', version: 1 })

  // An auto-deployed stage serves every change at once.
  await apigw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'POST /items', Target: `integrations/${integration.IntegrationId}` }))
  const posted = await http(`${url}/items`, { method: 'POST', headers: { host: apiHost(apiId) }, body: '{}' })
  assert.equal(posted.status, 200)
  assert.equal(posted.json<{ routeKey: string }>().routeKey, 'POST /items')

  // New code and configuration go live too.
  await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'echo', ZipFile: zipOf({ 'index.mjs': ECHO_HANDLER.replace('version: 1', 'version: 2') }) }))
  await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'echo', Environment: { Variables: { MESSAGE: 'hello' } } }))
  const updated = await http(`${url}/items/7`, { headers: { host: apiHost(apiId) } })
  assert.deepEqual(updated.json(), { routeKey: 'GET /items/{id}', path: '/items/7', message: 'hello', version: 2 })

  const invoked = await lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from(JSON.stringify({ rawPath: '/direct' })) }))
  assert.equal(invoked.StatusCode, 200)
  assert.equal(invoked.FunctionError, undefined)
  const payload = JSON.parse(Buffer.from(invoked.Payload ?? new Uint8Array()).toString('utf8')) as { body: string }
  assert.equal((JSON.parse(payload.body) as { path: string }).path, '/direct')

  await apigw.send(new DeleteApiCommand({ ApiId: apiId }))
  const gone = await http(`${url}/items/7`, { headers: { host: apiHost(apiId) } })
  assert.equal(gone.status, 404)
  await assert.rejects(apigw.send(new GetApiCommand({ ApiId: apiId })), (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(err.name, 'NotFoundException')
    assert.equal(err.message, `Invalid API identifier specified 123456789012:${apiId}`)
    assert.equal(err.$metadata?.httpStatusCode, 404)
    return true
  })
})

test('a stage without autoDeploy serves its deployment until CreateDeployment or UpdateStage moves it', async (t) => {
  const { lambda, apigw, url } = await startControlPlane(t)
  await lambda.send(new CreateFunctionCommand({ FunctionName: 'echo', Runtime: 'nodejs20.x', Role: 'r', Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.mjs': ECHO_HANDLER }) } }))
  const { ApiId: apiId } = await apigw.send(new CreateApiCommand({ Name: 'staged', ProtocolType: 'HTTP' }))
  const { IntegrationId } = await apigw.send(new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: 'AWS_PROXY', IntegrationUri: ARN('echo'), PayloadFormatVersion: '2.0' }))
  const first = await apigw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'GET /v1', Target: `integrations/${IntegrationId}` }))
  await apigw.send(new CreateStageCommand({ ApiId: apiId, StageName: 'prod' }))
  const host = { host: apiHost(apiId as string) }
  assert.equal((await http(`${url}/prod/v1`, { headers: host })).status, 404, 'a stage without a deployment serves nothing')

  const d1 = await apigw.send(new CreateDeploymentCommand({ ApiId: apiId, StageName: 'prod', Description: 'one' }))
  assert.equal(d1.DeploymentStatus, 'DEPLOYED')
  assert.equal(d1.AutoDeployed, false)
  assert.equal((await apigw.send(new GetStageCommand({ ApiId: apiId, StageName: 'prod' }))).DeploymentId, d1.DeploymentId)
  assert.equal((await http(`${url}/prod/v1`, { headers: host })).status, 200)

  // Changes after the deployment wait for the next one.
  await apigw.send(new UpdateRouteCommand({ ApiId: apiId, RouteId: first.RouteId, RouteKey: 'GET /v2' }))
  assert.equal((await http(`${url}/prod/v1`, { headers: host })).status, 200)
  assert.equal((await http(`${url}/prod/v2`, { headers: host })).status, 404)

  // A second stage on a new deployment, while prod stays on the first: one API, two definitions.
  const d2 = await apigw.send(new CreateDeploymentCommand({ ApiId: apiId }))
  await apigw.send(new CreateStageCommand({ ApiId: apiId, StageName: 'beta', DeploymentId: d2.DeploymentId }))
  assert.equal((await http(`${url}/beta/v2`, { headers: host })).status, 200)
  assert.equal((await http(`${url}/beta/v1`, { headers: host })).status, 404)
  assert.equal((await http(`${url}/prod/v1`, { headers: host })).status, 200)

  // UpdateStage moves prod.
  await apigw.send(new UpdateStageCommand({ ApiId: apiId, StageName: 'prod', DeploymentId: d2.DeploymentId }))
  assert.equal((await http(`${url}/prod/v2`, { headers: host })).status, 200)
  assert.equal((await http(`${url}/prod/v1`, { headers: host })).status, 404)
})

test('quick create builds the integration, route and $default stage as AWS does', async (t) => {
  const { lambda, apigw, url } = await startControlPlane(t)
  await lambda.send(new CreateFunctionCommand({ FunctionName: 'echo', Runtime: 'nodejs22.x', Role: 'r', Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.mjs': ECHO_HANDLER }) } }))
  const api = await apigw.send(new CreateApiCommand({ Name: 'quick', ProtocolType: 'HTTP', Target: ARN('echo'), RouteKey: 'GET /hello' }))
  const apiId = api.ApiId as string
  const routes = await apigw.send(new GetRoutesCommand({ ApiId: apiId }))
  assert.equal(routes.Items?.length, 1)
  assert.equal(routes.Items?.[0]?.RouteKey, 'GET /hello')
  assert.equal(routes.Items?.[0]?.ApiGatewayManaged, true)
  const stage = await apigw.send(new GetStageCommand({ ApiId: apiId, StageName: '$default' }))
  assert.equal(stage.AutoDeploy, true)
  assert.equal(stage.ApiGatewayManaged, true)
  const res = await http(`${url}/hello`, { headers: { host: apiHost(apiId) } })
  assert.equal(res.status, 200)
  assert.equal(res.json<{ routeKey: string }>().routeKey, 'GET /hello')
  // The managed route and integration are guarded.
  const routeId = routes.Items?.[0]?.RouteId
  await assert.rejects(apigw.send(new DeleteRouteCommand({ ApiId: apiId, RouteId: routeId })), { name: 'BadRequestException' })
  const integrationId = routes.Items?.[0]?.Target?.split('/')[1]
  await assert.rejects(apigw.send(new DeleteIntegrationCommand({ ApiId: apiId, IntegrationId: integrationId })), { name: 'BadRequestException' })
  await assert.rejects(apigw.send(new UpdateStageCommand({ ApiId: apiId, StageName: '$default', Description: 'x' })), { name: 'BadRequestException' })
})

test('GetApis and GetRoutes paginate with maxResults and nextToken', async (t) => {
  const { apigw } = await startControlPlane(t)
  const { ApiId: apiId } = await apigw.send(new CreateApiCommand({ Name: 'paged', ProtocolType: 'HTTP' }))
  for (let i = 0; i < 7; i++) await apigw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: `GET /r${i}` }))
  const firstPage = await apigw.send(new GetRoutesCommand({ ApiId: apiId, MaxResults: '3' }))
  assert.equal(firstPage.Items?.length, 3)
  assert.equal(typeof firstPage.NextToken, 'string')
  const keys: string[] = []
  let token: string | undefined
  do {
    const p = await apigw.send(new GetRoutesCommand({ ApiId: apiId, MaxResults: '2', ...(token !== undefined ? { NextToken: token } : {}) }))
    assert.ok((p.Items ?? []).length <= 2)
    keys.push(...(p.Items ?? []).map((r) => r.RouteKey as string))
    token = p.NextToken
  } while (token !== undefined)
  assert.deepEqual(keys.sort(), ['GET /r0', 'GET /r1', 'GET /r2', 'GET /r3', 'GET /r4', 'GET /r5', 'GET /r6'])
  const apis = await apigw.send(new GetApisCommand({}))
  assert.deepEqual(apis.Items?.map((a) => a.ApiId), [apiId])
  assert.equal(apis.NextToken, undefined)
})
