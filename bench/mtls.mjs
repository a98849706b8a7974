#!/usr/bin/env node
// `npm run bench:mtls`: what serving a route over mutual TLS on a custom domain costs (issue 6's
// performance item), next to the same route over plain HTTP, on loopback.
//
// One gateway config for every scenario: bench/fixtures/gatehouse.yaml (GET /hello -> the
// payload 2.0 Lambda fixture, account throttle raised to 1e6 rps) plus a custom domain
// `api.bench.test` mapped to its API's $default stage, with `mutualTlsAuthentication` whose
// truststore is a generated root + intermediate bundle. The certificates (EC P-256: root CA,
// intermediate CA, the domain's server certificate and one client certificate, both issued by
// the intermediate) come from build/test/helpers/test-ca.js (the `openssl` CLI) in a temporary
// directory; the derived config goes to another one; both are removed on exit. Each scenario
// starts its own `node bin/gatehouse.js serve <config> --port 0 --https-port 0 --no-admin
// --no-watch --quiet-functions --log-level warn` and measures GET /hello:
//
//   plain-http          the main (plain HTTP) listener, keep-alive connections
//   mtls-keepalive      the HTTPS listener, SNI and Host api.bench.test, the client presenting its
//                       certificate (leaf + intermediate), keep-alive connections: one handshake
//                       per connection, then requests over TLS
//   plain-http-newconn  the main listener, a new TCP connection per request (Connection: close)
//   mtls-handshakes     the HTTPS listener as in mtls-keepalive, a new TCP connection and a full
//                       TLS handshake with client-certificate verification per request
//   bare-mtls-handshakes  the baseline of mtls-handshakes: bench/fixtures/bare-tls-server.mjs, a
//                       node:https server with the same certificate, truststore and TLS options
//                       as the gateway's HTTPS listener (no gateway), loaded the same way
//
// Load: the keep-alive pair runs autocannon (as `npm run bench`, through bench/lib/load.mjs; it
// takes a client certificate through tlsOptions). autocannon cannot measure one connection per
// request (with `reconnectRate: 1` it drops every response before counting it), so the
// new-connection pair runs a loop in this process: BENCH_CONNECTIONS workers, each opening a
// socket (net.connect, or tls.connect with one prebuilt SecureContext holding the client
// certificate), writing the request, reading until the server closes, and starting over, for
// BENCH_DURATION seconds. Its latency is per request *including* connect and handshake. Neither
// load client verifies the server's certificate (autocannon cannot; the loop does not either, so
// the client's CPU is spent as in autocannon); the check before each scenario does, against the
// root CA, and also checks that a request without a client certificate gets 403. The gateway
// disables session tickets, and the loop offers no session, so every handshake is a full one
// (the loop counts resumed sessions: always 0).
//
// Scenarios run BENCH_ROUNDS times, interleaved, each round starting one scenario later; each is
// summarised by its median-rps round. Prints a table, the ratios mtls-keepalive/plain-http and
// mtls-handshakes/plain-http-newconn (rps), mTLS handshakes per second, the gateway's extra CPU
// per request for TLS (keep-alive) and per mTLS handshake (new connections), and the gateway
// against the bare node:https server; writes bench/results/mtls-latest.json. With the defaults a
// run takes about 3 min. No targets:
// exit 0 whatever the figures; 1 only when a scenario cannot run.
//
// Environment:
//   BENCH_DURATION      seconds measured per scenario                 (default 8)
//   BENCH_WARMUP        seconds of warm-up per scenario               (default 2)
//   BENCH_CONNECTIONS   concurrent connections (keep-alive) or workers (new connections) (default 10)
//   BENCH_ROUNDS        rounds, interleaved with rotated order        (default 3)
//   BENCH_OUTPUT        where to write the JSON results  (default bench/results/mtls-latest.json)
//   BENCH_SERVER_NODE_ARGS  extra node flags for the gateway child
//   BENCH_GATEHOUSE     the gateway's entry point (default bin/gatehouse.js)
import { existsSync, rmSync } from 'node:fs'
import https from 'node:https'
import net from 'node:net'
import { join, relative } from 'node:path'
import { createHistogram } from 'node:perf_hooks'
import tls from 'node:tls'
import { pathToFileURL } from 'node:url'
import { BODY, CONTENT_TYPE } from './fixtures/response.mjs'
import { derivedConfig, GATEWAY_FLAGS, removeTmpDir } from './lib/configs.mjs'
import { fatal, GATEHOUSE, logGatehouse, nonNegativeNumber, outputPath, positiveInteger, positiveNumber, requireBuild, requireGatehouse, SERVER_NODE_ARGS } from './lib/env.mjs'
import { checkResponse, load, measured } from './lib/load.mjs'
import { autocannonVersion, describeMachine, machineInfo } from './lib/machine.mjs'
import { FIXTURES, ROOT } from './lib/paths.mjs'
import { installShutdownHandlers, runMain, session, startServer, stopServers } from './lib/processes.mjs'
import { accountThrottle, hasProblems, printRequestTable, problemsText, reportHead, responseFigures, warnDisturbedRuns, warnFailing, warnIfDisturbed, writeReport } from './lib/report.mjs'
import { medianBy, perRound, perRoundText, runRounds } from './lib/rounds.mjs'
import { delay, round } from './lib/util.mjs'

