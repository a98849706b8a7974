// `gatehouse serve --workers 2` (issue 16, target 6): two gateway processes on one port, with
// one set of throttle buckets and one connection directory held by the primary, reloads that
// reach every worker, and a killed worker replaced. Real processes, port 0, fresh TCP
// connections per request so that node:cluster spreads them over both workers.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { spawnCli, WAIT_MS, type Cli } from '../helpers/cli.js'
import { waitFor } from '../helpers/ws-client.js'
import { startRedis } from '../helpers/redis-server.js'
import { setTimeout as delay } from 'node:timers/promises'
import { Agent } from 'node:http'
import { ApiGatewayV2Client, CreateApiCommand, CreateRouteCommand, GetRoutesCommand } from '@aws-sdk/client-apigatewayv2'
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { DUMMY_CREDENTIALS, zipOf } from '../helpers/control-plane.js'

/** Retries an asynchronous probe until it returns a value other than `false`; fails after `waitMs`. */
async function eventually<T>(what: string, probe: () => Promise<T | false>, waitMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const value = await probe()
    if (value !== false) return value
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await delay(50)
  }
}

/**
 * Three processes start (and reload) slower than one on a busy machine: these waits allow more
 * than the helper's WAIT_MS. Not a timing assertion: only how long to wait before giving up.
 */
const SLOW_WAIT_MS = 120_000

async function output(cli: Cli, stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpMatchArray> {
  return eventually(`${pattern} on ${stream}`, async () => (stream === 'stdout' ? cli.stdout() : cli.stderr()).match(pattern) ?? false, SLOW_WAIT_MS)
}

/** Answers with the worker's pid (functions run in worker threads of the gateway process). */
const PID_HANDLER = `export const handler = async (event) => {
  const pid = process.pid
  if (event.requestContext.routeKey === 'whoami') return { statusCode: 200, body: JSON.stringify({ pid, connectionId: event.requestContext.connectionId }) }
  if (event.requestContext.eventType !== undefined) return { statusCode: 200 }
  return { statusCode: 200, body: JSON.stringify({ pid, version: process.env.VERSION }) }
}
`

const BURST = 5

const config = (version: string) => `region: us-east-1
accountId: "123456789012"
functions:
  pid:
    handler: pid.handler
    environment: { VERSION: "${version}" }
apis:
  - name: http
    apiId: http000001
    protocolType: HTTP
    routes:
      - { routeKey: GET /who, target: integrations/pid }
      - { routeKey: GET /limited, target: integrations/pid }
    integrations:
      - { integrationId: pid, integrationType: AWS_PROXY, integrationUri: pid, payloadFormatVersion: "2.0" }
    stages:
      - stageName: $default
        # Burst ${BURST}, a rate that refills no token during the test: exactly ${BURST} requests pass.
        defaultRouteSettings: { throttlingBurstLimit: ${BURST}, throttlingRateLimit: 0.0001 }
        routeSettings:
          "GET /who": { throttlingBurstLimit: 5000, throttlingRateLimit: 10000 }
  - name: ws
    apiId: wsapi00001
    protocolType: WEBSOCKET
    routeSelectionExpression: $request.body.action
    routes:
      - { routeKey: whoami, target: integrations/pid, routeResponseSelectionExpression: $default }
    integrations:
      - { integrationId: pid, integrationType: AWS_PROXY, integrationUri: pid }
    stages:
      - stageName: prod
`

const HTTP_HOST = 'http000001.execute-api.localhost'
const WS_HOST = 'wsapi00001.execute-api.localhost'

/** One request on a connection of its own (no keep-alive): each one is handed to a worker anew. */
function fresh(port: number, method: string, path: string, host: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: { host, connection: 'close' } }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (c: string) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function pids(port: number, n: number, expectVersion?: string): Promise<Set<number>> {
  const seen = new Set<number>()
  for (let i = 0; i < n; i++) {
    const res = await fresh(port, 'GET', '/who', HTTP_HOST)
    assert.equal(res.status, 200, res.body)
    const body = JSON.parse(res.body) as { pid: number; version: string }
    if (expectVersion !== undefined) assert.equal(body.version, expectVersion)
    seen.add(body.pid)
  }
  return seen
}

function setup(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-workers-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'pid.mjs'), PID_HANDLER)
  writeFileSync(join(dir, 'gatehouse.yaml'), config('one'))
  return dir
}

