/**
 * @module
 * Small helpers with no AWS behaviour of their own: ids, dates, headers, bodies, bounded maps.
 * This file is the folder's surface: the rest of Gatehouse imports from here only.
 */
export { isObject } from './is-object.js'
export { BoundedMap } from './bounded-map.js'
export { firstHeader, headerPairs, hostName } from './headers.js'
export { readBody, type BodyResult } from './read-body.js'
export { newLambdaRequestId, newRequestId, newTraceId, newTraceParentId } from './request-id.js'
export { clfTime } from './clf-time.js'
export { isPlainJsonString, jsonString } from './json-string.js'