const PATH = '/hello'
const DOMAIN = 'api.bench.test'
/** Per request of the new-connection loop: connect, handshake, request and response. */
const REQUEST_TIMEOUT_MS = 10000
/** After each load run, how long the gateway gets to finish the requests abandoned at the end. */
const SETTLE_MS = 300

const settings = {
  duration: positiveNumber('BENCH_DURATION', 8),
  warmup: nonNegativeNumber('BENCH_WARMUP', 2),
  connections: positiveInteger('BENCH_CONNECTIONS', 10),
  rounds: positiveInteger('BENCH_ROUNDS', 3),
}
const OUTPUT = outputPath('bench/results/mtls-latest.json')
const TEST_CA = join(ROOT, 'build/test/helpers/test-ca.js')

const SCENARIOS = [
  {
    name: 'plain-http',
    transport: 'http',
    newConnections: false,
    description: 'main listener, plain HTTP, keep-alive connections (autocannon)',
  },
  {
    name: 'mtls-keepalive',
    transport: 'mtls',
    newConnections: false,
    description: `HTTPS listener, ${DOMAIN} with mutual TLS, client certificate, keep-alive connections (autocannon)`,
  },
  {
    name: 'plain-http-newconn',
    transport: 'http',
    newConnections: true,
    description: 'main listener, plain HTTP, a new TCP connection per request (bench loop)',
  },
  {
    name: 'mtls-handshakes',
    transport: 'mtls',
    newConnections: true,
    description: `HTTPS listener, ${DOMAIN} with mutual TLS, a new connection and full handshake per request (bench loop)`,
  },
  {
    name: 'bare-mtls-handshakes',
    transport: 'bare-mtls',
    newConnections: true,
    description: 'bench/fixtures/bare-tls-server.mjs (node:https, same certificate, truststore and TLS options), as mtls-handshakes (bench loop)',
  },
]

/** Set in main(): the PKI (certificates and keys), the derived config, the client's TLS material. */
let pki
let config
let clientTls
/** Set in main(): bench/fixtures/bare-tls-server.mjs's arguments (server chain, key, truststore). */
let bareTlsArgs
/** The TLS version and cipher the check negotiated, for the results file. */
let negotiated

installShutdownHandlers(() => {
  removeTmpDir()
  if (pki !== undefined) rmSync(pki.dir, { recursive: true, force: true })
})

