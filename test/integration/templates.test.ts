import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync, cpSync, rmSync, readFileSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfigFile } from '../../src/config/index.js'
import { derivedApiId } from '../../src/sources/cloudformation/index.js'
import { startGateway } from '../helpers/gateway.js'
import { http } from '../helpers/http.js'
import { issueLines, templateProject } from '../helpers/template-project.js'
import { generateSigningKey, signToken, startOidcServer } from '../helpers/oidc-server.js'
import { fixturesDir } from '../helpers/paths.js'
import { spawnCli } from '../helpers/cli.js'
import { nextMessage, openWs, wsUrl } from '../helpers/ws-client.js'

const fixture = (name: string): string => join(fixturesDir, 'templates', name, 'template.yaml')
const hostOf = (logicalId: string): string => `${derivedApiId(logicalId)}.execute-api.localhost`

test('SAM HTTP API: Globals, JWT authorizer with scopes, CORS, stage, implicit ServerlessHttpApi, inline code', async (t) => {
  const key = await generateSigningKey('RS256')
  const oidc = await startOidcServer(t, { keys: [key] })
  const { url } = await startGateway(t, fixture('sam-http'), { source: { parameterOverrides: { Issuer: oidc.issuer } } })
  const orders = { host: hostOf('OrdersApi') }

  await t.test('no token: 401 from the default authorizer', async () => {
    const res = await http(`${url}/v1/orders`, { headers: orders })
    assert.equal(res.status, 401)
  })

  await t.test('a good token reaches the handler, with Globals and own environment, payload 2.0', async () => {
    const token = await signToken(key, { iss: oidc.issuer, aud: 'orders-api', sub: 'alice', exp: Math.floor(Date.now() / 1000) + 60 })
    const res = await http(`${url}/v1/orders`, { headers: { ...orders, authorization: `Bearer ${token}` } })
    assert.equal(res.status, 200, res.text)
    assert.deepEqual(res.json(), {
      handler: 'list',
      routeKey: 'GET /orders',
      stage: 'v1',
      sub: 'alice',
      env: { TABLE: 'orders-us-east-1', SHARED: 'from-globals' },
      version: '2.0',
    })
  })

  await t.test('AuthorizationScopes: a token without the scope is refused (403), with it accepted', async () => {
    const exp = Math.floor(Date.now() / 1000) + 60
    const plain = await signToken(key, { iss: oidc.issuer, aud: 'orders-api', sub: 'bob', exp })
    assert.equal((await http(`${url}/v1/admin`, { headers: { ...orders, authorization: `Bearer ${plain}` } })).status, 403)
    const admin = await signToken(key, { iss: oidc.issuer, aud: 'orders-api', sub: 'bob', scope: 'admin', exp })
    assert.equal((await http(`${url}/v1/admin`, { headers: { ...orders, authorization: `Bearer ${admin}` } })).status, 200)
  })

  await t.test('CORS preflight answered from CorsConfiguration', async () => {
    const res = await http(`${url}/v1/orders`, {
      method: 'OPTIONS',
      headers: { ...orders, origin: 'https://shop.example', 'access-control-request-method': 'GET' },
    })
    assert.equal(res.status, 204)
    assert.equal(res.headers['access-control-allow-origin'], 'https://shop.example')
    assert.equal(res.headers['access-control-max-age'], '600')
  })

  await t.test('an event without ApiId goes to ServerlessHttpApi, $default stage; InlineCode runs', async () => {
    const res = await http(`${url}/health`, { method: 'POST', headers: { host: hostOf('ServerlessHttpApi') } })
    assert.equal(res.status, 200)
    assert.equal(res.text, 'ok')
  })

  await t.test('Globals.HttpApi applies to the implicit API; an API\'s own CorsConfiguration wins over it', async () => {
    // ANY /health also matches OPTIONS, so a simple request shows the CORS headers instead of a preflight.
    const implicit = await http(`${url}/health`, { headers: { host: hostOf('ServerlessHttpApi'), origin: 'https://status.example' } })
    assert.equal(implicit.status, 200)
    assert.equal(implicit.headers['access-control-allow-origin'], 'https://status.example')
    const own = await http(`${url}/v1/orders`, {
      method: 'OPTIONS',
      headers: { ...orders, origin: 'https://status.example', 'access-control-request-method': 'GET' },
    })
    assert.equal(own.headers['access-control-allow-origin'], undefined)
  })
})

