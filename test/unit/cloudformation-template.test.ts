import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import {
  createDefaultResolver,
  derivedApiId,
  derivedSubresourceId,
  detectTemplateKind,
  evaluateTemplate,
  loadTemplate,
  parseTemplateText,
  templateFromValue,
  API_ID_LENGTH,
  DEFAULT_ACCOUNT_ID,
  DEFAULT_REGION,
  DEFAULT_STACK_NAME,
  type EvaluateOptions,
  type EvaluationResult,
} from '../../src/sources/cloudformation/index.js'

const fixture = (name: string): string => fileURLToPath(new URL(`../../../test/fixtures/cloudformation/${name}`, import.meta.url))

function run(lines: string[], options: EvaluateOptions = {}): EvaluationResult {
  const loaded = parseTemplateText('t.yaml', lines.join('\n'))
  assert.ok(loaded.ok, JSON.stringify(loaded.problems))
  return evaluateTemplate(loaded.template, options)
}

const messages = (r: EvaluationResult): string[] => r.problems.map((p) => p.message)
const at = (r: EvaluationResult): [number | undefined, string][] => r.problems.map((p) => [p.line, p.message])

// ---------------------------------------------------------------------------------------
// Parameters

function params(declarations: string[], overrides: Record<string, string> = {}): EvaluationResult {
  return run(['Parameters:', ...declarations, 'Resources:', '  R:', '    Type: T'], { parameterOverrides: overrides })
}

test('parameter types: String, Number (as text), List<Number>, CommaDelimitedList, AWS-specific types', () => {
  const r = params([
    '  S:', '    Type: String', '    Default: hello',
    '  N:', '    Type: Number', '    Default: 42',
    '  LN:', '    Type: List<Number>', '    Default: "1, 2,3"',
    '  L:', '    Type: CommaDelimitedList', '    Default: " a ,b"',
    '  Vpc:', '    Type: AWS::EC2::VPC::Id', '    Default: vpc-1',
    '  Subnets:', '    Type: List<AWS::EC2::Subnet::Id>', '    Default: subnet-1,subnet-2',
    '  Empty:', '    Type: CommaDelimitedList', '    Default: ""',
  ])
  assert.deepEqual(r.problems, [])
  assert.deepEqual(Object.fromEntries(r.parameters), {
    S: 'hello', N: '42', LN: ['1', '2', '3'], L: ['a', 'b'], Vpc: 'vpc-1', Subnets: ['subnet-1', 'subnet-2'], Empty: [''],
  })
})

test('overrides win over Default; overrides of undeclared parameters are warnings', () => {
  const r = params(['  Env:', '    Type: String', '    Default: dev', '  Ids:', '    Type: CommaDelimitedList'], { Env: 'prod', Ids: 'x,y', Other: '1' })
  assert.deepEqual(r.problems, [])
  assert.deepEqual(Object.fromEntries(r.parameters), { Env: 'prod', Ids: ['x', 'y'] })
  assert.deepEqual(r.warnings.map((w) => w.message), ['parameter override Other is not declared in Parameters; it is ignored'])
})

test('a parameter without Default or override is a problem naming it', () => {
  const r = params(['  Env:', '    Type: String', '    NoEcho: true'])
  assert.deepEqual(at(r), [[2, 'parameter Env has no Default and no override; pass Env=<value>']])
})

test('SSM parameter types need an override', () => {
  const decl = ['  Image:', '    Type: AWS::SSM::Parameter::Value<String>', '    Default: /app/image']
  assert.deepEqual(at(params(decl)), [[3, 'parameter Image (AWS::SSM::Parameter::Value<String>) is read from SSM Parameter Store, which cannot be done offline; pass an override Image=<value>']])
  const r = params(decl, { Image: 'ami-123' })
  assert.deepEqual(r.problems, [])
  assert.equal(r.parameters.get('Image'), 'ami-123')
  const list = params(['  Ids:', '    Type: AWS::SSM::Parameter::Value<List<String>>', '    Default: /ids'], { Ids: 'a,b' })
  assert.deepEqual(list.parameters.get('Ids'), ['a', 'b'])
})

