/**
 * @module
 * The programmatic API: `createGateway(configOrPath, options)` loads and compiles a config,
 * serves it on a port, reloads it on demand or when its files change, and stops cleanly.
 *
 * @example
 * const gateway = createGateway('./gatehouse.yaml', { port: 0 })
 * await gateway.start()
 * const res = await fetch(gateway.url + '/pets')
 * await gateway.stop()
 */
import { once } from 'node:events'
import { ConfigError, formatIssue, importOpenApiText, type ConfigIssue } from './config/index.js'
import { loadConfigFile, loadConfigObject, type LoadConfigResult, type SourceOptions } from './config/index.js'
import type { GatehouseConfig, InvocationLogReceiver, RateLimiter } from './model/index.js'
import { SHUTDOWN_GRACE_MS } from './http/index.js'
import { createDataPlane, listeningUrl, type DataPlane } from './http/index.js'
import { createLogger, type Logger, type LogLevel } from './logging/index.js'
import { checkHandlers, compile, destroy, retire } from './runtime/index.js'
import { UpstreamAgents } from './integrations/index.js'
import { applySnapshotToHttpsListener } from './http/index.js'
import { WebSocketGateway } from './websocket/index.js'
import { webSocketPlane } from './websocket/index.js'
import { ConnectionDirectory, type NodeDirectory } from './websocket/index.js'
import type { WebSocketLimits } from './websocket/index.js'
import { SnapshotHolder } from './runtime/index.js'
import type { RuntimeSnapshot } from './model/index.js'
import { SourceWatcher } from './runtime/index.js'
import { createAdminServer, DEV_ISSUER_JWKS_PATH } from './admin/index.js'
import { DevIssuer } from './auth/index.js'
import { AccessLogSinks } from './logging/index.js'
import { EnvironmentBudget, InspectorPorts, endLine, reportLine, startLine, type EnvironmentLimits } from './functions/index.js'
import { MetricsRegistry, type SeriesFigures } from './metrics/index.js'
import { InMemoryRateLimiter } from './throttle/index.js'
import { REDIS_STARTUP_WAIT_MS, RedisRateLimiter } from './throttle/index.js'
import { RedisUrlError, SharedRedis } from './redis/index.js'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { dirname, join, resolve } from 'node:path'
import { ControlPlane, FolderStateStore, RedisStateStore, handleControlPlaneRequest, isControlPlaneRequest, mergeConfigs, type StateStore } from './sources/control-plane/index.js'
import { randomBytes } from 'node:crypto'
import { Inspector } from './observability/index.js'
import { CONSOLE_PATH, connectionsRoute, createConsoleHandler, functionsRoute, tokensRoute, type ReloadStatus } from './console/index.js'

