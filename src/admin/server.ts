/**
 * @module
 * The admin listener, on its own port (loopback by default): `/healthz` (the process
 * serves), `/readyz` (a configuration is loaded and the gateway is not stopping) and
 * Prometheus `/metrics`. Kept apart from the data plane so that no API route can shadow it
 * and it is never exposed by accident with the APIs.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
export interface AdminDependencies {
  /**
   * The Prometheus text for `/metrics`: this process's figures, or under `--workers` the
   * machine's (a promise: the primary collects them; rejected, saying why, if it cannot).
   */
  readonly metrics: () => string | Promise<string>
  /** `true` while the gateway serves a configuration and is not shutting down. */
  readonly ready: () => boolean
  /** The `apigatewayv2`/Lambda control plane (`/v2/…`, `/2015-03-31/…`), when the gateway runs one. */
  readonly controlPlane?: (req: IncomingMessage, res: ServerResponse) => Promise<void>
  /** The web console (`/console/…`), when enabled: answers `false` for paths it does not own. */
  readonly console?: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined
  /** The development issuer's public key set, served at `/dev-issuer/jwks.json` with its discovery document. */
  readonly devIssuer?: { readonly issuer: string; jwks(): object } | undefined
}

/** Paths the control plane answers on the admin listener. */
const CONTROL_PLANE_PATH = /^\/(v2|2015-03-31)\//

/** Where the admin listener serves the development issuer's discovery document and key set. */
export const DEV_ISSUER_DISCOVERY_PATH = '/dev-issuer/.well-known/openid-configuration'
export const DEV_ISSUER_JWKS_PATH = '/dev-issuer/jwks.json'

const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export function createAdminServer(deps: AdminDependencies): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    const text = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' })
      res.end(req.method === 'HEAD' ? undefined : body)
    }
    if (deps.controlPlane !== undefined && CONTROL_PLANE_PATH.test(path ?? '')) {
      deps.controlPlane(req, res).catch(() => res.destroy())
      return
    }
    if (deps.console?.(req, res) === true) return
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'method not allowed\n')
    switch (path) {
      case '/healthz':
        return text(200, 'ok\n')
      case '/readyz':
        return deps.ready() ? text(200, 'ready\n') : text(503, 'not ready\n')
      case '/metrics': {
        const rendered = deps.metrics()
        if (typeof rendered === 'string') return text(200, rendered, PROMETHEUS_CONTENT_TYPE)
        // A failed scrape rather than one worker's counters, which would step back on the next.
        rendered.then(
          (body) => text(200, body, PROMETHEUS_CONTENT_TYPE),
          (err: Error) => text(503, `metrics unavailable: ${err.message}\n`)
        )
        return
      }
      case DEV_ISSUER_JWKS_PATH: {
        if (deps.devIssuer === undefined) break
        let jwks: object
        try {
          jwks = deps.devIssuer.jwks()
        } catch (err) {
          // A damaged key file: say so rather than fail the listener.
          return text(500, `${(err as Error).message}\n`)
        }
        return text(200, JSON.stringify(jwks), 'application/json')
      }
      case DEV_ISSUER_DISCOVERY_PATH: {
        if (deps.devIssuer === undefined) break
        const jwksUri = `http://${req.headers.host ?? 'localhost'}${DEV_ISSUER_JWKS_PATH}`
        return text(200, JSON.stringify({ issuer: deps.devIssuer.issuer, jwks_uri: jwksUri, id_token_signing_alg_values_supported: ['ES256'] }), 'application/json')
      }
    }
    return text(404, `not found: try /healthz, /readyz or /metrics${deps.console === undefined ? '' : ' or /console/'}\n`)
  })
}
