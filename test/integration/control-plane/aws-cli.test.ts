// End to end with the real AWS CLI (Debian's `awscli`; .ci/run installs it): a function, an
// HTTP API with a JWT authorizer and a WebSocket API deployed with `aws lambda` and
// `aws apigatewayv2` against the gateway, called, updated and deleted. No config file.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { http } from '../../helpers/http.js'
import { apiHost, DUMMY_CREDENTIALS, startControlPlane, zipOf } from '../../helpers/control-plane.js'
import { generateSigningKey, signToken, startOidcServer } from '../../helpers/oidc-server.js'
import { connectClient, wsUrl } from '../../helpers/ws-client.js'

const run = promisify(execFile)

/** The AWS CLI: Debian's package first, else whatever `aws` is on PATH. Missing is a failure, not a skip. */
function awsCli(): { path: string; major: number } {
  const candidates = ['/usr/bin/aws', 'aws']
  for (const path of candidates) {
    const probe = spawnSync(path, ['--version'], { encoding: 'utf8' })
    if (probe.status === 0) {
      const major = Number(/aws-cli\/(\d+)/.exec(probe.stdout + probe.stderr)?.[1] ?? '1')
      return { path, major }
    }
  }
  assert.fail('The AWS CLI is required by this test and was not found: install the Debian package awscli (apt-get install -y awscli), as .ci/run does')
}

function cliRunner(t: TestContext, endpoint: string) {
  const { path, major } = awsCli()
  const home = mkdtempSync(join(tmpdir(), 'gatehouse-awscli-'))
  t.after(() => rmSync(home, { recursive: true, force: true }))
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  }
  return {
    home,
    major,
    async aws(...args: string[]): Promise<Record<string, unknown>> {
      try {
        const { stdout } = await run(path, [...args, '--endpoint-url', endpoint, '--output', 'json'], { env, maxBuffer: 16 * 1024 * 1024 })
        return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>)
      } catch (err) {
        const e = err as { stderr?: string; message: string }
        throw new Error(`aws ${args.join(' ')} failed: ${e.stderr ?? e.message}`)
      }
    },
    /** A call that must fail: its stderr. */
    async awsFails(...args: string[]): Promise<string> {
      try {
        await run(path, [...args, '--endpoint-url', endpoint, '--output', 'json'], { env })
      } catch (err) {
        return (err as { stderr: string }).stderr
      }
      assert.fail(`aws ${args.join(' ')} succeeded`)
    },
  }
}

const HTTP_HANDLER = (version: number) => `export const handler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ version: ${version}, routeKey: event.routeKey, sub: event.requestContext.authorizer?.jwt?.claims?.sub ?? null }),
})
`
const WS_HANDLER = `export const handler = async (event) => {
  const route = event.requestContext.routeKey
  if (route === '$connect' || route === '$disconnect') return { statusCode: 200 }
  return { statusCode: 200, body: 'echo:' + event.body }
}
`