test('serve --workers 2: one throttle for the machine, @connections across workers, reload of all, a killed worker replaced, SIGTERM drains', { timeout: 600_000 }, async (t) => {
  const dir = setup(t)
  const cli = spawnCli(t, ['serve', 'gatehouse.yaml', '--port', '0', '--workers', '2', '--no-admin', '--no-control-plane', '--quiet-functions'], dir)
  await output(cli, 'stdout', /Workers: 2 processes/)
  const port = Number((await output(cli, 'stdout', /listening on http:\/\/127\.0\.0\.1:(\d+)/))[1])
  const workerPids = [...(await pids(port, 8))]
  assert.equal(workerPids.length, 2, 'requests on fresh connections land on both workers')

  await t.test('a stage limit holds for both workers together, exactly', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, () => fresh(port, 'GET', '/limited', HTTP_HOST)))
    const passed = answers.filter((a) => a.status === 200)
    assert.equal(passed.length, BURST, `statuses: ${answers.map((a) => a.status).join(' ')}`)
    assert.equal(answers.filter((a) => a.status === 429).length, 40 - BURST)
    // And the refusals come from both workers, whatever served the ones that passed.
    const after = await Promise.all(Array.from({ length: 6 }, () => fresh(port, 'GET', '/limited', HTTP_HOST)))
    assert.deepEqual(after.map((a) => a.status), [429, 429, 429, 429, 429, 429])
  })

  await t.test('@connections on any worker reaches a connection held by another', async (tt) => {
    // Connections opened one after another alternate between the workers.
    const clients: Array<{ ws: WebSocket; pid: number; connectionId: string; frames: string[] }> = []
    for (let i = 0; i < 4; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/prod`, { headers: { host: WS_HOST } })
      tt.after(() => ws.terminate())
      const frames: string[] = []
      ws.on('message', (data) => frames.push(String(data)))
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve())
        ws.once('error', reject)
      })
      ws.send(JSON.stringify({ action: 'whoami' }))
      const first = await waitFor('whoami answer', () => frames[0], SLOW_WAIT_MS)
      frames.length = 0
      const me = JSON.parse(first) as { pid: number; connectionId: string }
      clients.push({ ws, pid: me.pid, connectionId: me.connectionId, frames })
    }
    assert.equal(new Set(clients.map((c) => c.pid)).size, 2, 'the WebSocket connections are held by both workers')
    // Each connection is posted to several times on fresh connections, which land on both workers.
    for (const client of clients) {
      for (let i = 0; i < 4; i++) {
        const res = await fresh(port, 'POST', `/prod/@connections/${encodeURIComponent(client.connectionId)}`, WS_HOST, `to ${client.connectionId} #${i}`)
        assert.equal(res.status, 200, res.body)
      }
    }
    for (const client of clients) {
      const frames = await waitFor('4 frames', () => (client.frames.length >= 4 ? client.frames : undefined), SLOW_WAIT_MS)
      assert.deepEqual(frames, [0, 1, 2, 3].map((i) => `to ${client.connectionId} #${i}`))
    }
    // A connection closed on its worker is gone for every worker.
    const closed = clients[0]
    assert.ok(closed !== undefined)
    closed.ws.close()
    await new Promise((resolve) => closed.ws.once('close', resolve))
    // (Its worker unregisters it as the close completes there.)
    const late = () => fresh(port, 'POST', `/prod/@connections/${encodeURIComponent(closed.connectionId)}`, WS_HOST, 'late')
    await eventually('410 after close', async () => (await late()).status === 410 || false)
    for (let i = 0; i < 4; i++) assert.equal((await late()).status, 410)
  })

  await t.test('an edit reloads every worker; a broken edit keeps all on the previous configuration', async () => {
    const path = join(dir, 'gatehouse.yaml')
    writeFileSync(path, config('two'))
    await output(cli, 'stderr', /Configuration reloaded on all 2 workers/)
    assert.deepEqual([...(await pids(port, 8, 'two'))].sort(), [...workerPids].sort())
    writeFileSync(path, readFileSync(path, 'utf8') + 'broken: [\n')
    await output(cli, 'stderr', /Reload failed; all 2 workers keep serving the previous configuration/)
    assert.deepEqual([...(await pids(port, 8, 'two'))].sort(), [...workerPids].sort())
    writeFileSync(path, config('three'))
    await output(cli, 'stderr', /Configuration reloaded on all 2 workers[^]*Configuration reloaded on all 2 workers/)
    assert.equal((await pids(port, 8, 'three')).size, 2)
  })

  await t.test('a worker killed with SIGKILL is logged and replaced', async () => {
    const victim = workerPids[0] as number
    process.kill(victim, 'SIGKILL')
    await output(cli, 'stderr', new RegExp(`Worker \\d \\(pid ${victim}\\) exited \\(SIGKILL\\); starting a replacement`))
    await output(cli, 'stderr', /Worker \d \(pid \d+\) is serving/)
    const now = await eventually('both workers serving again', async () => {
      const seen = await pids(port, 6, 'three')
      return seen.size === 2 ? seen : false
    }, SLOW_WAIT_MS)
    assert.equal(now.has(victim), false)
    assert.equal(now.has(workerPids[1] as number), true)
  })

  await t.test('SIGTERM stops every worker, then the primary, with exit code 0', async () => {
    cli.child.kill('SIGTERM')
    const { code } = await cli.exited
    assert.equal(code, 0, cli.stderr())
    assert.match(cli.stderr(), /Stopped worker=1[^]*Stopped worker=2|Stopped worker=2[^]*Stopped worker=1/)
  })
})

