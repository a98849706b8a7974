import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { parseTemplateText } from '../../src/sources/cloudformation/index.js'
import {
  resolveServerlessVariables,
  type ResolvedServerlessConfig,
  type ServerlessVariableOptions,
} from '../../src/sources/serverless/index.js'

/** serverless.yml files are placed in the fixtures folder so `file(...)` finds its neighbours. */
const file = fileURLToPath(new URL('../../../test/fixtures/serverless/serverless.yml', import.meta.url))

function resolve(lines: string[], options: ServerlessVariableOptions = {}): ResolvedServerlessConfig {
  const loaded = parseTemplateText(file, lines.join('\n'))
  assert.ok(loaded.ok, JSON.stringify(loaded.problems))
  return resolveServerlessVariables(loaded.template, options)
}

/** The value at `key` of a one-key file `key: <expression>` after resolution, with no problems. */
function value(expression: string, options: ServerlessVariableOptions = {}, extra: string[] = []): unknown {
  const r = resolve([`v: ${expression}`, ...extra], options)
  assert.deepEqual(r.problems, [])
  return (r.value as Record<string, unknown>)['v']
}

const at = (r: ResolvedServerlessConfig): [number | undefined, string, string][] => r.problems.map((p) => [p.line, p.path, p.message])

const BASE = ['service: shop', 'provider:', '  name: aws', '  stage: beta', '  region: eu-west-1', 'custom:', '  memory: 256', '  dev:', '    table: t-dev', '  list: [a, b]']

test('${self:...} keeps the type of a whole value and is text inside a string', () => {
  assert.equal(value('${self:custom.memory}', {}, BASE), 256)
  assert.equal(value('"size-${self:custom.memory}"', {}, BASE), 'size-256')
  assert.deepEqual(value('${self:custom.dev}', {}, BASE), { table: 't-dev' })
  assert.equal(value('${self:custom.list.1}', {}, BASE), 'b')
  assert.equal(value('${self:service}-${self:provider.stage}', {}, BASE), 'shop-beta')
})

test('${env:NAME} with quoted and unquoted defaults', () => {
  assert.equal(value('${env:TABLE}', { env: { TABLE: 'x' } }), 'x')
  assert.equal(value("${env:TABLE, 'fallback'}"), 'fallback')
  assert.equal(value('${env:TABLE, fallback}'), 'fallback')
  assert.equal(value('${env:TABLE, "a, b"}'), 'a, b')
  assert.equal(value('${env:COUNT, 3}'), 3)
})

test('${opt:stage, ...} and ${opt:region}, ${opt:custom}', () => {
  assert.equal(value("${opt:stage, 'dev'}"), 'dev')
  assert.equal(value("${opt:stage, 'dev'}", { stage: 'prod' }), 'prod')
  assert.equal(value('${opt:region}', { region: 'ap-south-1' }), 'ap-south-1')
  assert.equal(value('${opt:flag}', { options: { flag: 'on' } }), 'on')
})

test('${sls:stage} (CLI, then provider.stage, then dev) and ${sls:instanceId}', () => {
  assert.equal(value('${sls:stage}', { stage: 'qa' }, BASE), 'qa')
  assert.equal(value('${sls:stage}', {}, BASE), 'beta')
  assert.equal(value('${sls:stage}'), 'dev')
  assert.equal(value('${sls:instanceId}', { instanceId: 'abc' }), 'abc')
  const r = resolve(['a: ${sls:instanceId}', 'b: ${sls:instanceId}'])
  const v = r.value as Record<string, string>
  assert.match(v['a'] ?? '', /^[0-9a-f]{8}$/)
  assert.equal(v['a'], v['b'], 'one instance id per run')
})

test('${aws:region} and ${aws:accountId}', () => {
  assert.equal(value('${aws:region}', { region: 'us-west-2' }, BASE), 'us-west-2')
  assert.equal(value('${aws:region}', {}, BASE), 'eu-west-1')
  assert.equal(value('${aws:region}'), 'us-east-1')
  assert.equal(value('${aws:accountId}', { accountId: '111122223333' }), '111122223333')
  const r = resolve(['v: ${aws:accountId}'])
  assert.deepEqual(at(r), [[1, 'v', 'cannot resolve ${aws:accountId}: aws:accountId needs an AWS account; pass accountId']])
})

test('${file(...)} whole file and with an address, YAML and JSON, variables inside resolved against self', () => {
  assert.deepEqual(value('${file(./custom.yml)}', {}, BASE), { tables: { dev: 'orders-dev', prod: 'orders-prod' }, owner: 'shop' })
  assert.equal(value('${file(./custom.yml):tables.prod}', {}, BASE), 'orders-prod')
  assert.equal(value('${file(./settings.json):memory}'), 512)
  assert.deepEqual(value('${file(./settings.json):tags}'), { team: 'payments' })
  assert.equal(value("${file(./missing.yml):x, 'none'}"), 'none')
})

