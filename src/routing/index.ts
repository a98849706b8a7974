/**
 * @module
 * Route keys, AWS's route precedence, request paths, stages and custom-domain API mappings.
 * This file is the folder's surface: the rest of Gatehouse imports from here only.
 */
export { DomainNames, dropRawSegments, dropSegments, selectApiMapping } from './custom-domain.js'
export { Router } from './router.js'
export { parseRouteKey } from './route-key.js'
export { decodePath, pathSegments, splitTarget } from './request-path.js'
export { resolveApi, resolveStage } from './stage-resolver.js'