test('SAM: other event types and resource types named in one warning each', () => {
  const r = loadConfigFile(fixture('sam-http'), { parameterOverrides: { Issuer: 'https://issuer.example' } })
  assert.ok(r.ok)
  assert.deepEqual(r.config.warnings.map((w) => w.message), [
    'event sources not served locally, ignored: Schedule (Health.Nightly)',
    'resources not served locally, ignored: AWS::SQS::Queue (Queue)',
  ])
  assert.ok(r.config.sourceFiles.includes(fixture('sam-http')))
  assert.ok(r.config.sourceFiles.some((f) => f.endsWith('src/orders.mjs')))
})

test('CloudFormation ApiGatewayV2 HTTP API: invocation ARN, ZipFile inline code through an Alias, IAM/Permission accepted', async (t) => {
  const { url } = await startGateway(t, fixture('cfn-http'), { source: { parameterOverrides: { Greeting: 'hi' } } })
  const res = await http(`${url}/greet/ada`)
  assert.equal(res.status, 200, res.text)
  assert.equal(res.text, 'hi, ada')
  assert.equal(res.headers['x-greeter'], 'cloudformation', 'ResponseParameters (CloudFormation nesting) applied')
  const inline = await http(`${url}/inline`, { method: 'POST' })
  assert.equal(inline.status, 201)
  assert.equal(inline.text, 'inline /inline')
  const r = loadConfigFile(fixture('cfn-http'))
  assert.ok(r.ok)
  assert.deepEqual(issueLines(r.config.warnings), [
    '55 Resources.GreetIntegration.Properties.ContentHandlingStrategy: not used locally, ignored: ContentHandlingStrategy',
    '9 Resources: resources not served locally, ignored: AWS::S3::Bucket (Bucket)',
  ])
})

// --- errors --------------------------------------------------------------------------------

const project = templateProject

const SAM_HEAD = ['Transform: AWS::Serverless-2016-10-31', 'Resources:']
const issuesOf = (file: string): string[] => {
  const r = loadConfigFile(file)
  assert.ok(!r.ok, 'the template is refused')
  return issueLines(r.issues)
}

test('an unresolvable Ref names the file, line and template path', (t) => {
  const file = project(t, [
    ...SAM_HEAD,
    '  Fn:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      Runtime: nodejs20.x',
    '      CodeUri: code/',
    '      Handler: app.handler',
    '      Events:',
    '        Get:',
    '          Type: HttpApi',
    '          Properties:',
    '            Path: !Ref Nowhere',
    '            Method: get',
  ])
  const r = loadConfigFile(file)
  assert.ok(!r.ok)
  const issue = r.issues[0]
  assert.ok(issue)
  assert.equal(issue.file, file)
  assert.equal(issue.line, 13)
  assert.equal(issue.path, 'Resources.Fn.Properties.Events.Get.Properties.Path.Ref')
  assert.match(issue.message, /Nowhere/)
})

test('REST APIs are refused: AWS::Serverless::Api and Api events', (t) => {
  const file = project(t, [
    ...SAM_HEAD,
    '  Rest:',
    '    Type: AWS::Serverless::Api',
    '    Properties:',
    '      StageName: prod',
    '  Fn:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      Runtime: nodejs20.x',
    '      CodeUri: code/',
    '      Handler: app.handler',
    '      Events:',
    '        Get:',
    '          Type: Api',
    '          Properties:',
    '            Path: /x',
    '            Method: get',
  ])
  const issues = issuesOf(file)
  assert.equal(issues.length, 2, issues.join('\n'))
  assert.match(issues[0] ?? '', /^4 Resources\.Rest\.Type: .*REST APIs are not served/)
  assert.match(issues[1] ?? '', /^15 Resources\.Fn\.Properties\.Events\.Get\.Type: .*REST APIs are not served/)
})

