import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  evaluateTemplate,
  parseTemplateText,
  SIMULATED_AVAILABILITY_ZONE_SUFFIXES,
  type EvaluateOptions,
  type EvaluationResult,
  type TemplateProblem,
} from '../../src/sources/cloudformation/index.js'

/** Evaluates a template given as lines of YAML. */
function run(lines: string[], options: EvaluateOptions = {}): EvaluationResult {
  const loaded = parseTemplateText('t.yaml', lines.join('\n'))
  assert.ok(loaded.ok, JSON.stringify(loaded.problems))
  return evaluateTemplate(loaded.template, options)
}

/** One resource `R` whose property `V` is `expression`; lines before it are extra sections. */
function valueOf(expression: string, before: string[] = [], options: EvaluateOptions = {}): { value: unknown; problems: readonly TemplateProblem[] } {
  const r = run([...before, 'Resources:', '  R:', '    Type: Test::Thing', '    Properties:', `      V: ${expression}`], options)
  return { value: r.resources.get('R')?.properties['V'], problems: r.problems }
}

/** The line `V:` is on when `before` has `n` lines. */
const lineOfV = (before: string[]): number => before.length + 5

function ok(expression: string, before: string[] = [], options: EvaluateOptions = {}): unknown {
  const r = valueOf(expression, before, options)
  assert.deepEqual(r.problems, [])
  return r.value
}

function fails(expression: string, fragment: string | RegExp, before: string[] = [], options: EvaluateOptions = {}): TemplateProblem {
  const r = valueOf(expression, before, options)
  assert.equal(r.value, undefined, 'a failed value is left out')
  assert.equal(r.problems.length, 1, JSON.stringify(r.problems))
  const problem = r.problems[0] as TemplateProblem
  if (typeof fragment === 'string') assert.ok(problem.message.includes(fragment), problem.message)
  else assert.match(problem.message, fragment)
  assert.equal(problem.file, 't.yaml')
  return problem
}

const PARAMS = ['Parameters:', '  Env:', '    Type: String', '    Default: dev', '  Subnets:', '    Type: CommaDelimitedList', '    Default: "a, b,c"']

test('Ref: parameters, list parameters, pseudo parameters and resources', () => {
  assert.equal(ok('!Ref Env', PARAMS), 'dev')
  assert.deepEqual(ok('!Ref Subnets', PARAMS), ['a', 'b', 'c'])
  assert.equal(ok('!Ref AWS::Region', [], { region: 'eu-west-1' }), 'eu-west-1')
  const r = run(['Resources:', '  Topic:', '    Type: AWS::SNS::Topic', '  R:', '    Type: T', '    Properties:', '      V: !Ref Topic'])
  assert.deepEqual(r.problems, [])
  assert.equal(r.resources.get('R')?.properties['V'], 'Topic', 'unknown types: Ref is the logical id')
})

test('Ref errors: unknown name, unknown pseudo parameter, non-string argument (with line)', () => {
  const p = fails('!Ref Nope', 'unresolvable Ref: Nope is not a parameter, pseudo parameter or resource')
  assert.equal(p.line, lineOfV([]))
  assert.equal(p.path, 'Resources.R.Properties.V.Ref')
  fails('!Ref AWS::Nope', 'AWS::Nope is not a pseudo parameter')
  fails('{ Ref: [a] }', 'Ref takes the name of a parameter or resource')
})

test('AWS::NoValue removes the property and list elements', () => {
  const r = run(['Resources:', '  R:', '    Type: T', '    Properties:', '      A: !Ref AWS::NoValue', '      B: [1, !Ref AWS::NoValue, 3]', '      C: { D: !Ref AWS::NoValue, E: 1 }'])
  assert.deepEqual(r.problems, [])
  assert.deepEqual(r.resources.get('R')?.properties, { B: [1, 3], C: { E: 1 } })
})

