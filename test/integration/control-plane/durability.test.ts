// Concurrent writes lose nothing; a gateway killed in the middle of a burst of writes comes back
// with every acknowledged change and no half-written API; ResetAuthorizersCache empties the
// authorizer cache.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateAuthorizerCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  GetApiCommand,
  GetRoutesCommand,
  GetTagsCommand,
  ResetAuthorizersCacheCommand,
  TagResourceCommand,
  UpdateApiCommand,
} from '@aws-sdk/client-apigatewayv2'
import { CreateFunctionCommand, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda'
import { spawnCli } from '../../helpers/cli.js'
import { fixturesDir } from '../../helpers/paths.js'
import { http } from '../../helpers/http.js'
import { apiHost, DUMMY_CREDENTIALS, startControlPlane, zipOf } from '../../helpers/control-plane.js'

test('concurrent updates of one API lose no write', async (t) => {
  const { apigw } = await startControlPlane(t)
  const { ApiId } = await apigw.send(new CreateApiCommand({ Name: 'raced', ProtocolType: 'HTTP' }))
  const arn = `arn:aws:apigateway:us-east-1::/apis/${ApiId as string}`
  const writes: Promise<unknown>[] = []
  for (let i = 0; i < 12; i++) {
    writes.push(apigw.send(new CreateRouteCommand({ ApiId, RouteKey: `GET /race/${i}` })))
    writes.push(apigw.send(new TagResourceCommand({ ResourceArn: arn, Tags: { [`k${i}`]: `v${i}` } })))
  }
  writes.push(apigw.send(new UpdateApiCommand({ ApiId, Description: 'raced description' })))
  await Promise.all(writes)
  const routes = await apigw.send(new GetRoutesCommand({ ApiId }))
  assert.equal(routes.Items?.length, 12)
  const tags = await apigw.send(new GetTagsCommand({ ResourceArn: arn }))
  assert.equal(Object.keys(tags.Tags ?? {}).length, 12)
  assert.equal((await apigw.send(new GetApiCommand({ ApiId }))).Description, 'raced description')
})

test('killed in the middle of a burst of writes, the gateway restarts with every acknowledged change and no half-written API', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'gatehouse-crash-'))
  t.after(() => rmSync(cwd, { recursive: true, force: true }))
  const state = join(cwd, 'state')
  const start = async () => {
    const cli = spawnCli(t, ['serve', '--port', '0', '--admin-port', '0', '--state', state, '--no-watch', '--quiet-functions', '--log-level', 'warn'], cwd)
    const [, adminUrl] = await cli.waitFor('stdout', /Admin listening on (http:\/\/127\.0\.0\.1:\d+)/)
    const client = new ApiGatewayV2Client({ endpoint: adminUrl as string, region: 'us-east-1', credentials: DUMMY_CREDENTIALS, maxAttempts: 1 })
    t.after(() => client.destroy())
    return { cli, client }
  }
  const first = await start()
  const { ApiId } = await first.client.send(new CreateApiCommand({ Name: 'burst', ProtocolType: 'HTTP' }))
  const acknowledged: string[] = []
  let killed = false
  const writer = async (lane: number) => {
    for (let i = 0; !killed; i++) {
      try {
        const route = await first.client.send(new CreateRouteCommand({ ApiId, RouteKey: `GET /lane${lane}/${i}` }))
        if (route.RouteId !== undefined) acknowledged.push(route.RouteId)
      } catch {
        return // the gateway is gone
      }
    }
  }
  const lanes = [0, 1, 2, 3].map(writer)
  while (acknowledged.length < 20) await new Promise((r) => setTimeout(r, 5))
  killed = true
  first.cli.child.kill('SIGKILL')
  await first.cli.exited
  await Promise.all(lanes)

  // The file on disk is whole, whatever moment the kill came at.
  const saved = JSON.parse(readFileSync(join(state, 'state.json'), 'utf8')) as { apis: Record<string, { routes: Record<string, unknown>; routeResponses: Record<string, unknown> }> }
  const api = saved.apis[ApiId as string]
  assert.ok(api !== undefined)
  for (const id of Object.keys(api.routes)) assert.ok(api.routeResponses[id] !== undefined, `route ${id} is whole`)

  const second = await start()
  const ids = new Set<string>()
  let token: string | undefined
  do {
    const page = await second.client.send(new GetRoutesCommand({ ApiId, ...(token !== undefined ? { NextToken: token } : {}) }))
    for (const r of page.Items ?? []) ids.add(r.RouteId as string)
    token = page.NextToken
  } while (token !== undefined)
  for (const id of acknowledged) assert.ok(ids.has(id), `acknowledged route ${id} survived`)
  second.cli.child.kill('SIGTERM')
  await second.cli.exited
})

