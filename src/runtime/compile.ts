/**
 * @module
 * Compiles a validated configuration into a `RuntimeSnapshot`: one router per API stage
 * (integration URIs may differ per stage through stage variables) and one pool of
 * execution environments per function, shared by every route that targets it.
 */
import type { GatehouseConfig, IntegrationDefinition, StageDefinition } from '../config/model.js'
import { DEFAULT_STAGE_NAME } from '../config/defaults.js'
import { functionNameOf, substituteStageVariables } from '../config/integration-uri.js'
import { FunctionPool, type FunctionPoolOptions } from '../integrations/lambda/runtime/function-pool.js'
import { Router } from '../routing/router.js'
import type { CompiledApi, CompiledIntegration, CompiledRoute, CompiledStage, RuntimeSnapshot } from './snapshot.js'

export type CompileOptions = Omit<FunctionPoolOptions, 'region' | 'baseDir'>

export function compile(config: GatehouseConfig, options: CompileOptions): RuntimeSnapshot {
  const pools = new Map<string, FunctionPool>()
  for (const fn of config.functions.values()) {
    pools.set(fn.name, new FunctionPool(fn, { ...options, region: config.region, baseDir: config.baseDir }))
  }
  const apis = new Map<string, CompiledApi>()
  for (const api of config.apis) {
    const stages = new Map<string, CompiledStage>()
    let defaultStage: CompiledStage | null = null
    for (const stage of api.stages) {
      const integrations = new Map<string, CompiledIntegration>()
      const integrationFor = (id: string): CompiledIntegration => {
        let compiled = integrations.get(id)
        if (compiled === undefined) {
          compiled = compileIntegration(api.integrations.get(id) as IntegrationDefinition, stage, pools)
          integrations.set(id, compiled)
        }
        return compiled
      }
      const routes: CompiledRoute[] = api.routes.map((r) => ({
        routeId: r.routeId,
        routeKey: r.routeKey,
        resourcePath: r.key.kind === 'path' ? r.key.path : null,
        integration: r.integrationId === null ? null : integrationFor(r.integrationId),
      }))
      const compiled: CompiledStage = {
        stageName: stage.stageName,
        stageVariables: Object.keys(stage.stageVariables).length > 0 ? stage.stageVariables : null,
        router: new Router(routes.map((route, i) => ({ key: (api.routes[i] as (typeof api.routes)[number]).key, route }))),
        routes,
      }
      if (stage.stageName === DEFAULT_STAGE_NAME) defaultStage = compiled
      else stages.set(stage.stageName, compiled)
    }
    apis.set(api.apiId, { apiId: api.apiId, name: api.name, stages, defaultStage })
  }
  return { config, apis, soleApi: apis.size === 1 ? ([...apis.values()][0] as CompiledApi) : null, pools }
}

function compileIntegration(
  integration: IntegrationDefinition,
  stage: StageDefinition,
  pools: ReadonlyMap<string, FunctionPool>
): CompiledIntegration {
  // Validation has checked that the URI resolves to a function in every stage.
  const sub = substituteStageVariables(integration.integrationUri, stage.stageVariables)
  const name = functionNameOf(sub.ok ? sub.value : integration.integrationUri)
  const pool = pools.get(name)
  if (pool === undefined) throw new Error(`Bug: integration ${integration.integrationId} names unknown function ${name}`)
  return {
    integrationId: integration.integrationId,
    integrationType: 'AWS_PROXY',
    pool,
    payloadFormatVersion: integration.payloadFormatVersion,
    timeoutInMillis: integration.timeoutInMillis,
  }
}

/** Stops a replaced snapshot's environments once their invocations finish. */
export function retire(snapshot: RuntimeSnapshot): void {
  for (const pool of snapshot.pools.values()) pool.close()
}

/** Ends every environment of a snapshot now. */
export async function destroy(snapshot: RuntimeSnapshot): Promise<void> {
  await Promise.all([...snapshot.pools.values()].map((p) => p.destroy()))
}
