/**
 * @module
 * The surface of `routing/`: what the rest of Gatehouse may use from it.
 */
export { DomainNames, dropRawSegments, dropSegments, selectApiMapping } from './custom-domain.js'
export { Router } from './router.js'
export { parseRouteKey } from './route-key.js'
export { decodePath, pathSegments, splitTarget } from './request-path.js'
export { resolveApi, resolveStage } from './stage-resolver.js'
