// The minimal Lambda API, state that lasts across restarts, SigV4 against the configured iam
// credentials, the main port under AWS's host names, and APIs of the config file beside the
// control plane's.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { CreateApiCommand, CreateRouteCommand, DeleteApiCommand, GetApiCommand, GetApisCommand, GetIntegrationCommand, GetRoutesCommand, GetStagesCommand, UpdateApiCommand, ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2'
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetPolicyCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  RemovePermissionCommand,
} from '@aws-sdk/client-lambda'
import { http } from '../../helpers/http.js'
import { apiHost, DUMMY_CREDENTIALS, ECHO_HANDLER, startControlPlane, stateDir, zipOf } from '../../helpers/control-plane.js'
import { startGateway } from '../../helpers/gateway.js'

const ROLE = 'arn:aws:iam::123456789012:role/lambda'
const FAILING = `export const handler = async () => { throw new TypeError('bad input') }\n`

test('Lambda: create, get, list, invoke, permissions, delete', async (t) => {
  const { lambda } = await startControlPlane(t)
  for (const name of ['a', 'b', 'c']) {
    await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.mjs': ECHO_HANDLER }) }, Timeout: 10 }))
  }
  await assert.rejects(lambda.send(new CreateFunctionCommand({ FunctionName: 'a', Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.mjs': ECHO_HANDLER }) } })), {
    name: 'ResourceConflictException',
    message: 'Function already exist: a',
  })
  await assert.rejects(lambda.send(new CreateFunctionCommand({ FunctionName: 'java', Runtime: 'java21', Role: ROLE, Handler: 'app.Handler', Code: { ZipFile: zipOf({ 'App.class': '' }) } })), {
    name: 'InvalidParameterValueException',
    message: /^Runtime java21 is not served by Gatehouse's execution environments; use one of nodejs18\.x, .*python3\.12.*provided\.al2023$/,
  })
  await assert.rejects(lambda.send(new CreateFunctionCommand({ FunctionName: 'zip', Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: Buffer.from('not a zip') } })), {
    name: 'InvalidParameterValueException',
  })
  const got = await lambda.send(new GetFunctionCommand({ FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:b' }))
  assert.equal(got.Configuration?.FunctionName, 'b')
  assert.equal(got.Configuration?.Timeout, 10)
  assert.equal(got.Configuration?.Runtime, 'nodejs20.x')
  const page1 = await lambda.send(new ListFunctionsCommand({ MaxItems: 2 }))
  assert.deepEqual(page1.Functions?.map((f) => f.FunctionName), ['a', 'b'])
  const page2 = await lambda.send(new ListFunctionsCommand({ MaxItems: 2, Marker: page1.NextMarker }))
  assert.deepEqual(page2.Functions?.map((f) => f.FunctionName), ['c'])
  assert.equal(page2.NextMarker, undefined)

  const added = await lambda.send(new AddPermissionCommand({ FunctionName: 'a', StatementId: 'apigw', Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com', SourceArn: 'arn:aws:execute-api:us-east-1:123456789012:abc/*' }))
  assert.deepEqual(JSON.parse(added.Statement as string), {
    Sid: 'apigw',
    Effect: 'Allow',
    Principal: { Service: 'apigateway.amazonaws.com' },
    Action: 'lambda:InvokeFunction',
    Resource: 'arn:aws:lambda:us-east-1:123456789012:function:a',
    Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:execute-api:us-east-1:123456789012:abc/*' } },
  })
  await assert.rejects(lambda.send(new AddPermissionCommand({ FunctionName: 'a', StatementId: 'apigw', Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' })), { name: 'ResourceConflictException' })
  const policy = await lambda.send(new GetPolicyCommand({ FunctionName: 'a' }))
  assert.equal((JSON.parse(policy.Policy as string) as { Statement: unknown[] }).Statement.length, 1)
  await lambda.send(new RemovePermissionCommand({ FunctionName: 'a', StatementId: 'apigw' }))
  await assert.rejects(lambda.send(new RemovePermissionCommand({ FunctionName: 'a', StatementId: 'apigw' })), { name: 'ResourceNotFoundException', message: 'Statement apigw is not found in resource policy.' })

  await lambda.send(new CreateFunctionCommand({ FunctionName: 'fails', Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.mjs': FAILING }) } }))
  const failed = await lambda.send(new InvokeCommand({ FunctionName: 'fails', Payload: Buffer.from('{}') }))
  assert.equal(failed.StatusCode, 200)
  assert.equal(failed.FunctionError, 'Unhandled')
  const error = JSON.parse(Buffer.from(failed.Payload ?? new Uint8Array()).toString('utf8')) as { errorType: string; errorMessage: string }
  assert.equal(error.errorType, 'TypeError')
  assert.equal(error.errorMessage, 'bad input')
  await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: 'a', Payload: Buffer.from('{not json') })), { name: 'InvalidRequestContentException' })
  assert.equal((await lambda.send(new InvokeCommand({ FunctionName: 'a', InvocationType: 'Event', Payload: Buffer.from('{}') }))).StatusCode, 202)
  assert.equal((await lambda.send(new InvokeCommand({ FunctionName: 'a', InvocationType: 'DryRun' }))).StatusCode, 204)

  await lambda.send(new DeleteFunctionCommand({ FunctionName: 'c' }))
  await assert.rejects(lambda.send(new GetFunctionCommand({ FunctionName: 'c' })), {
    name: 'ResourceNotFoundException',
    message: 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:c',
  })
  await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: 'c' })), { name: 'ResourceNotFoundException' })
})

test('Lambda: a Python function created with CreateFunction runs on the Python runtime', async (t) => {
  const { lambda } = await startControlPlane(t)
  const code = 'import sys\ndef handler(event, context):\n    return {"got": event, "fn": context.function_name, "python": sys.version_info[0]}\n'
  // A generous timeout: the point is the runtime, not the clock, and test machines are often loaded.
  await lambda.send(new CreateFunctionCommand({ FunctionName: 'py', Runtime: 'python3.12', Role: ROLE, Handler: 'app.handler', Code: { ZipFile: zipOf({ 'app.py': code }) }, Timeout: 30 }))
  const out = await lambda.send(new InvokeCommand({ FunctionName: 'py', Payload: Buffer.from('{"n":1}') }))
  assert.equal(out.FunctionError, undefined)
  assert.deepEqual(JSON.parse(Buffer.from(out.Payload ?? []).toString()), { got: { n: 1 }, fn: 'py', python: 3 })
})

test('a route whose function was deleted answers 500 Internal Server Error, as a failed Lambda invoke does', async (t) => {
  const { lambda, apigw, url } = await startControlPlane(t)
  await lambda.send(new CreateFunctionCommand({ FunctionName: 'short', Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.mjs': ECHO_HANDLER }) } }))
  const { ApiId } = await apigw.send(new CreateApiCommand({ Name: 'q', ProtocolType: 'HTTP', Target: 'arn:aws:lambda:us-east-1:123456789012:function:short' }))
  assert.equal((await http(`${url}/any`, { headers: { host: apiHost(ApiId as string) } })).status, 200)
  await lambda.send(new DeleteFunctionCommand({ FunctionName: 'short' }))
  const res = await http(`${url}/any`, { headers: { host: apiHost(ApiId as string) } })
  assert.equal(res.status, 500)
  assert.deepEqual(res.json(), { message: 'Internal Server Error' })
})

test('the state folder keeps every acknowledged change across a restart', async (t) => {
  const state = stateDir(t)
  let apiId: string
  {
    const first = await startControlPlane(t, { state })
    await first.lambda.send(new CreateFunctionCommand({ FunctionName: 'kept', Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.mjs': ECHO_HANDLER }) } }))
    const api = await first.apigw.send(new CreateApiCommand({ Name: 'kept', ProtocolType: 'HTTP', Target: 'arn:aws:lambda:us-east-1:123456789012:function:kept', RouteKey: 'GET /kept' }))
    apiId = api.ApiId as string
    await first.gateway.stop()
  }
  assert.ok(existsSync(join(state, 'state.json')))
  assert.deepEqual(readdirSync(state).filter((f) => f.endsWith('.tmp')), [], 'no temporary file is left behind')
  const second = await startControlPlane(t, { state })
  const apis = await second.apigw.send(new GetApisCommand({}))
  assert.deepEqual(apis.Items?.map((a) => a.ApiId), [apiId])
  const res = await http(`${second.url}/kept`, { headers: { host: apiHost(apiId) } })
  assert.equal(res.status, 200)
  assert.equal(res.json<{ routeKey: string }>().routeKey, 'GET /kept')
})

test('a state file that cannot be read stops the start with its path named', async (t) => {
  const state = stateDir(t)
  writeFileSync(join(state, 'state.json'), '{"version": 1, "apis": ')
  await assert.rejects(startControlPlane(t, { state }), (err: Error) => {
    assert.match(err.message, /state\.json: the control plane's state cannot be read/)
    return true
  })
})

test('with iam credentials, requests are SigV4-verified (service apigateway / lambda)', async (t) => {
  const accessKeyId = 'AKIAGATEHOUSETEST001'
  const secretAccessKey = 'gatehouse-test-secret'
  const { gateway, apigw } = await startControlPlane(t, {
    config: { iam: { credentials: [{ accessKeyId, secretAccessKey }] } },
    credentials: { accessKeyId, secretAccessKey },
  })
  const created = await apigw.send(new CreateApiCommand({ Name: 'signed', ProtocolType: 'HTTP' }))
  assert.ok(created.ApiId)
  const stranger = new ApiGatewayV2Client({ endpoint: gateway.adminUrl, region: 'us-east-1', credentials: DUMMY_CREDENTIALS, maxAttempts: 1 })
  t.after(() => stranger.destroy())
  await assert.rejects(stranger.send(new GetApisCommand({})), { name: 'UnrecognizedClientException' })
  const wrongSecret = new ApiGatewayV2Client({ endpoint: gateway.adminUrl, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey: 'nope' }, maxAttempts: 1 })
  t.after(() => wrongSecret.destroy())
  await assert.rejects(wrongSecret.send(new GetApisCommand({})), { name: 'InvalidSignatureException' })
  const unsigned = await http(`${gateway.adminUrl}/v2/apis`)
  assert.equal(unsigned.status, 403)
  assert.equal(unsigned.headers['x-amzn-errortype'], 'InvalidSignatureException')
  assert.deepEqual(unsigned.json(), { message: 'Missing Authentication Token' })
})

test('the main port answers the control plane under apigateway.{region}.amazonaws.com and lambda.{region}.amazonaws.com, or signed for those services', async (t) => {
  const { url, apigw } = await startControlPlane(t)
  const { ApiId } = await apigw.send(new CreateApiCommand({ Name: 'main-port', ProtocolType: 'HTTP' }))
  const viaHost = await http(`${url}/v2/apis/${ApiId}`, { headers: { host: 'apigateway.us-east-1.amazonaws.com' } })
  assert.equal(viaHost.status, 200)
  assert.equal(viaHost.json<{ name: string }>().name, 'main-port')
  const lambdaHost = await http(`${url}/2015-03-31/functions/`, { headers: { host: 'lambda.us-east-1.amazonaws.com' } })
  assert.equal(lambdaHost.status, 200)
  assert.deepEqual(lambdaHost.json(), { Functions: [] })
  // Any other host is the data plane: /v2/apis is just a path there, unless signed for apigateway.
  const dataPlane = await http(`${url}/v2/apis/${ApiId}`, { headers: { host: 'localhost' } })
  assert.equal(dataPlane.status, 404)
  assert.deepEqual(dataPlane.json(), { message: 'Not Found' })
  const viaMainPort = new ApiGatewayV2Client({ endpoint: url, region: 'us-east-1', credentials: DUMMY_CREDENTIALS, maxAttempts: 1 })
  t.after(() => viaMainPort.destroy())
  assert.equal((await viaMainPort.send(new GetApiCommand({ ApiId }))).Name, 'main-port')
  const lambdaViaMainPort = new LambdaClient({ endpoint: url, region: 'us-east-1', credentials: DUMMY_CREDENTIALS, maxAttempts: 1 })
  t.after(() => lambdaViaMainPort.destroy())
  assert.deepEqual((await lambdaViaMainPort.send(new ListFunctionsCommand({}))).Functions, [])
})

test('APIs of the config file are listed beside the control plane\'s, and refused for changes naming the file', async (t) => {
  const dir = stateDir(t)
  mkdirSync(join(dir, 'project'))
  writeFileSync(join(dir, 'project', 'app.mjs'), ECHO_HANDLER)
  const configFile = join(dir, 'project', 'gatehouse.yaml')
  writeFileSync(configFile, ['functions:', '  app:', '    handler: app.handler', 'apis:', '  - name: from-file', '    apiId: fromfile01', '    routes:', '      - routeKey: GET /file', '        target: integrations/app', '    integrations:', '      - integrationId: app', '        integrationType: AWS_PROXY', '        integrationUri: app', '        payloadFormatVersion: "2.0"', ''].join('\n'))
  const { gateway, logs } = await startGateway(t, configFile, { admin: {}, controlPlane: {} })
  void logs
  assert.equal(gateway.stateDir, join(dir, 'project', '.gatehouse'))
  const apigw = new ApiGatewayV2Client({ endpoint: gateway.adminUrl, region: 'us-east-1', credentials: DUMMY_CREDENTIALS, maxAttempts: 1 })
  t.after(() => apigw.destroy())
  const mine = await apigw.send(new CreateApiCommand({ Name: 'mine', ProtocolType: 'HTTP', Target: 'arn:aws:lambda:us-east-1:123456789012:function:app', RouteKey: 'GET /mine' }))
  const listed = await apigw.send(new GetApisCommand({}))
  assert.deepEqual(listed.Items?.map((a) => a.Name), ['from-file', 'mine'])
  await assert.rejects(apigw.send(new UpdateApiCommand({ ApiId: 'fromfile01', Name: 'renamed' })), (err: Error) => {
    assert.equal(err.name, 'BadRequestException')
    assert.ok(err.message.includes(configFile), err.message)
    return true
  })
  await assert.rejects(apigw.send(new DeleteApiCommand({ ApiId: 'fromfile01' })), { name: 'BadRequestException' })
  // Reads see the file's API in the wire shape.
  const fileRoutes = await apigw.send(new GetRoutesCommand({ ApiId: 'fromfile01' }))
  assert.deepEqual(fileRoutes.Items?.map((r) => [r.RouteKey, r.Target, r.AuthorizationType]), [['GET /file', 'integrations/app', 'NONE']])
  const fileIntegration = await apigw.send(new GetIntegrationCommand({ ApiId: 'fromfile01', IntegrationId: 'app' }))
  assert.equal(fileIntegration.IntegrationType, 'AWS_PROXY')
  assert.equal(fileIntegration.PayloadFormatVersion, '2.0')
  assert.deepEqual((await apigw.send(new GetStagesCommand({ ApiId: 'fromfile01' }))).Items?.map((st) => st.StageName), ['$default'])
  await assert.rejects(apigw.send(new CreateRouteCommand({ ApiId: 'fromfile01', RouteKey: 'GET /x' })), { name: 'BadRequestException' })
  // Both serve; the control plane's API uses the file's function.
  assert.equal((await http(`${gateway.url}/file`, { headers: { host: apiHost('fromfile01') } })).status, 200)
  const res = await http(`${gateway.url}/mine`, { headers: { host: apiHost(mine.ApiId as string) } })
  assert.equal(res.status, 200)
  assert.equal(res.json<{ routeKey: string }>().routeKey, 'GET /mine')
  assert.ok(JSON.parse(readFileSync(join(gateway.stateDir, 'state.json'), 'utf8')).apis[mine.ApiId as string])
})
