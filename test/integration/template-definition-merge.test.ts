// SAM's merge of HttpApi events, Auth and CorsConfiguration into an inline DefinitionBody;
// event RouteSettings; problems inside an inline OpenAPI body named at the template; nested
// stacks named in one warning; AWS::ApiGatewayV2::Api properties passed through or warned about.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfigFile } from '../../src/config/index.js'
import { startGateway } from '../helpers/gateway.js'
import { http } from '../helpers/http.js'
import { issueLines, templateProject } from '../helpers/template-project.js'
import { fixturesDir } from '../helpers/paths.js'

const FIXTURE = join(fixturesDir, 'templates', 'sam-definition-merge', 'template.yaml')

const project = templateProject

test('SAM DefinitionBody: events and Auth merged in; DefaultAuthorizer on every operation; Authorizer NONE; CORS', async (t) => {
  const { url } = await startGateway(t, FIXTURE)
  await t.test('an event route is guarded by the default authorizer', async () => {
    assert.equal((await http(`${url}/v1/hello`)).status, 401)
    assert.equal((await http(`${url}/v1/hello`, { headers: { 'x-key': 'nope' } })).status, 403)
    const ok = await http(`${url}/v1/hello`, { headers: { 'x-key': 'letmein' } })
    assert.equal(ok.status, 200, ok.text)
    assert.deepEqual(ok.json(), { version: '2.0', who: 'keyholder' })
  })
  await t.test("the definition's own operation gets the default authorizer too", async () => {
    assert.equal((await http(`${url}/v1/from-body`)).status, 401)
    assert.equal((await http(`${url}/v1/from-body`, { headers: { 'x-key': 'letmein' } })).status, 200)
  })
  await t.test('Auth.Authorizer NONE on an event leaves its route open', async () => {
    const open = await http(`${url}/v1/open`, { headers: { origin: 'https://app.example' } })
    assert.equal(open.status, 200, open.text)
    assert.equal(open.headers['access-control-allow-origin'], 'https://app.example')
  })
})

test("SAM: an event's RouteSettings are merged into the stage's RouteSettings (the event's win)", () => {
  const r = loadConfigFile(FIXTURE)
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues))
  const api = r.config.apis[0]
  assert.ok(api)
  const stage = api.stages.find((s) => s.stageName === 'v1')
  assert.ok(stage)
  assert.deepEqual(stage.routeThrottles.get('GET /hello'), { burstLimit: 7, rateLimit: 3 })
})

test('a problem inside an inline DefinitionBody names the template file, line and path', (t) => {
  const file = project(t, [
    'Transform: AWS::Serverless-2016-10-31',
    'Resources:',
    '  Api:',
    '    Type: AWS::Serverless::HttpApi',
    '    Properties:',
    '      DefinitionBody:',
    '        openapi: 3.0.1',
    '        info: { title: broken, version: "1" }',
    '        paths:',
    '          /x:',
    '            get:',
    '              x-amazon-apigateway-integration:',
    '                type: aws_proxy',
    '                uri: Fn',
    '                payloadFormatVersion: "3.0"',
    '  Fn:',
    '    Type: AWS::Serverless::Function',
    '    Properties: { Runtime: nodejs20.x, CodeUri: code/, Handler: app.handler }',
  ])
  const r = loadConfigFile(file)
  assert.ok(!r.ok)
  const issue = r.issues.find((i) => /payloadFormatVersion/.test(`${i.path} ${i.message}`))
  assert.ok(issue, JSON.stringify(r.issues))
  assert.equal(issue.file, file, 'the template, not the written copy')
  assert.match(issue.path, /^Resources\.Api\.Properties\.DefinitionBody\.paths/)
  assert.ok(issue.line !== undefined && issue.line >= 12 && issue.line <= 15, `line ${issue.line}`)
})