test('Fn::GetAtt: short string form, list form, attribute from a Ref', () => {
  const fn = ['Parameters:', '  Attr:', '    Type: String', '    Default: Arn', 'Resources:', '  Fn:', '    Type: AWS::Lambda::Function', '    Properties:', '      FunctionName: orders']
  const run3 = (expr: string): EvaluationResult =>
    run([...fn, '  R:', '    Type: T', '    Properties:', `      V: ${expr}`], { region: 'eu-west-1', accountId: '111122223333' })
  const arn = 'arn:aws:lambda:eu-west-1:111122223333:function:orders'
  for (const expr of ['!GetAtt Fn.Arn', '!GetAtt [Fn, Arn]', '!GetAtt [Fn, !Ref Attr]']) {
    const r = run3(expr)
    assert.deepEqual(r.problems, [], expr)
    assert.equal(r.resources.get('R')?.properties['V'], arn, expr)
  }
  const bad = run3('!GetAtt Fn.Nope')
  assert.equal(bad.problems.length, 1)
  assert.equal(bad.problems[0]?.message, 'Resources.Fn (AWS::Lambda::Function) has no attribute Nope')
  assert.equal(bad.problems[0]?.line, 13)
})

test('Fn::GetAtt errors: not a resource, malformed', () => {
  fails('!GetAtt Ghost.Arn', 'Fn::GetAtt: Ghost is not a resource in this template')
  fails('!GetAtt NoDot', 'must be LogicalId.AttributeName')
  fails('!GetAtt [a, b, c]', 'Fn::GetAtt takes [LogicalId, AttributeName]')
})

test('Fn::Sub: string form with pseudo parameters, parameters, Res.Attr and ${!Literal}', () => {
  const before = [...PARAMS]
  assert.equal(ok('!Sub "${AWS::StackName}-${Env}-${ AWS::Partition }"', before, { stackName: 'shop' }), 'shop-dev-aws')
  assert.equal(ok('!Sub "${!Literal} and ${!AWS::Region}"'), '${Literal} and ${AWS::Region}')
  assert.equal(ok('!Sub "plain text"'), 'plain text')
})

test('Fn::Sub: list form with a variable map (values may be intrinsics, evaluated only when used)', () => {
  assert.equal(ok('!Sub ["${A}/${Env}/${B}", { A: !Join ["-", [x, y]], B: 2, Unused: !Ref Ghost }]', PARAMS), 'x-y/dev/2')
})

test('Fn::Sub errors: unknown variable, list value, unterminated, bad shape', () => {
  const p = fails('!Sub "x-${Ghost}"', 'unresolvable Ref: Ghost')
  assert.equal(p.line, lineOfV([]))
  fails('!Sub "${Subnets}"', '${Subnets} is a list; only strings and numbers can be substituted', PARAMS)
  fails('!Sub "x-${AWS::Region"', 'has no closing "}"')
  fails('!Sub [a, b, c]', 'Fn::Sub takes a string, or [string, { Name: value, ... }]')
  fails('!Sub ["${A}", [1]]', 'variable map must be a mapping')
})

test('Fn::Join joins strings and numbers; intrinsic lists are accepted', () => {
  assert.equal(ok('!Join [":", [a, 1, !Ref Env]]', PARAMS), 'a:1:dev')
  assert.equal(ok('!Join ["", !Ref Subnets]', PARAMS), 'abc')
  assert.equal(ok('!Join ["-", []]'), '')
})

test('Fn::Join errors: non-list, non-string element, bad delimiter', () => {
  const p = fails('!Join [",", notalist]', 'the values joined by Fn::Join must be a list')
  assert.equal(p.path, 'Resources.R.Properties.V.Fn::Join[1]')
  assert.equal(p.line, lineOfV([]))
  fails('!Join [",", [a, [b]]]', 'Fn::Join can only join strings, not a list')
  fails('!Join [1, [a]]', 'delimiter must be a string')
  fails('!Join [","]', 'Fn::Join takes [delimiter, [values...]]')
})

test('Fn::Select picks by number or numeric string', () => {
  assert.equal(ok('!Select [1, [a, b, c]]'), 'b')
  assert.equal(ok('!Select ["2", !Ref Subnets]', PARAMS), 'c')
  assert.equal(ok('!Select [0, !GetAZs ""]', [], { region: 'eu-west-1' }), 'eu-west-1a')
})

test('Fn::Select errors: out of range, bad index, not a list', () => {
  const p = fails('!Select [3, [a, b]]', 'Fn::Select index 3 is out of range for a list of 2')
  assert.equal(p.line, lineOfV([]))
  fails('!Select [-1, [a]]', 'index must be a whole number')
  fails('!Select [0, abc]', 'the Fn::Select list must be a list')
})

test('Fn::Split', () => {
  assert.deepEqual(ok('!Split [",", "a,b,,c"]'), ['a', 'b', '', 'c'])
  assert.deepEqual(ok('!Split ["|", !Sub "${Env}|x"]', PARAMS), ['dev', 'x'])
  fails('!Split ["", "abc"]', 'delimiter must be a non-empty string')
  fails('!Split [",", [a]]', 'must be a string, not a list')
})

