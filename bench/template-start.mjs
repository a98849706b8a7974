#!/usr/bin/env node
// `npm run bench:templates`: what reading a template costs at start, against the same API
// written as gatehouse.yaml (issue 15's target: at most 1.5x).
//
// Both projects are generated into a temporary folder (removed on exit):
//   template.yaml   plain CloudFormation, 300 resources: one AWS::ApiGatewayV2::Api, its Stage,
//                   an IAM role, a log group, and per route an AWS::Lambda::Function (Code: a local
//                   folder), an Integration (invocation ARN built with !Sub), a Route
//                   (Target !Sub integrations/${Integration}) and a Lambda::Permission: 74 routes
//   gatehouse.yaml  the same 74 functions, integrations and routes, the same stage
// Per round, each is started as users start it (node bin/gatehouse.js serve FILE --port 0
// --no-admin --no-watch --quiet-functions) and timed from the spawn to the first 200 on the
// last route (the process's own startup included, so the ratio is of what a user waits).
// BENCH_ROUNDS rounds (default 7), interleaved with alternating order; medians are compared.
// Never fails on the figures; exits 1 only when a server does not start or answers wrongly.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir, cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CLI = join(ROOT, 'bin', 'gatehouse.js')
const ROUTES = 74 // 4 per route + 4 shared = 300 resources
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const TARGET = 1.5

function generate(dir) {
  mkdirSync(join(dir, 'code'))
  writeFileSync(join(dir, 'code', 'app.mjs'), 'export const handler = async (event) => ({ statusCode: 200, body: event.routeKey })\n')
  const t = [
    'AWSTemplateFormatVersion: "2010-09-09"',
    'Parameters:',
    '  Stage: { Type: String, Default: live }',
    'Resources:',
    '  Api:',
    '    Type: AWS::ApiGatewayV2::Api',
    '    Properties: { Name: bench, ProtocolType: HTTP }',
    '  ApiStage:',
    '    Type: AWS::ApiGatewayV2::Stage',
    '    Properties: { ApiId: !Ref Api, StageName: !Ref Stage, AutoDeploy: true }',
    '  Role:',
    '    Type: AWS::IAM::Role',
    '    Properties: { AssumeRolePolicyDocument: { Statement: [] } }',
    '  Logs:',
    '    Type: AWS::Logs::LogGroup',
    '    Properties: { RetentionInDays: 7 }',
  ]
  const g = ['functions:']
  const apis = ['apis:', '  - name: bench', '    apiId: bench00001', '    protocolType: HTTP', '    stages: [{ stageName: live }]', '    routes:']
  const integrations = ['    integrations:']
  for (let i = 0; i < ROUTES; i++) {
    t.push(
      `  Fn${i}:`, '    Type: AWS::Lambda::Function',
      `    Properties: { FunctionName: !Sub "bench-\${Stage}-${i}", Runtime: nodejs20.x, Handler: app.handler, Code: code/, Timeout: 10, Role: !GetAtt Role.Arn, Environment: { Variables: { INDEX: "${i}" } } }`,
      `  Int${i}:`, '    Type: AWS::ApiGatewayV2::Integration',
      `    Properties: { ApiId: !Ref Api, IntegrationType: AWS_PROXY, PayloadFormatVersion: "2.0", IntegrationUri: !Sub "arn:\${AWS::Partition}:apigateway:\${AWS::Region}:lambda:path/2015-03-31/functions/\${Fn${i}.Arn}/invocations" }`,
      `  Route${i}:`, '    Type: AWS::ApiGatewayV2::Route',
      `    Properties: { ApiId: !Ref Api, RouteKey: "GET /r${i}/{id}", Target: !Sub "integrations/\${Int${i}}" }`,
      `  Perm${i}:`, '    Type: AWS::Lambda::Permission',
      `    Properties: { Action: lambda:InvokeFunction, FunctionName: !Ref Fn${i}, Principal: apigateway.amazonaws.com }`,
    )
    g.push(`  bench-live-${i}: { handler: code/app.handler, timeout: 10, environment: { INDEX: "${i}" } }`)
    apis.push(`      - { routeKey: "GET /r${i}/{id}", target: integrations/i${i} }`)
    integrations.push(`      - { integrationId: i${i}, integrationType: AWS_PROXY, integrationUri: bench-live-${i}, payloadFormatVersion: "2.0" }`)
  }
  writeFileSync(join(dir, 'template.yaml'), t.join('\n') + '\n')
  writeFileSync(join(dir, 'gatehouse.yaml'), [...g, ...apis, ...integrations].join('\n') + '\n')
}

/** ms from spawn to the first 200 on the last route. */
function startOnce(dir, file) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint()
    const child = spawn(process.execPath, [CLI, 'serve', file, '--port', '0', '--no-admin', '--no-watch', '--quiet-functions'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    let done = false
    let asked = false
    const finish = (e, ms) => {
      if (done) return
      done = true
      child.kill('SIGKILL')
      child.once('close', () => (e ? reject(e) : resolve(ms)))
    }
    child.stderr.on('data', (c) => (err += c))
    child.on('close', () => finish(new Error(`${file}: exited before answering\n${out}\n${err}`)))
    child.stdout.on('data', async (c) => {
      out += c
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out)
      if (m === null || asked) return
      asked = true
      try {
        const res = await fetch(`${m[1]}/live/r${ROUTES - 1}/x`)
        const body = await res.text()
        if (res.status !== 200 || body !== `GET /r${ROUTES - 1}/{id}`) throw new Error(`${file}: answered ${res.status} ${body}`)
        finish(undefined, Number(process.hrtime.bigint() - t0) / 1e6)
      } catch (e) {
        finish(e)
      }
    })
  })
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-templates-'))
const cleanup = () => rmSync(dir, { recursive: true, force: true })
process.on('SIGINT', () => { cleanup(); process.exit(130) })
try {
  generate(dir)
  console.log(`template-start: ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, node ${process.version}`)
  console.log(`project: template.yaml (300 resources, ${ROUTES} routes) vs gatehouse.yaml (the same API); ${ROUNDS} rounds + 1 warm-up`)
  await startOnce(dir, 'template.yaml')
  await startOnce(dir, 'gatehouse.yaml')
  const times = { 'gatehouse.yaml': [], 'template.yaml': [] }
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ['gatehouse.yaml', 'template.yaml'] : ['template.yaml', 'gatehouse.yaml']
    for (const f of order) times[f].push(await startOnce(dir, f))
  }
  const base = median(times['gatehouse.yaml'])
  const tpl = median(times['template.yaml'])
  for (const [f, xs] of Object.entries(times)) {
    console.log(`${f.padEnd(15)} median ${median(xs).toFixed(1)} ms   (rounds: ${xs.map((x) => x.toFixed(0)).join(', ')})`)
  }
  const ratio = tpl / base
  console.log(`ratio template/gatehouse.yaml: ${ratio.toFixed(2)}x (target <= ${TARGET}x) ${ratio <= TARGET ? 'met' : 'MISSED'}`)
} catch (e) {
  console.error(e instanceof Error ? e.message : e)
  process.exitCode = 1
} finally {
  cleanup()
}