test('serve --workers 2: /metrics on the shared admin port answers the machine\'s counters (every worker\'s summed), whichever worker takes the scrape', { timeout: 600_000 }, async (t) => {
  const dir = setup(t)
  const cli = spawnCli(t, ['serve', 'gatehouse.yaml', '--port', '0', '--workers', '2', '--no-control-plane', '--no-console', '--quiet-functions', '--no-watch'], dir)
  await output(cli, 'stdout', /Workers: 2 processes/)
  const port = Number((await output(cli, 'stdout', /listening on http:\/\/127\.0\.0\.1:(\d+)/))[1])
  const adminPort = Number((await output(cli, 'stdout', /Admin listening on http:\/\/127\.0\.0\.1:(\d+)/))[1])
  assert.equal((await pids(port, 12)).size, 2, 'the requests were served by both workers')
  const series = 'apigateway_count{api="http000001",stage="$default",route="GET /who"}'
  const scrapes = await Promise.all(Array.from({ length: 6 }, () => fresh(adminPort, 'GET', '/metrics', '127.0.0.1')))
  for (const scrape of scrapes) {
    assert.equal(scrape.status, 200, scrape.body)
    assert.ok(scrape.body.includes(`${series} 12\n`), scrape.body.split('\n').filter((l) => l.startsWith('apigateway_count')).join('\n'))
    assert.ok(scrape.body.includes('apigateway_latency_milliseconds_count{api="http000001",stage="$default",route="GET /who"} 12\n'))
  }
})

