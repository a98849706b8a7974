// Templates (SAM, serverless.yml) with Python and custom runtimes: the same functions as
// gatehouse.yaml gets, with their code folders and template-local layers.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfigFile } from '../../src/config/index.js'
import { startGateway } from '../helpers/gateway.js'
import { fixturesDir } from '../helpers/paths.js'
import { http } from '../helpers/http.js'

function project(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-template-runtimes-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

test('SAM: a Python function with CodeUri and a template-local layer (AWS::Serverless::LayerVersion) serves an HttpApi event', async (t) => {
  const dir = project(t)
  cpSync(join(fixturesDir, 'python', 'pkg'), join(dir, 'src', 'pkg'), { recursive: true })
  cpSync(join(fixturesDir, 'python-layer'), join(dir, 'layer'), { recursive: true })
  const file = join(dir, 'template.yaml')
  writeFileSync(
    file,
    [
      'Transform: AWS::Serverless-2016-10-31',
      'Resources:',
      '  Shared:',
      '    Type: AWS::Serverless::LayerVersion',
      '    Properties:',
      '      ContentUri: layer/',
      '  Fn:',
      '    Type: AWS::Serverless::Function',
      '    Properties:',
      '      Runtime: python3.12',
      '      CodeUri: src/',
      '      Handler: pkg/nested.handler',
      '      Layers:',
      '        - !Ref Shared',
      '        - arn:aws:lambda:us-east-1:123456789012:layer:published:3',
      '      Events:',
      '        Get:',
      '          Type: HttpApi',
      '          Properties:',
      '            Path: /hello',
      '            Method: get',
    ].join('\n')
  )
  const loaded = loadConfigFile(file)
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.issues))
  const fn = loaded.config.functions.get('Fn')
  assert.equal(fn?.runtime, 'python3.12')
  assert.equal(fn?.codeDir, join(dir, 'src'))
  assert.deepEqual(fn?.layers, [join(dir, 'layer')])
  assert.deepEqual(
    loaded.config.warnings.map((w) => `${w.line} ${w.path}: ${w.message}`),
    ['15 Resources.Fn.Properties.Layers[1]: layer arn:aws:lambda:us-east-1:123456789012:layer:published:3 is not a layer of this template with local content: not mounted']
  )
  const { url } = await startGateway(t, file)
  const res = await http(url + '/hello')
  assert.equal(res.status, 200, res.text)
  assert.equal(res.text, 'hello from a layer')
})

test('SAM: a provided.al2023 function runs the bootstrap from its CodeUri', async (t) => {
  const dir = project(t)
  mkdirSync(join(dir, 'fn'))
  copyFileSync(join(fixturesDir, 'custom-runtime', 'bootstrap.sh'), join(dir, 'fn', 'bootstrap'))
  chmodSync(join(dir, 'fn', 'bootstrap'), 0o755)
  const file = join(dir, 'template.yaml')
  writeFileSync(
    file,
    [
      'Transform: AWS::Serverless-2016-10-31',
      'Resources:',
      '  Fn:',
      '    Type: AWS::Serverless::Function',
      '    Properties:',
      '      Runtime: provided.al2023',
      '      CodeUri: fn/',
      '      Handler: bootstrap',
      '      Events:',
      '        Any:',
      '          Type: HttpApi',
    ].join('\n')
  )
  const { url } = await startGateway(t, file)
  const res = await http(url + '/x')
  assert.equal(res.status, 200, res.text)
  assert.match(res.text, /^handler bootstrap got \d+ bytes$/)
})

test('serverless.yml: a Python function (provider runtime) serves an httpApi event', async (t) => {
  const dir = project(t)
  copyFileSync(join(fixturesDir, 'python', 'scripted.py'), join(dir, 'handler.py'))
  const file = join(dir, 'serverless.yml')
  writeFileSync(
    file,
    ['service: s', 'provider:', '  name: aws', '  runtime: python3.11', 'functions:', '  hello:', '    handler: handler.handler', '    events:', '      - httpApi: POST /run'].join('\n')
  )
  const { url } = await startGateway(t, file)
  const res = await http(url + '/run', { method: 'POST', body: '{"return": {"statusCode": 201, "body": "made"}}' })
  assert.equal(res.status, 201, res.text)
  assert.equal(res.text, 'made')
})