test('a local nested stack is served with its parent: parameters in, Outputs out, its functions and APIs joined', async (t) => {
  const file = project(t, [
    'Transform: AWS::Serverless-2016-10-31',
    'Parameters:',
    '  Greeting: { Type: String, Default: hello }',
    'Resources:',
    '  Child:',
    '    Type: AWS::CloudFormation::Stack',
    '    Properties:',
    '      TemplateURL: ./child.yaml',
    '      Parameters: { Word: !Ref Greeting, Tags: [a, b] }',
    '  Fn:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      Runtime: nodejs20.x',
    '      CodeUri: code/',
    '      Handler: app.handler',
    '      Environment: { Variables: { CHILD_WORD: !GetAtt Child.Outputs.Word } }',
    '      Events:',
    '        Get: { Type: HttpApi, Properties: { Path: /parent, Method: get } }',
  ])
  const dir = join(file, '..')
  writeFileSync(join(dir, 'child.yaml'), [
    'Transform: AWS::Serverless-2016-10-31',
    'Parameters:',
    '  Word: { Type: String }',
    '  Tags: { Type: CommaDelimitedList }',
    'Resources:',
    '  ChildFn:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      Runtime: nodejs20.x',
    '      CodeUri: code/',
    '      Handler: app.handler',
    '      Environment: { Variables: { WORD: !Ref Word, SECOND_TAG: !Select [1, !Ref Tags] } }',
    '      Events:',
    '        Get: { Type: HttpApi, Properties: { ApiId: !Ref ChildApi, Path: /child, Method: get } }',
    '  ChildApi:',
    '    Type: AWS::Serverless::HttpApi',
    'Outputs:',
    '  Word: { Value: !Sub "${Word} from the child" }',
    '',
  ].join('\n'))
  const r = loadConfigFile(file)
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues))
  assert.deepEqual(r.config.warnings, [])
  assert.equal(r.config.functions.get('Fn')?.environment['CHILD_WORD'], 'hello from the child')
  assert.deepEqual({ ...r.config.functions.get('ChildFn')?.environment }, { WORD: 'hello', SECOND_TAG: 'b' })
  assert.deepEqual(r.config.apis.map((a) => a.routes.map((route) => route.routeKey)), [['GET /parent'], ['GET /child']])
  assert.ok(r.config.sourceFiles.includes(join(dir, 'child.yaml')), 'the nested template is watched')
})

test('nested stacks: a remote template is named in one warning; a missing file and a template nesting itself are problems', (t) => {
  const fnLines = [
    '  Fn:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      Runtime: nodejs20.x',
    '      CodeUri: code/',
    '      Handler: app.handler',
    '      Events:',
    '        Get: { Type: HttpApi, Properties: { Path: /x, Method: get } }',
  ]
  const remote = project(t, [
    'Transform: AWS::Serverless-2016-10-31',
    'Resources:',
    '  Sar:',
    '    Type: AWS::Serverless::Application',
    '    Properties: { Location: { ApplicationId: "arn:aws:serverlessrepo:us-east-1:123456789012:applications/x", SemanticVersion: 1.0.0 } }',
    '  Shared:',
    '    Type: AWS::CloudFormation::Stack',
    '    Properties: { TemplateURL: "https://s3.amazonaws.com/bucket/shared.yaml" }',
    ...fnLines,
  ])
  const r = loadConfigFile(remote)
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues))
  assert.deepEqual(issueLines(r.config.warnings), [
    '3 Resources.Sar: nested stacks with remote templates are not served: Sar (AWS::Serverless::Application, application arn:aws:serverlessrepo:us-east-1:123456789012:applications/x); Shared (AWS::CloudFormation::Stack, https://s3.amazonaws.com/bucket/shared.yaml). Their APIs and functions are left out',
  ])
  const missing = project(t, ['Transform: AWS::Serverless-2016-10-31', 'Resources:', '  Gone:', '    Type: AWS::CloudFormation::Stack', '    Properties: { TemplateURL: ./gone.yaml }', ...fnLines])
  const m = loadConfigFile(missing)
  assert.ok(!m.ok)
  assert.deepEqual(issueLines(m.issues), [
    `5 Resources.Gone.Properties.TemplateURL: nested stack template not found: ${join(missing, '..', 'gone.yaml')}`,
  ])
  const self = project(t, ['Transform: AWS::Serverless-2016-10-31', 'Resources:', '  Me:', '    Type: AWS::CloudFormation::Stack', '    Properties: { TemplateURL: ./template.yaml }', ...fnLines])
  const c = loadConfigFile(self)
  assert.ok(!c.ok)
  assert.ok(c.issues.some((i) => /deeper than 5 levels/.test(i.message)), JSON.stringify(c.issues))
})

