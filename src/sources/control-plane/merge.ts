/**
 * @module
 * One configuration from the config file's and the control plane's: the file's settings
 * (region, account, iam, throttling, Redis, domain names) and both sets of APIs and functions.
 * Alias ids of per-deployment entries are mapped back to their API's id (compile serves the
 * stages of entries sharing an id as one API).
 */
import type { GatehouseConfig } from '../../model/index.js'
import type { PlaneDocument } from './document.js'

export function mergeConfigs(file: GatehouseConfig, plane: GatehouseConfig, doc: PlaneDocument): GatehouseConfig {
  const functions = new Map(file.functions)
  for (const [name, fn] of plane.functions) if (!doc.fileFunctions.has(name) && !functions.has(name)) functions.set(name, fn)
  const real = <T extends { readonly apiId: string }>(api: T): T => {
    const apiId = doc.aliases.get(api.apiId)
    return apiId === undefined ? api : { ...api, apiId }
  }
  return {
    ...file,
    functions,
    apis: [...file.apis, ...plane.apis.map(real)],
    websocketApis: [...file.websocketApis, ...plane.websocketApis.map(real)],
    warnings: [...file.warnings, ...plane.warnings],
  }
}