test('a runtime Gatehouse does not run is refused, naming it and the supported ones', (t) => {
  const file = project(t, [
    ...SAM_HEAD,
    '  Fn:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      Runtime: ruby3.3',
    '      CodeUri: code/',
    '      Handler: app.handler',
  ])
  assert.deepEqual(issuesOf(file), [
    '6 Resources.Fn.Properties.Runtime: runtime ruby3.3 is not supported (supported: nodejs18.x, nodejs20.x, nodejs22.x, nodejs24.x, python3.9, python3.10, python3.11, python3.12, python3.13, python3.14, provided, provided.al2, provided.al2023)',
  ])
})

test('a missing CodeUri folder is refused; a missing handler module is reported at Handler', (t) => {
  const file = project(t, [
    ...SAM_HEAD,
    '  Fn:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      Runtime: nodejs20.x',
    '      CodeUri: nowhere/',
    '      Handler: app.handler',
    '  Other:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      Runtime: nodejs20.x',
    '      CodeUri: code/',
    '      Handler: missing.handler',
  ])
  const issues = issuesOf(file)
  assert.equal(issues.length, 1, issues.join('\n'))
  assert.match(issues[0] ?? '', /^7 Resources\.Fn\.Properties\.CodeUri: CodeUri folder not found: .*nowhere/)
  rmSync(file)
  writeFileSync(file, [...SAM_HEAD, '  Other:', '    Type: AWS::Serverless::Function', '    Properties:', '      Runtime: nodejs20.x', '      CodeUri: code/', '      Handler: missing.handler', '      Events:', '        Any:', '          Type: HttpApi'].join('\n'))
  const second = issuesOf(file)
  assert.equal(second.length, 1, second.join('\n'))
  assert.match(second[0] ?? '', /^8 Resources\.Other\.Properties\.Handler: handler module not found/)
})

test('a validation problem in the translated config points at the template (unknown authorizer, bad route key)', (t) => {
  const file = project(t, [
    ...SAM_HEAD,
    '  Fn:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      Runtime: nodejs20.x',
    '      CodeUri: code/',
    '      Handler: app.handler',
    '      Events:',
    '        Get:',
    '          Type: HttpApi',
    '          Properties:',
    '            Path: orders',
    '            Method: get',
  ])
  const issues = issuesOf(file)
  assert.equal(issues.length, 1, issues.join('\n'))
  assert.match(issues[0] ?? '', /^13 Resources\.Fn\.Properties\.Events\.Get\.Properties\.Path: invalid route key/)
})

test('CLI: validate and routes read a template; --parameter-overrides; --format gatehouse refuses it', async (t) => {
  const dir = join(fixturesDir, 'templates', 'cfn-http')
  const routes = spawnCli(t, ['routes', 'template.yaml', '--parameter-overrides', 'Greeting=yo'], dir)
  const done = await routes.exited
  assert.equal(done.code, 0, routes.stderr())
  assert.match(routes.stdout(), /GET \/greet\/\{name\}/)
  const validate = spawnCli(t, ['validate', 'template.yaml'], dir)
  assert.equal((await validate.exited).code, 0, validate.stdout() + validate.stderr())
  const forced = spawnCli(t, ['validate', 'template.yaml', '--format', 'gatehouse'], dir)
  assert.notEqual((await forced.exited).code, 0)
})

test('CloudFormation WebSocket API: route selection, two-way routes through RouteResponse, named stage', async (t) => {
  const { url } = await startGateway(t, fixture('cfn-websocket'))
  const ws = await openWs(t, wsUrl(url, '/prod'))
  const echo = nextMessage(ws)
  ws.send(JSON.stringify({ action: 'echo', n: 1 }))
  assert.deepEqual(JSON.parse(await echo), { routeKey: 'echo', stage: 'prod', got: '{"action":"echo","n":1}' })
  const other = nextMessage(ws)
  ws.send('plain text')
  assert.deepEqual(JSON.parse(await other), { routeKey: '$default', stage: 'prod', got: 'plain text' })
  const pong = nextMessage(ws)
  ws.send(JSON.stringify({ action: 'ping' }))
  assert.deepEqual(JSON.parse(await pong), { pong: true, stage: 'prod' }, 'MOCK integration answered through its IntegrationResponse')
})