async function main() {
  requireBuild('bench:mtls')
  requireGatehouse()
  if (!existsSync(TEST_CA)) fatal(`${relative(ROOT, TEST_CA)} is missing: run \`npm run build\``)
  const machine = machineInfo()
  console.log(`Gatehouse mutual TLS benchmark: ${describeMachine(machine)}`)
  console.log(
    `${settings.warmup}s warm-up, then ${settings.duration}s measured per scenario, ${settings.connections} connections ` +
      `(keep-alive) or workers (new connections), GET ${PATH} on 127.0.0.1, ${settings.rounds} round(s)`
  )
  logGatehouse()

  const { createTestPki } = await import(pathToFileURL(TEST_CA).href)
  pki = await createTestPki()
  const server = await pki.server({ commonName: DOMAIN, dnsNames: [DOMAIN] })
  const client = await pki.client({ commonName: 'bench-client' })
  const truststore = await pki.bundle(pki.root, pki.intermediate)
  bareTlsArgs = [server.chainFile, server.keyFile, truststore]
  clientTls = {
    cert: client.chain,
    key: client.key,
    // For the loop: one context for every connection, as a real client would keep.
    secureContext: tls.createSecureContext({ cert: client.chain, key: client.key }),
  }
  config = derivedConfig(
    'mtls',
    (doc) => {
      doc.domainNames = [
        {
          domainName: DOMAIN,
          certificateFile: server.chainFile,
          privateKeyFile: server.keyFile,
          mutualTlsAuthentication: { truststoreUri: truststore },
          apiMappings: [{ apiId: doc.apis[0].apiId, stage: '$default' }],
        },
      ]
    },
    'bench/mtls.mjs'
  )
  console.log(`PKI: EC P-256 root and intermediate CAs, server and client certificates in ${pki.dir}; truststore = root + intermediate\n`)

  const runs = await runRounds(SCENARIOS, settings.rounds, runScenario)
  if (runs === undefined) return

  const results = SCENARIOS.map((s) => {
    const mine = runs.filter((r) => r.name === s.name)
    const median = medianBy(mine, (r) => r.rps)
    const { name: _name, round: medianRound, ...figures } = median
    return {
      name: s.name,
      description: s.description,
      round: medianRound,
      ...figures,
      ...(mine.length > 1 ? { roundsRps: mine.map((r) => r.rps), roundsServerCpuUsPerRequest: mine.map((r) => r.serverCpuUsPerRequest) } : {}),
    }
  })
  const by = (name) => results.find((r) => r.name === name)

  const ratioOf = (numerator, denominator) => {
    const n = by(numerator)
    const d = by(denominator)
    return {
      name: `${numerator}/${denominator} rps`,
      value: d.rps > 0 ? round(n.rps / d.rps, 4) : null,
      ...perRound(runs, settings.rounds, numerator, denominator, (x) => x, (a, b) => (b.rps > 0 ? round(a.rps / b.rps, 4) : null)),
    }
  }
  const cpuDeltaOf = (numerator, denominator, what) => {
    const n = by(numerator).serverCpuUsPerRequest
    const d = by(denominator).serverCpuUsPerRequest
    return {
      name: `${numerator} - ${denominator} server CPU per request (${what})`,
      valueUs: n === null || d === null ? null : round(n - d, 1),
      ...perRound(runs, settings.rounds, numerator, denominator, (x) => x, (a, b) =>
        a.serverCpuUsPerRequest === null || b.serverCpuUsPerRequest === null ? undefined : round(a.serverCpuUsPerRequest - b.serverCpuUsPerRequest, 1)
      ),
    }
  }
  const ratios = {
    keepalive: ratioOf('mtls-keepalive', 'plain-http'),
    handshakes: ratioOf('mtls-handshakes', 'plain-http-newconn'),
  }
  const cpuDeltas = {
    tlsPerRequest: cpuDeltaOf('mtls-keepalive', 'plain-http', 'TLS on a kept-alive connection'),
    mtlsHandshake: cpuDeltaOf('mtls-handshakes', 'plain-http-newconn', 'a full mTLS handshake'),
  }
  const bareRatio = ratioOf('mtls-handshakes', 'bare-mtls-handshakes')
  const bareCpu = cpuDeltaOf('mtls-handshakes', 'bare-mtls-handshakes', 'what the gateway adds to a bare node:https server, per new mTLS connection')
  const handshakesPerSecond = by('mtls-handshakes').rps

  console.log('')
  console.log(`GET ${PATH}${settings.rounds > 1 ? `, median-rps round of ${settings.rounds} per scenario` : ''}:`)
  printRequestTable(results)
  console.log('')
  const x = (v) => (v === null ? 'n/a' : v.toFixed(3) + 'x')
  const us = (v) => (v === null ? 'n/a' : `${v >= 0 ? '+' : ''}${v.toFixed(0)} µs`)
  console.log(`ratio mtls-keepalive/plain-http rps ${x(ratios.keepalive.value)}` + perRoundText(ratios.keepalive, x))
  console.log(`ratio mtls-handshakes/plain-http-newconn rps ${x(ratios.handshakes.value)}` + perRoundText(ratios.handshakes, x))
  console.log(
    `mTLS handshakes per second (new connection + full handshake + request each): ${handshakesPerSecond.toFixed(0)}` +
      (settings.rounds > 1 ? `   per round: ${by('mtls-handshakes').roundsRps.map((v) => v.toFixed(0)).join(', ')}` : '') +
      `; new plain HTTP connections per second: ${by('plain-http-newconn').rps.toFixed(0)}`
  )
  console.log(`gateway CPU per request, mtls-keepalive - plain-http (TLS on a kept-alive connection): ${us(cpuDeltas.tlsPerRequest.valueUs)}` + perRoundText(cpuDeltas.tlsPerRequest, us))
  console.log(`gateway CPU per request, mtls-handshakes - plain-http-newconn (one full mTLS handshake): ${us(cpuDeltas.mtlsHandshake.valueUs)}` + perRoundText(cpuDeltas.mtlsHandshake, us))
  console.log(
    `bare node:https baseline: ${by('bare-mtls-handshakes').rps.toFixed(0)} handshakes/s, ${by('bare-mtls-handshakes').serverCpuUsPerRequest ?? 'n/a'} µs ` +
      `server CPU each; ratio mtls-handshakes/bare-mtls-handshakes ${x(bareRatio.value)}` + perRoundText(bareRatio, x)
  )
  console.log(`gateway CPU per request, mtls-handshakes - bare-mtls-handshakes (what the gateway adds): ${us(bareCpu.valueUs)}` + perRoundText(bareCpu, us))
  if (negotiated !== undefined) console.log(`negotiated: ${negotiated.protocol} ${negotiated.cipher}`)

  warnDisturbedRuns(runs, settings.rounds > 1 ? ' (per-round figures marked *)' : '')
  warnFailing(runs.filter(hasProblems), (r) => r.name, 'figures')
  const reused = runs.reduce((n, r) => n + (r.sessionsReused ?? 0), 0)
  if (reused > 0) console.log(`WARNING: ${reused} TLS sessions were resumed in the new-connection runs; those were not full handshakes`)

  const report = {
    ...reportHead(machine, settings, PATH, {
      loadGenerator:
        `keep-alive scenarios: autocannon ${autocannonVersion()} (in the bench process); new-connection scenarios: ` +
        'a net/tls.connect loop with one request per connection (in the bench process)',
      gatehouse: relative(ROOT, GATEHOUSE),
      scenarios: SCENARIOS.map((s) => ({ name: s.name, description: s.description })),
      domainName: DOMAIN,
      pki: 'EC P-256; truststore root + intermediate; server and client certificates issued by the intermediate; client sends leaf + intermediate',
      negotiated,
      accountThrottle: accountThrottle(),
      summary: 'median-rps round per scenario',
    }),
    scenarios: results,
    ...(settings.rounds > 1 ? { rounds: runs } : {}),
    ratios: { ...ratios, handshakesVsBare: bareRatio },
    handshakesPerSecond,
    serverCpuDeltas: { ...cpuDeltas, gatewayOverBareHandshake: bareCpu },
  }
  writeReport(OUTPUT, report)
}