test('serve --workers 2 (no Redis): a control-plane change made through either worker is served by both, and writes through both at once lose nothing', { timeout: 600_000 }, async (t) => {
  const dir = setup(t)
  const cli = spawnCli(t, ['serve', 'gatehouse.yaml', '--port', '0', '--workers', '2', '--no-admin', '--quiet-functions', '--no-watch'], dir)
  await output(cli, 'stdout', /Workers: 2 processes/)
  const port = Number((await output(cli, 'stdout', /listening on http:\/\/127\.0\.0\.1:(\d+)/))[1])
  // A connection per call (no keep-alive): node:cluster hands the calls to both workers.
  const clientOptions = { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: DUMMY_CREDENTIALS, maxAttempts: 1, requestHandler: { httpAgent: new Agent({ keepAlive: false }) } }
  const lambda = new LambdaClient(clientOptions)
  const apigw = new ApiGatewayV2Client(clientOptions)
  t.after(() => {
    lambda.destroy()
    apigw.destroy()
  })
  await lambda.send(new CreateFunctionCommand({ FunctionName: 'made', Runtime: 'nodejs20.x', Role: 'r', Handler: 'pid.handler', Code: { ZipFile: zipOf({ 'pid.mjs': PID_HANDLER }) } }))
  const { ApiId } = await apigw.send(new CreateApiCommand({ Name: 'made-at-runtime', ProtocolType: 'HTTP', Target: 'arn:aws:lambda:us-east-1:123456789012:function:made', RouteKey: 'GET /made' }))
  const host = `${ApiId}.execute-api.localhost`
  // The worker that took the change serves it at once; the other within its reload.
  const served = await eventually('the new route answered by both workers', async () => {
    const seen = new Set<number>()
    for (let i = 0; i < 8; i++) {
      const res = await fresh(port, 'GET', '/made', host)
      if (res.status !== 200) return false
      seen.add((JSON.parse(res.body) as { pid: number }).pid)
    }
    return seen.size === 2 ? seen : false
  }, SLOW_WAIT_MS)
  assert.equal(served.size, 2)

  // Ten routes created at once through both workers: compare-and-set on the primary's revision, the loser replays.
  await Promise.all(Array.from({ length: 10 }, (_, i) => apigw.send(new CreateRouteCommand({ ApiId, RouteKey: `GET /r/${i}` }))))
  const keys = await eventually('both workers list 11 routes', async () => {
    const lists = await Promise.all(Array.from({ length: 6 }, () => apigw.send(new GetRoutesCommand({ ApiId }))))
    const counts = lists.map((l) => l.Items?.length ?? 0)
    return counts.every((c) => c === 11) ? (lists[0]?.Items ?? []).map((r) => r.RouteKey).sort() : false
  }, SLOW_WAIT_MS)
  assert.deepEqual(keys, ['GET /made', ...Array.from({ length: 10 }, (_, i) => `GET /r/${i}`)].sort())
  // The primary wrote the state folder: what a restart loads.
  const saved = JSON.parse(readFileSync(join(dir, '.gatehouse', 'state.json'), 'utf8')) as { apis: Record<string, { routes: Record<string, unknown> }> }
  assert.equal(Object.keys(saved.apis[ApiId as string]?.routes ?? {}).length, 11)
})

test('serve --workers 2 --redis: the workers share buckets and connections through Redis, like nodes', { timeout: 600_000 }, async (t) => {
  const redis = await startRedis(t)
  const dir = setup(t)
  const cli = spawnCli(t, ['serve', 'gatehouse.yaml', '--port', '0', '--workers', '2', '--no-admin', '--no-control-plane', '--quiet-functions', '--no-watch', '--redis', redis.url], dir)
  await output(cli, 'stdout', /Workers: 2 processes .* shared through Redis/)
  const port = Number((await output(cli, 'stdout', /listening on http:\/\/127\.0\.0\.1:(\d+)/))[1])
  assert.equal((await pids(port, 8)).size, 2)
  const answers = await Promise.all(Array.from({ length: 40 }, () => fresh(port, 'GET', '/limited', HTTP_HOST)))
  const passed = answers.filter((a) => a.status === 200).length
  assert.equal(answers.filter((a) => a.status === 429).length, 40 - passed)
  // A Redis command slower than REDIS_COMMAND_TIMEOUT_MS (a very busy machine) opens the breaker:
  // each worker then decides alone, as each node does (REDIS_UNAVAILABLE_POLICY), and says so.
  if (/Redis unavailable/.test(cli.stderr())) assert.ok(passed >= BURST && passed <= 2 * BURST, `${passed} passed`)
  else assert.equal(passed, BURST, `statuses: ${answers.map((a) => a.status).join(' ')}\n${cli.stderr()}`)
  cli.child.kill('SIGTERM')
  assert.equal((await cli.exited).code, 0, cli.stderr())
})

test('serve --workers: a positive integer; --inspect needs one worker', async (t) => {
  const dir = setup(t)
  for (const [args, message] of [
    [['--workers', '0'], /--workers must be a positive integer/],
    [['--workers', 'many'], /--workers must be a positive integer/],
    [['--workers', '2', '--inspect'], /--inspect debugs one process/],
  ] as const) {
    const cli = spawnCli(t, ['serve', 'gatehouse.yaml', '--port', '0', ...args], dir)
    const { code } = await cli.exited
    assert.equal(code, 2)
    assert.match(cli.stderr(), message)
  }
})