test('AWS::ApiGatewayV2::Api: ApiKeySelectionExpression passed through; unknown properties of the API and its Stage warned about, Description/AutoDeploy silent', (t) => {
  const file = project(t, [
    'Resources:',
    '  Ws:',
    '    Type: AWS::ApiGatewayV2::Api',
    '    Properties:',
    '      Name: ws',
    '      ProtocolType: WEBSOCKET',
    '      RouteSelectionExpression: $request.body.action',
    '      ApiKeySelectionExpression: $context.authorizer.usageIdentifierKey',
    '      Description: ignored silently',
    '      BasePath: ignore',
    '  Fn:',
    '    Type: AWS::Lambda::Function',
    '    Properties: { Runtime: nodejs20.x, Code: code/, Handler: app.handler }',
    '  Int:',
    '    Type: AWS::ApiGatewayV2::Integration',
    '    Properties: { ApiId: !Ref Ws, IntegrationType: AWS_PROXY, IntegrationUri: !GetAtt Fn.Arn }',
    '  Route:',
    '    Type: AWS::ApiGatewayV2::Route',
    '    Properties: { ApiId: !Ref Ws, RouteKey: $default, Target: !Sub "integrations/${Int}" }',
    '  Live:',
    '    Type: AWS::ApiGatewayV2::Stage',
    '    Properties: { ApiId: !Ref Ws, StageName: live, AutoDeploy: true, AccessPolicyId: p1 }',
  ])
  const r = loadConfigFile(file)
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues))
  assert.equal(r.config.websocketApis[0]?.apiKeySource, 'authorizer', 'the default is the header')
  assert.deepEqual(issueLines(r.config.warnings), [
    '10 Resources.Ws.Properties.BasePath: not used locally, ignored: BasePath',
    '22 Resources.Live.Properties.AccessPolicyId: not used locally, ignored: AccessPolicyId',
  ])
})

test("SAM Lambda authorizer Identity: Headers, QueryStrings, Context and StageVariables; a JWT authorizer's own AuthorizationScopes are its routes' default", (t) => {
  const file = project(t, [
    'Transform: AWS::Serverless-2016-10-31',
    'Resources:',
    '  Api:',
    '    Type: AWS::Serverless::HttpApi',
    '    Properties:',
    '      StageVariables: { stageVar: x }',
    '      Auth:',
    '        DefaultAuthorizer: Jwt',
    '        Authorizers:',
    '          Jwt:',
    '            AuthorizationScopes: [scope4]',
    '            JwtConfiguration: { issuer: "https://issuer.example", audience: [api] }',
    '          Lambda:',
    '            FunctionArn: !GetAtt Fn.Arn',
    '            Identity: { Headers: [Authorization], QueryStrings: [petId], Context: [stage], StageVariables: [stageVar] }',
    '  Fn:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      Runtime: nodejs20.x',
    '      CodeUri: code/',
    '      Handler: app.handler',
    '      Events:',
    '        Get: { Type: HttpApi, Properties: { ApiId: !Ref Api, Path: /get, Method: get } }',
    '        Post: { Type: HttpApi, Properties: { ApiId: !Ref Api, Path: /post, Method: post, Auth: { Authorizer: Lambda } } }',
  ])
  const r = loadConfigFile(file)
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues))
  const api = r.config.apis[0]
  assert.ok(api)
  const get = api.routes.find((route) => route.routeKey === 'GET /get')
  assert.deepEqual(get?.authorizationScopes, ['scope4'])
  const lambda = api.authorizers.get('Lambda')
  assert.ok(lambda !== undefined && 'identitySources' in lambda)
  assert.deepEqual(lambda.identitySources.map((s) => s.expression), ['$request.header.Authorization', '$request.querystring.petId', '$context.stage', '$stageVariables.stageVar'])
})

test('SAM HttpApi Domain is named in a warning; the API is still served', (t) => {
  const file = project(t, [
    'Transform: AWS::Serverless-2016-10-31',
    'Resources:',
    '  Api:',
    '    Type: AWS::Serverless::HttpApi',
    '    Properties:',
    '      Domain: { DomainName: api.example.com, CertificateArn: arn:aws:acm:us-east-1:123456789012:certificate/x }',
    '  Fn:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      Runtime: nodejs20.x',
    '      CodeUri: code/',
    '      Handler: app.handler',
    '      Events:',
    '        Get: { Type: HttpApi, Properties: { ApiId: !Ref Api, Path: /x, Method: get } }',
  ])
  const r = loadConfigFile(file)
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues))
  assert.deepEqual(r.config.warnings.map((w) => `${w.line ?? '?'} ${w.path}`), ['6 Resources.Api.Properties.Domain'])
  assert.equal(r.config.apis.length, 1)
})

