/**
 * @module
 * The console's Functions page: each function's execution environments (warm = alive and
 * idle, busy), cold starts, invocations, errors, timeouts and durations since the current
 * configuration was loaded (a reload starts new pools), and the function log tail.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FunctionPoolHandle, GatehouseConfig } from '../model/index.js'
import type { Inspector } from '../observability/index.js'
import type { ConsoleRoute } from './server.js'
import { json } from './server.js'

export interface FunctionsDependencies {
  /** The current snapshot's pools, by function name; `null` before the first load. */
  readonly pools: () => ReadonlyMap<string, FunctionPoolHandle> | null
  readonly config: () => GatehouseConfig | null
  readonly inspector: Inspector
}

export function functionsRoute(deps: FunctionsDependencies): ConsoleRoute {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET') return json(res, 405, { message: 'GET only' })
    const functions = [...(deps.pools() ?? new Map()).entries()].map(([name, pool]) => ({
      name,
      handler: deps.config()?.functions.get(name)?.handler ?? '',
      warm: pool.idle,
      busy: pool.size - pool.idle,
      ...pool.stats,
    }))
    return json(res, 200, { functions, tail: deps.inspector.functionLogTail() })
  }
}
