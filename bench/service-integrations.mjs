#!/usr/bin/env node
// `npm run bench:service-integrations`: what issue 19's features cost, as same-run ratios.
//
//   1. ws-refs       a WebSocket two-way MOCK route whose templates use references only
//   2. ws-foreach    the same route shape, its request template a #foreach over the message's
//                    50 items (building a JSON list with $foreach.hasNext)
//      Both: BENCH_CONNECTIONS connections from this process, each sending a message (with 50
//      items) and waiting for its reply before the next: round trips per second.
//   3. http-proxy    POST /proxy -> HTTP_PROXY to a bare node:http server (bench/fixtures/bare-server.mjs)
//   4. sqs-send      POST /send  -> SQS-SendMessage (first-class integration) to the same bare
//                    server as the SQS endpoint (awsEndpoints.sqs): parameters evaluated, the form
//                    body built, the call signed with SigV4; the server answers without checking
//      Both: autocannon, BENCH_HTTP_CONNECTIONS connections, requests per second.
//
// One gateway child (bin/gatehouse.js serve) serves all four; the bare server is another child.
// Scenarios run BENCH_ROUNDS times, interleaved; the median round of each is reported. Prints
// the ratios ws-foreach/ws-refs and sqs-send/http-proxy and writes
// bench/results/service-integrations-latest.json. Never fails on the figures; exits 1 when a
// scenario cannot run (a server does not start, a reply is wrong).
//
// Environment:
//   BENCH_DURATION          seconds per measurement                (default 5)
//   BENCH_CONNECTIONS       WebSocket connections                  (default 20)
//   BENCH_HTTP_CONNECTIONS  autocannon connections                 (default 10)
//   BENCH_ROUNDS            rounds                                 (default 3)
//   BENCH_OUTPUT            JSON results path (default bench/results/service-integrations-latest.json)
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import autocannon from 'autocannon'
import { stringify as stringifyYaml } from 'yaml'
import { ensureTmpDir, GATEWAY_FLAGS, removeTmpDir } from './lib/configs.mjs'
import { fatal, positiveInteger, positiveNumber } from './lib/env.mjs'
import { gitCommit, machineInfo } from './lib/machine.mjs'
import { FIXTURES, ROOT } from './lib/paths.mjs'
import { installShutdownHandlers, runMain, startServer, stopServer } from './lib/processes.mjs'
import { closeSockets, openSockets, roundTrip } from './lib/websocket.mjs'
import { medianBy } from './lib/rounds.mjs'
import { round } from './lib/util.mjs'

const settings = {
  duration: positiveNumber('BENCH_DURATION', 5),
  connections: positiveInteger('BENCH_CONNECTIONS', 20),
  httpConnections: positiveInteger('BENCH_HTTP_CONNECTIONS', 10),
  rounds: positiveInteger('BENCH_ROUNDS', 3),
}
const OUTPUT = process.env.BENCH_OUTPUT ? resolve(process.env.BENCH_OUTPUT) : join(ROOT, 'bench/results/service-integrations-latest.json')
const ITEMS = Array.from({ length: 50 }, (_, i) => ({ id: i, name: `item-${i}` }))
const MESSAGE = (action) => JSON.stringify({ action, items: ITEMS })

