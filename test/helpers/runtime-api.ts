// A Runtime API server whose listener records what the runtime did, for the unit tests of both
// transports (HTTP and the channel).
import type { TestContext } from 'node:test'
import { RuntimeApiServer } from '../../src/functions/runtime-api/index.js'
import type { FunctionErrorPayload } from '../../src/model/index.js'

export interface Seen {
  ready: number
  waiting: number
  responses: [string, string][]
  errors: [string, FunctionErrorPayload][]
  initErrors: FunctionErrorPayload[]
}

/** Starts a server (closed after the test) whose calls are recorded in `seen`. */
export async function recordingRuntimeApi(t: TestContext): Promise<{ api: RuntimeApiServer; seen: Seen }> {
  const seen: Seen = { ready: 0, waiting: 0, responses: [], errors: [], initErrors: [] }
  const api = await RuntimeApiServer.listen({
    onReady: () => seen.ready++,
    onWaiting: () => seen.waiting++,
    onResponse: (id, payload) => seen.responses.push([id, payload]),
    onError: (id, error) => seen.errors.push([id, error]),
    onInitError: (error) => seen.initErrors.push(error),
  })
  t.after(() => api.close())
  return { api, seen }
}
