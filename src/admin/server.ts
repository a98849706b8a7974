/**
 * @module
 * The admin listener, on its own port (loopback by default): `/healthz` (the process
 * serves), `/readyz` (a configuration is loaded and the gateway is not stopping) and
 * Prometheus `/metrics`. Kept apart from the data plane so that no API route can shadow it
 * and it is never exposed by accident with the APIs.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { MetricsRegistry } from '../metrics/index.js'

export interface AdminDependencies {
  readonly metrics: MetricsRegistry
  /** `true` while the gateway serves a configuration and is not shutting down. */
  readonly ready: () => boolean
  /** The `apigatewayv2`/Lambda control plane (`/v2/…`, `/2015-03-31/…`), when the gateway runs one. */
  readonly controlPlane?: (req: IncomingMessage, res: ServerResponse) => Promise<void>
}

/** Paths the control plane answers on the admin listener. */
const CONTROL_PLANE_PATH = /^\/(v2|2015-03-31)\//

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
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'method not allowed\n')
    switch (path) {
      case '/healthz':
        return text(200, 'ok\n')
      case '/readyz':
        return deps.ready() ? text(200, 'ready\n') : text(503, 'not ready\n')
      case '/metrics':
        return text(200, deps.metrics.render(), PROMETHEUS_CONTENT_TYPE)
      default:
        return text(404, 'not found: try /healthz, /readyz or /metrics\n')
    }
  })
}