export interface GatewayOptions {
  /** Port to listen on; `0` (the default here) picks a free one. The CLI defaults to 3000. */
  readonly port?: number
  /** Interface to bind; default `127.0.0.1`. */
  readonly host?: string
  /** For a config object: the directory handler paths are relative to (default: cwd). */
  readonly baseDir?: string
  /** For a config file: its format (default: found from its content), template parameters and import values. */
  readonly source?: SourceOptions
  /** Reload when the config, an OpenAPI document or a handler file changes (default false). */
  readonly watch?: boolean
  /** The gateway's own log; default: text lines on stderr at `logLevel`. */
  readonly logger?: Logger
  readonly logLevel?: LogLevel
  /**
   * Where function logs (START/END/REPORT and console output) go: `'stdout'` (default),
   * `'silent'`, or a function receiving each line.
   */
  readonly functionLogs?: 'stdout' | 'silent' | ((line: string) => void)
  /**
   * Start the admin listener (`/healthz`, `/readyz`, `/metrics`) on its own port; host
   * defaults to `127.0.0.1`, port to 0 (a free one). Off unless given.
   */
  readonly admin?: { readonly port?: number; readonly host?: string }
  /**
   * The web console at `/console/` on the admin listener (default: on whenever the admin
   * listener is). Bound beyond loopback it requires `consoleToken` (see `Gateway.consoleUrl`).
   */
  readonly console?: boolean
  /** The development issuer's key file (default `GATEHOUSE_DEV_ISSUER_KEY` or `~/.gatehouse/dev-issuer-key.json`), created on first use. */
  readonly devIssuerKeyFile?: string
  /** The throttle store; default in memory (one process), or Redis with `redis`. */
  readonly limiter?: RateLimiter
  /**
   * `redis://HOST:PORT`: throttle buckets shared by every node using the same Redis (overrides
   * the config file's `redis.url`).
   */
  readonly redis?: string
  /**
   * The HTTPS listener of custom domain names (`domainNames`), started when the config has
   * any; host defaults to `host`, port to 0 (a free one). The CLI defaults to 3443.
   */
  readonly https?: { readonly port?: number; readonly host?: string }
  /** WebSocket timers (AWS's defaults: 10-minute idle timeout, 2-hour connections, 4 MiB outbound buffer). */
  readonly websocket?: Partial<WebSocketLimits>
  /**
   * Lambda execution environments of all functions together: `maxEnvironments` alive at once
   * (default 64; at the cap the least recently used idle one is evicted, else invocations
   * wait) and `idleTimeoutMs` before an idle one is reclaimed (default 5 minutes).
   */
  readonly environments?: EnvironmentLimits
  /**
   * The `apigatewayv2` and Lambda control plane, on the admin listener and on the main port
   * under the host `apigateway.{region}.amazonaws.com` / `lambda.{region}.amazonaws.com`. Its
   * state lives in `stateDir` (default `.gatehouse/` beside the config file, or under
   * `baseDir` for a config object). Off unless given.
   */
  readonly controlPlane?: { readonly stateDir?: string }
  /**
   * `--inspect[=PORT]`: the Node.js inspector on the gateway process (its worker-thread
   * environments are targets of it) at `port` (default 9229), and one for each Node.js
   * process environment at the next free port after it. See docs/runtimes.md.
   */
  readonly inspect?: { readonly port?: number; readonly host?: string }
  /**
   * Inside `gatehouse serve --workers N` (src/workers): the primary's throttle buckets and
   * connection directory, so that limits hold for the whole machine and `@connections` reaches
   * every worker. Used only when no Redis is configured (Redis then plays both parts).
   */
  readonly workerSeams?: {
    readonly limiter: RateLimiter
    readonly directory: NodeDirectory
    /** The control plane's state, one for the machine (the primary's), where there is no Redis. */
    readonly stateStore: (dir: string) => StateStore
    /** `/metrics` for the machine: handed this worker's figures, answers with every worker's summed. */
    readonly metrics: { serve(figures: () => readonly SeriesFigures[]): void; machine(): Promise<string> }
  }
}

/** The state folder's default name, beside the config file. */
export const DEFAULT_STATE_DIR = '.gatehouse'

/**
 * A reload that applied the config may still name handler modules that cannot load
 * (`brokenHandlers`, at their file and line): those functions answer with their load error
 * until fixed, while everything else runs the new config.
 */
export type ReloadResult = { readonly ok: true; readonly brokenHandlers?: readonly ConfigIssue[] } | { readonly ok: false; readonly issues: readonly ConfigIssue[] }

export interface Gateway {
  /** Loads, compiles and listens; rejects with `ConfigError` on an invalid config. */
  start(): Promise<void>
  /** Stops accepting, lets requests in flight finish, then ends every environment. */
  stop(): Promise<void>
  /** Reloads the config; on failure the running snapshot keeps serving. */
  reload(): Promise<ReloadResult>
  /** `http://HOST:PORT` once started. */
  readonly url: string
  /** The admin listener's `http://HOST:PORT`, or `''` without one. */
  readonly adminUrl: string
  /** The web console's URL (with its access token when the admin listener is beyond loopback), or `''`. */
  readonly consoleUrl: string
  /** The custom domains' HTTPS listener, `https://HOST:PORT`, or `''` without domain names. */
  readonly httpsUrl: string
  /** Reopens access-log files (after log rotation; the CLI does it on SIGHUP). */
  reopenLogs(): void
  /** The configuration being served. */
  readonly config: GatehouseConfig
  /** The control plane's state folder, or `''` without a control plane. */
  readonly stateDir: string
  /** Execution environments of all functions: alive now, the most alive at once so far, and the cap. */
  readonly environments: { readonly alive: number; readonly peak: number; readonly max: number }
}