test("a problem found in a nested stack's translated functions or routes names the nested template's file, line and path", (t) => {
  const file = project(t, [
    'Transform: AWS::Serverless-2016-10-31',
    'Resources:',
    '  Child:',
    '    Type: AWS::CloudFormation::Stack',
    '    Properties: { TemplateURL: ./child.yaml }',
    '  Fn:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      Runtime: nodejs20.x',
    '      CodeUri: code/',
    '      Handler: app.handler',
    '      Timeout: 901',
    '      Events:',
    '        Get: { Type: HttpApi, Properties: { Path: /ok, Method: get } }',
  ])
  const child = join(file, '..', 'child.yaml')
  writeFileSync(child, [
    'Transform: AWS::Serverless-2016-10-31',
    'Resources:',
    '  ChildFn:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      Runtime: nodejs20.x',
    '      CodeUri: code/',
    '      Handler: app.handler',
    '      Timeout: 5000',
    '      Events:',
    '        Get: { Type: HttpApi, Properties: { ApiId: !Ref ChildApi, Path: nope, Method: get } }',
    '  ChildApi:',
    '    Type: AWS::Serverless::HttpApi',
    '',
  ].join('\n'))
  const r = loadConfigFile(file)
  assert.ok(!r.ok)
  assert.deepEqual(r.issues.map((i) => `${i.file === child ? 'child' : i.file === file ? 'parent' : i.file}:${i.line ?? '?'} ${i.path}`).sort(), [
    'child:11 Resources.ChildFn.Properties.Events.Get.Properties.Path',
    'child:9 Resources.ChildFn.Properties.Timeout',
    'parent:12 Resources.Fn.Properties.Timeout',
  ])
})

test('SAM DefinitionUri (a local file): events, Auth and CorsConfiguration merged into it as SAM does', async (t) => {
  const file = project(t, [
    'Transform: AWS::Serverless-2016-10-31',
    'Resources:',
    '  Api:',
    '    Type: AWS::Serverless::HttpApi',
    '    Properties:',
    '      DefinitionUri: ./openapi.yaml',
    '      CorsConfiguration: { AllowOrigins: [https://app.example] }',
    '      Auth:',
    '        DefaultAuthorizer: Key',
    '        Authorizers:',
    '          Key:',
    '            FunctionArn: !GetAtt Authorize.Arn',
    '            EnableSimpleResponses: true',
    '            Identity: { Headers: [x-key] }',
    '  Authorize:',
    '    Type: AWS::Serverless::Function',
    '    Properties: { Runtime: nodejs20.x, CodeUri: code/, Handler: auth.handler }',
    '  Fn:',
    '    Type: AWS::Serverless::Function',
    '    Properties:',
    '      Runtime: nodejs20.x',
    '      CodeUri: code/',
    '      Handler: app.handler',
    '      Events:',
    '        Get: { Type: HttpApi, Properties: { ApiId: !Ref Api, Path: /from-event, Method: get } }',
  ])
  const dir = join(file, '..')
  writeFileSync(join(dir, 'code', 'auth.mjs'), "export const handler = async (event) => ({ isAuthorized: event.headers['x-key'] === 'ok' })\n")
  writeFileSync(join(dir, 'openapi.yaml'), ['openapi: 3.0.1', 'info: { title: from-file, version: "1" }', 'paths:', '  /from-file:', '    get:', '      x-amazon-apigateway-integration: { type: aws_proxy, uri: Fn, payloadFormatVersion: "2.0" }', ''].join('\n'))
  const r = loadConfigFile(file)
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues))
  assert.deepEqual(r.config.apis[0]?.routes.map((route) => [route.routeKey, route.authorizationType]).sort(), [['GET /from-event', 'CUSTOM'], ['GET /from-file', 'CUSTOM']])
  assert.ok(r.config.sourceFiles.includes(join(dir, 'openapi.yaml')), 'the file is watched')
  const { url } = await startGateway(t, file)
  assert.equal((await http(`${url}/from-event`)).status, 401)
  const ok = await http(`${url}/from-file`, { headers: { 'x-key': 'ok', origin: 'https://app.example' } })
  assert.equal(ok.status, 200, ok.text)
  assert.equal(ok.headers['access-control-allow-origin'], 'https://app.example')
})
