/**
 * @module
 * The `gatehouse` command: `serve`, `validate`, `routes` and `token`.
 */
import { existsSync, readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { loadConfigFile } from '../config/index.js'
import { formatIssue, ConfigError, SOURCE_FORMATS, type SourceFormat, type SourceOptions } from '../config/index.js'
import { createGateway, DEFAULT_STATE_DIR } from '../gateway.js'
import { checkHandlers } from '../runtime/index.js'
import { createLogger, LOG_LEVELS, type LogLevel } from '../logging/index.js'
import { describeRoutes, describeEndpoints } from './describe.js'
import { token } from './token.js'
import { parseRedisUrl } from '../redis/index.js'
import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_ENVIRONMENTS } from '../functions/index.js'
import { defaultWorkers, joinPrimary, runPrimary, workerSlot } from '../workers/index.js'
import type { Logger } from '../logging/index.js'

const DEFAULT_CONFIG = './gatehouse.yaml'
/** Tried in order when CONFIG is not given: Gatehouse's own file, then an existing project's. */
const DEFAULT_CONFIGS = [DEFAULT_CONFIG, './template.yaml', './template.yml', './template.json', './serverless.yml', './serverless.yaml', './cdk.out']
const DEFAULT_PORT = 3000
const DEFAULT_HOST = '127.0.0.1'
const DEFAULT_HTTPS_PORT = 3443

const USAGE = `Usage: gatehouse <command> [CONFIG] [options]

Commands:
  serve [CONFIG]      Serve the APIs in CONFIG (default ${DEFAULT_CONFIG}, else the first of
                      template.yaml|yml|json, serverless.yml|yaml, cdk.out); reloads on change
  validate [CONFIG]   Print every problem in CONFIG (file:line: path: reason); exit 1 if any
  routes [CONFIG]     Print the compiled route table of each API and stage
  token --sub S       Mint a JWT from Gatehouse's development issuer (gatehouse token --help)

Options (serve):
  --port N            Port to listen on (default ${DEFAULT_PORT}; 0 picks a free port)
  --host H            Interface to bind (default ${DEFAULT_HOST})
  --log-level L       ${LOG_LEVELS.join(' | ')} (default info)
  --log-format F      text | json: the gateway's own log on stderr (default text)
  --no-watch          Do not reload when files change
  --workers N         Gateway processes sharing the port, throttle limits and WebSocket connections
                      (default: one per core with NODE_ENV=production, else 1)
  --quiet-functions   Do not print function logs
  --admin-port N      Admin listener port: /healthz, /readyz, /metrics (default 0: a free port)
  --admin-host H      Admin listener interface (default 127.0.0.1)
  --no-admin          Do not start the admin listener
  --no-console        Do not serve the web console (/console/ on the admin listener)
  --https-port N      HTTPS listener of custom domain names (default ${DEFAULT_HTTPS_PORT}; only with domainNames)
  --https-host H      Its interface (default: --host)
  --redis URL         redis://HOST:PORT (or rediss://, redis-sentinel://, redis-cluster://): share
                      throttle buckets and WebSocket connections with other nodes (overrides redis.url)
  --inspect[=PORT]    Node.js inspector for functions (default port 9229): worker-thread
                      environments through the gateway's, process ones from PORT+1 (docs/runtimes.md)
  --max-environments N   Execution environments of all functions together (default ${DEFAULT_MAX_ENVIRONMENTS})
  --idle-timeout S       Seconds an idle execution environment is kept (default ${DEFAULT_IDLE_TIMEOUT_MS / 1000})
  --state DIR         The control plane's state folder (default ${DEFAULT_STATE_DIR}/ beside CONFIG)
  --no-control-plane  Do not serve the apigatewayv2/Lambda control plane (admin listener, and the
                      main port under apigateway.REGION.amazonaws.com / lambda.REGION.amazonaws.com)

Options (all commands):
  --format F          gatehouse | sam | cloudformation | serverless (default: found from CONFIG's content)
  --parameter-overrides K=V [K=V ...]
                      Template parameter values (also ParameterKey=K,ParameterValue=V)
  --import-value N=V  A value for Fn::ImportValue N (repeatable)
  --stage S           serverless.yml: the stage (default provider.stage, else dev)
  --stack S           cdk.out: the stack to serve when the assembly has several

Signals (serve): SIGINT/SIGTERM stop after requests in flight; SIGHUP reopens access-log files.

  -h, --help          Show this help
  -v, --version       Show the version
`