test('reload: editing the template is picked up by a running gateway', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-tpl-reload-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  cpSync(join(fixturesDir, 'templates', 'cfn-http'), dir, { recursive: true })
  const file = join(dir, 'template.yaml')
  const { gateway, url } = await startGateway(t, file)
  assert.equal((await http(`${url}/greet/x`)).text, 'hello, x')
  writeFileSync(file, readFileSync(file, 'utf8').replace('Default: hello', 'Default: howdy'))
  const result = await gateway.reload()
  assert.ok(result.ok)
  assert.equal((await http(`${url}/greet/x`)).text, 'howdy, x')
  assert.ok(gateway.config.sourceFiles.includes(file))
  assert.ok(gateway.config.sourceFiles.includes(join(dir, 'code', 'greet.mjs')))
})

test('SAM DefinitionBody (OpenAPI, CorsConfiguration: true, DefaultRouteSettings), quick create Target, --import-value', async (t) => {
  const { url } = await startGateway(t, fixture('sam-openapi'), {
    source: { parameterOverrides: { SharedName: 'core' }, importValues: { 'core-table': 'pets-table' } },
  })
  const pets = await http(`${url}/pets`, { headers: { host: hostOf('PetsApi'), origin: 'https://any.example' } })
  assert.equal(pets.status, 200, pets.text)
  assert.deepEqual(pets.json(), { pets: [], shared: 'pets-table', routeKey: 'GET /pets' })
  assert.equal(pets.headers['access-control-allow-origin'], '*')
  const quick = await http(`${url}/anything/at/all`, { headers: { host: hostOf('Quick') } })
  assert.equal(quick.status, 200, quick.text)
  assert.equal((quick.json() as { routeKey: string }).routeKey, '$default')
})

test('a missing import value or parameter is a template problem', () => {
  const r = loadConfigFile(fixture('sam-openapi'))
  assert.ok(!r.ok)
  assert.ok(r.issues.some((i) => i.path === 'Parameters.SharedName' || /SharedName/.test(i.message)), JSON.stringify(r.issues))
})

test('SAM Lambda authorizer (FunctionArn, simple responses, Identity.Headers), Authorizer: NONE, PayloadFormatVersion 1.0', async (t) => {
  const { url } = await startGateway(t, fixture('sam-lambda-authorizer'))
  const host = hostOf('Api')
  assert.equal((await http(`${url}/hello`, { headers: { host } })).status, 401)
  assert.equal((await http(`${url}/hello`, { headers: { host, 'x-key': 'wrong' } })).status, 403)
  const ok = await http(`${url}/hello`, { headers: { host, 'x-key': 'letmein' } })
  assert.equal(ok.status, 200, ok.text)
  assert.deepEqual(ok.json(), { version: '1.0', who: 'keyholder' })
  assert.equal((await http(`${url}/open`, { headers: { host } })).status, 200)
})

test('serverless.yml: provider + functions with httpApi events (string and object forms, JWT scopes, cors: true), --stage', async (t) => {
  const file = join(fixturesDir, 'templates', 'serverless-http', 'serverless.yml')
  const { url } = await startGateway(t, file, { source: { stage: 'qa' } })
  const list = await http(`${url}/todos`, { headers: { origin: 'https://app.example' } })
  assert.equal(list.status, 200, list.text)
  assert.deepEqual(list.json(), { routeKey: 'GET /todos', table: 'todos-qa', fn: 'todos-qa-list' })
  assert.equal(list.headers['access-control-allow-origin'], '*')
  assert.equal((await http(`${url}/todos/1`, { method: 'DELETE' })).status, 401)
  const other = await http(`${url}/elsewhere`)
  assert.equal(other.status, 404)
  assert.equal(other.text, 'no /elsewhere')
  const r = loadConfigFile(file)
  assert.ok(r.ok)
  assert.deepEqual(r.config.warnings.map((w) => w.message), [
    'resources (raw CloudFormation) are not served; they are ignored',
    'event sources not served locally, ignored: schedule (list[2])',
  ])
})

