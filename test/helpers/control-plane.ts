// A gateway with its control plane, and the AWS SDK v3 clients pointed at it.
import type { TestContext } from 'node:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { zipSync, strToU8 } from 'fflate'
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2'
import { LambdaClient } from '@aws-sdk/client-lambda'
import { startGateway, type StartedGateway } from './gateway.js'
import type { GatewayOptions } from '../../src/index.js'

export const DUMMY_CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }

/** A fresh state folder, removed when the test ends. */
export function stateDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-state-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export interface ControlPlaneGateway extends StartedGateway {
  readonly state: string
  readonly apigw: ApiGatewayV2Client
  readonly lambda: LambdaClient
}

export async function startControlPlane(
  t: TestContext,
  options: { config?: string | object; state?: string; gateway?: Omit<GatewayOptions, 'port' | 'host'>; credentials?: typeof DUMMY_CREDENTIALS } = {}
): Promise<ControlPlaneGateway> {
  const state = options.state ?? stateDir(t)
  const started = await startGateway(t, options.config ?? {}, { admin: {}, controlPlane: { stateDir: state }, ...options.gateway })
  const clientOptions = { endpoint: started.gateway.adminUrl, region: 'us-east-1', credentials: options.credentials ?? DUMMY_CREDENTIALS, maxAttempts: 1 }
  const apigw = new ApiGatewayV2Client(clientOptions)
  const lambda = new LambdaClient(clientOptions)
  t.after(() => {
    apigw.destroy()
    lambda.destroy()
  })
  return { ...started, state, apigw, lambda }
}

/** A zip of `files` (name → source), as `CreateFunction` takes it. */
export function zipOf(files: Record<string, string>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, strToU8(text)])))
}

/** A Node.js handler answering with its event's route key and path, and `MESSAGE`. */
export const ECHO_HANDLER = `export const handler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ routeKey: event.routeKey, path: event.rawPath ?? event.path, message: process.env.MESSAGE ?? null, version: 1 }),
})
`

/** The host the data plane serves an API under (spec 2.2). */
export function apiHost(apiId: string): string {
  return `${apiId}.execute-api.us-east-1.amazonaws.com`
}