/**
 * Pulls `--parameter-overrides K=V ...` and `--import-value N=V` out of argv (SAM CLI's syntax),
 * and `--inspect[=PORT]` (Node's syntax, whose value is optional, which parseArgs cannot say).
 */
function sourceArgs(argv: readonly string[]): { rest: string[]; overrides: Record<string, string>; imports: Record<string, string>; inspect?: number; error?: string } {
  let inspect: number | undefined
  const rest: string[] = []
  const overrides: Record<string, string> = {}
  const imports: Record<string, string> = {}
  const pair = (text: string): [string, string] | undefined => {
    const long = /^ParameterKey=([^,]+),ParameterValue=(.*)$/.exec(text)
    if (long) return [long[1] ?? '', long[2] ?? '']
    const eq = text.indexOf('=')
    return eq > 0 ? [text.slice(0, eq), text.slice(eq + 1)] : undefined
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (arg === '--parameter-overrides') {
      let n = 0
      while (i + 1 < argv.length && !(argv[i + 1] ?? '').startsWith('--') && pair(argv[i + 1] ?? '') !== undefined) {
        const [k, v] = pair(argv[++i] ?? '') as [string, string]
        overrides[k] = v
        n++
      }
      if (n === 0) return { rest, overrides, imports, error: '--parameter-overrides needs Key=Value pairs' }
    } else if (arg === '--import-value' || arg.startsWith('--import-value=')) {
      const text = arg === '--import-value' ? argv[++i] ?? '' : arg.slice('--import-value='.length)
      const p = pair(text)
      if (p === undefined) return { rest, overrides, imports, error: '--import-value needs Name=Value' }
      imports[p[0]] = p[1]
    } else if (arg === '--inspect' || arg.startsWith('--inspect=')) {
      const port = arg === '--inspect' ? 9229 : /^\d{1,5}$/.test(arg.slice('--inspect='.length)) ? Number(arg.slice('--inspect='.length)) : NaN
      if (!(port > 0 && port < 65535)) return { rest, overrides, imports, error: '--inspect=PORT needs a port between 1 and 65534' }
      inspect = port
    } else rest.push(arg)
  }
  return { rest, overrides, imports, ...(inspect !== undefined ? { inspect } : {}) }
}