test('serverless.yml: http events (REST) and unsupported runtimes are refused with file:line:path', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sls-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  cpSync(join(fixturesDir, 'templates', 'errors', 'code'), join(dir, 'code'), { recursive: true })
  const file = join(dir, 'serverless.yml')
  writeFileSync(file, [
    'service: s',
    'provider:',
    '  name: aws',
    '  runtime: nodejs20.x',
    'functions:',
    '  a:',
    '    handler: code/app.handler',
    '    events:',
    '      - http: GET /a',
    '  b:',
    '    handler: code/app.handler',
    '    runtime: ruby3.3',
  ].join('\n'))
  assert.deepEqual(issuesOf(file), [
    '9 functions.a.events[0].http: http events belong to a REST API: REST APIs are not served (use httpApi)',
    '12 functions.b.runtime: runtime ruby3.3 is not supported (supported: nodejs18.x, nodejs20.x, nodejs22.x, nodejs24.x, python3.9, python3.10, python3.11, python3.12, python3.13, python3.14, provided, provided.al2, provided.al2023)',
  ])
})

test('cdk.out: the stack chosen with --stack (or the only one), asset code from aws:asset:path, BootstrapVersion stood in for', async (t) => {
  const dir = join(fixturesDir, 'templates', 'cdk.out')
  const several = loadConfigFile(dir)
  assert.ok(!several.ok)
  assert.match(several.issues[0]?.message ?? '', /several stacks; choose one with --stack \(GreeterStack, other\)/)
  const { url } = await startGateway(t, dir, { source: { stack: 'GreeterStack' } })
  const res = await http(`${url}/greet`)
  assert.equal(res.status, 200, res.text)
  assert.equal(res.text, 'hello from gatehouse GET /greet')
  const r = loadConfigFile(dir, { stack: 'GreeterStack' })
  assert.ok(r.ok)
  assert.deepEqual(r.config.warnings.map((w) => w.message), [], "CDK's own CheckBootstrapVersion rule is not warned about")
  assert.ok(r.config.sourceFiles.includes(join(dir, 'manifest.json')))
  assert.ok(r.config.sourceFiles.includes(join(dir, 'asset.4f1c0a', 'index.mjs')))
  const cli = spawnCli(t, ['routes', 'cdk.out', '--stack', 'GreeterStack'], join(fixturesDir, 'templates'))
  assert.equal((await cli.exited).code, 0, cli.stderr())
  assert.match(cli.stdout(), /GET \/greet/)
})

test('a problem in a property merged from Globals names the Globals line and path', (t) => {
  const file = project(t, [
    'Transform: AWS::Serverless-2016-10-31',
    'Globals:',
    '  Function:',
    '    Runtime: ruby3.3',
    '    Timeout: 5000',
    'Resources:',
    '  Fn:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      CodeUri: code/',
    '      Handler: app.handler',
    '      Runtime: nodejs20.x',
    '      Events:',
    '        Any:',
    '          Type: HttpApi',
    '  Py:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      CodeUri: code/',
    '      Handler: app.handler',
  ])
  assert.deepEqual(issuesOf(file), [
    '4 Globals.Function.Runtime: runtime ruby3.3 is not supported (supported: nodejs18.x, nodejs20.x, nodejs22.x, nodejs24.x, python3.9, python3.10, python3.11, python3.12, python3.13, python3.14, provided, provided.al2, provided.al2023)',
  ])
  writeFileSync(file, readFileSync(file, 'utf8').replace(/  Py:[\s\S]*$/, ''))
  assert.deepEqual(issuesOf(file), ['5 Globals.Function.Timeout: must be <= 900'])
})

