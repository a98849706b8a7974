import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { ConfigError, createGateway, type Gateway, type GatewayOptions } from '../../src/index.js'
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

/** Starting a gateway with `config` must fail with a ConfigError holding an issue matching `message` (and `path`). */
export async function rejectsConfig(t: TestContext, config: object, message: RegExp, path?: RegExp): Promise<void> {
  let started: Gateway | undefined
  // Registered first: a config that is wrongly accepted must not leave a gateway running.
  t.after(() => started?.stop())
  await assert.rejects(
    async () => {
      started = createGateway(config, { baseDir: handlersDir, logLevel: 'silent', port: 0, host: '127.0.0.1' })
      await started.start()
    },
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `a ConfigError, not ${String(err)}`)
      const hit = err.issues.find((i) => message.test(i.message))
      assert.ok(hit !== undefined, `an issue matching ${String(message)} among:\n${err.message}`)
      if (path !== undefined) assert.match(hit.path, path)
      return true
    }
  )
}