export function createGateway(configOrPath: string | object, options: GatewayOptions = {}): Gateway {
  const logger = options.logger ?? createLogger({ level: options.logLevel ?? 'info' })
  const consoleEnabled = options.admin !== undefined && options.console !== false
  // The console's inspector: it records only while a console client listens.
  const inspector = consoleEnabled ? new Inspector() : null
  const functionLogs = functionLogSink(options.functionLogs)
  const onLog = tapFunctionLogs(functionLogs, inspector)
  const onInvocation = invocationLog(functionLogs, inspector)
  // With function logs off, lines are formatted only while a console listens.
  const logWanted = functionLogs === null && inspector !== null ? () => inspector.active : undefined
  const devIssuer = new DevIssuer(options.devIssuerKeyFile)
  let reloadStatus: ReloadStatus = { ok: true, time: Date.now(), issues: [] }
  let consoleUrl = ''
  // With the control plane, the file may define no API: they can all come from the control plane.
  const fileLoadOptions = { apisOptional: options.controlPlane !== undefined }
  const loadFile = (): LoadConfigResult =>
    typeof configOrPath === 'string'
      ? loadConfigFile(configOrPath, options.source ?? {}, fileLoadOptions)
      : loadConfigObject(configOrPath, options.baseDir ?? process.cwd(), fileLoadOptions)
  const stateDir =
    options.controlPlane === undefined
      ? undefined
      : resolve(options.controlPlane.stateDir ?? join(typeof configOrPath === 'string' ? dirname(resolve(configOrPath)) : (options.baseDir ?? process.cwd()), DEFAULT_STATE_DIR))
  const controlPlane = stateDir === undefined ? undefined : new ControlPlane()
  // The file's configuration alone, as last loaded: what the control plane is combined with.
  let fileConfig: GatehouseConfig | undefined
  /**
   * A control-plane change combines the file's configuration as last loaded (file edits are the
   * watcher's and `reload()`'s business), so a change does not re-read and re-translate the file.
   */
  const load = (fromControlPlane = false): LoadConfigResult => {
    const file: LoadConfigResult = fromControlPlane && fileConfig !== undefined ? { ok: true, config: fileConfig } : loadFile()
    if (!file.ok || controlPlane === undefined || stateDir === undefined) return file
    const doc = controlPlane.documentFor(file.config)
    const plane = loadConfigObject(doc.raw, stateDir, { apisOptional: true })
    if (!plane.ok) return { ok: false, issues: plane.issues.map((i) => ({ ...i, file: '<control plane>' })), sourceFiles: file.config.sourceFiles }
    fileConfig = file.config
    return { ok: true, config: mergeConfigs(file.config, plane.config, doc) }
  }
  const host = options.host ?? '127.0.0.1'
  let holder: SnapshotHolder | undefined
  let plane: DataPlane | undefined
  let watcher: SourceWatcher | undefined
  let url = ''
  let adminUrl = ''
  let httpsUrl = ''
  let websocket: WebSocketGateway | undefined
  let directory: NodeDirectory | undefined
  let admin: Server | undefined
  let stopping = false
  let reloading: Promise<ReloadResult> | undefined
  const sinks = new AccessLogSinks(logger)
  const metrics = new MetricsRegistry()
  // Chosen at the first load: the config file may name a Redis server.
  let limiter: RateLimiter | undefined = options.limiter
  let ownedLimiter: RedisRateLimiter | undefined
  // The node's one Redis connection and circuit breaker, shared by the limiter and the directory.
  let sharedRedis: SharedRedis | undefined
  const openRedis = (url: string): SharedRedis => (sharedRedis ??= new SharedRedis(url, logger))
  const upstreams = new UpstreamAgents()
  for (const [name, value] of Object.entries(options.environments ?? {})) {
    if (value !== undefined && !(Number.isInteger(value) && (value as number) > 0)) throw new RangeError(`environments.${name} must be a positive integer`)
  }
  const budget = new EnvironmentBudget(options.environments)
  const debuggerPorts = options.inspect === undefined ? undefined : new InspectorPorts(options.inspect.port, options.inspect.host)
  // Filled once listening: functions reach `@connections` here (see connections-redirect.ts).
  const localEndpoint = { url: '' }
  // Replaced snapshots whose environments may still be finishing invocations.
  const retired = new Set<RuntimeSnapshot>()

  /** `fromControlPlane`: functions defined exactly as before keep their pools (and warm environments). */
  const build = (fromControlPlane = false): { snapshot: RuntimeSnapshot } | { issues: readonly ConfigIssue[]; sourceFiles: readonly string[] } => {
    const loaded = load(fromControlPlane)
    if (!loaded.ok) return loaded
    if (limiter === undefined) {
      const url = options.redis ?? loaded.config.redis?.url
      if (url !== undefined) {
        let redis: SharedRedis
        try {
          redis = openRedis(url)
        } catch (err) {
          // `redis.url` is checked with the config; this is `--redis` / `options.redis`.
          if (!(err instanceof RedisUrlError)) throw err
          return { issues: [{ file: '(options)', line: undefined, path: 'redis', message: `invalid Redis URL: ${err.message}` }], sourceFiles: [] }
        }
        ownedLimiter = new RedisRateLimiter(redis, { logger })
        limiter = ownedLimiter
        logger.info(`Throttle buckets are shared through Redis at ${redis.displayUrl}`)
      } else {
        limiter = options.workerSeams?.limiter ?? new InMemoryRateLimiter()
      }
    } else if (loaded.config.redis?.url !== undefined && ownedLimiter === undefined && options.limiter === undefined) {
      logger.warn('redis.url was added to the config: restart to share throttling through Redis')
    }
    return { snapshot: compile(loaded.config, { onLog, onInvocation, logWanted, limiter, sinks, metrics, upstreams, localEndpoint, budget, devIssuer, previous: holder?.current, ...(debuggerPorts !== undefined ? { inspector: debuggerPorts } : {}) }) }
  }

  /** Says at start who may call `@connections` when no `iam` credentials can verify signatures. */
  const logConnectionsApiAccess = (config: RuntimeSnapshot['config'], loopbackOnly: boolean): void => {
    if (config.websocketApis.length === 0 || config.iam !== null) return
    if (loopbackOnly) logger.info('@connections accepts unsigned calls: no iam credentials are configured and every listener is bound to loopback')
    else if (config.connectionsApi.allowUnsigned) logger.warn('@connections accepts unsigned calls from any client (connectionsApi.allowUnsigned: true, no iam credentials)')
    else logger.warn('@connections refuses every call (403): no iam credentials to verify signatures and the gateway listens beyond loopback; configure iam.credentials or set connectionsApi.allowUnsigned: true')
  }

  const logWarnings = (snapshot: RuntimeSnapshot): void => {
    for (const warning of snapshot.config.warnings) logger.warn(formatIssue(warning))
  }

  /**
   * `fromControlPlane`: the change came through the control plane, whose functions change only
   * by `UpdateFunctionCode` (a new code folder): their modules are not loaded in a scratch
   * environment first, as Lambda accepts broken code and fails at invocation.
   */
  const reloadNow = async (fromControlPlane = false): Promise<ReloadResult> => {
    // A reload queued behind stop(), or fired by a watcher event during it, has nothing to do.
    if (holder === undefined || stopping) return { ok: false, issues: [] }
    const built = build(fromControlPlane)
    if ('issues' in built) {
      reloadStatus = { ok: false, time: Date.now(), issues: built.issues }
      logger.error('Reload failed; still serving the previous configuration', { problems: built.issues.length })
      for (const issue of built.issues) logger.error(`  ${formatIssue(issue)}`)
      // Watch what the broken config names too, so fixing a newly referenced file reloads.
      watcher?.watchFiles([...new Set([...holder.current.config.sourceFiles, ...built.sourceFiles])])
      return { ok: false, issues: built.issues }
    }
    // Handler modules are loaded in a scratch environment first, so a broken edit is named
    // now, with its file and line, rather than at the function's next cold start.
    const broken = fromControlPlane ? [] : await checkHandlers(built.snapshot.config)
    if (stopping) {
      await destroy(built.snapshot)
      return { ok: false, issues: [] }
    }
    for (const problem of broken) {
      logger.error(`Function ${problem.functions.join(', ')} cannot be loaded; its invocations fail until the module is fixed (the rest of the configuration is reloaded)`)
      logger.error(`  ${formatIssue(problem.issue)}`)
    }
    reloadStatus = { ok: true, time: Date.now(), issues: broken.map((p) => p.issue) }
    const previous = holder.swap(built.snapshot)
    retire(previous, built.snapshot)
    // (A pool the new snapshot kept is not the old snapshot's to wait for.)
    const kept = new Set(built.snapshot.pools.values())
    for (const old of retired) if ([...old.pools.values()].every((p) => p.size === 0 || kept.has(p))) retired.delete(old)
    retired.add(previous)
    // New handshakes use the new certificates and truststores at once.
    if (plane?.https != null) applySnapshotToHttpsListener(plane.https, built.snapshot)
    else if (built.snapshot.config.domainNames.length > 0) logger.warn('domainNames were added: restart to start the HTTPS listener that serves them')
    await sinks.retain(built.snapshot.accessLogDestinations)
    // Agents for backends no longer configured close once no request of an older snapshot can
    // still reach them (the longest a request lasts), without holding up the reload.
    setTimeout(() => {
      if (holder !== undefined) void upstreams.retain(holder.current.upstreamAgentKeys)
    }, SHUTDOWN_GRACE_MS).unref()
    watcher?.watchFiles(built.snapshot.config.sourceFiles)
    logWarnings(built.snapshot)
    const { apis, websocketApis, pools } = built.snapshot
    logger.info('Configuration reloaded', { apis: apis.size + websocketApis.size, httpApis: apis.size, websocketApis: websocketApis.size, functions: pools.size })
    return broken.length === 0 ? { ok: true } : { ok: true, brokenHandlers: broken.map((p) => p.issue) }
  }

  // Reloads are serialised; a change during a reload triggers one more afterwards.
  const queueReload = (fromControlPlane: boolean): Promise<ReloadResult> => {
    const next = () => reloadNow(fromControlPlane)
    const run = (reloading ?? Promise.resolve({ ok: true } as ReloadResult)).then(next, next)
    reloading = run
    return run
  }

  const gateway: Gateway = {
    get url() {
      return url
    },
    get adminUrl() {
      return adminUrl
    },
    get consoleUrl() {
      return consoleUrl
    },
    get httpsUrl() {
      return httpsUrl
    },
    reopenLogs() {
      sinks.reopen()
    },
    get stateDir() {
      return stateDir ?? ''
    },
    get environments() {
      return { alive: budget.alive, peak: budget.peak, max: budget.maxEnvironments }
    },
    get config() {
      if (holder === undefined) throw new Error('Gateway is not started')
      return holder.current.config
    },
    async start() {
      if (holder !== undefined) throw new Error('Gateway is already started')
      if (controlPlane !== undefined && stateDir !== undefined) {
        // With Redis (--redis or the config's redis.url) the state is shared by every node.
        const first = loadFile()
        const redisUrl = options.redis ?? (first.ok ? first.config.redis?.url : undefined)
        if (redisUrl !== undefined) logger.info('Control-plane state is shared through Redis')
        await controlPlane.open({
          fileConfig: () => {
            if (fileConfig === undefined) throw new Error('Bug: no configuration loaded yet')
            return fileConfig
          },
          reload: async () => {
            const result = await queueReload(true)
            return result.ok ? { ok: true } : { ok: false, messages: result.issues.map((i) => formatIssue(i)) }
          },
          invoke: async (name, payload, timeoutMs) => holder?.current.pools.get(name)?.invoke(payload, timeoutMs),
          importOpenApi: (text) => {
            const config = fileConfig ?? holder?.current.config
            const result = importOpenApiText(text, { accountId: config?.accountId ?? '123456789012', region: config?.region ?? 'us-east-1' })
            return result.ok ? result : { ok: false, messages: result.issues.map((i) => formatIssue(i)) }
          },
        }, redisUrl !== undefined ? new RedisStateStore(redisUrl, stateDir, logger) : (options.workerSeams?.stateStore(stateDir) ?? new FolderStateStore(stateDir)))
      }
      const built = build()
      if ('issues' in built) throw new ConfigError(built.issues)
      if (sharedRedis !== undefined && !(await sharedRedis.ready(REDIS_STARTUP_WAIT_MS))) {
        logger.warn(`Redis did not answer within ${REDIS_STARTUP_WAIT_MS} ms: serving with this node's own throttle buckets until it does`)
      }
      holder = new SnapshotHolder(built.snapshot)
      if (debuggerPorts !== undefined) {
        logger.info(`Debugger listening on ${debuggerPorts.openGatewayInspector()} (worker-thread environments are its targets; Node.js process environments listen from port ${debuggerPorts.port + 1})`)
      }
      const redisUrl = options.redis ?? built.snapshot.config.redis?.url
      directory = redisUrl === undefined ? options.workerSeams?.directory : new ConnectionDirectory(openRedis(redisUrl), logger)
      websocket = new WebSocketGateway(holder, logger, options.websocket, directory ?? null)
      websocket.inspector = inspector
      // Decided before the first connection can arrive (a domain added by a reload is served
      // only after a restart, which decides again).
      websocket.loopbackOnly = isLoopback(host) && (built.snapshot.config.domainNames.length === 0 || isLoopback(options.https?.host ?? host))
      const wsPlane = webSocketPlane(holder, websocket)
      const mainLoopback = isLoopback(host)
      plane = createDataPlane(
        holder,
        logger,
        controlPlane === undefined
          ? wsPlane
          : {
              upgrade: wsPlane.upgrade,
              // The control plane answers on the main port under AWS's own host names.
              claims: (req) => isControlPlaneRequest(req) || wsPlane.claims(req),
              handle: (req, res) =>
                isControlPlaneRequest(req) ? handleControlPlaneRequest(controlPlane, req, res, logger, { loopbackOnly: mainLoopback }) : wsPlane.handle(req, res),
            },
        inspector
      )
      plane.server.listen(options.port ?? 0, host)
      try {
        await once(plane.server, 'listening')
      } catch (err) {
        await destroy(built.snapshot)
        holder = undefined
        throw err
      }
      url = listeningUrl(plane.server, host)
      localEndpoint.url = listeningUrl(plane.server, host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host)
      logWarnings(built.snapshot)
      if (built.snapshot.config.domainNames.length > 0) {
        const https = plane.createHttpsListener()
        const httpsHost = options.https?.host ?? host
        https.listen(options.https?.port ?? 0, httpsHost)
        try {
          await once(https, 'listening')
        } catch (err) {
          await gateway.stop()
          throw err
        }
        httpsUrl = listeningUrl(https, httpsHost).replace(/^http:/, 'https:')
      }
      logConnectionsApiAccess(built.snapshot.config, websocket.loopbackOnly)
      if (options.admin !== undefined) {
        const adminHost = options.admin.host ?? '127.0.0.1'
        const adminLoopback = isLoopback(adminHost)
        const accessToken = adminLoopback ? null : randomBytes(18).toString('base64url')
        const consoleHandler =
          inspector === null
            ? undefined
            : createConsoleHandler({
                inspector,
                config: () => holder?.current.config ?? null,
                reloadStatus: () => reloadStatus,
                dataPlaneUrl: () => localEndpoint.url,
                accessToken,
                routes: {
                  connections: connectionsRoute({ websocket: () => websocket, config: () => holder?.current.config ?? null, inspector }),
                  tokens: tokensRoute({ devIssuer, jwksUri: () => adminUrl + DEV_ISSUER_JWKS_PATH }),
                  functions: functionsRoute({ pools: () => holder?.current.pools ?? null, config: () => holder?.current.config ?? null, inspector }),
                },
              })
        const workerMetrics = options.workerSeams?.metrics
        workerMetrics?.serve(() => metrics.figures())
        admin = createAdminServer({
          metrics: workerMetrics === undefined ? () => metrics.render() : () => workerMetrics.machine(),
          ready: () => holder !== undefined && !stopping,
          console: consoleHandler,
          devIssuer,
          ...(controlPlane === undefined
            ? {}
            : { controlPlane: (req: IncomingMessage, res: ServerResponse) => handleControlPlaneRequest(controlPlane, req, res, logger, { loopbackOnly: adminLoopback }) }),
        })
        admin.listen(options.admin.port ?? 0, adminHost)
        try {
          await once(admin, 'listening')
        } catch (err) {
          // The data plane is already listening: undo it so a failed start leaves nothing behind.
          admin = undefined
          await gateway.stop()
          throw err
        }
        adminUrl = listeningUrl(admin, adminHost)
        if (consoleHandler !== undefined) consoleUrl = `${adminUrl}${CONSOLE_PATH}${accessToken === null ? '' : `?token=${accessToken}`}`
      }
      if (options.watch === true && typeof configOrPath === 'string') {
        watcher = new SourceWatcher(() => {
          gateway.reload().catch((err: unknown) => logger.error('Reload failed', { error: err }))
        })
        watcher.watchFiles(built.snapshot.config.sourceFiles)
      }
    },
    reload() {
      return queueReload(false)
    },
    async stop() {
      if (holder === undefined || plane === undefined) return
      stopping = true
      watcher?.close()
      debuggerPorts?.close()
      // WebSocket clients are told the gateway is going away; their $disconnect runs now.
      if (websocket !== undefined) {
        websocket.closeAll()
        const wsDeadline = Date.now() + 2000
        while (websocket.size > 0 && Date.now() < wsDeadline) await new Promise((r) => setTimeout(r, 20))
      }
      const { server, inFlight } = plane
      const servers = plane.https === null ? [server] : [server, plane.https]
      const closed = Promise.all(servers.map((s) => once(s, 'close')))
      for (const s of servers) {
        s.close()
        s.closeIdleConnections()
      }
      const deadline = Date.now() + SHUTDOWN_GRACE_MS
      const pause = () => new Promise((r) => setTimeout(r, 20))
      while (inFlight() > 0 && Date.now() < deadline) await pause()
      // Responses just handed to their sockets are still flushing; their connections turn
      // idle when done. Give them a moment before cutting whatever is left.
      let isClosed = false
      void closed.then(() => (isClosed = true))
      const flushDeadline = Math.min(deadline, Date.now() + 1000)
      while (!isClosed && Date.now() < flushDeadline) {
        for (const s of servers) s.closeIdleConnections()
        await pause()
      }
      for (const s of servers) s.closeAllConnections()
      await closed
      await reloading?.catch(() => undefined)
      await Promise.all([holder.current, ...retired].map(destroy))
      retired.clear()
      await upstreams.destroy()
      await ownedLimiter?.close()
      await directory?.close()
      directory = undefined
      await sharedRedis?.close()
      sharedRedis = undefined
      await sinks.close()
      await controlPlane?.close()
      if (admin !== undefined) {
        const adminClosed = once(admin, 'close')
        admin.close()
        admin.closeAllConnections()
        await adminClosed
        admin = undefined
      }
      holder = undefined
      stopping = false
      plane = undefined
      websocket = undefined
      httpsUrl = ''
    },
  }
  return gateway
}