const AUTHORIZER = `import { randomUUID } from 'node:crypto'
export const handler = async () => ({ isAuthorized: true, context: { decision: randomUUID() } })
`
const SHOW_DECISION = `export const handler = async (event) => ({ statusCode: 200, body: event.requestContext.authorizer.lambda.decision })
`

test('ResetAuthorizersCache empties the cache of a Lambda authorizer with a TTL', async (t) => {
  const { apigw, lambda, url } = await startControlPlane(t)
  for (const [name, code] of [['authz', AUTHORIZER], ['show', SHOW_DECISION]] as const) {
    await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: 'r', Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.mjs': code }) } }))
  }
  const { ApiId } = await apigw.send(new CreateApiCommand({ Name: 'cached', ProtocolType: 'HTTP' }))
  const authorizer = await apigw.send(
    new CreateAuthorizerCommand({
      ApiId,
      Name: 'cached',
      AuthorizerType: 'REQUEST',
      AuthorizerUri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:authz/invocations',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      AuthorizerResultTtlInSeconds: 300,
      IdentitySource: ['$request.header.x-token'],
    })
  )
  const integration = await apigw.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'AWS_PROXY', IntegrationUri: 'arn:aws:lambda:us-east-1:123456789012:function:show', PayloadFormatVersion: '2.0' }))
  await apigw.send(new CreateRouteCommand({ ApiId, RouteKey: 'GET /who', Target: `integrations/${integration.IntegrationId}`, AuthorizationType: 'CUSTOM', AuthorizerId: authorizer.AuthorizerId }))
  await apigw.send(new CreateStageCommand({ ApiId, StageName: '$default', AutoDeploy: true }))
  const ask = async () => {
    const res = await http(`${url}/who`, { headers: { host: apiHost(ApiId as string), 'x-token': 'same' } })
    assert.equal(res.status, 200)
    return res.text
  }
  const first = await ask()
  assert.equal(await ask(), first, 'the decision is cached for the TTL')
  await apigw.send(new ResetAuthorizersCacheCommand({ ApiId, StageName: '$default' }))
  assert.notEqual(await ask(), first, 'a new decision after the reset')
})

const WARM = `import { randomUUID } from 'node:crypto'
const environment = randomUUID()
export const handler = async () => ({ statusCode: 200, body: environment })
`

test('a control-plane change keeps the warm environments of functions it does not change; new code starts new ones', async (t) => {
  const { apigw, lambda, url } = await startControlPlane(t)
  await lambda.send(new CreateFunctionCommand({ FunctionName: 'warm', Runtime: 'nodejs20.x', Role: 'r', Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.mjs': WARM }) } }))
  const { ApiId } = await apigw.send(new CreateApiCommand({ Name: 'warm', ProtocolType: 'HTTP', Target: 'arn:aws:lambda:us-east-1:123456789012:function:warm', RouteKey: 'GET /warm' }))
  const ask = async () => (await http(`${url}/warm`, { headers: { host: apiHost(ApiId as string) } })).text
  const first = await ask()
  await apigw.send(new CreateRouteCommand({ ApiId, RouteKey: 'GET /other' }))
  await apigw.send(new UpdateApiCommand({ ApiId, Description: 'changed' }))
  assert.equal(await ask(), first, 'the same environment answers after the changes')
  await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'warm', ZipFile: zipOf({ 'index.mjs': WARM + '// v2\n' }) }))
  assert.notEqual(await ask(), first, 'new code runs in a new environment')
})

test('a control-plane change keeps a Python function of the file as the file defines it (runtime, code folder, interpreter state)', async (t) => {
  const config = {
    functions: { py: { runtime: 'python3.12', codeUri: join(fixturesDir, 'python'), handler: 'scripted.handler', timeout: 5 } },
    apis: [{ name: 'file', apiId: 'fileapi001', routes: [{ routeKey: 'POST /run', target: 'integrations/py' }], integrations: [{ integrationId: 'py', integrationType: 'AWS_PROXY', integrationUri: 'py', payloadFormatVersion: '2.0' }] }],
  }
  const { apigw, url } = await startControlPlane(t, { config })
  const run = async () => http(`${url}/run`, { method: 'POST', headers: { host: apiHost('fileapi001'), 'content-type': 'application/json' }, body: '{}' })
  const before = await run()
  assert.equal(before.status, 200, before.text)
  await apigw.send(new CreateApiCommand({ Name: 'other', ProtocolType: 'HTTP' }))
  const after = await run()
  assert.equal(after.status, 200, after.text)
  const [b, a] = [before.json<{ invocations: number; version: string | null }>(), after.json<{ invocations: number; version: string | null }>()]
  assert.equal(a.version, b.version, 'still the Python handler')
  assert.equal(a.invocations, b.invocations + 1, 'the same warm Python environment answers')
})