const CONDITIONS = [...PARAMS, 'Conditions:', '  IsDev: !Equals [!Ref Env, dev]', '  IsProd: !Not [!Condition IsDev]']

test('Fn::If picks a branch by condition; the other branch is not evaluated', () => {
  assert.equal(ok('!If [IsDev, small, !Ref Ghost]', CONDITIONS), 'small')
  assert.equal(ok('!If [IsProd, !Ref Ghost, big]', CONDITIONS), 'big')
  assert.equal(ok('!If [IsProd, 1, !Ref AWS::NoValue]', CONDITIONS), undefined)
})

test('Fn::If errors: unknown condition, bad shape', () => {
  const p = fails('!If [Nope, a, b]', 'condition Nope is not declared in Conditions', CONDITIONS)
  assert.equal(p.line, lineOfV(CONDITIONS))
  fails('!If [IsDev, a]', 'Fn::If takes [conditionName, valueIfTrue, valueIfFalse]', CONDITIONS)
})

test('Fn::Equals, Fn::And, Fn::Or, Fn::Not in Conditions', () => {
  const before = [
    ...PARAMS,
    'Conditions:',
    '  A: !Equals [!Ref Env, dev]',
    '  B: !Equals [3, "3"]',
    '  C: !And [!Condition A, !Condition B, !Equals [x, x]]',
    '  D: !Or [!Equals [x, y], !Not [!Condition C]]',
    '  E: !Equals [[a, b], !Ref Subnets]',
  ]
  const r = run([...before, 'Resources:', '  R:', '    Type: T'])
  assert.deepEqual(r.problems, [])
  assert.deepEqual(Object.fromEntries(r.conditions), { A: true, B: true, C: true, D: false, E: false })
})

test('condition function errors: arity and non-boolean operands', () => {
  const r = run([
    'Conditions:', //                 1
    '  A: !And [!Equals [a, a]]', //  2
    '  B: !Not [x]', //               3
    '  C: !Or [!Equals [a, b], !Condition Missing]', // 4
    '  D: !Equals [a]', //            5
    'Resources:',
    '  R:',
    '    Type: T',
  ])
  const byLine = r.problems.map((p) => [p.line, p.message])
  assert.deepEqual(byLine, [
    [2, 'Fn::And takes a list of 2 to 10 conditions'],
    [3, 'a condition must be a condition function (Fn::Equals, Fn::And, Fn::Or, Fn::Not) or { Condition: Name }'],
    [4, 'condition Missing is not declared in Conditions'],
    [5, 'Fn::Equals takes [value1, value2]'],
  ])
})

const MAPPINGS = ['Mappings:', '  Sizes:', '    dev: { Memory: 128, Zones: [a, b] }', '    prod: { Memory: 1024 }']

test('Fn::FindInMap with literal and intrinsic keys', () => {
  assert.equal(ok('!FindInMap [Sizes, !Ref Env, Memory]', [...PARAMS, ...MAPPINGS]), 128)
  assert.deepEqual(ok('!FindInMap [Sizes, dev, Zones]', MAPPINGS), ['a', 'b'])
})

test('Fn::FindInMap errors name the missing level', () => {
  fails('!FindInMap [Nope, dev, Memory]', 'Mappings has no map "Nope"', MAPPINGS)
  fails('!FindInMap [Sizes, test, Memory]', 'Mappings.Sizes has no key "test"', MAPPINGS)
  const p = fails('!FindInMap [Sizes, prod, Zones]', 'Mappings.Sizes.prod has no key "Zones"', MAPPINGS)
  assert.equal(p.line, lineOfV(MAPPINGS))
})

test('Fn::FindInMap DefaultValue needs AWS::LanguageExtensions', () => {
  const le = ['Transform: AWS::LanguageExtensions', ...MAPPINGS]
  assert.equal(ok('!FindInMap [Sizes, test, Memory, { DefaultValue: 256 }]', le), 256)
  assert.equal(ok('!FindInMap [Sizes, prod, Memory, { DefaultValue: 256 }]', le), 1024)
  fails('!FindInMap [Sizes, test, Memory, { DefaultValue: 256 }]', 'needs "Transform: AWS::LanguageExtensions"', MAPPINGS)
})