async function runScenario(scenario) {
  console.log(`[${scenario.name}] starting: ${scenario.description}`)
  const servers = []
  let summary
  try {
    let target
    if (scenario.transport === 'bare-mtls') {
      const bare = await startServer(`${scenario.name} server`, [...SERVER_NODE_ARGS, join(FIXTURES, 'bare-tls-server.mjs'), ...bareTlsArgs, '0'])
      servers.push({ role: 'bare server', server: bare })
      target = await targetOf(scenario, { httpsUrl: bare.url })
    } else {
      const gateway = await startServer(
        `${scenario.name} gateway`,
        [...SERVER_NODE_ARGS, GATEHOUSE, 'serve', config, ...GATEWAY_FLAGS, '--https-port', '0', '--no-admin'],
        { https: true }
      )
      servers.push({ role: 'gateway', server: gateway })
      target = await targetOf(scenario, gateway)
    }
    if (settings.warmup > 0) {
      console.log(`[${scenario.name}] warming up for ${settings.warmup}s at ${target.url}`)
      await runLoad(scenario, target, settings.warmup, false)
      await assertRunning(scenario, servers, 'warm-up')
    }
    if (session.interrupted) return undefined
    console.log(`[${scenario.name}] measuring for ${settings.duration}s`)
    summary = await measure(scenario, servers, target)
    if (session.interrupted) return undefined
    await assertRunning(scenario, servers, 'measurement')
  } finally {
    await stopServers(scenario.name, servers)
  }
  return summary
}

