import type { TestContext } from 'node:test'
import { createGateway, type Gateway, type GatewayOptions } from '../../src/index.js'
import { handlersDir } from './paths.js'

export interface StartedGateway {
  readonly gateway: Gateway
  readonly url: string
  /** Function log lines (START/END/REPORT and console output) captured so far. */
  readonly logs: string[]
}

/**
 * Starts a real gateway on 127.0.0.1:0 and stops it when the test ends. A config object's
 * handler paths resolve against test/fixtures/handlers unless `baseDir` says otherwise.
 */
export async function startGateway(
  t: TestContext,
  config: string | object,
  options: Omit<GatewayOptions, 'port' | 'host'> = {}
): Promise<StartedGateway> {
  const logs: string[] = []
  const gateway = createGateway(config, {
    baseDir: handlersDir,
    logLevel: 'silent',
    functionLogs: (line) => logs.push(line),
    ...options,
    port: 0,
    host: '127.0.0.1',
  })
  await gateway.start()
  t.after(() => gateway.stop())
  return { gateway, url: gateway.url, logs }
}

/** A one-function, one-integration API config: every listed route key targets `handler`. */
export function singleFunctionApi(options: {
  handler: string
  routeKeys?: readonly string[]
  payloadFormatVersion?: '1.0' | '2.0'
  timeout?: number
  timeoutInMillis?: number
  reservedConcurrency?: number
  environment?: Record<string, string>
  stages?: readonly object[]
  apiId?: string
}): object {
  return {
    functions: {
      fn: {
        handler: options.handler,
        ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
        ...(options.reservedConcurrency !== undefined ? { reservedConcurrency: options.reservedConcurrency } : {}),
        ...(options.environment !== undefined ? { environment: options.environment } : {}),
      },
    },
    apis: [
      {
        name: 'test-api',
        apiId: options.apiId ?? 'testapi001',
        routes: (options.routeKeys ?? ['$default']).map((routeKey) => ({ routeKey, target: 'integrations/fn' })),
        integrations: [
          {
            integrationId: 'fn',
            integrationType: 'AWS_PROXY',
            integrationUri: 'fn',
            payloadFormatVersion: options.payloadFormatVersion ?? '2.0',
            ...(options.timeoutInMillis !== undefined ? { timeoutInMillis: options.timeoutInMillis } : {}),
          },
        ],
        ...(options.stages !== undefined ? { stages: options.stages } : {}),
      },
    ],
  }
}