export async function main(argvIn: readonly string[]): Promise<number> {
  // `token` has options of its own.
  if (argvIn[0] === 'token') return token(argvIn.slice(1))
  const pulled = sourceArgs(argvIn)
  if (pulled.error !== undefined) {
    process.stderr.write(`gatehouse: ${pulled.error}\n`)
    return 2
  }
  const argv = pulled.rest
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'log-level': { type: 'string' },
        'log-format': { type: 'string' },
        'no-watch': { type: 'boolean' },
        workers: { type: 'string' },
        'quiet-functions': { type: 'boolean' },
        'admin-port': { type: 'string' },
        'admin-host': { type: 'string' },
        'no-admin': { type: 'boolean' },
        'no-console': { type: 'boolean' },
        'https-port': { type: 'string' },
        'https-host': { type: 'string' },
        redis: { type: 'string' },
        'max-environments': { type: 'string' },
        'idle-timeout': { type: 'string' },
        state: { type: 'string' },
        'no-control-plane': { type: 'boolean' },
        format: { type: 'string' },
        stage: { type: 'string' },
        stack: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    })
  } catch (err) {
    process.stderr.write(`gatehouse: ${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.version === true) {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
    process.stdout.write(`gatehouse ${pkg.version}\n`)
    return 0
  }
  const [command, configArg, ...extra] = positionals
  if (values.help === true || command === undefined) {
    process.stdout.write(USAGE)
    return command === undefined && values.help !== true ? 2 : 0
  }
  if (extra.length > 0) {
    process.stderr.write(`gatehouse: unexpected arguments: ${extra.join(' ')}\n`)
    return 2
  }
  const foundConfig = configArg ?? DEFAULT_CONFIGS.find((f) => existsSync(f))
  // Without any config file, serve runs the control plane alone: its APIs come through the AWS APIs.
  const controlPlaneOnly = command === 'serve' && foundConfig === undefined && values['no-control-plane'] !== true
  const configFile = foundConfig ?? DEFAULT_CONFIG
  const format = values.format
  if (format !== undefined && !(SOURCE_FORMATS as readonly string[]).includes(format)) {
    process.stderr.write(`gatehouse: --format must be one of ${SOURCE_FORMATS.join(', ')}\n`)
    return 2
  }
  const source: SourceOptions = {
    format: format as SourceFormat | undefined,
    stage: values.stage,
    stack: values.stack,
    ...(Object.keys(pulled.overrides).length > 0 ? { parameterOverrides: pulled.overrides } : {}),
    ...(Object.keys(pulled.imports).length > 0 ? { importValues: pulled.imports } : {}),
  }
  switch (command) {
    case 'validate':
      return validate(configFile, source)
    case 'routes':
      return routes(configFile, source)
    case 'serve': {
      const code = await serve(controlPlaneOnly ? undefined : configFile, { ...values, ...(pulled.inspect !== undefined ? { inspect: pulled.inspect } : {}) }, source)
      // A worker's IPC channel to the primary would keep it alive: once stopped (or failed), it ends.
      if (workerSlot() !== undefined) process.exit(code)
      return code
    }
    default:
      process.stderr.write(`gatehouse: unknown command "${command}"\n\n${USAGE}`)
      return 2
  }
}

async function validate(configFile: string, source: SourceOptions): Promise<number> {
  const loaded = loadConfigFile(configFile, source)
  // Handler modules are loaded too (in a scratch environment): one that cannot load is a
  // problem at its own file and line, not a surprise at the first invocation.
  const result = loaded.ok
    ? await checkHandlers(loaded.config).then((problems) => (problems.length === 0 ? loaded : { ok: false as const, issues: problems.map((p) => p.issue) }))
    : loaded
  if (!result.ok) {
    for (const issue of result.issues) process.stdout.write(formatIssue(issue, process.cwd()) + '\n')
    process.stdout.write(`${result.issues.length} problem${result.issues.length === 1 ? '' : 's'} found\n`)
    return 1
  }
  const { apis, websocketApis, functions, warnings } = result.config
  // Truststore warnings, as AWS returns them: the config is valid, mTLS stays on.
  for (const warning of warnings) process.stdout.write(`warning: ${formatIssue(warning, process.cwd())}\n`)
  const routeCount = apis.reduce((n, a) => n + a.routes.length, 0) + websocketApis.reduce((n, a) => n + a.routes.length, 0)
  const kinds = `${apis.length} HTTP, ${websocketApis.length} WebSocket`
  process.stdout.write(`${configFile} is valid: ${apis.length + websocketApis.length} API(s) (${kinds}), ${routeCount} route(s), ${functions.size} function(s)\n`)
  return 0
}

function routes(configFile: string, source: SourceOptions): number {
  const result = loadConfigFile(configFile, source)
  if (!result.ok) {
    for (const issue of result.issues) process.stderr.write(formatIssue(issue, process.cwd()) + '\n')
    return 1
  }
  process.stdout.write(describeRoutes(result.config))
  return 0
}

interface ServeFlags {
  readonly port?: string | undefined
  readonly host?: string | undefined
  readonly 'log-level'?: string | undefined
  readonly 'log-format'?: string | undefined
  readonly 'no-watch'?: boolean | undefined
  readonly 'quiet-functions'?: boolean | undefined
  readonly 'admin-port'?: string | undefined
  readonly 'admin-host'?: string | undefined
  readonly 'no-admin'?: boolean | undefined
  readonly 'no-console'?: boolean | undefined
  readonly 'https-port'?: string | undefined
  readonly 'https-host'?: string | undefined
  readonly redis?: string | undefined
  readonly 'max-environments'?: string | undefined
  readonly 'idle-timeout'?: string | undefined
  readonly state?: string | undefined
  readonly 'no-control-plane'?: boolean | undefined
  readonly inspect?: number | undefined
  readonly workers?: string | undefined
}

/** A TCP port from a flag: digits only (no `0x10`, no `1e3`), 0-65535. */
function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN
  return port <= 65535 ? port : NaN
}

async function serve(configFile: string | undefined, flags: ServeFlags, source: SourceOptions): Promise<number> {
  const port = parsePort(flags.port, DEFAULT_PORT)
  const adminPort = parsePort(flags['admin-port'], 0)
  const httpsPort = parsePort(flags['https-port'], DEFAULT_HTTPS_PORT)
  for (const [name, value] of [['--port', port], ['--admin-port', adminPort], ['--https-port', httpsPort]] as const) {
    if (Number.isNaN(value)) {
      process.stderr.write(`gatehouse: ${name} must be an integer between 0 and 65535\n`)
      return 2
    }
  }
  if (flags.redis !== undefined) {
    try {
      parseRedisUrl(flags.redis)
    } catch (err) {
      process.stderr.write(`gatehouse: --redis: ${(err as Error).message}\n`)
      return 2
    }
  }
  const positive = (value: string | undefined): number | undefined => (value === undefined ? undefined : /^\d{1,9}$/.test(value) && Number(value) > 0 ? Number(value) : NaN)
  const maxEnvironments = positive(flags['max-environments'])
  const idleTimeout = positive(flags['idle-timeout'])
  for (const [name, value] of [['--max-environments', maxEnvironments], ['--idle-timeout', idleTimeout]] as const) {
    if (Number.isNaN(value)) {
      process.stderr.write(`gatehouse: ${name} must be a positive integer\n`)
      return 2
    }
  }
  const workers = flags.workers === undefined ? defaultWorkers() : positive(flags.workers)
  if (workers === undefined || Number.isNaN(workers)) {
    process.stderr.write(`gatehouse: --workers must be a positive integer\n`)
    return 2
  }
  if (workers > 1 && flags.inspect !== undefined) {
    process.stderr.write(`gatehouse: --inspect debugs one process: use it with --workers 1\n`)
    return 2
  }
  const level = (flags['log-level'] ?? 'info') as LogLevel
  if (!LOG_LEVELS.includes(level)) {
    process.stderr.write(`gatehouse: --log-level must be one of ${LOG_LEVELS.join(', ')}\n`)
    return 2
  }
  const format = flags['log-format'] ?? 'text'
  if (format !== 'text' && format !== 'json') {
    process.stderr.write(`gatehouse: --log-format must be text or json\n`)
    return 2
  }
  const slot = workerSlot()
  const logger = slot === undefined ? createLogger({ level, format }) : taggedLogger(createLogger({ level, format }), slot)
  if (workers > 1 && slot === undefined) {
    return runPrimary({ workers, logger, ...(configFile !== undefined ? { configFile } : {}), source, watch: flags['no-watch'] !== true })
  }
  // A worker of `--workers N`: the primary watches the config and holds the shared state.
  const link = slot === undefined ? undefined : joinPrimary()
  const controlPlane = flags['no-control-plane'] === true ? undefined : { ...(flags.state !== undefined ? { stateDir: flags.state } : {}) }
  const gateway = createGateway(configFile ?? {}, {
    ...(configFile === undefined ? { baseDir: process.cwd() } : {}),
    ...(controlPlane !== undefined ? { controlPlane } : {}),
    source,
    port,
    host: flags.host ?? DEFAULT_HOST,
    watch: link === undefined && flags['no-watch'] !== true,
    logger,
    ...(link !== undefined ? { workerSeams: { limiter: link.limiter, directory: link.directory, stateStore: (dir: string) => link.stateStore(dir), metrics: link.metrics } } : {}),
    functionLogs: flags['quiet-functions'] === true ? 'silent' : 'stdout',
    ...(flags['no-admin'] === true ? {} : { admin: { port: adminPort, host: flags['admin-host'] ?? DEFAULT_HOST } }),
    ...(flags['no-console'] === true ? { console: false } : {}),
    https: { port: httpsPort, host: flags['https-host'] ?? flags.host ?? DEFAULT_HOST },
    ...(flags.redis !== undefined ? { redis: flags.redis } : {}),
    ...(flags.inspect !== undefined ? { inspect: { port: flags.inspect } } : {}),
    environments: {
      ...(maxEnvironments !== undefined ? { maxEnvironments } : {}),
      ...(idleTimeout !== undefined ? { idleTimeoutMs: idleTimeout * 1000 } : {}),
    },
  })
  try {
    await gateway.start()
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const issue of err.issues) process.stderr.write(formatIssue(issue, process.cwd()) + '\n')
      process.stderr.write(`gatehouse: ${configFile ?? 'the control plane\'s state'} has ${err.issues.length} problem(s); not serving\n`)
    } else {
      process.stderr.write(`gatehouse: cannot start: ${(err as Error).message}\n`)
    }
    return 1
  }
  let banner = `Gatehouse listening on ${gateway.url}\n${describeEndpoints(gateway.config, gateway.url)}`
  if (gateway.httpsUrl !== '') {
    const names = gateway.config.domainNames.map((d) => d.domainName).join(', ')
    banner += `HTTPS (custom domain names: ${names}) listening on ${gateway.httpsUrl}\n`
  }
  if (gateway.adminUrl !== '') banner += `Admin listening on ${gateway.adminUrl} (/healthz, /readyz, /metrics)\n`
  if (controlPlane !== undefined) {
    const where = gateway.adminUrl !== '' ? `${gateway.adminUrl} and ` : ''
    banner += `Control plane (apigatewayv2, lambda) on ${where}${gateway.url} (signed for apigateway or lambda, or under host apigateway.${gateway.config.region}.amazonaws.com); state in ${gateway.stateDir}\n`
  }
  if (gateway.consoleUrl !== '') banner += `Console: ${gateway.consoleUrl}\n`
  // The primary prints one worker's banner once all of them serve.
  if (link === undefined) process.stdout.write(banner)
  else {
    link.onReload(async () => (await gateway.reload()).ok)
    link.ready(banner, flags.redis !== undefined || gateway.config.redis?.url !== undefined)
  }
  const reopen = () => {
    logger.info('Received SIGHUP; reopening access-log files')
    gateway.reopenLogs()
  }
  process.on('SIGHUP', reopen)
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info(`Received ${signal}; finishing requests in flight`)
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      // A worker gets Ctrl-C's SIGINT and the primary's SIGTERM: the second must not cut its drain.
      if (link !== undefined) for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => undefined)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  process.off('SIGHUP', reopen)
  await gateway.stop()
  logger.info('Stopped')
  return 0
}

/** A worker's log lines name it, since every worker writes to the same stderr. */
function taggedLogger(logger: Logger, worker: number): Logger {
  return {
    debug: (message, fields) => logger.debug(message, { worker, ...fields }),
    info: (message, fields) => logger.info(message, { worker, ...fields }),
    warn: (message, fields) => logger.warn(message, { worker, ...fields }),
    error: (message, fields) => logger.error(message, { worker, ...fields }),
  }
}