/** Where and how a scenario's load connects; checks the response (and, for mTLS, the 403 without a certificate). */
async function targetOf(scenario, gateway) {
  if (scenario.transport === 'http') {
    await checkResponse(scenario.name, gateway.url + PATH)
    const { hostname, port } = new URL(gateway.url)
    return { url: gateway.url + PATH, host: hostname, port: Number(port), hostHeader: `${hostname}:${port}`, tls: false }
  }
  const { hostname, port } = new URL(gateway.httpsUrl)
  const target = { url: gateway.httpsUrl + PATH, host: hostname, port: Number(port), hostHeader: DOMAIN, tls: true }
  const ok = await httpsGet(target, true)
  if (ok.status !== 200 || ok.body !== BODY || ok.contentType !== CONTENT_TYPE) {
    throw new Error(
      `[${scenario.name}] GET ${target.url} (Host ${DOMAIN}, client certificate) answered ${ok.status} content-type ` +
        `${ok.contentType} body ${JSON.stringify(ok.body)}; expected 200 ${CONTENT_TYPE} ${JSON.stringify(BODY)}`
    )
  }
  negotiated ??= { protocol: ok.protocol, cipher: ok.cipher }
  const denied = await httpsGet(target, false)
  if (denied.status !== 403) {
    throw new Error(`[${scenario.name}] GET ${target.url} without a client certificate answered ${denied.status}, not 403: mutual TLS is not enforced`)
  }
  return target
}

/** One GET over a new connection that verifies the server's certificate against the root CA. */
function httpsGet(target, withClientCertificate) {
  return new Promise((resolvePromise, reject) => {
    const req = https.get(
      {
        host: target.host,
        port: target.port,
        path: PATH,
        servername: DOMAIN,
        headers: { host: DOMAIN },
        ca: pki.root.cert,
        ...(withClientCertificate ? { cert: clientTls.cert, key: clientTls.key } : {}),
        agent: false,
      },
      (res) => {
        const protocol = res.socket.getProtocol()
        const cipher = res.socket.getCipher()?.name
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => (body += chunk))
        res.on('end', () => resolvePromise({ status: res.statusCode, body, contentType: res.headers['content-type'], protocol, cipher }))
        res.on('error', reject)
      }
    )
    req.on('error', reject)
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timed out')))
  })
}

/** The scenario's load for `seconds`: autocannon on keep-alive connections, or the new-connection loop. */
function runLoad(scenario, target, seconds, measureLatency) {
  if (scenario.newConnections) return newConnectionLoad(target, seconds, { connections: settings.connections, measure: measureLatency })
  return load(target.url, seconds, {
    connections: settings.connections,
    measure: measureLatency,
    ...(target.tls ? { headers: { host: DOMAIN }, servername: DOMAIN, tlsOptions: { cert: clientTls.cert, key: clientTls.key } } : {}),
  })
}

/**
 * `connections` workers, each sending GET /hello over a new connection (and, with TLS, a full
 * handshake presenting the client certificate) until the server closes it, then the next, for
 * `seconds`. Only requests that complete within the window count; latency is from connect to
 * the server's close. Resolves to `{ result, latencyUs }`, `result` with the loop's counts.
 */
function newConnectionLoad(target, seconds, { connections, measure = false }) {
  const latencyUs = createHistogram()
  const result = { completed: 0, errors: 0, timeouts: 0, non2xx: 0, statusCodes: {}, errorMessages: {}, opened: 0, sessionsReused: 0 }
  const request = Buffer.from(`GET ${PATH} HTTP/1.1\r\nHost: ${target.hostHeader}\r\nConnection: close\r\n\r\n`, 'latin1')
  let stopping = false
  const start = performance.now()
  const end = start + seconds * 1000
  const timer = setTimeout(() => (stopping = true), seconds * 1000)
  session.currentRun = { stop: () => (stopping = true) }

  const once = () =>
    new Promise((resolveOnce) => {
      result.opened++
      const socket = target.tls
        ? tls.connect({ host: target.host, port: target.port, servername: DOMAIN, secureContext: clientTls.secureContext, rejectUnauthorized: false })
        : net.connect({ host: target.host, port: target.port })
      socket.setNoDelay(true)
      const chunks = []
      let settled = false
      const timeout = setTimeout(() => settle({ error: 'timeout' }), REQUEST_TIMEOUT_MS)
      function settle(out) {
        if (settled) return
        settled = true
        clearTimeout(timeout)
        socket.destroy()
        resolveOnce(out)
      }
      socket.once(target.tls ? 'secureConnect' : 'connect', () => {
        if (target.tls && socket.isSessionReused()) result.sessionsReused++
        socket.write(request)
      })
      socket.on('data', (chunk) => chunks.push(chunk))
      socket.once('end', () => {
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(Buffer.concat(chunks).toString('latin1', 0, 16))
        settle(m === null ? { error: 'closed without an HTTP response' } : { status: Number(m[1]) })
      })
      socket.once('error', (err) => settle({ error: err.code ?? err.message }))
    })

  const worker = async () => {
    while (!stopping) {
      const t0 = performance.now()
      const out = await once()
      const t1 = performance.now()
      if (t1 > end) break
      if (out.error !== undefined) {
        if (out.error === 'timeout') result.timeouts++
        else result.errors++
        result.errorMessages[out.error] = (result.errorMessages[out.error] ?? 0) + 1
        continue
      }
      result.completed++
      result.statusCodes[out.status] = (result.statusCodes[out.status] ?? 0) + 1
      if (out.status >= 200 && out.status < 300) {
        if (measure) latencyUs.record(Math.max(1, Math.round((t1 - t0) * 1000)))
      } else {
        result.non2xx++
      }
    }
  }
  return Promise.all(Array.from({ length: connections }, worker)).then(() => {
    clearTimeout(timer)
    session.currentRun = undefined
    result.durationSeconds = round((Math.min(performance.now(), end) - start) / 1000, 3)
    return { result, latencyUs }
  })
}

