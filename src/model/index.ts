/**
 * @module
 * The shared vocabulary of Gatehouse, the bottom layer: the configuration model every source
 * produces, the compiled snapshot the planes execute (with the small interfaces that feature
 * rooms implement), the request context, replies and authorization results. It imports nothing
 * from the rest of `src/`, so every other room can depend on it and it on none of them.
 */
export type * from './origin.js'
export type * from './config.js'
export type * from './route-key.js'
export { HTTP_METHODS } from './route-key.js'
export type * from './reply.js'
export type * from './authorization.js'
export type * from './functions.js'
export { FUNCTION_TIMEOUT_ERROR_TYPE } from './functions.js'
export { MAX_REQUEST_BODY_BYTES, MAX_RESPONSE_BODY_BYTES, MAX_REQUEST_LINE_AND_HEADERS_BYTES } from './quotas.js'
export type * from './throttling.js'
export type * from './observability.js'
export type * from './snapshot.js'
export type * from './websocket.js'