test('parameter constraints: AllowedValues, AllowedPattern, MinLength/MaxLength, MinValue/MaxValue, numbers', () => {
  const r = params([
    '  Env:', '    Type: String', '    Default: test', '    AllowedValues: [dev, prod]', //                   2-5
    '  Name:', '    Type: String', '    Default: ab1', '    AllowedPattern: "[a-z]+"', '    ConstraintDescription: lowercase letters', // 6-10
    '  Short:', '    Type: String', '    Default: a', '    MinLength: 2', //                               11-14
    '  Long:', '    Type: String', '    Default: abcdef', '    MaxLength: "3"', //                        15-18
    '  Count:', '    Type: Number', '    Default: 0', '    MinValue: 1', '    MaxValue: 5', //          19-23
    '  Ports:', '    Type: List<Number>', '    Default: 80,x,99999', '    MaxValue: 65535', //          24-27
    '  Bad:', '    Type: Stringy', //                                                                    28-29
  ])
  assert.deepEqual(at(r), [
    [5, 'parameter Env: "test" is not one of the AllowedValues dev, prod'],
    [9, 'parameter Name: "ab1" does not match AllowedPattern [a-z]+ (lowercase letters)'],
    [14, 'parameter Short: "a" is shorter than MinLength 2'],
    [18, 'parameter Long: "abcdef" is longer than MaxLength 3'],
    [22, 'parameter Count: 0 is less than MinValue 1'],
    [25, 'parameter Ports: "x" is not a number'],
    [27, 'parameter Ports: 99999 is greater than MaxValue 65535'],
    [29, 'parameter Bad has an unknown Type "Stringy"'],
  ])
  assert.deepEqual([...r.parameters.keys()], [], 'parameters with problems have no value')
})

test('Ref to a parameter that has a problem adds no second problem', () => {
  const r = run(['Parameters:', '  Env:', '    Type: String', 'Resources:', '  R:', '    Type: T', '    Properties:', '      V: !Ref Env'])
  assert.deepEqual(messages(r), ['parameter Env has no Default and no override; pass Env=<value>'])
})

// ---------------------------------------------------------------------------------------
// Pseudo parameters

function pseudo(name: string, options: EvaluateOptions = {}): unknown {
  const r = run(['Resources:', '  R:', '    Type: T', '    Properties:', `      V: !Ref ${name}`], options)
  assert.deepEqual(r.problems, [])
  return r.resources.get('R')?.properties['V']
}