function gatewayConfig(upstream) {
  const mock = (integrationId, template) => ({
    integrationId,
    integrationType: 'MOCK',
    requestTemplates: { $default: template },
    integrationResponses: [{ integrationResponseKey: '$default', responseTemplates: { $default: '$input.body' } }],
  })
  const doc = {
    region: 'us-east-1',
    throttleSettings: { rateLimit: 1000000, burstLimit: 1000000 },
    awsEndpoints: { sqs: upstream },
    awsCredentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' },
    apis: [
      {
        name: 'bench-ws',
        protocolType: 'WEBSOCKET',
        routeSelectionExpression: '$request.body.action',
        routes: [
          { routeKey: 'refs', target: 'integrations/refs', routeResponseSelectionExpression: '$default' },
          { routeKey: 'loop', target: 'integrations/loop', routeResponseSelectionExpression: '$default' },
        ],
        integrations: [
          mock('refs', `{"statusCode": 200, "first": $input.json('$.items[0]'), "conn": "$context.connectionId", "stage": "$context.stage"}`),
          mock('loop', `{"statusCode": 200, "names": [#foreach($i in $input.path('$.items'))"$i.name"#if($foreach.hasNext),#end#end]}`),
        ],
        stages: [{ stageName: 'bench' }],
      },
      {
        name: 'bench-http',
        routes: [
          { routeKey: 'POST /proxy', target: 'integrations/proxy' },
          { routeKey: 'POST /send', target: 'integrations/send' },
        ],
        integrations: [
          { integrationId: 'proxy', integrationType: 'HTTP_PROXY', integrationMethod: 'POST', integrationUri: `${upstream}/queue`, payloadFormatVersion: '1.0' },
          {
            integrationId: 'send',
            integrationType: 'AWS_PROXY',
            integrationSubtype: 'SQS-SendMessage',
            payloadFormatVersion: '1.0',
            requestParameters: { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/bench', MessageBody: '$request.body' },
          },
        ],
      },
    ],
  }
  const file = join(ensureTmpDir(), 'service-integrations.yaml')
  writeFileSync(file, '# Written by bench/service-integrations.mjs\n' + stringifyYaml(doc))
  return file
}

async function wsRate(url, action) {
  const sockets = await openSockets(action, url, settings.connections)
  try {
    const text = MESSAGE(action)
    const [first] = await roundTrip(sockets[0], text)
    const reply = JSON.parse(first)
    if (action === 'loop' ? reply.names?.length !== 50 : reply.first?.id !== 0) fatal(`[ws-${action}] unexpected reply ${first}`)
    let trips = 0
    const until = performance.now() + settings.duration * 1000
    await Promise.all(
      sockets.map(async (s) => {
        while (performance.now() < until) {
          await roundTrip(s, text)
          trips++
        }
      })
    )
    return trips / settings.duration
  } finally {
    closeSockets(sockets)
  }
}

async function httpRate(url) {
  const result = await autocannon({ url, method: 'POST', body: 'hello from the bench', connections: settings.httpConnections, duration: settings.duration })
  if (result.non2xx > 0 || result.errors > 0) fatal(`[${url}] ${result.non2xx} non-2xx answers, ${result.errors} errors`)
  return result.requests.average
}

async function main() {
  installShutdownHandlers(removeTmpDir)
  const upstream = await startServer('bare-server', [join(FIXTURES, 'bare-server.mjs'), '0'])
  const gateway = await startServer('gatehouse', [join(ROOT, 'bin/gatehouse.js'), 'serve', gatewayConfig(upstream.url), ...GATEWAY_FLAGS, '--no-admin'])
  const ws = `${gateway.url.replace(/^http/, 'ws')}/bench`
  const scenarios = {
    'ws-refs': () => wsRate(ws, 'refs'),
    'ws-foreach': () => wsRate(ws, 'loop'),
    'http-proxy': () => httpRate(`${gateway.url}/proxy`),
    'sqs-send': () => httpRate(`${gateway.url}/send`),
  }
  const names = Object.keys(scenarios)
  const runs = Object.fromEntries(names.map((n) => [n, []]))
  for (let r = 0; r < settings.rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length]
      const rate = await scenarios[name]()
      runs[name].push({ round: r, rate })
      process.stdout.write(`round ${r + 1} ${name}: ${round(rate, 0)}/s\n`)
    }
  }
  await stopServer(gateway)
  await stopServer(upstream)
  const median = Object.fromEntries(names.map((n) => [n, medianBy(runs[n], (x) => x.rate).rate]))
  const ratios = { 'ws-foreach/ws-refs': median['ws-foreach'] / median['ws-refs'], 'sqs-send/http-proxy': median['sqs-send'] / median['http-proxy'] }
  for (const n of names) process.stdout.write(`${n.padEnd(12)} ${round(median[n], 0)}/s (median of ${settings.rounds})\n`)
  for (const [k, v] of Object.entries(ratios)) process.stdout.write(`${k}: ${round(v, 2)}x\n`)
  writeFileSync(OUTPUT, JSON.stringify({ commit: gitCommit(), machine: machineInfo(), settings, runs, median, ratios }, null, 2) + '\n')
  removeTmpDir()
}

runMain(main, removeTmpDir)