/** One measured run with the gateway's CPU; the same summary for both load methods. */
async function measure(scenario, servers, target) {
  const { result, latencyUs, cpuSeconds, serverCores, selfCores, machine } = await measured(
    servers.map((s) => s.server.child.pid),
    () => runLoad(scenario, target, settings.duration, true)
  )
  const figures = scenario.newConnections
    ? {
        rps: round(result.completed / settings.duration, 1),
        requests: result.completed,
        durationSeconds: result.durationSeconds,
        latencyMs: {
          p50: round(latencyUs.percentile(50) / 1000, 3),
          p90: round(latencyUs.percentile(90) / 1000, 3),
          p99: round(latencyUs.percentile(99) / 1000, 3),
          mean: round(latencyUs.mean / 1000, 3),
          max: round(latencyUs.max / 1000, 3),
        },
        latencyIncludes: 'connect' + (target.tls ? ', full TLS handshake' : '') + ', request, response until the server closed',
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
        statusCodes: result.statusCodes,
        ...(Object.keys(result.errorMessages).length > 0 ? { errorMessages: result.errorMessages } : {}),
        connectionsOpened: result.opened,
        ...(target.tls ? { sessionsReused: result.sessionsReused } : {}),
      }
    : {
        rps: round(result.requests.mean, 1),
        requests: result.requests.total,
        durationSeconds: result.duration,
        ...responseFigures(result, latencyUs, [50, 90, 99]),
      }
  const total = cpuSeconds[0]
  const summary = {
    name: scenario.name,
    ...figures,
    // CPU of the server process (the gateway or the bare server, all its threads) during the measured run, in cores and per request in µs.
    serverCpuCores: serverCores === null ? null : round(serverCores, 2),
    serverCpuUsPerRequest: total === null || figures.requests === 0 ? null : round((total * 1e6) / figures.requests, 1),
    loadGeneratorCpuCores: round(selfCores, 2),
    machine,
  }
  const label = `[${scenario.name}]`
  warnIfDisturbed(label, summary)
  console.log(
    `${label} ${summary.rps} req/s, p50 ${summary.latencyMs.p50} ms, p99 ${summary.latencyMs.p99} ms, max ${summary.latencyMs.max} ms; ` +
      `${servers[0].role} ${summary.serverCpuCores ?? 'n/a'} cores, ${summary.serverCpuUsPerRequest ?? 'n/a'} µs/request; ` +
      `load generator ${summary.loadGeneratorCpuCores} cores` +
      problemsText(summary, ';')
  )
  return summary
}

/** A gateway that died under load leaves the scenario without figures: exit 1 with its stderr. */
async function assertRunning(scenario, servers, phase) {
  await delay(SETTLE_MS)
  const dead = servers.find(({ server }) => server.child.exitCode !== null || server.child.signalCode !== null)
  if (dead === undefined) return
  throw new Error(
    `[${scenario.name}] the ${dead.role} exited (${dead.server.child.signalCode ?? 'code ' + dead.server.child.exitCode}) ` +
      `during or at the end of the ${phase}; the scenario cannot run (its stderr is above)`
  )
}

runMain(main, () => {
  removeTmpDir()
  if (pki !== undefined) rmSync(pki.dir, { recursive: true, force: true })
})