test('pseudo parameters with defaults', () => {
  assert.equal(pseudo('AWS::Region'), DEFAULT_REGION)
  assert.equal(pseudo('AWS::AccountId'), DEFAULT_ACCOUNT_ID)
  assert.equal(pseudo('AWS::StackName'), DEFAULT_STACK_NAME)
  assert.equal(pseudo('AWS::Partition'), 'aws')
  assert.equal(pseudo('AWS::URLSuffix'), 'amazonaws.com')
  assert.deepEqual(pseudo('AWS::NotificationARNs'), [])
  assert.match(String(pseudo('AWS::StackId')), /^arn:aws:cloudformation:us-east-1:123456789012:stack\/gatehouse\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  assert.equal(pseudo('AWS::StackId'), pseudo('AWS::StackId'), 'stable across runs')
})

test('partition and URL suffix follow the region', () => {
  assert.equal(pseudo('AWS::Partition', { region: 'cn-north-1' }), 'aws-cn')
  assert.equal(pseudo('AWS::URLSuffix', { region: 'cn-northwest-1' }), 'amazonaws.com.cn')
  assert.equal(pseudo('AWS::Partition', { region: 'us-gov-west-1' }), 'aws-us-gov')
  assert.equal(pseudo('AWS::URLSuffix', { region: 'us-gov-west-1' }), 'amazonaws.com')
  assert.equal(pseudo('AWS::AccountId', { accountId: '999988887777' }), '999988887777')
})

// ---------------------------------------------------------------------------------------
// Conditions

test('resources and outputs whose condition is false are dropped', () => {
  const r = run([
    'Parameters:', '  Env:', '    Type: String', '    Default: dev',
    'Conditions:', '  IsProd: !Equals [!Ref Env, prod]',
    'Resources:', '  Always:', '    Type: T', '  ProdOnly:', '    Type: T', '    Condition: IsProd',
    'Outputs:', '  A:', '    Value: x', '  B:', '    Condition: IsProd', '    Value: !Ref ProdOnly',
  ])
  assert.deepEqual(r.problems, [])
  assert.deepEqual([...r.resources.keys()], ['Always'])
  assert.deepEqual([...r.outputs.keys()], ['A'])
  const prod = run(
    ['Parameters:', '  Env:', '    Type: String', 'Conditions:', '  IsProd: !Equals [!Ref Env, prod]', 'Resources:', '  ProdOnly:', '    Type: T', '    Condition: IsProd'],
    { parameterOverrides: { Env: 'prod' } },
  )
  assert.equal(prod.resources.get('ProdOnly')?.condition, 'IsProd')
})

test('Ref to a resource that is not created is a problem (unless in the untaken Fn::If branch)', () => {
  const r = run([
    'Conditions:', '  No: !Equals [a, b]',
    'Resources:', '  Maybe:', '    Type: T', '    Condition: No',
    '  User:', '    Type: T', '    Properties:',
    '      A: !If [No, !Ref Maybe, none]', //   10
    '      B: !Ref Maybe', //                   11
    '    DependsOn: Maybe', //                  12
  ])
  assert.deepEqual(at(r), [
    [11, 'Ref Maybe: resource Maybe is not created, because its condition No is false'],
    [12, 'DependsOn: Maybe is not created, because its condition is false'],
  ])
  assert.deepEqual(r.resources.get('User')?.properties, { A: 'none' })
})

test('condition cycles are reported, once, with the chain', () => {
  const r = run(['Conditions:', '  A: !Not [!Condition B]', '  B: !And [!Condition C, !Equals [x, x]]', '  C: !Condition A', 'Resources:', '  R:', '    Type: T'])
  assert.deepEqual(messages(r), ['circular condition: A -> B -> C -> A'])
  assert.equal(r.problems[0]?.line, 4)
  assert.equal(r.problems[0]?.path, 'Conditions.C.Condition')
})

test('unknown resource Condition and bad DependsOn are problems', () => {
  const r = run(['Resources:', '  R:', '    Type: T', '    Condition: Ghost', '  S:', '    Type: T', '    DependsOn: [R, Nope]'])
  assert.deepEqual(at(r), [
    [4, 'condition Ghost is not declared in Conditions'],
    [7, 'DependsOn: Nope is not a resource in this template'],
  ])
})

// ---------------------------------------------------------------------------------------
// Default resolver

test('AWS::Lambda::Function: Ref is FunctionName or the generated name; GetAtt Arn', () => {
  const r = run(
    [
      'Resources:',
      '  Named:', '    Type: AWS::Lambda::Function', '    Properties:', '      FunctionName: !Sub "${AWS::StackName}-orders"',
      '  Unnamed:', '    Type: AWS::Lambda::Function',
      'Outputs:',
      '  A: { Value: !Ref Named }',
      '  B: { Value: !GetAtt Named.Arn }',
      '  C: { Value: !Ref Unnamed }',
      '  D: { Value: !GetAtt Unnamed.Arn }',
    ],
    { stackName: 'shop', region: 'eu-west-1', accountId: '111122223333' },
  )
  assert.deepEqual(r.problems, [])
  const out = Object.fromEntries([...r.outputs].map(([k, o]) => [k, o.value]))
  assert.deepEqual(out, {
    A: 'shop-orders',
    B: 'arn:aws:lambda:eu-west-1:111122223333:function:shop-orders',
    C: 'shop-Unnamed',
    D: 'arn:aws:lambda:eu-west-1:111122223333:function:shop-Unnamed',
  })
})

test('AWS::ApiGatewayV2 Api (HTTP and WebSocket), Stage, Route, Integration, Authorizer', () => {
  const loaded = loadTemplate(fixture('api.json'))
  assert.ok(loaded.ok)
  const r = evaluateTemplate(loaded.template, { region: 'eu-central-1' })
  assert.deepEqual(r.problems, [])
  const apiId = derivedApiId('Api')
  assert.match(apiId, new RegExp(`^[a-z0-9]{${API_ID_LENGTH}}$`))
  assert.equal(r.resources.get('Stage')?.properties['ApiId'], apiId)
  assert.equal(r.outputs.get('Url')?.value, `wss://${apiId}.execute-api.eu-central-1.amazonaws.com/live`)

  const http = run([
    'Resources:',
    '  Http:', '    Type: AWS::ApiGatewayV2::Api', '    Properties: { ProtocolType: HTTP }',
    '  Route:', '    Type: AWS::ApiGatewayV2::Route',
    '  Integration:', '    Type: AWS::ApiGatewayV2::Integration',
    '  Auth:', '    Type: AWS::ApiGatewayV2::Authorizer',
    'Outputs:',
    '  Endpoint: { Value: !GetAtt Http.ApiEndpoint }',
    '  ApiId: { Value: !GetAtt Http.ApiId }',
    '  Ids: { Value: [!Ref Route, !Ref Integration, !Ref Auth, !GetAtt Route.RouteId] }',
  ], { region: 'cn-north-1' })
  assert.deepEqual(http.problems, [])
  assert.equal(http.outputs.get('Endpoint')?.value, `https://${derivedApiId('Http')}.execute-api.cn-north-1.amazonaws.com.cn`)
  assert.equal(http.outputs.get('ApiId')?.value, derivedApiId('Http'))
  assert.deepEqual(http.outputs.get('Ids')?.value, [derivedSubresourceId('Route'), derivedSubresourceId('Integration'), derivedSubresourceId('Auth'), derivedSubresourceId('Route')])
  assert.match(derivedSubresourceId('Route'), /^[a-z0-9]{7}$/)
})

test('IAM Role Arn (with Path), and unknown types: Ref is the logical id, GetAtt is a problem', () => {
  const r = run([
    'Resources:',
    '  Role:', '    Type: AWS::IAM::Role', '    Properties: { RoleName: runner, Path: /service/ }',
    '  Plain:', '    Type: AWS::IAM::Role',
    '  Bucket:', '    Type: AWS::S3::Bucket',
    'Outputs:',
    '  A: { Value: !GetAtt Role.Arn }',
    '  B: { Value: !GetAtt Plain.Arn }',
    '  C: { Value: !Ref Bucket }',
    '  D: { Value: !GetAtt Bucket.Arn }', // 13
  ])
  assert.deepEqual(at(r), [[13, 'Resources.Bucket (AWS::S3::Bucket) has no attribute Arn']])
  assert.equal(r.outputs.get('A')?.value, 'arn:aws:iam::123456789012:role/service/runner')
  assert.equal(r.outputs.get('B')?.value, 'arn:aws:iam::123456789012:role/gatehouse-Plain')
  assert.equal(r.outputs.get('C')?.value, 'Bucket')
  assert.equal(r.outputs.has('D'), false)
})

test('SAM template: Serverless::Function, implicit ServerlessHttpApi and <Function>Role, conditions, mappings, NoValue', () => {
  const loaded = loadTemplate(fixture('sam-http-api.yaml'))
  assert.ok(loaded.ok)
  assert.equal(detectTemplateKind(loaded.template.value), 'sam')
  const r = evaluateTemplate(loaded.template, { stackName: 'orders', region: 'us-west-2' })
  assert.deepEqual(r.problems, [])
  const fn = r.resources.get('OrdersFunction')
  assert.equal(fn?.type, 'AWS::Serverless::Function')
  assert.equal(fn?.line, 25)
  assert.equal(fn?.properties['MemorySize'], 128)
  assert.equal('ReservedConcurrentExecutions' in (fn?.properties ?? {}), false)
  assert.deepEqual(fn?.properties['Environment'], { Variables: { TABLE: 'orders-dev', REGION: 'us-west-2', ENABLED: 'on' } })
  assert.deepEqual([...r.resources.keys()], ['OrdersFunction'])
  assert.equal(r.outputs.get('ApiUrl')?.value, `https://${derivedApiId('ServerlessHttpApi')}.execute-api.us-west-2.amazonaws.com/`)
  assert.equal(r.outputs.get('FunctionArn')?.value, 'arn:aws:lambda:us-west-2:123456789012:function:orders-OrdersFunction')

  const prod = evaluateTemplate(loaded.template, { parameterOverrides: { Stage: 'prod' } })
  assert.deepEqual(prod.problems, [])
  assert.equal(prod.resources.get('OrdersFunction')?.properties['ReservedConcurrentExecutions'], 50)
  assert.equal(prod.resources.get('OrdersFunction')?.properties['MemorySize'], 1024)
  assert.equal(prod.outputs.get('Topic')?.value, 'AlarmTopic')

  const role = run(['Transform: AWS::Serverless-2016-10-31', 'Resources:', '  Fn:', '    Type: AWS::Serverless::Function', 'Outputs:', '  R: { Value: !GetAtt FnRole.Arn }'])
  assert.deepEqual(role.problems, [])
  assert.equal(role.outputs.get('R')?.value, 'arn:aws:iam::123456789012:role/gatehouse-FnRole')
  const notSam = run(['Resources:', '  R:', '    Type: T', '    Properties:', '      V: !Ref ServerlessHttpApi'])
  assert.deepEqual(messages(notSam), ['unresolvable Ref: ServerlessHttpApi is not a parameter, pseudo parameter or resource'])
})

test('reference cycles through the resolver are problems, not stack overflows', () => {
  const self = run(['Resources:', '  Fn:', '    Type: AWS::Lambda::Function', '    Properties:', '      FunctionName: !Sub "${Fn}-x"'])
  assert.deepEqual(at(self), [[5, 'circular reference: Resources.Fn.Properties.FunctionName -> Ref Fn -> Resources.Fn.Properties.FunctionName']])
  const pair = run([
    'Resources:',
    '  A:', '    Type: AWS::Lambda::Function', '    Properties:', '      FunctionName: !Join ["-", [!Ref B, a]]',
    '  B:', '    Type: AWS::Lambda::Function', '    Properties:', '      FunctionName: !Select [6, !Split [":", !GetAtt A.Arn]]',
  ])
  assert.equal(pair.problems.length, 1, JSON.stringify(pair.problems))
  assert.match(pair.problems[0]?.message ?? '', /^circular reference: Resources\.A\.Properties\.FunctionName -> Ref B -> Resources\.B\.Properties\.FunctionName -> Fn::GetAtt A\.Arn -> Resources\.A\.Properties\.FunctionName$/)
  assert.equal(pair.problems[0]?.line, 9)
  assert.deepEqual(pair.resources.get('A')?.properties, {})
})

test('a caller-supplied resolver answers Ref/GetAtt; undefined becomes a problem', () => {
  const seen: unknown[] = []
  const r = run(
    ['Resources:', '  Fn:', '    Type: AWS::Lambda::Function', '  R:', '    Type: T', '    Properties:', '      A: !Ref Fn', '      B: !GetAtt Fn.Arn', '      C: !GetAtt Fn.Other'],
    {
      resolver: (id, attribute, path) => {
        seen.push([id, attribute, path.join('/')])
        return attribute === 'Other' ? undefined : `${id}:${attribute ?? 'ref'}`
      },
    },
  )
  assert.deepEqual(r.resources.get('R')?.properties, { A: 'Fn:ref', B: 'Fn:Arn' })
  assert.deepEqual(at(r), [[9, 'Resources.Fn (AWS::Lambda::Function) has no attribute Other']])
  assert.deepEqual(seen[0], ['Fn', null, 'Resources/R/Properties/A/Ref'])
})

test('a resolverFactory can extend the default resolver', () => {
  const r = run(['Resources:', '  Q:', '    Type: AWS::SQS::Queue', 'Outputs:', '  U: { Value: !GetAtt Q.QueueUrl }', '  N: { Value: !Ref Q }'], {
    resolverFactory: (ctx) => {
      const fallback = createDefaultResolver(ctx)
      return (id, attribute, path) =>
        ctx.resourceType(id) === 'AWS::SQS::Queue' && attribute === 'QueueUrl' ? `https://sqs.${ctx.region}.${ctx.urlSuffix}/${ctx.accountId}/${id}` : fallback(id, attribute, path)
    },
  })
  assert.deepEqual(r.problems, [])
  assert.equal(r.outputs.get('U')?.value, 'https://sqs.us-east-1.amazonaws.com/123456789012/Q')
  assert.equal(r.outputs.get('N')?.value, 'https://sqs.us-east-1.amazonaws.com/123456789012/gatehouse-Q', 'Ref falls back to the default resolver')
})

// ---------------------------------------------------------------------------------------
// Template shape, outputs, kinds

test('resource entries: type, metadata as written, dependsOn, path', () => {
  const r = run(['Resources:', '  R:', '    Type: T', '    Metadata: { BuildMethod: !Ref X }', '    DependsOn: S', '  S:', '    Type: T'])
  assert.deepEqual(r.problems, [])
  const res = r.resources.get('R')
  assert.deepEqual(res?.metadata, { BuildMethod: { Ref: 'X' } })
  assert.deepEqual(res?.dependsOn, ['S'])
  assert.deepEqual(res?.path, ['Resources', 'R'])
  assert.equal(res?.line, 2)
})

test('template shape problems and warnings', () => {
  const r = run(['Bogus: 1', 'Resources:', '  NoType:', '    Properties: {}', '  BadProps:', '    Type: T', '    Properties: [1]', 'Outputs:', '  NoValue: { Description: x }'])
  assert.deepEqual(at(r), [
    [3, 'resource NoType has no Type'],
    [7, 'Properties must be a mapping'],
    [9, 'output NoValue must be a mapping with a Value'],
  ])
  assert.deepEqual(r.warnings.map((w) => w.message), ['Bogus is not a CloudFormation template section; it is ignored'])
  assert.deepEqual(messages(evaluateTemplate(templateFromValue([1, 2]))), ['a CloudFormation template must be a mapping of sections (Resources, Parameters, ...)'])
  assert.deepEqual(messages(evaluateTemplate(templateFromValue({}))), ['the template has no Resources section'])
})

test('outputs: Export.Name is evaluated', () => {
  const r = run(['Resources:', '  R:', '    Type: T', 'Outputs:', '  O:', '    Description: the thing', '    Value: !Ref R', '    Export:', '      Name: !Sub "${AWS::StackName}-R"'])
  assert.deepEqual(r.outputs.get('O'), { name: 'O', value: 'R', description: 'the thing', exportName: 'gatehouse-R', condition: undefined, path: ['Outputs', 'O'] })
})

test('detectTemplateKind', () => {
  assert.equal(detectTemplateKind({ Transform: 'AWS::Serverless-2016-10-31', Resources: {} }), 'sam')
  assert.equal(detectTemplateKind({ Transform: ['AWS::LanguageExtensions', 'AWS::Serverless-2016-10-31'] }), 'sam')
  assert.equal(detectTemplateKind({ Resources: { A: { Type: 'AWS::SNS::Topic' } } }), 'cloudformation')
  assert.equal(detectTemplateKind({ AWSTemplateFormatVersion: '2010-09-09' }), 'cloudformation')
  assert.equal(detectTemplateKind({ service: 'x', provider: { name: 'aws' }, functions: {} }), 'serverless')
  assert.equal(detectTemplateKind({ apis: [] }), 'gatehouse')
  assert.equal(detectTemplateKind({ functions: {} }), 'gatehouse')
  assert.equal(detectTemplateKind({ functions: {}, Resources: {} }), 'unknown')
  assert.equal(detectTemplateKind('text'), 'unknown')
})

test("Rules: warned about (not checked), except CDK's CheckBootstrapVersion alone", () => {
  const rule = (name: string): string[] => [`  ${name}:`, '    Assertions:', '      - Assert: !Equals [a, a]']
  const cdk = run(['Rules:', ...rule('CheckBootstrapVersion'), 'Resources:', '  R:', '    Type: T'])
  assert.deepEqual(cdk.warnings.map((w) => w.message), [])
  const own = run(['Rules:', ...rule('CheckBootstrapVersion'), ...rule('ProdOnly'), 'Resources:', '  R:', '    Type: T'])
  assert.deepEqual(own.warnings.map((w) => [w.line, w.path, w.message]), [[1, 'Rules', 'Rules (parameter assertions) are not checked']])
})

test('Ref and Fn::GetAtt of the resources service integrations call: SQS queues, DynamoDB tables, Kinesis streams, event buses, state machines', () => {
  const doc = templateFromValue({
    Resources: {
      Q: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'orders' } },
      F: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true } },
      T: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'Connections' } },
      K: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'clicks' } },
      B: { Type: 'AWS::Events::EventBus', Properties: { Name: 'shop' } },
      S: { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineName: 'flow' } },
    },
    Outputs: {
      q: { Value: { Ref: 'Q' } },
      qa: { Value: { 'Fn::GetAtt': ['Q', 'Arn'] } },
      qn: { Value: { 'Fn::GetAtt': ['Q', 'QueueName'] } },
      f: { Value: { 'Fn::GetAtt': ['F', 'QueueName'] } },
      t: { Value: { Ref: 'T' } },
      ta: { Value: { 'Fn::GetAtt': ['T', 'Arn'] } },
      k: { Value: { 'Fn::GetAtt': ['K', 'Arn'] } },
      b: { Value: { 'Fn::GetAtt': ['B', 'Arn'] } },
      s: { Value: { Ref: 'S' } },
    },
  })
  const r = evaluateTemplate(doc, { region: 'eu-west-1', accountId: '123456789012', stackName: 'shop' })
  const out = (k: string): unknown => r.outputs.get(k)?.value
  assert.equal(out('q'), 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders')
  assert.equal(out('qa'), 'arn:aws:sqs:eu-west-1:123456789012:orders')
  assert.equal(out('qn'), 'orders')
  assert.equal(out('f'), 'shop-F.fifo')
  assert.equal(out('t'), 'Connections')
  assert.equal(out('ta'), 'arn:aws:dynamodb:eu-west-1:123456789012:table/Connections')
  assert.equal(out('k'), 'arn:aws:kinesis:eu-west-1:123456789012:stream/clicks')
  assert.equal(out('b'), 'arn:aws:events:eu-west-1:123456789012:event-bus/shop')
  assert.equal(out('s'), 'arn:aws:states:eu-west-1:123456789012:stateMachine:flow')
})