test('the AWS CLI deploys, calls, updates and deletes a function, a JWT-protected HTTP API and a WebSocket API', async (t) => {
  const { gateway, url } = await startControlPlane(t)
  const { aws, awsFails, home, major } = cliRunner(t, gateway.adminUrl)
  const key = await generateSigningKey('RS256')
  const oidc = await startOidcServer(t, { keys: [key] })

  // Lambda: two functions from zips on disk (fileb://).
  writeFileSync(join(home, 'http.zip'), zipOf({ 'index.mjs': HTTP_HANDLER(1) }))
  writeFileSync(join(home, 'ws.zip'), zipOf({ 'index.mjs': WS_HANDLER }))
  const fn = await aws('lambda', 'create-function', '--function-name', 'hello', '--runtime', 'nodejs20.x', '--role', 'arn:aws:iam::123456789012:role/lambda', '--handler', 'index.handler', '--zip-file', `fileb://${join(home, 'http.zip')}`)
  assert.equal(fn['FunctionArn'], 'arn:aws:lambda:us-east-1:123456789012:function:hello')
  await aws('lambda', 'create-function', '--function-name', 'wsecho', '--runtime', 'nodejs20.x', '--role', 'arn:aws:iam::123456789012:role/lambda', '--handler', 'index.handler', '--zip-file', `fileb://${join(home, 'ws.zip')}`)
  const permission = await aws('lambda', 'add-permission', '--function-name', 'hello', '--statement-id', 'apigw', '--action', 'lambda:InvokeFunction', '--principal', 'apigateway.amazonaws.com')
  assert.equal((JSON.parse(permission['Statement'] as string) as { Sid: string }).Sid, 'apigw')

  // HTTP API with a JWT authorizer.
  const api = await aws('apigatewayv2', 'create-api', '--name', 'cli-http', '--protocol-type', 'HTTP')
  const apiId = api['ApiId'] as string
  assert.equal(api['RouteSelectionExpression'], '$request.method $request.path')
  const authorizer = await aws('apigatewayv2', 'create-authorizer', '--api-id', apiId, '--authorizer-type', 'JWT', '--name', 'jwt', '--identity-source', '$request.header.Authorization', '--jwt-configuration', `Audience=gatehouse-cli,Issuer=${oidc.issuer}`)
  const integration = await aws('apigatewayv2', 'create-integration', '--api-id', apiId, '--integration-type', 'AWS_PROXY', '--integration-uri', fn['FunctionArn'] as string, '--payload-format-version', '2.0')
  const route = await aws('apigatewayv2', 'create-route', '--api-id', apiId, '--route-key', 'GET /secure', '--target', `integrations/${integration['IntegrationId'] as string}`, '--authorization-type', 'JWT', '--authorizer-id', authorizer['AuthorizerId'] as string)
  assert.equal(route['AuthorizationType'], 'JWT')
  const stage = await aws('apigatewayv2', 'create-stage', '--api-id', apiId, '--stage-name', '$default', '--auto-deploy')
  assert.equal(stage['AutoDeploy'], true)

  const host = { host: apiHost(apiId) }
  const anonymous = await http(`${url}/secure`, { headers: host })
  assert.equal(anonymous.status, 401)
  assert.deepEqual(anonymous.json(), { message: 'Unauthorized' })
  const token = await signToken(key, { iss: oidc.issuer, aud: 'gatehouse-cli', sub: 'user-7', exp: Math.floor(Date.now() / 1000) + 600 })
  const allowed = await http(`${url}/secure`, { headers: { ...host, authorization: `Bearer ${token}` } })
  assert.equal(allowed.status, 200)
  assert.deepEqual(allowed.json(), { version: 1, routeKey: 'GET /secure', sub: 'user-7' })

  // WebSocket API: $connect, a two-way $default route, an auto-deployed stage.
  const ws = await aws('apigatewayv2', 'create-api', '--name', 'cli-ws', '--protocol-type', 'WEBSOCKET', '--route-selection-expression', '$request.body.action')
  const wsId = ws['ApiId'] as string
  assert.equal(ws['ApiEndpoint'], `wss://${wsId}.execute-api.us-east-1.amazonaws.com`)
  const wsIntegration = await aws('apigatewayv2', 'create-integration', '--api-id', wsId, '--integration-type', 'AWS_PROXY', '--integration-uri', 'arn:aws:lambda:us-east-1:123456789012:function:wsecho')
  const target = `integrations/${wsIntegration['IntegrationId'] as string}`
  await aws('apigatewayv2', 'create-route', '--api-id', wsId, '--route-key', '$connect', '--target', target)
  const wsDefault = await aws('apigatewayv2', 'create-route', '--api-id', wsId, '--route-key', '$default', '--target', target, '--route-response-selection-expression', '$default')
  await aws('apigatewayv2', 'create-route-response', '--api-id', wsId, '--route-id', wsDefault['RouteId'] as string, '--route-response-key', '$default')
  const wsStage = await aws('apigatewayv2', 'create-stage', '--api-id', wsId, '--stage-name', 'prod', '--auto-deploy')
  assert.deepEqual(wsStage['DefaultRouteSettings'], { DataTraceEnabled: false, DetailedMetricsEnabled: false, LoggingLevel: 'OFF' })
  const client = await connectClient(t, wsUrl(url, '/prod'), { headers: { host: apiHost(wsId) } })
  assert.equal(await client.say('{"action":"anything"}'), 'echo:{"action":"anything"}')
  client.ws.close()

  // Updates go live: new code, and a route moved.
  writeFileSync(join(home, 'http2.zip'), zipOf({ 'index.mjs': HTTP_HANDLER(2) }))
  await aws('lambda', 'update-function-code', '--function-name', 'hello', '--zip-file', `fileb://${join(home, 'http2.zip')}`)
  await aws('apigatewayv2', 'update-route', '--api-id', apiId, '--route-id', route['RouteId'] as string, '--route-key', 'GET /secure/v2')
  const moved = await http(`${url}/secure/v2`, { headers: { ...host, authorization: `Bearer ${token}` } })
  assert.equal(moved.status, 200)
  assert.deepEqual(moved.json(), { version: 2, routeKey: 'GET /secure/v2', sub: 'user-7' })
  assert.equal((await http(`${url}/secure`, { headers: { ...host, authorization: `Bearer ${token}` } })).status, 404)

  const payloadArgs = major >= 2 ? ['--cli-binary-format', 'raw-in-base64-out'] : []
  const invokeOut = join(home, 'out.json')
  const invoked = await aws('lambda', 'invoke', '--function-name', 'hello', '--payload', '{"routeKey":"direct","requestContext":{}}', ...payloadArgs, invokeOut)
  assert.equal(invoked['StatusCode'], 200)

  const listed = await aws('apigatewayv2', 'get-apis')
  assert.deepEqual((listed['Items'] as { Name: string }[]).map((a) => a.Name).sort(), ['cli-http', 'cli-ws'])
  const routes = await aws('apigatewayv2', 'get-routes', '--api-id', wsId)
  assert.deepEqual((routes['Items'] as { RouteKey: string }[]).map((r) => r.RouteKey).sort(), ['$connect', '$default'])

  // Errors reach the CLI with AWS's error type.
  assert.match(await awsFails('apigatewayv2', 'get-api', '--api-id', 'nosuchapi0'), /NotFoundException/)
  assert.match(await awsFails('apigatewayv2', 'create-route', '--api-id', apiId, '--route-key', 'BAD'), /BadRequestException/)

  // Delete everything.
  await aws('apigatewayv2', 'delete-api', '--api-id', apiId)
  await aws('apigatewayv2', 'delete-api', '--api-id', wsId)
  await aws('lambda', 'delete-function', '--function-name', 'hello')
  await aws('lambda', 'delete-function', '--function-name', 'wsecho')
  assert.deepEqual((await aws('apigatewayv2', 'get-apis'))['Items'], [])
  assert.deepEqual((await aws('lambda', 'list-functions'))['Functions'], [])
  assert.equal((await http(`${url}/secure/v2`, { headers: host })).status, 404)
  assert.ok(existsSync(join(gateway.stateDir, 'state.json')))
})
