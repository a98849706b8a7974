import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { loadTemplate, parseTemplateText, SHORT_FORM_TAGS, type LoadedTemplate } from '../../src/sources/cloudformation/index.js'

const fixture = (name: string): string => fileURLToPath(new URL(`../../../test/fixtures/cloudformation/${name}`, import.meta.url))

function load(text: string): LoadedTemplate {
  const r = parseTemplateText('t.yaml', text)
  assert.ok(r.ok, JSON.stringify(r.problems))
  return r.template
}

test('every short-form tag becomes its long form, on scalars, sequences and mappings', () => {
  const t = load(
    [
      'A: !Ref Bucket',
      'B: !GetAtt Fn.Arn',
      'C: !GetAtt [Fn, Arn]',
      'D: !Sub "${AWS::Region}"',
      'E: !Sub ["${X}", { X: !Ref Y }]',
      'F: !Join [",", [a, b]]',
      'G: !Select [0, !Split [",", "a,b"]]',
      'H: !If [C, 1, 2]',
      'I: !And [!Equals [a, a], !Or [!Not [!Condition X], !Condition Y]]',
      'J: !FindInMap [M, K, V]',
      'K: !Base64 text',
      'L: !GetAZs ""',
      'M: !ImportValue shared',
      'N: !Cidr ["10.0.0.0/16", 2, 8]',
      'O: !Transform { Name: AWS::Include, Parameters: { Location: s3://b/k } }',
    ].join('\n'),
  )
  assert.deepEqual(t.value, {
    A: { Ref: 'Bucket' },
    B: { 'Fn::GetAtt': 'Fn.Arn' },
    C: { 'Fn::GetAtt': ['Fn', 'Arn'] },
    D: { 'Fn::Sub': '${AWS::Region}' },
    E: { 'Fn::Sub': ['${X}', { X: { Ref: 'Y' } }] },
    F: { 'Fn::Join': [',', ['a', 'b']] },
    G: { 'Fn::Select': [0, { 'Fn::Split': [',', 'a,b'] }] },
    H: { 'Fn::If': ['C', 1, 2] },
    I: { 'Fn::And': [{ 'Fn::Equals': ['a', 'a'] }, { 'Fn::Or': [{ 'Fn::Not': [{ Condition: 'X' }] }, { Condition: 'Y' }] }] },
    J: { 'Fn::FindInMap': ['M', 'K', 'V'] },
    K: { 'Fn::Base64': 'text' },
    L: { 'Fn::GetAZs': '' },
    M: { 'Fn::ImportValue': 'shared' },
    N: { 'Fn::Cidr': ['10.0.0.0/16', 2, 8] },
    O: { 'Fn::Transform': { Name: 'AWS::Include', Parameters: { Location: 's3://b/k' } } },
  })
  for (const tag of ['!Ref', '!Condition', '!GetAtt', '!Sub', '!Cidr', '!Transform']) assert.ok(tag in SHORT_FORM_TAGS)
})

test('YAML 1.2 core schema: on/yes/off stay strings, dates stay strings, numbers and booleans are typed', () => {
  const t = load('a: on\nb: yes\nc: off\nd: 2010-09-09\ne: 30\nf: true\ng: "30"\n')
  assert.deepEqual(t.value, { a: 'on', b: 'yes', c: 'off', d: '2010-09-09', e: 30, f: true, g: '30' })
})

test('line(path) finds nodes, goes through long forms, and falls back to the closest ancestor', () => {
  const t = load(
    [
      'Resources:', //                      1
      '  Orders:', //                       2
      '    Type: AWS::Serverless::Function', // 3
      '    Properties:', //                 4
      '      Events:', //                   5
      '        Get:', //                    6
      '          Properties:', //           7
      '            Path: /orders', //       8
      '      Name: !Sub', //                9
      '        - "${A}-x"', //              10
      '        - A: !Ref B', //             11
    ].join('\n'),
  )
  assert.equal(t.line(['Resources', 'Orders', 'Properties', 'Events', 'Get', 'Properties', 'Path']), 8)
  assert.equal(t.line(['Resources', 'Orders', 'Properties', 'Name', 'Fn::Sub', 0]), 10)
  assert.equal(t.line(['Resources', 'Orders', 'Properties', 'Name', 'Fn::Sub', 1, 'A', 'Ref']), 11)
  assert.equal(t.line(['Resources', 'Orders', 'Properties', 'Missing', 'Deeper']), 4)
  assert.equal(t.line(['Resources', 'Orders', 'Type']), 3)
})

test('a YAML syntax error is one problem with file and line', () => {
  const r = parseTemplateText('bad.yaml', 'Resources:\n  A:\n    Type: [unclosed\n  B: x\n  - y\n')
  assert.equal(r.ok, false)
  assert.equal(r.problems.length, 1)
  assert.equal(r.problems[0]?.file, 'bad.yaml')
  assert.equal(typeof r.problems[0]?.line, 'number')
  assert.match(r.problems[0]?.message ?? '', /cannot parse/)
})

test('duplicate keys and unknown tags are refused with their line', () => {
  const dup = parseTemplateText('d.yaml', 'a: 1\nb: 2\na: 3\n')
  assert.equal(dup.ok, false)
  assert.equal(dup.problems.length, 1)
  assert.equal(dup.problems[0]?.line, 3)
  const tag = parseTemplateText('t.yaml', 'a: 1\nb: !Reff X\n')
  assert.equal(tag.ok, false)
  assert.equal(tag.problems[0]?.line, 2)
  assert.match(tag.problems[0]?.message ?? '', /!Reff/)
})

test('an alias bomb (billion laughs) is one problem, not a crash', () => {
  const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i)
    const name = String.fromCharCode(97 + i)
    levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`)
  }
  const r = parseTemplateText('bomb.yaml', levels.join('\n'))
  assert.equal(r.ok, false)
  assert.equal(r.problems.length, 1)
  assert.match(r.problems[0]?.message ?? '', /alias/)
})

test('a few aliases are fine, including an alias of a tagged node', () => {
  const t = load('a: &r !Ref X\nb: *r\nc: &l [1, 2]\nd: *l\n')
  assert.deepEqual(t.value, { a: { Ref: 'X' }, b: { Ref: 'X' }, c: [1, 2], d: [1, 2] })
})

test('JSON templates load with line numbers', () => {
  const r = loadTemplate(fixture('api.json'))
  assert.ok(r.ok)
  assert.equal(r.template.line(['Resources', 'Stage', 'Properties', 'StageName']), 10)
  assert.deepEqual((r.template.value as { Resources: { Stage: { Properties: unknown } } }).Resources.Stage.Properties, {
    ApiId: { Ref: 'Api' },
    StageName: 'live',
  })
})

test('a missing file is one problem', () => {
  const r = loadTemplate('/nonexistent/template.yaml')
  assert.equal(r.ok, false)
  assert.deepEqual(r.problems, [{ file: '/nonexistent/template.yaml', line: undefined, path: '', message: 'file not found' }])
})
