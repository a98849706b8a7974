/**
 * @module
 * The surface of `util/`: what the rest of Gatehouse may use from it.
 */
export { isObject } from './is-object.js'
export { BoundedMap } from './bounded-map.js'
export { headerPairs, hostName } from './headers.js'
export { readBody, type BodyResult } from './read-body.js'
export { newLambdaRequestId, newRequestId, newTraceId } from './request-id.js'
export { clfTime } from './clf-time.js'
