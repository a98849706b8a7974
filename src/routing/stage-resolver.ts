/**
 * @module
 * Chooses the API and the stage that serve a request (spec 2.2, 0.3). The API comes from a
 * Host of the form `{apiId}.execute-api.<anything>`, or is the only API of the config. The
 * stage is the first path segment when it names a stage exactly; otherwise the whole path
 * goes to the `$default` stage; otherwise nothing serves the request (404).
 */
import type { CompiledApi, CompiledStage, RuntimeSnapshot } from '../model/index.js'

const EXECUTE_API_LABEL = '.execute-api.'

export function resolveApi(snapshot: RuntimeSnapshot, domainName: string): CompiledApi | null {
  // Host names are case-insensitive (RFC 9110 4.2.3).
  const host = domainName.toLowerCase()
  const at = host.indexOf(EXECUTE_API_LABEL)
  if (at > 0) return snapshot.apis.get(host.slice(0, at)) ?? null
  return snapshot.soleApi
}

export interface StageMatch {
  readonly stage: CompiledStage
  /** The path below the stage (`/pets` for `/dev/pets`, `/` for `/dev`). */
  readonly stagePath: string
}

export function resolveStage(api: CompiledApi, path: string): StageMatch | null {
  if (api.stages.size > 0) {
    const slash = path.indexOf('/', 1)
    const first = slash < 0 ? path.slice(1) : path.slice(1, slash)
    const named = api.stages.get(first)
    if (named !== undefined) return { stage: named, stagePath: slash < 0 ? '/' : path.slice(slash) }
  }
  return api.defaultStage !== null ? { stage: api.defaultStage, stagePath: path } : null
}