/** Function log lines go to the console's inspector too (it keeps them only while a console listens). */
function tapFunctionLogs(sink: ((line: string) => void) | null, inspector: Inspector | null): ((line: string, invocationId?: string) => void) | null {
  if (inspector === null) return sink
  return (line, invocationId) => {
    if (inspector.active) inspector.functionLog(line, invocationId)
    sink?.(line)
  }
}

/**
 * The pools' START, END and REPORT while a console's inspector may listen: the inspector keeps
 * the facts (and makes their text only when a console shows a line), the function log gets
 * the text. Without an inspector the pools write the text to `onLog` themselves.
 */
function invocationLog(sink: ((line: string) => void) | null, inspector: Inspector | null): InvocationLogReceiver | null {
  if (inspector === null) return null
  return {
    started(requestId) {
      if (inspector.active) inspector.invocationStarted(requestId)
      sink?.(startLine(requestId))
    },
    ended(report) {
      if (inspector.active) inspector.invocationEnded(report)
      if (sink === null) return
      sink(endLine(report.requestId))
      sink(reportLine(report))
    },
  }
}

function functionLogSink(option: GatewayOptions['functionLogs']): ((line: string) => void) | null {
  if (typeof option === 'function') return option
  if (option === 'silent') return null
  return (line) => process.stdout.write(line + '\n')
}

/** Whether a bind address only accepts connections from this machine. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}