test('Fn::Base64', () => {
  assert.equal(ok('!Base64 "hello é"'), Buffer.from('hello é').toString('base64'))
  assert.equal(ok('{ "Fn::Base64": !Sub "${Env}" }', PARAMS), Buffer.from('dev').toString('base64'))
  fails('!Base64 [a]', 'the Fn::Base64 value must be a string')
  // YAML allows one tag per node, so CloudFormation's documented limitation holds here too.
  const twoTags = parseTemplateText('t.yaml', 'A: !Base64 !Sub x')
  assert.equal(twoTags.ok, false)
  assert.match(twoTags.problems[0]?.message ?? '', /at most one tag/)
})

test('Fn::GetAZs answers SIMULATED_AVAILABILITY_ZONE_SUFFIXES of the region', () => {
  assert.deepEqual(SIMULATED_AVAILABILITY_ZONE_SUFFIXES, ['a', 'b', 'c'])
  assert.deepEqual(ok('!GetAZs ""', [], { region: 'ap-south-1' }), ['ap-south-1a', 'ap-south-1b', 'ap-south-1c'])
  assert.deepEqual(ok('{ "Fn::GetAZs": !Ref AWS::Region }', [], { region: 'eu-north-1' }), ['eu-north-1a', 'eu-north-1b', 'eu-north-1c'])
  assert.deepEqual(ok('!GetAZs us-west-2'), ['us-west-2a', 'us-west-2b', 'us-west-2c'])
})

test('Fn::ImportValue needs an import value', () => {
  assert.equal(ok('{ "Fn::ImportValue": !Sub "${Env}-VpcId" }', PARAMS, { importValues: { 'dev-VpcId': 'vpc-123' } }), 'vpc-123')
  const p = fails('!ImportValue shared-VpcId', 'no value for the export "shared-VpcId"')
  assert.equal(p.line, lineOfV([]))
})

test('Fn::Cidr (IPv4 and IPv6)', () => {
  assert.deepEqual(ok('!Cidr ["10.0.0.0/16", 3, 8]'), ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24'])
  assert.deepEqual(ok('!Cidr ["192.168.0.0/24", "2", "5"]'), ['192.168.0.0/27', '192.168.0.32/27'])
  assert.deepEqual(ok('!Cidr ["2001:db8::/56", 2, 64]'), ['2001:db8::/64', '2001:db8:0:1::/64'])
  fails('!Cidr ["10.0.0.0/24", 2, 9]', 'cidrBits 9 does not fit in a /24 block')
  fails('!Cidr ["10.0.0.0/30", 8, 1]', 'holds only 2 subnets')
  fails('!Cidr ["10.0.0.300/16", 1, 8]', 'not a valid IPv4 CIDR block')
  fails('!Cidr ["10.0.0.0/16", 0, 8]', 'count must be an integer from 1 to 256')
})

test('Fn::Transform is a clear problem (macros cannot run offline)', () => {
  fails('!Transform { Name: AWS::Include, Parameters: { Location: s3://b/k } }', 'Fn::Transform (macro AWS::Include) runs a CloudFormation macro')
})

test('Fn::Length and Fn::ToJsonString with AWS::LanguageExtensions', () => {
  const le = ['Transform: AWS::LanguageExtensions', ...PARAMS]
  assert.equal(ok('{ "Fn::Length": !Ref Subnets }', le), 3)
  assert.equal(ok('{ "Fn::ToJsonString": { a: !Ref Env, b: [1] } }', le), '{"a":"dev","b":[1]}')
  fails('{ "Fn::Length": [a] }', 'Fn::Length needs "Transform: AWS::LanguageExtensions"')
})

test('unknown Fn:: function is a problem', () => {
  fails('{ "Fn::Bogus": [a] }', 'Fn::Bogus is not a CloudFormation intrinsic function')
})

test('a mapping key named Condition in properties is data (IAM policies), not a function', () => {
  const v = ok('{ Effect: Allow, Condition: { StringEquals: { "aws:SourceAccount": !Ref AWS::AccountId } } }')
  assert.deepEqual(v, { Effect: 'Allow', Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } })
  assert.deepEqual(ok('{ Condition: x }'), { Condition: 'x' })
})

test('problems are collected, not stopped at the first', () => {
  const r = run(['Resources:', '  R:', '    Type: T', '    Properties:', '      A: !Ref X', '      B: !Select [5, [a]]', '      C: ok'])
  assert.deepEqual(r.problems.map((p) => p.line), [5, 6])
  assert.deepEqual(r.resources.get('R')?.properties, { C: 'ok' })
})