test('${file(...)} errors: missing file, missing key, JavaScript file, broken file', () => {
  assert.deepEqual(at(resolve(['a: 1', 'v: ${file(./missing.yml)}'])), [[2, 'v', 'cannot resolve ${file(./missing.yml)}: file ./missing.yml does not exist']])
  assert.deepEqual(at(resolve(['v: ${file(./settings.json):nope}'])), [[1, 'v', 'cannot resolve ${file(./settings.json):nope}: ./settings.json has no nope']])
  assert.match(at(resolve(['v: ${file(./vars.js):x}']))[0]?.[2] ?? '', /only YAML and JSON files can be loaded/)
  const broken = resolve(['v: ${file(./broken.yml)}'])
  assert.equal(broken.problems.length, 1)
  assert.ok(broken.problems[0]?.file.endsWith('broken.yml'))
  assert.equal(broken.problems[0]?.line, 2, 'the unclosed [ is noticed at the end of the file')
})

test('nested variables: ${self:custom.${opt:stage}.table}', () => {
  assert.equal(value("${self:custom.${opt:stage, 'dev'}.table}", {}, BASE), 't-dev')
  assert.equal(value('${file(./custom.yml):tables.${sls:stage}}', { stage: 'prod' }, BASE), 'orders-prod')
})

test('fallback chains: ${env:A, env:B, opt:x, "x"}', () => {
  assert.equal(value("${env:A, env:B, 'x'}"), 'x')
  assert.equal(value("${env:A, env:B, 'x'}", { env: { B: 'b' } }), 'b')
  assert.equal(value("${env:A, self:custom.memory}", {}, BASE), 256)
  const r = resolve(['a:', '  b: ${env:A, env:B}'])
  assert.deepEqual(at(r), [[2, 'a.b', 'cannot resolve ${env:A, env:B}: environment variable A is not set; environment variable B is not set']])
})

test('ssm, cf and s3 cannot be resolved offline: a problem naming them unless a fallback is given', () => {
  const r = resolve(['functions:', '  hello:', '    environment:', '      TABLE: ${ssm:/app/table}', '      STACK: ${cf:other.Output}', '      OBJ: ${s3:bucket/key}'])
  assert.deepEqual(at(r), [
    [4, 'functions.hello.environment.TABLE', "cannot resolve ${ssm:/app/table}: ssm:/app/table reads SSM Parameter Store, which cannot be done offline; give a fallback, e.g. ${ssm:/app/table, 'value'}"],
    [5, 'functions.hello.environment.STACK', "cannot resolve ${cf:other.Output}: cf:other.Output reads CloudFormation stack outputs, which cannot be done offline; give a fallback, e.g. ${cf:other.Output, 'value'}"],
    [6, 'functions.hello.environment.OBJ', "cannot resolve ${s3:bucket/key}: s3:bucket/key reads an S3 object, which cannot be done offline; give a fallback, e.g. ${s3:bucket/key, 'value'}"],
  ])
  assert.equal(value("${ssm:/app/table, 'local-table'}"), 'local-table')
})

test('unknown sources and unknown sls/aws variables are problems', () => {
  assert.deepEqual(at(resolve(['a: 1', 'v: ${vault:secret}'])), [[2, 'v', '${vault:secret}: unknown variable source "vault"']])
  assert.deepEqual(at(resolve(['v: ${sls:nope}'])), [[1, 'v', '${sls:nope}: sls has no variable "nope" (known: stage, instanceId)']])
})

test('missing self paths are problems with line and path', () => {
  const r = resolve([...BASE, 'functions:', '  hello:', '    environment:', '      TABLE: ${self:custom.nope}'])
  assert.deepEqual(at(r), [[14, 'functions.hello.environment.TABLE', `cannot resolve \${self:custom.nope}: self:custom.nope does not exist in ${file}`]])
})

test('cycles are problems, not stack overflows', () => {
  const r = resolve(['a: ${self:b}', 'b: x-${self:c}', 'c: ${self:a}'])
  assert.equal(r.problems.length >= 1, true)
  assert.match(r.problems[0]?.message ?? '', /^circular variable reference: a -> b -> c -> a$/)
  assert.equal(r.problems[0]?.line, 1)
  const self = resolve(['custom:', '  x: ${self:custom}'])
  assert.match(self.problems[0]?.message ?? '', /circular variable reference/)
})

test('objects cannot be inserted into text', () => {
  const r = resolve([...BASE, 'v: "x-${self:custom.dev}"'])
  assert.deepEqual(at(r), [[11, 'v', '${self:custom.dev} is a mapping; only strings, numbers and booleans can be inserted into text']])
})

test('CloudFormation placeholders and tags are left for CloudFormation', () => {
  const r = resolve(['resources:', '  Outputs:', '    Url:', '      Value: !Sub "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${sls:stage}"'], { stage: 'prod' })
  assert.deepEqual(r.problems, [])
  assert.deepEqual(r.value, { resources: { Outputs: { Url: { Value: { 'Fn::Sub': 'https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/prod' } } } } })
})