test('watch: saving the template or a handler file reloads the served project', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-tpl-watch-'))
  cpSync(join(fixturesDir, 'templates', 'cfn-http'), dir, { recursive: true })
  const file = join(dir, 'template.yaml')
  const { gateway, url } = await startGateway(t, file, { watch: true })
  t.after(async () => {
    await gateway.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  const eventually = async (expected: string): Promise<void> => {
    const deadline = Date.now() + 15_000
    for (;;) {
      const text = (await http(`${url}/greet/x`)).text
      if (text === expected) return
      if (Date.now() > deadline) assert.fail(`still "${text}", expected "${expected}"`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  assert.equal((await http(`${url}/greet/x`)).text, 'hello, x')
  const replace = (path: string, content: string): void => {
    writeFileSync(`${path}.tmp`, content)
    renameSync(`${path}.tmp`, path)
  }
  replace(file, readFileSync(file, 'utf8').replace('Default: hello', 'Default: hey'))
  await eventually('hey, x')
  const handler = join(dir, 'code', 'greet.mjs')
  replace(handler, readFileSync(handler, 'utf8').replace('${process.env.GREETING}, ', '${process.env.GREETING}! '))
  await eventually('hey! x')
})

test('CloudFormation problems: a Route on no API, an AWS_PROXY integration without PayloadFormatVersion, S3 code, an unknown integration target', (t) => {
  const file = project(t, [
    'Resources:',
    '  Api:',
    '    Type: AWS::ApiGatewayV2::Api',
    '    Properties:',
    '      ProtocolType: HTTP',
    '  Fn:',
    '    Type: AWS::Lambda::Function',
    '    Properties:',
    '      Runtime: nodejs20.x',
    '      Handler: app.handler',
    '      Code:',
    '        S3Bucket: bucket',
    '        S3Key: key.zip',
    '  Integration:',
    '    Type: AWS::ApiGatewayV2::Integration',
    '    Properties:',
    '      ApiId: !Ref Api',
    '      IntegrationType: AWS_PROXY',
    '      IntegrationUri: !GetAtt Fn.Arn',
    '  Stray:',
    '    Type: AWS::ApiGatewayV2::Route',
    '    Properties:',
    '      ApiId: not-an-api',
    '      RouteKey: GET /x',
  ])
  assert.deepEqual(issuesOf(file).map((i) => i.replace(/ \(S3.*$/, '')), [
    '11 Resources.Fn.Properties.Code: Code must be a local folder',
    '16 Resources.Integration.Properties: PayloadFormatVersion is required for AWS_PROXY integrations of HTTP APIs',
    '23 Resources.Stray.Properties.ApiId: ApiId must be a Ref to an AWS::ApiGatewayV2::Api of this template',
  ])
  writeFileSync(file, [
    'Resources:',
    '  Api:',
    '    Type: AWS::ApiGatewayV2::Api',
    '    Properties:',
    '      ProtocolType: HTTP',
    '  Route:',
    '    Type: AWS::ApiGatewayV2::Route',
    '    Properties:',
    '      ApiId: !Ref Api',
    '      RouteKey: GET /x',
    '      Target: integrations/nowhere',
  ].join('\n'))
  assert.deepEqual(issuesOf(file), ['11 Resources.Route.Properties.Target: integration "nowhere" does not exist in this API'])
})

test('CLI: serve without CONFIG finds template.yaml; --parameter-overrides reaches the template', async (t) => {
  const dir = join(fixturesDir, 'templates', 'cfn-http')
  const cli = spawnCli(t, ['serve', '--port', '0', '--no-admin', '--quiet-functions', '--no-watch', '--parameter-overrides', 'Greeting=ahoy'], dir)
  const [, url] = await cli.waitFor('stdout', /Gatehouse listening on (http:\/\/\S+)/)
  const res = await http(`${url}/greet/cli`)
  assert.equal(res.text, 'ahoy, cli')
  const bad = spawnCli(t, ['validate', '--parameter-overrides'], dir)
  assert.equal((await bad.exited).code, 2)
})

test('a resource whose evaluation failed is not reported again for the values it lacks', (t) => {
  const file = project(t, [
    ...SAM_HEAD,
    '  Fn:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      Runtime: !Ref MissingRuntime',
    '      CodeUri: code/',
    '      Handler: app.handler',
  ])
  const issues = issuesOf(file)
  assert.equal(issues.length, 1, issues.join('\n'))
  assert.match(issues[0] ?? '', /^6 Resources\.Fn\.Properties\.Runtime\.Ref: unresolvable Ref: MissingRuntime/)
})
